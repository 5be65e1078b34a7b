//! The `kommunepost` binary as a script would use it.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn kommunepost(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kommunepost"));
    command
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("KOMMUNEPOST_PASSPHRASE")
        .env_remove("KOMMUNEPOST_DATA_DIR");
    command
}

fn run(command: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("run kommunepost");
    (
        status.code().unwrap_or(-1),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

#[test]
fn ident_check_prints_one_line_per_number_and_exits_1_when_any_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(kommunepost(dir.path()).args([
        "ident",
        "check",
        "20914695016",
        "01129955131",
        "991825827",
    ]));
    assert_eq!(code, 1);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(
        lines[0].starts_with("209146 *****")
            && lines[0].contains("valid")
            && lines[0].contains("Tenor")
    );
    assert!(
        lines[1].contains("INVALID") && lines[1].contains("wrong check digit"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains("991825827") && lines[2].contains("organisasjonsnummer"));
    assert!(!out.contains("95016"), "numbers are masked unless --reveal");
}

#[test]
fn ident_check_exits_0_when_all_are_valid_and_reveal_shows_them() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(kommunepost(dir.path()).args([
        "ident",
        "check",
        "--reveal",
        "20914695016",
        "30108299939",
    ]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("20914695016"));
    assert!(out.contains("2032 rule"), "{out}");
}

#[test]
fn ident_check_json_has_kind_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(kommunepost(dir.path()).args([
        "ident",
        "check",
        "--json",
        "55507608360",
        "2091469501x",
    ]));
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json[0]["kind"], "d_nummer");
    assert_eq!(json[0]["variant"], "help_or_nav_synthetic");
    assert_eq!(json[1]["problem"]["code"], "not_digits");
    assert_eq!(json[1]["problem"]["position"], 11);
}

#[test]
fn ident_check_reads_standard_input_when_no_numbers_are_given() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = kommunepost(dir.path())
        .args(["ident", "check"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"20914695016;01813048589\n30910099686\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8(output.stdout).unwrap().lines().count(), 3);
}

#[test]
fn a_passphrase_store_is_created_headless_and_its_status_shows_whether_it_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(kommunepost(dir.path())
        .args(["store", "init"])
        .env("KOMMUNEPOST_PASSPHRASE", "server passordfrase"));
    assert_eq!(code, 0, "{err}");
    let key_line = out
        .lines()
        .find(|l| l.trim().split('-').count() == 13)
        .expect("recovery key printed");
    assert_eq!(key_line.trim().len(), 64);

    let (code, out, _) = run(kommunepost(dir.path())
        .args(["store", "status"])
        .env("KOMMUNEPOST_PASSPHRASE", "server passordfrase"));
    assert_eq!(code, 0);
    assert!(
        out.contains("passphrase") && out.contains("unlocked:   yes"),
        "{out}"
    );

    let passphrase_file = dir.path().join("wrong.txt");
    std::fs::write(&passphrase_file, "feil passordfrase\n").unwrap();
    let (code, out, _) = run(kommunepost(dir.path())
        .args(["store", "status", "--json"])
        .arg("--passphrase-file")
        .arg(&passphrase_file));
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["unlocked"], false);
    assert!(json["error"].as_str().unwrap().contains("wrong key"));

    let (code, _, err) = run(kommunepost(dir.path())
        .args(["store", "init"])
        .env("KOMMUNEPOST_PASSPHRASE", "server passordfrase"));
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn store_status_of_a_missing_store_says_how_to_create_one() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(kommunepost(dir.path()).args(["store", "status"]));
    assert_eq!(code, 1);
    assert!(out.contains("kommunepost store init"), "{out}");
}

#[test]
fn sandbox_population_is_deterministic_json() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "sandbox",
        "population",
        "--json",
        "--persons",
        "25",
        "--seed",
        "3",
    ];
    let (code, first, _) = run(kommunepost(dir.path()).args(args));
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(json["persons"].as_array().unwrap().len(), 25);
    let (_, second, _) = run(kommunepost(dir.path()).args(args));
    let strip = |text: &str| -> serde_json::Value {
        // Contact dates follow the clock; the people themselves must not change.
        let mut value: serde_json::Value = serde_json::from_str(text).unwrap();
        for person in value["persons"].as_array_mut().unwrap() {
            person["krr"] = serde_json::Value::Null;
        }
        value
    };
    assert_eq!(strip(&first), strip(&second));
}

#[test]
fn sandbox_serve_prints_its_base_url_and_answers_there() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = kommunepost(dir.path())
        .args(["sandbox", "serve", "--persons", "10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let mut stream = std::net::TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"ok\""));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn config_show_applies_environment_and_endpoint_flags() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = run(kommunepost(dir.path()).args([
        "--env",
        "prod",
        "--krr-url",
        "https://krr.example.no",
        "config",
        "show",
    ]));
    assert_eq!(code, 0);
    assert!(out.contains("environment:   prod"));
    assert!(out.contains("krr:           https://krr.example.no"));
    assert!(out.contains("https://maskinporten.no/"));

    let (code, _, err) = run(kommunepost(dir.path()).args([
        "--env",
        "prod",
        "--krr-url",
        "http://krr.example.no",
        "config",
        "show",
    ]));
    assert_eq!(code, 1);
    assert!(err.contains("must use https"), "{err}");

    let (code, _, err) = run(kommunepost(dir.path()).args(["--env", "staging", "config", "show"]));
    assert_eq!(code, 2);
    assert!(err.contains("unknown environment"), "{err}");
}

#[test]
fn config_set_env_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        run(kommunepost(dir.path()).args(["config", "set-env", "test"])).0,
        0
    );
    let (_, out, _) = run(kommunepost(dir.path()).args(["config", "show"]));
    assert!(out.contains("environment:   test"), "{out}");
}

fn passphrase_store(dir: &Path) {
    let (code, _, err) = run(kommunepost(dir)
        .args(["store", "init"])
        .env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase"));
    assert_eq!(code, 0, "{err}");
}

/// One synthetic number per KRR situation, from the same population the lookup's sandbox uses.
fn one_per_situation(dir: &Path) -> Vec<(String, String)> {
    let (_, out, _) = run(kommunepost(dir).args(["sandbox", "population", "--json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut seen: Vec<(String, String)> = Vec::new();
    for person in json["persons"].as_array().unwrap() {
        let situation = person["situation"].as_str().unwrap().to_owned();
        if !seen.iter().any(|(s, _)| *s == situation) {
            seen.push((situation, person["fnr"].as_str().unwrap().to_owned()));
        }
    }
    seen
}

#[test]
fn krr_lookup_in_the_sandbox_prints_json_in_input_order_and_writes_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    passphrase_store(dir.path());
    let people = one_per_situation(dir.path());
    assert_eq!(people.len(), 9);
    let mut args: Vec<String> = ["krr", "lookup", "--json"].map(String::from).to_vec();
    args.extend(people.iter().map(|(_, fnr)| fnr.clone()));
    args.push("991825827".into());
    args.push("12345678901".into());

    let (code, out, err) = run(kommunepost(dir.path())
        .args(&args)
        .env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase"));

    assert_eq!(code, 1, "one invalid identifier: {err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 11);
    for ((situation, fnr), row) in people.iter().zip(&rows) {
        assert_eq!(row["identifier"], format!("{} *****", &fnr[..6]), "masked");
        let (route, reason, provider) = match situation.as_str() {
            "digital_digipost" => ("digital_postkasse", "has_mailbox", "digipost"),
            "digital_eboks" => ("digital_postkasse", "has_mailbox", "eboks"),
            "reserved" => ("papir", "reserved", ""),
            // SvarUt sends these to Altinn, printed after the read deadline when not read.
            "contact_expired" => ("altinn", "contact_expired", ""),
            "deleted" => ("papir", "deleted", ""),
            "not_registered" => ("papir", "not_registered", ""),
            _ => ("altinn", "no_mailbox", ""),
        };
        assert_eq!(row["route"], route, "{situation}");
        assert_eq!(row["reason"], reason, "{situation}");
        assert_eq!(
            row["postkasseleverandoer"].as_str().unwrap_or(""),
            provider,
            "{situation}"
        );
    }
    assert_eq!(rows[9]["route"], "altinn");
    assert_eq!(rows[10]["valid"], false);
    assert_eq!(rows[10]["problem"]["code"], "wrong_check_digit");
    assert!(!out.contains(&people[0].1), "no full number in the output");

    let (code, out, _) = run(kommunepost(dir.path())
        .args(["audit", "verify"])
        .env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase"));
    assert_eq!(code, 0);
    assert!(out.contains("1 entries verified"), "{out}");
    let (_, out, _) = run(kommunepost(dir.path())
        .args(["audit", "list", "--json"])
        .env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase"));
    let entries: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(entries[0]["count"], 9, "persons only, each once");
}

#[test]
fn krr_lookup_of_more_than_ten_needs_a_purpose_and_reads_a_file() {
    let dir = tempfile::tempdir().unwrap();
    passphrase_store(dir.path());
    let (_, out, _) = run(kommunepost(dir.path()).args(["sandbox", "population", "--json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let numbers: Vec<&str> = json["persons"]
        .as_array()
        .unwrap()
        .iter()
        .take(12)
        .map(|p| p["fnr"].as_str().unwrap())
        .collect();
    let file = dir.path().join("ids.csv");
    std::fs::write(&file, format!("\u{feff}{}\r\n", numbers.join(";\r\n"))).unwrap();

    let (code, _, err) = run(kommunepost(dir.path())
        .args(["krr", "lookup", "--file"])
        .arg(&file)
        .env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase"));
    assert_eq!(code, 1);
    assert!(err.contains("purpose is required"), "{err}");

    let (code, out, err) = run(kommunepost(dir.path())
        .args(["krr", "lookup", "--purpose", "Skoleskyss 2027", "--file"])
        .arg(&file)
        .env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 12);
}

#[test]
fn krr_lookup_in_test_without_credentials_says_which_flag_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    passphrase_store(dir.path());
    let (code, _, err) = run(kommunepost(dir.path())
        .args(["--env", "test", "krr", "lookup", "20914695016"])
        .env_remove("KOMMUNEPOST_CLIENT_ID")
        .env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase"));
    assert_eq!(code, 2);
    assert!(err.contains("--client-id"), "{err}");
}

#[test]
fn the_example_template_is_written_and_checks_clean_and_a_broken_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("vedtak.kpmal.toml");
    let (code, _, err) = run(kommunepost(dir.path())
        .args(["letter", "template", "example", "--out"])
        .arg(&file));
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("adresselinje1") && text.contains("{{saksnummer}}"),
        "documented and using fields"
    );

    let (code, out, _) = run(kommunepost(dir.path())
        .args(["letter", "template", "check"])
        .arg(&file));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("merge fields: tjeneste, saksnummer"), "{out}");

    // The same example in nynorsk.
    let nynorsk = dir.path().join("vedtak-nn.kpmal.toml");
    let (code, _, err) = run(kommunepost(dir.path())
        .args(["letter", "template", "example", "--language", "nn", "--out"])
        .arg(&nynorsk));
    assert_eq!(code, 0, "{err}");
    let nn = std::fs::read_to_string(&nynorsk).unwrap();
    assert!(
        nn.contains("language = \"nn\"") && nn.contains("Med venleg helsing"),
        "{nn}"
    );
    let (code, out, _) = run(kommunepost(dir.path())
        .args(["letter", "template", "check"])
        .arg(&nynorsk));
    assert_eq!(code, 0, "{out}");

    std::fs::write(&file, text.replace("{{fra_dato}}", "{{fra_dato")).unwrap();
    let (code, out, _) = run(kommunepost(dir.path())
        .args(["letter", "template", "check"])
        .arg(&file));
    assert_eq!(code, 1);
    assert!(
        out.contains("INVALID") && out.contains("'{{' without a closing '}}'"),
        "{out}"
    );
}

#[test]
fn letter_check_reports_each_pdf_and_fails_on_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let not_pdf = dir.path().join("brev.docx");
    std::fs::write(&not_pdf, b"PK\x03\x04 word").unwrap();
    let empty = dir.path().join("tom.pdf");
    std::fs::write(&empty, b"").unwrap();
    let (code, out, _) = run(kommunepost(dir.path())
        .args(["letter", "check"])
        .arg(&not_pdf)
        .arg(&empty));
    assert_eq!(code, 1);
    assert!(
        out.contains("brev.docx: ERROR: the file is not a PDF"),
        "{out}"
    );
    assert!(out.contains("tom.pdf: ERROR: the file is empty"), "{out}");
    let (code, _, err) = run(kommunepost(dir.path())
        .args(["letter", "check", "--channel", "fax"])
        .arg(&empty));
    assert_eq!(code, 2);
    assert!(err.contains("unknown channel"), "{err}");
}

#[test]
fn letter_render_writes_a_pdf_per_valid_row_and_reports_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("vedtak.kpmal.toml");
    let (code, _, err) = run(kommunepost(dir.path())
        .args(["letter", "template", "example", "--out"])
        .arg(&template));
    assert_eq!(code, 0, "{err}");
    let data = dir.path().join("mottakere.csv");
    std::fs::write(
        &data,
        "fodselsnummer;navn;adresselinje1;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
         20914695016;Åse Ødegård;Storgata 1;7300;Orkanger;bistand;2026/1;1. januar;100;Helse;Kari\n\
         20914695017;Feil Nummer;Storgata 2;7300;Orkanger;bistand;2026/2;1. januar;100;Helse;Kari\n\
         30910099686;Liv Li;Storgata 3;7300;Orkanger;bistand;2026/3;1. januar;100;Helse;\n\
         01813048589;Per Pål;Storgata 4;7300;Orkanger;bistand;2026/4;1. januar;100;Helse;Kari\n",
    )
    .unwrap();
    let out = dir.path().join("brev");
    let (code, stdout, err) = run(kommunepost(dir.path())
        .args(["letter", "render", "--date", "2026-12-01", "--template"])
        .arg(&template)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out));
    assert_eq!(
        code, 1,
        "a row failed, so the exit code is 1: {stdout}{err}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("row 2: Åse Ødegård (209146 *****) → rad00002-ase-odegard.pdf"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("row 3:")
            && lines[1].contains("ERROR")
            && lines[1].contains("check digit"),
        "{stdout}"
    );
    assert!(
        lines[2].contains("ERROR: empty merge field(s): saksbehandler"),
        "{stdout}"
    );
    assert!(lines[3].starts_with("row 5: Per Pål"), "{stdout}");
    assert!(lines[4].starts_with("2 letter(s) written"), "{stdout}");
    assert!(!stdout.contains("20914695016") && !stdout.contains("95016"));
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "rad00002-ase-odegard.pdf",
            "rad00005-per-pal.pdf",
            "report.json"
        ]
    );
    let pdf = std::fs::read(out.join("rad00002-ase-odegard.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-1.7"));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report.as_array().unwrap().len(), 4);

    // A folder with letters in it is not written into again.
    let (code, _, err) = run(kommunepost(dir.path())
        .args(["letter", "render", "--template"])
        .arg(&template)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out));
    assert_eq!(code, 2);
    assert!(err.contains("is not empty"), "{err}");

    // --json prints the same report; a second run gives byte-identical letters.
    let again = dir.path().join("brev2");
    let (_, json, _) = run(kommunepost(dir.path())
        .args([
            "letter",
            "render",
            "--json",
            "--date",
            "2026-12-01",
            "--template",
        ])
        .arg(&template)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&again));
    let printed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(printed, report);
    assert_eq!(
        std::fs::read(again.join("rad00002-ase-odegard.pdf")).unwrap(),
        pdf
    );
}

#[test]
fn letter_render_refuses_a_broken_list_and_a_bad_attachment_before_writing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("t.toml");
    run(kommunepost(dir.path())
        .args(["letter", "template", "example", "--out"])
        .arg(&template));
    let data = dir.path().join("d.csv");
    std::fs::write(&data, "navn;adresse\nOla;Gata 1\n").unwrap();
    let out = dir.path().join("ut");
    let (code, _, err) = run(kommunepost(dir.path())
        .args(["letter", "render", "--template"])
        .arg(&template)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("fodselsnummer/organisasjonsnummer"), "{err}");
    assert!(!out.exists());

    // Columns named otherwise are mapped to their fields.
    std::fs::write(&data, "Personnummer;Mottaker;Gate;Postnr;Sted;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
        20914695016;Åse;Gata 1;7300;Orkanger;bistand;2026/1;1. januar;100;Helse;Kari\n").unwrap();
    let (code, stdout, err) = run(kommunepost(dir.path())
        .args([
            "letter",
            "render",
            "--map",
            "Personnummer=fodselsnummer",
            "--map",
            "Mottaker=navn",
            "--map",
            "Gate=adresselinje1",
            "--map",
            "Postnr=postnummer",
            "--map",
            "Sted=poststed",
            "--template",
        ])
        .arg(&template)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out));
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(stdout.contains("row 2: Åse (209146 *****)"), "{stdout}");
    std::fs::remove_dir_all(&out).unwrap();

    std::fs::write(&data, "fodselsnummer;navn;adresselinje1;postnummer;poststed\n20914695016;Åse;Gata 1;7300;Orkanger\n").unwrap();
    let bad = dir.path().join("vedlegg.pdf");
    std::fs::write(&bad, b"%PDF-1.4 not really").unwrap();
    let (code, _, err) = run(kommunepost(dir.path())
        .args(["letter", "render", "--template"])
        .arg(&template)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .arg("--attach")
        .arg(&bad));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("vedlegg.pdf") && err.contains("damaged"),
        "{err}"
    );
}

#[test]
fn a_mass_mailing_is_previewed_queued_sent_through_svarut_and_tracked() {
    let dir = tempfile::tempdir().unwrap();
    passphrase_store(dir.path());
    let people = one_per_situation(dir.path());
    let fnr = |situation: &str| {
        people
            .iter()
            .find(|(s, _)| s == situation)
            .unwrap()
            .1
            .clone()
    };
    let template = dir.path().join("vedtak.kpmal.toml");
    run(kommunepost(dir.path())
        .args(["letter", "template", "example", "--out"])
        .arg(&template));
    let data = dir.path().join("liste.csv");
    std::fs::write(
        &data,
        format!(
            "fodselsnummer;organisasjonsnummer;navn;adresselinje1;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
             {};;Digital Dagny;Storgata 1;7300;ORKANGER;bistand;2026/1;1. januar;100;Helse;Kari\n\
             {};;Papir Per;Storgata 2;7300;ORKANGER;bistand;2026/2;1. januar;100;Helse;Kari\n\
             ;991825827;Firma AS;Industriveien 3;7300;ORKANGER;bistand;2026/3;1. januar;100;Helse;Kari\n",
            fnr("digital_digipost"),
            fnr("reserved")
        ),
    )
    .unwrap();
    let with_store = |command: &mut Command| {
        command.env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase");
    };

    let mut create = kommunepost(dir.path());
    create
        .args([
            "mailing",
            "create",
            "--title",
            "Vedtak desember",
            "--template",
        ])
        .arg(&template)
        .arg("--data")
        .arg(&data);
    with_store(&mut create);
    let (code, out, err) = run(&mut create);
    assert_eq!(code, 0, "{err}");
    let mailing = out.trim().to_owned();

    // Without --yes: the preview only, routed by a fresh KRR lookup.
    let mut preview = kommunepost(dir.path());
    preview.args(["send", "--mailing", &mailing]);
    with_store(&mut preview);
    let (code, out, err) = run(&mut preview);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Digital Dagny (") && out.contains("digital_postkasse (has_mailbox)"),
        "{out}"
    );
    assert!(
        out.contains("Papir Per (") && out.contains("papir (reserved)"),
        "{out}"
    );
    assert!(
        out.contains("Firma AS (991825827): altinn (organisation)"),
        "{out}"
    );
    assert!(
        out.contains("1 digital, 1 Altinn, 0 SvarInn, 1 paper"),
        "{out}"
    );
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(!out.contains(&fnr("reserved")), "numbers are masked");

    // Sent: every letter accepted by the sandbox's SvarUt.
    let mut send = kommunepost(dir.path());
    send.args([
        "send",
        "--mailing",
        &mailing,
        "--yes",
        "--hold",
        "0",
        "--wait",
        "--json",
    ]);
    with_store(&mut send);
    let (code, out, err) = run(&mut send);
    assert_eq!(code, 0, "{out}{err}");
    let letters: serde_json::Value = serde_json::from_str(
        out.lines()
            .skip_while(|l| !l.starts_with('['))
            .collect::<Vec<_>>()
            .join("\n")
            .as_str(),
    )
    .unwrap();
    assert_eq!(letters.as_array().unwrap().len(), 3);
    assert!(
        letters
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["state"] == "sent" && l["svarut_id"].is_string()),
        "{letters}"
    );

    // Once means once: the same mailing again is refused, naming the earlier send.
    let mut twice = kommunepost(dir.path());
    twice.args(["send", "--mailing", &mailing, "--yes", "--json"]);
    with_store(&mut twice);
    let (code, out, err) = run(&mut twice);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("add --again"), "{err}");
    assert!(err.contains("(3 letters,"), "{err}");
    let preview: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(preview["earlier"]["letters"], 3, "{preview}");

    // A later run (its own sandbox) still finds the statuses.
    let mut status = kommunepost(dir.path());
    status.args(["status", "--mailing", &mailing, "--json"]);
    with_store(&mut status);
    let (code, out, err) = run(&mut status);
    assert_eq!(code, 0, "{out}{err}");
    let letters: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        letters
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"].is_string()),
        "{letters}"
    );
    let mut list = kommunepost(dir.path());
    list.args(["outbox", "list"]);
    with_store(&mut list);
    let (_, out, _) = run(&mut list);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(!out.contains(&fnr("digital_digipost")), "{out}");

    // Each accepted letter has its archive package: listed, exported as the mailing's ZIP,
    // and archived by the archive's receipt; the month's public journal lists them.
    let mut archive = kommunepost(dir.path());
    archive.args(["archive", "list", "--mailing", &mailing, "--json"]);
    with_store(&mut archive);
    let (code, out, err) = run(&mut archive);
    assert_eq!(code, 0, "{err}");
    let packages: serde_json::Value = serde_json::from_str(&out).unwrap();
    let packages = packages.as_array().unwrap();
    assert_eq!(packages.len(), 3, "{out}");
    assert!(packages.iter().all(|p| p["state"] == "waiting"), "{out}");
    let exported = dir.path().join("til-arkivet");
    let mut export = kommunepost(dir.path());
    export
        .args(["archive", "export", "--mailing", &mailing, "--zip", "--out"])
        .arg(&exported);
    with_store(&mut export);
    let (code, out, err) = run(&mut export);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.trim()
            .ends_with(&format!("arkiv-utsending-{mailing}.zip")),
        "{out}"
    );
    let mut nothing = kommunepost(dir.path());
    nothing
        .args(["archive", "export", "--mailing", &mailing, "--out"])
        .arg(&exported);
    with_store(&mut nothing);
    let (code, _, err) = run(&mut nothing);
    assert_eq!(code, 1);
    assert!(err.contains("nothing to export"), "{err}");
    let receipt = dir.path().join("kvittering.xml");
    std::fs::write(
        &receipt,
        format!(
            "<arkivmeldingKvittering xmlns=\"https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/opprett/kvittering/v1\" \
             xmlns:n5mdk=\"https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1\">\
             <mappeKvittering><systemID>5d2f7a10-93c4-4b8e-a1f6-0c7d9e2b4a31</systemID>\
             <opprettetEllerEksisterende>Opprettet</opprettetEllerEksisterende>\
             <saksaar>2026</saksaar><sakssekvensnummer>77</sakssekvensnummer></mappeKvittering>\
             <registreringKvittering><systemID>a4c3e1f0-2b7d-4c9a-8e65-13f2d0b9c7e8</systemID>\
             <referanseEksternNoekkel><n5mdk:fagsystem>Kommunepost</n5mdk:fagsystem>\
             <n5mdk:noekkel>{}</n5mdk:noekkel></referanseEksternNoekkel>\
             <opprettetEllerEksisterende>Opprettet</opprettetEllerEksisterende>\
             <journalaar>2026</journalaar><journalsekvensnummer>901</journalsekvensnummer>\
             </registreringKvittering></arkivmeldingKvittering>",
            packages[0]["id"].as_str().unwrap()
        ),
    )
    .unwrap();
    let mut import = kommunepost(dir.path());
    import.args(["archive", "receipt"]).arg(&receipt);
    with_store(&mut import);
    let (code, out, err) = run(&mut import);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("archived: journalpost 2026/901 i sak 2026/77"),
        "{out}"
    );
    let mut bad = kommunepost(dir.path());
    bad.args(["archive", "receipt"]).arg(&template);
    with_store(&mut bad);
    let (code, _, err) = run(&mut bad);
    assert_ne!(code, 0);
    assert!(err.contains("not readable XML"), "{err}");
    let mut journal = kommunepost(dir.path());
    journal.args(["archive", "journal"]);
    with_store(&mut journal);
    let (code, out, err) = run(&mut journal);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(out.contains("2026/901"), "{out}");
    assert!(!out.contains(&fnr("reserved")), "{out}");

    // Three previews' lookups (the refused re-send previewed too) and the send-time lookup
    // of the two persons (one request, one entry), in an unbroken chain.
    let mut audit = kommunepost(dir.path());
    audit.args(["audit", "verify"]);
    with_store(&mut audit);
    let (code, out, _) = run(&mut audit);
    assert_eq!(code, 0);
    assert!(out.contains("4 entries verified"), "{out}");
}

#[test]
fn a_draft_from_the_app_is_sent_by_the_outbox_worker_and_watched_until_printed() {
    use kommunepost_core::store::{DraftInput, DraftKind, Store, UnlockWith};
    let dir = tempfile::tempdir().unwrap();
    passphrase_store(dir.path());
    // The sandbox's SvarUt runs a day in under a second: the letter is printed while watched.
    let settings = kommunepost_core::paths::AppPaths::under(dir.path()).settings_file();
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(&settings, "[sandbox]\nsvarut_speed = 200000\n").unwrap();
    let people = one_per_situation(dir.path());
    let reserved = people
        .iter()
        .find(|(s, _)| s == "reserved")
        .unwrap()
        .1
        .clone();

    // A single letter saved in the app's store.
    let store = Store::open(
        dir.path(),
        UnlockWith::Passphrase(kommunepost_core::secret::Secret::new(
            "cli passordfrase".into(),
        )),
        std::sync::Arc::new(kommunepost_core::clock::SystemClock),
    )
    .unwrap();
    let draft = store
        .upsert_draft(DraftInput {
            id: None,
            kind: DraftKind::Letter,
            title: "Svar på søknad".into(),
            recipient_fnr: Some(kommunepost_core::ident::Fnr::parse(&reserved).unwrap()),
            recipient_name: Some("Papir Per".into()),
            body: "Hei {{navn}}. Søknaden er innvilget.".into(),
            letter: kommunepost_core::letters::draft::DraftLetter {
                address_lines: vec!["Storgata 2".into()],
                postcode: "7300".into(),
                city: "ORKANGER".into(),
                ..Default::default()
            },
        })
        .unwrap();
    drop(store);
    let with_store = |command: &mut Command| {
        command.env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase");
    };

    // Neither or both of --mailing and --draft is a usage error.
    let (code, _, err) = run(kommunepost(dir.path()).args(["send", "--yes"]));
    assert_eq!(code, 2, "{err}");

    let mut send = kommunepost(dir.path());
    send.args([
        "send", "--draft", &draft.id, "--yes", "--hold", "0", "--kind", "vedtak",
    ]);
    with_store(&mut send);
    let (code, out, err) = run(&mut send);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Papir Per (") && out.contains("papir (reserved)"),
        "{out}"
    );
    assert!(err.contains("1 letter(s) in the outbox"), "{err}");

    // The worker run for batch jobs sends what is due (here through REST v3).
    let mut worker = kommunepost(dir.path());
    worker.args(["outbox", "run", "--json", "--svarut-api", "v3"]);
    with_store(&mut worker);
    let (code, out, err) = run(&mut worker);
    assert_eq!(code, 0, "{out}{err}");
    let outcome: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(outcome, serde_json::json!({ "sent": 1, "failed": 0 }));

    // Watched until final: printed.
    let mut watch = kommunepost(dir.path());
    watch.args(["status", "--watch", "--interval", "1"]);
    with_store(&mut watch);
    let (code, out, err) = run(&mut watch);
    assert_eq!(code, 0, "{out}{err}");
    let last = out.lines().last().unwrap();
    assert!(last.contains("final") && last.contains("PRINTET"), "{out}");
    assert!(!out.contains(&reserved), "{out}");

    // A draft with a list becomes a mass mailing when sent; it is not sent again as one.
    let store = Store::open(
        dir.path(),
        UnlockWith::Passphrase(kommunepost_core::secret::Secret::new(
            "cli passordfrase".into(),
        )),
        std::sync::Arc::new(kommunepost_core::clock::SystemClock),
    )
    .unwrap();
    use base64::Engine;
    let csv = format!(
        "fodselsnummer;navn;adresselinje1;postnummer;poststed\n{reserved};Papir Per;Storgata 2;7300;ORKANGER\n"
    );
    let listed = store
        .upsert_draft(DraftInput {
            id: None,
            kind: DraftKind::MassMailing,
            title: "Informasjon".into(),
            recipient_fnr: None,
            recipient_name: None,
            body: "Hei {{navn}}.".into(),
            letter: kommunepost_core::letters::draft::DraftLetter {
                recipients_csv_base64: Some(base64::engine::general_purpose::STANDARD.encode(csv)),
                ..Default::default()
            },
        })
        .unwrap();
    let (letters_before, mailings_before) = (
        store.list_outbox(None).unwrap().len(),
        store.mailing_count().unwrap(),
    );
    let audit_before = store.list_audit(100).unwrap().len();
    drop(store);
    // Without --yes: the preview only. Nothing is written but the audit entry of its KRR
    // lookup (every lookup is audited): no mailing, no letter.
    let mut dry = kommunepost(dir.path());
    dry.args(["send", "--draft", &listed.id]);
    with_store(&mut dry);
    let (code, out, err) = run(&mut dry);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("nothing was sent"), "{err}");
    let store = Store::open(
        dir.path(),
        UnlockWith::Passphrase(kommunepost_core::secret::Secret::new(
            "cli passordfrase".into(),
        )),
        std::sync::Arc::new(kommunepost_core::clock::SystemClock),
    )
    .unwrap();
    assert_eq!(store.list_outbox(None).unwrap().len(), letters_before);
    assert_eq!(store.mailing_count().unwrap(), mailings_before);
    let audit = store.list_audit(100).unwrap();
    assert_eq!(audit.len(), audit_before + 1);
    assert_eq!(audit[0].purpose.as_deref(), Some("Utsending: Informasjon"));
    drop(store);
    let mut send = kommunepost(dir.path());
    send.args(["send", "--draft", &listed.id, "--yes", "--json"]);
    with_store(&mut send);
    let (code, out, err) = run(&mut send);
    assert_eq!(code, 0, "{out}{err}");
    let mut list = kommunepost(dir.path());
    list.args(["outbox", "list", "--json"]);
    with_store(&mut list);
    let (_, out, _) = run(&mut list);
    let letters: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mailing = letters
        .as_array()
        .unwrap()
        .iter()
        .find_map(|l| l["mailing"].as_str())
        .expect("the list's letter has a mailing")
        .to_owned();
    let mut again = kommunepost(dir.path());
    again.args(["send", "--mailing", &mailing, "--yes"]);
    with_store(&mut again);
    let (code, _, err) = run(&mut again);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already in the outbox"), "{err}");
}

/// Sandbox people who sign by themselves (the sandbox's fixed choice per person: a digit sum
/// ending in 0 rejects, in 1 never acts).
fn signing_people(dir: &Path, n: usize) -> Vec<String> {
    let (_, out, _) = run(kommunepost(dir).args(["sandbox", "population", "--json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    json["persons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["situation"] == "digital_digipost")
        .map(|p| p["fnr"].as_str().unwrap().to_owned())
        .filter(|f| f.bytes().map(|b| u32::from(b - b'0')).sum::<u32>() % 10 > 1)
        .take(n)
        .collect()
}

#[test]
fn a_signing_order_is_created_waited_for_and_its_signed_documents_written() {
    let dir = tempfile::tempdir().unwrap();
    passphrase_store(dir.path());
    let settings = kommunepost_core::paths::AppPaths::under(dir.path()).settings_file();
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    // Sandbox signers act within a second (10 hours a second).
    std::fs::write(&settings, "[sandbox]\nsigning_speed = 36000\n").unwrap();
    let template = dir.path().join("avtale.kpmal.toml");
    run(kommunepost(dir.path())
        .args(["letter", "template", "example", "--out"])
        .arg(&template));
    let data = dir.path().join("liste.csv");
    std::fs::write(
        &data,
        "fodselsnummer;navn;adresselinje1;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
         20914695016;Åse Ødegård;Storgata 1;7300;ORKANGER;bistand;2026/1;1. januar;100;Helse;Kari\n",
    )
    .unwrap();
    let pdfs = dir.path().join("pdf");
    let (code, _, err) = run(kommunepost(dir.path())
        .args(["letter", "render", "--template"])
        .arg(&template)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&pdfs));
    assert_eq!(code, 0, "{err}");
    let pdf = std::fs::read_dir(&pdfs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pdf"))
        .unwrap();
    let people = signing_people(dir.path(), 2);
    let with_store = |command: &mut Command| {
        command.env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase");
    };

    // Without --wait the sandbox would be gone before anyone signs: refused, nothing kept.
    let mut refused = kommunepost(dir.path());
    with_store(&mut refused);
    refused
        .args(["sign", "create", "--doc"])
        .arg(&pdf)
        .args(["--signer", &people[0]]);
    let (code, _, err) = run(&mut refused);
    assert_eq!(code, 2);
    assert!(err.contains("--wait"), "{err}");

    // A bad signer is named, masked.
    let mut bad = kommunepost(dir.path());
    with_store(&mut bad);
    bad.args(["sign", "create", "--wait", "--doc"])
        .arg(&pdf)
        .args(["--signer", "20914695017"]);
    let (code, _, err) = run(&mut bad);
    assert_eq!(code, 2);
    assert!(
        err.contains("209146 *****") && !err.contains("95017"),
        "{err}"
    );

    let mut create = kommunepost(dir.path());
    with_store(&mut create);
    create
        .args([
            "sign",
            "create",
            "--wait",
            "--sequential",
            "--json",
            "--title",
            "Avtale om bistand",
            "--doc",
        ])
        .arg(&pdf)
        .args([
            "--signer",
            &people[0],
            "--signer",
            &people[1],
            "--level",
            "3",
            "--deadline",
            "7",
            "--copy",
        ]);
    let (code, out, err) = run(&mut create);
    assert_eq!(code, 0, "{err}");
    let created: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(created["job_id"].as_i64().is_some());
    assert!(err.contains("COMPLETED_SUCCESSFULLY"), "{err}");
    assert!(
        err.contains("put in the outbox"),
        "signed copies queued: {err}"
    );

    let mut status = kommunepost(dir.path());
    with_store(&mut status);
    status.args(["sign", "status", "--job", &id]);
    let (code, out, err) = run(&mut status);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Completed") && out.contains("Alle har signert"),
        "{out}"
    );
    assert!(
        out.contains(&format!("{} *****", &people[0][..6])) && !out.contains(&people[0]),
        "masked: {out}"
    );

    let out_dir = dir.path().join("signert");
    let mut download = kommunepost(dir.path());
    with_store(&mut download);
    download
        .args(["sign", "download", "--job", &id, "--out"])
        .arg(&out_dir);
    let (code, out, err) = run(&mut download);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(
        std::fs::read(out_dir.join("signert.pdf"))
            .unwrap()
            .starts_with(b"%PDF-")
    );
    assert!(out_dir.join("xades-2.xml").exists());

    // A finished order cannot be cancelled.
    let mut cancel = kommunepost(dir.path());
    with_store(&mut cancel);
    cancel.args(["sign", "cancel", "--job", &id]);
    let (code, _, err) = run(&mut cancel);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_sensitive_mailing_is_previewed_and_sent_at_level_4_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    passphrase_store(dir.path());
    let people = one_per_situation(dir.path());
    let digital = people
        .iter()
        .find(|(s, _)| s == "digital_digipost")
        .unwrap()
        .1
        .clone();
    let template = dir.path().join("vedtak.kpmal.toml");
    run(kommunepost(dir.path())
        .args(["letter", "template", "example", "--out"])
        .arg(&template));
    let data = dir.path().join("liste.csv");
    std::fs::write(
        &data,
        format!(
            "fodselsnummer;navn;adresselinje1;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
             {digital};Digital Dagny;Storgata 1;7300;ORKANGER;avlastning;2026/9;1. januar;100;Helse;Kari\n"
        ),
    )
    .unwrap();
    let with_store = |command: &mut Command| {
        command.env("KOMMUNEPOST_PASSPHRASE", "cli passordfrase");
    };
    let mut create = kommunepost(dir.path());
    create
        .args([
            "mailing",
            "create",
            "--title",
            "Avlastning",
            "--sensitive",
            "--template",
        ])
        .arg(&template)
        .arg("--data")
        .arg(&data);
    with_store(&mut create);
    let (code, out, err) = run(&mut create);
    assert_eq!(code, 0, "{err}");
    let mailing = out.trim().to_owned();

    let mut preview = kommunepost(dir.path());
    preview.args(["send", "--mailing", &mailing]);
    with_store(&mut preview);
    let (code, out, err) = run(&mut preview);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("sensitive: every letter needs level-4 login and leaves encrypted"),
        "{out}"
    );

    let mut send = kommunepost(dir.path());
    send.args([
        "send",
        "--mailing",
        &mailing,
        "--yes",
        "--hold",
        "0",
        "--wait",
        "--json",
    ]);
    with_store(&mut send);
    let (code, out, err) = run(&mut send);
    assert_eq!(code, 0, "{out}{err}");
    let preview: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(preview["sensitive"], true, "{preview}");
    let letters: serde_json::Value = serde_json::from_str(
        out.lines()
            .skip_while(|l| !l.starts_with('['))
            .collect::<Vec<_>>()
            .join("\n")
            .as_str(),
    )
    .unwrap();
    assert!(
        letters
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["state"] == "sent" && l["svarut_id"].is_string()),
        "accepted by the sandbox's SvarUt, which decrypts every file: {letters}"
    );
}
