//! `kommunepost letter render` on 1 000 letters against Typst typesetting the same letters:
//! `cargo bench -p kommunepost-cli --bench render`.
//!
//! Both sides make the example template's letter (`letter template example`; Typst's copy is
//! `../shared/bench/typst/letter.typ`, with our fonts) as PDF/A-2b, with the merge values
//! Typst's script uses, one file per letter, on both cores (our renderer uses every core; Typst
//! runs as two processes, as its README says). Each side is run `RUNS` times, in turn, after
//! one warm-up each; printed are the medians, the ratio (target: ours ≥ 2× faster), the median
//! file sizes (target: ours ≤ Typst's), and the floor: the same bytes written without rendering.
//! Typst is measured when the `typst` Python package is installed (`pip install typst`).

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const LETTERS: usize = 1_000;
const RUNS: usize = 5;

fn main() {
    let work = tempfile::tempdir().expect("a work directory");
    let template = work.path().join("vedtak.kpmal.toml");
    let data_dir = work.path().join("data");
    let ours = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kommunepost"));
        command.env("KOMMUNEPOST_DATA_DIR", &data_dir);
        command
    };
    let status = ours()
        .args(["letter", "template", "example", "--out"])
        .arg(&template)
        .output()
        .expect("kommunepost");
    assert!(status.status.success(), "{status:?}");
    let list = work.path().join("mottakere.csv");
    std::fs::write(&list, csv()).expect("the list");
    let typst = typst_dir();

    let render_ours = |out: &Path| {
        let _ = std::fs::remove_dir_all(out);
        let t = Instant::now();
        let output = ours()
            .args(["letter", "render", "--template"])
            .arg(&template)
            .arg("--data")
            .arg(&list)
            .arg("--out")
            .arg(out)
            .args(["--date", "2026-12-01"])
            .output()
            .expect("kommunepost letter render");
        let took = t.elapsed();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        took
    };
    let render_typst = |dir: &Path, out: &Path| {
        let _ = std::fs::remove_dir_all(out);
        let fonts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/assets");
        let half = (LETTERS / 2).to_string();
        let all = LETTERS.to_string();
        let t = Instant::now();
        let children: Vec<_> = [("0", half.as_str()), (half.as_str(), all.as_str())]
            .into_iter()
            .map(|(from, to)| {
                Command::new("python3")
                    .current_dir(dir)
                    .arg("bench2.py")
                    .args([from, to])
                    .arg(&fonts)
                    .arg(out)
                    .arg("a-2b")
                    .spawn()
                    .expect("python3")
            })
            .collect();
        for mut child in children {
            assert!(child.wait().expect("typst").success(), "Typst failed");
        }
        t.elapsed()
    };

    let our_out = work.path().join("ours");
    let typst_out = work.path().join("typst");
    render_ours(&our_out);
    if let Some(dir) = &typst {
        render_typst(dir, &typst_out);
    }
    let (mut our_times, mut typst_times, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let a = render_ours(&our_out);
        our_times.push(a);
        if let Some(dir) = &typst {
            let b = render_typst(dir, &typst_out);
            typst_times.push(b);
            ratios.push(b.as_secs_f64() / a.as_secs_f64());
        }
    }
    let ours_pdfs = pdfs(&our_out);
    assert_eq!(ours_pdfs.len(), LETTERS, "one PDF per letter");
    let floor = floor(&ours_pdfs, &work.path().join("floor"));
    println!("{LETTERS} letters, PDF/A-2b, one file each, {RUNS} runs each (median):");
    println!(
        "  kommunepost letter render        {:>8.2} s  ({:.0} letters/s)",
        median(&our_times).as_secs_f64(),
        LETTERS as f64 / median(&our_times).as_secs_f64()
    );
    println!(
        "  floor (the same bytes, written)  {:>8.2} s",
        floor.as_secs_f64()
    );
    println!(
        "  median letter                    {:>8} bytes",
        median_size(&ours_pdfs)
    );
    if typst.is_some() {
        let typst_pdfs = pdfs(&typst_out);
        println!(
            "  Typst (2 processes)              {:>8.2} s",
            median(&typst_times).as_secs_f64()
        );
        ratios.sort_by(f64::total_cmp);
        println!(
            "  Typst / ours, run by run         {:>8.2}×  (min {:.2}, max {:.2}; target ≥ 2×)",
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1]
        );
        println!(
            "  median Typst letter              {:>8} bytes  (target: ours ≤ Typst's)",
            median_size(&typst_pdfs)
        );
    } else {
        println!(
            "  Typst: not measured (pip install typst; ../shared/bench/typst/ or KOMMUNEPOST_TYPST_BENCH)"
        );
    }
}

/// The recipients: valid synthetic numbers, with the merge values Typst's script uses.
fn csv() -> String {
    let population =
        kommunepost_sandbox::Population::generate(&kommunepost_sandbox::PopulationConfig {
            seed: 1_000,
            persons: LETTERS,
            as_of: chrono::Utc::now(),
        });
    let mut csv = String::from(
        "fodselsnummer;navn;adresselinje1;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n",
    );
    for (i, person) in population.persons.iter().enumerate() {
        csv.push_str(&format!(
            "{};Åse Ødegård Bjørnstad {i};Storgata 1;0155;OSLO;praktisk bistand;2026/{i};1. januar 2027;1 250;helse og omsorg;Kari Nordmann\n",
            person.fnr.expose()
        ));
    }
    csv
}

fn typst_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("KOMMUNEPOST_TYPST_BENCH")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/bench/typst")
        });
    let installed = Command::new("python3")
        .args(["-c", "import typst"])
        .status()
        .is_ok_and(|s| s.success());
    (installed && dir.join("bench2.py").exists()).then_some(dir)
}

fn pdfs(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the output")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    found.sort();
    found
}

fn median_size(files: &[PathBuf]) -> u64 {
    let mut sizes: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .collect();
    sizes.sort_unstable();
    sizes[sizes.len() / 2]
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// The same bytes written to as many files, without rendering.
fn floor(files: &[PathBuf], out: &Path) -> Duration {
    let bytes: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("a letter"))
        .collect();
    std::fs::create_dir_all(out).expect("the floor's directory");
    let t = Instant::now();
    for (i, b) in bytes.iter().enumerate() {
        std::fs::write(out.join(format!("{i}.pdf")), b).expect("written");
    }
    t.elapsed()
}
