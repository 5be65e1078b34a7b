//! Reading a PDF from outside (an attachment, a signed document, a merged letter) with limits,
//! so that a hostile or broken file gets an error instead of hanging or exhausting memory:
//! streams decompress to at most [`MAX_STREAM_BYTES`] each and [`MAX_DECODED_BYTES`] together,
//! a file holds at most [`MAX_OBJECTS`] objects and [`MAX_PAGES`] pages, and the page tree is
//! walked with every node visited once and at most [`MAX_TREE_DEPTH`] levels (a `/Parent` or
//! `/Kids` loop ends the walk).

use std::collections::{BTreeMap, HashSet};

use lopdf::{Document, LoadOptions, Object, ObjectId};

/// Why a file cannot be attached.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    /// The file is empty.
    #[error("the file is empty")]
    Empty,
    /// Not a PDF at all.
    #[error("the file is not a PDF (it does not start with %PDF-)")]
    NotPdf,
    /// A PDF that cannot be read.
    #[error("the PDF is damaged and cannot be read: {0}")]
    Corrupt(String),
    /// Encrypted or password-protected.
    #[error("the PDF is password-protected or encrypted; save it again without protection")]
    Encrypted,
    /// A version print and digital mailboxes do not take.
    #[error(
        "the PDF has version {0}; letters must be PDF 1.0 to 1.7 (save it as PDF/A or PDF 1.7)"
    )]
    UnsupportedVersion(String),
    /// Over the size limit.
    #[error("the PDF is {size} bytes; the limit for this channel is {limit} bytes")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// No pages.
    #[error("the PDF has no pages")]
    NoPages,
    /// The file is beyond what is read: a loop in its page tree, too many pages or objects, or
    /// content that decompresses to too much.
    #[error("the PDF cannot be used: {0}")]
    TooComplex(String),
}

/// The most one stream may decompress to.
pub const MAX_STREAM_BYTES: usize = 64 * 1024 * 1024;
/// The most all of a file's streams may decompress to together.
pub const MAX_DECODED_BYTES: usize = 256 * 1024 * 1024;
/// The most objects a file may hold.
pub const MAX_OBJECTS: usize = 500_000;
/// The most pages a file may have.
pub const MAX_PAGES: usize = 5_000;
/// The deepest page tree.
pub const MAX_TREE_DEPTH: usize = 64;

/// How much a file may decompress to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// One stream.
    pub stream_bytes: usize,
    /// All streams together.
    pub decoded_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            stream_bytes: MAX_STREAM_BYTES,
            decoded_bytes: MAX_DECODED_BYTES,
        }
    }
}

/// Loads `bytes` within the limits, and checks that every compressed stream stays within
/// them too (a small file can otherwise inflate to gigabytes when it is merged, previewed or
/// signed).
pub fn load(bytes: &[u8]) -> Result<Document, AttachmentError> {
    load_within(bytes, Limits::default())
}

/// [`load`] with other decompression limits.
pub fn load_within(bytes: &[u8], limits: Limits) -> Result<Document, AttachmentError> {
    let options = LoadOptions {
        max_decompressed_size: Some(limits.stream_bytes),
        ..LoadOptions::default()
    };
    let document = Document::load_mem_with_options(bytes, options).map_err(|e| match e {
        lopdf::Error::Decryption(_) => AttachmentError::Encrypted,
        other if is_bomb(&other) => bomb(limits),
        other => AttachmentError::Corrupt(other.to_string()),
    })?;
    if document.objects.len() > MAX_OBJECTS {
        return Err(AttachmentError::TooComplex(format!(
            "it holds {} objects; at most {MAX_OBJECTS} are read",
            document.objects.len()
        )));
    }
    let mut decoded = 0usize;
    for object in document.objects.values() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if stream.dict.get(b"Filter").is_err() {
            continue;
        }
        match stream.decompressed_content_with_limit(limits.stream_bytes) {
            Ok(content) => {
                decoded += content.len();
                if decoded > limits.decoded_bytes {
                    return Err(bomb(limits));
                }
            }
            Err(error) if is_bomb(&error) => return Err(bomb(limits)),
            // Filters this reader does not decode (images: DCT, JPX, CCITT) are left to the
            // viewer; a stream that does not decode is not this check's concern.
            Err(_) => {}
        }
    }
    Ok(document)
}

fn is_bomb(error: &lopdf::Error) -> bool {
    matches!(
        error,
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. })
    ) || error.to_string().contains("possible decompression bomb")
}

fn bomb(limits: Limits) -> AttachmentError {
    AttachmentError::TooComplex(format!(
        "its content decompresses to more than {} MB (a compression bomb?)",
        limits.stream_bytes.min(limits.decoded_bytes) / (1024 * 1024)
    ))
}

/// The pages in order, walking the page tree from the catalog: each node once, at most
/// [`MAX_TREE_DEPTH`] deep and [`MAX_PAGES`] pages. A loop in the tree or too many pages is an
/// error, not a hang.
pub fn pages(document: &Document) -> Result<BTreeMap<u32, ObjectId>, AttachmentError> {
    let root = document
        .catalog()
        .ok()
        .and_then(|c| c.get(b"Pages").ok())
        .and_then(|p| p.as_reference().ok())
        .ok_or_else(|| AttachmentError::Corrupt("the catalog has no page tree".into()))?;
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut pages = BTreeMap::new();
    // Depth-first, in order: a stack of (node, depth), children pushed in reverse.
    let mut stack = vec![(root, 0usize)];
    while let Some((id, depth)) = stack.pop() {
        if depth > MAX_TREE_DEPTH {
            return Err(AttachmentError::TooComplex(format!(
                "its page tree is more than {MAX_TREE_DEPTH} levels deep"
            )));
        }
        if !seen.insert(id) {
            return Err(AttachmentError::Corrupt(
                "its page tree loops back on itself".into(),
            ));
        }
        let Ok(node) = document.get_dictionary(id) else {
            continue;
        };
        let is_pages = node.get(b"Type").and_then(Object::as_name).ok()
            == Some(b"Pages".as_slice())
            || node.has(b"Kids");
        if is_pages {
            let kids = node
                .get(b"Kids")
                .and_then(Object::as_array)
                .map(|kids| {
                    kids.iter()
                        .filter_map(|k| k.as_reference().ok())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default();
            for kid in kids.into_iter().rev() {
                stack.push((kid, depth + 1));
            }
        } else {
            if pages.len() >= MAX_PAGES {
                return Err(AttachmentError::TooComplex(format!(
                    "it has more than {MAX_PAGES} pages"
                )));
            }
            let number = u32::try_from(pages.len() + 1).unwrap_or(u32::MAX);
            pages.insert(number, id);
        }
    }
    Ok(pages)
}

/// `key` of `page`, or inherited from its page tree: each ancestor once, at most
/// [`MAX_TREE_DEPTH`] levels up (a `/Parent` loop ends the search).
pub fn inherited(document: &Document, page: ObjectId, key: &[u8]) -> Option<Object> {
    let mut seen = HashSet::new();
    let mut id = page;
    for _ in 0..=MAX_TREE_DEPTH {
        if !seen.insert(id) {
            return None;
        }
        let node = document.get_dictionary(id).ok()?;
        if let Ok(value) = node.get(key) {
            return Some(value.clone());
        }
        id = node.get(b"Parent").ok()?.as_reference().ok()?;
    }
    None
}

/// A page's content, decoded within [`MAX_STREAM_BYTES`] per stream.
pub fn page_content(document: &Document, page: ObjectId) -> Option<Vec<u8>> {
    let mut content = Vec::new();
    for id in document.get_page_contents(page) {
        let Ok(Object::Stream(stream)) = document.get_object(id) else {
            continue;
        };
        let bytes = match stream.dict.get(b"Filter") {
            Ok(_) => stream
                .decompressed_content_with_limit(MAX_STREAM_BYTES)
                .ok()?,
            Err(_) => stream.content.clone(),
        };
        if content.len() + bytes.len() > MAX_DECODED_BYTES {
            return None;
        }
        content.extend_from_slice(&bytes);
        content.push(b'\n');
    }
    Some(content)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use lopdf::{Dictionary, Stream, dictionary};

    use super::*;

    /// A one-page PDF whose page has `extra` entries, with `content` as its content stream.
    fn pdf(page_extra: Dictionary, content: Stream) -> (Document, ObjectId, ObjectId) {
        let mut doc = Document::with_version("1.7");
        let pages_id = doc.new_object_id();
        let content_id = doc.add_object(content);
        let mut page = dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        };
        for (k, v) in page_extra.iter() {
            page.set(k.clone(), v.clone());
        }
        let page_id = doc.add_object(page);
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => vec![page_id.into()],
                "Count" => 1,
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        (doc, pages_id, page_id)
    }

    fn bytes(doc: &mut Document) -> Vec<u8> {
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn a_parent_loop_ends_the_inherited_search_and_a_kids_loop_is_an_error() {
        // The page's /Parent points at an object whose /Parent points back at the page.
        let (mut doc, _, page) = pdf(dictionary! {}, Stream::new(dictionary! {}, b"q Q".to_vec()));
        let loop_id = doc.add_object(dictionary! { "Parent" => page });
        doc.get_dictionary_mut(page).unwrap().set("Parent", loop_id);
        assert_eq!(inherited(&doc, page, b"MediaBox"), None);
        // The page tree's /Kids holds the tree itself.
        let (mut doc, pages_id, page) =
            pdf(dictionary! {}, Stream::new(dictionary! {}, b"q Q".to_vec()));
        doc.get_dictionary_mut(pages_id)
            .unwrap()
            .set("Kids", vec![page.into(), pages_id.into(), pages_id.into()]);
        let loaded = load(&bytes(&mut doc)).unwrap();
        let error = pages(&loaded).unwrap_err();
        assert!(error.to_string().contains("loops back"), "{error}");
    }

    #[test]
    fn a_stream_that_inflates_past_the_limit_is_refused() {
        let mut encoder =
            flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&vec![0u8; 3 * 1024 * 1024]).unwrap();
        let compressed = encoder.finish().unwrap();
        assert!(compressed.len() < 20_000, "{}", compressed.len());
        let stream = Stream::new(dictionary! { "Filter" => "FlateDecode" }, compressed)
            .with_compression(false);
        let (mut doc, _, _) = pdf(dictionary! {}, stream);
        let file = bytes(&mut doc);
        let small = Limits {
            stream_bytes: 1024 * 1024,
            decoded_bytes: 2 * 1024 * 1024,
        };
        let error = load_within(&file, small).unwrap_err();
        assert!(matches!(error, AttachmentError::TooComplex(_)), "{error}");
        assert!(error.to_string().contains("compression bomb"), "{error}");
        // Within the ordinary limits the same file is fine.
        assert!(load(&file).is_ok());
        // All streams together count too.
        let together = Limits {
            stream_bytes: 4 * 1024 * 1024,
            decoded_bytes: 2 * 1024 * 1024,
        };
        assert!(load_within(&file, together).is_err());
    }
}
