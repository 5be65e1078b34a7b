use super::*;

fn text(t: &str) -> Inline {
    Inline::Text { text: t.into() }
}

#[test]
fn paragraphs_headings_and_emphasis_are_read() {
    let body =
        "# Vedtak\n\nDu har fått **plass** i\nSolsikken *barnehage*.\n\n## Klage\nDu kan klage.";
    let blocks = parse(body).unwrap();
    assert_eq!(blocks.len(), 4);
    assert_eq!(
        blocks[0],
        Block::Heading {
            level: 1,
            content: vec![text("Vedtak")]
        }
    );
    assert_eq!(
        blocks[1],
        Block::Paragraph {
            content: vec![
                text("Du har fått "),
                Inline::Bold {
                    content: vec![text("plass")]
                },
                text(" i Solsikken "),
                Inline::Italic {
                    content: vec![text("barnehage")]
                },
                text("."),
            ]
        }
    );
    assert!(matches!(blocks[2], Block::Heading { level: 2, .. }));
}

#[test]
fn bullet_and_numbered_lists_are_separate_lists() {
    let blocks = parse("- én\n- to\n1. første\n2. andre\n3. tredje").unwrap();
    assert_eq!(blocks.len(), 2);
    assert!(matches!(&blocks[0], Block::List { numbered: false, items } if items.len() == 2));
    assert!(matches!(&blocks[1], Block::List { numbered: true, items } if items.len() == 3));
}

#[test]
fn a_simple_table_has_a_header_and_rows() {
    let blocks = parse(
        "| Periode | Beløp |\n|---|---:|\n| Januar | 1 200 kr |\n| Februar | {{belop_feb}} |",
    )
    .unwrap();
    let Block::Table { header, rows } = &blocks[0] else {
        panic!("{blocks:?}")
    };
    assert_eq!(header.len(), 2);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1][1],
        vec![Inline::Field {
            name: "belop_feb".into()
        }]
    );
}

#[test]
fn a_ragged_table_row_is_an_error_with_its_line() {
    let error = parse("| a | b |\n|---|---|\n| 1 |").unwrap_err();
    assert_eq!(
        error,
        MarkdownError::TableShape {
            line: 3,
            expected: 2,
            found: 1
        }
    );
}

#[test]
fn merge_fields_are_found_everywhere_in_order_of_first_use() {
    let body = "# {{tittel}}\nHei {{navn}}, {{ navn }}!\n\n- Sak {{saksnummer}}\n\n| Felt |\n|---|\n| **{{beløp}}** |";
    let blocks = parse(body).unwrap();
    assert_eq!(fields(&blocks), ["tittel", "navn", "saksnummer", "beløp"]);
}

#[test]
fn broken_merge_fields_are_errors_not_text() {
    assert!(matches!(
        parse("Hei {{navn"),
        Err(MarkdownError::Field { line: 1, .. })
    ));
    assert!(matches!(
        parse("linje\n\nHei {{}}"),
        Err(MarkdownError::Field { line: 3, .. })
    ));
    let bad = parse("Hei {{na vn}}").unwrap_err().to_string();
    assert!(bad.contains("not a field name"), "{bad}");
}

#[test]
fn unclosed_emphasis_is_an_error() {
    assert!(matches!(
        parse("Dette er **viktig"),
        Err(MarkdownError::Unclosed { .. })
    ));
}

#[test]
fn stars_and_underscores_inside_words_or_before_spaces_stay_text() {
    let blocks = parse("sak_nr_12 og 2 * 3 = 6").unwrap();
    assert_eq!(
        blocks[0],
        Block::Paragraph {
            content: vec![text("sak_nr_12 og 2 * 3 = 6")]
        }
    );
}

#[test]
fn escapes_give_the_character_itself_and_markup_like_text_is_kept() {
    let blocks = parse("\\*ikke kursiv\\* og \\{{ikke felt}} <b>ikke html</b>").unwrap();
    assert_eq!(
        blocks[0],
        Block::Paragraph {
            content: vec![text("*ikke kursiv* og {{ikke felt}} <b>ikke html</b>")]
        }
    );
}

#[test]
fn norwegian_letters_pass_through_untouched() {
    let blocks = parse("Ærede Åse Ødegård, takk for søknaden.").unwrap();
    assert_eq!(
        blocks[0],
        Block::Paragraph {
            content: vec![text("Ærede Åse Ødegård, takk for søknaden.")]
        }
    );
}

#[test]
fn hostile_nesting_and_size_are_refused_with_a_reason_not_a_crash() {
    // `_*` repeated 50 000 times used to recurse once per character and overflow the stack.
    let hostile = "_*".repeat(50_000);
    assert_eq!(
        parse(&hostile).unwrap_err(),
        MarkdownError::TooDeep { line: 1 }
    );
    let deep = format!("{}tekst{}", "**_".repeat(5), "_**".repeat(5));
    assert!(matches!(
        parse(&deep).unwrap_err(),
        MarkdownError::TooDeep { .. }
    ));
    // Ordinary nesting is fine.
    assert!(parse("**fet *og kursiv* tekst**").is_ok());
    let huge = "a".repeat(MAX_BODY_BYTES + 1);
    assert!(matches!(
        parse(&huge).unwrap_err(),
        MarkdownError::TooLarge { .. }
    ));
}
