//! Letters rendered to PDF and checked with the tools a print service or archive would use:
//! `qpdf --check` (structure), `pdftotext` (text round trip), `pdffonts` (embedded, subset),
//! `pdfinfo` (page size, tagging, title). These tools are installed by `.ci/install-deps`.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDate;
use kommunepost_core::letters::compose::compose_for;
use kommunepost_core::letters::pdf::geometry::{ADDRESS, PT_PER_MM, WINDOW};
use kommunepost_core::letters::pdf::render;
use kommunepost_core::letters::recipients::read_recipients;
use kommunepost_core::letters::template::{Template, example};

const ROW: &str = "fodselsnummer;navn;adresselinje1;adresselinje2;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
    20914695016;Åse Ødegård;Storgata 1;Leilighet H0201;7300;ORKANGER;praktisk bistand;2026/17;1. januar 2027;1 200;Helse og omsorg;Kari Nordmann\n";

fn render_example(template: &Template, dir: &Path) -> PathBuf {
    let mut list = read_recipients(ROW.as_bytes()).unwrap();
    let row = list.recipients.remove(0);
    let letter = compose_for(
        template,
        &row,
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
    )
    .unwrap();
    let rendered = render(&letter).unwrap();
    let path = dir.join("brev.pdf");
    std::fs::write(&path, &rendered.bytes).unwrap();
    path
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} (install poppler-utils and qpdf): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_norwegian_letter_round_trips_through_pdftotext() {
    let dir = tempfile::tempdir().unwrap();
    let mut template = example();
    template
        .body
        .push_str("\nÆrlig talt: blåbærsyltetøy på Ørland og i Ålesund – «sitat» § 3.\n");
    let pdf = render_example(&template, dir.path());
    let text = run("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    for expected in [
        "Vedtak om praktisk bistand – sak 2026/17",
        "Åse Ødegård",
        "Storgata 1",
        "7300 ORKANGER",
        "Dato: 1. desember 2026",
        "Ærlig talt: blåbærsyltetøy på Ørland og i Ålesund – «sitat» § 3.",
        "Du har fått innvilget søknaden.",
        "Med vennlig hilsen",
        "Kari Nordmann",
        "Side 1 av 1",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}

#[test]
fn qpdf_finds_no_problems_and_the_file_is_not_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render_example(&example(), dir.path());
    let check = run("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(
        check.contains("No syntax or stream encoding errors found"),
        "{check}"
    );
    assert!(check.contains("File is not encrypted"), "{check}");
}

#[test]
fn every_font_is_embedded_and_subset() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render_example(&example(), dir.path());
    let fonts = run("pdffonts", &[pdf.to_str().unwrap()]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 2, "regular and bold at least:\n{fonts}");
    for row in rows {
        let columns: Vec<&str> = row.split_whitespace().collect();
        // name type encoding emb sub uni object id
        assert!(
            columns[0].len() > 7 && columns[0].as_bytes()[6] == b'+',
            "subset tag: {row}"
        );
        assert!(columns[0].contains("LiberationSans"), "{row}");
        let flags = &columns[columns.len() - 5..columns.len() - 2];
        assert_eq!(flags, ["yes", "yes", "yes"], "emb sub uni: {row}");
    }
}

#[test]
fn pdf_a_identification_output_intent_title_and_language_are_present() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render_example(&example(), dir.path());
    let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.contains("Title:           Vedtak om praktisk bistand – sak 2026/17"),
        "{info}"
    );
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(
        info.contains("Page size:       595 x 842 pts (A4)"),
        "{info}"
    );
    assert!(info.contains("PDF version:     1.7"), "{info}");
    let meta = run("pdfinfo", &["-meta", pdf.to_str().unwrap()]);
    assert!(meta.contains("<pdfaid:part>2</pdfaid:part>"), "{meta}");
    assert!(
        meta.contains("<pdfaid:conformance>B</pdfaid:conformance>"),
        "{meta}"
    );
    assert!(meta.contains("<rdf:li>nb-NO</rdf:li>"), "{meta}");
    let raw = run(
        "qpdf",
        &[
            "--qdf",
            "--object-streams=disable",
            pdf.to_str().unwrap(),
            "-",
        ],
    );
    assert!(raw.contains("/OutputIntents"), "output intent");
    assert!(raw.contains("/S /GTS_PDFA1"), "PDF/A output intent");
    assert!(raw.contains("/Lang (nb-NO)"), "catalog language");
    assert!(raw.contains("/StructTreeRoot"), "structure tree");
    assert!(!raw.contains("/Encrypt"), "no encryption");
}

/// Word boxes from `pdftotext -bbox`: (word, xMin, yMin, xMax, yMax) in points, top-left origin.
fn words_on_page_1(pdf: &Path) -> Vec<(String, f32, f32, f32, f32)> {
    let html = run(
        "pdftotext",
        &["-bbox", "-f", "1", "-l", "1", pdf.to_str().unwrap(), "-"],
    );
    html.lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .map(|l| {
            let attr = |name: &str| -> f32 {
                let start = l.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                l[start..].split('"').next().unwrap().parse().unwrap()
            };
            let word = l
                .split('>')
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap()
                .to_owned();
            (word, attr("xMin"), attr("yMin"), attr("xMax"), attr("yMax"))
        })
        .collect()
}

#[test]
fn the_address_block_is_inside_the_window_and_no_identifier_is_on_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render_example(&example(), dir.path());
    let words = words_on_page_1(&pdf);
    let mm = |pt: f32| pt / PT_PER_MM;
    let in_window: Vec<_> = words
        .iter()
        .filter(|(_, x0, y0, x1, y1)| {
            mm(*x0) < WINDOW.right()
                && mm(*x1) > WINDOW.left
                && mm(*y0) < WINDOW.bottom()
                && mm(*y1) > WINDOW.top
        })
        .collect();
    assert_eq!(
        in_window
            .iter()
            .map(|(w, ..)| w.as_str())
            .collect::<Vec<_>>(),
        [
            "Åse",
            "Ødegård",
            "Storgata",
            "1",
            "Leilighet",
            "H0201",
            "7300",
            "ORKANGER"
        ]
    );
    for (word, x0, y0, x1, y1) in in_window {
        assert!(
            mm(*x0) >= ADDRESS.left - 0.5
                && mm(*x1) <= ADDRESS.right()
                && mm(*y0) >= ADDRESS.top - 0.5
                && mm(*y1) <= ADDRESS.bottom() + 0.5,
            "{word} at {x0},{y0},{x1},{y1}"
        );
    }
    let all = run("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    let digits: String = all
        .chars()
        .filter(|c| c.is_ascii_digit() || c.is_whitespace())
        .collect();
    assert!(
        !all.contains("20914695016") && !digits.contains("209146 95016"),
        "{all}"
    );
    assert!(
        !all.contains("209146"),
        "not even the birth date part: {all}"
    );
}

#[test]
fn the_left_margin_is_at_least_20_mm_on_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let mut template = example();
    template.body = (1..=80)
        .map(|i| format!("Avsnitt {i} med litt tekst."))
        .collect::<Vec<_>>()
        .join("\n\n");
    let pdf = render_example(&template, dir.path());
    let html = run("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let pages = html.matches("<page ").count();
    assert!(pages >= 2, "{pages}");
    let min_x = html
        .lines()
        .filter(|l| l.trim_start().starts_with("<word"))
        .map(|l| {
            let start = l.find("xMin=\"").unwrap() + 6;
            l[start..]
                .split('"')
                .next()
                .unwrap()
                .parse::<f32>()
                .unwrap()
        })
        .fold(f32::MAX, f32::min);
    assert!(min_x / PT_PER_MM >= 20.0, "{} mm", min_x / PT_PER_MM);
    let text = run("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    assert!(text.contains(&format!("Side {pages} av {pages}")), "{text}");
}

#[test]
fn the_structure_tree_reads_in_order_and_page_furniture_is_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = render_example(&example(), dir.path());
    let tree = run("pdfinfo", &["-struct-text", pdf.to_str().unwrap()]);
    let order = [
        "Document",
        "\"Åse Ødegård\"",
        "H1 (block)",
        "\"Vedtak om praktisk bistand – sak 2026/17\"",
        "H3 (block)",
        "LBody (block)",
        "\"Søknaden er komplett.\"",
        "TH",
        "\"Periode\"",
        "TD",
        "\"Med vennlig hilsen\"",
    ];
    let mut at = 0;
    for item in order {
        let found = tree[at..]
            .find(item)
            .unwrap_or_else(|| panic!("{item} not after position {at}:\n{tree}"));
        at += found + item.len();
    }
    assert!(
        !tree.contains("Side 1 av 1"),
        "page numbers are artifacts:\n{tree}"
    );
}

#[test]
fn attachments_merged_after_the_letter_keep_the_file_valid() {
    use kommunepost_core::letters::package::{Attachment, AttachmentMode, package};
    let dir = tempfile::tempdir().unwrap();
    let letter = std::fs::read(render_example(&example(), dir.path())).unwrap();
    let mut template = example();
    template.title = "Vedlegg".into();
    let attachment = std::fs::read(render_example(&template, dir.path())).unwrap();
    let merged = package(
        "Vedtak",
        letter,
        &[Attachment {
            file_name: "vedlegg.pdf".into(),
            bytes: attachment,
        }],
        AttachmentMode::Merged,
        false,
    )
    .unwrap();
    assert_eq!(merged.documents.len(), 1);
    assert!(merged.pdf_a, "both parts are PDF/A");
    let path = dir.path().join("samlet.pdf");
    std::fs::write(&path, &merged.documents[0].bytes).unwrap();
    let check = run("qpdf", &["--check", path.to_str().unwrap()]);
    assert!(
        check.contains("No syntax or stream encoding errors found"),
        "{check}"
    );
    let info = run("pdfinfo", &[path.to_str().unwrap()]);
    assert!(info.contains("Pages:           2"), "{info}");
    let text = run("pdftotext", &[path.to_str().unwrap(), "-"]);
    assert!(
        text.contains("Vedtak om praktisk bistand") && text.contains("Vedlegg"),
        "{text}"
    );
}

#[test]
fn a_png_logo_with_transparency_is_embedded_with_a_soft_mask() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let mut png = Vec::new();
    {
        let mut encoder = png_encoder(&mut png);
        let pixels: Vec<u8> = (0..64 * 32)
            .flat_map(|i| [20, 60, (i % 255) as u8, if i % 3 == 0 { 0 } else { 255 }])
            .collect();
        encoder.write_image_data(&pixels).unwrap();
    }
    let mut template = example();
    template.letterhead.logo_base64 = Some(base64::engine::general_purpose::STANDARD.encode(&png));
    let pdf = render_example(&template, dir.path());
    let check = run("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(
        check.contains("No syntax or stream encoding errors found"),
        "{check}"
    );
    let images = run("pdfimages", &["-list", pdf.to_str().unwrap()]);
    assert!(images.contains("smask"), "{images}");
    assert!(images.contains("   64    32  rgb"), "{images}");
    let tree = run("pdfinfo", &["-struct-text", pdf.to_str().unwrap()]);
    assert!(tree.contains("Figure"), "{tree}");
}

fn png_encoder(out: &mut Vec<u8>) -> png::Writer<&mut Vec<u8>> {
    let mut encoder = png::Encoder::new(out, 64, 32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().unwrap()
}
