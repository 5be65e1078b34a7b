//! Mass mailing: one personalised letter per recipient-list row, rendered on every core,
//! each checked by the preflight, with a report that names every row — a row is never dropped
//! silently: it has a file or the precise reason it has none.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use serde::Serialize;

use super::compose::compose_for;
use super::package::{Attachment, AttachmentMode, package};
use super::pdf::render;
use super::preflight::{PreflightChannel, preflight, preflight_rendered};
use super::recipients::{RecipientList, RecipientRow};
use super::template::Template;
use crate::ident::Identifier;

/// What happened to one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RowOutcome {
    /// The spreadsheet row (header = 1).
    pub row: usize,
    /// Name and masked identifier, e.g. `Åse Ødegård (209146 *****)`; empty when the row
    /// could not be read.
    pub recipient: String,
    /// The files written (the letter first), when the row succeeded.
    pub files: Vec<String>,
    /// Pages of the letter.
    pub pages: usize,
    /// Bytes written for the row.
    pub bytes: usize,
    /// Why the row has no letter.
    pub error: Option<String>,
}

/// Options for a batch.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// The letters' date.
    pub date: NaiveDate,
    /// Attachments for every letter.
    pub attachments: Vec<Attachment>,
    /// How they travel.
    pub mode: AttachmentMode,
    /// The channel the preflight checks against.
    pub channel: PreflightChannel,
    /// Threads rendering (at least 1).
    pub workers: usize,
}

/// A masked description of a recipient for reports and logs.
pub fn describe(row: &RecipientRow) -> String {
    let id = match &row.identifier {
        Identifier::Person(fnr) => fnr.masked(),
        Identifier::Organisation(org) => org.to_string(),
    };
    format!("{} ({id})", row.name)
}

/// A file-system-safe stem for a row's files: `rad00002-ase-odegard`. No identifier.
pub fn file_stem(row: &RecipientRow) -> String {
    let mut slug = String::new();
    for c in row.name.to_lowercase().chars() {
        let mapped = match c {
            'æ' => "ae".to_owned(),
            'ø' => "o".to_owned(),
            'å' => "a".to_owned(),
            c if c.is_ascii_alphanumeric() => c.to_string(),
            _ => "-".to_owned(),
        };
        if !(mapped == "-" && (slug.is_empty() || slug.ends_with('-'))) {
            slug.push_str(&mapped);
        }
    }
    let slug: String = slug.trim_end_matches('-').chars().take(40).collect();
    format!("rad{:05}-{}", row.row, slug.trim_end_matches('-'))
}

/// Renders a letter for every usable row and hands each document to `write(stem, index,
/// file_name, bytes)`, which returns the name it was stored under; when a row fails after some
/// of its documents were written, `discard(name)` removes each of them, so no file is left that
/// the report does not list. Rows the list could not read come back with their problems. The
/// outcomes are in row order.
pub fn render_all<W, D>(
    template: &Template,
    list: &RecipientList,
    options: &BatchOptions,
    write: W,
    discard: D,
) -> Vec<RowOutcome>
where
    W: Fn(&str, usize, &str, &[u8]) -> std::io::Result<String> + Sync,
    D: Fn(&str) + Sync,
{
    let next = AtomicUsize::new(0);
    let done: Mutex<Vec<RowOutcome>> = Mutex::new(Vec::with_capacity(list.recipients.len()));
    let work = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(row) = list.recipients.get(i) else {
                break;
            };
            let outcome = one(template, row, options, &write, &discard);
            done.lock().expect("no panics while held").push(outcome);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..options.workers.max(1) {
            scope.spawn(work);
        }
        work();
    });
    let mut outcomes = done.into_inner().expect("no panics while held");
    // Rows the list could not use: one outcome per row with every problem.
    let mut rows: Vec<usize> = list.problems.iter().map(|p| p.row).collect();
    rows.dedup();
    for row in rows {
        let messages: Vec<String> = list
            .problems
            .iter()
            .filter(|p| p.row == row)
            .map(|p| match &p.column {
                Some(column) => format!("{column}: {}", p.message),
                None => p.message.clone(),
            })
            .collect();
        outcomes.push(RowOutcome {
            row,
            recipient: String::new(),
            files: Vec::new(),
            pages: 0,
            bytes: 0,
            error: Some(messages.join("; ")),
        });
    }
    outcomes.sort_by_key(|o| o.row);
    outcomes
}

fn one<W, D>(
    template: &Template,
    row: &RecipientRow,
    options: &BatchOptions,
    write: &W,
    discard: &D,
) -> RowOutcome
where
    W: Fn(&str, usize, &str, &[u8]) -> std::io::Result<String>,
    D: Fn(&str),
{
    let mut outcome = RowOutcome {
        row: row.row,
        recipient: describe(row),
        files: Vec::new(),
        pages: 0,
        bytes: 0,
        error: None,
    };
    let result = (|| -> Result<(), String> {
        let letter = compose_for(template, row, options.date).map_err(|e| e.to_string())?;
        let rendered = render(&letter).map_err(|e| e.to_string())?;
        outcome.pages = rendered.pages;
        let package = package(
            &letter.title,
            rendered.bytes,
            &options.attachments,
            options.mode,
            false,
        )
        .map_err(|e| format!("attachment: {e}"))?;
        // Our own rendering is checked by construction; a letter merged with attachments is a
        // new file and is read back.
        let problems = if options.mode == AttachmentMode::Merged && !options.attachments.is_empty()
        {
            preflight(&letter.title, &package.documents, options.channel)
        } else {
            preflight_rendered(&letter.title, &package.documents, options.channel)
        };
        let blocking: Vec<String> = problems
            .iter()
            .filter(|p| p.blocking)
            .map(|p| match &p.document {
                Some(d) => format!("{d}: {}", p.message),
                None => p.message.clone(),
            })
            .collect();
        if !blocking.is_empty() {
            return Err(format!("preflight: {}", blocking.join("; ")));
        }
        let stem = file_stem(row);
        for (index, document) in package.documents.iter().enumerate() {
            let stored = write(&stem, index, &document.file_name, &document.bytes)
                .map_err(|e| format!("writing the file: {e}"))?;
            outcome.files.push(stored);
            outcome.bytes += document.bytes.len();
        }
        Ok(())
    })();
    if let Err(error) = result {
        // A report may be written to a file: no identifier in it, whatever the error quoted.
        outcome.error = Some(crate::mask::text(&error));
        for file in outcome.files.drain(..) {
            discard(&file);
        }
        outcome.bytes = 0;
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::letters::recipients::read_recipients;
    use crate::letters::template::example;

    const HEADER: &str = "fodselsnummer;navn;adresselinje1;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n";

    fn options(workers: usize) -> BatchOptions {
        BatchOptions {
            date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            attachments: Vec::new(),
            mode: AttachmentMode::Separate,
            channel: PreflightChannel::Papir,
            workers,
        }
    }

    #[test]
    fn every_row_gets_a_letter_or_its_reason_in_row_order() {
        let csv = format!(
            "{HEADER}20914695016;Åse Ødegård;Storgata 1;7300;Orkanger;bistand;2026/1;1. januar;100;Helse;Kari\n\
             20914695017;Feil Nummer;Storgata 2;7300;Orkanger;bistand;2026/2;1. januar;100;Helse;Kari\n\
             30910099686;Liv Li;Storgata 3;7300;Orkanger;bistand;2026/3;1. januar;;Helse;Kari\n\
             01813048589;Per Pål;Storgata 4;7300;Orkanger;bistand;2026/4;1. januar;100;Helse;Kari\n"
        );
        let list = read_recipients(csv.as_bytes()).unwrap();
        let written = Mutex::new(Vec::new());
        let outcomes = render_all(
            &example(),
            &list,
            &options(2),
            |stem, i, name, bytes| {
                assert!(bytes.starts_with(b"%PDF-"));
                written.lock().unwrap().push(format!("{stem}/{i}/{name}"));
                Ok(format!("{stem}.pdf"))
            },
            |_| panic!("nothing to discard"),
        );
        let summary: Vec<(usize, bool)> = outcomes
            .iter()
            .map(|o| (o.row, o.error.is_none()))
            .collect();
        assert_eq!(summary, [(2, true), (3, false), (4, false), (5, true)]);
        assert_eq!(outcomes[0].files, ["rad00002-ase-odegard.pdf"]);
        assert_eq!(outcomes[0].recipient, "Åse Ødegård (209146 *****)");
        assert!(
            outcomes[1]
                .error
                .as_ref()
                .unwrap()
                .contains("fodselsnummer")
        );
        assert_eq!(
            outcomes[2].error.as_deref(),
            Some("empty merge field(s): belop")
        );
        assert_eq!(written.lock().unwrap().len(), 2);
        // No identifier in any file name or report text.
        let report = serde_json::to_string(&outcomes).unwrap();
        assert!(!report.contains("20914695016") && !report.contains("30910099686"));
    }

    #[test]
    fn a_failed_write_is_the_rows_error() {
        let csv = format!(
            "{HEADER}20914695016;Åse Ødegård;Storgata 1;7300;Orkanger;bistand;2026/1;1. januar;100;Helse;Kari\n"
        );
        let list = read_recipients(csv.as_bytes()).unwrap();
        // The letter is written, its attachment is not: the letter is removed again.
        let mut opts = options(1);
        // (A digital mailbox: the test attachment's unembedded font only warns there.)
        opts.channel = PreflightChannel::DigitalPostkasse;
        opts.attachments = vec![crate::letters::package::Attachment {
            file_name: "vedlegg.pdf".into(),
            bytes: crate::letters::attachment::tests::a4_with_text_at(72),
        }];
        let discarded = Mutex::new(Vec::new());
        let outcomes = render_all(
            &example(),
            &list,
            &opts,
            |stem, i, _, _| {
                if i == 0 {
                    Ok(format!("{stem}.pdf"))
                } else {
                    Err(std::io::Error::other("disk full"))
                }
            },
            |name| discarded.lock().unwrap().push(name.to_owned()),
        );
        assert_eq!(
            outcomes[0].error.as_deref(),
            Some("writing the file: disk full")
        );
        assert!(outcomes[0].files.is_empty());
        assert_eq!(*discarded.lock().unwrap(), ["rad00002-ase-odegard.pdf"]);
    }
}
