//! Mass-mailing speed: `cargo bench -p kommunepost-core --bench letters`.
//!
//! Renders 10 000 one-page personalised letters from the example template (merge, layout,
//! font subsetting, PDF/A writing, preflight, and writing each file to disk) on every core, and
//! prints letters/s, the median bytes per letter and the process's peak memory. In the same
//! run it writes the same number of files of the same sizes without rendering — the disk
//! floor — and prints how many times slower rendering is than that floor.
//! Target (checked here, never by timed assertions in tests): at least 200 letters/s on a
//! 2-core machine, i.e. 10 000 letters in under 50 s.

use std::time::Instant;

use chrono::NaiveDate;
use kommunepost_core::ident::{Fnr, FnrKind, FnrVariant};
use kommunepost_core::letters::batch::{BatchOptions, render_all};
use kommunepost_core::letters::package::AttachmentMode;
use kommunepost_core::letters::preflight::PreflightChannel;
use kommunepost_core::letters::recipients::read_recipients;
use kommunepost_core::letters::template::example;

const LETTERS: usize = 10_000;
const TARGET_PER_SECOND: f64 = 200.0;

fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_owned())
        })
        .unwrap_or_else(|| "n/a (no /proc)".into())
}

fn main() {
    let mut csv = String::from(
        "fodselsnummer;navn;adresselinje1;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n",
    );
    let mut made = 0;
    let mut i = 0u32;
    while made < LETTERS {
        i += 1;
        let Some(date) = NaiveDate::from_ymd_opt(1940 + (i % 80) as i32, 1 + i % 12, 1 + i % 28)
        else {
            continue;
        };
        let Some(fnr) = Fnr::generate(
            date,
            (i % 500) as u16,
            FnrKind::Fodselsnummer,
            FnrVariant::TenorSynthetic,
        ) else {
            continue;
        };
        made += 1;
        csv.push_str(&format!(
            "{};Innbygger {made} Ødegård;Storgata {made};7300;ORKANGER;praktisk bistand;2026/{made};1. januar 2027;{};Helse og omsorg;Kari Nordmann\n",
            fnr.expose(),
            1000 + made
        ));
    }
    let list = read_recipients(csv.as_bytes()).expect("the generated list");
    assert_eq!(
        list.recipients.len(),
        LETTERS,
        "{:?}",
        list.problems.first()
    );
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = BatchOptions {
        date: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
        attachments: Vec::new(),
        mode: AttachmentMode::Separate,
        channel: PreflightChannel::Papir,
        workers,
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = dir.path().join("letters");
    std::fs::create_dir(&out).expect("mkdir");

    let start = Instant::now();
    let outcomes = render_all(
        &example(),
        &list,
        &options,
        |stem, _, _, bytes| {
            let name = format!("{stem}.pdf");
            std::fs::write(out.join(&name), bytes)?;
            Ok(name)
        },
        |name| {
            let _ = std::fs::remove_file(out.join(name));
        },
    );
    let render_time = start.elapsed();
    let failed = outcomes.iter().filter(|o| o.error.is_some()).count();
    assert_eq!(
        failed,
        0,
        "{:?}",
        outcomes.iter().find(|o| o.error.is_some())
    );
    assert!(outcomes.iter().all(|o| o.pages == 1), "one-page letters");
    let mut sizes: Vec<usize> = outcomes.iter().map(|o| o.bytes).collect();
    sizes.sort_unstable();
    let median = sizes[sizes.len() / 2];
    let total: usize = sizes.iter().sum();

    // The floor: the same files, same sizes, same threads, no rendering.
    let floor_dir = dir.path().join("floor");
    std::fs::create_dir(&floor_dir).expect("mkdir");
    let filler = vec![b'%'; sizes[sizes.len() - 1]];
    let start = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(size) = sizes.get(i) else { break };
                    std::fs::write(floor_dir.join(format!("{i}.pdf")), &filler[..*size])
                        .expect("write");
                }
            });
        }
    });
    let floor_time = start.elapsed();

    let per_second = LETTERS as f64 / render_time.as_secs_f64();
    println!("letters rendered          {LETTERS} on {workers} thread(s)");
    println!(
        "render + write            {:>10.2} s",
        render_time.as_secs_f64()
    );
    println!(
        "letters/s                 {per_second:>10.0}   target {TARGET_PER_SECOND:.0}   {}",
        if per_second >= TARGET_PER_SECOND {
            "ok"
        } else {
            "SLOW"
        }
    );
    println!("median bytes per letter   {median:>10}");
    println!("total bytes               {total:>10}");
    println!("peak memory (VmHWM)       {:>10}", peak_memory());
    println!(
        "disk floor (same bytes)   {:>10.3} s",
        floor_time.as_secs_f64()
    );
    println!(
        "render / floor            {:>10.1} ×",
        render_time.as_secs_f64() / floor_time.as_secs_f64()
    );
    if per_second < TARGET_PER_SECOND {
        std::process::exit(1);
    }
}
