//! Checking a PDF before it is attached to a letter: it must be a PDF, readable, not
//! password-protected, PDF 1.0–1.7, and within the channel's size limit; fonts that are not
//! embedded and pages that are not A4 portrait are warned about (print needs both).
//! Limits: `shared/specs/rules-and-limits.md` §2–3.

use lopdf::{Document, Object};
use serde::Serialize;

/// Digipost's limit per letter (30 MB).
pub const DIGIPOST_MAX_BYTES: u64 = 30 * 1000 * 1000;
/// DPI's limit per dokumentpakke (50 MB).
pub const DPI_MAX_BYTES: u64 = 50 * 1000 * 1000;
/// Posten signering's limit (10 MB).
pub const SIGNING_MAX_BYTES: u64 = 10 * 1000 * 1000;

/// What a usable PDF is like.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AttachmentInfo {
    /// Number of pages.
    pub pages: u32,
    /// Size in bytes.
    pub size_bytes: u32,
    /// The PDF version, e.g. `1.7`.
    pub version: String,
    /// Things that may cause trouble in print, each a sentence.
    pub warnings: Vec<String>,
}

pub use crate::letters::pdf::guard::AttachmentError;

/// Checks a PDF against `max_bytes`.
pub fn check_pdf(bytes: &[u8], max_bytes: u64) -> Result<AttachmentInfo, AttachmentError> {
    if bytes.is_empty() {
        return Err(AttachmentError::Empty);
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err(AttachmentError::NotPdf);
    }
    let size = bytes.len() as u64;
    if size > max_bytes {
        return Err(AttachmentError::TooLarge {
            size,
            limit: max_bytes,
        });
    }
    if has_encrypt_entry(bytes) {
        return Err(AttachmentError::Encrypted);
    }
    let document = crate::letters::pdf::guard::load(bytes)?;
    if document.is_encrypted() {
        return Err(AttachmentError::Encrypted);
    }
    let version = document.version.clone();
    if !matches!(
        version.as_str(),
        "1.0" | "1.1" | "1.2" | "1.3" | "1.4" | "1.5" | "1.6" | "1.7"
    ) {
        return Err(AttachmentError::UnsupportedVersion(version));
    }
    let pages = crate::letters::pdf::guard::pages(&document)?;
    if pages.is_empty() {
        return Err(AttachmentError::NoPages);
    }
    let mut warnings = Vec::new();
    for (number, id) in &pages {
        if let Some((width, height)) = page_size_mm(&document, *id)
            && !((width - 210.0).abs() < 3.0 && (height - 297.0).abs() < 3.0)
        {
            warnings.push(format!(
                "page {number} is {width:.0} × {height:.0} mm, not A4 portrait (210 × 297 mm)"
            ));
        }
    }
    let missing = fonts_not_embedded(&document);
    if !missing.is_empty() {
        warnings.push(format!(
            "fonts not embedded (print may substitute them): {}",
            missing.join(", ")
        ));
    }
    Ok(AttachmentInfo {
        pages: u32::try_from(pages.len()).unwrap_or(u32::MAX),
        size_bytes: u32::try_from(size).unwrap_or(u32::MAX),
        version,
        warnings,
    })
}

/// An `/Encrypt` entry naming a dictionary (`/Encrypt 12 0 R` or `/Encrypt <<`) anywhere in
/// the file, also in an incremental update's trailer. Checked on the bytes because a
/// protected file may not load at all.
fn has_encrypt_entry(bytes: &[u8]) -> bool {
    let key = b"/Encrypt";
    bytes.windows(key.len()).enumerate().any(|(i, w)| {
        if w != key {
            return false;
        }
        let rest: Vec<u8> = bytes[i + key.len()..].iter().take(24).copied().collect();
        let text = String::from_utf8_lossy(&rest);
        let text = text.trim_start();
        if text.starts_with("<<") {
            return true;
        }
        // `12 0 R`
        let parts: Vec<&str> = text.split_whitespace().take(3).collect();
        parts.len() == 3
            && parts[0].bytes().all(|b| b.is_ascii_digit())
            && parts[1].bytes().all(|b| b.is_ascii_digit())
            && parts[2].starts_with('R')
    })
}

/// The page's MediaBox (inherited from the page tree when absent) in millimetres.
fn page_size_mm(document: &Document, page: lopdf::ObjectId) -> Option<(f32, f32)> {
    let Object::Array(bbox) = crate::letters::pdf::guard::inherited(document, page, b"MediaBox")?
    else {
        return None;
    };
    let n: Vec<f32> = bbox
        .iter()
        .filter_map(|o| {
            o.as_float()
                .ok()
                .or_else(|| o.as_i64().ok().map(|i| i as f32))
        })
        .collect();
    if n.len() != 4 {
        return None;
    }
    let pt = 25.4 / 72.0;
    Some(((n[2] - n[0]).abs() * pt, (n[3] - n[1]).abs() * pt))
}

/// Names of fonts with no embedded font program (Type 3 fonts draw themselves and count as
/// embedded).
fn fonts_not_embedded(document: &Document) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    for object in document.objects.values() {
        let Ok(font) = object.as_dict() else { continue };
        if font.get(b"Type").and_then(Object::as_name).ok() != Some(b"Font".as_slice()) {
            continue;
        }
        let subtype = font
            .get(b"Subtype")
            .and_then(Object::as_name)
            .unwrap_or(b"");
        if subtype == b"Type3" || subtype == b"Type0" {
            continue; // Type0 fonts are checked through their descendant CIDFont.
        }
        let embedded = font
            .get(b"FontDescriptor")
            .and_then(Object::as_reference)
            .and_then(|id| document.get_dictionary(id))
            .map(|d| d.has(b"FontFile") || d.has(b"FontFile2") || d.has(b"FontFile3"))
            .unwrap_or(false);
        if !embedded {
            let name = font
                .get(b"BaseFont")
                .and_then(Object::as_name)
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .unwrap_or_else(|_| "(unnamed)".into());
            if !missing.contains(&name) {
                missing.push(name);
            }
        }
    }
    missing
}

/// The page with the smallest left margin and that margin in millimetres, estimated from where
/// text and images are drawn (the content streams' positioning operators; paths such as
/// background boxes are ignored). `None` when the file cannot be read or draws nothing.
pub fn left_margin_mm(bytes: &[u8]) -> Option<(u32, f32)> {
    let document = crate::letters::pdf::guard::load(bytes).ok()?;
    let mut worst: Option<(u32, f32)> = None;
    for (number, id) in crate::letters::pdf::guard::pages(&document).ok()? {
        let Some(raw) = crate::letters::pdf::guard::page_content(&document, id) else {
            continue;
        };
        let Ok(content) = lopdf::content::Content::decode(&raw) else {
            continue;
        };
        let left = page_origin_x(&document, id);
        if let Some(x) = leftmost_x(&content.operations) {
            let margin = (x - left) * 25.4 / 72.0;
            if worst.is_none_or(|(_, m)| margin < m) {
                worst = Some((number, margin));
            }
        }
    }
    worst
}

fn page_origin_x(document: &Document, page: lopdf::ObjectId) -> f32 {
    document
        .get_dictionary(page)
        .ok()
        .and_then(|d| d.get(b"MediaBox").ok())
        .and_then(|o| o.as_array().ok())
        .and_then(|a| a.first())
        .and_then(number)
        .unwrap_or(0.0)
}

fn number(o: &Object) -> Option<f32> {
    o.as_float()
        .ok()
        .or_else(|| o.as_i64().ok().map(|i| i as f32))
}

type Matrix = [f32; 6];

fn multiply(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

/// The smallest x (default user space) at which text is shown or an image drawn.
fn leftmost_x(operations: &[lopdf::content::Operation]) -> Option<f32> {
    const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut ctm = IDENTITY;
    let mut stack = Vec::new();
    let (mut tm, mut tlm) = (IDENTITY, IDENTITY);
    let mut min: Option<f32> = None;
    let mut see = |x: f32| {
        if x.is_finite() {
            min = Some(min.map_or(x, |m: f32| m.min(x)));
        }
    };
    for op in operations {
        let args: Vec<f32> = op.operands.iter().filter_map(number).collect();
        match op.operator.as_str() {
            "q" => stack.push(ctm),
            "Q" => ctm = stack.pop().unwrap_or(IDENTITY),
            "cm" if args.len() == 6 => {
                ctm = multiply(
                    &[args[0], args[1], args[2], args[3], args[4], args[5]],
                    &ctm,
                );
            }
            "BT" => (tm, tlm) = (IDENTITY, IDENTITY),
            "Tm" if args.len() == 6 => {
                tm = [args[0], args[1], args[2], args[3], args[4], args[5]];
                tlm = tm;
            }
            "Td" | "TD" if args.len() == 2 => {
                tlm = multiply(&[1.0, 0.0, 0.0, 1.0, args[0], args[1]], &tlm);
                tm = tlm;
            }
            "T*" => tm = tlm,
            "Tj" | "TJ" | "'" | "\"" => {
                let m = multiply(&tm, &ctm);
                see(m[4]);
            }
            "Do" => see(ctm[4].min(ctm[4] + ctm[0]).min(ctm[4] + ctm[2])),
            _ => {}
        }
    }
    min
}

#[cfg(test)]
#[path = "attachment_tests.rs"]
pub(crate) mod tests;
