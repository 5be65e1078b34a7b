//! The whole dispatch pipeline on 10 000 sandbox recipients:
//! `cargo bench -p kommunepost-sandbox --bench pipeline`.
//!
//! CSV → recipient list → letters (merge, PDF/A, preflight) → KRR bulk lookup for the routing
//! preview → the encrypted outbox → the worker (KRR again at send time for each letter, then
//! SvarUt) until every letter is accepted. Printed: wall time per stage and in all, letters/s,
//! and the run's peak memory. Then the same with about 10 % of the SvarUt sends failing
//! (503 before storing, stored-then-stalled answers, stored-then-dropped connections, 429s),
//! reporting letters lost and sent twice — both must be 0; the bench exits non-zero otherwise.
//! Both are run twice: one stage after another (each stage's own time), and end to end with
//! the worker sending while the mailing is still being made and queued, as the app's
//! background worker does (the stage times then overlap; the wall time is what counts).
//!
//! Time the worker would wait between retries is skipped by moving an injected clock forward
//! whenever nothing is due; wall time is the work done, not the backoff waited.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use kommunepost_core::background::{SEND_LIMIT, send_due};
use kommunepost_core::clock::{Clock, FixedClock};
use kommunepost_core::config::{DEFAULT_SVARUT_IN_FLIGHT, Environment, Timeouts};
use kommunepost_core::dispatch::{PriceTable, prepare_letters, preview, route_letters};
use kommunepost_core::krr::{Cancel, KrrAccess, KrrVersion, connect};
use kommunepost_core::letters::recipients::{RecipientList, read_recipients};
use kommunepost_core::letters::template::example;
use kommunepost_core::lookup::LookupContext;
use kommunepost_core::maskinporten::ClientCredential;
use kommunepost_core::outbox::{AuditAs, Worker};
use kommunepost_core::secret::Secret;
use kommunepost_core::store::{CreateWith, LetterKind, NewLetter, Store};
use kommunepost_core::svarut::SvarUtAccount;
use kommunepost_sandbox::svarut::SvarUtFaults;
use kommunepost_sandbox::{Population, PopulationConfig, SandboxServer};

const RECIPIENTS: usize = 10_000;
/// Letters made, routed and queued at a time, so memory stays bounded.
const CHUNK: usize = 500;
/// KRR requests the send floor makes: one per round of [`SEND_LIMIT`] letters.
const SEND_BATCH: usize = SEND_LIMIT;

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

fn csv(population: &Population) -> String {
    let mut csv = String::from(
        "fodselsnummer;navn;adresselinje1;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n",
    );
    for (i, p) in population.persons.iter().enumerate() {
        csv.push_str(&format!(
            "{};{} {};{};{};{};praktisk bistand;2026/{i};1. januar 2027;{};Helse og omsorg;Kari Nordmann\n",
            p.fnr.expose(),
            p.given_name,
            p.family_name,
            p.address.street,
            p.address.postcode,
            p.address.city,
            1000 + i
        ));
    }
    csv
}

struct Run {
    letters: usize,
    send_requests: usize,
    lost: usize,
    duplicated: usize,
    stages: Vec<(&'static str, Duration)>,
    total: Duration,
}

/// Worker rounds until every letter is sent, as the app's rounds send: at most
/// [`SEND_LIMIT`] letters a round, their persons' KRR lookup in one request, the default
/// number of SvarUt sends in flight. Returns the time spent in rounds.
async fn send_all(
    worker: &Worker,
    store: &Store,
    clock: &FixedClock,
    done: &AtomicBool,
) -> Duration {
    let mut busy = Duration::ZERO;
    loop {
        let t = Instant::now();
        let round = send_due(worker, SEND_LIMIT).await.expect("store");
        busy += t.elapsed();
        assert_eq!(
            round.failed, 0,
            "a letter failed for good: {:?}",
            round.problems
        );
        if round.sent == 0 && round.retries == 0 {
            let queued_all = done.load(Ordering::SeqCst);
            if !queued_all {
                // The next chunk is on its way.
                tokio::time::sleep(Duration::from_millis(5)).await;
            } else if store.letters_waiting("sandbox").expect("store") == 0 {
                return busy;
            } else {
                // Retries are due later: move the injected clock past the backoff.
                clock.advance(chrono::Duration::minutes(11));
            }
        }
    }
}

async fn run(population: Arc<Population>, faults: SvarUtFaults, overlap: bool) -> Run {
    // Each run's own peak: the kernel's high-water mark starts again from what is resident now.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let dyn_clock: Arc<dyn Clock> = clock.clone();
    let server = SandboxServer::start(population.clone(), dyn_clock.clone(), 0)
        .await
        .expect("sandbox");
    let credentials = server.credentials().clone();
    let credential = ClientCredential::from_pkcs12(&credentials.pkcs12, &credentials.password)
        .expect("certificate");
    let endpoints = server.endpoints();
    let timeouts = Timeouts {
        request_secs: 2,
        ..Timeouts::default()
    };
    let (_, krr) = connect(
        &endpoints,
        KrrAccess {
            client_id: credentials.client_id.clone(),
            credential: credential.clone(),
            token_url: None,
            version: KrrVersion::V2,
        },
        &timeouts,
        dyn_clock.clone(),
    )
    .expect("KRR client");
    let krr = Arc::new(krr);
    let svarut = kommunepost_core::svarut::connect(
        &endpoints.svarut,
        &endpoints.maskinporten,
        None,
        &credentials.client_id,
        credential,
        SvarUtAccount {
            konto_id: credentials.svarut_konto_id.clone(),
            integrasjon_id: credentials.integrasjon_id.clone(),
            integrasjon_passord: Secret::new(credentials.integrasjon_passord.clone()),
        },
        &timeouts,
        dyn_clock.clone(),
    )
    .expect("SvarUt client");
    // A stalled answer outlasts the client's patience: the outcome is unknown, as in life.
    let svarut = Arc::new(
        svarut
            .with_send_timeout(Duration::from_millis(800))
            .expect("SvarUt client"),
    );
    server.svarut_double.set_faults(faults);
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = Store::create(
        dir.path(),
        CreateWith::Passphrase(Secret::new("benk passordfrase".into())),
        dyn_clock.clone(),
    )
    .expect("store");
    let store = Arc::new(store);

    let worker = Arc::new(Worker::new(
        store.clone(),
        svarut.clone(),
        Some(krr.clone()),
        dyn_clock.clone(),
        AuditAs {
            actor: "benk".into(),
            environment: "sandbox".into(),
        },
    ));
    // The clerk's file, as it arrives (made before the clock starts).
    let text = csv(&population);
    let started = Instant::now();
    // Overlapping, the worker sends while the mailing is still being made and queued, as the
    // app's background worker does; otherwise it starts when every letter is queued.
    let done = Arc::new(AtomicBool::new(false));
    let sending = overlap.then(|| {
        let (worker, store, clock, done) =
            (worker.clone(), store.clone(), clock.clone(), done.clone());
        tokio::spawn(async move { send_all(&worker, &store, &clock, &done).await })
    });
    let mut stages: HashMap<&'static str, Duration> = HashMap::new();
    let mut stage = |name: &'static str, since: Instant| {
        *stages.entry(name).or_default() += since.elapsed();
    };
    let t = Instant::now();
    let list = read_recipients(text.as_bytes()).expect("the list");
    assert_eq!(
        list.recipients.len(),
        RECIPIENTS,
        "{:?}",
        list.problems.first()
    );
    stage("1 CSV read", t);
    let template = example();
    let date = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let mut queued = Vec::with_capacity(RECIPIENTS);
    for rows in list.recipients.chunks(CHUNK) {
        let t = Instant::now();
        let chunk = RecipientList {
            encoding: list.encoding,
            separator: list.separator,
            columns: list.columns.clone(),
            recipients: rows.to_vec(),
            problems: Vec::new(),
            data_rows: rows.len(),
        };
        // Made off the runtime's threads (on every core), so the worker's sends go on.
        let made = template.clone();
        let (letters, failed) =
            tokio::task::spawn_blocking(move || prepare_letters(&made, &chunk, date))
                .await
                .expect("the letters");
        assert!(failed.is_empty(), "{:?}", failed.first());
        stage("2 letters (PDF/A)", t);
        let t = Instant::now();
        let inputs = route_letters(
            &letters,
            &krr,
            Some(&svarut),
            &store,
            &LookupContext {
                actor: "benk",
                environment: "sandbox",
                purpose: Some("Utsending: benk"),
                now: dyn_clock.now(),
            },
            Environment::Sandbox,
            &Cancel::default(),
        )
        .await
        .expect("routing");
        let _ = preview(inputs, &PriceTable::default());
        stage("3 KRR and routing preview", t);
        let t = Instant::now();
        // As the app and the CLI queue: a chunk's letters in one transaction.
        let new: Vec<NewLetter> = letters.into_iter().map(new_letter).collect();
        let queue = store.clone();
        let (_, ids) = tokio::task::spawn_blocking(move || queue.enqueue_letters(None, new))
            .await
            .expect("the outbox")
            .expect("queued");
        queued.extend(ids);
        stage("4 outbox (encrypted store)", t);
    }
    done.store(true, Ordering::SeqCst);
    let sending = match sending {
        Some(task) => task.await.expect("the worker"),
        None => send_all(&worker, &store, &clock, &done).await,
    };
    stages.insert("5 send (KRR at send time + SvarUt)", sending);
    let total = started.elapsed();
    let accepted = server.svarut_double.accepted();
    let send_requests = server.svarut_double.send_requests();
    let mut per_reference: HashMap<String, usize> = HashMap::new();
    for a in &accepted {
        *per_reference
            .entry(a.forsendelse.ekstern_referanse.clone().unwrap_or_default())
            .or_default() += 1;
    }
    let lost = queued
        .iter()
        .filter(|id| !per_reference.contains_key(*id))
        .count();
    let duplicated = per_reference
        .values()
        .filter(|n| **n > 1)
        .map(|n| n - 1)
        .sum();
    server.stop().await;
    let mut stages: Vec<_> = stages.into_iter().collect();
    stages.sort();
    Run {
        letters: queued.len(),
        send_requests,
        lost,
        duplicated,
        stages,
        total,
    }
}

fn new_letter(letter: kommunepost_core::dispatch::PreparedLetter) -> NewLetter {
    NewLetter {
        mailing_id: None,
        recipient_name: letter.row.name.clone(),
        recipient_id: Some(letter.row.identifier.clone()),
        forsendelse: letter.forsendelse,
        documents: letter.documents,
        hold: chrono::Duration::zero(),
        kind: LetterKind::Ordinary,
        pages: letter.pages,
        environment: "sandbox".into(),
        case: None,
        title: None,
    }
}

/// What synchronous=FULL costs the outbox: 500 letters queued one commit each (as the worker
/// commits each letter's claim and transitions) into a store with FULL and one with NORMAL.
fn durability_cost(population: &Population) {
    let text = csv(population);
    let list = read_recipients(text.as_bytes()).expect("the list");
    let chunk = RecipientList {
        encoding: list.encoding,
        separator: list.separator,
        columns: list.columns.clone(),
        recipients: list.recipients[..500].to_vec(),
        problems: Vec::new(),
        data_rows: 500,
    };
    let date = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let (letters, _) = prepare_letters(&example(), &chunk, date);
    let clock: Arc<dyn Clock> = Arc::new(kommunepost_core::clock::SystemClock);
    let mut took = Vec::new();
    for relaxed in [false, true] {
        let dir = tempfile::tempdir().expect("temp dir");
        let credentials = kommunepost_core::store::MemoryCredentials::new();
        let (store, _) =
            Store::create(dir.path(), CreateWith::Keyring(&credentials), clock.clone())
                .expect("store");
        if relaxed {
            store
                .relax_durability_for_benchmarks()
                .expect("synchronous=NORMAL");
        }
        let t = Instant::now();
        for letter in letters.iter().cloned() {
            store.enqueue_letter(new_letter(letter)).expect("queued");
        }
        took.push(t.elapsed());
    }
    println!("synchronous=FULL, the store's setting:");
    println!(
        "  {:<38} {:>8.2} s",
        "500 letters, a commit each, FULL",
        took[0].as_secs_f64()
    );
    println!(
        "  {:<38} {:>8.2} s",
        "the same with NORMAL",
        took[1].as_secs_f64()
    );
    println!(
        "  {:<38} {:>8.2}×",
        "FULL costs",
        took[0].as_secs_f64() / took[1].as_secs_f64().max(1e-9)
    );
}

/// The outbox stage's floor: the same 10 000 letters' bytes queued (in transactions of [`CHUNK`],
/// as the pipeline queues) into the encrypted store and into plain SQLite with the same schema,
/// WAL and synchronous=FULL; the documents go to pack files in both, sealed the same way.
/// After one warm-up of each, they alternate [`FLOOR_RUNS`] times; returns the medians (target
/// ≤ 1.3×).
fn outbox_floor(population: &Population) -> (Duration, Duration) {
    let text = csv(population);
    let list = read_recipients(text.as_bytes()).expect("the list");
    let chunk = RecipientList {
        encoding: list.encoding,
        separator: list.separator,
        columns: list.columns.clone(),
        recipients: list.recipients[..CHUNK].to_vec(),
        problems: Vec::new(),
        data_rows: CHUNK,
    };
    let date = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
    let (letters, _) = prepare_letters(&example(), &chunk, date);
    let clock: Arc<dyn Clock> = Arc::new(kommunepost_core::clock::SystemClock);
    let once = |encrypted: bool| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = if encrypted {
            let credentials = kommunepost_core::store::MemoryCredentials::new();
            Store::create(dir.path(), CreateWith::Keyring(&credentials), clock.clone())
                .expect("store")
                .0
        } else {
            Store::create_unencrypted_for_benchmarks(dir.path(), clock.clone()).expect("store")
        };
        let mut took = Duration::ZERO;
        for _ in 0..RECIPIENTS / CHUNK {
            let new: Vec<NewLetter> = letters.iter().cloned().map(new_letter).collect();
            let t = Instant::now();
            store.enqueue_letters(None, new).expect("queued");
            took += t.elapsed();
        }
        took
    };
    once(true);
    once(false);
    let (mut encrypted, mut plain) = (Vec::new(), Vec::new());
    for _ in 0..FLOOR_RUNS {
        encrypted.push(once(true));
        plain.push(once(false));
    }
    (median(encrypted), median(plain))
}

/// Runs of each side of the outbox floor.
const FLOOR_RUNS: usize = 5;

fn median(mut took: Vec<Duration>) -> Duration {
    took.sort();
    took[took.len() / 2]
}

/// The send stage's floor: the same HTTP requests with empty bodies against the stand-ins —
/// one KRR request per round of [`SEND_LIMIT`] letters and one SvarUt send per letter, `in_flight` at a time —
/// answered at once (refused: no token), so only the transport is timed.
async fn send_floor(population: Arc<Population>, in_flight: usize) -> Duration {
    use futures_util::StreamExt;
    let clock: Arc<dyn Clock> = Arc::new(FixedClock::new(chrono::Utc::now()));
    let server = SandboxServer::start(population, clock, 0)
        .await
        .expect("sandbox");
    let endpoints = server.endpoints();
    let http = reqwest::Client::new();
    let svarut = format!(
        "{}/api/v2/kontoer/{}/forsendelser",
        endpoints.svarut.trim_end_matches('/'),
        server.credentials().svarut_konto_id
    );
    let krr = endpoints.krr.clone();
    let t = Instant::now();
    for _ in 0..RECIPIENTS / SEND_BATCH {
        let _ = http.post(krr.as_str()).body("").send().await;
    }
    futures_util::stream::iter(0..RECIPIENTS)
        .map(|_| {
            let http = http.clone();
            let url = svarut.clone();
            async move {
                let _ = http.post(url).body("").send().await;
            }
        })
        .buffer_unordered(in_flight)
        .collect::<Vec<_>>()
        .await;
    let took = t.elapsed();
    server.stop().await;
    took
}

/// Typst typesetting the same 10 000 letters (`../shared/bench/typst/`, two processes, as
/// its README says), when the `typst` Python package is installed; `None` otherwise.
fn typst_time() -> Option<Duration> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let typst_dir = std::env::var_os("KOMMUNEPOST_TYPST_BENCH")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/bench/typst"));
    let script = typst_dir.join("bench2.py");
    let probe = std::process::Command::new("python3")
        .args(["-c", "import typst"])
        .status()
        .ok()?;
    if !probe.success() || !script.exists() {
        return None;
    }
    let fonts = root.join("src-tauri/core/assets");
    let out = tempfile::tempdir().ok()?;
    let half = (RECIPIENTS / 2).to_string();
    let all = RECIPIENTS.to_string();
    let t = Instant::now();
    let children: Vec<_> = [("0", half.as_str()), (half.as_str(), all.as_str())]
        .into_iter()
        .map(|(from, to)| {
            std::process::Command::new("python3")
                .current_dir(&typst_dir)
                .arg(&script)
                .args([from, to])
                .arg(&fonts)
                .arg(out.path())
                .arg("a-2b")
                .spawn()
        })
        .collect::<Result<_, _>>()
        .ok()?;
    for mut child in children {
        if !child.wait().ok()?.success() {
            return None;
        }
    }
    Some(t.elapsed())
}

fn report(title: &str, run: &Run) {
    println!("{title}");
    for (name, took) in &run.stages {
        println!("  {name:<38} {:>8.1} s", took.as_secs_f64());
    }
    println!("  {:<38} {:>8.1} s", "wall time", run.total.as_secs_f64());
    println!(
        "  {:<38} {:>8.0}",
        "letters/s",
        run.letters as f64 / run.total.as_secs_f64()
    );
    println!("  {:<38} {:>8}", "letters", run.letters);
    println!(
        "  {:<38} {:>8}",
        "SvarUt send requests (incl. retries)", run.send_requests
    );
    println!("  {:<38} {:>8}", "lost", run.lost);
    println!("  {:<38} {:>8}", "sent twice", run.duplicated);
    println!(
        "  {:<38} {:>8}",
        "peak memory (VmHWM, from the run's start)",
        peak_memory()
    );
}

/// The four end-to-end runs; each runs in a process of its own (this binary, asked for one
/// run), so each run's peak memory is its own and not what an earlier run left resident.
const RUNS: [&str; 4] = ["clean", "faulty", "clean-overlapping", "faulty-overlapping"];

fn population() -> Arc<Population> {
    Arc::new(Population::generate(&PopulationConfig {
        seed: 10_000,
        persons: RECIPIENTS,
        as_of: chrono::Utc::now(),
    }))
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// One run, in this process: its report, then a `RESULT` line for the parent.
fn one_run(name: &str) {
    // About one send in ten goes wrong: 4 % refused before storing, 2 % stored then stalled
    // past the client's timeout, 2 % stored then dropped, and 2 % of all requests get a 429.
    let faults = SvarUtFaults {
        fail_every: 25,
        stall_every: 50,
        stall: Duration::from_millis(1500),
        drop_every: 49,
        rate_limit_every: 47,
        ..SvarUtFaults::default()
    };
    let (title, faults, overlap) = match name {
        "clean" => (
            "10 000 recipients, no faults, one stage after another:",
            SvarUtFaults::default(),
            false,
        ),
        "faulty" => (
            "10 000 recipients, ~10 % of SvarUt sends faulty, one stage after another:",
            faults,
            false,
        ),
        "clean-overlapping" => (
            "10 000 recipients, no faults, the worker sending while the mailing is queued (stage times overlap):",
            SvarUtFaults::default(),
            true,
        ),
        "faulty-overlapping" => (
            "10 000 recipients, ~10 % faulty, the worker sending while the mailing is queued (stage times overlap):",
            faults,
            true,
        ),
        other => panic!("no run called {other}"),
    };
    let population = population();
    let run = runtime().block_on(run(population, faults, overlap));
    report(title, &run);
    println!(
        "RESULT {} {} {} {} {}",
        run.total.as_secs_f64(),
        send_time(&run).as_secs_f64(),
        run.letters,
        run.lost,
        run.duplicated
    );
}

fn send_time(run: &Run) -> Duration {
    run.stages
        .iter()
        .find(|(name, _)| name.starts_with('5'))
        .map_or(Duration::ZERO, |(_, took)| *took)
}

/// Runs `name` in a child process, prints its report and returns what it measured.
fn run_in_child(name: &str) -> Run {
    let exe = std::env::current_exe().expect("this bench's path");
    let output = std::process::Command::new(exe)
        .args(["--one-run", name])
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("the run's process");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut result = None;
    for line in stdout.lines() {
        match line.strip_prefix("RESULT ") {
            Some(values) => result = Some(values.to_owned()),
            None => println!("{line}"),
        }
    }
    let values: Vec<f64> = result
        .unwrap_or_else(|| panic!("the {name} run ended without a result ({})", output.status))
        .split_whitespace()
        .map(|v| v.parse().expect("a number"))
        .collect();
    Run {
        total: Duration::from_secs_f64(values[0]),
        stages: vec![("5 send", Duration::from_secs_f64(values[1]))],
        letters: values[2] as usize,
        lost: values[3] as usize,
        duplicated: values[4] as usize,
        send_requests: 0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--one-run") {
        one_run(args.get(at + 1).map_or("", String::as_str));
        return;
    }
    let [clean, faulty, clean_overlapping, faulty_overlapping] = RUNS.map(run_in_child);
    let clean_population = population();
    durability_cost(&clean_population);
    let (encrypted, plain) = outbox_floor(&clean_population);
    println!(
        "Outbox stage: SQLCipher against plain SQLite (same writes, same schema, FULL, the documents in packs in both; median of {FLOOR_RUNS}):"
    );
    println!(
        "  {:<38} {:>8.2} s",
        "10 000 letters, SQLCipher",
        encrypted.as_secs_f64()
    );
    println!(
        "  {:<38} {:>8.2} s",
        "the same, plain SQLite",
        plain.as_secs_f64()
    );
    println!(
        "  {:<38} {:>8.2}×  (target ≤ 1.3×)",
        "ratio",
        encrypted.as_secs_f64() / plain.as_secs_f64().max(1e-9)
    );
    let floor = runtime().block_on(send_floor(
        clean_population.clone(),
        DEFAULT_SVARUT_IN_FLIGHT,
    ));
    let send = send_time(&clean);
    println!("Send stage against its floor (the same requests with empty bodies):");
    println!(
        "  {:<38} {:>8.2} s",
        "send stage, no faults",
        send.as_secs_f64()
    );
    println!("  {:<38} {:>8.2} s", "floor", floor.as_secs_f64());
    println!(
        "  {:<38} {:>8.2}×",
        "ratio",
        send.as_secs_f64() / floor.as_secs_f64().max(1e-9)
    );
    match typst_time() {
        Some(typst) => {
            println!("Against Typst typesetting the same 10 000 letters (2 processes):");
            println!("  {:<38} {:>8.1} s", "Typst", typst.as_secs_f64());
            for (name, run) in [
                ("no faults, stage after stage", &clean),
                ("~10 % faults, stage after stage", &faulty),
                ("no faults, overlapping", &clean_overlapping),
                ("~10 % faults, overlapping", &faulty_overlapping),
            ] {
                println!(
                    "  {:<38} {:>8.2}×  (target ≤ 1.0×)",
                    format!("pipeline, {name} / Typst"),
                    run.total.as_secs_f64() / typst.as_secs_f64().max(1e-9)
                );
            }
        }
        None => println!(
            "Typst: not measured (pip install typst; ../shared/bench/typst/ or KOMMUNEPOST_TYPST_BENCH)"
        ),
    }
    let bad = [&clean, &faulty, &clean_overlapping, &faulty_overlapping]
        .iter()
        .any(|r| r.lost > 0 || r.duplicated > 0 || r.letters != RECIPIENTS);
    if bad {
        eprintln!("FAILED: letters were lost or sent twice");
        std::process::exit(1);
    }
}
