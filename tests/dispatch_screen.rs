//! Utsending through the app's state against the sandbox: the routing and cost preview of a
//! four-recipient draft (digital, reserved, an organisation on Altinn, one with SvarInn), queuing, the background worker's
//! rounds, statuses to their final state on an accelerated SvarUt clock, timelines with
//! SvarUt's events, the dashboard, and the settings' checks.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use kommunepost_app::commands::letters::DraftForm;
use kommunepost_app::error::ErrorCode;
use kommunepost_app::state::AppState;
use kommunepost_core::clock::SystemClock;
use kommunepost_core::config::{Environment, Settings};
use kommunepost_core::paths::AppPaths;
use kommunepost_core::routing::{Route, RouteReason};
use kommunepost_core::store::{CredentialStore, LetterKind, MemoryCredentials, OutboxState};
use kommunepost_sandbox::{KrrSituation, Population, PopulationConfig};
use serde_json::json;

fn population() -> Population {
    let settings = Settings::default();
    Population::generate(&PopulationConfig {
        seed: settings.sandbox.seed.into(),
        persons: settings.sandbox.persons as usize,
        as_of: chrono::Utc::now(),
    })
}

async fn sandbox_state(dir: &std::path::Path) -> AppState {
    let credentials: Arc<dyn CredentialStore> = Arc::new(MemoryCredentials::new());
    let state =
        AppState::with_credentials(AppPaths::under(dir), Ok(credentials), Arc::new(SystemClock))
            .unwrap();
    // An hour of SvarUt time per tenth of a second: a day's print run in under 3 seconds.
    state
        .update_settings(|s| s.sandbox.svarut_speed = 36_000)
        .unwrap();
    state.ensure_sandbox().await.unwrap();
    state
}

fn four_recipient_draft() -> DraftForm {
    let population = population();
    let person = |situation| {
        let p = population.first_in(situation).unwrap();
        (
            p.fnr.expose().to_owned(),
            format!("{} {}", p.given_name, p.family_name),
        )
    };
    let (digital, digital_name) = person(KrrSituation::DigitalDigipost);
    let (reserved, reserved_name) = person(KrrSituation::Reserved);
    let org = population
        .organisations
        .iter()
        .find(|o| !o.has_receiving_system)
        .unwrap();
    let svarinn = population
        .organisations
        .iter()
        .find(|o| o.has_receiving_system)
        .unwrap();
    let csv = format!(
        "fodselsnummer;organisasjonsnummer;navn;adresselinje1;postnummer;poststed\n\
         {digital};;{digital_name};Storgata 1;7300;ORKANGER\n\
         {reserved};;{reserved_name};Storgata 2;7300;ORKANGER\n\
         ;{};{};Rådhusgata 1;7300;ORKANGER\n\
         ;{};{};Rådhusgata 2;7300;ORKANGER\n",
        org.orgnr, org.name, svarinn.orgnr, svarinn.name
    );
    serde_json::from_value(json!({
        "id": null, "title": "Vedtak om skoleskyss", "recipient_fnr": "", "recipient_name": "",
        "body": "Hei {{navn}}, du har fått skoleskyss.",
        "letter": {
            "template_id": null, "address_lines": [], "postcode": "", "city": "", "fields": [],
            "recipients_csv_base64": base64::engine::general_purpose::STANDARD.encode(csv),
            "recipients_file_name": "liste.csv", "column_map": [], "attachments": [],
            "attachment_mode": "separate"
        }
    }))
    .unwrap()
}

#[tokio::test]
async fn a_four_recipient_draft_is_previewed_sent_and_tracked_to_delivered_and_printed() {
    let dir = tempfile::tempdir().unwrap();
    let state = sandbox_state(dir.path()).await;
    let draft = four_recipient_draft();

    let plan = state.dispatch_plan(&draft).await.unwrap();
    let routes: Vec<Route> = plan.preview.rows.iter().map(|r| r.route).collect();
    assert_eq!(
        routes,
        [
            Route::DigitalPostkasse,
            Route::Papir,
            Route::Altinn,
            Route::Svarinn
        ]
    );
    assert_eq!(
        (plan.preview.altinn.letters, plan.preview.svarinn.letters),
        (1, 1),
        "SvarInn is counted apart from Altinn"
    );
    // The organisation with a receiving system is told apart (SvarUt's mottakersystem).
    assert_eq!(plan.preview.rows[2].reason, RouteReason::Organisation);
    assert_eq!(plan.preview.rows[3].reason, RouteReason::ReceivingSystem);
    assert_eq!(plan.hold_minutes, 5);
    assert_eq!(plan.environment, Environment::Sandbox);
    assert!(plan.preview.paper.cost > 30.0);
    assert!(plan.preview.saving > 0.0);
    let shown = serde_json::to_string(&plan).unwrap();
    assert!(plan.preview.rows[0].recipient.ends_with("*****)"));
    assert!(
        !population()
            .persons
            .iter()
            .any(|p| shown.contains(p.fnr.expose())),
        "a full number in the preview"
    );
    // The preview's lookup is in the audit log.
    let store = state.session().store().unwrap();
    assert_eq!(store.list_audit(10).unwrap().len(), 1);

    // Held 5 minutes by default: nothing leaves yet, and a held letter can be recalled.
    let queued = state
        .queue_draft(&draft, LetterKind::Vedtak, &plan.key, false)
        .unwrap();
    assert_eq!(queued.letters.len(), 4);
    // Once means once: the same preview confirmed again queues nothing; the same list in a
    // new preview is refused until the clerk says to send it again, naming the earlier send.
    let twice = state
        .queue_draft(&draft, LetterKind::Vedtak, &plan.key, true)
        .unwrap_err();
    assert_eq!(twice.code, ErrorCode::AlreadySent, "{twice:?}");
    let again = state.dispatch_plan(&draft).await.unwrap();
    let earlier = again.earlier.as_ref().expect("the earlier send is named");
    assert_eq!(
        (earlier.letters, earlier.title.as_str()),
        (4, "Vedtak om skoleskyss")
    );
    let unasked = state
        .queue_draft(&draft, LetterKind::Vedtak, &again.key, false)
        .unwrap_err();
    assert_eq!(unasked.code, ErrorCode::AlreadySent);
    assert!(unasked.message.contains("4 letters"), "{}", unasked.message);
    assert_eq!(store.list_outbox(None).unwrap().len(), 4);
    // The mailing keeps the list as imported, marked as made from a draft.
    let mailing = store
        .get_mailing(queued.mailing_id.as_deref().unwrap())
        .unwrap();
    assert!(mailing.from_draft());
    assert!(mailing.recipients.starts_with(b"fodselsnummer;"));
    let round = state.outbox_round(true).await.unwrap();
    assert_eq!(round.sent, 0);
    let rows = state.outbox_rows(queued.mailing_id.as_deref()).unwrap();
    assert!(rows.iter().all(|r| r.state == OutboxState::Held));
    store.recall_letter(&queued.letters[0]).unwrap();
    store
        .cancel_mailing(queued.mailing_id.as_deref().unwrap())
        .unwrap();

    // Without a hold they leave on the next round.
    let mut dispatch = state.settings().dispatch;
    dispatch.hold_minutes = 0;
    state.save_dispatch_settings(dispatch).await.unwrap();
    // Sent again after the cancel: the clerk said so.
    let queued = state
        .queue_draft(&draft, LetterKind::Ordinary, &again.key, true)
        .unwrap();
    let round = state.outbox_round(true).await.unwrap();
    assert_eq!(round.sent, 4);
    let mut finished = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        state.outbox_round(true).await.unwrap();
        let rows = state.outbox_rows(queued.mailing_id.as_deref()).unwrap();
        if rows.iter().all(|r| r.state == OutboxState::Final) {
            finished = true;
            break;
        }
    }
    assert!(finished, "every letter reached a final status");
    let rows = state.outbox_rows(queued.mailing_id.as_deref()).unwrap();
    let by_route = |route: &str| {
        rows.iter()
            .find(|r| r.route.as_deref() == Some(route))
            .unwrap()
            .status
            .clone()
            .unwrap()
    };
    assert_eq!(by_route("digital_postkasse"), "LEVERT_SDP");
    assert_eq!(by_route("papir"), "PRINTET");
    // What SvarUt's statuses show is the channel the preview promised.
    for row in &rows {
        assert_eq!(row.seen_route, row.route, "{row:?}");
    }
    let organisations: Vec<String> = rows
        .iter()
        .filter(|r| matches!(r.route.as_deref(), Some("altinn" | "svarinn")))
        .map(|r| r.status.clone().unwrap())
        .collect();
    assert_eq!(organisations.len(), 2);
    assert!(
        organisations
            .iter()
            .all(|s| ["LEST", "PRINTET"].contains(&s.as_str())),
        "{organisations:?}"
    );

    let paper = rows
        .iter()
        .find(|r| r.route.as_deref() == Some("papir"))
        .unwrap();
    let detail = state.letter_detail(&paper.id).await.unwrap();
    assert!(detail.svarut_error.is_none(), "{:?}", detail.svarut_error);
    let texts: Vec<&str> = detail
        .svarut_events
        .iter()
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(texts.first(), Some(&"Mottatt, og tildelt forsendelse-id"));
    assert_eq!(texts.last(), Some(&"Printet"));
    assert!(detail.krr_evidence.unwrap().contains("papir (reserved)"));
    assert_eq!(detail.advice, None);

    let dashboard = state.dashboard().unwrap();
    assert_eq!(dashboard.letters, 4, "recalled letters are not counted");
    // Priced from the price table on each letter's route, as the send panel prices them:
    // the reserved person's letter is paper; the others cost (almost) nothing against it.
    // An Altinn letter printed after the read deadline costs both.
    let expected: f64 = rows
        .iter()
        .map(|r| match (r.route.as_deref(), r.status.as_deref()) {
            (Some("papir"), _) | (_, Some("PRINTET")) => 30.90,
            (Some("digital_postkasse"), _) => 0.69 + 0.077,
            _ => 0.0,
        })
        .sum();
    assert!(rows.iter().all(|r| r.pages == 1));
    assert!(
        (dashboard.cost - expected).abs() < 1e-6,
        "{} {expected}",
        dashboard.cost
    );
    assert!((dashboard.saving - (4.0 * 30.90 - expected)).abs() < 1e-6);
    assert_eq!(dashboard.exceptions, 0);
}

#[tokio::test]
async fn without_a_svarut_setup_the_test_environment_says_so_and_bad_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = sandbox_state(dir.path()).await;
    state.set_environment(Environment::Test).await.unwrap();
    // An idle round needs no services (and builds no clients)…
    let idle = state.outbox_round(false).await.unwrap();
    assert!(!idle.outbox_changed(), "{idle:?}");
    // …a round with a letter to send in Test says what is missing.
    let store = state.session().store().unwrap();
    store
        .enqueue_letter(kommunepost_core::store::NewLetter {
            mailing_id: None,
            recipient_name: "Sandkasse kommune".into(),
            recipient_id: None,
            forsendelse: kommunepost_core::svarut::model::Forsendelse {
                tittel: "Brev".into(),
                ..Default::default()
            },
            documents: vec![b"%PDF-1.7\n".to_vec()],
            hold: chrono::Duration::zero(),
            kind: LetterKind::Ordinary,
            pages: 1,
            environment: "test".into(),
            case: None,
            title: None,
        })
        .unwrap();
    drop(store);
    let error = state.outbox_round(false).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::NoCredentials);

    let error = state
        .save_svarut_setup(Environment::Test, "konto", "integrasjon", Some("pw"))
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidSettings);
    let konto = "6b3c3d3e-1f2a-4b5c-8d9e-0a1b2c3d4e5f";
    let integrasjon = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
    let setup = state
        .save_svarut_setup(Environment::Test, konto, integrasjon, Some("hemmelig"))
        .await
        .unwrap();
    assert!(setup.has_password);
    assert_eq!(setup.konto_id, konto);
    // The password is not in the settings file.
    let settings_file =
        std::fs::read_to_string(AppPaths::under(dir.path()).settings_file()).unwrap();
    assert!(settings_file.contains(konto));
    assert!(!settings_file.contains("hemmelig"));

    let mut dispatch = state.settings().dispatch;
    dispatch.prices.print_first_sheet = -1.0;
    assert_eq!(
        state
            .save_dispatch_settings(dispatch)
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidSettings
    );
}

/// The same draft queued through the app's state and through the CLI (`send --draft ID
/// --yes`) gives the same outbox rows, documents, mailing and audit entries: one use case in
/// core, two adapters.
#[tokio::test]
async fn the_same_draft_queued_by_the_app_and_by_the_cli_gives_the_same_outbox_and_audit() {
    use kommunepost_core::store::{DraftInput, DraftKind, Store, UnlockWith};
    let cli = std::env::current_exe()
        .unwrap()
        .parent()
        .and_then(|deps| deps.parent())
        .map(|debug| debug.join(format!("kommunepost{}", std::env::consts::EXE_SUFFIX)))
        .unwrap();
    assert!(
        cli.exists(),
        "the CLI binary {} is built by `cargo build --workspace` (or `cargo test --workspace`)",
        cli.display()
    );
    let app_dir = tempfile::tempdir().unwrap();
    let state = sandbox_state(app_dir.path()).await;
    let draft = four_recipient_draft();
    state.dispatch_plan(&draft).await.unwrap();
    let queued = state
        .queue_draft(&draft, LetterKind::Vedtak, "k", false)
        .unwrap();
    let app_store = state.session().store().unwrap();

    let cli_dir = tempfile::tempdir().unwrap();
    let passphrase = "samme utkast i begge";
    let run = |args: &[&str]| {
        std::process::Command::new(&cli)
            .arg("--data-dir")
            .arg(cli_dir.path())
            .args(args)
            .env("KOMMUNEPOST_PASSPHRASE", passphrase)
            .env_remove("KOMMUNEPOST_DATA_DIR")
            .output()
            .unwrap()
    };
    let init = run(&["store", "init"]);
    assert!(init.status.success(), "{init:?}");
    let open = || {
        Store::open(
            cli_dir.path(),
            UnlockWith::Passphrase(kommunepost_core::secret::Secret::new(passphrase.into())),
            Arc::new(SystemClock),
        )
        .unwrap()
    };
    let saved = open()
        .upsert_draft(DraftInput {
            id: None,
            kind: DraftKind::MassMailing,
            title: draft.title.clone(),
            recipient_fnr: None,
            recipient_name: None,
            body: draft.body.clone(),
            letter: draft.letter.clone(),
        })
        .unwrap();
    let date = kommunepost_core::norway::date(chrono::Utc::now()).to_string();
    let sent = run(&[
        "send", "--draft", &saved.id, "--yes", "--kind", "vedtak", "--date", &date,
    ]);
    assert!(sent.status.success(), "{sent:?}");
    let cli_store = open();

    let rows = |store: &Store| {
        let mut rows: Vec<_> = store
            .list_outbox(None)
            .unwrap()
            .into_iter()
            .map(|l| {
                let mut forsendelse = l.forsendelse.clone();
                forsendelse.ekstern_referanse = None;
                (
                    l.recipient_name.clone(),
                    l.recipient_id.clone(),
                    l.title.clone(),
                    l.state,
                    l.kind,
                    l.pages,
                    l.environment.clone(),
                    l.attempts,
                    serde_json::to_string(&forsendelse).unwrap(),
                    store.letter_events(&l.id).unwrap().len(),
                    store.letter_documents(&l.id).unwrap(),
                )
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    };
    let (from_app, from_cli) = (rows(&app_store), rows(&cli_store));
    assert_eq!(from_app.len(), 4);
    assert_eq!(from_app, from_cli, "the same outbox rows and documents");
    let cli_letters = cli_store.list_outbox(None).unwrap();
    let mailing = |store: &Store, id: &str| {
        let m = store.get_mailing(id).unwrap();
        (m.from_draft(), m.title, m.recipients)
    };
    assert_eq!(
        mailing(&app_store, queued.mailing_id.as_deref().unwrap()),
        mailing(&cli_store, cli_letters[0].mailing_id.as_deref().unwrap())
    );
    let audit = |store: &Store| {
        store
            .list_audit(10)
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.action, e.environment, e.count, e.purpose))
            .collect::<Vec<_>>()
    };
    assert_eq!(audit(&app_store).len(), 1);
    assert_eq!(
        audit(&app_store),
        audit(&cli_store),
        "the same audit entries"
    );
}

/// "Ta sikkerhetskopi": the app writes an encrypted backup to the export folder while the
/// store is in use; it restores elsewhere with the recovery key and holds the queued letters.
#[tokio::test]
async fn the_apps_backup_restores_with_the_recovery_key() {
    use kommunepost_core::secret::Secret;
    use kommunepost_core::store::{Store, UnlockWith};
    let dir = tempfile::tempdir().unwrap();
    let state = sandbox_state(dir.path()).await;
    let queued = state
        .queue_draft(&four_recipient_draft(), LetterKind::Ordinary, "key", false)
        .unwrap();
    let recovery = state
        .session()
        .store()
        .unwrap()
        .recovery_key()
        .unwrap()
        .expose()
        .to_owned();
    let first = state.backup_store().await.unwrap();
    let second = state.backup_store().await.unwrap();
    assert_ne!(
        first, second,
        "a second backup does not overwrite the first"
    );
    assert!(first.starts_with(&dir.path().join("exports").display().to_string()));
    assert!(first.contains("kommunepost-sikkerhetskopi-") && first.ends_with(".kpdb"));
    let bytes = std::fs::read(&first).unwrap();
    assert!(
        !bytes.starts_with(b"SQLite format 3"),
        "the backup is encrypted"
    );

    let elsewhere = tempfile::tempdir().unwrap();
    kommunepost_core::store::restore(
        elsewhere.path(),
        std::path::Path::new(&first),
        UnlockWith::RecoveryKey(Secret::new(recovery.clone())),
        Arc::new(SystemClock),
    )
    .unwrap();
    let restored = Store::open(
        elsewhere.path(),
        UnlockWith::RecoveryKey(Secret::new(recovery)),
        Arc::new(SystemClock),
    )
    .unwrap();
    let letters = restored.list_outbox(None).unwrap();
    assert_eq!(letters.len(), queued.letters.len());
    assert!(
        letters
            .iter()
            .all(|l| l.state == OutboxState::Sending && l.attempts >= 1),
        "restored letters are looked up before anything is sent"
    );
}

/// Once means once: the draft a send came from is marked sent and read-only.
#[tokio::test]
async fn a_sent_draft_is_marked_sent_and_read_only() {
    use kommunepost_core::store::{DraftInput, DraftKind};
    let dir = tempfile::tempdir().unwrap();
    let state = sandbox_state(dir.path()).await;
    let mut draft = four_recipient_draft();
    let store = state.session().store().unwrap();
    let saved = store
        .upsert_draft(DraftInput {
            id: None,
            kind: DraftKind::MassMailing,
            title: draft.title.clone(),
            recipient_fnr: None,
            recipient_name: None,
            body: draft.body.clone(),
            letter: draft.letter.clone(),
        })
        .unwrap();
    draft.id = Some(saved.id.clone());
    let plan = state.dispatch_plan(&draft).await.unwrap();
    state
        .queue_draft(&draft, LetterKind::Ordinary, &plan.key, false)
        .unwrap();
    let listed = store.list_drafts().unwrap();
    let sent = listed.iter().find(|d| d.id == saved.id).unwrap();
    assert_eq!(sent.sent_letters, Some(4), "{sent:?}");
    assert!(sent.sent_at.is_some());
    let refused = store
        .upsert_draft(DraftInput {
            id: Some(saved.id.clone()),
            kind: DraftKind::MassMailing,
            title: "changed".into(),
            recipient_fnr: None,
            recipient_name: None,
            body: draft.body.clone(),
            letter: draft.letter.clone(),
        })
        .unwrap_err();
    assert!(refused.to_string().contains("make a copy"), "{refused}");
    // Its copy is editable.
    let copy = store.duplicate_draft(&saved.id).unwrap();
    assert!(
        store
            .list_drafts()
            .unwrap()
            .iter()
            .any(|d| d.id == copy.id && d.sent_at.is_none())
    );
}
