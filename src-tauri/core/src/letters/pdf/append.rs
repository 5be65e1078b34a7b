//! Attachments merged after the letter: their pages appended to the letter's page tree.
//!
//! The letter stays PDF/A-2b only if every attachment declares PDF/A itself; otherwise the
//! PDF/A identification is taken out of the merged file's metadata (a file must not claim a
//! conformance it does not have) and the caller is told, so it can send the attachments as
//! separate documents instead.

use lopdf::{Document, Object, ObjectId};

use crate::letters::attachment::AttachmentError;

/// The merged file and whether it is still PDF/A.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// The PDF.
    pub bytes: Vec<u8>,
    /// Whether the PDF/A identification was kept.
    pub pdf_a: bool,
    /// Pages in all.
    pub pages: usize,
}

/// Keys a page inherits from its page tree (copied onto each appended page, whose old tree is
/// dropped).
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

fn load(bytes: &[u8]) -> Result<Document, AttachmentError> {
    let document = super::guard::load(bytes)?;
    if document.is_encrypted() {
        return Err(AttachmentError::Encrypted);
    }
    Ok(document)
}

/// Whether an attachment can join the letter without breaking its PDF/A-2b claim: it declares
/// PDF/A part 1 or 2 (part 3 allows embedded files, which 2b does not), its output intent (if
/// any) is RGB like the letter's, and it embeds no files.
fn compatible_pdf_a(document: &Document) -> bool {
    let Ok(catalog) = document.catalog() else {
        return false;
    };
    let xmp = catalog
        .get(b"Metadata")
        .and_then(Object::as_reference)
        .and_then(|id| document.get_object(id))
        .and_then(Object::as_stream)
        .map(|stream| {
            let content = stream
                .decompressed_content()
                .unwrap_or_else(|_| stream.content.clone());
            String::from_utf8_lossy(&content).into_owned()
        })
        .unwrap_or_default();
    let part_ok = ["1", "2"].iter().any(|part| {
        xmp.contains(&format!("<pdfaid:part>{part}</pdfaid:part>"))
            || xmp.contains(&format!("pdfaid:part=\"{part}\""))
    });
    let rgb_intent = match catalog.get(b"OutputIntents").and_then(Object::as_array) {
        Err(_) => true,
        Ok(intents) => intents.iter().all(|intent| {
            let dict = match intent {
                Object::Reference(id) => document.get_dictionary(*id).ok(),
                Object::Dictionary(d) => Some(d),
                _ => None,
            };
            dict.and_then(|d| d.get(b"DestOutputProfile").ok())
                .and_then(|o| o.as_reference().ok())
                .and_then(|id| document.get_object(id).ok())
                .and_then(|o| o.as_stream().ok())
                .and_then(|s| s.dict.get(b"N").ok())
                .and_then(|n| n.as_i64().ok())
                == Some(3)
        }),
    };
    let embeds_files = catalog
        .get(b"Names")
        .ok()
        .and_then(|o| match o {
            Object::Reference(id) => document.get_dictionary(*id).ok(),
            Object::Dictionary(d) => Some(d),
            _ => None,
        })
        .is_some_and(|names| names.has(b"EmbeddedFiles"));
    part_ok && rgb_intent && !embeds_files
}

use super::guard::inherited;

/// Appends every page of `attachments` after the letter's pages.
pub fn append(letter: &[u8], attachments: &[&[u8]]) -> Result<Appended, AttachmentError> {
    let mut doc = load(letter)?;
    let pages_id = doc
        .catalog()
        .and_then(|c| c.get(b"Pages"))
        .and_then(Object::as_reference)
        .map_err(|e| AttachmentError::Corrupt(e.to_string()))?;
    let mut kids: Vec<Object> = doc
        .get_pages()
        .values()
        .map(|id| Object::Reference(*id))
        .collect();
    let mut pdf_a = true;
    for bytes in attachments {
        let mut other = load(bytes)?;
        pdf_a &= compatible_pdf_a(&other);
        other.renumber_objects_with(doc.max_id + 1);
        let pages: Vec<ObjectId> = super::guard::pages(&other)?.values().copied().collect();
        if pages.is_empty() {
            return Err(AttachmentError::NoPages);
        }
        for page in &pages {
            let values: Vec<(&[u8], Object)> = INHERITED
                .iter()
                .filter_map(|key| inherited(&other, *page, key).map(|v| (*key, v)))
                .collect();
            let dict = other
                .get_dictionary_mut(*page)
                .map_err(|e| AttachmentError::Corrupt(e.to_string()))?;
            for (key, value) in values {
                if !dict.has(key) {
                    dict.set(key, value);
                }
            }
            dict.set("Parent", pages_id);
            // The attachment's own structure tree is not carried over: nothing on its pages
            // may point into the letter's parent tree.
            dict.remove(b"StructParents");
            let annotations: Vec<ObjectId> = dict
                .get(b"Annots")
                .and_then(Object::as_array)
                .map(|a| a.iter().filter_map(|o| o.as_reference().ok()).collect())
                .unwrap_or_default();
            for id in annotations {
                if let Ok(annotation) = other.get_dictionary_mut(id) {
                    annotation.remove(b"StructParent");
                }
            }
            kids.push(Object::Reference(*page));
        }
        // Everything but the attachment's catalog and page tree nodes comes along.
        let skip: Vec<ObjectId> = other
            .objects
            .iter()
            .filter(|(_, o)| {
                matches!(
                    o.type_name().ok(),
                    Some(b"Catalog") | Some(b"Pages") | Some(b"ObjStm") | Some(b"XRef")
                )
            })
            .map(|(id, _)| *id)
            .collect();
        for (id, object) in other.objects {
            if !skip.contains(&id) {
                doc.objects.insert(id, object);
            }
        }
        doc.max_id = doc.max_id.max(other.max_id);
    }
    let count = kids.len();
    let pages = doc
        .get_dictionary_mut(pages_id)
        .map_err(|e| AttachmentError::Corrupt(e.to_string()))?;
    pages.set("Kids", kids);
    pages.set("Count", count as i64);
    // The attachments' pages are not in the letter's structure tree: the whole is no longer
    // PDF/UA, and no longer PDF/A either unless every attachment is.
    drop_claims(&mut doc, !pdf_a);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| AttachmentError::Corrupt(e.to_string()))?;
    Ok(Appended {
        bytes: out,
        pdf_a,
        pages: count,
    })
}

fn drop_claims(doc: &mut Document, pdf_a_too: bool) {
    let Some(id) = doc
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Metadata").ok())
        .and_then(|o| o.as_reference().ok())
    else {
        return;
    };
    if let Ok(Object::Stream(stream)) = doc.get_object_mut(id) {
        let text = String::from_utf8_lossy(&stream.content).into_owned();
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !(l.contains("<pdfuaid:") || pdf_a_too && l.contains("<pdfaid:")))
            .collect();
        stream.set_content(kept.join("\n").into_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::letters::pdf::layout::tests::letter;
    use crate::letters::pdf::render;

    #[test]
    fn attachment_pages_follow_the_letter_and_pdf_a_is_kept_only_when_they_are_pdf_a() {
        let main = render(&letter("Hovedbrev.")).unwrap().bytes;
        let other = render(&letter("Vedlegg.")).unwrap().bytes;
        let merged = append(&main, &[&other]).unwrap();
        assert_eq!(merged.pages, 2);
        assert!(merged.pdf_a, "a rendered letter declares PDF/A");
        let doc = Document::load_mem(&merged.bytes).unwrap();
        assert_eq!(doc.get_pages().len(), 2);

        let plain = crate::letters::attachment::tests::a4_with_text_at(72);
        let merged = append(&main, &[&plain]).unwrap();
        assert!(!merged.pdf_a);
        assert!(!String::from_utf8_lossy(&merged.bytes).contains("pdfaid:part"));
        assert_eq!(
            Document::load_mem(&merged.bytes).unwrap().get_pages().len(),
            2
        );
    }

    #[test]
    fn a_damaged_attachment_is_refused() {
        let main = render(&letter("Hovedbrev.")).unwrap().bytes;
        assert!(matches!(
            append(&main, &[b"%PDF-1.7 garbage"]),
            Err(AttachmentError::Corrupt(_))
        ));
    }
}
