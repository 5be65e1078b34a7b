//! Writes a [`Layout`] as a PDF/A-2b file with a tagged structure.
//!
//! - Fonts: each style used is embedded as a subset (a `CIDFontType2` under a `Type0` font,
//!   `Identity-H`, with its widths and a `ToUnicode` map so text extracts as written).
//! - PDF/A: XMP metadata with the PDF/A-2b identification, title and language; an sRGB output
//!   intent; no encryption; every font embedded; the document title shown by viewers.
//! - PDF/UA-1 ([`super::ua`] checks the rules): `pdfuaid` in the XMP, the title displayed,
//!   every piece of content in the structure tree or an artifact, header cells with a scope.
//! - Structure (toward PDF/A-2a): `/Lang (nb-NO)`, `MarkInfo`, a structure tree of `Document`,
//!   `H1`–`H4`, `P`, `L`/`LI`/`Lbl`/`LBody`, `Table`/`TR`/`TH`/`TD` and a `Figure` with
//!   alternative text; page numbers, running header and footer, and rules are artifacts.
//! - Deterministic: no clock, no random ids. The file identifier and the subset tags are
//!   digests of the content, so the same letter gives the same bytes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat, dictionary};
use subsetter::GlyphRemapper;

use super::flate::{deflate, deflated_stream, flate_stream};
use super::fonts::{Style, font};
use super::geometry::{PAGE_HEIGHT, PAGE_WIDTH, pt};
use super::layout::{Layout, Line};
use super::logo::Logo;

/// Document-level facts for the metadata.
#[derive(Debug, Clone, Copy)]
pub struct Meta<'a> {
    /// The document title.
    pub title: &'a str,
    /// The author (the municipality).
    pub author: &'a str,
    /// The language, e.g. `nb-NO`.
    pub language: &'a str,
}

/// The program named as producer.
pub const PRODUCER: &str = concat!("Kommunepost ", env!("CARGO_PKG_VERSION"));

const SRGB: &[u8] = include_bytes!("../../../assets/sRGB.icc");

/// Glyphs used per style, renumbered for the subset, and the character each stands for.
#[derive(Default)]
struct Glyphs {
    remapper: Option<GlyphRemapper>,
    /// New glyph id → the character.
    chars: BTreeMap<u16, char>,
}

fn text_string(s: &str) -> Object {
    // UTF-16BE with a byte-order mark: any character is representable.
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn number(v: f32) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = openssl::sha::Sha256::new();
    for part in parts {
        hasher.update(&(part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finish()
}

/// Writes the PDF.
pub fn write(layout: &Layout, logo: Option<&Logo>, meta: Meta<'_>) -> Vec<u8> {
    // 1. Glyphs per style, numbered for the subset in the font's own order: letters that use
    // the same glyphs get the same subset, made once (see `embed_font`).
    let mut used: [BTreeMap<u16, char>; 4] = Default::default();
    for line in layout.pages.iter().flat_map(|p| &p.lines) {
        for run in &line.runs {
            let set = &mut used[run.style.index()];
            for c in run.text.chars() {
                let (old, shown) = font(run.style).glyph(c);
                set.entry(old.0).or_insert(shown);
            }
        }
    }
    let mut glyphs: [Glyphs; 4] = Default::default();
    for (g, set) in glyphs.iter_mut().zip(&used) {
        if set.is_empty() {
            continue;
        }
        let remapper = g.remapper.get_or_insert_with(GlyphRemapper::new);
        for (old, shown) in set {
            let new = remapper.remap(*old);
            g.chars.entry(new).or_insert(*shown);
        }
    }

    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();

    // 2. Fonts.
    let mut font_resources = Dictionary::new();
    for style in Style::ALL {
        let g = &glyphs[style.index()];
        if let Some(remapper) = &g.remapper {
            let id = embed_font(&mut doc, style, remapper, &g.chars);
            font_resources.set(format!("F{}", style.index() + 1), id);
        }
    }

    // 3. The logo.
    let mut xobjects = Dictionary::new();
    if let Some(logo) = logo {
        xobjects.set("Im1", logo.embed(&mut doc));
    }
    let resources = doc.add_object(dictionary! {
        "Font" => font_resources,
        "XObject" => xobjects,
    });

    // 4. Pages, with marked content, and the structure they refer to.
    let struct_root = doc.new_object_id();
    let node_ids: Vec<ObjectId> = layout.nodes.iter().map(|_| doc.new_object_id()).collect();
    // Marked-content references per node: (page object, MCID).
    let mut kids: Vec<Vec<Object>> = vec![Vec::new(); layout.nodes.len()];
    for (i, node) in layout.nodes.iter().enumerate().skip(1) {
        kids[node.parent].push(Object::Reference(node_ids[i]));
    }
    let mut parent_tree = Vec::new();
    let mut page_ids = Vec::new();
    let mut content_digest = Vec::new();
    for (index, page) in layout.pages.iter().enumerate() {
        let page_id = doc.new_object_id();
        let mut content = String::new();
        let mut mcid_parents = Vec::new();
        for rule in &page.rules {
            let y = pt(PAGE_HEIGHT - rule.y);
            let _ = writeln!(
                content,
                "/Artifact <</Type /Layout>> BDC 0.4 w 0 G {} {} m {} {} l S EMC",
                number(pt(rule.x1)),
                number(y),
                number(pt(rule.x2)),
                number(y)
            );
        }
        if let (Some(image), Some(_)) = (&page.image, logo) {
            let mcid = mcid_parents.len();
            mcid_parents.push(Object::Reference(node_ids[image.node]));
            kids[image.node].push(mcr(page_id, mcid));
            let _ = writeln!(
                content,
                "/Figure <</MCID {mcid}>> BDC q {} 0 0 {} {} {} cm /Im1 Do Q EMC",
                number(pt(image.width)),
                number(pt(image.height)),
                number(pt(image.x)),
                number(pt(PAGE_HEIGHT - image.y - image.height)),
            );
        }
        for line in &page.lines {
            match line.node {
                Some(node) => {
                    let mcid = mcid_parents.len();
                    mcid_parents.push(Object::Reference(node_ids[node]));
                    kids[node].push(mcr(page_id, mcid));
                    let role = layout.nodes[node].role;
                    let _ = write!(content, "/{role} <</MCID {mcid}>> BDC ");
                }
                None => content.push_str("/Artifact <</Type /Pagination>> BDC "),
            }
            text_line(&mut content, line, &glyphs);
            content.push_str(" EMC\n");
        }
        content_digest.extend_from_slice(content.as_bytes());
        let contents = doc.add_object(flate_stream(Dictionary::new(), content.as_bytes()));
        let mut page_dict = dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), pt(PAGE_WIDTH).round().into(), pt(PAGE_HEIGHT).round().into()],
            "Resources" => resources,
            "Contents" => contents,
            "StructParents" => index as i64,
            "Tabs" => "S",
        };
        if page.image.is_some() && logo.is_some_and(Logo::has_alpha) {
            page_dict.set(
                "Group",
                dictionary! { "Type" => "Group", "S" => "Transparency", "CS" => "DeviceRGB" },
            );
        }
        doc.objects.insert(page_id, Object::Dictionary(page_dict));
        parent_tree.push(Object::Integer(index as i64));
        parent_tree.push(Object::Array(mcid_parents));
        page_ids.push(page_id);
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => page_ids.iter().map(|id| Object::Reference(*id)).collect::<Vec<_>>(),
            "Count" => page_ids.len() as i64,
        }),
    );
    for (i, node) in layout.nodes.iter().enumerate() {
        let parent = if i == 0 {
            struct_root
        } else {
            node_ids[node.parent]
        };
        let mut dict = dictionary! {
            "Type" => "StructElem",
            "S" => node.role,
            "P" => parent,
            "K" => std::mem::take(&mut kids[i]),
        };
        if let Some(alt) = &node.alt {
            dict.set("Alt", text_string(alt));
        }
        if node.role == "TH" {
            // PDF/UA: a header cell says what it heads (the header row: its column).
            dict.set("A", dictionary! { "O" => "Table", "Scope" => "Column" });
        }
        if i == 0 {
            dict.set("Lang", Object::string_literal(meta.language));
        }
        doc.objects.insert(node_ids[i], Object::Dictionary(dict));
    }
    let parent_tree = doc.add_object(dictionary! { "Nums" => parent_tree });
    doc.objects.insert(
        struct_root,
        Object::Dictionary(dictionary! {
            "Type" => "StructTreeRoot",
            "K" => vec![Object::Reference(node_ids[0])],
            "ParentTree" => parent_tree,
            "ParentTreeNextKey" => layout.pages.len() as i64,
        }),
    );

    // 5. Metadata, output intent, catalog, trailer.
    let xmp = xmp(meta);
    let metadata = doc.add_object(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        xmp.into_bytes(),
    ));
    let icc = doc.add_object(deflated_stream(dictionary! { "N" => 3 }, srgb_deflated()));
    let intent = doc.add_object(dictionary! {
        "Type" => "OutputIntent",
        "S" => "GTS_PDFA1",
        "OutputConditionIdentifier" => Object::string_literal("sRGB IEC61966-2.1"),
        "Info" => Object::string_literal("sRGB IEC61966-2.1"),
        "DestOutputProfile" => icc,
    });
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
        "Metadata" => metadata,
        "OutputIntents" => vec![Object::Reference(intent)],
        "Lang" => Object::string_literal(meta.language),
        "MarkInfo" => dictionary! { "Marked" => true },
        "StructTreeRoot" => struct_root,
        "ViewerPreferences" => dictionary! { "DisplayDocTitle" => true },
    });
    let mut info = dictionary! {
        "Title" => text_string(meta.title),
        "Producer" => Object::string_literal(PRODUCER),
    };
    if !meta.author.is_empty() {
        // The Info entries match the XMP ones (PDF/A).
        info.set("Author", text_string(meta.author));
    }
    let info = doc.add_object(info);
    let id = digest(&[
        meta.title.as_bytes(),
        meta.author.as_bytes(),
        &content_digest,
        logo.map_or(&[][..], Logo::source),
    ]);
    let id = Object::String(id[..16].to_vec(), StringFormat::Hexadecimal);
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    doc.trailer.set("ID", vec![id.clone(), id]);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("writing to memory");
    out
}

fn mcr(page: ObjectId, mcid: usize) -> Object {
    Object::Dictionary(dictionary! {
        "Type" => "MCR",
        "Pg" => page,
        "MCID" => mcid as i64,
    })
}

/// `BT … ET` for a line: each run at its position, its glyphs as 2-byte codes.
fn text_line(out: &mut String, line: &Line, glyphs: &[Glyphs; 4]) {
    out.push_str("BT 0 g");
    let y = pt(PAGE_HEIGHT - line.baseline);
    for run in &line.runs {
        let remapper = glyphs[run.style.index()]
            .remapper
            .as_ref()
            .expect("every run's glyphs were collected");
        let _ = write!(
            out,
            " /F{} {} Tf 1 0 0 1 {} {} Tm <",
            run.style.index() + 1,
            number(run.size),
            number(pt(run.x)),
            number(y)
        );
        for c in run.text.chars() {
            let old = font(run.style).glyph(c).0.0;
            let new = remapper.get(old).expect("collected");
            let _ = write!(out, "{new:04X}");
        }
        out.push_str("> Tj");
    }
    out.push_str(" ET");
}

fn embed_font(
    doc: &mut Document,
    style: Style,
    remapper: &GlyphRemapper,
    chars: &BTreeMap<u16, char>,
) -> ObjectId {
    let f = font(style);
    let gids: Vec<u16> = remapper.remapped_gids().collect();
    let made = subset_of(style, &gids, remapper, chars);
    // The subset tag: six capitals from a digest of the glyph set (deterministic).
    let mut used: Vec<u8> = Vec::new();
    for old in &gids {
        used.extend_from_slice(&old.to_be_bytes());
    }
    let tag: String = digest(&[style.postscript_name().as_bytes(), &used])[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let name = format!("{tag}+{}", style.postscript_name());

    let file = doc.add_object(deflated_stream(
        dictionary! { "Length1" => made.length as i64 },
        made.font.as_ref().clone(),
    ));
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => Object::Name(name.clone().into_bytes()),
        "Flags" => if matches!(style, Style::Italic | Style::BoldItalic) { 32 + 64 } else { 32 },
        "FontBBox" => f.bbox.iter().map(|v| Object::Integer(v.round() as i64)).collect::<Vec<_>>(),
        "ItalicAngle" => f.italic_angle.round() as i64,
        "Ascent" => f.ascent.round() as i64,
        "Descent" => f.descent.round() as i64,
        "CapHeight" => f.cap_height.round() as i64,
        "StemV" => if matches!(style, Style::Bold | Style::BoldItalic) { 120 } else { 80 },
        "FontFile2" => file,
    });
    let widths: Vec<Object> = remapper
        .remapped_gids()
        .map(|old| Object::Integer(f.advance(ttf_parser::GlyphId(old)).round() as i64))
        .collect();
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => Object::Name(name.clone().into_bytes()),
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "W" => vec![Object::Integer(0), Object::Array(widths)],
        "CIDToGIDMap" => "Identity",
    });
    let to_unicode = doc.add_object(deflated_stream(
        Dictionary::new(),
        made.to_unicode.as_ref().clone(),
    ));
    doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => Object::Name(name.into_bytes()),
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![Object::Reference(cid_font)],
        "ToUnicode" => to_unicode,
    })
}

/// A font subset for a glyph set, compressed, with its ToUnicode map compressed.
#[derive(Clone)]
struct Subset {
    font: std::sync::Arc<Vec<u8>>,
    length: usize,
    to_unicode: std::sync::Arc<Vec<u8>>,
}

/// Subsets made so far, by style and glyph set: a mass mailing's letters mostly use the same
/// glyphs, so each set is subset and compressed once. Bounded: emptied when it grows past
/// [`SUBSETS_KEPT`] sets.
type SubsetKey = (usize, Vec<u16>, String);
static SUBSETS: std::sync::Mutex<Option<std::collections::HashMap<SubsetKey, Subset>>> =
    std::sync::Mutex::new(None);
const SUBSETS_KEPT: usize = 512;

fn subset_of(
    style: Style,
    gids: &[u16],
    remapper: &GlyphRemapper,
    chars: &BTreeMap<u16, char>,
) -> Subset {
    // The characters too: two characters drawn with one glyph give another ToUnicode map.
    let key = (
        style.index(),
        gids.to_vec(),
        chars.values().collect::<String>(),
    );
    let lock = || {
        SUBSETS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(found) = lock().as_ref().and_then(|m| m.get(&key)) {
        return found.clone();
    }
    let subset = subsetter::subset(style.bytes(), 0, remapper).expect("the shipped font subsets");
    // Hinting is for screens' pixel grids; PDF text is drawn without it.
    let subset = super::unhinted::without_hinting(&subset);
    let made = Subset {
        length: subset.len(),
        font: std::sync::Arc::new(deflate(&subset)),
        to_unicode: std::sync::Arc::new(deflate(to_unicode(chars).as_bytes())),
    };
    let mut cache = lock();
    let map = cache.get_or_insert_with(std::collections::HashMap::new);
    if map.len() >= SUBSETS_KEPT {
        map.clear();
    }
    map.insert(key, made.clone());
    made
}

/// The sRGB output profile, compressed once.
fn srgb_deflated() -> Vec<u8> {
    static ICC: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    ICC.get_or_init(|| deflate(SRGB)).clone()
}

fn to_unicode(chars: &BTreeMap<u16, char>) -> String {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(&u16, &char)> = chars.iter().collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(out, "{} beginbfchar", chunk.len());
        for (gid, c) in chunk {
            let mut units = [0u16; 2];
            let hex: String = c
                .encode_utf16(&mut units)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(out, "<{gid:04X}> <{hex}>");
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The XMP packet: PDF/A-2b and PDF/UA-1 identification (with the extension schema PDF/A
/// requires for `pdfuaid`), title, author, language, producer.
fn xmp(meta: Meta<'_>) -> String {
    format!(
        r#"<?xpacket begin="{bom}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdfaid:part>2</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
{creator}<dc:language><rdf:Bag><rdf:li>{language}</rdf:li></rdf:Bag></dc:language>
<pdf:Producer>{producer}</pdf:Producer>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">
<pdfuaid:part>1</pdfuaid:part>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>The part of ISO 14289 (PDF/UA) the file conforms to</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#,
        bom = '\u{feff}',
        title = xml_escape(meta.title),
        creator = if meta.author.is_empty() {
            String::new()
        } else {
            format!(
                "<dc:creator><rdf:Seq><rdf:li>{}</rdf:li></rdf:Seq></dc:creator>\n",
                xml_escape(meta.author)
            )
        },
        language = xml_escape(meta.language),
        producer = xml_escape(PRODUCER),
    )
}
