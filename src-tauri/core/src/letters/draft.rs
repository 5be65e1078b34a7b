//! What a draft holds to become a letter (beyond its title, body and recipient, which the store
//! keeps in columns of their own), and how a draft is composed into a [`Letter`]: the template
//! gives the letterhead, closing, signature and footer; the draft gives the title and body; the
//! recipient list's row — or the single recipient typed in — gives the address and values.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::compose::{Address, ComposeError, Letter, compose};
use super::merge::MergeValues;
use super::package::{Attachment, AttachmentMode};
use super::recipients::{CsvError, RecipientList, read_recipients_mapped};
use super::template::{FORMAT, Letterhead, SignatureBlock, Template};
use crate::ident::Fnr;

/// A merge value typed for a single letter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FieldValue {
    /// The field name, e.g. `saksnummer`.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// An attachment kept with a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct DraftAttachment {
    /// The file name the recipient sees.
    pub file_name: String,
    /// The PDF, base64.
    pub pdf_base64: String,
}

/// The draft's letter part.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct DraftLetter {
    /// The template giving letterhead, closing, signature and footer (`null`: none).
    pub template_id: Option<String>,
    /// The single recipient's street lines (1–3).
    pub address_lines: Vec<String>,
    /// The single recipient's postnummer.
    pub postcode: String,
    /// The single recipient's poststed.
    pub city: String,
    /// Values for the single letter's other merge fields.
    pub fields: Vec<FieldValue>,
    /// An imported recipient list (the file as imported, base64): a mass mailing.
    pub recipients_csv_base64: Option<String>,
    /// The list's file name, for display.
    pub recipients_file_name: Option<String>,
    /// Columns whose header is not the field's name: `name` is the header, `value` the field.
    pub column_map: Vec<FieldValue>,
    /// Attachments.
    pub attachments: Vec<DraftAttachment>,
    /// How attachments travel.
    pub attachment_mode: AttachmentMode,
    /// The case it is archived in (what is empty comes from the template, then the settings).
    pub case: super::case::CaseMetadata,
    /// Sensitive: only the recipient may read it, after logging in at level 4 (BankID and the
    /// like); the files are encrypted for SvarUt before they leave.
    pub sensitive: bool,
}

/// Why a draft cannot be made into a letter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftError {
    /// The stored recipient list cannot be read.
    #[error("the recipient list: {0}")]
    Recipients(#[from] CsvError),
    /// The list kept with the draft is not readable (not base64).
    #[error("the recipient list stored with the draft is damaged; import it again")]
    StoredList,
    /// A row that is not in the list or not usable.
    #[error("row {0} is not a usable recipient of the list")]
    NoSuchRow(usize),
    /// An attachment that is not base64.
    #[error("the attachment {0} is damaged in the draft; attach it again")]
    Attachment(String),
    /// Fields or template.
    #[error(transparent)]
    Compose(#[from] ComposeError),
}

/// The draft's text parts.
#[derive(Debug, Clone, Copy)]
pub struct DraftText<'a> {
    /// Title.
    pub title: &'a str,
    /// Body.
    pub body: &'a str,
    /// The single recipient's number.
    pub recipient_fnr: Option<&'a Fnr>,
    /// The single recipient's name.
    pub recipient_name: &'a str,
}

impl DraftLetter {
    /// The imported recipient list, if any.
    pub fn recipients(&self) -> Result<Option<RecipientList>, DraftError> {
        let Some(bytes) = self.recipients_file()? else {
            return Ok(None);
        };
        Ok(Some(read_recipients_mapped(&bytes, &self.mapping())?))
    }

    /// The imported recipient list's file as imported, if any.
    pub fn recipients_file(&self) -> Result<Option<Vec<u8>>, DraftError> {
        self.recipients_csv_base64
            .as_ref()
            .map(|b64| STANDARD.decode(b64).map_err(|_| DraftError::StoredList))
            .transpose()
    }

    /// The column map as (header, field) pairs.
    pub fn mapping(&self) -> Vec<(String, String)> {
        self.column_map
            .iter()
            .filter(|m| !m.value.trim().is_empty())
            .map(|m| (m.name.clone(), m.value.clone()))
            .collect()
    }

    /// The attachments as files.
    pub fn attachment_files(&self) -> Result<Vec<Attachment>, DraftError> {
        self.attachments
            .iter()
            .map(|a| {
                Ok(Attachment {
                    file_name: a.file_name.clone(),
                    bytes: STANDARD
                        .decode(&a.pdf_base64)
                        .map_err(|_| DraftError::Attachment(a.file_name.clone()))?,
                })
            })
            .collect()
    }

    /// The merge fields the letter uses (template parts, title and body), in order of first
    /// use, and which of them the recipient (the list's row, or the single recipient's form)
    /// already provides.
    pub fn fields_used(
        &self,
        text: DraftText<'_>,
        template: Option<&Template>,
    ) -> Result<Vec<String>, super::template::TemplateError> {
        use super::markdown::{Block, fields, inline, parse};
        use super::template::TemplateError;
        let t = effective_template(text, template);
        let line = |part: &'static str, text: &str| {
            inline(text, 1)
                .map(|content| Block::Paragraph { content })
                .map_err(|error| TemplateError::Markdown { part, error })
        };
        let mut blocks = vec![line("title", &t.title)?];
        blocks.extend(parse(&t.body).map_err(|error| TemplateError::Markdown {
            part: "body",
            error,
        })?);
        for (part, text) in [
            ("closing", &t.closing),
            ("signature", &t.signature.name),
            ("signature", &t.signature.title),
            ("signature", &t.signature.note),
        ] {
            blocks.push(line(part, text)?);
        }
        if let Some(footer) = &t.footer {
            blocks.push(line("footer", footer)?);
        }
        Ok(fields(&blocks))
    }

    /// Composes the letter: for `row` of the recipient list, or for the single recipient.
    pub fn compose(
        &self,
        text: DraftText<'_>,
        template: Option<&Template>,
        row: Option<usize>,
        date: NaiveDate,
    ) -> Result<Letter, DraftError> {
        let template = effective_template(text, template);
        if let Some(list) = self.recipients()? {
            let recipient = match row {
                Some(row) => list.recipients.iter().find(|r| r.row == row),
                None => list.recipients.first(),
            }
            .ok_or(DraftError::NoSuchRow(row.unwrap_or(2)))?;
            // Shared values ("Felles verdier for alle mottakere") fill the fields the list
            // lacks; the list's own columns win.
            let mut recipient = recipient.clone();
            for field in &self.fields {
                if recipient.values.get(&field.name).is_none() && !field.value.trim().is_empty() {
                    recipient.values.insert(&field.name, &field.value);
                }
            }
            return Ok(super::compose::compose_for(&template, &recipient, date)?);
        }
        let mut values = MergeValues::new(
            self.fields
                .iter()
                .map(|f| (f.name.clone(), f.value.clone())),
        );
        let name = text.recipient_name.trim();
        let lines: Vec<String> = self
            .address_lines
            .iter()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect();
        for (i, line) in lines.iter().enumerate() {
            values.insert(&format!("adresselinje{}", i + 1), line);
        }
        values.insert("navn", name);
        values.insert("postnummer", self.postcode.trim());
        values.insert("poststed", self.city.trim());
        if let Some(fnr) = text.recipient_fnr {
            values.insert("fodselsnummer", fnr.expose());
        }
        let place = format!("{} {}", self.postcode.trim(), self.city.trim())
            .trim()
            .to_owned();
        let mut one_line = lines.clone();
        if !place.is_empty() {
            one_line.push(place.clone());
        }
        values.insert("adresse", &one_line.join(", "));
        let address = (!name.is_empty() && !lines.is_empty() && !place.is_empty()).then(|| {
            let mut all = lines;
            all.push(place);
            Address {
                name: name.to_owned(),
                lines: all,
            }
        });
        Ok(compose(&template, &values, address, date)?)
    }
}

/// The template with the draft's title and body (or a plain one when none is chosen).
fn effective_template(text: DraftText<'_>, template: Option<&Template>) -> Template {
    let base = template.cloned().unwrap_or_else(|| Template {
        format: FORMAT,
        name: String::new(),
        letterhead: Letterhead::default(),
        title: String::new(),
        body: String::new(),
        closing: "Med vennlig hilsen".into(),
        signature: SignatureBlock::default(),
        footer: None,
        kind: super::template::LetterKind::Ordinary,
        case: super::case::CaseMetadata::default(),
        sensitive: false,
        language: super::template::Language::Nb,
    });
    Template {
        name: if base.name.is_empty() {
            "utkast".into()
        } else {
            base.name.clone()
        },
        title: text.title.to_owned(),
        body: text.body.to_owned(),
        ..base
    }
}

/// Fields a single recipient's form fills in itself (not typed as merge values).
pub const RECIPIENT_FIELDS: [&str; 8] = [
    "navn",
    "adresse",
    "adresselinje1",
    "adresselinje2",
    "adresselinje3",
    "postnummer",
    "poststed",
    "fodselsnummer",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::letters::template::example;

    fn text<'a>(body: &'a str, fnr: Option<&'a Fnr>) -> DraftText<'a> {
        DraftText {
            title: "Vedtak {{saksnummer}}",
            body,
            recipient_fnr: fnr,
            recipient_name: "Åse Ødegård",
        }
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn a_list_takes_shared_values_for_the_fields_it_lacks() {
        let csv = "fodselsnummer;navn;adresselinje1;postnummer;poststed;saksnummer\n\
                   20914695016;Åse Ødegård;Storgata 1;7300;ORKANGER;2026/1\n";
        let draft = DraftLetter {
            recipients_csv_base64: Some(STANDARD.encode(csv)),
            fields: vec![
                FieldValue {
                    name: "saksbehandler".into(),
                    value: "Kari Klerk".into(),
                },
                FieldValue {
                    name: "saksnummer".into(),
                    value: "ignored: the list has it".into(),
                },
            ],
            ..DraftLetter::default()
        };
        let letter = draft
            .compose(
                text("Hilsen {{saksbehandler}}.", None),
                None,
                Some(2),
                date(),
            )
            .unwrap();
        assert_eq!(letter.title, "Vedtak 2026/1");
        let body = crate::letters::compose::plain(&letter.body);
        assert!(body.contains("Hilsen Kari Klerk."), "{body}");
    }

    #[test]
    fn a_single_letter_takes_its_address_and_typed_values() {
        let draft = DraftLetter {
            address_lines: vec!["Storgata 1".into(), " ".into()],
            postcode: "7300".into(),
            city: "Orkanger".into(),
            fields: vec![FieldValue {
                name: "saksnummer".into(),
                value: "2026/9".into(),
            }],
            ..DraftLetter::default()
        };
        let letter = draft
            .compose(text("Hei {{navn}}, {{adresse}}.", None), None, None, date())
            .unwrap();
        assert_eq!(letter.title, "Vedtak 2026/9");
        let address = letter.recipient.unwrap();
        assert_eq!(address.lines, ["Storgata 1", "7300 Orkanger"]);
        assert_eq!(letter.closing, "Med vennlig hilsen");
        let body = crate::letters::compose::plain(&letter.body);
        assert_eq!(body, "Hei Åse Ødegård, Storgata 1, 7300 Orkanger.");
    }

    #[test]
    fn a_mass_mailing_takes_the_rows_values_and_the_templates_letterhead() {
        let csv = "fodselsnummer;navn;adresselinje1;postnummer;poststed;saksnummer;avdeling;saksbehandler\n\
                   20914695016;Åse;Gata 1;7300;Orkanger;2026/1;Helse;Kari\n\
                   30910099686;Liv;Gata 2;7300;Orkanger;2026/2;Helse;Kari\n";
        let draft = DraftLetter {
            recipients_csv_base64: Some(STANDARD.encode(csv)),
            ..DraftLetter::default()
        };
        let letter = draft
            .compose(
                text("Hei {{navn}}.", None),
                Some(&example()),
                Some(3),
                date(),
            )
            .unwrap();
        assert_eq!(letter.title, "Vedtak 2026/2");
        assert_eq!(letter.letterhead.municipality, "Sandkasse kommune");
        assert_eq!(crate::letters::compose::plain(&letter.body), "Hei Liv.");
        assert_eq!(
            draft.compose(text("x", None), None, Some(9), date()),
            Err(DraftError::NoSuchRow(9))
        );
    }

    #[test]
    fn the_fields_used_come_from_template_title_and_body() {
        let fields = DraftLetter::default()
            .fields_used(
                text("Hei {{navn}}, frist {{frist}}.", None),
                Some(&example()),
            )
            .unwrap();
        assert_eq!(
            fields,
            ["saksnummer", "navn", "frist", "saksbehandler", "avdeling"]
        );
        // A new, empty draft uses no fields; a broken field is an error with its place.
        let empty = DraftText {
            title: "",
            body: "",
            recipient_fnr: None,
            recipient_name: "",
        };
        assert!(
            DraftLetter::default()
                .fields_used(empty, None)
                .unwrap()
                .is_empty()
        );
        assert!(
            DraftLetter::default()
                .fields_used(text("{{navn", None), None)
                .is_err()
        );
    }

    #[test]
    fn a_missing_value_names_the_field() {
        let error = DraftLetter::default()
            .compose(text("{{frist}}", None), None, None, date())
            .unwrap_err();
        assert!(error.to_string().contains("saksnummer, frist"), "{error}");
    }
}
