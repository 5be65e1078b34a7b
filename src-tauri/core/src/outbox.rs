//! The delivery worker: one callable step that sends the next due letter through SvarUt, and
//! one that brings the statuses of sent letters up to date. A loop (app or CLI) calls them.
//!
//! Exactly once toward SvarUt: the letter's id is the forsendelse's `eksternReferanse`; the
//! letter is marked `sending` in the store *before* the request leaves, so after a crash or a
//! lost answer the next step looks it up by that reference and only sends if SvarUt has
//! nothing. KRR is looked up again at send time (the terms of use require it); only the
//! evidence — when, and the routing it gave — is kept with the letter.

use crate::dispatch::RowError;
use crate::problem::Explain;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rand::TryRngCore;

use crate::clock::Clock;
use crate::config::Environment;
use crate::gate;
use crate::ident::Identifier;
use crate::krr::KrrClient;
use crate::routing::{Route, route_person};
use crate::store::{OutboxLetter, Store, StoreError};
use crate::svarut::{FilePart, SvarUtClient, SvarUtError};

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Nothing was due.
    Idle,
    /// Sent and accepted.
    Sent {
        /// The letter.
        letter: String,
        /// SvarUt's id.
        svarut_id: String,
    },
    /// A send whose answer was lost turned out to have arrived: recorded, not sent again.
    Recovered {
        /// The letter.
        letter: String,
        /// SvarUt's id.
        svarut_id: String,
    },
    /// Not sent now; tried again later.
    RetryLater {
        /// The letter.
        letter: String,
        /// Why.
        error: String,
        /// The service asked to slow down (429 Too Many Requests) or could not be reached at
        /// all: no new send should start this round.
        slow_down: bool,
    },
    /// Routed to paper and put in the office print batch (not sent to SvarUt).
    OfficePrint {
        /// The letter.
        letter: String,
    },
    /// Cannot be sent: in the exceptions inbox.
    Failed {
        /// The letter.
        letter: String,
        /// Why.
        reason: String,
    },
    /// Its mailing was paused or cancelled after the worker claimed it: not sent (released,
    /// or recalled when cancelled).
    Withheld {
        /// The letter.
        letter: String,
    },
    /// This worker's claim on the letter expired while it worked (another worker may have
    /// it now): the letter was left alone.
    ClaimLost {
        /// The letter.
        letter: String,
    },
}

/// Who the worker's KRR lookups are recorded as in the audit log, and the environment it
/// works in (it sends and tracks only that environment's letters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditAs {
    /// The OS user (or the app's user) the worker runs for.
    pub actor: String,
    /// `sandbox`, `test` or `prod`.
    pub environment: String,
}

/// Sends and tracks letters. Each letter is claimed (compare-and-set in the store, under a
/// lease longer than the send timeout) before anything is done with it, so two workers on one
/// store never handle the same letter; [`crate::store::worker_lock`] keeps a second process
/// from running a worker at all.
pub struct Worker {
    store: Arc<Store>,
    svarut: Arc<SvarUtClient>,
    krr: Option<Arc<KrrClient>>,
    clock: Arc<dyn Clock>,
    audit: AuditAs,
    print_at_office: bool,
    id: String,
    lease: chrono::Duration,
    archive: crate::config::ArchiveSettings,
    in_flight: usize,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The wait before attempt `attempts + 1`: 5 s doubling up to 10 min, with ±50 % jitter so a
/// mass mailing's retries do not arrive together.
pub fn backoff(attempts: i64, jitter: f64) -> chrono::Duration {
    let base = 5.0 * 2f64.powi(attempts.clamp(0, 20) as i32);
    let capped = base.min(600.0);
    chrono::Duration::milliseconds((capped * (0.5 + jitter.clamp(0.0, 1.0)) * 1000.0) as i64)
}

/// Time a claim allows beyond the send itself: the send-time KRR lookup, reading the
/// documents, and storing the outcome.
const LEASE_MARGIN: chrono::Duration = chrono::Duration::minutes(2);

/// How long a claim lasts with `timeouts`: the send-time KRR lookup and the send, each with
/// its connection, and a margin. A send that was under way when its worker died has ended (or
/// timed out) by then, so the lookup by reference that follows sees it.
pub fn lease_for(timeouts: &crate::config::Timeouts) -> chrono::Duration {
    let secs = 2 * i64::from(timeouts.connect_secs)
        + i64::from(timeouts.request_secs)
        + i64::from(timeouts.send_secs)
        + 10;
    chrono::Duration::seconds(secs)
}

impl Worker {
    /// A worker over `store`, sending with `svarut`, looking up with `krr` (none: no lookup,
    /// e.g. only tracking), on `clock`; its KRR lookups are written to the audit log as `audit`.
    /// Its claims last the SvarUt client's send timeout plus a margin.
    pub fn new(
        store: Arc<Store>,
        svarut: Arc<SvarUtClient>,
        krr: Option<Arc<KrrClient>>,
        clock: Arc<dyn Clock>,
        audit: AuditAs,
    ) -> Self {
        let lease = chrono::Duration::from_std(svarut.send_timeout())
            .unwrap_or(chrono::Duration::minutes(20))
            + LEASE_MARGIN;
        let tag = uuid::Uuid::new_v4().simple().to_string();
        Self {
            store,
            svarut,
            krr,
            clock,
            audit,
            print_at_office: false,
            id: format!("pid{}-{}", std::process::id(), &tag[..8]),
            lease,
            archive: crate::config::ArchiveSettings::default(),
            in_flight: crate::config::DEFAULT_SVARUT_IN_FLIGHT,
        }
    }

    /// At most `n` SvarUt sends at a time in [`Worker::send_due`] (at least 1).
    pub fn with_in_flight(mut self, n: usize) -> Self {
        self.in_flight = n.max(1);
        self
    }

    /// The dispatch settings that shape sending: print at the office, sends in flight.
    pub fn with_dispatch(self, settings: &crate::config::DispatchSettings) -> Self {
        self.print_at_office(settings.print_at_office)
            // A settings file edited by hand may say anything: 1 to 16, as Innstillinger allows.
            .with_in_flight(usize::from(settings.svarut_in_flight.clamp(1, 16)))
    }

    /// How many SvarUt sends it keeps in flight at most.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Letters KRR routes to paper are printed at the office (the print batch) instead of
    /// going to SvarUt's print service.
    pub fn print_at_office(mut self, yes: bool) -> Self {
        self.print_at_office = yes;
        self
    }

    /// Claims that last `lease` (see [`lease_for`]).
    pub fn with_lease(mut self, lease: chrono::Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Archive packages are built with `settings` (the case metadata defaults).
    pub fn with_archive(mut self, settings: crate::config::ArchiveSettings) -> Self {
        self.archive = settings;
        self
    }

    /// The archive settings packages are built with.
    pub fn archive_settings(&self) -> &crate::config::ArchiveSettings {
        &self.archive
    }

    /// The environment it sends in (`sandbox`, `test`, `prod`).
    pub fn environment_name(&self) -> &str {
        &self.audit.environment
    }

    /// Now, on its clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// This worker's id, as its claims name it.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How long its claims last.
    pub fn lease(&self) -> chrono::Duration {
        self.lease
    }

    /// The store it works on.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    fn environment(&self) -> Environment {
        Environment::parse(&self.audit.environment).unwrap_or(Environment::Production)
    }

    fn retry_at(&self, attempts: i64) -> DateTime<Utc> {
        let jitter = rand::rngs::OsRng
            .try_next_u32()
            .map_or(0.5, |n| f64::from(n) / f64::from(u32::MAX));
        self.clock.now() + backoff(attempts, jitter)
    }

    /// Claims and handles the next due letter, if any.
    pub async fn step(&self) -> Result<StepOutcome, StoreError> {
        let Some(letter) =
            self.store
                .claim_next_due_letter(&self.audit.environment, &self.id, self.lease)?
        else {
            return Ok(StepOutcome::Idle);
        };
        self.handle_claimed(letter, None).await
    }

    /// Claims up to `limit` due letters at once and sends them: the send-time KRR lookups in
    /// one request per 200 letters, then windows of [`Worker::in_flight`] SvarUt sends, each
    /// window marked `sending` in one commit before its requests leave together, and its
    /// accepted letters recorded in one commit.
    /// Each letter is claimed before anything is done with it, as in [`Worker::step`]. When
    /// the service is likely to refuse the next send too (a 429, SvarUt or KRR unreachable, or
    /// as many failed sends in a row as sends in flight, at least 3) no new send starts; the
    /// letters not started are released for the
    /// next round. A single failed send only waits its own backoff.
    /// Returns what happened to each letter handled (empty: nothing was due).
    pub async fn send_due(&self, limit: usize) -> Result<Vec<StepOutcome>, StoreError> {
        let result = self.send_claimed(limit).await;
        if result.is_err() {
            // The round stopped on a store error: the letters it claimed and did not start on
            // are free for the next round at once (letters marked `sending` keep their lease).
            if let Err(error) = self.store.release_worker_claims(&self.id) {
                tracing::warn!(%error, "could not release the round's claims");
            }
        }
        result
    }

    async fn send_claimed(&self, limit: usize) -> Result<Vec<StepOutcome>, StoreError> {
        let mut unrecorded = Unrecorded::default();
        let sent = self.send_windows(limit, &mut unrecorded).await;
        // The last window's accepted letters are recorded even when the round stopped on an
        // error (what cannot be recorded stays `sending`, for the lookup by reference).
        let recorded = self.record(&mut unrecorded);
        let mut outcomes = sent?;
        outcomes.extend(recorded?);
        Ok(outcomes)
    }

    async fn send_windows(
        &self,
        limit: usize,
        unrecorded: &mut Unrecorded,
    ) -> Result<Vec<StepOutcome>, StoreError> {
        let letters =
            self.store
                .claim_due_letters(&self.audit.environment, &self.id, self.lease, limit)?;
        let stop = std::sync::atomic::AtomicBool::new(false);
        let stop = &stop;
        // Retries in a row with no send accepted between: the service is likely down.
        let streak = std::sync::atomic::AtomicUsize::new(0);
        let streak = &streak;
        let streak_limit = self.in_flight.max(3);
        let mut outcomes = Vec::with_capacity(letters.len());
        let mut letters = letters.into_iter().peekable();
        // Looked up a part at a time, so a round that stops early has not looked up (and
        // audited) the persons of letters it does not send.
        while letters.peek().is_some() {
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                let rest: Vec<String> = letters.by_ref().map(|l| l.id).collect();
                self.store.release_claims(&rest, &self.id)?;
                break;
            }
            let part: Vec<OutboxLetter> = letters.by_ref().take(LOOKUP_PART).collect();
            // Accepted letters are recorded before a KRR lookup, so their claims (renewed
            // when they were marked) need not outlast it.
            outcomes.extend(self.record(unrecorded)?);
            let mut known = self.krr_evidence_batch(&part).await;
            let mut part = part.into_iter();
            let mut to_send: Vec<Box<ToSend>> = Vec::new();
            let row = std::sync::atomic::Ordering::SeqCst;
            loop {
                // A window of sends goes together: marked in one commit, sent at once,
                // recorded in one commit. Filled with letters that are ready to send.
                while to_send.len() < self.in_flight && !stop.load(row) {
                    let Some(letter) = part.next() else { break };
                    let id = letter.id.clone();
                    let evidence = known.remove(&id);
                    match self.prepare(letter, evidence).await {
                        Ok(Ready::Send(send)) => to_send.push(send),
                        Ok(Ready::Done(outcome)) => {
                            note_outcome(&outcome, stop, streak, streak_limit);
                            outcomes.push(outcome);
                        }
                        Err(StoreError::ClaimLost(_)) => {
                            outcomes.push(StepOutcome::ClaimLost { letter: id });
                        }
                        Err(error) => return Err(error),
                    }
                }
                if stop.load(row) {
                    // Nothing more starts this round: the rest is free for the next one.
                    let ids: Vec<String> = to_send
                        .drain(..)
                        .map(|s| s.letter.id)
                        .chain(part.by_ref().map(|l| l.id))
                        .collect();
                    self.store.release_claims(&ids, &self.id)?;
                    break;
                }
                if to_send.is_empty() {
                    break;
                }
                let settled = self
                    .send_window(std::mem::take(&mut to_send), unrecorded)
                    .await?;
                // A send accepted in this window breaks the run of failures (its outcome is
                // settled with the next commit); a 429 stops the round all the same.
                if !unrecorded.accepted.is_empty() {
                    streak.store(0, row);
                }
                for outcome in settled {
                    note_outcome(&outcome, stop, streak, streak_limit);
                    outcomes.push(outcome);
                }
            }
        }
        Ok(outcomes)
    }

    /// Handles a letter this worker has claimed; `evidence` is its send-time KRR lookup when
    /// that was made already (with others, in one request).
    async fn handle_claimed(
        &self,
        letter: OutboxLetter,
        evidence: Option<Evidence>,
    ) -> Result<StepOutcome, StoreError> {
        let id = letter.id.clone();
        claim_lost_is_an_outcome(&id, self.handle(letter, evidence).await)
    }

    /// One letter, start to end: prepared, marked `sending`, sent, recorded.
    async fn handle(
        &self,
        letter: OutboxLetter,
        known: Option<Evidence>,
    ) -> Result<StepOutcome, StoreError> {
        let send = match self.prepare(letter, known).await? {
            Ready::Done(outcome) => return Ok(outcome),
            Ready::Send(send) => send,
        };
        // Stored before the request leaves: a crash from here on is recovered by the lookup.
        // Only the claim's holder may do this (compare-and-set), so no second worker sends.
        let marked = self.store.mark_sending(
            &send.letter.id,
            &self.id,
            send.retry_at,
            send.evidence.as_deref(),
            send.route.as_deref(),
            self.lease,
        );
        match withheld_is_an_outcome(&send.letter.id, marked.map(|()| StepOutcome::Idle))? {
            StepOutcome::Idle => self.deliver(&send, None).await,
            outcome => Ok(outcome),
        }
    }

    /// Sends `window` (letters prepared and claimed) at once: all marked `sending` in one
    /// commit, which also records the previous window's accepted letters (`unrecorded`); the
    /// sends go together, and this window's accepted letters wait in `unrecorded` for the next
    /// commit ([`Worker::record`] at the end of the round). A window costs one commit. A crash
    /// before a letter's acceptance is recorded leaves it `sending`, and the next worker finds
    /// it at SvarUt by its reference: never sent twice. Returns the outcomes settled now.
    #[allow(clippy::vec_box)] // the boxes come from `Ready::Send`; unboxing would copy them
    async fn send_window(
        &self,
        window: Vec<Box<ToSend>>,
        unrecorded: &mut Unrecorded,
    ) -> Result<Vec<StepOutcome>, StoreError> {
        let marks: Vec<crate::store::SendingMark<'_>> = window
            .iter()
            .map(|s| {
                (
                    s.letter.id.as_str(),
                    s.retry_at,
                    s.evidence.as_deref(),
                    s.route.as_deref(),
                )
            })
            .collect();
        let previous = std::mem::take(unrecorded);
        // The claims are renewed as the letters are marked: the lease covers the sends.
        let committed =
            self.store
                .mark_sent_then_sending(&self.id, &previous.pairs(), self.lease, &marks);
        let (recorded, marked) = match committed {
            Ok(done) => done,
            Err(error) => {
                // Nothing was committed: the accepted letters are still to be recorded.
                *unrecorded = previous;
                return Err(error);
            }
        };
        let mut outcomes = previous.settle(&recorded);
        let mut ready = Vec::new();
        for (send, mark) in window.iter().zip(marked) {
            let mark = withheld_is_an_outcome(&send.letter.id, mark.map(|()| StepOutcome::Idle));
            match claim_lost_is_an_outcome(&send.letter.id, mark) {
                Ok(StepOutcome::Idle) => ready.push(send),
                Ok(outcome) => outcomes.push(outcome),
                // Changed under the worker (not waiting to leave any more): left alone.
                Err(StoreError::Invalid(_) | StoreError::NotFound(_)) => {
                    outcomes.push(StepOutcome::ClaimLost {
                        letter: send.letter.id.clone(),
                    });
                }
                Err(error) => return Err(error),
            }
        }
        let accepted = std::sync::Mutex::new(Vec::new());
        let sent = futures_util::future::join_all(ready.iter().map(|send| async {
            claim_lost_is_an_outcome(&send.letter.id, self.deliver(send, Some(&accepted)).await)
        }))
        .await;
        unrecorded.accepted = accepted
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for result in sent {
            match result? {
                sent @ StepOutcome::Sent { .. } => unrecorded.outcomes.push(sent),
                outcome => outcomes.push(outcome),
            }
        }
        Ok(outcomes)
    }

    /// Records the accepted letters still in `unrecorded` (one commit), and returns their
    /// outcomes.
    fn record(&self, unrecorded: &mut Unrecorded) -> Result<Vec<StepOutcome>, StoreError> {
        let previous = std::mem::take(unrecorded);
        if previous.accepted.is_empty() {
            return Ok(previous.outcomes);
        }
        let committed = self.store.mark_sent_many(&self.id, &previous.pairs());
        match committed {
            Ok(recorded) => Ok(previous.settle(&recorded)),
            Err(error) => {
                // Nothing was committed: still to be recorded (the round's end tries again).
                *unrecorded = previous;
                Err(error)
            }
        }
    }

    /// Everything before a send: the gate, the lookup of a send whose outcome is unknown, the
    /// send-time KRR evidence (`known`, or looked up now), office print, the documents. The
    /// letter's outcome when it ends here; otherwise it is ready to be marked and sent.
    async fn prepare(
        &self,
        letter: OutboxLetter,
        known: Option<Evidence>,
    ) -> Result<Ready, StoreError> {
        let id = letter.id.clone();
        let worker = self.id.as_str();
        // The one gate: a number the environment may not send never leaves, whatever queued it.
        if let Some(refused) = self.refused(&letter) {
            let reason = refused.to_string();
            self.store
                .mark_failed(&id, worker, &reason, &refused.problem())?;
            return Ok(Ready::Done(StepOutcome::Failed { letter: id, reason }));
        }
        // A send that may have arrived: look before sending again.
        if letter.attempts > 0 && letter.state == crate::store::OutboxState::Sending {
            match self.svarut.ids_by_ekstern_ref(&id).await {
                Ok(found) if !found.is_empty() => {
                    self.store.mark_sent(&id, worker, &found[0])?;
                    return Ok(Ready::Done(StepOutcome::Recovered {
                        letter: id,
                        svarut_id: found[0].clone(),
                    }));
                }
                Ok(_) => {}
                Err(error) => {
                    let said = (error.to_string(), error.problem());
                    let waits = self.wait(&letter, letter.attempts, said, true, true)?;
                    return Ok(Ready::Done(waits));
                }
            }
        }
        let evidence = match known {
            Some(evidence) => evidence,
            None => self.krr_evidence(&letter).await,
        };
        let (evidence, route) = match evidence {
            Ok(Some((evidence, route))) => (Some(evidence), Some(route)),
            Ok(None) => (None, None),
            Err(error) => {
                let unknown = letter.state == crate::store::OutboxState::Sending;
                let said = (error.message, error.problem);
                let waits = self.wait(&letter, letter.attempts, said, unknown, true)?;
                return Ok(Ready::Done(waits));
            }
        };
        let route_name = route.map(route_name);
        // A sensitive (encrypted) letter is printed by SvarUt, as the send panel says; never
        // at the office.
        if self.print_at_office
            && route == Some(Route::Papir)
            && letter.attempts == 0
            && !letter.forsendelse.kryptert
        {
            self.store
                .mark_local_print(&id, worker, evidence.as_deref())?;
            return Ok(Ready::Done(StepOutcome::OfficePrint { letter: id }));
        }
        let documents = match self.store.letter_documents(&id) {
            Ok(documents) => documents,
            // Missing or damaged documents will not mend: the letter fails (the exceptions
            // inbox says to make it again) and the others go on.
            Err(error @ StoreError::Documents(_)) => {
                let reason = error.to_string();
                self.store
                    .mark_failed(&id, worker, &reason, &error.problem())?;
                return Ok(Ready::Done(StepOutcome::Failed { letter: id, reason }));
            }
            // The disk failed reading them (it may pass): this letter waits, the others go on.
            Err(error @ StoreError::Io(_)) => {
                let unknown = letter.state == crate::store::OutboxState::Sending;
                let said = (error.to_string(), error.problem());
                let waits = self.wait(&letter, letter.attempts, said, unknown, false)?;
                return Ok(Ready::Done(waits));
            }
            Err(error) => return Err(error),
        };
        Ok(Ready::Send(Box::new(ToSend {
            retry_at: self.retry_at(letter.attempts + 1),
            letter,
            documents,
            evidence,
            route: route_name,
        })))
    }

    /// Sends a letter marked `sending` and records what SvarUt answered; an accepted one is
    /// recorded here unless `accepted` collects it to be recorded with others.
    async fn deliver(
        &self,
        send: &ToSend,
        accepted: Option<&std::sync::Mutex<Vec<(String, String)>>>,
    ) -> Result<StepOutcome, StoreError> {
        let id = send.letter.id.clone();
        let worker = self.id.as_str();
        let letter = &send.letter;
        let files: Vec<FilePart<'_>> = send
            .documents
            .iter()
            .map(|b| FilePart { bytes: b })
            .collect();
        match self.svarut.send(&letter.forsendelse, &files).await {
            Ok(svarut_id) => {
                match accepted {
                    Some(list) => list
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push((id.clone(), svarut_id.clone())),
                    None => self.store.mark_sent(&id, worker, &svarut_id)?,
                }
                Ok(StepOutcome::Sent {
                    letter: id,
                    svarut_id,
                })
            }
            Err(error) if error.is_permanent() => {
                let reason = error.to_string();
                self.store
                    .mark_failed(&id, worker, &reason, &error.problem())?;
                Ok(StepOutcome::Failed { letter: id, reason })
            }
            Err(error) => {
                // Unknown outcome (timeout, 5xx, dropped connection) or a token problem: the
                // letter stays `sending` and is looked up before any new send.
                let said = (error.to_string(), error.problem());
                self.wait(
                    letter,
                    letter.attempts + 1,
                    said,
                    true,
                    error.asks_to_slow_down(),
                )
            }
        }
    }

    /// Not sent this time: the letter waits for the attempt after `attempts` (still
    /// `sending`, to be looked up first, when its outcome is unknown), and says why.
    /// `slow_down`: no new send should start this round.
    fn wait(
        &self,
        letter: &OutboxLetter,
        attempts: i64,
        (error, problem): (String, crate::problem::Problem),
        outcome_unknown: bool,
        slow_down: bool,
    ) -> Result<StepOutcome, StoreError> {
        self.store.retry_letter(
            &letter.id,
            &self.id,
            self.retry_at(attempts),
            (&error, &problem),
            outcome_unknown,
        )?;
        Ok(StepOutcome::RetryLater {
            letter: letter.id.clone(),
            error,
            slow_down,
        })
    }

    /// Whether the gate refuses the letter's numbers (recipient and `digitalId`).
    fn refused(&self, letter: &OutboxLetter) -> Option<gate::Refused> {
        let environment = self.environment();
        let recipient = letter
            .recipient_id
            .as_ref()
            .and_then(|id| gate::check(id, environment, gate::Destination::SvarUt).err());
        recipient.or_else(|| {
            letter
                .forsendelse
                .mottaker
                .digital_id
                .as_deref()
                .and_then(|digits| {
                    gate::check_stored(digits, environment, gate::Destination::SvarUt).err()
                })
        })
    }

    /// The send-time KRR lookups of `letters`' persons in one request per 1000 (one audit
    /// entry for each request), by letter id. Letters to organisations, and all letters when
    /// this worker has no KRR client, are left out: [`Worker::handle`] routes them one by one.
    async fn krr_evidence_batch(
        &self,
        letters: &[OutboxLetter],
    ) -> std::collections::HashMap<String, Evidence> {
        let mut known = std::collections::HashMap::new();
        let Some(krr) = &self.krr else {
            return known;
        };
        let now = self.clock.now();
        let mut persons: Vec<(&OutboxLetter, &crate::ident::Fnr)> = Vec::new();
        for letter in letters {
            match &letter.recipient_id {
                Some(id @ Identifier::Person(fnr)) => {
                    match gate::check(id, self.environment(), gate::Destination::Krr) {
                        Ok(()) => persons.push((letter, fnr)),
                        Err(refused) => {
                            known.insert(letter.id.clone(), Err(RowError::from_error(&refused)));
                        }
                    }
                }
                Some(Identifier::Organisation(_)) | None => {}
            }
        }
        for chunk in persons.chunks(crate::krr::MAX_PER_REQUEST) {
            let mut titles: Vec<&str> = chunk.iter().map(|(l, _)| l.title.as_str()).collect();
            titles.sort_unstable();
            titles.dedup();
            let purpose = match titles.as_slice() {
                [title] => format!("Utsending: {title}"),
                _ => format!("Utsending: {} brev", chunk.len()),
            };
            // Every KRR lookup is in the audit log, written before the lookup is made.
            let audited = self.store.append_audit(&crate::store::NewAuditEntry {
                actor: self.audit.actor.clone(),
                action: "krr_lookup".to_owned(),
                environment: self.audit.environment.clone(),
                count: u32::try_from(chunk.len()).unwrap_or(u32::MAX),
                purpose: Some(crate::mask::text(&purpose)),
            });
            let found = match audited {
                Err(e) => Err(RowError {
                    message: format!("the audit log: {e}"),
                    problem: e.problem(),
                }),
                Ok(_) => {
                    let ids: Vec<crate::ident::Fnr> =
                        chunk.iter().map(|(_, f)| (*f).clone()).collect();
                    krr.lookup_chunk(&ids).await.map_err(|e| RowError {
                        message: format!("KRR: {e}"),
                        problem: e.problem(),
                    })
                }
            };
            match found {
                Ok(found) => {
                    let by_number: std::collections::HashMap<&str, &crate::krr::KrrPerson> = found
                        .iter()
                        .map(|p| (p.personidentifikator.as_str(), p))
                        .collect();
                    for (letter, fnr) in chunk {
                        let decision = route_person(by_number.get(fnr.expose()).copied(), now);
                        known.insert(
                            letter.id.clone(),
                            Ok(Some((evidence_text(now, &decision), decision.route))),
                        );
                    }
                }
                Err(error) => {
                    for (letter, _) in chunk {
                        known.insert(letter.id.clone(), Err(error.clone()));
                    }
                }
            }
        }
        known
    }

    /// The KRR lookup at send time for a person: "<time> KRR: <route> (<reason>)", and the
    /// route. No contact information is kept.
    async fn krr_evidence(
        &self,
        letter: &OutboxLetter,
    ) -> Result<Option<(String, Route)>, RowError> {
        let now = self.clock.now();
        let Some(id) = letter.recipient_id.as_ref() else {
            return Ok(Some((
                format!("{} ingen identifikator: papir", now.to_rfc3339()),
                Route::Papir,
            )));
        };
        gate::check(id, self.environment(), gate::Destination::Krr)
            .map_err(|refused| RowError::from_error(&refused))?;
        let decision = match id {
            Identifier::Organisation(org) => {
                crate::dispatch::organisation_route(Some(&self.svarut), &org.to_string()).await
            }
            Identifier::Person(fnr) => {
                let Some(krr) = &self.krr else {
                    return Ok(None);
                };
                // Every KRR lookup is in the audit log, written before the lookup is made.
                self.store
                    .append_audit(&crate::store::NewAuditEntry {
                        actor: self.audit.actor.clone(),
                        action: "krr_lookup".to_owned(),
                        environment: self.audit.environment.clone(),
                        count: 1,
                        purpose: Some(crate::mask::text(&format!("Utsending: {}", letter.title))),
                    })
                    .map_err(|e| RowError {
                        message: format!("the audit log: {e}"),
                        problem: e.problem(),
                    })?;
                let found = krr
                    .lookup_chunk(std::slice::from_ref(fnr))
                    .await
                    .map_err(|e| RowError {
                        message: format!("KRR: {e}"),
                        problem: e.problem(),
                    })?;
                route_person(found.first(), now)
            }
        };
        Ok(Some((evidence_text(now, &decision), decision.route)))
    }

    /// The channel SvarUt's events show a forsendelse took (the first event naming one), when
    /// they can be had; `None` when they cannot or name none.
    async fn channel_from_events(&self, svarut_id: &str) -> Option<&'static str> {
        let events = self.svarut.hendelser(svarut_id).await.ok()?;
        events
            .iter()
            .find_map(|e| crate::svarut::model::channel_in_event(&e.hendelse))
    }

    /// Brings the statuses of sent letters up to date; returns how many changed.
    pub async fn track(&self) -> Result<Result<usize, SvarUtError>, StoreError> {
        let tracked = self.store.letters_to_track(&self.audit.environment)?;
        if tracked.is_empty() {
            return Ok(Ok(0));
        }
        let ids: Vec<String> = tracked.iter().map(|(_, s)| s.clone()).collect();
        // SvarUt id → letter, so a large mailing's statuses are matched in one pass.
        let letters: std::collections::HashMap<&str, &str> = tracked
            .iter()
            .map(|(letter, svarut_id)| (svarut_id.as_str(), letter.as_str()))
            .collect();
        let statuses = match self.svarut.statuses(&ids).await {
            Ok(s) => s,
            Err(e) => return Ok(Err(e)),
        };
        let mut changed = 0;
        for status in statuses {
            let Some(letter) = letters.get(status.id.as_str()) else {
                continue;
            };
            let mut channel = status.status.channel();
            if channel.is_none()
                && status.status.is_final()
                && self.store.get_letter(letter)?.seen_route.is_none()
            {
                // Read (or otherwise ended) before a poll saw the status naming its channel:
                // SvarUt's events tell which way it went.
                channel = self.channel_from_events(&status.id).await;
            }
            if self.store.record_status(
                letter,
                status.status.as_str(),
                &status.siste_status_endring,
                status.status.is_final(),
                status.status.is_failure(),
                channel,
            )? {
                changed += 1;
            }
        }
        Ok(Ok(changed))
    }
}

/// The send-time KRR lookup kept with a letter, read back: when, and the route and reason it
/// gave (as stored: `papir`, `reserved` …), for a screen to put in words.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct KrrCheck {
    /// When (RFC 3339).
    pub at: String,
    /// The route it gave.
    pub route: String,
    /// Why; `None` when the letter had no identifier.
    pub reason: Option<String>,
}

/// Reads what [`Worker`] writes as a letter's KRR evidence: "<time> KRR: <route> (<reason>)"
/// or "<time> ingen identifikator: papir". `None` for anything else.
pub fn krr_check(evidence: &str) -> Option<KrrCheck> {
    let (at, rest) = evidence.split_once(' ')?;
    chrono::DateTime::parse_from_rfc3339(at).ok()?;
    if let Some(route) = rest.strip_prefix("ingen identifikator: ") {
        return Some(KrrCheck {
            at: at.to_owned(),
            route: route.to_owned(),
            reason: None,
        });
    }
    let (route, reason) = rest.strip_prefix("KRR: ")?.split_once(" (")?;
    Some(KrrCheck {
        at: at.to_owned(),
        route: route.to_owned(),
        reason: Some(reason.strip_suffix(')')?.to_owned()),
    })
}

/// A route as stored and shown: `digital_postkasse`, `altinn`, `svarinn`, `papir`.
/// A letter after [`Worker::prepare`].
enum Ready {
    /// It ends here (failed at the gate, found at SvarUt, to be tried later, office print).
    Done(StepOutcome),
    /// To be marked `sending` and sent.
    Send(Box<ToSend>),
}

/// A letter ready to be sent: what [`Store::mark_sending`] records, and the documents.
struct ToSend {
    letter: OutboxLetter,
    documents: Vec<Vec<u8>>,
    evidence: Option<String>,
    route: Option<String>,
    retry_at: DateTime<Utc>,
}

/// A claim that expired while the worker held the letter is an outcome (the letter is left to
/// the worker that has it now), not an error.
fn claim_lost_is_an_outcome(
    id: &str,
    result: Result<StepOutcome, StoreError>,
) -> Result<StepOutcome, StoreError> {
    match result {
        Err(StoreError::ClaimLost(_)) => {
            tracing::warn!(letter = %id, "the claim on a letter expired; left to the other worker");
            Ok(StepOutcome::ClaimLost {
                letter: id.to_owned(),
            })
        }
        other => other,
    }
}

/// A letter whose mailing was paused or cancelled after it was claimed is an outcome (not
/// sent; released or recalled), not an error.
fn withheld_is_an_outcome(
    id: &str,
    result: Result<StepOutcome, StoreError>,
) -> Result<StepOutcome, StoreError> {
    match result {
        Err(StoreError::Withheld(_)) => {
            tracing::info!(letter = %id, "its mailing was paused or cancelled; not sent");
            Ok(StepOutcome::Withheld {
                letter: id.to_owned(),
            })
        }
        other => other,
    }
}

/// Counts a round's failed sends in a row and says when no new send should start.
fn note_outcome(
    outcome: &StepOutcome,
    stop: &std::sync::atomic::AtomicBool,
    streak: &std::sync::atomic::AtomicUsize,
    limit: usize,
) {
    let order = std::sync::atomic::Ordering::SeqCst;
    match outcome {
        StepOutcome::RetryLater { slow_down, .. } => {
            let in_a_row = streak.fetch_add(1, order) + 1;
            if *slow_down || in_a_row >= limit {
                stop.store(true, order);
            }
        }
        StepOutcome::Sent { .. }
        | StepOutcome::Recovered { .. }
        | StepOutcome::OfficePrint { .. } => {
            streak.store(0, order);
        }
        _ => {}
    }
}

/// Letters SvarUt accepted in a window whose acceptance is not yet recorded (it is recorded
/// with the next window's marks, in one commit), and their outcomes.
#[derive(Debug, Default)]
struct Unrecorded {
    /// (letter, SvarUt's id).
    accepted: Vec<(String, String)>,
    /// The `Sent` outcomes of those letters.
    outcomes: Vec<StepOutcome>,
}

impl Unrecorded {
    fn pairs(&self) -> Vec<(&str, &str)> {
        self.accepted
            .iter()
            .map(|(id, svarut_id)| (id.as_str(), svarut_id.as_str()))
            .collect()
    }

    /// The outcomes once `recorded` (one result per accepted letter, in order) is known: a
    /// letter whose claim expired before its acceptance was recorded is left to the lookup by
    /// reference, which records it.
    fn settle(self, recorded: &[Result<(), StoreError>]) -> Vec<StepOutcome> {
        let lost: Vec<&str> = self
            .accepted
            .iter()
            .zip(recorded)
            .filter(|(_, r)| r.is_err())
            .map(|((id, _), _)| id.as_str())
            .collect();
        self.outcomes
            .into_iter()
            .map(|outcome| match outcome {
                StepOutcome::Sent { letter, .. } if lost.contains(&letter.as_str()) => {
                    tracing::warn!(letter = %letter, "the claim expired before the send was recorded; the lookup by reference records it");
                    StepOutcome::ClaimLost { letter }
                }
                outcome => outcome,
            })
            .collect()
    }
}

/// Letters whose persons are looked up in KRR together (one request) before they are sent: a
/// round that stops early at a refusal has looked up at most this many it did not send.
const LOOKUP_PART: usize = 200;

/// A letter's send-time KRR lookup, as kept: when, and the routing it gave.
type Evidence = Result<Option<(String, Route)>, RowError>;

/// The evidence kept with a letter: "<time> KRR: <route> (<reason>)" (no contact details).
fn evidence_text(now: DateTime<Utc>, decision: &crate::routing::RoutingDecision) -> String {
    format!(
        "{} KRR: {} ({})",
        now.to_rfc3339(),
        route_name(decision.route),
        serde_json::to_value(decision.reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    )
}

pub fn route_name(route: Route) -> String {
    route.name().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_krr_evidence_is_read_back_for_the_screen() {
        let check = krr_check("2026-12-06T19:37:00+00:00 KRR: papir (reserved)").unwrap();
        assert_eq!(
            (check.route.as_str(), check.reason.as_deref()),
            ("papir", Some("reserved"))
        );
        assert_eq!(check.at, "2026-12-06T19:37:00+00:00");
        let none = krr_check("2026-12-06T19:37:00+00:00 ingen identifikator: papir").unwrap();
        assert_eq!((none.route.as_str(), none.reason), ("papir", None));
        assert_eq!(krr_check("papir (reserved)"), None);
        assert_eq!(krr_check("yesterday KRR: papir (reserved)"), None);
    }

    #[test]
    fn backoff_doubles_up_to_ten_minutes_with_jitter() {
        assert_eq!(backoff(0, 0.5), chrono::Duration::seconds(5));
        assert_eq!(backoff(1, 0.5), chrono::Duration::seconds(10));
        assert_eq!(backoff(30, 0.5), chrono::Duration::seconds(600));
        assert_eq!(backoff(0, 0.0), chrono::Duration::milliseconds(2500));
        assert_eq!(backoff(0, 1.0), chrono::Duration::milliseconds(7500));
    }
}
