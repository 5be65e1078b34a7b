//! The app's commands through Tauri's IPC layer, on the mock runtime: what the UI sends and
//! what comes back, errors as `{code, message}`.

use std::path::Path;
use std::sync::Arc;

use kommunepost_app::{bindings, state::AppState};
use kommunepost_core::clock::SystemClock;
use kommunepost_core::paths::AppPaths;
use kommunepost_core::store::{CredentialStore, MemoryCredentials};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindow, WebviewWindowBuilder};

fn app_with(
    dir: &Path,
    credentials: MemoryCredentials,
) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let credentials: Arc<dyn CredentialStore> = Arc::new(credentials);
    let state =
        AppState::with_credentials(AppPaths::under(dir), Ok(credentials), Arc::new(SystemClock))
            .unwrap();
    let app = mock_builder()
        .invoke_handler(bindings::invoke_handler::<MockRuntime>())
        .manage(state)
        // The app's real context: its capabilities decide which commands the window may call.
        .build(kommunepost_app::context::<MockRuntime>())
        .expect("mock app");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    (app, window)
}

/// The app with its store created and open (a keyring is given), said plainly if it is not.
fn unlocked_app(dir: &Path) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let (app, window) = app_with(dir, MemoryCredentials::new());
    let state = invoke(&window, "store_state", json!({})).unwrap();
    assert_eq!(
        state["state"], "unlocked",
        "the store did not open: {state}"
    );
    (app, window)
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // The app's own origin on Linux and macOS; capabilities apply to local URLs only.
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

#[test]
fn check_identifiers_returns_masked_results_with_kinds_and_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with(dir.path(), MemoryCredentials::new());

    let results = invoke(
        &window,
        "check_identifiers",
        json!({ "text": "20914695016, 20914695017\n991825827" }),
    )
    .unwrap();

    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["valid"], true);
    assert_eq!(results[0]["kind"], "fodselsnummer");
    assert_eq!(results[0]["variant"], "tenor_synthetic");
    assert_eq!(results[0]["input"], "209146 *****");
    assert_eq!(results[1]["problem"]["code"], "wrong_check_digit");
    assert_eq!(results[1]["problem"]["position"], 11);
    assert_eq!(results[2]["kind"], "organisasjonsnummer");
    assert!(
        !results.iter().any(|r| r.to_string().contains("95016")),
        "a full number crossed the IPC boundary"
    );
}

#[test]
fn first_start_creates_the_store_and_shows_the_recovery_key_until_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with(dir.path(), MemoryCredentials::new());

    assert_eq!(
        invoke(&window, "store_state", json!({})).unwrap(),
        json!({ "state": "unlocked", "key_source": "keyring" })
    );
    let key = invoke(&window, "recovery_key_to_show", json!({})).unwrap();
    assert_eq!(key.as_str().unwrap().split('-').count(), 13);
    assert_eq!(
        invoke(&window, "recovery_key_to_show", json!({})).unwrap(),
        key,
        "until confirmed"
    );
    invoke(&window, "confirm_recovery_key", json!({})).unwrap();
    assert_eq!(
        invoke(&window, "recovery_key_to_show", json!({})).unwrap(),
        Value::Null
    );
}

#[test]
fn without_a_keyring_the_ui_is_asked_for_a_passphrase_and_a_short_one_is_refused_with_a_code() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with(dir.path(), MemoryCredentials::unavailable());

    assert_eq!(
        invoke(&window, "store_state", json!({})).unwrap()["state"],
        "needs_new_passphrase"
    );
    let error = invoke(
        &window,
        "create_store_with_passphrase",
        json!({ "passphrase": "kort" }),
    )
    .unwrap_err();
    assert_eq!(error["code"], "passphrase_too_short");
    assert!(error["message"].as_str().unwrap().contains("10 characters"));

    let key = invoke(
        &window,
        "create_store_with_passphrase",
        json!({ "passphrase": "lang nok passordfrase" }),
    )
    .unwrap();
    assert!(key.as_str().unwrap().len() > 50);
    assert_eq!(
        invoke(&window, "store_state", json!({})).unwrap()["key_source"],
        "passphrase"
    );
}

#[test]
fn a_wrong_passphrase_comes_back_as_wrong_key() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (_app, window) = app_with(dir.path(), MemoryCredentials::unavailable());
        invoke(
            &window,
            "create_store_with_passphrase",
            json!({ "passphrase": "lang nok passordfrase" }),
        )
        .unwrap();
    }
    let (_app, window) = app_with(dir.path(), MemoryCredentials::unavailable());
    assert_eq!(
        invoke(&window, "store_state", json!({})).unwrap()["state"],
        "needs_passphrase"
    );
    let error = invoke(
        &window,
        "unlock_store",
        json!({ "passphrase": "feil passordfrase" }),
    )
    .unwrap_err();
    assert_eq!(error["code"], "wrong_key");
    let state = invoke(
        &window,
        "unlock_store",
        json!({ "passphrase": "lang nok passordfrase" }),
    )
    .unwrap();
    assert_eq!(state["state"], "unlocked");
}

#[test]
fn the_app_starts_in_the_sandbox_and_switching_environment_is_saved_in_settings() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with(dir.path(), MemoryCredentials::new());

    let info = invoke(&window, "app_info", json!({})).unwrap();
    assert_eq!(info["environment"], "sandbox");
    assert_eq!(info["identifier"], "no.kommunepost.desktop.dev");

    let info = invoke(&window, "set_environment", json!({ "environment": "test" })).unwrap();
    assert_eq!(info["environment"], "test");
    assert_eq!(info["sandbox_url"], Value::Null);
    let settings = std::fs::read_to_string(dir.path().join("config/settings.toml")).unwrap();
    assert!(settings.contains("environment = \"test\""), "{settings}");

    let info = invoke(
        &window,
        "set_environment",
        json!({ "environment": "sandbox" }),
    )
    .unwrap();
    assert!(
        info["sandbox_url"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
}

#[test]
fn a_window_without_the_main_capability_cannot_call_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (app, _main) = app_with(dir.path(), MemoryCredentials::new());
    let other = WebviewWindowBuilder::new(&app, "preview", Default::default())
        .build()
        .unwrap();
    let error = invoke(
        &other,
        "check_identifiers",
        json!({ "text": "20914695016" }),
    )
    .unwrap_err();
    assert!(error.to_string().contains("not allowed"), "{error}");
}

#[test]
fn drafts_are_saved_listed_masked_trashed_and_restored_through_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with(dir.path(), MemoryCredentials::new());
    let draft = json!({ "id": null, "title": "Vedtak", "recipient_fnr": "20914695016", "recipient_name": "Åse", "body": "Hei {{navn}}" });
    let saved = invoke(&window, "save_draft", json!({ "draft": draft })).unwrap();
    assert_eq!(saved["recipient_masked"], "209146 *****");
    let id = saved["id"].as_str().unwrap().to_owned();

    let list = invoke(&window, "list_drafts", json!({})).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("95016"), "lists are masked");
    let form = invoke(&window, "get_draft", json!({ "id": id })).unwrap();
    assert_eq!(
        form["recipient_fnr"], "20914695016",
        "the editor shows what the clerk typed"
    );

    let bad = json!({ "id": id, "title": "Vedtak", "recipient_fnr": "20914695017", "recipient_name": "", "body": "" });
    let error = invoke(&window, "save_draft", json!({ "draft": bad })).unwrap_err();
    assert_eq!(error["code"], "invalid_identifier");
    assert_eq!(
        invoke(&window, "get_draft", json!({ "id": id })).unwrap()["body"],
        "Hei {{navn}}",
        "nothing saved"
    );

    invoke(&window, "delete_draft", json!({ "id": id })).unwrap();
    assert_eq!(
        invoke(&window, "list_trash", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    invoke(&window, "restore_draft", json!({ "id": id })).unwrap();
    assert_eq!(
        invoke(&window, "list_drafts", json!({}))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn templates_are_imported_with_a_precise_error_for_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with(dir.path(), MemoryCredentials::new());
    invoke(&window, "add_example_template", json!({ "language": "nb" })).unwrap();
    // The example in nynorsk too (removed again: the list below is the bokmål one's).
    let nynorsk = invoke(&window, "add_example_template", json!({ "language": "nn" })).unwrap();
    let templates = invoke(&window, "list_templates", json!({})).unwrap();
    assert!(
        templates
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["language"] == "nn" && t["name"] == "Vedtak – døme (nynorsk)"),
        "{templates}"
    );
    invoke(&window, "delete_template", json!({ "id": nynorsk })).unwrap();
    let error = invoke(
        &window,
        "import_template",
        json!({ "contents": "name = \"x\"\ntitle = \"t\"\nbody = \"Hei {{navn\"" }),
    )
    .unwrap_err();
    assert_eq!(error["code"], "invalid_template");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("'{{' without a closing '}}'"),
        "{error}"
    );
    // The clerk's message: a key and its values, said by the UI in the clerk's language.
    assert_eq!(error["detail"]["key"], "markup_field", "{error}");
    assert_eq!(error["detail"]["params"]["line"], "1", "{error}");
    let file = kommunepost_core::letters::template::example_file()
        .replace("Vedtak – eksempel", "Innkalling");
    invoke(&window, "import_template", json!({ "contents": file })).unwrap();
    let names: Vec<String> = invoke(&window, "list_templates", json!({}))
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["Innkalling", "Vedtak – eksempel"]);
}

#[test]
fn a_recipient_list_is_reported_with_masked_numbers_and_problems_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with(dir.path(), MemoryCredentials::new());
    let csv = "fodselsnummer;navn;adresselinje1;postnummer;poststed\n20914695016;Åse;Storgata 1;7300;ORKANGER\n20914695017;Ola;Storgata 2;7300;ORKANGER\n";
    let report = invoke(
        &window,
        "import_recipients",
        json!({ "file": csv.as_bytes() }),
    )
    .unwrap();
    assert_eq!(
        (report["data_rows"].as_u64(), report["valid"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(report["preview"][0]["identifier"], "209146 *****");
    assert_eq!(report["problems"][0]["row"], 3);
    assert_eq!(
        report["problems"][0]["problem"]["key"], "ident_wrong_check_digit",
        "{report}"
    );
    assert!(
        !report.to_string().contains("95016"),
        "no full number in the report"
    );
    let error = invoke(
        &window,
        "import_recipients",
        json!({ "file": b"navn\nOla\n" }),
    )
    .unwrap_err();
    assert_eq!(error["code"], "invalid_recipient_list");
    assert_eq!(error["detail"]["key"], "list_missing_columns", "{error}");
}

#[test]
fn a_draft_with_a_recipient_list_is_previewed_per_row_and_kept_whole() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = unlocked_app(dir.path());
    let template = invoke(&window, "add_example_template", json!({ "language": "nb" })).unwrap();
    let csv = "fodselsnummer;navn;adresselinje1;postnummer;poststed;frist\n\
               20914695016;Åse Ødegård;Storgata 1;7300;ORKANGER;1. mars\n\
               30910099686;Liv Li;Storgata 2;7300;ORKANGER;2. mars\n";
    let mut draft = json!({
        "id": null, "title": "Innkalling", "recipient_fnr": "", "recipient_name": "",
        "body": "Hei {{navn}}, fristen er {{frist}}.",
        "letter": {
            "template_id": template, "address_lines": [], "postcode": "", "city": "", "fields": [],
            "recipients_csv_base64": base64::engine::general_purpose::STANDARD.encode(csv),
            "recipients_file_name": "liste.csv", "column_map": [], "attachments": [], "attachment_mode": "separate"
        }
    });
    // The example template's signature uses fields this list lacks: the preview says which.
    let error = invoke(
        &window,
        "preview_letter",
        json!({ "draft": draft, "row": 3 }),
    )
    .unwrap_err();
    assert_eq!(error["code"], "letter_not_ready");
    assert!(
        error["message"].as_str().unwrap().contains("saksbehandler"),
        "{error}"
    );

    draft["letter"]["template_id"] = Value::Null;
    let preview = invoke(
        &window,
        "preview_letter",
        json!({ "draft": draft, "row": 3 }),
    )
    .unwrap();
    assert_eq!(preview["title"], "Innkalling");
    assert_eq!(preview["file_name"], "Innkalling.pdf");
    assert_eq!(preview["recipient"], "Liv Li (309100 *****)");
    assert_eq!(
        preview["window_lines"],
        json!(["Liv Li", "Storgata 2", "7300 ORKANGER"])
    );
    assert_eq!(preview["pages"], 1);
    assert_eq!(preview["problems"], json!([]));
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(preview["pdf_base64"].as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7"));

    let saved = invoke(&window, "save_draft", json!({ "draft": draft })).unwrap();
    assert_eq!(saved["kind"], "mass_mailing");
    let form = invoke(&window, "get_draft", json!({ "id": saved["id"] })).unwrap();
    assert_eq!(form["letter"]["recipients_file_name"], "liste.csv");
    // Kept whole (what the form left out is kept as its default).
    let expected = serde_json::to_value(
        serde_json::from_value::<kommunepost_core::letters::draft::DraftLetter>(
            draft["letter"].clone(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(form["letter"], expected);

    let error = invoke(
        &window,
        "check_attachment",
        json!({ "file": b"not a pdf".to_vec() }),
    )
    .unwrap_err();
    assert_eq!(error["code"], "invalid_attachment");
    assert!(error["message"].as_str().unwrap().contains("not a PDF"));
    let geometry = invoke(&window, "letter_geometry", json!({})).unwrap();
    assert_eq!(geometry["window"]["left"], 15.0);
}

#[test]
fn templates_are_duplicated_exported_as_files_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with(dir.path(), MemoryCredentials::new());
    let id = invoke(&window, "add_example_template", json!({ "language": "nb" })).unwrap();
    let copy = invoke(&window, "duplicate_template", json!({ "id": id })).unwrap();
    let path = invoke(&window, "export_template", json!({ "id": copy })).unwrap();
    let path = std::path::PathBuf::from(path.as_str().unwrap());
    assert_eq!(path.parent().unwrap(), dir.path().join("exports"));
    assert_eq!(
        path.file_name().unwrap(),
        "Vedtak – eksempel (kopi).kpmal.toml"
    );
    // The exported file imports again as the same template.
    let file = std::fs::read_to_string(&path).unwrap();
    let parsed = kommunepost_core::letters::template::Template::from_file(file.as_bytes()).unwrap();
    assert_eq!(parsed.name, "Vedtak – eksempel (kopi)");
    invoke(&window, "delete_template", json!({ "id": copy })).unwrap();
    let names = invoke(&window, "list_templates", json!({})).unwrap();
    assert_eq!(names.as_array().unwrap().len(), 1);
    let error = invoke(&window, "export_template", json!({ "id": copy })).unwrap_err();
    assert_eq!(error["code"], "internal", "{error}");
}

#[test]
fn the_fields_a_single_letter_must_be_given_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with(dir.path(), MemoryCredentials::new());
    let draft = json!({ "id": null, "title": "Sak {{saksnummer}}", "recipient_fnr": "", "recipient_name": "Åse",
                        "body": "Hei {{navn}}, du bor i {{adresse}}. Frist: {{frist}}." });
    let fields = invoke(&window, "draft_fields", json!({ "draft": draft })).unwrap();
    assert_eq!(
        fields,
        json!([
            { "name": "saksnummer", "from_recipient": false },
            { "name": "navn", "from_recipient": true },
            { "name": "adresse", "from_recipient": true },
            { "name": "frist", "from_recipient": false },
        ])
    );
    let broken = json!({ "id": null, "title": "", "recipient_fnr": "", "recipient_name": "", "body": "Hei {{navn" });
    let error = invoke(&window, "draft_fields", json!({ "draft": broken })).unwrap_err();
    assert_eq!(error["code"], "letter_not_ready");
}
