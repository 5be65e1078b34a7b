//! Stores created by several threads at once, as the first thing a process does, are all
//! encrypted and open again with their keys.
//!
//! SQLite marks itself initialised before it runs SQLCipher's own start-up
//! (`SQLITE_EXTRA_INIT`), so a second thread opening a connection in that moment could key a
//! connection before SQLCipher was ready. Once seen in CI as a fresh store that "needed the
//! recovery key" right after it was made. The race is only open while the process is new, so
//! the test runs itself as 200 fresh child processes, each racing at its start (before the fix,
//! about 1 start in 75 failed here with "An error occurred with PRAGMA key").

use std::sync::{Arc, Barrier};

use kommunepost_core::clock::SystemClock;
use kommunepost_core::store::{CreateWith, MemoryCredentials, Store, UnlockWith};

const CHILD: &str = "KOMMUNEPOST_FIRST_OPEN_CHILD";
const THREADS: usize = 8;
const CHILDREN: usize = 200;

/// In a child: `THREADS` threads create a store each at the same moment, then each store is
/// opened again with its key and read, and its file must not be plain SQLite.
fn race_at_start(root: &std::path::Path) -> Result<(), String> {
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let barrier = barrier.clone();
            let dir = root.join(format!("store-{i}"));
            std::thread::spawn(move || {
                let credentials = MemoryCredentials::new();
                barrier.wait();
                let (store, _) = Store::create(
                    &dir,
                    CreateWith::Keyring(&credentials),
                    Arc::new(SystemClock),
                )
                .map_err(|e| format!("thread {i}: create: {e}"))?;
                drop(store);
                let store = Store::open(
                    &dir,
                    UnlockWith::Keyring(&credentials),
                    Arc::new(SystemClock),
                )
                .map_err(|e| format!("thread {i}: open again: {e}"))?;
                store
                    .list_audit(1)
                    .map_err(|e| format!("thread {i}: read: {e}"))?;
                drop(store);
                for entry in std::fs::read_dir(&dir).map_err(|e| e.to_string())? {
                    let path = entry.map_err(|e| e.to_string())?.path();
                    let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
                    if bytes.starts_with(b"SQLite format 3\0") {
                        return Err(format!("thread {i}: {} is not encrypted", path.display()));
                    }
                }
                Ok::<_, String>(())
            })
        })
        .collect();
    let errors: Vec<String> = handles
        .into_iter()
        .filter_map(|h| {
            h.join()
                .unwrap_or_else(|_| Err("a thread panicked".into()))
                .err()
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

#[test]
fn stores_made_by_many_threads_at_process_start_are_encrypted_and_open_again() {
    if let Ok(root) = std::env::var(CHILD) {
        if let Err(error) = race_at_start(std::path::Path::new(&root)) {
            eprintln!("{error}");
            std::process::exit(3);
        }
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut failures = Vec::new();
    for n in 0..CHILDREN {
        let root = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "stores_made_by_many_threads_at_process_start_are_encrypted_and_open_again",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD, root.path())
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!(
                "child {n}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
