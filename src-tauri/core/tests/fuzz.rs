//! Property-based fuzzing of every parser that reads what users, files and services give:
//! whatever the input, a parser answers (a value or an error) and never panics, and what it
//! lets through keeps its promises (a masked text holds no fødselsnummer; an accepted plain-http
//! address is on the loopback; a DTD is never read).
//!
//! CI runs a short pass. The documented long run (≥ 100 000 cases in all):
//! `KOMMUNEPOST_FUZZ_CASES=15000 cargo test -p kommunepost-core --release --test fuzz`.
//! A crash found here becomes a case in `tests/corpus/`.

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

fn config() -> Config {
    let cases = std::env::var("KOMMUNEPOST_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

/// Text that looks like what the parsers see: digits, separators, markup, emphasis and
/// field markers, non-ASCII letters, control characters.
fn texty() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("0".to_owned()),
        Just("20914695016".to_owned()),
        Just("209146 95016".to_owned()),
        Just("20.91.46-95016".to_owned()),
        Just("991825827".to_owned()),
        "[0-9]{1,12}",
        Just("*".to_owned()),
        Just("_".to_owned()),
        Just("**".to_owned()),
        Just("{{".to_owned()),
        Just("}}".to_owned()),
        Just("|".to_owned()),
        Just("\n".to_owned()),
        Just("# ".to_owned()),
        Just("- ".to_owned()),
        Just(";".to_owned()),
        Just(",".to_owned()),
        Just("\"".to_owned()),
        Just("ÆØÅæøå".to_owned()),
        Just("\u{0}".to_owned()),
        Just("\u{202e}".to_owned()),
        "\\PC{0,8}",
    ];
    prop::collection::vec(pieces, 0..60).prop_map(|p| p.concat())
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn identifiers_and_masking(text in texty()) {
        let _ = kommunepost_core::ident::Identifier::parse(&text);
        let checked = kommunepost_core::ident::check(&text, today());
        for input in kommunepost_core::ident::split_input(&text) {
            let _ = kommunepost_core::ident::check(&input, today());
        }
        let masked = kommunepost_core::mask::text(&text);
        prop_assert!(!has_a_number(&masked), "{masked:?}");
        prop_assert!(!checked.input.contains("20914695016"));
    }

    #[test]
    fn recipient_lists(bytes in prop::collection::vec(any::<u8>(), 0..2000), text in texty()) {
        let _ = kommunepost_core::letters::recipients::read_recipients(&bytes);
        let csv = format!("fodselsnummer;navn;adresselinje1;postnummer;poststed\n{text}\n");
        let _ = kommunepost_core::letters::recipients::read_recipients(csv.as_bytes());
    }

    #[test]
    fn templates_and_letter_bodies(body in texty(), raw in "\\PC{0,200}") {
        let _ = kommunepost_core::letters::markdown::parse(&body);
        let _ = kommunepost_core::letters::template::Template::from_file(raw.as_bytes());
        let file = format!(
            "format = 1\nname = \"x\"\ntitle = \"t\"\nbody = \"\"\"\n{}\n\"\"\"\n",
            body.replace(['"', '\\'], "'")
        );
        let _ = kommunepost_core::letters::template::Template::from_file(file.as_bytes());
    }

    #[test]
    fn pdf_attachments(tail in prop::collection::vec(any::<u8>(), 0..3000), cut in 0usize..400) {
        let mut bytes = b"%PDF-1.7\n".to_vec();
        bytes.extend_from_slice(&tail);
        let _ = kommunepost_core::letters::attachment::check_pdf(&bytes, 10_000_000);
        // A real letter, cut short and with bytes flipped.
        let letter = sample_pdf();
        let mut broken = letter[..letter.len().saturating_sub(cut)].to_vec();
        for (i, b) in tail.iter().take(16).enumerate() {
            let at = (usize::from(*b) * 97 + i * 31) % broken.len().max(1);
            if let Some(byte) = broken.get_mut(at) {
                *byte ^= b | 1;
            }
        }
        let _ = kommunepost_core::letters::attachment::check_pdf(&broken, 10_000_000);
        let _ = kommunepost_core::letters::attachment::left_margin_mm(&broken);
    }

    #[test]
    fn krr_answers(body in "\\PC{0,300}", time in "\\PC{0,40}") {
        let _ = kommunepost_core::krr::time::parse_krr_time(&time);
        let _ = serde_json::from_str::<kommunepost_core::krr::PersonerResponse>(&body);
        let json = format!(
            "{{\"personer\":[{{\"personidentifikator\":\"20914695016\",\"kontaktinformasjon\":{{\"epostadresse_oppdatert\":{}}}}}]}}",
            serde_json::to_string(&time).unwrap()
        );
        if let Ok(answer) = serde_json::from_str::<kommunepost_core::krr::PersonerResponse>(&json) {
            let _ = kommunepost_core::routing::route_person(answer.personer.first(), chrono::Utc::now());
        }
    }

    #[test]
    fn svarut_answers(status in 100u16..600, body in "\\PC{0,300}") {
        let error = kommunepost_core::svarut::client::error_for(status, body.as_bytes());
        prop_assert!(!has_a_number(&error.to_string()));
        let _ = serde_json::from_str::<kommunepost_core::svarut::model::ForsendelseStatuser>(&body);
    }

    #[test]
    fn signing_answers(body in "\\PC{0,300}", inner in texty()) {
        use kommunepost_core::signing::xml;
        let _ = xml::parse_status(&body);
        if let Some(error) = xml::parse_error(&body) {
            prop_assert!(!has_a_number(&error.message), "{}", error.message);
        }
        let refused = format!("<error><error-code>X</error-code><error-message>{}</error-message><error-type>CLIENT</error-type></error>", inner.replace('&', "&amp;").replace('<', "&lt;"));
        if let Some(error) = xml::parse_error(&refused) {
            prop_assert!(!has_a_number(&error.message), "{}", error.message);
        }
        let _ = xml::parse_portal_response(&body);
        let _ = xml::parse_direct_response(&body);
        let escaped = inner.replace('&', "&amp;").replace('<', "&lt;");
        let wrapped = format!(
            "<?xml version=\"1.0\"?><portal-signature-job-status-change-response xmlns=\"http://signering.posten.no/schema/v1\"><signature-job-id>{escaped}</signature-job-id><status>{escaped}</status></portal-signature-job-status-change-response>"
        );
        let _ = xml::parse_status(&wrapped);
        // A DTD is never read (no entity expansion).
        let dtd = format!("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"{escaped}\">]><x>&a;</x>");
        prop_assert!(xml::parse_status(&dtd).is_err());
    }

    #[test]
    fn endpoint_addresses(url in "(https?|file|ftp|javascript)?:?/{0,3}\\PC{0,40}") {
        use kommunepost_core::config::{EndpointOverrides, Environment, Settings};
        let flags = EndpointOverrides { krr: Some(url.clone()), ..EndpointOverrides::default() };
        for environment in [Environment::Test, Environment::Production] {
            if let Ok(endpoints) = Settings::default().endpoints(environment, &flags, None) {
                let parsed = url::Url::parse(&endpoints.krr).unwrap();
                prop_assert!(parsed.username().is_empty() && parsed.password().is_none());
                if parsed.scheme() == "http" {
                    let host = parsed.host_str().unwrap_or_default();
                    prop_assert!(
                        host == "localhost" || host == "[::1]" || host.starts_with("127."),
                        "{url}"
                    );
                } else {
                    prop_assert_eq!(parsed.scheme(), "https");
                }
            }
        }
    }
}

/// A fødselsnummer as masking defines one: a run of exactly eleven digits.
fn has_a_number(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() == 11)
}

fn sample_pdf() -> Vec<u8> {
    use std::sync::OnceLock;
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| {
        let csv = "fodselsnummer;navn;adresselinje1;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
                   20914695016;Åse Ødegård;Storgata 1;7300;ORKANGER;bistand;2026/1;1. januar;100;Helse;Kari\n";
        let list = kommunepost_core::letters::recipients::read_recipients(csv.as_bytes()).unwrap();
        let letter = kommunepost_core::letters::compose::compose_for(
            &kommunepost_core::letters::template::example(),
            &list.recipients[0],
            today(),
        )
        .unwrap();
        kommunepost_core::letters::pdf::render(&letter).unwrap().bytes
    })
    .clone()
}
