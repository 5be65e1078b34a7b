//! The archive outbox: one Fiks Arkiv package per letter SvarUt accepted and per completed
//! signing order, with its files, until the archive's receipt says where it was journalled.
//!
//! ```text
//! (accepted / completed) ──build──▶ waiting ──(receipt)──▶ archived
//!                          └──────▶ failed ──(retry)──▶ waiting …
//! ```
//!
//! A package's id is its letter's or order's id, which is also the arkivmelding's external
//! key: building it again (a retry) replaces it, and the archive recognises it.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Store, StoreError};
use crate::letters::case::CaseMetadata;

/// Where a package is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum PackageState {
    /// Built; waiting for the archive's receipt.
    Waiting,
    /// The archive has journalled it.
    Archived,
    /// Could not be built; a retry builds it again.
    Failed,
}

impl PackageState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Archived => "archived",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "waiting" => Self::Waiting,
            "archived" => Self::Archived,
            "failed" => Self::Failed,
            other => return Err(StoreError::Invalid(format!("archive state {other:?}"))),
        })
    }
}

/// What a package is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageSource {
    /// A letter in the outbox.
    Letter(String),
    /// A signing order.
    SigningOrder(String),
}

impl PackageSource {
    /// The letter's or order's id (also the package's).
    pub fn id(&self) -> &str {
        match self {
            Self::Letter(id) | Self::SigningOrder(id) => id,
        }
    }
}

/// A package's contents: `arkivmelding.xml` and its files (name, bytes), in order.
pub type PackageContents = (Vec<u8>, Vec<(String, Vec<u8>)>);

/// A package to keep: its arkivmelding and files, or why it could not be built.
#[derive(Debug, Clone)]
pub struct NewPackage {
    /// What it is made from.
    pub source: PackageSource,
    /// The mass mailing.
    pub mailing_id: Option<String>,
    /// The environment.
    pub environment: String,
    /// The title (for lists).
    pub title: String,
    /// `arkivmelding.xml` and the files (name, bytes), or the reason it failed.
    pub built: Result<PackageContents, String>,
}

/// Where the archive journalled a package (from its receipt).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, specta::Type)]
pub struct ArchiveNumbers {
    /// Journalår.
    pub journalaar: Option<i32>,
    /// Journalsekvensnummer.
    pub journalsekvensnummer: Option<i64>,
    /// Journalpostnummer (within the case).
    pub journalpostnummer: Option<i64>,
    /// Saksår.
    pub saksaar: Option<i32>,
    /// Sakssekvensnummer.
    pub sakssekvensnummer: Option<i64>,
}

impl ArchiveNumbers {
    /// "2026/4567" (the journal post) when known.
    pub fn journal_post(&self) -> Option<String> {
        Some(format!(
            "{}/{}",
            self.journalaar?, self.journalsekvensnummer?
        ))
    }

    /// "2026/123" (the case) when known.
    pub fn case(&self) -> Option<String> {
        Some(format!("{}/{}", self.saksaar?, self.sakssekvensnummer?))
    }
}

/// A package in the archive outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ArchivePackage {
    /// Its id (the letter's or the order's).
    pub id: String,
    /// The letter.
    pub letter_id: Option<String>,
    /// The signing order.
    pub signing_order_id: Option<String>,
    /// The mass mailing.
    pub mailing_id: Option<String>,
    /// The environment.
    pub environment: String,
    /// The title.
    pub title: String,
    /// Where it is.
    pub state: PackageState,
    /// Why it could not be built or was refused (English: the log and the CLI).
    pub error: Option<String>,
    /// The same, for the UI to say in the clerk's language.
    pub problem: Option<crate::problem::Problem>,
    /// When it was built (RFC 3339).
    pub built_at: String,
    /// When it was last exported.
    pub exported_at: Option<String>,
    /// When the archive's receipt was imported.
    pub archived_at: Option<String>,
    /// Where the archive journalled it.
    pub numbers: ArchiveNumbers,
    /// The letter's recipient (empty for a signing order).
    pub recipient: String,
}

const COLUMNS: &str = "p.id, p.letter_id, p.signing_order_id, p.mailing_id, p.environment, p.title, p.state, p.error, p.built_at, p.exported_at, p.archived_at, p.journalaar, p.journalsekvensnummer, p.journalpostnummer, p.saksaar, p.sakssekvensnummer, COALESCE(o.recipient_name, ''), p.problem";

/// The packages joined with their letters (for the recipient's name).
const FROM: &str = "archive_packages p LEFT JOIN outbox o ON o.id = p.letter_id";

fn read(row: &Row<'_>) -> rusqlite::Result<Result<ArchivePackage, StoreError>> {
    let state: String = row.get(6)?;
    let package = ArchivePackage {
        id: row.get(0)?,
        letter_id: row.get(1)?,
        signing_order_id: row.get(2)?,
        mailing_id: row.get(3)?,
        environment: row.get(4)?,
        title: row.get(5)?,
        state: PackageState::Waiting,
        error: row.get(7)?,
        built_at: row.get(8)?,
        exported_at: row.get(9)?,
        archived_at: row.get(10)?,
        numbers: ArchiveNumbers {
            journalaar: row.get(11)?,
            journalsekvensnummer: row.get(12)?,
            journalpostnummer: row.get(13)?,
            saksaar: row.get(14)?,
            sakssekvensnummer: row.get(15)?,
        },
        recipient: row.get(16)?,
        problem: row
            .get::<_, Option<String>>(17)?
            .as_deref()
            .and_then(crate::problem::Problem::from_json),
    };
    Ok(PackageState::parse(&state).map(|state| ArchivePackage { state, ..package }))
}

impl Store {
    /// The case metadata a letter was queued with.
    pub fn letter_case(&self, letter_id: &str) -> Result<Option<CaseMetadata>, StoreError> {
        let json: Option<Option<String>> = self
            .conn()
            .query_row(
                "SELECT archive_case FROM outbox WHERE id = ?1",
                [letter_id],
                |r| r.get(0),
            )
            .optional()?;
        let json = json.ok_or_else(|| StoreError::NotFound(format!("letter {letter_id}")))?;
        json.map(|j| {
            serde_json::from_str(&j)
                .map_err(|e| StoreError::Invalid(format!("letter {letter_id}'s case: {e}")))
        })
        .transpose()
    }

    /// Letters of `environment` SvarUt accepted (or printed at the office) that have no
    /// package yet, oldest first.
    pub fn letters_to_archive(
        &self,
        environment: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT o.id FROM outbox o LEFT JOIN archive_packages p ON p.letter_id = o.id
             WHERE o.environment = ?1 AND p.id IS NULL
               AND (o.svarut_id IS NOT NULL OR (o.local_print = 1 AND o.state = 'final'))
             ORDER BY o.created_at, o.id LIMIT ?2",
        )?;
        let ids = stmt
            .query_map(params![environment, limit as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Completed signing orders of `environment` with their signed PDF and no package yet.
    pub fn signing_orders_to_archive(
        &self,
        environment: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT s.id FROM signing_orders s LEFT JOIN archive_packages p ON p.signing_order_id = s.id
             WHERE s.environment = ?1 AND s.state = 'completed' AND s.pades IS NOT NULL AND p.id IS NULL
             ORDER BY s.created_at, s.id LIMIT ?2",
        )?;
        let ids = stmt
            .query_map(params![environment, limit as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Keeps a package (replacing an earlier build of the same letter or order, unless that
    /// one is archived already) and notes it in the letter's or order's timeline.
    pub fn put_archive_package(&self, package: NewPackage) -> Result<ArchivePackage, StoreError> {
        let now = self.clock.now().to_rfc3339();
        let id = package.source.id().to_owned();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let archived: Option<String> = tx
            .query_row(
                "SELECT state FROM archive_packages WHERE id = ?1",
                [&id],
                |r| r.get(0),
            )
            .optional()?;
        if archived.as_deref() == Some("archived") {
            return Err(StoreError::Invalid(format!(
                "the package for {id} is archived already"
            )));
        }
        tx.execute("DELETE FROM archive_packages WHERE id = ?1", [&id])?;
        let (letter_id, order_id) = match &package.source {
            PackageSource::Letter(id) => (Some(id.as_str()), None),
            PackageSource::SigningOrder(id) => (None, Some(id.as_str())),
        };
        let (state, xml, error, files) = match &package.built {
            Ok((xml, files)) => (PackageState::Waiting, Some(xml), None, files.as_slice()),
            Err(error) => (PackageState::Failed, None, Some(error), &[][..]),
        };
        tx.execute(
            "INSERT INTO archive_packages (id, letter_id, signing_order_id, mailing_id, environment, title, state, xml, error, built_at, problem)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                id,
                letter_id,
                order_id,
                package.mailing_id,
                package.environment,
                package.title,
                state.as_str(),
                xml,
                error,
                now
            ,
                error.map(|_| {
                    crate::problem::Problem::new(crate::problem::ProblemKey::ArchiveBuildFailed)
                        .to_json()
                })],
        )?;
        for (position, (name, bytes)) in files.iter().enumerate() {
            tx.execute(
                "INSERT INTO archive_files (package_id, position, file_name, bytes) VALUES (?1, ?2, ?3, ?4)",
                params![id, position as i64, name, bytes],
            )?;
        }
        let text = match &package.built {
            Ok(_) => "Arkivpakke laget; venter på arkivet".to_owned(),
            Err(error) => format!("Arkivpakken kunne ikke lages: {error}"),
        };
        note(&tx, &package.source, &now, &text)?;
        tx.commit()?;
        drop(conn);
        self.archive_package(&id)
    }

    /// One package.
    pub fn archive_package(&self, id: &str) -> Result<ArchivePackage, StoreError> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM {FROM} WHERE p.id = ?1"),
                [id],
                read,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("archive package {id}")))?
    }

    /// The packages of `environment` (of one mailing, when given), newest first.
    pub fn archive_packages(
        &self,
        environment: &str,
        mailing_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ArchivePackage>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM {FROM}
             WHERE p.environment = ?1 AND (?2 IS NULL OR p.mailing_id = ?2)
             ORDER BY p.built_at DESC, p.id LIMIT ?3"
        ))?;
        let rows = stmt
            .query_map(params![environment, mailing_id, limit as i64], read)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// A package's `arkivmelding.xml` and files (name, bytes), in order; none when it failed.
    pub fn archive_contents(&self, id: &str) -> Result<Option<PackageContents>, StoreError> {
        let conn = self.conn();
        let xml: Option<Option<Vec<u8>>> = conn
            .query_row(
                "SELECT xml FROM archive_packages WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let Some(xml) = xml.ok_or_else(|| StoreError::NotFound(format!("archive package {id}")))?
        else {
            return Ok(None);
        };
        let mut stmt = conn.prepare(
            "SELECT file_name, bytes FROM archive_files WHERE package_id = ?1 ORDER BY position",
        )?;
        let files = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(Some((xml, files)))
    }

    /// Notes that packages were exported now.
    pub fn mark_archive_exported(&self, ids: &[String]) -> Result<(), StoreError> {
        let now = self.clock.now().to_rfc3339();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for id in ids {
            tx.execute(
                "UPDATE archive_packages SET exported_at = ?2 WHERE id = ?1",
                params![id, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the archive's receipt for a package: archived, with its numbers, and a line
    /// in the letter's or order's timeline. A second receipt for the same package updates
    /// the numbers.
    pub fn record_archive_receipt(
        &self,
        id: &str,
        numbers: &ArchiveNumbers,
    ) -> Result<ArchivePackage, StoreError> {
        let package = self.archive_package(id)?;
        if package.state == PackageState::Failed && self.archive_contents(id)?.is_none() {
            return Err(StoreError::Invalid(format!(
                "the package for {id} was never built; build it again first"
            )));
        }
        let now = self.clock.now().to_rfc3339();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE archive_packages SET state = 'archived', archived_at = ?2, error = NULL, problem = NULL, journalaar = ?3,
                 journalsekvensnummer = ?4, journalpostnummer = ?5, saksaar = ?6, sakssekvensnummer = ?7
             WHERE id = ?1",
            params![
                id,
                now,
                numbers.journalaar,
                numbers.journalsekvensnummer,
                numbers.journalpostnummer,
                numbers.saksaar,
                numbers.sakssekvensnummer
            ],
        )?;
        let mut text = "Arkivert".to_owned();
        if let Some(post) = numbers.journal_post() {
            text.push_str(&format!(" som journalpost {post}"));
        }
        if let Some(case) = numbers.case() {
            text.push_str(&format!(" i sak {case}"));
        }
        let source = match (&package.letter_id, &package.signing_order_id) {
            (Some(letter), _) => PackageSource::Letter(letter.clone()),
            (_, Some(order)) => PackageSource::SigningOrder(order.clone()),
            _ => return Err(StoreError::Invalid(format!("archive package {id}"))),
        };
        note(&tx, &source, &now, &text)?;
        tx.commit()?;
        drop(conn);
        self.archive_package(id)
    }
}

/// A letter as the public journal lists it (before screening is applied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRow {
    /// The letter's id.
    pub letter_id: String,
    /// When it was queued (RFC 3339).
    pub created_at: String,
    /// Its title.
    pub title: String,
    /// The recipient's name.
    pub recipient_name: String,
    /// The recipient is an organisation.
    pub organisation: bool,
    /// Its case metadata, as queued.
    pub case: Option<CaseMetadata>,
    /// Where the archive journalled it, when known.
    pub numbers: ArchiveNumbers,
}

impl Store {
    /// Letters of `environment` queued in [`from`, `to`) that left (through SvarUt or printed
    /// at the office), oldest first, for the public journal.
    pub fn journal_rows(
        &self,
        environment: &str,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<JournalRow>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT o.id, o.created_at, o.title, o.recipient_name, LENGTH(o.recipient_id) = 9, o.archive_case,
                    p.journalaar, p.journalsekvensnummer, p.journalpostnummer, p.saksaar, p.sakssekvensnummer
             FROM outbox o LEFT JOIN archive_packages p ON p.letter_id = o.id
             WHERE o.environment = ?1 AND o.created_at >= ?2 AND o.created_at < ?3
               AND (o.svarut_id IS NOT NULL OR o.local_print = 1) AND o.state <> 'recalled'
             ORDER BY o.created_at, o.id",
        )?;
        let rows = stmt
            .query_map(
                params![environment, from.to_rfc3339(), to.to_rfc3339()],
                |r| {
                    let case: Option<String> = r.get(5)?;
                    Ok((
                        JournalRow {
                            letter_id: r.get(0)?,
                            created_at: r.get(1)?,
                            title: r.get(2)?,
                            recipient_name: r.get(3)?,
                            organisation: r.get::<_, Option<bool>>(4)?.unwrap_or(false),
                            case: None,
                            numbers: ArchiveNumbers {
                                journalaar: r.get(6)?,
                                journalsekvensnummer: r.get(7)?,
                                journalpostnummer: r.get(8)?,
                                saksaar: r.get(9)?,
                                sakssekvensnummer: r.get(10)?,
                            },
                        },
                        case,
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(row, case)| {
                let case = case
                    .map(|j| {
                        serde_json::from_str(&j).map_err(|e| {
                            StoreError::Invalid(format!("letter {}'s case: {e}", row.letter_id))
                        })
                    })
                    .transpose()?;
                Ok(JournalRow { case, ..row })
            })
            .collect()
    }

    /// The archive refused a package: it is kept as failed with the archive's reason (a retry
    /// builds it again).
    pub fn record_archive_refusal(&self, id: &str, message: &str) -> Result<(), StoreError> {
        let package = self.archive_package(id)?;
        let now = self.clock.now().to_rfc3339();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let changed = tx.execute(
            "UPDATE archive_packages SET state = 'failed', error = ?2, problem = ?3 WHERE id = ?1 AND state <> 'archived'",
            params![
                id,
                format!("the archive refused it: {message}"),
                crate::problem::Problem::new(crate::problem::ProblemKey::ArchiveRefused)
                    .with("reason", message)
                    .to_json()
            ],
        )?;
        if changed == 0 {
            // Archived already: a late refusal changes nothing.
            return Ok(());
        }
        let source = match (&package.letter_id, &package.signing_order_id) {
            (Some(letter), _) => PackageSource::Letter(letter.clone()),
            (_, Some(order)) => PackageSource::SigningOrder(order.clone()),
            _ => return Err(StoreError::Invalid(format!("archive package {id}"))),
        };
        note(
            &tx,
            &source,
            &now,
            &format!("Arkivet avviste pakken: {message}"),
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// A line in the letter's or the order's timeline.
fn note(
    tx: &rusqlite::Transaction<'_>,
    source: &PackageSource,
    at: &str,
    text: &str,
) -> Result<(), StoreError> {
    let sql = match source {
        PackageSource::Letter(_) => {
            "INSERT INTO outbox_events (letter_id, at, text) VALUES (?1, ?2, ?3)"
        }
        PackageSource::SigningOrder(_) => {
            "INSERT INTO signing_events (order_id, at, text) VALUES (?1, ?2, ?3)"
        }
    };
    tx.execute(sql, params![source.id(), at, text])?;
    Ok(())
}
