//! A letter ready to render: a template filled in for one recipient on one date.
//!
//! Composition is where the rules about the recipient are kept: the name and postal address go
//! in the envelope window and nowhere else; the identifier is never part of the address; a
//! merge field that is unknown or empty stops the letter (see [`merge`](super::merge)).

use chrono::{Datelike, NaiveDate};

use super::markdown::{Block, Inline, inline};
use super::merge::{MergeError, MergeValues, resolve};
use super::recipients::RecipientRow;
use super::template::{Letterhead, Template, TemplateError};

/// The recipient's name and postal address as printed in the envelope window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Name.
    pub name: String,
    /// Street lines, then "postnummer poststed", then the country when not Norway.
    pub lines: Vec<String>,
}

impl Address {
    /// The address of a recipient-list row.
    pub fn of(row: &RecipientRow) -> Self {
        let mut lines = row.address_lines.clone();
        lines.push(format!("{} {}", row.postcode, row.city).trim().to_owned());
        if !row.country.is_empty() {
            // Posten: the country on the last line, in capitals.
            lines.push(row.country.to_uppercase());
        }
        Self {
            name: row.name.clone(),
            lines,
        }
    }
}

/// A letter with every field filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The letterhead.
    pub letterhead: Letterhead,
    /// Who it goes to (none for a letter not yet addressed, e.g. a template preview).
    pub recipient: Option<Address>,
    /// The letter's date.
    pub date: NaiveDate,
    /// Our reference (saksnummer), when the values have one.
    pub reference: Option<String>,
    /// The title (document title and first heading).
    pub title: String,
    /// The body.
    pub body: Vec<Block>,
    /// The closing, e.g. "Med vennlig hilsen".
    pub closing: String,
    /// Signature lines (name, title, note), empty ones left out.
    pub signature: Vec<String>,
    /// Footer on every page.
    pub footer: Option<String>,
    /// Bokmål or nynorsk (the PDF's language).
    pub language: super::template::Language,
}

/// Why a letter cannot be composed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// The template is not valid.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// Fields cannot be filled.
    #[error(transparent)]
    Merge(#[from] MergeError),
}

/// Fills `template` with `values` (a recipient row's values, or values typed for one letter).
pub fn compose(
    template: &Template,
    values: &MergeValues,
    recipient: Option<Address>,
    date: NaiveDate,
) -> Result<Letter, ComposeError> {
    let body = template.validate()?;
    // Every part is checked before any is filled, so the error lists every missing field.
    // (`validate` has checked every part's markup, so `line` cannot fail here.)
    let line = |text: &str| -> Vec<Block> {
        inline(text, 1)
            .map(|content| vec![Block::Paragraph { content }])
            .unwrap_or_default()
    };
    let mut all = line(&template.title);
    all.extend(body.iter().cloned());
    for part in [
        &template.closing,
        &template.signature.name,
        &template.signature.title,
        &template.signature.note,
    ] {
        all.extend(line(part));
    }
    if let Some(footer) = &template.footer {
        all.extend(line(footer));
    }
    super::merge::check(&all, values)?;

    let text = |s: &str| -> Result<String, ComposeError> { Ok(plain(&resolve(&line(s), values)?)) };
    Ok(Letter {
        letterhead: template.letterhead.clone(),
        recipient,
        date,
        reference: values
            .get("saksnummer")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        title: text(&template.title)?,
        body: resolve(&body, values)?,
        closing: text(&template.closing)?,
        signature: [
            &template.signature.name,
            &template.signature.title,
            &template.signature.note,
        ]
        .into_iter()
        .map(|s| text(s))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect(),
        footer: match &template.footer {
            Some(f) if !f.trim().is_empty() => Some(text(f)?),
            _ => None,
        },
        language: template.language,
    })
}

/// Fills a template for one recipient-list row.
pub fn compose_for(
    template: &Template,
    row: &RecipientRow,
    date: NaiveDate,
) -> Result<Letter, ComposeError> {
    compose(template, &row.values, Some(Address::of(row)), date)
}

/// The text of resolved blocks, markup dropped.
pub fn plain(blocks: &[Block]) -> String {
    fn inlines(out: &mut String, content: &[Inline]) {
        for i in content {
            match i {
                Inline::Text { text } => out.push_str(text),
                Inline::Bold { content } | Inline::Italic { content } => inlines(out, content),
                Inline::Field { name } => out.push_str(name),
            }
        }
    }
    let mut out = String::new();
    for block in blocks {
        if let Block::Paragraph { content } | Block::Heading { content, .. } = block {
            inlines(&mut out, content);
        }
    }
    out.trim().to_owned()
}

/// A date as Norwegian letters write it: "1. desember 2026".
pub fn norwegian_date(date: NaiveDate) -> String {
    const MONTHS: [&str; 12] = [
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember",
    ];
    format!(
        "{}. {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::letters::recipients::read_recipients;
    use crate::letters::template::example;

    fn row() -> RecipientRow {
        let csv = "fodselsnummer;navn;adresselinje1;postnummer;poststed;land;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
                   20914695016;Åse Ødegård;Storgata 1;7300;Orkanger;;praktisk bistand;2026/17;1. januar 2027;1 200;Helse og omsorg;Kari Nordmann\n";
        let mut list = read_recipients(csv.as_bytes()).unwrap();
        assert!(list.problems.is_empty(), "{:?}", list.problems);
        list.recipients.remove(0)
    }

    #[test]
    fn a_row_fills_every_part_and_the_address_has_no_identifier() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let letter = compose_for(&example(), &row(), date).unwrap();
        assert_eq!(letter.title, "Vedtak om praktisk bistand – sak 2026/17");
        assert_eq!(letter.reference.as_deref(), Some("2026/17"));
        assert_eq!(
            letter.signature,
            [
                "Kari Nordmann",
                "saksbehandler, Helse og omsorg",
                "Dokumentet er elektronisk godkjent og har derfor ingen signatur."
            ]
        );
        let address = letter.recipient.unwrap();
        assert_eq!(address.name, "Åse Ødegård");
        assert_eq!(address.lines, ["Storgata 1", "7300 Orkanger"]);
    }

    #[test]
    fn a_missing_field_anywhere_stops_the_letter_and_lists_every_one() {
        let mut values = row().values;
        values.insert("saksbehandler", " ");
        let mut template = example();
        template.footer = Some("{{kontor}}".into());
        let error = compose(&template, &values, None, NaiveDate::default()).unwrap_err();
        let ComposeError::Merge(error) = error else {
            panic!("{error:?}")
        };
        assert_eq!(error.unknown, ["kontor"]);
        assert_eq!(error.empty, ["saksbehandler"]);
    }

    #[test]
    fn dates_are_written_the_norwegian_way() {
        let date = NaiveDate::from_ymd_opt(2027, 1, 9).unwrap();
        assert_eq!(norwegian_date(date), "9. januar 2027");
    }
}
