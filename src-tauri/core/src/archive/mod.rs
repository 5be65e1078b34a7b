//! Archive handover (Fiks Arkiv V1): every letter SvarUt accepted (or printed at the office)
//! and every completed signing order becomes an `arkivmelding.opprett` package — the journal
//! post with its recipient, the letter's PDF/A and attachments and Kommunepost's evidence as
//! one more PDF/A — kept in the store's archive outbox, exported for the archive's import, and
//! marked archived when the archive's receipt is imported.
//!
//! Written once for the app and the CLI: [`build_due`] runs in the worker's round,
//! [`retry`], [`import_receipt`], [`export`] and [`journal`] are the clerk's actions.

pub mod arkivmelding;
pub mod evidence;
pub mod export;
pub mod journal;
pub mod receipt;

use chrono::{DateTime, Utc};

use crate::config::ArchiveSettings;
use crate::ident::Identifier;
use crate::letters::case::CaseMetadata;
use crate::store::{
    ArchiveNumbers, ArchivePackage, NewPackage, PackageSource, PackageState, Store, StoreError,
};
use arkivmelding::{DocumentRole, JournalPost, PackageDocument, Party};
use receipt::{Receipt, ReceiptError};

/// The name of the file that carries the journal post in each package.
pub const ARKIVMELDING: &str = "arkivmelding.xml";

/// Why an archive action failed.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The receipt file cannot be used.
    #[error("the archive receipt: {0}")]
    Receipt(#[from] ReceiptError),
    /// The receipt names no package of ours.
    #[error("the receipt is for a journal post Kommunepost does not have ({0})")]
    UnknownKey(String),
    /// The archive refused the journal post.
    #[error("the archive refused the journal post: {0}")]
    Refused(String),
    /// Writing the export failed.
    #[error("writing the export to {path}: {source}")]
    Export {
        /// Where.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// Nothing to export.
    #[error("there is no archive package waiting to be exported{0}")]
    NothingToExport(String),
}

/// What a round of [`build_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Built {
    /// Packages ready for the archive.
    pub waiting: usize,
    /// Packages that could not be built (their error is kept; a retry builds them again).
    pub failed: usize,
}

/// Builds the packages of letters and signing orders of `environment` that have none yet, at
/// most `limit` of each.
pub fn build_due(
    store: &Store,
    environment: &str,
    settings: &ArchiveSettings,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Built, StoreError> {
    let mut built = Built::default();
    let mut count = |result: Result<NewPackage, StoreError>| -> Result<(), StoreError> {
        match result {
            Ok(package) => match store.put_archive_package(package)?.state {
                PackageState::Failed => built.failed += 1,
                _ => built.waiting += 1,
            },
            // One letter or order that cannot be read does not stop the others.
            Err(error) => {
                built.failed += 1;
                tracing::warn!(%error, "an archive package could not be built");
            }
        }
        Ok(())
    };
    for id in store.letters_to_archive(environment, limit)? {
        count(letter_package(store, &id, settings, now))?;
    }
    for id in store.signing_orders_to_archive(environment, limit)? {
        count(order_package(store, &id, settings, now))?;
    }
    if built != Built::default() {
        tracing::info!(
            waiting = built.waiting,
            failed = built.failed,
            environment,
            "archive packages built"
        );
    }
    Ok(built)
}

/// Builds a package again (after a failure, or to bring its dispatch receipt's status history
/// up to date); an archived package is left as it is.
pub fn retry(
    store: &Store,
    id: &str,
    settings: &ArchiveSettings,
    now: DateTime<Utc>,
) -> Result<ArchivePackage, ArchiveError> {
    let existing = store.archive_package(id)?;
    if existing.state == PackageState::Archived {
        return Ok(existing);
    }
    let package = match (&existing.letter_id, &existing.signing_order_id) {
        (Some(letter), _) => letter_package(store, letter, settings, now)?,
        (_, Some(order)) => order_package(store, order, settings, now)?,
        _ => return Err(StoreError::Invalid(format!("archive package {id}")).into()),
    };
    Ok(store.put_archive_package(package)?)
}

/// Imports the archive's receipt: the package it names is archived with the archive's
/// journal post and case numbers. A refusal is kept as the package's error (a retry builds it
/// again) and returned as [`ArchiveError::Refused`].
pub fn import_receipt(store: &Store, bytes: &[u8]) -> Result<ArchivePackage, ArchiveError> {
    match receipt::parse(bytes)? {
        Receipt::Archived { key, numbers } => match store.archive_package(&key) {
            Ok(_) => Ok(store.record_archive_receipt(&key, &numbers)?),
            Err(StoreError::NotFound(_)) => Err(ArchiveError::UnknownKey(crate::mask::text(
                &key.chars().take(100).collect::<String>(),
            ))),
            Err(e) => Err(e.into()),
        },
        Receipt::Refused {
            key,
            case_key,
            message,
        } => {
            let message = crate::mask::text(&message);
            // The journal post's own key, else a single letter's new case (`sak-<id>`); a
            // mass mailing's case names many letters, so that refusal cannot be placed.
            let key = key.or_else(|| {
                case_key
                    .as_deref()
                    .and_then(|k| k.strip_prefix("sak-"))
                    .map(str::to_owned)
            });
            if let Some(key) = key.filter(|k| store.archive_package(k).is_ok()) {
                store.record_archive_refusal(&key, &message)?;
            }
            Err(ArchiveError::Refused(message))
        }
    }
}

/// The key of the case a letter is filed in when no case number is given: the mass
/// mailing's (so all its letters share one case) or the letter's own.
fn case_key(mailing_id: Option<&str>, id: &str) -> String {
    match mailing_id {
        Some(mailing) => format!("utsending-{mailing}"),
        None => format!("sak-{id}"),
    }
}

/// Builds a letter's package (or the reason it cannot be built).
pub fn letter_package(
    store: &Store,
    id: &str,
    settings: &ArchiveSettings,
    now: DateTime<Utc>,
) -> Result<NewPackage, StoreError> {
    let letter = store.get_letter(id)?;
    let source = PackageSource::Letter(id.to_owned());
    let built = (|| -> Result<_, String> {
        let documents = store.letter_documents(id).map_err(|e| e.to_string())?;
        let events = store.letter_events(id).map_err(|e| e.to_string())?;
        // The case as resolved when the letter was queued; the settings' defaults only for
        // letters queued before case metadata existed.
        let case = store
            .letter_case(id)
            .map_err(|e| e.to_string())?
            .unwrap_or_else(|| settings.defaults.clone());
        let case_title = match &letter.mailing_id {
            Some(mailing) => store
                .get_mailing(mailing)
                .map(|m| m.title)
                .unwrap_or_else(|_| letter.title.clone()),
            None => letter.title.clone(),
        };
        let date = crate::norway::date(letter.created_at);
        let receipt = evidence::dispatch_receipt(&evidence::DispatchFacts {
            title: &letter.title,
            recipient: &letter.recipient_name,
            letter_id: id,
            route: letter.route.as_deref(),
            seen_route: letter.seen_route.as_deref(),
            krr_evidence: letter.krr_evidence.as_deref(),
            svarut_id: letter.svarut_id.as_deref(),
            office_print: letter.local_print,
            events: &events,
            date,
            made_at: now,
        })
        .map_err(|e| format!("the dispatch receipt: {e}"))?;
        let mut files = Vec::with_capacity(documents.len() + 1);
        for (n, bytes) in documents.into_iter().enumerate() {
            let original = letter
                .forsendelse
                .dokumenter
                .get(n)
                .map(|d| d.filnavn.clone())
                .unwrap_or_default();
            files.push(if n == 0 {
                PackageDocument {
                    title: letter.title.clone(),
                    original_name: original,
                    file: "hoveddokument.pdf".into(),
                    role: DocumentRole::Main,
                    document_type: main_type(&case),
                    bytes,
                }
            } else {
                PackageDocument {
                    title: original
                        .strip_suffix(".pdf")
                        .unwrap_or(&original)
                        .to_owned(),
                    original_name: original,
                    file: format!("vedlegg-{n}.pdf"),
                    role: DocumentRole::Attachment,
                    document_type: "VEDLEGG".into(),
                    bytes,
                }
            });
        }
        files.push(PackageDocument {
            title: "Forsendelseskvittering".into(),
            original_name: "Forsendelseskvittering.pdf".into(),
            file: "forsendelseskvittering.pdf".into(),
            role: DocumentRole::Evidence,
            document_type: "DOKUMENT".into(),
            bytes: receipt,
        });
        let mottaker = &letter.forsendelse.mottaker;
        let party = Party {
            name: letter.recipient_name.clone(),
            identifier: letter.recipient_id.clone(),
            address_lines: [
                &mottaker.adresselinje1,
                &mottaker.adresselinje2,
                &mottaker.adresselinje3,
            ]
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
            postcode: mottaker.postnummer.clone(),
            city: mottaker.poststed.clone(),
            country: mottaker.land.clone(),
        };
        let sent_at = events.iter().find_map(|(at, text)| {
            text.starts_with("Mottatt av SvarUt")
                .then(|| DateTime::parse_from_rfc3339(at).ok())
                .flatten()
                .map(|t| t.with_timezone(&Utc))
        });
        let post = JournalPost {
            key: id.to_owned(),
            case_key: case_key(letter.mailing_id.as_deref(), id),
            case_title,
            archive_part: settings.archive_part.clone(),
            case,
            title: letter.title.clone(),
            status: "E",
            date,
            sent_at,
            recipients: vec![party],
            documents: files,
        };
        pack(&post)
    })();
    Ok(NewPackage {
        source,
        mailing_id: letter.mailing_id.clone(),
        environment: letter.environment.clone(),
        title: letter.title.clone(),
        built,
    })
}

/// The main document's `dokumenttype`: the case's, else correspondence.
fn main_type(case: &CaseMetadata) -> String {
    match case.document_type.trim() {
        "" | "B" => "KORR".into(),
        other => other.to_owned(),
    }
}

/// Builds a completed signing order's package: the signed PDF (PAdES) as the main document
/// and the signing history as evidence; the signers are its parties.
pub fn order_package(
    store: &Store,
    id: &str,
    settings: &ArchiveSettings,
    now: DateTime<Utc>,
) -> Result<NewPackage, StoreError> {
    let order = store.signing_order(id)?;
    let built = (|| -> Result<_, String> {
        let pades = store
            .signing_pades(id)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the signed document is not stored yet".to_owned())?;
        let events = store.signing_events(id).map_err(|e| e.to_string())?;
        let history = evidence::signing_history(&order, &events, now)
            .map_err(|e| format!("the signing history: {e}"))?;
        let mut case = settings.defaults.clone();
        if let Some(public) = order.nonsensitive_title.as_deref()
            && case.public_title.trim().is_empty()
        {
            case.public_title = public.to_owned();
        }
        // A signed agreement, unless the defaults name something other than a letter.
        if matches!(case.document_type.trim(), "" | "B" | "KORR") {
            case.document_type = "AVTALE".into();
        }
        let recipients = order
            .signers
            .iter()
            .map(|s| Party {
                name: s.name.clone(),
                identifier: s
                    .identifier
                    .as_deref()
                    .filter(|_| s.kind == "person")
                    .and_then(|digits| Identifier::parse(digits).ok()),
                address_lines: Vec::new(),
                postcode: None,
                city: None,
                country: None,
            })
            .collect();
        let post = JournalPost {
            key: id.to_owned(),
            case_key: case_key(None, id),
            case_title: order.title.clone(),
            archive_part: settings.archive_part.clone(),
            title: order.title.clone(),
            status: "F",
            date: crate::norway::date(now),
            sent_at: None,
            recipients,
            documents: vec![
                PackageDocument {
                    title: order.title.clone(),
                    original_name: "Signert dokument.pdf".into(),
                    file: "signert-dokument.pdf".into(),
                    role: DocumentRole::Main,
                    document_type: main_type(&case),
                    bytes: pades,
                },
                PackageDocument {
                    title: "Signeringshistorikk".into(),
                    original_name: "Signeringshistorikk.pdf".into(),
                    file: "signeringshistorikk.pdf".into(),
                    role: DocumentRole::Evidence,
                    document_type: "DOKUMENT".into(),
                    bytes: history,
                },
            ],
            case,
        };
        pack(&post)
    })();
    Ok(NewPackage {
        source: PackageSource::SigningOrder(id.to_owned()),
        mailing_id: None,
        environment: order.environment.clone(),
        title: order.title.clone(),
        built,
    })
}

/// The arkivmelding and the files of a journal post.
fn pack(post: &JournalPost) -> Result<crate::store::PackageContents, String> {
    let xml = arkivmelding::write(post).map_err(|e| crate::mask::text(&e.to_string()))?;
    let files = post
        .documents
        .iter()
        .map(|d| (d.file.clone(), d.bytes.clone()))
        .collect();
    Ok((xml, files))
}

/// The numbers of an archived package, for a letter's timeline or a list.
pub fn numbers_text(numbers: &ArchiveNumbers) -> Option<String> {
    match (numbers.journal_post(), numbers.case()) {
        (Some(post), Some(case)) => Some(format!("journalpost {post} i sak {case}")),
        (Some(post), None) => Some(format!("journalpost {post}")),
        (None, Some(case)) => Some(format!("sak {case}")),
        (None, None) => None,
    }
}
