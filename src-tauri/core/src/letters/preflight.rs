//! Preflight: every check a letter must pass before it can be queued, each problem a precise
//! sentence. The checks are the ones clerks run by hand today (rules sheet §5.3) with the limits
//! of §2–3: title and file-name lengths, unique file names free of forbidden characters, total
//! size per channel, PDF version, encryption, fonts embedded, margins, and only one document
//! marked for signing.

use crate::problem::{Explain, Problem, ProblemKey as K};
use serde::Serialize;

use super::attachment::{AttachmentError, check_pdf, left_margin_mm};
use crate::routing::Route;

/// A document of a letter: the letter itself first, then attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageDocument {
    /// The file name the recipient sees, e.g. `vedtak.pdf`.
    pub file_name: String,
    /// The PDF.
    pub bytes: Vec<u8>,
    /// Marked to be signed (e-signing).
    pub for_signing: bool,
}

/// Where the letter is going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum PreflightChannel {
    /// A digital mailbox (Digipost or e-Boks, through SvarUt/DPI).
    DigitalPostkasse,
    /// Altinn (organisations).
    Altinn,
    /// Printed and posted.
    Papir,
    /// An e-signing order.
    Signing,
}

impl From<Route> for PreflightChannel {
    fn from(route: Route) -> Self {
        match route {
            Route::DigitalPostkasse => Self::DigitalPostkasse,
            Route::Papir => Self::Papir,
            // SvarInn has SvarUt's own limits, as Altinn does.
            Route::Altinn | Route::Svarinn => Self::Altinn,
        }
    }
}

impl PreflightChannel {
    /// The total size allowed for all documents of one letter.
    pub fn max_total_bytes(self) -> u64 {
        match self {
            // Digipost: 30 MB per letter (DPI takes 50 MB, the smaller limit wins).
            Self::DigitalPostkasse => 30 * 1000 * 1000,
            // Altinn Digital Post: 30 MB.
            Self::Altinn => 30 * 1000 * 1000,
            // Print through DPI: the dokumentpakke limit, 50 MB.
            Self::Papir => 50 * 1000 * 1000,
            // Posten signering: 10 MB.
            Self::Signing => 10 * 1000 * 1000,
        }
    }

    /// The longest title accepted.
    pub fn max_title(self) -> usize {
        match self {
            Self::Signing => MAX_SIGNING_TITLE,
            _ => MAX_TITLE,
        }
    }
}

/// Longest title of a letter (ePhorte's limit for letters; SvarUt shows it in the notice).
pub const MAX_TITLE: usize = 100;
/// Longest title of a signing order (Posten signering).
pub const MAX_SIGNING_TITLE: usize = 80;
/// Longest document name: over 96 characters leaves a DPI letter stuck at "sendt".
pub const MAX_FILE_NAME: usize = 96;
/// Most documents in a signing order.
pub const MAX_SIGNING_DOCUMENTS: usize = 20;
/// Smallest left margin print takes (DPI print: 18 mm).
pub const MIN_PRINT_MARGIN_MM: f32 = 18.0;
/// Characters no document name may contain.
pub const FORBIDDEN_NAME_CHARS: &[char] = &['/', '\\', ':', '*', '?', '"', '<', '>', '|'];

/// One problem found.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct PreflightProblem {
    /// A stable code the UI can branch on: `title_empty`, `title_too_long`, `name_too_long`,
    /// `name_forbidden_chars`, `name_duplicate`, `name_not_pdf`, `too_large`, `pdf_unusable`,
    /// `fonts_not_embedded`, `margin_too_small`, `not_a4`, `signing_count`, `too_many_documents`.
    pub code: String,
    /// The document concerned (its file name), when one is.
    pub document: Option<String>,
    /// What is wrong and what to do (English: the CLI and the log).
    pub message: String,
    /// What is wrong, for the UI to say in the clerk's language.
    pub problem: Problem,
    /// A warning does not stop the letter; an error does.
    pub blocking: bool,
}

/// Checks a letter's title and documents for a channel. An empty list means it may be queued.
pub fn preflight(
    title: &str,
    documents: &[PackageDocument],
    channel: PreflightChannel,
) -> Vec<PreflightProblem> {
    checks(title, documents, channel, false)
}

/// [`preflight`] for a letter whose first document is Kommunepost's own rendering, just made
/// (PDF/A-2b, A4, fonts embedded, margins from the layout): that file is not read back, only
/// its name and size are checked. Attachments are checked as always.
pub fn preflight_rendered(
    title: &str,
    documents: &[PackageDocument],
    channel: PreflightChannel,
) -> Vec<PreflightProblem> {
    checks(title, documents, channel, true)
}

fn checks(
    title: &str,
    documents: &[PackageDocument],
    channel: PreflightChannel,
    first_is_ours: bool,
) -> Vec<PreflightProblem> {
    let mut problems = Vec::new();
    let mut problem =
        |code: &str, said: Problem, document: Option<&str>, message: String, blocking: bool| {
            problems.push(PreflightProblem {
                code: code.to_owned(),
                document: document.map(str::to_owned),
                message,
                problem: said,
                blocking,
            });
        };
    let title_chars = title.trim().chars().count();
    if title_chars == 0 {
        problem(
            "title_empty",
            Problem::new(K::TitleEmpty),
            None,
            "the letter has no title".into(),
            true,
        );
    } else if title_chars > channel.max_title() {
        problem(
            "title_too_long",
            Problem::new(K::TitleTooLong)
                .with("found", title_chars)
                .with("max", channel.max_title()),
            None,
            format!(
                "the title has {title_chars} characters; at most {} (shorten it)",
                channel.max_title()
            ),
            true,
        );
    }

    let mut seen: Vec<String> = Vec::new();
    let mut total: u64 = 0;
    for (index, document) in documents.iter().enumerate() {
        let name = document.file_name.as_str();
        let name_chars = name.chars().count();
        if name_chars > MAX_FILE_NAME {
            problem(
                "name_too_long",
                Problem::new(K::NameTooLong)
                    .with("found", name_chars)
                    .with("max", MAX_FILE_NAME),
                Some(name),
                format!(
                    "the file name has {name_chars} characters; at most {MAX_FILE_NAME} (longer names leave a DPI letter stuck at \"sendt\")"
                ),
                true,
            );
        }
        let bad: String = name
            .chars()
            .filter(|c| FORBIDDEN_NAME_CHARS.contains(c) || c.is_control())
            .collect();
        if !bad.is_empty() {
            problem(
                "name_forbidden_chars",
                Problem::new(K::NameForbiddenChars).with("characters", &bad),
                Some(name),
                format!("the file name contains characters that are not allowed: {bad:?}"),
                true,
            );
        }
        if !name.to_lowercase().ends_with(".pdf") {
            problem(
                "name_not_pdf",
                Problem::new(K::NameNotPdf),
                Some(name),
                "the file name must end in .pdf".into(),
                true,
            );
        }
        let key = name.trim().to_lowercase();
        if seen.contains(&key) {
            problem(
                "name_duplicate",
                Problem::new(K::NameDuplicate),
                Some(name),
                "two documents have this name; documents with the same name overwrite each other and only the last is sent".into(),
                true,
            );
        } else {
            seen.push(key);
        }
        total += document.bytes.len() as u64;
        if first_is_ours && index == 0 {
            continue;
        }
        match check_pdf(&document.bytes, u64::MAX) {
            Err(error) => problem(
                "pdf_unusable",
                error.problem(),
                Some(name),
                describe(&error),
                true,
            ),
            Ok(info) => {
                for warning in &info.warnings {
                    let (code, key) = if warning.starts_with("fonts not embedded") {
                        ("fonts_not_embedded", K::FontsNotEmbedded)
                    } else {
                        ("not_a4", K::NotA4)
                    };
                    problem(
                        code,
                        Problem::new(key),
                        Some(name),
                        warning.clone(),
                        channel == PreflightChannel::Papir,
                    );
                }
                if let Some((page, margin)) = left_margin_mm(&document.bytes)
                    && margin < MIN_PRINT_MARGIN_MM
                {
                    problem(
                        "margin_too_small",
                        Problem::new(K::MarginTooSmall)
                            .with("page", page)
                            .with("found", format!("{margin:.0}"))
                            .with("min", format!("{MIN_PRINT_MARGIN_MM:.0}")),
                        Some(name),
                        format!(
                            "page {page}: content starts {margin:.0} mm from the left edge; print needs at least {MIN_PRINT_MARGIN_MM:.0} mm"
                        ),
                        channel == PreflightChannel::Papir,
                    );
                }
            }
        }
    }
    if total > channel.max_total_bytes() {
        problem(
            "too_large",
            Problem::new(K::LetterTooLarge)
                .with("size_mb", format!("{:.1}", total as f64 / 1e6))
                .with(
                    "max_mb",
                    format!("{:.0}", channel.max_total_bytes() as f64 / 1e6),
                ),
            None,
            format!(
                "the documents are {:.1} MB together; at most {:.0} MB for this channel",
                total as f64 / 1e6,
                channel.max_total_bytes() as f64 / 1e6
            ),
            true,
        );
    }
    let signing = documents.iter().filter(|d| d.for_signing).count();
    if signing > 1 {
        problem(
            "signing_count",
            Problem::new(K::SigningCount).with("found", signing),
            None,
            format!("{signing} documents are marked for signing; mark only one"),
            true,
        );
    }
    if channel == PreflightChannel::Signing && documents.len() > MAX_SIGNING_DOCUMENTS {
        problem(
            "too_many_documents",
            Problem::new(K::TooManyDocuments)
                .with("found", documents.len())
                .with("max", MAX_SIGNING_DOCUMENTS),
            None,
            format!(
                "{} documents; a signing order takes at most {MAX_SIGNING_DOCUMENTS}",
                documents.len()
            ),
            true,
        );
    }
    problems
}

fn describe(error: &AttachmentError) -> String {
    error.to_string()
}

/// Whether any problem stops the letter.
pub fn blocks(problems: &[PreflightProblem]) -> bool {
    problems.iter().any(|p| p.blocking)
}

#[cfg(test)]
#[path = "preflight_tests.rs"]
mod tests;
