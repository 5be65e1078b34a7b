//! Speed of the foundation's hot paths: `cargo bench -p kommunepost-core`.
//!
//! Prints one line per measurement. Targets (checked here, never by timed assertions in
//! tests): checking the ~60 000 valid numbers generated from 100 000 tries under 0.5 s; saving 10 000 drafts under 10 s; opening
//! a keyring store under 0.2 s; deriving a passphrase key (Argon2id, 64 MiB) under 2 s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kommunepost_core::clock::SystemClock;
use kommunepost_core::ident::{Fnr, FnrKind, FnrVariant, check};
use kommunepost_core::secret::Secret;
use kommunepost_core::store::{
    CreateWith, DraftInput, DraftKind, MemoryCredentials, Store, UnlockWith,
};

fn report(name: &str, elapsed: Duration, target: Duration) -> bool {
    let ok = elapsed <= target;
    println!(
        "{name:<48} {:>10.1} ms   target {:>7.0} ms   {}",
        elapsed.as_secs_f64() * 1000.0,
        target.as_secs_f64() * 1000.0,
        if ok { "ok" } else { "SLOW" }
    );
    ok
}

fn main() {
    let mut all_ok = true;

    let numbers: Vec<String> = (0..100_000u32)
        .filter_map(|i| {
            let date =
                chrono::NaiveDate::from_ymd_opt(1940 + (i % 80) as i32, 1 + i % 12, 1 + i % 28)?;
            Fnr::generate(
                date,
                (i % 500) as u16,
                FnrKind::Fodselsnummer,
                FnrVariant::TenorSynthetic,
            )
            .map(|f| f.expose().to_owned())
        })
        .collect();
    let start = Instant::now();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).expect("date");
    let valid = numbers.iter().filter(|n| check(n, today).valid).count();
    all_ok &= report(
        &format!("check {} identifiers", numbers.len()),
        start.elapsed(),
        Duration::from_millis(500),
    );
    assert_eq!(valid, numbers.len());

    let dir = tempfile::tempdir().expect("temp dir");
    let credentials = MemoryCredentials::new();
    let clock = Arc::new(SystemClock);
    let (store, _) =
        Store::create(dir.path(), CreateWith::Keyring(&credentials), clock.clone()).expect("store");
    let fnr = Fnr::parse("20914695016").expect("valid");
    let start = Instant::now();
    for i in 0..10_000 {
        store
            .upsert_draft(DraftInput {
                id: None,
                kind: DraftKind::Letter,
                title: format!("Vedtak {i}"),
                recipient_fnr: Some(fnr.clone()),
                recipient_name: Some("Åse Bjørnstad".into()),
                body: "Brødtekst med æøå. ".repeat(20),
                letter: Default::default(),
            })
            .expect("save");
    }
    all_ok &= report(
        "save 10 000 drafts (one transaction each)",
        start.elapsed(),
        Duration::from_secs(10),
    );
    // What synchronous=FULL costs: the same saves with commits that do not wait for the disk.
    let full = start.elapsed();
    let relaxed_dir = tempfile::tempdir().expect("temp dir");
    let (relaxed, _) = Store::create(
        relaxed_dir.path(),
        CreateWith::Keyring(&credentials),
        clock.clone(),
    )
    .expect("store");
    relaxed
        .relax_durability_for_benchmarks()
        .expect("synchronous=NORMAL");
    let normal_start = Instant::now();
    for i in 0..10_000 {
        relaxed
            .upsert_draft(DraftInput {
                id: None,
                kind: DraftKind::Letter,
                title: format!("Vedtak {i}"),
                recipient_fnr: Some(fnr.clone()),
                recipient_name: Some("Åse Bjørnstad".into()),
                body: "Brødtekst med æøå. ".repeat(20),
                letter: Default::default(),
            })
            .expect("save");
    }
    let normal = normal_start.elapsed();
    println!(
        "{:<48} {:>10.1} ms   synchronous=FULL costs {:.2}× (every commit waits for the disk)",
        "the same saves with synchronous=NORMAL",
        normal.as_secs_f64() * 1000.0,
        full.as_secs_f64() / normal.as_secs_f64().max(1e-9),
    );
    drop(relaxed);
    let start = Instant::now();
    let listed = store.list_drafts().expect("list").len();
    all_ok &= report(
        "list 10 000 drafts",
        start.elapsed(),
        Duration::from_millis(500),
    );
    assert_eq!(listed, 10_000);
    drop(store);

    let start = Instant::now();
    let store =
        Store::open(dir.path(), UnlockWith::Keyring(&credentials), clock.clone()).expect("open");
    all_ok &= report(
        "open a keyring store",
        start.elapsed(),
        Duration::from_millis(200),
    );
    drop(store);

    let other = tempfile::tempdir().expect("temp dir");
    let start = Instant::now();
    Store::create(
        other.path(),
        CreateWith::Passphrase(Secret::new("en lang passordfrase".into())),
        clock,
    )
    .expect("passphrase store");
    all_ok &= report(
        "create a passphrase store (Argon2id 64 MiB)",
        start.elapsed(),
        Duration::from_secs(2),
    );

    if !all_ok {
        eprintln!("some measurements missed their targets");
        std::process::exit(1);
    }
}
