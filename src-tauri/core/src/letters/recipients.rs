//! Recipient lists from CSV, as Norwegian offices export them: UTF-8 with or without BOM, or
//! Windows-1252; `;`, `,` or tab separated; quoted fields (with separators, quotes and line
//! breaks inside). Every row is either a recipient or a problem with its row number — none is
//! dropped silently.
//!
//! Standard columns (the names SvarUt uses): `fodselsnummer` or `organisasjonsnummer`, `navn`,
//! `adresselinje1`–`adresselinje3`, `postnummer`, `poststed`, `land`. Every other column is a
//! merge field named by its header. Headers are matched loosely: case, spaces, `_`/`-` and
//! æ/ø/å do not matter (`Fødselsnummer` is `fodselsnummer`, `Adresselinje 1` is `adresselinje1`).
//! Row numbers are the lines of the file where a row starts (the header is line 1), as a text
//! editor and, for files without line breaks inside fields, a spreadsheet show them.

use serde::Serialize;

use super::merge::{MergeValues, normalise_name};
use crate::ident::Identifier;
use crate::mask::{input as mask_raw, text as mask_text};
use crate::problem::{Explain, Problem, ProblemKey as K};

/// The standard recipient columns.
pub const STANDARD_COLUMNS: [&str; 9] = [
    "fodselsnummer",
    "organisasjonsnummer",
    "navn",
    "adresselinje1",
    "adresselinje2",
    "adresselinje3",
    "postnummer",
    "poststed",
    "land",
];

/// How the file was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// UTF-8 without BOM.
    #[serde(rename = "utf8")]
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    #[serde(rename = "utf8_bom")]
    Utf8Bom,
    /// Windows-1252 (Excel's plain "CSV" on Norwegian Windows).
    #[serde(rename = "windows1252")]
    Windows1252,
}

/// The separator between fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Separator {
    /// `;` (Norwegian Excel).
    Semicolon,
    /// `,`.
    Comma,
    /// Tab.
    Tab,
}

impl Separator {
    fn byte(self) -> u8 {
        match self {
            Self::Semicolon => b';',
            Self::Comma => b',',
            Self::Tab => b'\t',
        }
    }
}

/// One valid recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientRow {
    /// The spreadsheet row (header = 1).
    pub row: usize,
    /// Fødselsnummer or organisasjonsnummer.
    pub identifier: Identifier,
    /// Name.
    pub name: String,
    /// Postal address lines (1–3), postnummer, poststed, land — for the envelope window.
    pub address_lines: Vec<String>,
    /// Postnummer.
    pub postcode: String,
    /// Poststed.
    pub city: String,
    /// Land (empty for Norway).
    pub country: String,
    /// Every column by its normalised header, plus `adresse` (the address on one line).
    pub values: MergeValues,
}

/// A row that cannot be used, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RowProblem {
    /// The spreadsheet row (header = 1).
    pub row: usize,
    /// The column, when one is to blame.
    pub column: Option<String>,
    /// What is wrong (identifiers masked; English: the CLI and the log).
    pub message: String,
    /// What is wrong, for the UI to say in the clerk's language.
    pub problem: Problem,
}

/// An imported list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientList {
    /// How the file was written.
    pub encoding: TextEncoding,
    /// The separator found.
    pub separator: Separator,
    /// The normalised headers, in file order.
    pub columns: Vec<String>,
    /// The valid rows.
    pub recipients: Vec<RecipientRow>,
    /// The rows that cannot be used, by row number.
    pub problems: Vec<RowProblem>,
    /// Data rows in the file (valid + with problems).
    pub data_rows: usize,
}

/// The file as a whole cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// Nothing in it.
    #[error("the file is empty")]
    Empty,
    /// Larger than any recipient list needs.
    #[error("the file is {0} MB; a recipient list may be at most {max} MB", max = MAX_LIST_BYTES / 1_000_000)]
    TooLarge(usize),
    /// A header and nothing under it.
    #[error("the list has a header but no recipients under it")]
    NoRows,
    /// Two columns with the same (normalised) name.
    #[error("the column '{0}' appears twice in the header")]
    DuplicateColumn(String),
    /// Required columns missing from the header.
    #[error(
        "the header lacks the column(s) {0}; a recipient list needs fodselsnummer or organisasjonsnummer, navn, adresselinje1, postnummer and poststed"
    )]
    MissingColumns(String),
    /// The CSV structure is broken (an unclosed quote, say).
    #[error("row {row}: {message}")]
    Malformed {
        /// The spreadsheet row.
        row: usize,
        /// What is wrong.
        message: String,
    },
}

/// Normalises a header: lower case, æ→ae, ø→o, å→a, no spaces, `_` or `-`.
pub fn normalise_header(header: &str) -> String {
    normalise_name(header)
}

/// Headings people use for the standard columns (normalised), and the column each means.
pub const COMMON_HEADINGS: &[(&str, &str)] = &[
    ("adresse", "adresselinje1"),
    ("gateadresse", "adresselinje1"),
    ("postadresse", "adresselinje1"),
    ("postnr", "postnummer"),
    ("postnr.", "postnummer"),
    ("sted", "poststed"),
    ("fnr", "fodselsnummer"),
    ("fnr.", "fodselsnummer"),
    ("fodselsnr", "fodselsnummer"),
    ("fodselsnr.", "fodselsnummer"),
    ("personnummer", "fodselsnummer"),
    ("dnummer", "fodselsnummer"),
    ("orgnr", "organisasjonsnummer"),
    ("org.nr", "organisasjonsnummer"),
    ("org.nr.", "organisasjonsnummer"),
    ("organisasjonsnr", "organisasjonsnummer"),
    ("organisasjonsnr.", "organisasjonsnummer"),
    ("mottaker", "navn"),
    ("fulltnavn", "navn"),
];

/// The standard column a common heading means ("Adresse", "Postnr", "Fnr", "Org.nr" …), for
/// a normalised heading; `None` for one that is not common.
pub fn common_heading(column: &str) -> Option<&'static str> {
    COMMON_HEADINGS
        .iter()
        .find(|(heading, _)| *heading == column)
        .map(|(_, field)| *field)
}

/// Columns under a common heading become their standard column, unless the list has that
/// column already (then the heading stays a merge field of its own).
fn with_common_headings(columns: Vec<String>) -> Vec<String> {
    let mut out = columns.clone();
    for column in out.iter_mut() {
        if let Some(field) = common_heading(column)
            && !columns.iter().any(|c| c == field)
        {
            *column = field.to_owned();
        }
    }
    out
}

/// Decodes the bytes, guessing the encoding.
pub fn decode(bytes: &[u8]) -> (String, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (
            String::from_utf8_lossy(rest).into_owned(),
            TextEncoding::Utf8Bom,
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), TextEncoding::Utf8),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), TextEncoding::Windows1252)
        }
    }
}

/// The separator used most in the header line (outside quotes); `;` on a tie.
fn detect_separator(text: &str) -> Separator {
    let header = text.lines().next().unwrap_or("");
    let mut counts = [
        (Separator::Semicolon, 0),
        (Separator::Tab, 0),
        (Separator::Comma, 0),
    ];
    let mut quoted = false;
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => counts[0].1 += 1,
            '\t' if !quoted => counts[1].1 += 1,
            ',' if !quoted => counts[2].1 += 1,
            _ => {}
        }
    }
    counts
        .iter()
        .max_by_key(|(_, n)| *n)
        .filter(|(_, n)| *n > 0)
        .map_or(Separator::Semicolon, |(s, _)| *s)
}

/// The largest recipient list read: far above 100 000 rows of ordinary addresses.
pub const MAX_LIST_BYTES: usize = 50_000_000;

/// An imported list, its columns matched to fields by their headers.
pub fn read_recipients(bytes: &[u8]) -> Result<RecipientList, CsvError> {
    read_recipients_mapped(bytes, &[])
}

/// The file's header as written (for choosing which column is which field).
pub fn header_columns(bytes: &[u8]) -> Result<Vec<String>, CsvError> {
    Ok(header_samples(bytes)?
        .into_iter()
        .map(|c| c.header)
        .collect())
}

/// A column of a list, for choosing which field it is: its heading as written, the first
/// row's value (identifiers masked), and the standard field a common heading means.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct ColumnSample {
    /// The heading as written.
    pub header: String,
    /// The first row's value in it, identifiers masked (`010180 *****`); empty when none.
    pub sample: String,
    /// The standard field the heading means ("Adresse" → `adresselinje1`), if it is common.
    pub suggested: Option<String>,
}

/// The list's columns with the first row's values, to choose which column is which field.
pub fn header_samples(bytes: &[u8]) -> Result<Vec<ColumnSample>, CsvError> {
    if bytes.len() > MAX_LIST_BYTES {
        return Err(CsvError::TooLarge(bytes.len() / 1_000_000));
    }
    let (text, _) = decode(bytes);
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(detect_separator(&text).byte())
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CsvError::Malformed {
            row: 1,
            message: e.to_string(),
        })?
        .clone();
    // The first row, if it can be read; a broken one gives no samples, not an error here
    // (reading the list says what is wrong with it).
    let first = reader.records().next().and_then(Result::ok);
    Ok(headers
        .iter()
        .enumerate()
        .map(|(i, header)| {
            let header = header.trim().to_owned();
            ColumnSample {
                sample: first
                    .as_ref()
                    .and_then(|row| row.get(i))
                    .map(|v| crate::mask::text(v.trim()))
                    .unwrap_or_default(),
                suggested: common_heading(&normalise_header(&header)).map(str::to_owned),
                header,
            }
        })
        .collect())
}

/// An imported list where `mapping` names the field of some columns: `("Mottaker", "navn")`
/// makes the column headed "Mottaker" the recipient's name. Other columns keep their headers.
pub fn read_recipients_mapped(
    bytes: &[u8],
    mapping: &[(String, String)],
) -> Result<RecipientList, CsvError> {
    if bytes.len() > MAX_LIST_BYTES {
        return Err(CsvError::TooLarge(bytes.len() / 1_000_000));
    }
    let (text, encoding) = decode(bytes);
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let separator = detect_separator(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator.byte())
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| CsvError::Malformed {
            row: 1,
            message: e.to_string(),
        })?
        .clone();
    let columns: Vec<String> = headers
        .iter()
        .map(|header| {
            let column = normalise_header(header);
            mapping
                .iter()
                .find(|(from, _)| normalise_header(from) == column)
                .map_or(column, |(_, to)| normalise_header(to))
        })
        .collect();
    let columns = with_common_headings(columns);
    for (i, column) in columns.iter().enumerate() {
        if !column.is_empty() && columns[..i].contains(column) {
            return Err(CsvError::DuplicateColumn(column.clone()));
        }
    }
    let has = |name: &str| columns.iter().any(|c| c == name);
    let mut missing: Vec<&str> = ["navn", "adresselinje1", "postnummer", "poststed"]
        .into_iter()
        .filter(|c| !has(c))
        .collect();
    if !has("fodselsnummer") && !has("organisasjonsnummer") {
        missing.insert(0, "fodselsnummer/organisasjonsnummer");
    }
    if !missing.is_empty() {
        return Err(CsvError::MissingColumns(missing.join(", ")));
    }

    let mut list = RecipientList {
        encoding,
        separator,
        columns: columns.clone(),
        recipients: Vec::new(),
        problems: Vec::new(),
        data_rows: 0,
    };
    let mut last_row = 1;
    let mut lines = Lines::new(&text);
    for record in reader.records() {
        let record = record.map_err(|e| CsvError::Malformed {
            row: last_row + 1,
            message: e.to_string(),
        })?;
        // The line where the row starts, counted from the byte offset (the reader's own line
        // count skips blank lines).
        let row = record
            .position()
            .map_or(last_row + 1, |p| lines.line_of(p.byte() as usize));
        last_row = row;
        if record.iter().all(|field| field.trim().is_empty()) {
            continue; // A blank line is not a row.
        }
        list.data_rows += 1;
        if record.len() != columns.len() {
            list.problems.push(RowProblem {
                row,
                column: None,
                problem: Problem::new(K::RowFieldCount)
                    .with("found", record.len())
                    .with("expected", columns.len()),
                message: format!(
                    "the row has {} fields, the header has {} (a separator too many or too few?)",
                    record.len(),
                    columns.len()
                ),
            });
            continue;
        }
        match recipient(row, &columns, &record) {
            Ok(recipient) => list.recipients.push(recipient),
            Err(problems) => list.problems.extend(problems),
        }
    }
    if list.data_rows == 0 {
        return Err(CsvError::NoRows);
    }
    Ok(list)
}

/// The 1-based line where each record starts, from the reader's byte offsets (which point
/// before any blank lines the reader skipped). Records come in order, so each call counts only
/// the newlines since the last: the whole file is scanned once, not once per row.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
        }
    }

    fn line_of(&mut self, byte: usize) -> usize {
        let bytes = self.bytes;
        let mut start = byte.min(bytes.len());
        while start < bytes.len() && (bytes[start] == b'\n' || bytes[start] == b'\r') {
            start += 1;
        }
        if start < self.at {
            // Not expected (offsets only grow); count from the top.
            self.at = 0;
            self.line = 1;
        }
        self.line += bytes[self.at..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.at = start;
        self.line
    }
}

fn recipient(
    row: usize,
    columns: &[String],
    record: &csv::StringRecord,
) -> Result<RecipientRow, Vec<RowProblem>> {
    let get = |name: &str| -> String {
        columns
            .iter()
            .position(|c| c == name)
            .and_then(|i| record.get(i))
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let mut problems = Vec::new();
    let mut problem = |column: &str, said: Problem, message: String| {
        problems.push(RowProblem {
            row,
            column: Some(column.to_owned()),
            // A safety net: any eleven digits that slipped into a message are masked.
            message: mask_text(&message),
            problem: said,
        });
    };
    let (fnr, org) = (get("fodselsnummer"), get("organisasjonsnummer"));
    let identifier = match (fnr.is_empty(), org.is_empty()) {
        (true, true) => {
            problem(
                "fodselsnummer",
                Problem::new(K::RowNoIdentifier),
                "neither fodselsnummer nor organisasjonsnummer is given".into(),
            );
            None
        }
        (false, false) => {
            problem(
                "organisasjonsnummer",
                Problem::new(K::RowBothIdentifiers),
                "both fodselsnummer and organisasjonsnummer are given; give one".into(),
            );
            None
        }
        (false, true) => match Identifier::parse(&fnr) {
            Ok(id @ Identifier::Person(_)) => Some(id),
            Ok(Identifier::Organisation(_)) => {
                problem(
                    "fodselsnummer",
                    Problem::new(K::RowOrganisationAsPerson).with("value", mask_raw(&fnr)),
                    format!(
                        "{} is an organisasjonsnummer, not a fødselsnummer",
                        mask_raw(&fnr)
                    ),
                );
                None
            }
            Err(e) => {
                problem(
                    "fodselsnummer",
                    e.problem(),
                    format!("{}: {e}", mask_raw(&fnr)),
                );
                None
            }
        },
        (true, false) => match Identifier::parse(&org) {
            Ok(id @ Identifier::Organisation(_)) => Some(id),
            Ok(Identifier::Person(_)) => {
                problem(
                    "organisasjonsnummer",
                    Problem::new(K::RowPersonAsOrganisation).with("value", mask_raw(&org)),
                    format!(
                        "{} is a fødselsnummer, not an organisasjonsnummer",
                        mask_raw(&org)
                    ),
                );
                None
            }
            Err(e) => {
                problem(
                    "organisasjonsnummer",
                    e.problem(),
                    format!("{}: {e}", mask_raw(&org)),
                );
                None
            }
        },
    };
    let name = get("navn");
    if name.is_empty() {
        problem(
            "navn",
            Problem::new(K::RowNameEmpty),
            "the name is empty".into(),
        );
    }
    if get("adresselinje1").is_empty() {
        problem(
            "adresselinje1",
            Problem::new(K::RowAddressEmpty),
            "the address is empty (a letter on paper needs it)".into(),
        );
    }
    let (postcode, city, country) = (get("postnummer"), get("poststed"), get("land"));
    let norwegian = country.is_empty()
        || matches!(
            country.to_uppercase().as_str(),
            "NORGE" | "NORWAY" | "NO" | "NOR"
        );
    if norwegian && !(postcode.len() == 4 && postcode.bytes().all(|b| b.is_ascii_digit())) {
        problem(
            "postnummer",
            Problem::new(K::RowPostcodeInvalid).with("value", mask_raw(&postcode)),
            format!(
                "'{}' is not a Norwegian postnummer (four digits)",
                mask_raw(&postcode)
            ),
        );
    }
    if city.is_empty() {
        problem(
            "poststed",
            Problem::new(K::RowCityEmpty),
            "the poststed is empty".into(),
        );
    }
    let Some(identifier) = identifier.filter(|_| problems.is_empty()) else {
        return Err(problems);
    };
    let address_lines: Vec<String> = ["adresselinje1", "adresselinje2", "adresselinje3"]
        .iter()
        .map(|c| get(c))
        .filter(|l| !l.is_empty())
        .collect();
    let mut values = MergeValues::new(
        columns
            .iter()
            .cloned()
            .zip(record.iter().map(|v| v.trim().to_owned())),
    );
    if values.get("adresse").is_none() {
        let mut parts = address_lines.clone();
        parts.push(format!("{postcode} {city}"));
        if !norwegian {
            parts.push(country.clone());
        }
        values.insert("adresse", &parts.join(", "));
    }
    Ok(RecipientRow {
        row,
        identifier,
        name,
        address_lines,
        postcode,
        city,
        country: if norwegian { String::new() } else { country },
        values,
    })
}

#[cfg(test)]
#[path = "recipients_tests.rs"]
mod tests;
