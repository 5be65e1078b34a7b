//! PDF/UA-1 rules checked on a rendered letter. No full validator (veraPDF) is available where
//! Kommunepost is built, so these are the machine-checkable rules of ISO 14289-1 (and the
//! Matterhorn Protocol's failure conditions) that a letter can break:
//!
//! 1. The catalog: `MarkInfo /Marked true`, a `StructTreeRoot`, a non-empty `/Lang`,
//!    `ViewerPreferences /DisplayDocTitle true`, and XMP metadata with `pdfuaid:part` 1 and a
//!    `dc:title`.
//! 2. Every page's content: each text-showing (`Tj`, `TJ`, `'`, `"`), painting (`S`, `f`, `F`,
//!    `B`, `b`, `s`, `f*`, `B*`, `b*`, `sh`) and XObject (`Do`) operator lies inside marked
//!    content that is either tagged (an `MCID`) or an `/Artifact` — never loose.
//! 3. Every tagged piece of content is reachable from the structure tree: the page's
//!    `StructParents` entry in the `ParentTree` has one element per MCID on the page.
//! 4. Every structure element has a standard role (or one mapped in a `RoleMap`), every
//!    `Figure` has alternative text, every `TH` a `Scope`.
//! 5. The document's structure root has a language.
//!
//! The PDF is read within the same limits as any PDF from outside ([`super::guard`]).

use lopdf::{Dictionary, Document, Object, ObjectId};

/// The standard structure types of PDF 1.7 (ISO 32000-1, 14.8.4).
const STANDARD_ROLES: &[&str] = &[
    "Document",
    "Part",
    "Art",
    "Sect",
    "Div",
    "BlockQuote",
    "Caption",
    "TOC",
    "TOCI",
    "Index",
    "NonStruct",
    "Private",
    "P",
    "H",
    "H1",
    "H2",
    "H3",
    "H4",
    "H5",
    "H6",
    "L",
    "LI",
    "Lbl",
    "LBody",
    "Table",
    "TR",
    "TH",
    "TD",
    "THead",
    "TBody",
    "TFoot",
    "Span",
    "Quote",
    "Note",
    "Reference",
    "BibEntry",
    "Code",
    "Link",
    "Annot",
    "Ruby",
    "RB",
    "RT",
    "RP",
    "Warichu",
    "WT",
    "WP",
    "Figure",
    "Formula",
    "Form",
];

/// Operators that put something on the page.
const CONTENT_OPERATORS: &[&str] = &[
    "Tj", "TJ", "'", "\"", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "Do",
];

/// The deepest structure tree walked.
const MAX_DEPTH: usize = 64;

fn name(object: &Object) -> Option<String> {
    object
        .as_name()
        .ok()
        .map(|n| String::from_utf8_lossy(n).into_owned())
}

fn resolve<'a>(doc: &'a Document, object: &'a Object) -> &'a Object {
    match object {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(object),
        other => other,
    }
}

fn dict<'a>(doc: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
    resolve(doc, object).as_dict().ok()
}

/// Every PDF/UA rule above the letter breaks, in words; empty when it passes.
pub fn check(bytes: &[u8]) -> Vec<String> {
    // The same limits as any PDF from outside (size, objects, decoded streams, depth).
    let doc = match super::guard::load(bytes) {
        Ok(doc) => doc,
        Err(e) => return vec![format!("the PDF cannot be read: {e}")],
    };
    let mut problems = Vec::new();
    let Ok(catalog) = doc.catalog() else {
        return vec!["the PDF has no catalog".into()];
    };
    let marked = catalog
        .get(b"MarkInfo")
        .ok()
        .and_then(|o| dict(&doc, o))
        .and_then(|d| d.get(b"Marked").ok())
        .and_then(|o| o.as_bool().ok())
        == Some(true);
    if !marked {
        problems.push("MarkInfo /Marked is not true".into());
    }
    let lang = catalog
        .get(b"Lang")
        .ok()
        .and_then(|o| resolve(&doc, o).as_str().ok())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .unwrap_or_default();
    if lang.trim().is_empty() {
        problems.push("the catalog has no /Lang".into());
    }
    let display_title = catalog
        .get(b"ViewerPreferences")
        .ok()
        .and_then(|o| dict(&doc, o))
        .and_then(|d| d.get(b"DisplayDocTitle").ok())
        .and_then(|o| o.as_bool().ok())
        == Some(true);
    if !display_title {
        problems.push("ViewerPreferences /DisplayDocTitle is not true".into());
    }
    let xmp = catalog
        .get(b"Metadata")
        .ok()
        .and_then(|o| resolve(&doc, o).as_stream().ok())
        .map(|s| {
            String::from_utf8_lossy(
                &s.decompressed_content()
                    .unwrap_or_else(|_| s.content.clone()),
            )
            .into_owned()
        })
        .unwrap_or_default();
    if !xmp.contains("<pdfuaid:part>1</pdfuaid:part>") {
        problems.push("the XMP metadata does not say pdfuaid:part 1".into());
    }
    if !xmp.contains("<dc:title>") {
        problems.push("the XMP metadata has no dc:title".into());
    }

    // The structure tree: roles, alternative text, header scope; the parent tree.
    let root = catalog
        .get(b"StructTreeRoot")
        .ok()
        .and_then(|o| dict(&doc, o));
    let Some(root) = root else {
        problems.push("the catalog has no StructTreeRoot".into());
        return problems;
    };
    let role_map = root.get(b"RoleMap").ok().and_then(|o| dict(&doc, o));
    let mut document_lang = false;
    let mut stack: Vec<(&Object, usize)> = root
        .get(b"K")
        .map(|k| match resolve(&doc, k) {
            Object::Array(items) => items.iter().map(|i| (i, 0)).collect(),
            _ => vec![(k, 0)],
        })
        .unwrap_or_default();
    // Each element once: a structure tree that points back into itself is walked no further.
    let mut seen = std::collections::HashSet::new();
    while let Some((object, depth)) = stack.pop() {
        if let Object::Reference(id) = object
            && !seen.insert(*id)
        {
            continue;
        }
        if depth > MAX_DEPTH {
            problems.push("the structure tree is nested too deep".into());
            break;
        }
        let Some(element) = dict(&doc, object) else {
            continue;
        };
        // Marked-content references (integers, MCR dictionaries) are leaves.
        if element.get(b"Type").ok().and_then(name).as_deref() == Some("MCR") {
            continue;
        }
        let Some(role) = element.get(b"S").ok().and_then(name) else {
            continue;
        };
        let standard = STANDARD_ROLES.contains(&role.as_str())
            || role_map
                .and_then(|m| m.get(role.as_bytes()).ok())
                .and_then(name)
                .is_some_and(|mapped| STANDARD_ROLES.contains(&mapped.as_str()));
        if !standard {
            problems.push(format!(
                "the structure type /{role} is neither standard nor mapped"
            ));
        }
        if role == "Document" && element.has(b"Lang") {
            document_lang = true;
        }
        if role == "Figure" && !element.has(b"Alt") && !element.has(b"ActualText") {
            problems.push("a Figure has no alternative text".into());
        }
        if role == "TH" {
            let scoped = element
                .get(b"A")
                .ok()
                .and_then(|o| dict(&doc, o))
                .is_some_and(|a| a.has(b"Scope"));
            if !scoped {
                problems.push("a table header cell (TH) has no Scope".into());
            }
        }
        if let Ok(kids) = element.get(b"K") {
            match resolve(&doc, kids) {
                Object::Array(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
                Object::Dictionary(_) | Object::Reference(_) => stack.push((kids, depth + 1)),
                _ => {}
            }
        }
    }
    if !document_lang {
        problems.push("the Document structure element has no /Lang".into());
    }
    let parent_tree: Vec<(i64, usize)> = root
        .get(b"ParentTree")
        .ok()
        .and_then(|o| dict(&doc, o))
        .and_then(|d| d.get(b"Nums").ok())
        .and_then(|o| resolve(&doc, o).as_array().ok())
        .map(|nums| {
            nums.chunks(2)
                .filter_map(|pair| {
                    let key = pair.first()?.as_i64().ok()?;
                    let len = resolve(&doc, pair.get(1)?).as_array().ok()?.len();
                    Some((key, len))
                })
                .collect()
        })
        .unwrap_or_default();

    // Every page's content: nothing outside tagged content or an artifact.
    let pages = match super::guard::pages(&doc) {
        Ok(pages) => pages,
        Err(e) => {
            problems.push(format!("the page tree cannot be read: {e}"));
            return problems;
        }
    };
    for (number, page_id) in pages {
        check_page(&doc, number, page_id, &parent_tree, &mut problems);
    }
    problems
}

fn check_page(
    doc: &Document,
    number: u32,
    page_id: ObjectId,
    parent_tree: &[(i64, usize)],
    problems: &mut Vec<String>,
) {
    let Some(content) = super::guard::page_content(doc, page_id) else {
        problems.push(format!(
            "page {number}: its content cannot be read within the limits"
        ));
        return;
    };
    let operations = match lopdf::content::Content::decode(&content) {
        Ok(content) => content.operations,
        Err(e) => {
            problems.push(format!("page {number}: its content cannot be read: {e}"));
            return;
        }
    };
    // Each open marked-content sequence: tagged (has an MCID) or an artifact.
    let mut open: Vec<bool> = Vec::new();
    let mut mcids = 0usize;
    let mut loose = 0usize;
    for op in &operations {
        match op.operator.as_str() {
            "BDC" => {
                let tag = op.operands.first().and_then(name).unwrap_or_default();
                let has_mcid = op
                    .operands
                    .get(1)
                    .and_then(|o| o.as_dict().ok())
                    .is_some_and(|d| d.has(b"MCID"));
                if has_mcid {
                    mcids += 1;
                }
                open.push(has_mcid || tag == "Artifact");
            }
            "BMC" => {
                let tag = op.operands.first().and_then(name).unwrap_or_default();
                open.push(tag == "Artifact");
            }
            "EMC" => {
                open.pop();
            }
            operator
                if CONTENT_OPERATORS.contains(&operator)
                    && !open.iter().any(|accounted| *accounted) =>
            {
                loose += 1;
            }
            _ => {}
        }
    }
    if loose > 0 {
        problems.push(format!(
            "page {number}: {loose} piece(s) of content are neither tagged nor an artifact"
        ));
    }
    let key = doc
        .get_dictionary(page_id)
        .ok()
        .and_then(|p| p.get(b"StructParents").ok())
        .and_then(|o| o.as_i64().ok());
    if mcids > 0 {
        match key.and_then(|k| parent_tree.iter().find(|(n, _)| *n == k)) {
            Some((_, len)) if *len == mcids => {}
            Some((_, len)) => problems.push(format!(
                "page {number}: {mcids} tagged pieces of content, {len} in the structure tree"
            )),
            None => problems.push(format!(
                "page {number}: its tagged content is not in the structure tree (no StructParents entry)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::letters::pdf::layout::tests::letter;
    use crate::letters::pdf::render;

    /// A body with every block the letters have, long enough for three pages.
    fn everything() -> String {
        let mut body = String::from(
            "# Vedtak\n\nTekst med **fet** og *kursiv* skrift.\n\n## Begrunnelse\n\n\
             - første punkt\n- andre punkt\n\n1. ett\n2. to\n\n\
             | Periode | Beløp |\n|---|---|\n| Januar | 100 kr |\n| Februar | 200 kr |\n\n",
        );
        for n in 0..60 {
            body.push_str(&format!(
                "Avsnitt {n}: Kommunen har vurdert saken etter forvaltningsloven og kommet til \
                 at søknaden innvilges slik det står over.\n\n"
            ));
        }
        body
    }

    #[test]
    fn every_kind_of_letter_passes_every_rule() {
        use base64::Engine;
        let mut with_logo = letter(&everything());
        with_logo.letterhead.logo_base64 = Some(
            base64::engine::general_purpose::STANDARD
                .encode(crate::letters::pdf::logo::tests::png_with_alpha()),
        );
        let nynorsk = {
            let template = crate::letters::template::example_nynorsk();
            let values = crate::letters::merge::MergeValues::new(
                template
                    .fields()
                    .unwrap()
                    .into_iter()
                    .map(|f| (f, "1".to_owned()))
                    .collect::<Vec<_>>(),
            );
            crate::letters::compose::compose(
                &template,
                &values,
                None,
                chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            )
            .unwrap()
        };
        let rendered = render(&nynorsk).unwrap();
        let doc = Document::load_mem(&rendered.bytes).unwrap();
        let lang = doc
            .catalog()
            .unwrap()
            .get(b"Lang")
            .unwrap()
            .as_str()
            .unwrap()
            .to_vec();
        assert_eq!(
            lang, b"nn-NO",
            "the nynorsk template's letters are in nynorsk"
        );
        for (name, letter) in [
            ("nynorsk", nynorsk),
            ("short", letter("Hei.")),
            ("every block, several pages", letter(&everything())),
            ("with a logo", with_logo),
        ] {
            let rendered = render(&letter).unwrap();
            assert!(rendered.pages >= 1);
            assert_eq!(check(&rendered.bytes), Vec::<String>::new(), "{name}");
        }
    }

    #[test]
    fn untagged_text_a_missing_claim_and_a_header_without_scope_fail() {
        let pdf = render(&letter(&everything())).unwrap().bytes;
        let mut doc = Document::load_mem(&pdf).unwrap();
        let first = *doc.get_pages().values().next().unwrap();
        let mut content = doc.get_page_content(first);
        content.extend_from_slice(b"\nBT /F1 12 Tf 72 72 Td (loose) Tj ET\n");
        doc.change_page_content(first, content).unwrap();
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        let problems = check(&out);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("neither tagged nor an artifact")),
            "{problems:?}"
        );

        // Without the PDF/UA claim, and with a header cell that says nothing of its scope.
        let mut doc = Document::load_mem(&pdf).unwrap();
        let metadata = doc
            .catalog()
            .unwrap()
            .get(b"Metadata")
            .unwrap()
            .as_reference()
            .unwrap();
        let stream = doc
            .get_object_mut(metadata)
            .unwrap()
            .as_stream_mut()
            .unwrap();
        let xmp =
            String::from_utf8_lossy(&stream.content).replace("<pdfuaid:part>1</pdfuaid:part>", "");
        stream.set_content(xmp.into_bytes());
        let mut headers = 0;
        for object in doc.objects.values_mut() {
            if let Object::Dictionary(d) = object
                && d.get(b"S").ok().and_then(name).as_deref() == Some("TH")
            {
                d.remove(b"A");
                headers += 1;
            }
        }
        assert!(headers > 0, "the test letter has a table");
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        let problems = check(&out);
        assert!(
            problems.iter().any(|p| p.contains("pdfuaid:part 1")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("no Scope")),
            "{problems:?}"
        );
        assert!(!check(b"not a pdf").is_empty());
    }
}
