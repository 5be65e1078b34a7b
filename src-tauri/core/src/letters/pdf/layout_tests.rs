use chrono::NaiveDate;

use super::*;
use crate::letters::compose::{Address, Letter};
use crate::letters::markdown::parse;
use crate::letters::pdf::geometry::{ADDRESS, TEXT_WIDTH, WINDOW};
use crate::letters::template::example;

pub(crate) fn letter(body: &str) -> Letter {
    let template = example();
    Letter {
        letterhead: template.letterhead,
        recipient: Some(Address {
            name: "Åse Ødegård".into(),
            lines: vec!["Storgata 1".into(), "7300 Orkanger".into()],
        }),
        date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        reference: Some("2026/17".into()),
        title: "Vedtak om praktisk bistand".into(),
        body: parse(body).unwrap(),
        closing: "Med vennlig hilsen".into(),
        signature: vec!["Kari Nordmann".into(), "saksbehandler".into()],
        footer: Some("Sandkasse kommune · www.sandkasse.kommune.no".into()),
        language: crate::letters::template::Language::Nb,
    }
}

fn texts(layout: &Layout, page: usize) -> Vec<String> {
    layout.pages[page].lines.iter().map(Line::text).collect()
}

#[test]
fn the_address_is_set_inside_the_envelope_window_and_nothing_else_is() {
    let layout = layout(&letter("Hei."), None).unwrap();
    let page = &layout.pages[0];
    let inside: Vec<String> = page
        .lines
        .iter()
        .filter(|l| {
            let [left, top, right, bottom] = l.bounds();
            left < WINDOW.right()
                && right > WINDOW.left
                && top < WINDOW.bottom()
                && bottom > WINDOW.top
        })
        .map(Line::text)
        .collect();
    assert_eq!(inside, ["Åse Ødegård", "Storgata 1", "7300 Orkanger"]);
    for line in page.lines.iter().filter(|l| inside.contains(&l.text())) {
        let [left, top, right, bottom] = line.bounds();
        assert!(
            ADDRESS.contains(&crate::letters::pdf::geometry::Rect {
                left,
                top,
                width: right - left,
                height: bottom - top
            }),
            "{} at {:?}",
            line.text(),
            line.bounds()
        );
    }
}

#[test]
fn six_address_lines_fit_and_a_seventh_is_refused() {
    let mut l = letter("Hei.");
    l.recipient.as_mut().unwrap().lines = (1..=5).map(|i| format!("Linje {i}")).collect();
    let page = &layout(&l, None).unwrap().pages[0];
    let last = page.lines.iter().find(|l| l.text() == "Linje 5").unwrap();
    assert!(last.bounds()[3] <= ADDRESS.bottom());
    l.recipient.as_mut().unwrap().lines.push("Linje 6".into());
    assert_eq!(layout(&l, None), Err(LayoutError::AddressTooLong(7)));
    l.recipient.as_mut().unwrap().lines = vec!["W".repeat(60)];
    assert!(matches!(
        layout(&l, None),
        Err(LayoutError::AddressTooWide(_))
    ));
}

#[test]
fn a_long_letter_flows_over_pages_numbered_side_i_av_n() {
    let body = (1..=60)
        .map(|i| {
            format!("Avsnitt {i}: Dette er en setning som gjentas for å fylle siden med tekst.")
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let layout = layout(&letter(&body), None).unwrap();
    let n = layout.pages.len();
    assert!(n >= 3, "{n} pages");
    for (i, page) in layout.pages.iter().enumerate() {
        assert!(texts(&layout, i).contains(&format!("Side {} av {n}", i + 1)));
        for line in &page.lines {
            let [left, top, right, bottom] = line.bounds();
            assert!(
                left >= 25.0 - 1e-3 && right <= 190.0 + 1e-3,
                "{}",
                line.text()
            );
            assert!(top >= 15.0 && bottom <= 297.0 - 5.0, "{}", line.text());
            if line.node.is_some() {
                assert!(bottom <= 297.0 - 25.0 + 1.5, "{} at {bottom}", line.text());
            }
        }
    }
    // Every paragraph is there, in order, once.
    let all: String = (0..n)
        .flat_map(|i| texts(&layout, i))
        .collect::<Vec<_>>()
        .join("\n");
    let mut at = 0;
    for i in 1..=60 {
        let found = all[at..].find(&format!("Avsnitt {i}:")).unwrap();
        at += found + 1;
    }
}

#[test]
fn lines_break_at_spaces_and_keep_styles() {
    let lines = wrap(
        &[
            Span {
                style: Style::Regular,
                text: "Du har fått ".into(),
            },
            Span {
                style: Style::Bold,
                text: "innvilget".into(),
            },
            Span {
                style: Style::Regular,
                text: " søknaden din om praktisk bistand i hjemmet.".into(),
            },
        ],
        10.5,
        40.0,
    );
    assert!(lines.len() > 1);
    let joined: Vec<String> = lines
        .iter()
        .map(|l| l.iter().map(|(_, s)| s.text.as_str()).collect())
        .collect();
    assert_eq!(
        joined.join(" "),
        "Du har fått innvilget søknaden din om praktisk bistand i hjemmet."
    );
    assert!(
        lines
            .iter()
            .flatten()
            .any(|(_, s)| s.style == Style::Bold && s.text == "innvilget")
    );
    for line in &lines {
        let (x, last) = line.last().unwrap();
        assert!(x + mm_width(last.style, &last.text, 10.5) <= 40.0 + 1e-3);
    }
    // A word longer than the line is broken, not lost.
    let long = wrap(&plain_spans(&"x".repeat(200), Style::Regular), 10.5, 40.0);
    assert!(long.len() > 1);
    assert_eq!(
        long.iter()
            .flatten()
            .map(|(_, s)| s.text.len())
            .sum::<usize>(),
        200
    );
}

#[test]
fn structure_follows_the_body() {
    let layout = layout(
        &letter("## Vedtak\n\nTekst.\n\n- a\n- b\n\n| A | B |\n|---|---|\n| 1 | 2 |"),
        None,
    )
    .unwrap();
    let roles: Vec<&str> = layout.nodes.iter().map(|n| n.role).collect();
    for role in [
        "Document", "H1", "H3", "P", "L", "LI", "Lbl", "LBody", "Table", "TR", "TH", "TD",
    ] {
        assert!(roles.contains(&role), "{role} missing: {roles:?}");
    }
    // Page numbers are artifacts.
    let number = layout.pages[0]
        .lines
        .iter()
        .find(|l| l.text().starts_with("Side "))
        .unwrap();
    assert_eq!(number.node, None);
}

#[test]
fn one_long_cell_does_not_squeeze_the_other_columns() {
    let widths = column_widths(&[15.0, 20.0, 600.0]);
    assert!(
        (widths.iter().sum::<f32>() - TEXT_WIDTH).abs() < 0.01,
        "{widths:?}"
    );
    assert_eq!(&widths[..2], &[15.0, 20.0]);
    // Too many columns for 15 mm each: equal shares.
    let many = column_widths(&[40.0; 12]);
    assert!(many.iter().all(|w| (w - TEXT_WIDTH / 12.0).abs() < 0.01));
    // Narrow tables keep their natural widths.
    assert_eq!(column_widths(&[20.0, 30.0]), [20.0, 30.0]);
}

#[test]
fn a_letterhead_that_would_reach_the_window_is_refused() {
    let mut l = letter("Hei.");
    l.letterhead.postal_address = "Postboks 1, 7301 Orkanger, ".repeat(25);
    assert_eq!(layout(&l, None), Err(LayoutError::LetterheadTooTall));
}
