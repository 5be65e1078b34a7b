//! The public journal (offentleglova § 10): the month's outgoing letters as the journal shows
//! them — the public title, the date, the recipient unless screened, the case and journal
//! post numbers — and as CSV for whoever publishes the journal.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::ArchiveSettings;
use crate::letters::case::ScreenedPart;
use crate::store::{Store, StoreError};

/// What a screened recipient or title shows.
pub const SCREENED: &str = "Skjermet";

/// A month that is not `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("«{0}» is not a month; write it as YYYY-MM, e.g. 2026-12")]
pub struct NotAMonth(pub String);

/// A month (`YYYY-MM`; none: the month of `now`), Norwegian time: its start and the next
/// month's.
pub fn month(
    text: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), NotAMonth> {
    use chrono::Datelike;
    let first = match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => chrono::NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d")
            .map_err(|_| NotAMonth(text.chars().take(20).collect()))?,
        None => {
            let today = crate::norway::date(now);
            today.with_day(1).unwrap_or(today)
        }
    };
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    Ok((
        crate::norway::start_of(first),
        crate::norway::start_of(next),
    ))
}

/// A line of the public journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct JournalEntry {
    /// The letter.
    pub letter_id: String,
    /// Its date (Norwegian, `YYYY-MM-DD`).
    pub date: String,
    /// The title as the public journal shows it.
    pub title: String,
    /// The recipient, or "Skjermet".
    pub recipient: String,
    /// Journal post type: `U` (utgående).
    pub kind: String,
    /// The case number (given, or the archive's), e.g. "2026/123".
    pub case_number: Option<String>,
    /// The archive's journal post number, once its receipt is imported.
    pub journal_post: Option<String>,
    /// The legal basis of the screening, when screened.
    pub screening: Option<String>,
}

/// The journal of letters of `environment` queued in [`from`, `to`), with the settings'
/// defaults for letters queued without case metadata.
pub fn journal(
    store: &Store,
    environment: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    settings: &ArchiveSettings,
) -> Result<Vec<JournalEntry>, StoreError> {
    Ok(store
        .journal_rows(environment, from, to)?
        .into_iter()
        .map(|row| {
            // As resolved when queued; the defaults only for letters from before case metadata.
            let case = row.case.unwrap_or_else(|| settings.defaults.clone());
            let date = DateTime::parse_from_rfc3339(&row.created_at)
                .map(|t| {
                    crate::norway::date(t.with_timezone(&Utc))
                        .format("%Y-%m-%d")
                        .to_string()
                })
                .unwrap_or_default();
            let case_number = case
                .case_number()
                .map(|(year, sequence)| format!("{year}/{sequence}"))
                .or_else(|| row.numbers.case());
            JournalEntry {
                letter_id: row.letter_id,
                date,
                title: case.journal_title(&row.title),
                recipient: if case.screening.screens(ScreenedPart::Recipient) {
                    SCREENED.to_owned()
                } else {
                    row.recipient_name
                },
                kind: "U".into(),
                case_number,
                journal_post: row.numbers.journal_post(),
                screening: case
                    .screening
                    .is_screened()
                    .then(|| case.screening.authority.trim().to_owned()),
            }
        })
        .collect())
}

/// A CSV cell: quoted, and a leading `=`, `+`, `-` or `@` neutralised so a spreadsheet never
/// runs it as a formula.
fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The journal as CSV (semicolons, as Norwegian spreadsheets expect; UTF-8 with a BOM).
pub fn csv(entries: &[JournalEntry]) -> String {
    let mut out =
        String::from("\u{feff}Dato;Tittel;Mottaker;Type;Saksnummer;Journalpost;Skjerming\r\n");
    for e in entries {
        let line = [
            cell(&e.date),
            cell(&e.title),
            cell(&e.recipient),
            cell(&e.kind),
            cell(e.case_number.as_deref().unwrap_or("")),
            cell(e.journal_post.as_deref().unwrap_or("")),
            cell(e.screening.as_deref().unwrap_or("")),
        ]
        .join(";");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_norwegian_months() {
        let now: DateTime<Utc> = "2026-11-30T23:30:00Z".parse().unwrap();
        let (from, to) = month(None, now).unwrap();
        // 00:30 on 1 December in Oslo: December.
        assert_eq!(from.to_rfc3339(), "2026-11-30T23:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-12-31T23:00:00+00:00");
        assert_eq!(
            month(Some("2026-13"), now),
            Err(NotAMonth("2026-13".into()))
        );
    }

    #[test]
    fn csv_cells_are_quoted_and_formulas_neutralised() {
        let entry = JournalEntry {
            letter_id: "l".into(),
            date: "2026-12-07".into(),
            title: "=HYPERLINK(\"x\")".into(),
            recipient: SCREENED.into(),
            kind: "U".into(),
            case_number: Some("2026/123".into()),
            journal_post: None,
            screening: Some("Offl. § 13".into()),
        };
        let csv = csv(&[entry]);
        let line = csv.lines().nth(1).unwrap();
        assert_eq!(
            line,
            "\"2026-12-07\";\"'=HYPERLINK(\"\"x\"\")\";\"Skjermet\";\"U\";\"2026/123\";\"\";\"Offl. § 13\""
        );
    }
}
