use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Stream, dictionary};

use super::*;

/// A one-page PDF made with lopdf: `width` × `height` points, Helvetica (not embedded) when
/// `text` is set.
fn pdf(width: i64, height: i64, text: bool) -> Vec<u8> {
    pdf_with(width, height, text, false)
}

fn pdf_with(width: i64, height: i64, text: bool, encrypt: bool) -> Vec<u8> {
    build(width, height, text.then_some(72), encrypt)
}

/// An A4 page with text starting `x` points from the left edge (inside a `cm` shift of 10).
pub(crate) fn a4_with_text_at(x: i64) -> Vec<u8> {
    build(A4.0, A4.1, Some(x), false)
}

fn build(width: i64, height: i64, text_x: Option<i64>, encrypt: bool) -> Vec<u8> {
    let text = text_x.is_some();
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(
        dictionary! { "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica" },
    );
    let resources = if text {
        dictionary! { "Font" => dictionary! { "F1" => font_id } }
    } else {
        dictionary! {}
    };
    if !text {
        doc.objects.remove(&font_id);
    }
    let resources_id = doc.add_object(resources);
    let operations = if let Some(x) = text_x {
        vec![
            Operation::new("q", vec![]),
            Operation::new(
                "cm",
                vec![1.into(), 0.into(), 0.into(), 1.into(), 10.into(), 0.into()],
            ),
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![(x - 10).into(), 700.into()]),
            Operation::new("Tj", vec![Object::string_literal("Hei")]),
            Operation::new("ET", vec![]),
            Operation::new("Q", vec![]),
        ]
    } else {
        vec![]
    };
    let content = Content { operations };
    let content_id = doc.add_object(Stream::new(Dictionary::new(), content.encode().unwrap()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id, "Resources" => resources_id,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            "MediaBox" => vec![0.into(), 0.into(), width.into(), height.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    if encrypt {
        let encrypt_id = doc.add_object(
            dictionary! { "Filter" => "Standard", "V" => 2, "R" => 3, "Length" => 128 },
        );
        doc.trailer.set("Encrypt", encrypt_id);
    }
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

const A4: (i64, i64) = (595, 842);

#[test]
fn an_a4_pdf_without_text_is_fine() {
    let info = check_pdf(&pdf(A4.0, A4.1, false), DIGIPOST_MAX_BYTES).unwrap();
    assert_eq!((info.pages, info.version.as_str()), (1, "1.5"));
    assert!(info.warnings.is_empty(), "{:?}", info.warnings);
}

#[test]
fn a_font_that_is_not_embedded_and_a_letter_sized_page_are_warned_about() {
    let info = check_pdf(&pdf(612, 792, true), DIGIPOST_MAX_BYTES).unwrap();
    assert_eq!(info.warnings.len(), 2, "{:?}", info.warnings);
    assert!(info.warnings[0].contains("not A4"));
    assert!(info.warnings[1].contains("Helvetica"));
}

#[test]
fn each_bad_file_gets_its_own_error() {
    assert_eq!(check_pdf(b"", DPI_MAX_BYTES), Err(AttachmentError::Empty));
    assert_eq!(
        check_pdf(b"PK\x03\x04 a zip file", DPI_MAX_BYTES),
        Err(AttachmentError::NotPdf)
    );
    assert!(matches!(
        check_pdf(b"%PDF-1.7\n garbage without objects", DPI_MAX_BYTES),
        Err(AttachmentError::Corrupt(_))
    ));
    let good = pdf(A4.0, A4.1, false);
    assert_eq!(
        check_pdf(&good, 100),
        Err(AttachmentError::TooLarge {
            size: good.len() as u64,
            limit: 100
        })
    );
    let truncated = &good[..good.len() / 2];
    assert!(matches!(
        check_pdf(truncated, DPI_MAX_BYTES),
        Err(AttachmentError::Corrupt(_))
    ));
}

#[test]
fn a_password_protected_pdf_is_refused() {
    // A file whose trailer names an /Encrypt dictionary, as every protected PDF's does.
    let bytes = pdf_with(A4.0, A4.1, false, true);
    assert_eq!(
        check_pdf(&bytes, DPI_MAX_BYTES),
        Err(AttachmentError::Encrypted)
    );
}

#[test]
fn pdf_2_0_is_refused() {
    let mut bytes = pdf(A4.0, A4.1, false);
    bytes[5..8].copy_from_slice(b"2.0");
    assert_eq!(
        check_pdf(&bytes, DPI_MAX_BYTES),
        Err(AttachmentError::UnsupportedVersion("2.0".into()))
    );
}

#[test]
fn the_left_margin_is_estimated_from_where_text_is_drawn() {
    let (page, margin) = left_margin_mm(&a4_with_text_at(72)).unwrap();
    assert_eq!(page, 1);
    assert!((margin - 25.4).abs() < 0.1, "{margin}");
    let (_, margin) = left_margin_mm(&a4_with_text_at(28)).unwrap();
    assert!((margin - 9.9).abs() < 0.1, "{margin}");
    assert_eq!(left_margin_mm(&pdf(A4.0, A4.1, false)), None);
}
