//! The sandbox's signed documents: a PAdES-style PDF (a cover page listing the signers, the
//! original documents, and a PDF signature — CMS, detached, over the byte range — made with a
//! seal certificate from the sandbox CA), and one XAdES per signer (an XML signature over the
//! documents with the signer's sandbox e-ID certificate). In test the real service's seal is
//! "technically not valid" either; these are for the app's storage, viewing and export paths.

use chrono::{DateTime, Utc};
use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat, dictionary};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;

use crate::ca::{EnterpriseCertificate, TestCa};
use kommunepost_core::signing::asice::{SigningCertificate, signatures_xml};

/// Bytes kept for the CMS signature in `/Contents` (hex doubles it).
const SIGNATURE_SPACE: usize = 12_000;
const RANGE_PLACEHOLDER: &str = "9999999999 9999999999 9999999999";

/// One line on the cover page per signer.
#[derive(Debug, Clone)]
pub struct SignedBy {
    /// The signer's name (or contact information).
    pub name: String,
    /// When.
    pub at: DateTime<Utc>,
}

fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

fn cover(title: &str, documents: &[String], signers: &[SignedBy]) -> Result<Vec<u8>, String> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let mut lines: Vec<(f32, String)> = vec![
        (18.0, "Signert dokument".to_owned()),
        (12.0, title.to_owned()),
        (10.0, String::new()),
        (11.0, "Signert av:".to_owned()),
    ];
    for s in signers {
        lines.push((
            10.0,
            format!("  {} - {}", s.name, s.at.format("%d.%m.%Y %H:%M UTC")),
        ));
    }
    lines.push((10.0, String::new()));
    lines.push((11.0, "Dokumenter:".to_owned()));
    for d in documents {
        lines.push((10.0, format!("  {d}")));
    }
    lines.push((10.0, String::new()));
    lines.push((
        8.0,
        "Sandkasse: forseglet av Kommunepost Sandkasse CA, ikke en gyldig signatur.".to_owned(),
    ));
    let mut operations = vec![Operation::new("BT", vec![])];
    let mut y = 780.0;
    for (size, text) in lines {
        operations.push(Operation::new("Tf", vec!["F1".into(), size.into()]));
        operations.push(Operation::new(
            "Tm",
            vec![1.into(), 0.into(), 0.into(), 1.into(), 60.into(), y.into()],
        ));
        operations.push(Operation::new(
            "Tj",
            vec![Object::String(latin1(&text), StringFormat::Literal)],
        ));
        y -= size * 1.6;
    }
    operations.push(Operation::new("ET", vec![]));
    let content = Content { operations }.encode().map_err(|e| e.to_string())?;
    let content_id = doc.add_object(Stream::new(dictionary! {}, content));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// The PAdES for a job: cover page, then every document, sealed with `seal`.
pub fn pades(
    title: &str,
    documents: &[(String, Vec<u8>)],
    signers: &[SignedBy],
    seal: &EnterpriseCertificate,
    ca: &TestCa,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, String> {
    let titles: Vec<String> = documents.iter().map(|(t, _)| t.clone()).collect();
    let cover = cover(title, &titles, signers)?;
    let originals: Vec<&[u8]> = documents.iter().map(|(_, b)| b.as_slice()).collect();
    let merged = kommunepost_core::letters::pdf::append::append(&cover, &originals)
        .map_err(|e| e.to_string())?;
    sign(&merged.bytes, seal, ca, now)
}

fn sign(
    pdf: &[u8],
    seal: &EnterpriseCertificate,
    ca: &TestCa,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, String> {
    let mut doc = Document::load_mem(pdf).map_err(|e| e.to_string())?;
    let first_page = *doc.get_pages().values().next().ok_or("no pages")?;
    let mut signature = Dictionary::new();
    signature.set("Type", "Sig");
    signature.set("Filter", "Adobe.PPKLite");
    signature.set("SubFilter", "adbe.pkcs7.detached");
    signature.set(
        "Name",
        Object::string_literal("Posten signering (sandkasse)"),
    );
    signature.set(
        "M",
        Object::string_literal(now.format("D:%Y%m%d%H%M%S+00'00'").to_string()),
    );
    // Placeholders, patched once the file's layout is known.
    let wide = Object::Integer(9_999_999_999);
    signature.set(
        "ByteRange",
        vec![0.into(), wide.clone(), wide.clone(), wide],
    );
    signature.set(
        "Contents",
        Object::String(vec![0u8; SIGNATURE_SPACE], StringFormat::Hexadecimal),
    );
    let signature_id = doc.add_object(signature);
    let field = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Widget", "FT" => "Sig",
        "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
        "V" => signature_id, "T" => Object::string_literal("Signatur1"),
        "F" => 132, "P" => first_page,
    });
    if let Ok(page) = doc.get_dictionary_mut(first_page) {
        let mut annots = page
            .get(b"Annots")
            .and_then(|a| a.as_array().cloned())
            .unwrap_or_default();
        annots.push(field.into());
        page.set("Annots", annots);
    }
    let catalog_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| e.to_string())?;
    let catalog = doc
        .get_dictionary_mut(catalog_id)
        .map_err(|e| e.to_string())?;
    catalog.set(
        "AcroForm",
        dictionary! { "Fields" => vec![field.into()], "SigFlags" => 3 },
    );
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).map_err(|e| e.to_string())?;

    let zeros = "0".repeat(SIGNATURE_SPACE * 2);
    let hex_at = find(&bytes, format!("<{zeros}>").as_bytes()).ok_or("contents not found")?;
    let contents_end = hex_at + zeros.len() + 2;
    let ranges = format!("{} {} {}", hex_at, contents_end, bytes.len() - contents_end);
    let range_at = find(&bytes, RANGE_PLACEHOLDER.as_bytes()).ok_or("range not found")?;
    let padded = format!("{ranges:<width$}", width = RANGE_PLACEHOLDER.len());
    bytes[range_at..range_at + padded.len()].copy_from_slice(padded.as_bytes());

    let mut signed = bytes[..hex_at].to_vec();
    signed.extend_from_slice(&bytes[contents_end..]);
    let mut chain = Stack::new().map_err(|e| e.to_string())?;
    chain
        .push(ca.certificate().clone())
        .map_err(|e| e.to_string())?;
    let cms = CmsContentInfo::sign(
        Some(&seal.certificate),
        Some(&seal.key),
        Some(&chain),
        Some(&signed),
        CMSOptions::DETACHED | CMSOptions::BINARY,
    )
    .and_then(|c| c.to_der())
    .map_err(|e| e.to_string())?;
    let hex: String = cms.iter().map(|b| format!("{b:02X}")).collect();
    if hex.len() > zeros.len() {
        return Err("the signature does not fit its space".into());
    }
    bytes[hex_at + 1..hex_at + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(bytes)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A signer's XAdES: an XML signature over the documents with the signer's sandbox e-ID.
pub fn xades(
    documents: &[(String, Vec<u8>)],
    signer: &EnterpriseCertificate,
    ca: &TestCa,
    signed_at: DateTime<Utc>,
) -> Result<Vec<u8>, String> {
    let files: Vec<(&str, &[u8], &'static str)> = documents
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice(), "application/pdf"))
        .collect();
    let certificate = SigningCertificate {
        key: signer.key.clone(),
        chain: vec![signer.certificate.clone(), ca.certificate().clone()],
    };
    signatures_xml(&files, &certificate, signed_at)
        .map(String::into_bytes)
        .map_err(|e| e.to_string())
}
