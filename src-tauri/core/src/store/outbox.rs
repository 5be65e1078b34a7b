//! The outbox in the store: each letter's state machine, every transition one transaction with
//! an event for the letter's timeline. Times come from the store's clock.
//!
//! ```text
//! held ──(release time)──▶ queued ──▶ sending ──▶ sent ──(status updates)──▶ final
//!   │                        │           │  ▲                                  
//!   └──── recalled ◀─────────┘           │  └─ outcome unknown: retried after a lookup by
//!                                        │     our reference (never sent twice)
//!                                        └──▶ failed (permanent error: the exceptions inbox)
//! ```

use crate::problem::Problem;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::documents::Placed;
use super::{Store, StoreError};
use crate::ident::Identifier;
use crate::svarut::model::Forsendelse;

/// Where a letter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting out the hold-before-release time; can be recalled.
    Held,
    /// Ready to go (waiting for its next attempt).
    Queued,
    /// A send was started; its outcome is not yet stored.
    Sending,
    /// Accepted by SvarUt; being tracked.
    Sent,
    /// A final status (read, printed, delivered, …).
    Final,
    /// Cannot be sent or was not delivered: in the exceptions inbox.
    Failed,
    /// Taken back by the clerk before it left.
    Recalled,
}

impl OutboxState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Final => "final",
            Self::Failed => "failed",
            Self::Recalled => "recalled",
        }
    }

    pub(super) fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "held" => Self::Held,
            "queued" => Self::Queued,
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "final" => Self::Final,
            "failed" => Self::Failed,
            "recalled" => Self::Recalled,
            other => return Err(StoreError::Invalid(format!("outbox state {other:?}"))),
        })
    }
}

pub use crate::letters::template::LetterKind;

/// A letter that left, for pricing: (route, last SvarUt status, pages, bytes).
pub type SentLetter = (Option<String>, Option<String>, u32, u64);

/// Letters with the same (route, state, SvarUt status), and how many.
pub type LetterCount = (Option<String>, OutboxState, Option<String>, u32);

/// A letter to put in the outbox.
#[derive(Debug, Clone)]
pub struct NewLetter {
    /// The mass mailing it belongs to.
    pub mailing_id: Option<String>,
    /// The recipient's name (for lists).
    pub recipient_name: String,
    /// Fødselsnummer or organisasjonsnummer (kept in the encrypted store only).
    pub recipient_id: Option<Identifier>,
    /// The forsendelse (its `eksternReferanse` is set to the letter's id here).
    pub forsendelse: Forsendelse,
    /// The documents, in the order of `forsendelse.dokumenter`.
    pub documents: Vec<Vec<u8>>,
    /// How long it is held before it may leave.
    pub hold: chrono::Duration,
    /// Decision, advance notice or ordinary.
    pub kind: LetterKind,
    /// Pages of the letter (for the print estimate and the office print batch).
    pub pages: u32,
    /// The environment it is sent in (`sandbox`, `test`, `prod`); only a worker of that
    /// environment sends or tracks it.
    pub environment: String,
    /// The case metadata it is archived with.
    pub case: Option<crate::letters::case::CaseMetadata>,
    /// The letter's own title, when the forsendelse's `tittel` is another (a sensitive
    /// letter's notification shows its public title); lists and the archive use this one.
    pub title: Option<String>,
}

/// A letter in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxLetter {
    /// Its id (= `eksternReferanse`).
    pub id: String,
    /// Its mass mailing.
    pub mailing_id: Option<String>,
    /// Title.
    pub title: String,
    /// Recipient's name.
    pub recipient_name: String,
    /// Recipient's identifier (shown only through [`crate::mask`]).
    pub recipient_id: Option<Identifier>,
    /// What is sent.
    pub forsendelse: Forsendelse,
    /// State.
    pub state: OutboxState,
    /// When it may leave.
    pub release_at: DateTime<Utc>,
    /// When the worker tries next.
    pub next_attempt_at: DateTime<Utc>,
    /// Send attempts so far.
    pub attempts: i64,
    /// SvarUt's id once accepted.
    pub svarut_id: Option<String>,
    /// The KRR lookup made at send time: when, and the routing it gave (no contact data).
    pub krr_evidence: Option<String>,
    /// The last SvarUt status.
    pub status: Option<String>,
    /// When that status was set.
    pub status_at: Option<String>,
    /// The last error (English: the log and the CLI).
    pub last_error: Option<String>,
    /// The last error, for the UI to say in the clerk's language.
    pub last_problem: Option<Problem>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
    /// The channel the send-time KRR lookup gave: `digital_postkasse`, `altinn`, `papir`.
    pub route: Option<String>,
    /// Decision, advance notice or ordinary.
    pub kind: LetterKind,
    /// Pages of the letter.
    pub pages: u32,
    /// Printed at the office instead of through SvarUt.
    pub local_print: bool,
    /// When the clerk marked an exception or reminder as dealt with.
    pub handled_at: Option<String>,
    /// What the clerk did.
    pub handled_note: Option<String>,
    /// The environment it is sent in.
    pub environment: String,
    /// The worker holding a claim on it (live or expired), if any.
    pub claimed_by: Option<String>,
    /// The channel SvarUt's statuses show it took (the first status naming one).
    pub seen_route: Option<String>,
}

const COLUMNS: &str = "id, mailing_id, title, recipient_name, recipient_id, forsendelse, state, release_at, \
     next_attempt_at, attempts, svarut_id, krr_evidence, status, status_at, last_error, created_at, \
     route, kind, pages, local_print, handled_at, handled_note, environment, claimed_by, seen_route, last_problem";

fn time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Invalid(format!("timestamp {text:?}: {e}")))
}

fn read(row: &Row<'_>) -> rusqlite::Result<Result<OutboxLetter, StoreError>> {
    let forsendelse: String = row.get(5)?;
    let state: String = row.get(6)?;
    let release: String = row.get(7)?;
    let next: String = row.get(8)?;
    let created: String = row.get(15)?;
    let fields = (
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(9)?,
        row.get(10)?,
        row.get(11)?,
        row.get(12)?,
        row.get(13)?,
        row.get(14)?,
    );
    let environment: String = row.get(22)?;
    let claimed_by: Option<String> = row.get(23)?;
    let seen_route: Option<String> = row.get(24)?;
    let last_problem: Option<String> = row.get(25)?;
    let more: (
        Option<String>,
        String,
        i64,
        i64,
        Option<String>,
        Option<String>,
    ) = (
        row.get(16)?,
        row.get(17)?,
        row.get(18)?,
        row.get(19)?,
        row.get(20)?,
        row.get(21)?,
    );
    Ok((|| {
        let (
            id,
            mailing_id,
            title,
            recipient_name,
            recipient_id,
            attempts,
            svarut_id,
            krr_evidence,
            status,
            status_at,
            last_error,
        ) = fields;
        let recipient_id: Option<String> = recipient_id;
        let recipient_id = recipient_id
            .map(|digits| {
                Identifier::parse(&digits).map_err(|e| {
                    StoreError::Invalid(format!(
                        "letter {id}: the recipient's number ({}): {e}",
                        crate::mask::input(&digits)
                    ))
                })
            })
            .transpose()?;
        Ok(OutboxLetter {
            id,
            mailing_id,
            title,
            recipient_name,
            recipient_id,
            forsendelse: serde_json::from_str(&forsendelse)
                .map_err(|e| StoreError::Invalid(format!("outbox forsendelse: {e}")))?,
            state: OutboxState::parse(&state)?,
            release_at: time(&release)?,
            next_attempt_at: time(&next)?,
            attempts,
            svarut_id,
            krr_evidence,
            status,
            status_at,
            last_error,
            created_at: time(&created)?,
            route: more.0,
            kind: LetterKind::parse(&more.1),
            pages: u32::try_from(more.2).unwrap_or(1),
            local_print: more.3 != 0,
            handled_at: more.4,
            handled_note: more.5,
            environment,
            claimed_by,
            seen_route,
            last_problem: last_problem.as_deref().and_then(Problem::from_json),
        })
    })())
}

/// The worker's next-due query: `?1` now, `?2` the environment. Walks the partial index in
/// order and stops at the first letter that fits; letters under another worker's live claim
/// are passed over.
fn next_due_query() -> String {
    format!(
        "SELECT {COLUMNS} FROM outbox INDEXED BY outbox_next_due
         WHERE state IN ('held', 'queued', 'sending') AND release_at <= ?1 AND next_attempt_at <= ?1
           AND (lease_until IS NULL OR lease_until <= ?1)
           AND (mailing_id IS NULL OR mailing_id NOT IN (SELECT id FROM mailings WHERE paused = 1))
           AND environment = ?2
         ORDER BY next_attempt_at, created_at, id LIMIT ?3"
    )
}

/// Marks `letters` `sending` within `tx` (see [`Store::mark_sending`]): each letter's own
/// result; a database error ends it.
fn sending_in(
    tx: &rusqlite::Transaction<'_>,
    now_time: DateTime<Utc>,
    worker: &str,
    lease: chrono::Duration,
    letters: &[SendingMark<'_>],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let now = now_time.to_rfc3339();
    let until = (now_time + lease).to_rfc3339();
    let mut results = Vec::with_capacity(letters.len());
    for (id, retry_at, evidence, route) in letters {
        let result = match withheld(tx, &now, id, worker) {
            Err(e) => Err(e),
            Ok(true) => Err(StoreError::Withheld((*id).to_owned())),
            Ok(false) => transition_in(
                tx,
                &now,
                id,
                SENDING,
                &[&retry_at.to_rfc3339(), evidence, route, &until],
                &[OutboxState::Held, OutboxState::Queued, OutboxState::Sending],
                ClaimRule::Holder(worker),
                ("Sendes til SvarUt", None),
            ),
        };
        match result {
            Err(StoreError::Sqlite(e)) => return Err(StoreError::Sqlite(e)),
            other => results.push(other),
        }
    }
    Ok(results)
}

/// Records `letters` (id, SvarUt's id) as accepted within `tx` (see [`Store::mark_sent`]):
/// each letter's own result; a database error ends it.
fn sent_in(
    tx: &rusqlite::Transaction<'_>,
    now: &str,
    worker: &str,
    letters: &[(&str, &str)],
) -> Result<Vec<Result<(), StoreError>>, StoreError> {
    let mut results = Vec::with_capacity(letters.len());
    for (id, svarut_id) in letters {
        let result = transition_in(
            tx,
            now,
            id,
            SENT,
            &[svarut_id],
            &[OutboxState::Sending],
            ClaimRule::HolderReleases(worker),
            (
                &format!("Mottatt av SvarUt (forsendelse {svarut_id})"),
                None,
            ),
        );
        match result {
            Err(StoreError::Sqlite(e)) => return Err(StoreError::Sqlite(e)),
            other => results.push(other),
        }
    }
    Ok(results)
}

/// One transition of one letter in `tx`, at `now` (RFC 3339): checks the state and the claim
/// rule first and changes nothing when they do not allow it.
#[allow(clippy::too_many_arguments)]
fn transition_in(
    tx: &rusqlite::Transaction<'_>,
    now: &str,
    id: &str,
    set: &str,
    values: &[&dyn rusqlite::ToSql],
    allowed_from: &[OutboxState],
    claim: ClaimRule<'_>,
    (event, said): (&str, Option<&String>),
) -> Result<(), StoreError> {
    // Statements are prepared once per connection (a worker round makes thousands).
    let (current, claimed_by, lease_until): (String, Option<String>, Option<String>) = tx
        .prepare_cached("SELECT state, claimed_by, lease_until FROM outbox WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("letter {id}")))?;
    let current = OutboxState::parse(&current)?;
    if !allowed_from.contains(&current) {
        return Err(StoreError::Invalid(format!(
            "the letter is {}, so it cannot change that way",
            current.as_str()
        )));
    }
    let live_claim = claimed_by.filter(|_| lease_until.as_deref().is_some_and(|until| until > now));
    let release = match claim {
        ClaimRule::Any => false,
        ClaimRule::Holder(worker) | ClaimRule::HolderReleases(worker) => {
            if live_claim.as_deref() != Some(worker) {
                return Err(StoreError::ClaimLost(id.to_owned()));
            }
            matches!(claim, ClaimRule::HolderReleases(_))
        }
        ClaimRule::Unclaimed => {
            if live_claim.is_some() {
                return Err(StoreError::Invalid(
                    "the letter is being sent right now, so it can no longer be recalled".into(),
                ));
            }
            false
        }
    };
    let mut all: Vec<&dyn rusqlite::ToSql> = vec![&id, &now];
    all.extend_from_slice(values);
    let released = if release {
        ", claimed_by = NULL, lease_until = NULL"
    } else {
        ""
    };
    tx.prepare_cached(&format!(
        "UPDATE outbox SET {set}{released}, updated_at = ?2 WHERE id = ?1"
    ))?
    .execute(all.as_slice())?;
    tx.prepare_cached(
        "INSERT INTO outbox_events (letter_id, at, text, problem) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![id, now, event, said])?;
    Ok(())
}

/// One letter for [`Store::mark_sending_many`]: its id, when to look again if the send's
/// outcome stays unknown, the send-time KRR evidence, and the route.
pub type SendingMark<'a> = (&'a str, DateTime<Utc>, Option<&'a str>, Option<&'a str>);

/// Whether the letter's mailing was paused or cancelled since the letter was claimed; if so,
/// in `tx`, a letter waiting to leave is recalled (cancelled) or released (paused).
fn withheld(
    tx: &rusqlite::Transaction<'_>,
    now: &str,
    id: &str,
    worker: &str,
) -> Result<bool, StoreError> {
    let found: Option<(i64, i64, String)> = tx
        .prepare_cached(
            "SELECT m.paused, m.cancelled, o.state FROM outbox o JOIN mailings m ON m.id = o.mailing_id
             WHERE o.id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((paused, cancelled, state)) = found else {
        return Ok(false);
    };
    if paused == 0 && cancelled == 0 {
        return Ok(false);
    }
    if cancelled != 0 && (state == "held" || state == "queued") {
        transition_in(
            tx,
            now,
            id,
            "state = 'recalled'",
            &[],
            &[OutboxState::Held, OutboxState::Queued],
            ClaimRule::HolderReleases(worker),
            ("Trukket tilbake", None),
        )?;
    } else {
        tx.execute(
            "UPDATE outbox SET claimed_by = NULL, lease_until = NULL WHERE id = ?1 AND claimed_by = ?2",
            params![id, worker],
        )?;
    }
    Ok(true)
}

/// What [`Store::mark_sending`] sets.
const SENDING: &str = "state = 'sending', attempts = attempts + 1, next_attempt_at = ?3, krr_evidence = COALESCE(?4, krr_evidence), route = COALESCE(?5, route), lease_until = ?6";
/// The letters whose SvarUt status is still followed (`?1`: 30 days ago, `?2`: the
/// environment): sent ones, and delivered digital letters that may still be read.
const TRACKED: &str = "svarut_id IS NOT NULL AND environment = ?2 AND (state = 'sent'
    OR (state = 'final' AND status = 'LEVERT_SDP' AND kind != 'ordinary' AND created_at >= ?1))";

/// What [`Store::mark_sent`] sets.
const SENT: &str = "state = 'sent', svarut_id = ?3, last_error = NULL, last_problem = NULL";

/// Who may make a transition, as far as worker claims go.
#[derive(Debug, Clone, Copy)]
enum ClaimRule<'a> {
    /// Anyone (tracking, the clerk's handling of a finished letter).
    Any,
    /// Only the worker holding a live claim; the claim is kept (a send under way).
    Holder(&'a str),
    /// Only the worker holding a live claim; the claim is released with the transition.
    HolderReleases(&'a str),
    /// Only while no worker holds a live claim (the clerk recalling a letter).
    Unclaimed,
}

/// Inserts one letter with id `id` (also its forsendelse's `eksternReferanse`), its documents
/// and its first event in `tx`. The documents lie where `packed` says, in a pack sealed
/// before the transaction ([`Store::seal_documents`]); without a pack (a store in memory)
/// their bytes go into the database.
pub(super) fn insert_letter(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    letter: NewLetter,
    packed: Option<(&str, &[Placed])>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut forsendelse = letter.forsendelse;
    forsendelse.ekstern_referanse = Some(id.to_owned());
    let release = now + letter.hold;
    let state = if letter.hold > chrono::Duration::zero() {
        OutboxState::Held
    } else {
        OutboxState::Queued
    };
    tx.prepare_cached(
        "INSERT INTO outbox (id, mailing_id, title, recipient_name, recipient_id, forsendelse, state, release_at, next_attempt_at, created_at, updated_at, kind, pages, environment, archive_case)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
            id,
            letter.mailing_id,
            letter.title.as_deref().unwrap_or(&forsendelse.tittel),
            letter.recipient_name,
            letter.recipient_id.as_ref().map(Identifier::expose),
            serde_json::to_string(&forsendelse).expect("plain data serialises"),
            state.as_str(),
            release.to_rfc3339(),
            now.to_rfc3339(),
            letter.kind.as_str(),
            i64::from(letter.pages.max(1)),
            letter.environment,
            letter
                .case
                .as_ref()
                .map(|c| serde_json::to_string(c).expect("plain data serialises")),
    ])?;
    let mut document = tx.prepare_cached(
        "INSERT INTO outbox_documents (letter_id, position, bytes, pack, pack_offset, pack_length, size)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (position, bytes) in letter.documents.iter().enumerate() {
        let size = bytes.len() as i64;
        match packed {
            Some((pack, places)) => {
                let placed = places.get(position).ok_or_else(|| {
                    StoreError::Invalid(format!("document {position} of {id} was not sealed"))
                })?;
                document.execute(params![
                    id,
                    position as i64,
                    &[] as &[u8],
                    pack,
                    placed.offset as i64,
                    placed.length as i64,
                    size
                ])?
            }
            None => document.execute(params![
                id,
                position as i64,
                bytes,
                None::<&str>,
                None::<i64>,
                None::<i64>,
                size
            ])?,
        };
    }
    tx.prepare_cached("INSERT INTO outbox_events (letter_id, at, text) VALUES (?1, ?2, ?3)")?
        .execute(params![id, now.to_rfc3339(), "Lagt i utboksen"])?;
    Ok(())
}

impl Store {
    /// Puts a letter in the outbox, held for `hold`; returns it. Its id is made here and
    /// becomes the forsendelse's `eksternReferanse`.
    pub fn enqueue_letter(&self, letter: NewLetter) -> Result<OutboxLetter, StoreError> {
        let now = self.clock.now();
        let sealed = self.seal_documents(std::slice::from_ref(&letter))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        sealed.insert(&tx, [letter], now)?;
        let committed = tx.commit();
        // Let go of the pack before the database: a worker that claims the letter at once
        // must be able to read it (Windows' locks keep other handles out).
        let id = sealed.kept().remove(0);
        drop(conn);
        committed?;
        self.get_letter(&id)
    }

    /// One letter.
    pub fn get_letter(&self, id: &str) -> Result<OutboxLetter, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"),
                [id],
                read,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("letter {id}")))?
    }

    /// Letters matching `clause` (what follows `FROM outbox`) with `values`.
    fn letters_where(
        &self,
        clause: &str,
        values: impl rusqlite::Params,
    ) -> Result<Vec<OutboxLetter>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!("SELECT {COLUMNS} FROM outbox {clause}"))?;
        let rows = statement.query_map(values, read)?;
        rows.map(|r| r?).collect()
    }

    /// Letters, newest first (of one mass mailing when given).
    pub fn list_outbox(&self, mailing_id: Option<&str>) -> Result<Vec<OutboxLetter>, StoreError> {
        self.letters_where(
            "WHERE (?1 IS NULL OR mailing_id = ?1) ORDER BY created_at DESC, id",
            [mailing_id],
        )
    }

    /// The newest `limit` letters of `environment` (of one mass mailing when given), newest
    /// first: what a list on screen shows without reading a whole mass mailing every few
    /// seconds. A list never mixes the sandbox's letters with real ones.
    pub fn recent_letters(
        &self,
        environment: &str,
        mailing_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<OutboxLetter>, StoreError> {
        self.letters_where(
            "WHERE environment = ?3 AND (?1 IS NULL OR mailing_id = ?1)
             ORDER BY created_at DESC, id LIMIT ?2",
            params![mailing_id, limit, environment],
        )
    }

    /// Letters of `environment` queued since `since` and not recalled, counted by (route,
    /// state, status): the dashboard's figures, counted by the database.
    /// Letters of `environment` queued since `since` that left (sent or final), as (route,
    /// last status, pages, bytes of their documents): the dashboard prices each from the price
    /// table, as the send panel does.
    pub fn letters_sent_since(
        &self,
        environment: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<SentLetter>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT route, status, pages,
                    (SELECT COALESCE(SUM(COALESCE(size, LENGTH(bytes))), 0) FROM outbox_documents WHERE letter_id = outbox.id)
             FROM outbox
             WHERE environment = ?1 AND created_at >= ?2 AND state IN ('sent', 'final')",
        )?;
        let rows = statement.query_map(params![environment, since.to_rfc3339()], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
                u32::try_from(r.get::<_, i64>(2)?).unwrap_or(1),
                u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn letter_counts(
        &self,
        environment: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<LetterCount>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT route, state, status, COUNT(*) FROM outbox
             WHERE environment = ?1 AND created_at >= ?2 AND state != 'recalled'
             GROUP BY route, state, status",
        )?;
        let rows = statement.query_map(params![environment, since.to_rfc3339()], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (route, state, status, count) = row?;
            Ok((
                route,
                OutboxState::parse(&state)?,
                status,
                u32::try_from(count).unwrap_or(u32::MAX),
            ))
        })
        .collect()
    }

    /// The letter of `environment` the worker should handle next at the store clock's now: a
    /// held or queued letter whose time has come, or one whose send outcome is unknown; never
    /// one that another worker holds a live claim on. Read only: [`Store::claim_next_due_letter`]
    /// is what a worker uses.
    pub fn next_due_letter(&self, environment: &str) -> Result<Option<OutboxLetter>, StoreError> {
        let now = self.clock.now().to_rfc3339();
        self.conn()
            .query_row(&next_due_query(), params![now, environment, 1], read)
            .optional()?
            .transpose()
    }

    /// Claims the next due letter of `environment` for `worker` until now + `lease`, by
    /// compare-and-set in one transaction: a letter another worker holds a live claim on is
    /// never taken, and two workers asking at once get different letters (or none). The lease
    /// must be longer than the send timeout; a worker that died leaves a lease that expires,
    /// and the letter is then taken again (and looked up by its reference before any send).
    pub fn claim_next_due_letter(
        &self,
        environment: &str,
        worker: &str,
        lease: chrono::Duration,
    ) -> Result<Option<OutboxLetter>, StoreError> {
        let now = self.clock.now();
        let now_text = now.to_rfc3339();
        let mut conn = self.conn();
        // IMMEDIATE: the write lock is taken before the read, so no other process can claim
        // the same letter between our read and our update.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let found = tx
            .query_row(&next_due_query(), params![now_text, environment, 1], read)
            .optional()?
            .transpose()?;
        let Some(mut letter) = found else {
            return Ok(None);
        };
        let until = (now + lease).to_rfc3339();
        let changed = tx.execute(
            "UPDATE outbox SET claimed_by = ?2, lease_until = ?3
             WHERE id = ?1 AND (lease_until IS NULL OR lease_until <= ?4)",
            params![letter.id, worker, until, now_text],
        )?;
        if changed != 1 {
            return Ok(None);
        }
        tx.commit()?;
        letter.claimed_by = Some(worker.to_owned());
        Ok(Some(letter))
    }

    /// Claims up to `limit` due letters for `worker` in one transaction (as
    /// [`Store::claim_next_due_letter`] claims one), oldest due first.
    pub fn claim_due_letters(
        &self,
        environment: &str,
        worker: &str,
        lease: chrono::Duration,
        limit: usize,
    ) -> Result<Vec<OutboxLetter>, StoreError> {
        let now = self.clock.now();
        let now_text = now.to_rfc3339();
        let until = (now + lease).to_rfc3339();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let found: Vec<OutboxLetter> = {
            let mut statement = tx.prepare(&next_due_query())?;
            let rows = statement.query_map(params![now_text, environment, limit], read)?;
            let mut found = Vec::new();
            for row in rows {
                found.push(row??);
            }
            found
        };
        let mut claimed = Vec::with_capacity(found.len());
        {
            let mut update = tx.prepare(
                "UPDATE outbox SET claimed_by = ?2, lease_until = ?3
                 WHERE id = ?1 AND (lease_until IS NULL OR lease_until <= ?4)",
            )?;
            for mut letter in found {
                if update.execute(params![letter.id, worker, until, now_text])? == 1 {
                    letter.claimed_by = Some(worker.to_owned());
                    claimed.push(letter);
                }
            }
        }
        tx.commit()?;
        Ok(claimed)
    }

    /// Gives back `worker`'s claim on a letter it did not start on (held, queued, or waiting
    /// to be looked up), so the next round can take it at once.
    pub fn release_claim(&self, id: &str, worker: &str) -> Result<(), StoreError> {
        self.release_claims(&[id.to_owned()], worker)
    }

    /// Gives back every claim `worker` holds on letters it has not started on (held or
    /// queued); letters marked `sending` keep theirs.
    pub fn release_worker_claims(&self, worker: &str) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE outbox SET claimed_by = NULL, lease_until = NULL
             WHERE claimed_by = ?1 AND state IN ('held', 'queued')",
            [worker],
        )?)
    }

    /// [`Store::release_claim`] for many letters, in one transaction.
    pub fn release_claims(&self, ids: &[String], worker: &str) -> Result<(), StoreError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut update = tx.prepare(
                "UPDATE outbox SET claimed_by = NULL, lease_until = NULL
                 WHERE id = ?1 AND claimed_by = ?2 AND state IN ('held', 'queued', 'sending')",
            )?;
            for id in ids {
                update.execute(params![id, worker])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// How many letters of `environment` are still to be sent (held, queued, or with an
    /// unknown outcome): counted by the database, for a worker deciding whether to go on.
    pub fn letters_waiting(&self, environment: &str) -> Result<u32, StoreError> {
        let count: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM outbox
             WHERE state IN ('held', 'queued', 'sending') AND environment = ?1",
            [environment],
            |r| r.get(0),
        )?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Releases the claims on letters that are not being sent (held or queued: nothing left
    /// for them yet). Called by the process that has just taken the worker lock, so no live
    /// worker holds them; a letter being sent keeps its lease, so a request still under way
    /// when its worker died is over before the letter is looked up. Returns how many.
    pub fn release_idle_claims(&self) -> Result<usize, StoreError> {
        Ok(self.conn().execute(
            "UPDATE outbox SET claimed_by = NULL, lease_until = NULL
             WHERE claimed_by IS NOT NULL AND state IN ('held', 'queued')",
            [],
        )?)
    }

    fn transition(
        &self,
        id: &str,
        set: &str,
        values: &[&dyn rusqlite::ToSql],
        allowed_from: &[OutboxState],
        claim: ClaimRule<'_>,
        event: &str,
    ) -> Result<(), StoreError> {
        self.transition_said(id, set, values, allowed_from, claim, (event, None))
    }

    /// [`Store::transition`] with the clerk's message of the event (a [`Problem`] as JSON).
    fn transition_said(
        &self,
        id: &str,
        set: &str,
        values: &[&dyn rusqlite::ToSql],
        allowed_from: &[OutboxState],
        claim: ClaimRule<'_>,
        (event, said): (&str, Option<&String>),
    ) -> Result<(), StoreError> {
        let now = self.clock.now().to_rfc3339();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        transition_in(
            &tx,
            &now,
            id,
            set,
            values,
            allowed_from,
            claim,
            (event, said),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// [`Store::mark_sending`] for several letters in one transaction (one commit): each
    /// letter's own result, in order. A letter that cannot be marked (its claim lost) is left
    /// as it was; the others are marked.
    pub fn mark_sending_many(
        &self,
        worker: &str,
        lease: chrono::Duration,
        letters: &[SendingMark<'_>],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let now = self.clock.now();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let results = sending_in(&tx, now, worker, lease, letters)?;
        tx.commit()?;
        Ok(results)
    }

    /// [`Store::mark_sent`] for several letters in one transaction (one commit). A crash
    /// before it commits leaves them `sending`: the next worker looks each up by its
    /// reference and records it then, never sending it again.
    pub fn mark_sent_many(
        &self,
        worker: &str,
        letters: &[(&str, &str)],
    ) -> Result<Vec<Result<(), StoreError>>, StoreError> {
        let now = self.clock.now().to_rfc3339();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let results = sent_in(&tx, &now, worker, letters)?;
        tx.commit()?;
        Ok(results)
    }

    /// [`Store::mark_sent_many`] for one window's accepted letters and
    /// [`Store::mark_sending_many`] for the next window's, in one commit: a window of sends
    /// then costs one commit instead of two. Each letter's own result, in order.
    #[allow(clippy::type_complexity)]
    pub fn mark_sent_then_sending(
        &self,
        worker: &str,
        sent: &[(&str, &str)],
        lease: chrono::Duration,
        sending: &[SendingMark<'_>],
    ) -> Result<(Vec<Result<(), StoreError>>, Vec<Result<(), StoreError>>), StoreError> {
        let now = self.clock.now();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let recorded = sent_in(&tx, &now.to_rfc3339(), worker, sent)?;
        let marked = sending_in(&tx, now, worker, lease, sending)?;
        tx.commit()?;
        Ok((recorded, marked))
    }

    /// A send is about to start: from now on a restart must look the letter up first. The
    /// claim is renewed for `lease` from now, so it covers the send. A letter whose mailing was
    /// paused or cancelled after it was claimed is not marked ([`StoreError::Withheld`]): a
    /// paused one is released, a cancelled one recalled.
    pub fn mark_sending(
        &self,
        id: &str,
        worker: &str,
        retry_at: DateTime<Utc>,
        krr_evidence: Option<&str>,
        route: Option<&str>,
        lease: chrono::Duration,
    ) -> Result<(), StoreError> {
        self.mark_sending_many(worker, lease, &[(id, retry_at, krr_evidence, route)])?
            .pop()
            .unwrap_or(Ok(()))
    }

    /// Accepted by SvarUt (by the worker holding the letter's claim, which is released).
    pub fn mark_sent(&self, id: &str, worker: &str, svarut_id: &str) -> Result<(), StoreError> {
        self.transition(
            id,
            SENT,
            &[&svarut_id],
            &[OutboxState::Sending],
            ClaimRule::HolderReleases(worker),
            &format!("Mottatt av SvarUt (forsendelse {svarut_id})"),
        )
    }

    /// Not sent this time; tried again at `retry_at`. A letter whose send outcome is unknown
    /// stays `sending` (so it is looked up first); one that never left goes back to `queued`.
    pub fn retry_letter(
        &self,
        id: &str,
        worker: &str,
        retry_at: DateTime<Utc>,
        (error, problem): (&str, &Problem),
        outcome_unknown: bool,
    ) -> Result<(), StoreError> {
        let state = if outcome_unknown { "sending" } else { "queued" };
        let said = problem.to_json();
        self.transition_said(
            id,
            &format!("state = '{state}', next_attempt_at = ?3, last_error = ?4, last_problem = ?5"),
            &[&retry_at.to_rfc3339(), &error, &said],
            &[OutboxState::Held, OutboxState::Queued, OutboxState::Sending],
            ClaimRule::HolderReleases(worker),
            (&format!("Prøves igjen: {error}"), Some(&said)),
        )
    }

    /// Cannot be sent: to the exceptions inbox (by the worker holding the letter's claim).
    pub fn mark_failed(
        &self,
        id: &str,
        worker: &str,
        reason: &str,
        problem: &Problem,
    ) -> Result<(), StoreError> {
        let said = problem.to_json();
        self.transition_said(
            id,
            "state = 'failed', last_error = ?3, last_problem = ?4",
            &[&reason, &said],
            &[
                OutboxState::Held,
                OutboxState::Queued,
                OutboxState::Sending,
                OutboxState::Sent,
            ],
            ClaimRule::HolderReleases(worker),
            (&format!("Feilet: {reason}"), Some(&said)),
        )
    }

    /// Takes a letter back before it leaves (only while held or queued).
    pub fn recall_letter(&self, id: &str) -> Result<(), StoreError> {
        self.transition(
            id,
            "state = 'recalled'",
            &[],
            &[OutboxState::Held, OutboxState::Queued],
            ClaimRule::Unclaimed,
            "Trukket tilbake",
        )
    }

    /// "Send nå": a held letter leaves on the worker's next round instead of at the end of
    /// its hold time.
    pub fn release_now(&self, id: &str) -> Result<(), StoreError> {
        let now = self.clock.now().to_rfc3339();
        self.transition(
            id,
            "release_at = ?3, next_attempt_at = ?3",
            &[&now],
            &[OutboxState::Held],
            ClaimRule::Unclaimed,
            "Sendes nå (saksbehandleren ventet ikke på holdetiden)",
        )
    }

    /// "Send nå" for every held letter of a mass mailing; returns how many.
    pub fn release_mailing_now(&self, mailing_id: &str) -> Result<usize, StoreError> {
        let held: Vec<String> = {
            let conn = self.conn();
            let mut statement =
                conn.prepare("SELECT id FROM outbox WHERE mailing_id = ?1 AND state = 'held'")?;
            let rows = statement.query_map([mailing_id], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        for id in &held {
            self.release_now(id)?;
        }
        Ok(held.len())
    }

    /// Letters accepted by SvarUt whose status may still change: (letter id, SvarUt id). Not
    /// yet final; or a decision or advance notice delivered to a digital mailbox and not yet
    /// read, for up to 30 days (eFvf § 8 asks whether it was read).
    pub fn letters_to_track(&self, environment: &str) -> Result<Vec<(String, String)>, StoreError> {
        let since = (self.clock.now() - chrono::Duration::days(30)).to_rfc3339();
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT id, svarut_id FROM outbox WHERE {TRACKED} ORDER BY created_at, id"
        ))?;
        let rows = statement.query_map([since.as_str(), environment], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether any letter of `environment` is still followed ([`Store::letters_to_track`]),
    /// asked without reading them (an idle worker round asks every 10 seconds).
    pub fn has_letters_to_track(&self, environment: &str) -> Result<bool, StoreError> {
        let since = (self.clock.now() - chrono::Duration::days(30)).to_rfc3339();
        Ok(self.conn().query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM outbox WHERE {TRACKED})"),
            [since.as_str(), environment],
            |r| r.get(0),
        )?)
    }

    /// A letter for print at the office instead of through SvarUt: it waits in the print
    /// batch (state `sent`, status `TIL_UTSKRIFT`) until marked printed.
    pub fn mark_local_print(
        &self,
        id: &str,
        worker: &str,
        krr_evidence: Option<&str>,
    ) -> Result<(), StoreError> {
        self.transition(
            id,
            "state = 'sent', local_print = 1, route = 'papir', status = 'TIL_UTSKRIFT', status_at = ?2, krr_evidence = COALESCE(?3, krr_evidence), last_error = NULL, last_problem = NULL",
            &[&krr_evidence],
            &[OutboxState::Held, OutboxState::Queued, OutboxState::Sending],
            ClaimRule::HolderReleases(worker),
            "Til utskrift på kontoret",
        )
    }

    /// The office print batch: letters waiting to be printed here, oldest first.
    pub fn office_print_batch(&self, environment: &str) -> Result<Vec<OutboxLetter>, StoreError> {
        self.letters_where(
            "WHERE environment = ?1 AND local_print = 1 AND state = 'sent' ORDER BY created_at, id",
            [environment],
        )
    }

    /// Letters of the office print batch printed: final, status `PRINTET`.
    pub fn mark_printed_locally(&self, id: &str) -> Result<(), StoreError> {
        let letter = self.get_letter(id)?;
        if !letter.local_print {
            return Err(StoreError::Invalid(
                "only letters for print at the office can be marked printed here".into(),
            ));
        }
        self.transition(
            id,
            "state = 'final', status = 'PRINTET', status_at = ?2",
            &[],
            &[OutboxState::Sent],
            ClaimRule::Any,
            "Skrevet ut på kontoret",
        )
    }

    /// The clerk has dealt with an exception or a reminder (sent on paper, called the
    /// recipient, …): it leaves the inbox, with the note in the timeline.
    pub fn mark_handled(&self, id: &str, note: &str) -> Result<(), StoreError> {
        let note = note.trim();
        if note.is_empty() {
            return Err(StoreError::Invalid("say what was done".into()));
        }
        self.transition(
            id,
            "handled_at = ?2, handled_note = ?3",
            &[&note],
            &[OutboxState::Failed, OutboxState::Sent, OutboxState::Final],
            ClaimRule::Any,
            &format!("Håndtert: {note}"),
        )
    }

    /// A letter that failed before SvarUt accepted it goes back in the queue (a new attempt,
    /// same reference: still never sent twice). A letter SvarUt rejected or could not deliver
    /// is not resent this way; make a new letter.
    pub fn retry_failed(&self, id: &str) -> Result<(), StoreError> {
        let letter = self.get_letter(id)?;
        if letter.svarut_id.is_some() {
            return Err(StoreError::Invalid(
                "SvarUt has this letter already; send a new letter instead".into(),
            ));
        }
        self.transition(
            id,
            "state = 'sending', next_attempt_at = ?2, attempts = MAX(attempts, 1), handled_at = NULL",
            &[],
            &[OutboxState::Failed],
            ClaimRule::Any,
            "Prøves igjen etter feil",
        )
    }

    /// The exceptions inbox: failed letters not yet dealt with, newest first.
    pub fn exceptions(&self, environment: &str) -> Result<Vec<OutboxLetter>, StoreError> {
        self.letters_where(
            "WHERE environment = ?1 AND state = 'failed' AND handled_at IS NULL
             ORDER BY updated_at DESC, id",
            [environment],
        )
    }

    /// eFvf § 8 reminders: decisions and advance notices sent digitally more than 7 days ago
    /// and not read, not yet dealt with. Oldest first.
    pub fn unread_reminders(&self, environment: &str) -> Result<Vec<OutboxLetter>, StoreError> {
        let before = (self.clock.now() - chrono::Duration::days(7)).to_rfc3339();
        self.letters_where(
            "WHERE environment = ?2 AND kind != 'ordinary' AND state IN ('sent', 'final') AND local_print = 0
               AND COALESCE(route, '') != 'papir' AND COALESCE(status, '') NOT IN ('LEST', 'PRINTET', 'SENDT_PRINT')
               AND handled_at IS NULL AND created_at <= ?1
             ORDER BY created_at, id",
            [before.as_str(), environment],
        )
    }

    /// A status from SvarUt; a new one becomes an event. `final_` ends tracking; `failure`
    /// puts the letter in the exceptions inbox; `channel` is the channel the status shows, kept
    /// from the first status that names one (`seen_route`).
    pub fn record_status(
        &self,
        id: &str,
        status: &str,
        at: &str,
        final_: bool,
        failure: bool,
        channel: Option<&str>,
    ) -> Result<bool, StoreError> {
        let letter = self.get_letter(id)?;
        if letter.status.as_deref() == Some(status) {
            return Ok(false);
        }
        let state = match (final_, failure) {
            (_, true) => "failed",
            (true, false) => "final",
            _ => "sent",
        };
        self.transition(
            id,
            &format!(
                "state = '{state}', status = ?3, status_at = ?4, \
                 seen_route = COALESCE(seen_route, ?5)"
            ),
            &[&status, &at, &channel],
            &[OutboxState::Sent, OutboxState::Final],
            ClaimRule::Any,
            &format!("Status i SvarUt: {status}"),
        )?;
        Ok(true)
    }

    /// A letter's timeline for the UI: (time, what, the clerk's message of a failure), oldest
    /// first.
    pub fn letter_timeline(
        &self,
        id: &str,
    ) -> Result<Vec<(String, String, Option<Problem>)>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT at, text, problem FROM outbox_events WHERE letter_id = ?1 ORDER BY at, rowid",
        )?;
        let rows = statement.query_map([id], |r| {
            let problem: Option<String> = r.get(2)?;
            Ok((
                r.get(0)?,
                r.get(1)?,
                problem.as_deref().and_then(Problem::from_json),
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A letter's timeline: (time, what), oldest first.
    pub fn letter_events(&self, id: &str) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT at, text FROM outbox_events WHERE letter_id = ?1 ORDER BY at, rowid",
        )?;
        let rows = statement.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
