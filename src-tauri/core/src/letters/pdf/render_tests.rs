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
    for text in ["Ditt fødselsnummer: 20914695016.", "Fnr. 209146 95016"] {
        let error = render(&letter(text)).unwrap_err();
        assert_eq!(
            error,
            RenderError::IdentifierOnFirstPage("209146 *****".into()),
            "{text}"
        );
    }
    // Other numbers of eleven digits (an account number) are not fødselsnummer.
    render(&letter("Kontonummer 12345678901.")).unwrap();
}
