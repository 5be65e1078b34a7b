//! Once means once: each confirmed send is recorded in the transaction that queues its
//! letters. The preview's key is the record's primary key, so the same preview cannot be
//! queued twice (a double click, a retried command); the fingerprint finds an earlier send of
//! the same letter or list, which the clerk is asked about; the draft it came from becomes
//! read-only ("Lag kopi" makes an editable copy).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Store, StoreError};

/// A send to record with its letters.
#[derive(Debug, Clone)]
pub struct NewSend {
    /// The preview's key.
    pub key: String,
    /// What was sent: the letter and its recipients (a hash).
    pub fingerprint: String,
    /// The recipient list alone (a hash), for a list.
    pub list_fingerprint: Option<String>,
    /// The draft it came from.
    pub draft_id: Option<String>,
    /// The title.
    pub title: String,
    /// The environment.
    pub environment: String,
}

/// An earlier send, as the clerk is told about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct EarlierSend {
    /// When it was queued (RFC 3339; shown in Norwegian time).
    pub at: String,
    /// How many letters.
    pub letters: u32,
    /// Its title.
    pub title: String,
    /// The environment it went to.
    pub environment: String,
}

pub(super) fn insert_send(
    tx: &rusqlite::Transaction<'_>,
    send: &NewSend,
    letters: usize,
    mailing_id: Option<&str>,
    now: &str,
) -> Result<(), StoreError> {
    let inserted = tx.execute(
        "INSERT INTO sends (id, fingerprint, draft_id, title, letters, environment, mailing_id, at, list_fingerprint)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING",
        params![
            send.key,
            send.fingerprint,
            send.draft_id,
            send.title.trim(),
            i64::try_from(letters).unwrap_or(i64::MAX),
            send.environment,
            mailing_id,
            now,
            send.list_fingerprint
        ],
    )?;
    if inserted == 0 {
        return Err(StoreError::AlreadyQueued);
    }
    Ok(())
}

fn earlier(row: &rusqlite::Row<'_>) -> rusqlite::Result<EarlierSend> {
    Ok(EarlierSend {
        at: row.get(0)?,
        letters: u32::try_from(row.get::<_, i64>(1)?).unwrap_or(u32::MAX),
        title: row.get(2)?,
        environment: row.get(3)?,
    })
}

impl Store {
    /// The newest earlier send in `environment` of the same letter, or to the same list.
    pub fn earlier_send(
        &self,
        fingerprint: &str,
        list_fingerprint: Option<&str>,
        environment: &str,
    ) -> Result<Option<EarlierSend>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT at, letters, title, environment FROM sends
                 WHERE environment = ?2 AND (fingerprint = ?1 OR list_fingerprint = ?3)
                 ORDER BY at DESC LIMIT 1",
                params![fingerprint, environment, list_fingerprint],
                earlier,
            )
            .optional()?)
    }

    /// When a draft was sent (its newest send), if it was.
    pub fn draft_sent(&self, draft_id: &str) -> Result<Option<EarlierSend>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT at, letters, title, environment FROM sends
                 WHERE draft_id = ?1 ORDER BY at DESC LIMIT 1",
                [draft_id],
                earlier,
            )
            .optional()?)
    }
}
