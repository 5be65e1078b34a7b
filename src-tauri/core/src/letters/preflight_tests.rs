use chrono::NaiveDate;

use super::*;
use crate::letters::attachment::tests::a4_with_text_at;
use crate::letters::compose::compose;
use crate::letters::merge::MergeValues;
use crate::letters::pdf::render;
use crate::letters::template::example;

fn letter_pdf() -> Vec<u8> {
    let values = MergeValues::new(
        [
            ("tjeneste", "praktisk bistand"),
            ("saksnummer", "2026/17"),
            ("fra_dato", "1. januar 2027"),
            ("belop", "1 200"),
            ("avdeling", "Helse og omsorg"),
            ("saksbehandler", "Kari Nordmann"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let letter = compose(
        &example(),
        &values,
        None,
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
    )
    .unwrap();
    render(&letter).unwrap().bytes
}

fn doc(name: &str, bytes: Vec<u8>, for_signing: bool) -> PackageDocument {
    PackageDocument {
        file_name: name.into(),
        bytes,
        for_signing,
    }
}

/// The codes; each problem's message for the clerk is checked to say the same thing.
fn codes(problems: &[PreflightProblem]) -> Vec<&str> {
    for p in problems {
        let key = serde_json::to_value(p.problem.key).unwrap();
        let key = key.as_str().unwrap();
        match p.code.as_str() {
            "too_large" => assert_eq!(key, "letter_too_large"),
            "pdf_unusable" => assert!(key.starts_with("pdf_"), "{key}"),
            code => assert_eq!(key, code),
        }
    }
    problems.iter().map(|p| p.code.as_str()).collect()
}

#[test]
fn a_rendered_letter_passes_every_check_for_every_channel() {
    for channel in [
        PreflightChannel::DigitalPostkasse,
        PreflightChannel::Altinn,
        PreflightChannel::Papir,
        PreflightChannel::Signing,
    ] {
        let problems = preflight("Vedtak", &[doc("vedtak.pdf", letter_pdf(), true)], channel);
        assert!(problems.is_empty(), "{channel:?}: {problems:?}");
    }
}

#[test]
fn titles_and_names_are_checked_against_their_limits() {
    let long_title = "T".repeat(101);
    let long_name = format!("{}.pdf", "n".repeat(93));
    let problems = preflight(
        &long_title,
        &[
            doc(&long_name, letter_pdf(), false),
            doc("vedtak:2026?.pdf", letter_pdf(), false),
            doc("Vedlegg.pdf", letter_pdf(), false),
            doc("vedlegg.PDF", letter_pdf(), false),
            doc("notat.docx", letter_pdf(), false),
        ],
        PreflightChannel::DigitalPostkasse,
    );
    assert_eq!(
        codes(&problems),
        [
            "title_too_long",
            "name_too_long",
            "name_forbidden_chars",
            "name_duplicate",
            "name_not_pdf"
        ]
    );
    assert!(problems[0].message.contains("101 characters; at most 100"));
    assert_eq!(
        (
            problems[0].problem.params["found"].as_str(),
            problems[0].problem.params["max"].as_str()
        ),
        ("101", "100")
    );
    assert!(problems[1].message.contains("97 characters; at most 96"));
    // A signing order's title is at most 80.
    let problems = preflight(&"T".repeat(81), &[], PreflightChannel::Signing);
    assert_eq!(codes(&problems), ["title_too_long"]);
    assert_eq!(
        codes(&preflight(" ", &[], PreflightChannel::Papir)),
        ["title_empty"]
    );
}

#[test]
fn only_one_document_may_be_marked_for_signing() {
    let problems = preflight(
        "Avtale",
        &[
            doc("a.pdf", letter_pdf(), true),
            doc("b.pdf", letter_pdf(), true),
        ],
        PreflightChannel::Signing,
    );
    assert_eq!(codes(&problems), ["signing_count"]);
    assert!(blocks(&problems));
}

#[test]
fn the_total_size_is_checked_per_channel() {
    let big = {
        // The letter with an unused 10.5 MB stream in it.
        let mut pdf = lopdf::Document::load_mem(&letter_pdf()).unwrap();
        pdf.add_object(lopdf::Stream::new(
            lopdf::Dictionary::new(),
            vec![b'x'; 10_500_000],
        ));
        let mut bytes = Vec::new();
        pdf.save_to(&mut bytes).unwrap();
        bytes
    };
    let problems = preflight(
        "Vedtak",
        &[doc("a.pdf", big.clone(), false)],
        PreflightChannel::Signing,
    );
    assert_eq!(codes(&problems), ["too_large"]);
    assert!(
        problems[0].message.contains("at most 10 MB"),
        "{}",
        problems[0].message
    );
    assert!(
        preflight(
            "Vedtak",
            &[doc("a.pdf", big, false)],
            PreflightChannel::Papir
        )
        .is_empty()
    );
}

#[test]
fn unusable_pdfs_and_narrow_margins_are_reported_and_block_print() {
    let problems = preflight(
        "Vedtak",
        &[
            doc("tom.pdf", b"not a pdf".to_vec(), false),
            doc("smal.pdf", a4_with_text_at(28), false),
        ],
        PreflightChannel::Papir,
    );
    assert_eq!(
        codes(&problems),
        ["pdf_unusable", "fonts_not_embedded", "margin_too_small"]
    );
    assert!(problems[0].message.contains("not a PDF"));
    assert!(
        problems[2]
            .message
            .contains("10 mm from the left edge; print needs at least 18 mm")
    );
    assert!(problems.iter().all(|p| p.blocking));
    // In a digital mailbox the same margins are only a warning.
    let problems = preflight(
        "Vedtak",
        &[doc("smal.pdf", a4_with_text_at(28), false)],
        PreflightChannel::DigitalPostkasse,
    );
    assert!(!blocks(&problems), "{problems:?}");
}
