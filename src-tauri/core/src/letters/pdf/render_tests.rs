use super::*;
use crate::letters::pdf::layout::tests::letter;

#[test]
fn the_same_letter_gives_the_same_bytes() {
    let a = render(&letter("Hei, dette er et brev med æøå ÆØÅ.")).unwrap();
    let b = render(&letter("Hei, dette er et brev med æøå ÆØÅ.")).unwrap();
    assert_eq!(a, b);
    assert!(a.bytes.starts_with(b"%PDF-1.7\n%"));
    assert_eq!(a.pages, 1);
}

#[test]
fn a_fodselsnummer_on_page_one_is_refused_wherever_it_comes_from() {
    let split_by_the_line_break = format!("{} 209146 95016", "ord ".repeat(22));
    for text in [
        "Ditt fødselsnummer: 20914695016.",
        "Fnr. 209146 95016",
        "Fnr. 209146\u{a0}95016",
        "Fnr. 209146-95016",
        // Split over two lines by the line break.
        split_by_the_line_break.as_str(),
        // Split inside a narrow table cell.
        "| A | B | C |\n|---|---|---|\n| 20914695016 | x | x |",
    ] {
        let error = render(&letter(text)).unwrap_err();
        assert_eq!(
            error,
            RenderError::IdentifierOnFirstPage("209146 *****".into()),
            "{text}"
        );
    }
    // Other numbers of eleven digits (an account number) are not fødselsnummer.
    render(&letter("Kontonummer 12345678901.")).unwrap();
    // A 12-digit number that contains one is not one.
    render(&letter("Referanse 209146950161.")).unwrap();
}

#[test]
fn invisible_characters_are_dropped_and_unprintable_ones_are_named() {
    // Zero-width spaces and soft hyphens from Word vanish; the text extracts as written.
    let rendered = render(&letter("Hei\u{200b} Åse\u{ad}Marie\u{feff}.")).unwrap();
    assert_eq!(rendered.pages, 1);
    let error = render(&letter("Hei 😀 og 🎉.")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the letter has characters the typeface cannot print: '😀' (U+1F600), '🎉' (U+1F389); remove or replace them"
    );
}
