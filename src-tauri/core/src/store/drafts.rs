//! Drafts of letters and mass mailings: `get_/list_/upsert_/duplicate_/delete_/restore_`
//! verbs. Deleting moves a draft to the trash (`deleted_at`), where it is kept for
//! [`TRASH_DAYS`] days and can be restored; [`Store::purge_trash`] removes older ones.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Store, StoreError};
use crate::ident::Fnr;
use crate::letters::draft::DraftLetter;

/// Days a deleted draft stays in the trash.
pub const TRASH_DAYS: i64 = 30;

/// A draft's id (a UUID made in Rust).
pub type DraftId = String;

/// What a draft will become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum DraftKind {
    /// One letter to one recipient.
    Letter,
    /// One letter per row of a recipient list.
    MassMailing,
}

impl DraftKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Letter => "letter",
            Self::MassMailing => "mass_mailing",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "letter" => Ok(Self::Letter),
            "mass_mailing" => Ok(Self::MassMailing),
            other => Err(StoreError::Invalid(format!("draft kind {other:?}"))),
        }
    }
}

/// What the caller saves.
#[derive(Debug, Clone)]
pub struct DraftInput {
    /// `None` for a new draft.
    pub id: Option<DraftId>,
    /// Letter or mass mailing.
    pub kind: DraftKind,
    /// The letter's title.
    pub title: String,
    /// The recipient's fødselsnummer, when known.
    pub recipient_fnr: Option<Fnr>,
    /// The recipient's name, when known.
    pub recipient_name: Option<String>,
    /// The body text.
    pub body: String,
    /// Template, address, merge values, recipient list and attachments.
    pub letter: DraftLetter,
}

/// A saved draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Its id.
    pub id: DraftId,
    /// Letter or mass mailing.
    pub kind: DraftKind,
    /// The letter's title.
    pub title: String,
    /// The recipient's fødselsnummer.
    pub recipient_fnr: Option<Fnr>,
    /// The recipient's name.
    pub recipient_name: Option<String>,
    /// The body text.
    pub body: String,
    /// Template, address, merge values, recipient list and attachments.
    pub letter: DraftLetter,
    /// First saved.
    pub created_at: DateTime<Utc>,
    /// Last saved.
    pub updated_at: DateTime<Utc>,
}

/// A draft in a list: no body, and the identifier masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct DraftSummary {
    /// Its id.
    pub id: DraftId,
    /// Letter or mass mailing.
    pub kind: DraftKind,
    /// The letter's title.
    pub title: String,
    /// `DDMMYY *****`.
    pub recipient_masked: Option<String>,
    /// Last saved (RFC 3339).
    pub updated_at: String,
    /// When it was sent (RFC 3339), if it was: it is then read-only.
    pub sent_at: Option<String>,
    /// How many letters that send queued.
    pub sent_letters: Option<u32>,
}

impl Store {
    /// Saves a draft (insert or update) in one transaction; returns it as stored.
    pub fn upsert_draft(&self, input: DraftInput) -> Result<Draft, StoreError> {
        let now = self.clock.now();
        let id = input.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // A sent draft is kept as it was sent.
        let sent: Option<String> = tx
            .query_row(
                "SELECT at FROM sends WHERE draft_id = ?1 ORDER BY at DESC LIMIT 1",
                [&id],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(at) = sent {
            return Err(StoreError::DraftSent(at));
        }
        tx.execute(
            "INSERT INTO drafts (id, kind, title, recipient_fnr, recipient_name, body, letter, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8, ?7, ?7)
             ON CONFLICT (id) DO UPDATE SET
                 kind = excluded.kind, title = excluded.title,
                 recipient_fnr = excluded.recipient_fnr, recipient_name = excluded.recipient_name,
                 body = excluded.body, letter = excluded.letter, updated_at = excluded.updated_at",
            params![
                id,
                input.kind.as_str(),
                input.title,
                input.recipient_fnr.as_ref().map(Fnr::expose),
                input.recipient_name,
                input.body,
                now.to_rfc3339(),
                serde_json::to_string(&input.letter).expect("plain data serialises"),
            ],
        )?;
        tx.commit()?;
        drop(conn);
        self.get_draft(&id)
    }

    /// One draft (also from the trash).
    pub fn get_draft(&self, id: &str) -> Result<Draft, StoreError> {
        self.conn()
            .query_row(
                "SELECT id, kind, title, recipient_fnr, recipient_name, body, created_at, updated_at, letter
                 FROM drafts WHERE id = ?1",
                [id],
                read_draft,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("draft {id}")))?
    }

    /// Drafts not in the trash, most recently saved first.
    pub fn list_drafts(&self) -> Result<Vec<DraftSummary>, StoreError> {
        self.summaries("deleted_at IS NULL ORDER BY updated_at DESC, id")
    }

    /// A copy of a draft, titled "<title> (kopi)".
    pub fn duplicate_draft(&self, id: &str) -> Result<Draft, StoreError> {
        let original = self.get_draft(id)?;
        self.upsert_draft(DraftInput {
            id: None,
            kind: original.kind,
            title: format!("{} (kopi)", original.title),
            recipient_fnr: original.recipient_fnr,
            recipient_name: original.recipient_name,
            body: original.body,
            letter: original.letter,
        })
    }

    /// Drafts in the trash, most recently deleted first.
    pub fn list_trash(&self) -> Result<Vec<DraftSummary>, StoreError> {
        self.summaries("deleted_at IS NOT NULL ORDER BY deleted_at DESC, id")
    }

    /// Summaries of the drafts matching `filter` (a fixed SQL condition and order).
    fn summaries(&self, filter: &'static str) -> Result<Vec<DraftSummary>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(&format!(
            // Lists leave the letter part (which may hold attachments) unread.
            "SELECT id, kind, title, recipient_fnr, recipient_name, body, created_at, updated_at, '{{}}',
                    (SELECT at FROM sends WHERE draft_id = drafts.id ORDER BY at DESC LIMIT 1),
                    (SELECT letters FROM sends WHERE draft_id = drafts.id ORDER BY at DESC LIMIT 1)
             FROM drafts WHERE {filter}"
        ))?;
        let rows = statement.query_map([], |row| {
            let sent: (Option<String>, Option<i64>) = (row.get(9)?, row.get(10)?);
            Ok(read_draft(row)?.map(|draft| (draft, sent)))
        })?;
        rows.map(|row| {
            let (draft, (sent_at, sent_letters)) = row??;
            Ok(DraftSummary {
                recipient_masked: draft.recipient_fnr.as_ref().map(Fnr::masked),
                id: draft.id,
                kind: draft.kind,
                title: draft.title,
                updated_at: draft.updated_at.to_rfc3339(),
                sent_at,
                sent_letters: sent_letters.map(|n| u32::try_from(n).unwrap_or(u32::MAX)),
            })
        })
        .collect()
    }

    /// Removes drafts that have been in the trash longer than [`TRASH_DAYS`]; returns how many.
    pub fn purge_trash(&self) -> Result<usize, StoreError> {
        let limit = self.clock.now() - chrono::Duration::days(TRASH_DAYS);
        Ok(self.conn().execute(
            "DELETE FROM drafts WHERE deleted_at IS NOT NULL AND deleted_at < ?1",
            [limit.to_rfc3339()],
        )?)
    }

    /// Moves a draft to the trash.
    pub fn delete_draft(&self, id: &str) -> Result<(), StoreError> {
        let changed = self.conn().execute(
            "UPDATE drafts SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
            params![id, self.clock.now().to_rfc3339()],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("draft {id}")));
        }
        Ok(())
    }

    /// Takes a draft back out of the trash.
    pub fn restore_draft(&self, id: &str) -> Result<(), StoreError> {
        let changed = self.conn().execute(
            "UPDATE drafts SET deleted_at = NULL WHERE id = ?1 AND deleted_at IS NOT NULL",
            [id],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("draft {id} in the trash")));
        }
        Ok(())
    }
}

fn read_draft(row: &Row<'_>) -> rusqlite::Result<Result<Draft, StoreError>> {
    let kind: String = row.get(1)?;
    let fnr: Option<String> = row.get(3)?;
    let created: String = row.get(6)?;
    let updated: String = row.get(7)?;
    let letter: String = row.get(8)?;
    let (id, title, recipient_name, body) = (row.get(0)?, row.get(2)?, row.get(4)?, row.get(5)?);
    Ok((|| {
        Ok(Draft {
            id,
            kind: DraftKind::parse(&kind)?,
            title,
            recipient_fnr: fnr
                .map(|f| Fnr::parse(&f).map_err(|e| StoreError::Invalid(format!("recipient: {e}"))))
                .transpose()?,
            recipient_name,
            body,
            letter: serde_json::from_str(&letter)
                .map_err(|e| StoreError::Invalid(format!("draft letter: {e}")))?,
            created_at: parse_time(&created)?,
            updated_at: parse_time(&updated)?,
        })
    })())
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Invalid(format!("timestamp {text:?}: {e}")))
}
