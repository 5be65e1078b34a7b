//! Start-up: how soon the app's window is usable, and how much memory it holds when idle,
//! against an empty Tauri 2 window built into this same binary.
//!
//! Both are started the way the end-to-end tests start the app: tauri-driver starts
//! WebKitWebDriver, which starts the program. The clock runs from the request for a WebDriver
//! session (which launches the program) until the first navigation button is in the page
//! ("usable": the clerk can act). The empty window is this binary run with `--empty-window`: the
//! same Tauri runtime and webview showing a static page with one navigation button, no
//! commands and no state.
//!
//! The app starts on a store created beforehand (the daily start: the key comes from the OS
//! credential store and the navigation shows), in the Sandbox environment, with a fresh data
//! directory per run. Idle memory is the proportional set size (PSS) of every process the
//! program runs (the app or empty window, and WebKit's web and network processes), read from
//! `/proc/*/smaps_rollup` after the window has been idle for a few seconds.
//!
//! Needs what the end-to-end tests need: a display (Xvfb), `tauri-driver`, WebKitWebDriver, and
//! a Secret Service (gnome-keyring) in a D-Bus session. `.ci/bench-startup` provides them:
//!
//! ```text
//! .ci/bench-startup            # 5 runs of each, alternating
//! ```
//!
//! `KOMMUNEPOST_BENCH_RUNS` sets the number of runs; `KOMMUNEPOST_BENCH_TRACE=1` also prints the
//! page's own timing and size and each process's PSS, and keeps each run's data directory (the
//! app's log).
//!
//! Nothing here is a test: it prints figures and ratios, and fails only when it cannot measure.

#![allow(clippy::print_stdout)]

#[path = "../../tests/e2e/driver.rs"]
#[allow(dead_code)] // the bench uses only part of the E2E driver
mod driver;

use std::borrow::Cow;
use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

/// The argument that makes this binary the empty window.
const EMPTY_WINDOW: &str = "--empty-window";
/// How long the window is left idle before its memory is read.
const IDLE: Duration = Duration::from_secs(5);
/// What "usable" waits for in both windows.
const USABLE: &str = "nav button";

fn main() {
    if std::env::args().any(|arg| arg == EMPTY_WINDOW) {
        empty_window::run();
        return;
    }
    let runs: usize = std::env::var("KOMMUNEPOST_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!(
            "startup bench: no display. Run it with .ci/bench-startup (Xvfb, D-Bus, keyring)."
        );
        std::process::exit(2);
    }
    let app = env!("CARGO_BIN_EXE_kommunepost-app");
    let empty = std::env::current_exe().expect("this binary's path");
    let empty = empty.to_str().expect("a UTF-8 path");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        println!("start-up: time to a usable window (first navigation button) and idle PSS");
        println!("machine: {}", machine());
        // One untimed start of each, so both find WebKit's files in the page cache.
        measure(app, &[], true).await;
        measure(empty, &[EMPTY_WINDOW], false).await;
        let mut app_runs = Vec::new();
        let mut empty_runs = Vec::new();
        for run in 1..=runs {
            let a = measure(app, &[], true).await;
            let e = measure(empty, &[EMPTY_WINDOW], false).await;
            println!(
                "run {run}: app {:>5} ms {:>6.1} MiB | empty window {:>5} ms {:>6.1} MiB",
                a.usable.as_millis(),
                a.pss_kib as f64 / 1024.0,
                e.usable.as_millis(),
                e.pss_kib as f64 / 1024.0,
            );
            app_runs.push(a);
            empty_runs.push(e);
        }
        let (a_time, e_time) = (
            median(app_runs.iter().map(|r| r.usable.as_secs_f64())),
            median(empty_runs.iter().map(|r| r.usable.as_secs_f64())),
        );
        let (a_pss, e_pss) = (
            median(app_runs.iter().map(|r| r.pss_kib as f64 / 1024.0)),
            median(empty_runs.iter().map(|r| r.pss_kib as f64 / 1024.0)),
        );
        println!("median over {runs} runs:");
        println!(
            "  window usable: app {:.2} s, empty window {:.2} s (floor) = {:.2}× the empty window (target ≤ 1.5×)",
            a_time,
            e_time,
            a_time / e_time
        );
        println!(
            "  idle memory (PSS, all processes): app {a_pss:.0} MiB, empty window {e_pss:.0} MiB (floor) = {:.2}× (target ≤ 1.2×)",
            a_pss / e_pss
        );
    });
}

/// One start: when the window became usable, and its memory once idle.
struct Run {
    usable: Duration,
    pss_kib: u64,
}

async fn measure(application: &str, args: &[&str], with_store: bool) -> Run {
    let home = tempfile::tempdir().expect("a temporary data directory");
    if with_store {
        prepare_store(home.path());
    }
    let driver = driver::TauriDriver::start(home.path()).await;
    let started = Instant::now();
    let client = driver.session_with_args(application, args).await;
    wait_usable(&client).await;
    let usable = started.elapsed();
    if trace() {
        // Where the time went: the page's own share (from navigation start), and the memory
        // before the idle wait; the data directory (with the app's log) is kept.
        let page = client
            .execute(
                "const n = performance.getEntriesByType('navigation')[0]; \
                 const d = document.documentElement; \
                 return JSON.stringify({now: performance.now(), domContentLoaded: n && n.domContentLoadedEventEnd, load: n && n.loadEventEnd, \
                 viewport: [innerWidth, innerHeight], page: [d.scrollWidth, d.scrollHeight], elements: document.getElementsByTagName('*').length});",
                vec![],
            )
            .await;
        eprintln!(
            "{application}: usable after {usable:?}; page (timing in ms, sizes in px): {page:?}; PSS now {} KiB; data in {}",
            program_pss_kib(driver.pid()),
            home.keep().display()
        );
    }
    tokio::time::sleep(IDLE).await;
    let pss_kib = program_pss_kib(driver.pid());
    let _ = client.close().await;
    driver.stop();
    Run { usable, pss_kib }
}

/// `KOMMUNEPOST_BENCH_TRACE` set: say where the time and memory went, per process.
fn trace() -> bool {
    std::env::var_os("KOMMUNEPOST_BENCH_TRACE").is_some()
}

/// Creates the store in `home` with the OS credential store, as the app's first run does, and
/// marks its recovery key as kept: the next start is the daily one, straight to the navigation.
fn prepare_store(home: &Path) {
    let paths = kommunepost_core::paths::AppPaths::under(home);
    let state = kommunepost_app::state::AppState::start(paths).expect("the app's state");
    let mut session = state.session();
    session.store().expect(
        "a store with its key in the OS credential store (run under .ci/bench-startup, which starts gnome-keyring)",
    );
    session
        .confirm_recovery_key()
        .expect("keep the recovery key");
}

async fn wait_usable(client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if client.find(Locator::Css(USABLE)).await.is_ok() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{USABLE} did not appear within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The PSS of every process below tauri-driver except the two drivers: the program and the
/// processes it started.
fn program_pss_kib(driver: u32) -> u64 {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head
            .split_once('(')
            .map(|(_, c)| c.to_owned())
            .unwrap_or_default();
        let ppid = tail
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid, comm));
        }
    }
    let mut below = vec![driver];
    let mut total = 0;
    while let Some(parent) = below.pop() {
        for (pid, _, comm) in parents.iter().filter(|(_, ppid, _)| *ppid == parent) {
            below.push(*pid);
            if comm != "WebKitWebDriver" && comm != "tauri-driver" {
                let pss = pss_kib(*pid);
                if trace() {
                    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
                        .unwrap_or_default()
                        .lines()
                        .filter(|l| l.starts_with("Pss_"))
                        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
                        .collect::<Vec<_>>()
                        .join(", ");
                    eprintln!("  {comm} ({pid}): {pss} KiB ({rollup})");
                }
                total += pss;
            }
        }
    }
    assert!(total > 0, "no program process found below tauri-driver");
    total
}

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|rollup| {
            rollup.lines().find_map(|line| {
                line.strip_prefix("Pss:")
                    .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            })
        })
        .unwrap_or(0)
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

/// The empty Tauri 2 window: the app's runtime, window and webview configuration, showing a
/// static page with one navigation button instead of the app's UI, and nothing else.
mod empty_window {
    use super::*;
    use tauri::utils::assets::{AssetKey, AssetsIter, CspHash};

    const PAGE: &[u8] = b"<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\"><title>Tomt vindu</title></head>\
<body><nav aria-label=\"Tomt\"><ul><li><button type=\"button\">Tomt</button></li></ul></nav></body></html>";

    struct OnePage;

    impl<R: tauri::Runtime> tauri::Assets<R> for OnePage {
        fn get(&self, key: &AssetKey) -> Option<Cow<'_, [u8]>> {
            matches!(key.as_ref(), "/index.html" | "index.html").then_some(Cow::Borrowed(PAGE))
        }

        fn iter(&self) -> Box<AssetsIter<'_>> {
            Box::new(std::iter::once((
                Cow::Borrowed("/index.html"),
                Cow::Borrowed(PAGE),
            )))
        }

        fn csp_hashes(&self, _html_path: &AssetKey) -> Box<dyn Iterator<Item = CspHash<'_>> + '_> {
            Box::new(std::iter::empty())
        }
    }

    pub fn run() {
        let mut context = kommunepost_app::context::<tauri::Wry>();
        context.set_assets(Box::new(OnePage));
        context.config_mut().identifier = "no.kommunepost.bench.empty-window".to_owned();
        tauri::Builder::default()
            .run(context)
            .expect("the empty window");
    }
}
