//! The worker round, written once for the app and the CLI, and its supervision.
//!
//! A round sends what is due (each letter claimed first), brings statuses up to date, tracks
//! signing orders and queues their signed copies. Only the process holding the store's worker
//! lock ([`crate::store::worker_lock`]) runs rounds. [`supervised`] runs a round so that an
//! error or a panic inside it is caught and reported, and the next round runs: a bug in one
//! round never silently ends all sending and tracking.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use serde::Serialize;

use crate::mask::text as mask_text;
use crate::outbox::{StepOutcome, Worker};
use crate::signing::tracker::SigningTracker as Tracker;
use crate::store::worker_lock::WorkerLock;
use crate::store::{Store, StoreError};

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct RoundReport {
    /// Letters sent, recovered (found at SvarUt after a lost answer) or put in the office print
    /// batch.
    pub sent: u32,
    /// Letters that failed for good (now in the exceptions inbox).
    pub failed: u32,
    /// Letters to be tried again later.
    pub retries: u32,
    /// Letter statuses that changed.
    pub statuses: u32,
    /// Signing-order statuses that changed.
    pub signing_statuses: u32,
    /// Signed copies put in the outbox.
    pub copies: u32,
    /// Archive packages built (ready for the archive, or failed with their reason).
    pub archive_packages: u32,
    /// Problems worth telling (identifiers masked), each once.
    pub problems: Vec<String>,
    /// The round sent as many letters as it may and nothing asked it to slow down: more are
    /// likely due, so the next round should follow at once instead of after the usual rest
    /// (a 10 000-letter mailing is not held to one round's limit every few seconds).
    pub more_due: bool,
}

impl RoundReport {
    /// Whether the outbox changed (what the app tells its pages).
    pub fn outbox_changed(&self) -> bool {
        self.sent + self.failed + self.retries + self.statuses + self.copies + self.archive_packages
            > 0
    }

    /// Adds another part of the same round (the signing round to the outbox's).
    pub fn merge(&mut self, other: RoundReport) {
        self.sent += other.sent;
        self.failed += other.failed;
        self.retries += other.retries;
        self.statuses += other.statuses;
        self.signing_statuses += other.signing_statuses;
        self.copies += other.copies;
        self.archive_packages += other.archive_packages;
        self.more_due |= other.more_due;
        for problem in other.problems {
            if !self.problems.contains(&problem) {
                self.problems.push(problem);
            }
        }
    }

    /// Whether signing orders changed.
    pub fn signing_changed(&self) -> bool {
        self.signing_statuses > 0
    }
}

/// The most letters one round sends, so tracking and the screen keep up.
pub const SEND_LIMIT: usize = 200;

/// Sends due letters (at most `limit`; see [`Worker::send_due`]): no new send starts after
/// the first that must wait, since the service is then likely to refuse the next one as well.
pub async fn send_due(worker: &Worker, limit: usize) -> Result<RoundReport, StoreError> {
    let mut report = RoundReport::default();
    let outcomes = worker.send_due(limit).await?;
    // A round that stopped early (a 429, the service unreachable) released the letters it did
    // not start, so it handled fewer than it claimed; one with a send to retry rests anyway.
    let handled_all = limit > 0 && outcomes.len() >= limit;
    for outcome in outcomes {
        match outcome {
            StepOutcome::Idle => {}
            StepOutcome::Sent { .. }
            | StepOutcome::Recovered { .. }
            | StepOutcome::OfficePrint { .. } => report.sent += 1,
            StepOutcome::Failed { reason, .. } => {
                report.failed += 1;
                note(&mut report, format!("a letter failed: {reason}"));
            }
            StepOutcome::ClaimLost { .. } | StepOutcome::Withheld { .. } => {}
            StepOutcome::RetryLater { error, .. } => {
                report.retries += 1;
                note(
                    &mut report,
                    format!("a letter will be tried again: {error}"),
                );
            }
        }
    }
    report.more_due = handled_all && report.retries == 0;
    Ok(report)
}

fn note(report: &mut RoundReport, problem: String) {
    let problem = mask_text(&problem);
    if !report.problems.contains(&problem) {
        report.problems.push(problem);
    }
}

/// The most archive packages one round builds (of letters, and of signing orders).
pub const ARCHIVE_LIMIT: usize = 100;

/// One round of the outbox: due letters, then (with `track`) the statuses of sent ones, then
/// the archive packages of letters SvarUt accepted and of completed signing orders.
pub async fn outbox_round(worker: &Worker, track: bool) -> Result<RoundReport, StoreError> {
    let mut report = send_due(worker, SEND_LIMIT).await?;
    if track {
        match worker.track().await? {
            Ok(changed) => report.statuses = u32::try_from(changed).unwrap_or(u32::MAX),
            Err(error) => note(&mut report, format!("SvarUt statuses: {error}")),
        }
    }
    report.merge(archive_round(
        worker.store(),
        worker.environment_name(),
        worker.archive_settings(),
        worker.now(),
    )?);
    Ok(report)
}

/// Whether an outbox round has anything for SvarUt or KRR in `environment`: letters waiting
/// to leave (held, queued, or with an unknown outcome), or, with `track`, sent letters whose
/// status is still followed. A round without such work needs no clients (and, in the
/// Sandbox, does not start the sandbox services): only [`archive_round`].
pub fn outbox_work(store: &Store, environment: &str, track: bool) -> Result<bool, StoreError> {
    Ok(store.letters_waiting(environment)? > 0
        || (track && store.has_letters_to_track(environment)?))
}

/// The archive part of an outbox round: the packages of letters SvarUt accepted and of
/// completed signing orders (at most [`ARCHIVE_LIMIT`] of each).
pub fn archive_round(
    store: &Store,
    environment: &str,
    settings: &crate::config::ArchiveSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<RoundReport, StoreError> {
    let mut report = RoundReport::default();
    let built = crate::archive::build_due(store, environment, settings, now, ARCHIVE_LIMIT)?;
    report.archive_packages = u32::try_from(built.waiting + built.failed).unwrap_or(u32::MAX);
    if built.failed > 0 {
        note(
            &mut report,
            format!(
                "{} archive package(s) could not be built; see Arkiv",
                built.failed
            ),
        );
    }
    Ok(report)
}

/// Whether signing orders of `environment` need the service this round: queues to poll,
/// results to fetch, copies to queue.
pub fn signing_work(store: &Store, environment: &str) -> Result<bool, StoreError> {
    Ok(!store.signing_queues_to_poll(environment)?.is_empty()
        || !store
            .signing_orders_missing_results(environment)?
            .is_empty()
        || !store
            .signing_orders_awaiting_copies(environment)?
            .is_empty())
}

/// One round of signing orders: poll the queues (the tracker never polls before the service
/// permits), fetch missing results, then queue the signed copies of completed orders (held
/// `copy_hold`). Each order's copies are queued at most once, in one transaction.
pub async fn signing_round(
    tracker: &Tracker,
    store: &Store,
    environment: &str,
    copy_hold: chrono::Duration,
) -> Result<RoundReport, crate::signing::tracker::TrackError> {
    let mut report = RoundReport::default();
    let tracked = tracker.round().await?;
    report.signing_statuses = u32::try_from(tracked.statuses).unwrap_or(u32::MAX);
    for problem in tracked.problems {
        note(&mut report, problem);
    }
    for id in store.signing_orders_awaiting_copies(environment)? {
        let queued = crate::signing::tracker::queue_signed_copies(store, &id, copy_hold)?;
        report.copies += u32::try_from(queued).unwrap_or(u32::MAX);
    }
    Ok(report)
}

/// Takes the store's worker lock for this process (`program` names it to others), and settles
/// what a worker that died left half done: signing orders still `sending` (their create may or
/// may not have reached the service) become `uncertain`, to be settled by the service's status
/// or by our reference — never sent again. Letters need nothing here: their claims expire.
pub fn take_worker_lock(
    dir: &std::path::Path,
    program: &str,
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<WorkerLock, TakeLockError> {
    let lock = WorkerLock::acquire(dir, program, now)?;
    let released = store.release_idle_claims()?;
    if released > 0 {
        tracing::info!(released, "claims of a worker that stopped were released");
    }
    let settled = store.settle_interrupted_signing_orders()?;
    if settled > 0 {
        tracing::warn!(
            settled,
            "signing orders cut off while being sent are now uncertain"
        );
    }
    Ok(lock)
}

/// Why the worker lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum TakeLockError {
    /// Another process holds it, or the lock file failed.
    #[error(transparent)]
    Lock(#[from] crate::store::worker_lock::LockError),
    /// The store failed while settling.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a supervised round ended badly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundFailure {
    /// The round returned an error.
    #[error("{0}")]
    Error(String),
    /// The round panicked: a bug. It was caught; the next round runs.
    #[error("an internal error stopped this round ({0}); the next round runs")]
    Panicked(String),
}

/// Runs one round, catching its error or panic: the caller reports it and runs the next.
/// Messages are masked, as they may be shown and logged.
pub async fn supervised<T, E: std::fmt::Display>(
    round: impl Future<Output = Result<T, E>>,
) -> Result<T, RoundFailure> {
    match AssertUnwindSafe(round).catch_unwind().await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(RoundFailure::Error(mask_text(&error.to_string()))),
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            let text = mask_text(&text);
            tracing::error!(panic = %text, "a background round panicked");
            Err(RoundFailure::Panicked(text))
        }
    }
}

/// Runs rounds until `next` says stop, each supervised: a failed or panicking round is
/// handed to `report` and the next round runs. `next` gets the number of rounds run so far
/// and waits between rounds. Returns how many rounds failed.
pub async fn run_rounds<T, E, R, F, N, W>(
    mut round: R,
    mut report: impl FnMut(Result<&T, &RoundFailure>),
    mut next: N,
) -> u64
where
    E: std::fmt::Display,
    R: FnMut(u64) -> F,
    F: Future<Output = Result<T, E>>,
    N: FnMut(u64) -> W,
    W: Future<Output = bool>,
{
    let (mut rounds, mut failures) = (0u64, 0u64);
    loop {
        let outcome = supervised(round(rounds)).await;
        rounds += 1;
        match &outcome {
            Ok(value) => report(Ok(value)),
            Err(failure) => {
                failures += 1;
                report(Err(failure));
            }
        }
        if !next(rounds).await {
            return failures;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[tokio::test]
    async fn a_panic_in_a_round_is_reported_and_the_next_round_runs() {
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let ran = Arc::new(Mutex::new(Vec::new()));
        let failures = run_rounds(
            |n| {
                let ran = ran.clone();
                async move {
                    ran.lock().unwrap().push(n);
                    match n {
                        1 => panic!("injected fault for 01018012345 in round {n}"),
                        2 => Err("KRR: the service did not answer".to_owned()),
                        _ => Ok(n),
                    }
                }
            },
            |outcome| {
                seen.lock().unwrap().push(match outcome {
                    Ok(n) => format!("ok {n}"),
                    Err(failure) => failure.to_string(),
                })
            },
            |rounds| async move { rounds < 4 },
        )
        .await;
        assert_eq!(failures, 2);
        assert_eq!(*ran.lock().unwrap(), [0, 1, 2, 3], "every round ran");
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0], "ok 0");
        assert!(
            seen[1].starts_with("an internal error stopped this round (injected fault for 010180"),
            "{}",
            seen[1]
        );
        assert!(!seen[1].contains("01018012345"), "masked: {}", seen[1]);
        assert_eq!(seen[2], "KRR: the service did not answer");
        assert_eq!(seen[3], "ok 3");
    }
}
