//! Mass mailings in the store: a mailing groups letters (a template mailing of the CLI, or a
//! draft with a recipient list when it is sent), keeps the list as imported, and can be paused
//! or cancelled; its progress is counted from its letters' states.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::outbox::{NewLetter, OutboxState};
use super::{Store, StoreError};

/// A mass mailing to make together with its letters.
#[derive(Debug, Clone)]
pub struct NewMailing<'a> {
    /// Its title.
    pub title: &'a str,
    /// Where it came from: a template file, or a draft ([`Mailing::from_draft`]).
    pub source: MailingSource<'a>,
    /// The recipient list as imported.
    pub recipients: &'a [u8],
}

/// Where a mass mailing came from.
#[derive(Debug, Clone)]
pub enum MailingSource<'a> {
    /// A template file (the CLI's `mailing create`).
    Template(&'a str),
    /// A draft of the app (its letters are queued when it is made, so it is never sent again
    /// as a template).
    Draft(&'a crate::letters::draft::DraftLetter),
}

pub(super) fn insert_mailing(
    tx: &rusqlite::Transaction<'_>,
    mailing: &NewMailing<'_>,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let template = match &mailing.source {
        MailingSource::Template(text) => (*text).to_owned(),
        MailingSource::Draft(draft) => format!(
            "{DRAFT_SOURCE}{}",
            serde_json::to_string(draft).expect("plain data serialises")
        ),
    };
    tx.execute(
        "INSERT INTO mailings (id, title, template, recipients, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, mailing.title.trim(), template, mailing.recipients, now.to_rfc3339()],
    )?;
    Ok(id)
}

/// How a mailing made from a draft marks its source (where a CLI mailing keeps its template
/// file): its letters were queued when it was made, so it is never sent again as a template.
const DRAFT_SOURCE: &str = "#draft\n";

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
    /// Paused: none of its letters leave until resumed.
    pub paused: bool,
    /// Cancelled: its letters not yet sent were recalled.
    pub cancelled: bool,
}

/// How far a mass mailing has come: letters per state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct MailingProgress {
    /// The mailing.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Paused.
    pub paused: bool,
    /// Cancelled.
    pub cancelled: bool,
    /// All its letters.
    pub total: u32,
    /// Held or queued, not yet sent.
    pub waiting: u32,
    /// Being sent (outcome not yet known).
    pub sending: u32,
    /// Accepted by SvarUt (or in the office print batch), not yet final.
    pub sent: u32,
    /// Final: delivered, read, printed.
    pub done: u32,
    /// Failed (exceptions).
    pub failed: u32,
    /// Recalled.
    pub recalled: u32,
}

impl Mailing {
    /// Made from a draft when it was sent (its letters are queued already), not from a
    /// template file.
    pub fn from_draft(&self) -> bool {
        self.template.starts_with(DRAFT_SOURCE)
    }
}

impl Store {
    /// Puts letters in the outbox in one transaction, with their mass mailing when `mailing`
    /// is given (made in the same transaction): all of them, or — on any error — none.
    /// Returns (the mailing's id, the letters' ids in order).
    pub fn enqueue_letters(
        &self,
        mailing: Option<NewMailing<'_>>,
        letters: Vec<NewLetter>,
    ) -> Result<(Option<String>, Vec<String>), StoreError> {
        self.enqueue_send(None, mailing, letters)
    }

    /// [`Self::enqueue_letters`], recording the send in the same transaction: a send whose
    /// key is recorded already queues nothing ([`StoreError::AlreadyQueued`]).
    pub fn enqueue_send(
        &self,
        send: Option<&super::sends::NewSend>,
        mailing: Option<NewMailing<'_>>,
        letters: Vec<NewLetter>,
    ) -> Result<(Option<String>, Vec<String>), StoreError> {
        let now = self.clock.now();
        let count = letters.len();
        let sealed = self.seal_documents(&letters)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mailing_id = match mailing {
            Some(mailing) => Some(insert_mailing(&tx, &mailing, now)?),
            None => None,
        };
        if let Some(send) = send {
            super::sends::insert_send(&tx, send, count, mailing_id.as_deref(), &now.to_rfc3339())?;
        }
        let letters = letters.into_iter().map(|mut letter| {
            if mailing_id.is_some() {
                letter.mailing_id = mailing_id.clone();
            }
            letter
        });
        sealed.insert(&tx, letters, now)?;
        let committed = tx.commit();
        let ids = sealed.kept();
        committed?;
        Ok((mailing_id, ids))
    }

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
                "SELECT id, title, template, recipients, paused, cancelled FROM mailings WHERE id = ?1",
                [id],
                |r| {
                    Ok(Mailing {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        template: r.get(2)?,
                        recipients: r.get(3)?,
                        paused: r.get::<_, i64>(4)? != 0,
                        cancelled: r.get::<_, i64>(5)? != 0,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("mailing {id}")))
    }
}

impl Store {
    /// Pauses or resumes a mass mailing: while paused none of its letters leave (a send
    /// already under way finishes).
    pub fn set_mailing_paused(&self, id: &str, paused: bool) -> Result<(), StoreError> {
        let mailing = self.get_mailing(id)?;
        if mailing.cancelled {
            return Err(StoreError::Invalid("the mailing is cancelled".into()));
        }
        self.conn().execute(
            "UPDATE mailings SET paused = ?2 WHERE id = ?1",
            params![id, i64::from(paused)],
        )?;
        Ok(())
    }

    /// Cancels a mass mailing: every letter not yet sent is recalled (each in its own
    /// transaction, with its event); those already sent or being sent are left as they are.
    /// Returns how many were recalled.
    pub fn cancel_mailing(&self, id: &str) -> Result<u32, StoreError> {
        self.get_mailing(id)?;
        self.conn().execute(
            "UPDATE mailings SET cancelled = 1, paused = 1 WHERE id = ?1",
            [id],
        )?;
        let waiting: Vec<String> = {
            let conn = self.conn();
            let mut statement = conn.prepare(
                "SELECT id FROM outbox WHERE mailing_id = ?1 AND state IN ('held', 'queued')",
            )?;
            let rows = statement.query_map([id], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut recalled = 0;
        for letter in waiting {
            // A letter the worker took in the meantime is not recalled.
            if self.recall_letter(&letter).is_ok() {
                recalled += 1;
            }
        }
        Ok(recalled)
    }

    /// Progress of a mass mailing.
    pub fn mailing_progress(&self, id: &str) -> Result<MailingProgress, StoreError> {
        let mailing = self.get_mailing(id)?;
        let mut progress = MailingProgress {
            id: mailing.id,
            title: mailing.title,
            paused: mailing.paused,
            cancelled: mailing.cancelled,
            ..MailingProgress::default()
        };
        let conn = self.conn();
        let mut statement = conn
            .prepare("SELECT state, COUNT(*) FROM outbox WHERE mailing_id = ?1 GROUP BY state")?;
        let rows =
            statement.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, count) = row?;
            let count = u32::try_from(count).unwrap_or(u32::MAX);
            progress.total += count;
            match OutboxState::parse(&state)? {
                OutboxState::Held | OutboxState::Queued => progress.waiting += count,
                OutboxState::Sending => progress.sending += count,
                OutboxState::Sent => progress.sent += count,
                OutboxState::Final => progress.done += count,
                OutboxState::Failed => progress.failed += count,
                OutboxState::Recalled => progress.recalled += count,
            }
        }
        Ok(progress)
    }

    /// How many mass mailings the store holds (with letters or not).
    pub fn mailing_count(&self) -> Result<u32, StoreError> {
        let count: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM mailings", [], |r| r.get(0))?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Mass mailings that have letters, newest first.
    pub fn list_mailings(&self, environment: &str) -> Result<Vec<MailingProgress>, StoreError> {
        let ids: Vec<String> = {
            let conn = self.conn();
            let mut statement = conn.prepare(
                "SELECT id FROM mailings
                 WHERE id IN (SELECT mailing_id FROM outbox WHERE environment = ?1)
                 ORDER BY created_at DESC, id",
            )?;
            let rows = statement.query_map([environment], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        ids.iter().map(|id| self.mailing_progress(id)).collect()
    }
}
