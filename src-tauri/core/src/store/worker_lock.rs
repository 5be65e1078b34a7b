//! One worker per store: an OS-level lock on a file in the data directory. The process that
//! holds it sends, tracks and settles; any other process on the same store (a second app, a
//! CLI batch job while the app runs) runs no worker, and can still read, compose and queue.
//!
//! The lock is the operating system's (`flock` on Unix, `LockFileEx` on Windows): it is
//! released when the process ends, however it ends, so a crashed worker never blocks the next.
//! Who holds it is written beside it (`worker.json`: process id and since when), so the other
//! process can say who is sending.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "worker.lock";
/// Who holds the lock, written by the holder.
pub const HOLDER_FILE: &str = "worker.json";

/// The process that holds the worker lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Its process id.
    pub pid: u32,
    /// Which program (`kommunepost-app`, `kommunepost outbox run`, …).
    pub program: String,
    /// Since when it holds the lock.
    pub since: DateTime<Utc>,
}

impl Holder {
    /// "another Kommunepost on this machine is sending (pid N, since HH:MM)", the time in
    /// Norwegian time.
    pub fn describe(&self) -> String {
        format!(
            "another Kommunepost on this machine is sending ({}, pid {}, since {})",
            self.program,
            self.pid,
            crate::norway::local(self.since).format("%H:%M")
        )
    }
}

/// Why the worker lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds it.
    #[error("{}", .0.as_ref().map_or_else(|| "another Kommunepost on this machine is sending".to_owned(), Holder::describe))]
    Busy(Option<Holder>),
    /// The lock file could not be made or locked.
    #[error("the worker lock in {path}: {source}")]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// The held worker lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct WorkerLock {
    file: File,
    holder: Holder,
}

impl WorkerLock {
    /// Takes the worker lock of the store in `dir` for this process, without waiting.
    pub fn acquire(dir: &Path, program: &str, now: DateTime<Utc>) -> Result<Self, LockError> {
        let path = dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(LockError::Busy(holder(dir))),
            Err(TryLockError::Error(source)) => return Err(io(source)),
        }
        let holder = Holder {
            pid: std::process::id(),
            program: program.to_owned(),
            since: now,
        };
        // Best effort: the lock itself is what counts; the file only names the holder.
        let text = serde_json::to_vec(&holder).expect("plain data serialises");
        if let Err(error) = std::fs::write(dir.join(HOLDER_FILE), text) {
            tracing::warn!(%error, "could not write who holds the worker lock");
        }
        Ok(Self { file, holder })
    }

    /// Who holds it (this process).
    pub fn holder(&self) -> &Holder {
        &self.holder
    }
}

impl Drop for WorkerLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

/// Who holds the lock of the store in `dir`, as written by the holder (`None` when unknown).
pub fn holder(dir: &Path) -> Option<Holder> {
    let text = std::fs::read(dir.join(HOLDER_FILE)).ok()?;
    if text.len() > 4096 {
        return None;
    }
    serde_json::from_slice(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_and_told_who_holds_it_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let now = DateTime::parse_from_rfc3339("2026-12-06T12:30:00Z")
            .unwrap()
            .to_utc();
        let first = WorkerLock::acquire(dir.path(), "kommunepost-app", now).unwrap();
        // A second open file description, as a second process has: refused.
        match WorkerLock::acquire(dir.path(), "kommunepost outbox run", now) {
            Err(LockError::Busy(Some(holder))) => {
                assert_eq!(holder.pid, std::process::id());
                let text = LockError::Busy(Some(holder)).to_string();
                assert!(text.contains("is sending (kommunepost-app, pid"), "{text}");
                // 12:30 UTC is 13:30 in Oslo in December.
                assert!(text.ends_with("since 13:30)"), "{text}");
            }
            other => panic!("expected busy, got {other:?}"),
        }
        drop(first);
        let again = WorkerLock::acquire(dir.path(), "kommunepost outbox run", now).unwrap();
        assert_eq!(again.holder().program, "kommunepost outbox run");
    }
}
