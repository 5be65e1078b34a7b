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

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Store, StoreError};
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

    fn parse(text: &str) -> Result<Self, StoreError> {
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

/// A letter to put in the outbox.
#[derive(Debug, Clone)]
pub struct NewLetter {
    /// The mass mailing it belongs to.
    pub mailing_id: Option<String>,
    /// The recipient's name (for lists).
    pub recipient_name: String,
    /// Fødselsnummer or organisasjonsnummer (kept in the encrypted store only).
    pub recipient_id: Option<String>,
    /// The forsendelse (its `eksternReferanse` is set to the letter's id here).
    pub forsendelse: Forsendelse,
    /// The documents, in the order of `forsendelse.dokumenter`.
    pub documents: Vec<Vec<u8>>,
    /// How long it is held before it may leave.
    pub hold: chrono::Duration,
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
    /// Recipient's identifier.
    pub recipient_id: Option<String>,
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
    /// The last error.
    pub last_error: Option<String>,
    /// Queued at.
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, mailing_id, title, recipient_name, recipient_id, forsendelse, state, release_at, \
     next_attempt_at, attempts, svarut_id, krr_evidence, status, status_at, last_error, created_at";

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
        })
    })())
}

impl Store {
    /// Puts a letter in the outbox, held for `hold`; returns it. Its id is made here and
    /// becomes the forsendelse's `eksternReferanse`.
    pub fn enqueue_letter(&self, letter: NewLetter) -> Result<OutboxLetter, StoreError> {
        let now = self.clock.now();
        let id = uuid::Uuid::new_v4().to_string();
        let mut forsendelse = letter.forsendelse;
        forsendelse.ekstern_referanse = Some(id.clone());
        let release = now + letter.hold;
        let state = if letter.hold > chrono::Duration::zero() {
            OutboxState::Held
        } else {
            OutboxState::Queued
        };
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO outbox (id, mailing_id, title, recipient_name, recipient_id, forsendelse, state, release_at, next_attempt_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?9)",
            params![
                id,
                letter.mailing_id,
                forsendelse.tittel,
                letter.recipient_name,
                letter.recipient_id,
                serde_json::to_string(&forsendelse).expect("plain data serialises"),
                state.as_str(),
                release.to_rfc3339(),
                now.to_rfc3339(),
            ],
        )?;
        for (position, bytes) in letter.documents.iter().enumerate() {
            tx.execute(
                "INSERT INTO outbox_documents (letter_id, position, bytes) VALUES (?1, ?2, ?3)",
                params![id, position as i64, bytes],
            )?;
        }
        tx.execute(
            "INSERT INTO outbox_events (letter_id, at, text) VALUES (?1, ?2, ?3)",
            params![id, now.to_rfc3339(), "Lagt i utboksen"],
        )?;
        tx.commit()?;
        drop(conn);
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

    /// The letter's documents, in order.
    pub fn letter_documents(&self, id: &str) -> Result<Vec<Vec<u8>>, StoreError> {
        let conn = self.conn();
        let mut statement = conn
            .prepare("SELECT bytes FROM outbox_documents WHERE letter_id = ?1 ORDER BY position")?;
        let rows = statement.query_map([id], |r| r.get::<_, Vec<u8>>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Letters, newest first (of one mass mailing when given).
    pub fn list_outbox(&self, mailing_id: Option<&str>) -> Result<Vec<OutboxLetter>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE (?1 IS NULL OR mailing_id = ?1) ORDER BY created_at DESC, id"
        ))?;
        let rows = statement.query_map([mailing_id], read)?;
        rows.map(|r| r?).collect()
    }

    /// The letter the worker should handle next at the store clock's now: a held or queued
    /// letter whose time has come, or one whose send outcome is unknown.
    pub fn next_due_letter(&self) -> Result<Option<OutboxLetter>, StoreError> {
        let now = self.clock.now().to_rfc3339();
        self.conn()
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM outbox
                     WHERE state IN ('held', 'queued', 'sending') AND release_at <= ?1 AND next_attempt_at <= ?1
                     ORDER BY next_attempt_at, created_at, id LIMIT 1"
                ),
                [now],
                read,
            )
            .optional()?
            .transpose()
    }

    fn transition(
        &self,
        id: &str,
        set: &str,
        values: &[&dyn rusqlite::ToSql],
        allowed_from: &[OutboxState],
        event: &str,
    ) -> Result<(), StoreError> {
        let now = self.clock.now().to_rfc3339();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let current: String = tx
            .query_row("SELECT state FROM outbox WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("letter {id}")))?;
        let current = OutboxState::parse(&current)?;
        if !allowed_from.contains(&current) {
            return Err(StoreError::Invalid(format!(
                "the letter is {}, so it cannot change that way",
                current.as_str()
            )));
        }
        let mut all: Vec<&dyn rusqlite::ToSql> = vec![&id, &now];
        all.extend_from_slice(values);
        tx.execute(
            &format!("UPDATE outbox SET {set}, updated_at = ?2 WHERE id = ?1"),
            all.as_slice(),
        )?;
        tx.execute(
            "INSERT INTO outbox_events (letter_id, at, text) VALUES (?1, ?2, ?3)",
            params![id, now, event],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A send is about to start: from now on a restart must look the letter up first.
    pub fn mark_sending(
        &self,
        id: &str,
        retry_at: DateTime<Utc>,
        krr_evidence: Option<&str>,
    ) -> Result<(), StoreError> {
        self.transition(
            id,
            "state = 'sending', attempts = attempts + 1, next_attempt_at = ?3, krr_evidence = COALESCE(?4, krr_evidence)",
            &[&retry_at.to_rfc3339(), &krr_evidence],
            &[OutboxState::Held, OutboxState::Queued, OutboxState::Sending],
            "Sendes til SvarUt",
        )
    }

    /// Accepted by SvarUt.
    pub fn mark_sent(&self, id: &str, svarut_id: &str) -> Result<(), StoreError> {
        self.transition(
            id,
            "state = 'sent', svarut_id = ?3, last_error = NULL",
            &[&svarut_id],
            &[OutboxState::Sending],
            &format!("Mottatt av SvarUt (forsendelse {svarut_id})"),
        )
    }

    /// Not sent this time; tried again at `retry_at`. A letter whose send outcome is unknown
    /// stays `sending` (so it is looked up first); one that never left goes back to `queued`.
    pub fn retry_letter(
        &self,
        id: &str,
        retry_at: DateTime<Utc>,
        error: &str,
        outcome_unknown: bool,
    ) -> Result<(), StoreError> {
        let state = if outcome_unknown { "sending" } else { "queued" };
        self.transition(
            id,
            &format!("state = '{state}', next_attempt_at = ?3, last_error = ?4"),
            &[&retry_at.to_rfc3339(), &error],
            &[OutboxState::Held, OutboxState::Queued, OutboxState::Sending],
            &format!("Prøves igjen: {error}"),
        )
    }

    /// Cannot be sent: to the exceptions inbox.
    pub fn mark_failed(&self, id: &str, reason: &str) -> Result<(), StoreError> {
        self.transition(
            id,
            "state = 'failed', last_error = ?3",
            &[&reason],
            &[
                OutboxState::Held,
                OutboxState::Queued,
                OutboxState::Sending,
                OutboxState::Sent,
            ],
            &format!("Feilet: {reason}"),
        )
    }

    /// Takes a letter back before it leaves (only while held or queued).
    pub fn recall_letter(&self, id: &str) -> Result<(), StoreError> {
        self.transition(
            id,
            "state = 'recalled'",
            &[],
            &[OutboxState::Held, OutboxState::Queued],
            "Trukket tilbake",
        )
    }

    /// Letters accepted by SvarUt and not yet final: (letter id, SvarUt id).
    pub fn letters_to_track(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT id, svarut_id FROM outbox WHERE state = 'sent' AND svarut_id IS NOT NULL ORDER BY created_at, id",
        )?;
        let rows = statement.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A status from SvarUt; a new one becomes an event. `final_` ends tracking; `failure`
    /// puts the letter in the exceptions inbox.
    pub fn record_status(
        &self,
        id: &str,
        status: &str,
        at: &str,
        final_: bool,
        failure: bool,
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
            &format!("state = '{state}', status = ?3, status_at = ?4"),
            &[&status, &at],
            &[OutboxState::Sent, OutboxState::Final],
            &format!("Status i SvarUt: {status}"),
        )?;
        Ok(true)
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

/// A stored mass mailing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailing {
    /// Its id.
    pub id: String,
    /// Its title (for lists).
    pub title: String,
    /// The template file.
    pub template: String,
    /// The recipient list as imported.
    pub recipients: Vec<u8>,
}

impl Store {
    /// Keeps a mass mailing (template file and recipient list); returns its id.
    pub fn create_mailing(
        &self,
        title: &str,
        template: &str,
        recipients: &[u8],
    ) -> Result<String, StoreError> {
        let id = uuid::Uuid::new_v4().to_string();
        self.conn().execute(
            "INSERT INTO mailings (id, title, template, recipients, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, title, template, recipients, self.clock.now().to_rfc3339()],
        )?;
        Ok(id)
    }

    /// One mass mailing.
    pub fn get_mailing(&self, id: &str) -> Result<Mailing, StoreError> {
        self.conn()
            .query_row(
                "SELECT id, title, template, recipients FROM mailings WHERE id = ?1",
                [id],
                |r| {
                    Ok(Mailing {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        template: r.get(2)?,
                        recipients: r.get(3)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("mailing {id}")))
    }
}
