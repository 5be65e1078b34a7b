//! Letter templates: letterhead, title, body, closing, signature and footer. Saved in the
//! store, duplicated, and exported/imported as a TOML file (`*.kpmal.toml`) that IT staff can
//! read and edit. Title, body and closing may use merge fields.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::markdown::{Block, MarkdownError, fields, inline, parse};
use crate::ident::OrgNr;

/// File format version written by this program.
pub const FORMAT: u32 = 1;
/// Largest logo accepted.
pub const MAX_LOGO_BYTES: usize = 1024 * 1024;

/// The municipality's letterhead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default, deny_unknown_fields)]
pub struct Letterhead {
    /// E.g. "Sandkasse kommune".
    pub municipality: String,
    /// Visiting address, e.g. "Rådhusgata 1, 7300 Orkanger".
    pub visiting_address: String,
    /// Postal address, e.g. "Postboks 1, 7301 Orkanger".
    pub postal_address: String,
    /// Organisasjonsnummer.
    pub org_number: String,
    /// E.g. "Telefon 72 00 00 00 · postmottak@kommune.no".
    pub contact_line: String,
    /// The logo, PNG or JPEG, base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_base64: Option<String>,
}

/// Who signs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default, deny_unknown_fields)]
pub struct SignatureBlock {
    /// Name, e.g. "Kari Nordmann".
    pub name: String,
    /// Title, e.g. "saksbehandler".
    pub title: String,
    /// A line under the signature, e.g. "Dokumentet er elektronisk godkjent og har ingen signatur."
    pub note: String,
}

/// A letter template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
// A key this program does not know is a typing error in a shared file, not something to drop
// silently (its text would be missing from every letter).
#[serde(deny_unknown_fields)]
pub struct Template {
    /// File format version.
    #[serde(default = "format_version")]
    pub format: u32,
    /// Name in the template list.
    pub name: String,
    /// The letterhead.
    #[serde(default)]
    pub letterhead: Letterhead,
    /// The letter's title (merge fields allowed).
    pub title: String,
    /// The body (the Markdown subset, merge fields allowed).
    pub body: String,
    /// The closing, e.g. "Med vennlig hilsen" (merge fields allowed).
    #[serde(default)]
    pub closing: String,
    /// Who signs.
    #[serde(default)]
    pub signature: SignatureBlock,
    /// Footer text on every page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    /// What letters from it are: a decision or advance notice is followed up when not read
    /// (eFvf § 8); the send panel starts with it.
    #[serde(default)]
    pub kind: LetterKind,
    /// The case metadata letters from it start with (what is empty comes from the settings).
    #[serde(default, skip_serializing_if = "super::case::CaseMetadata::is_empty")]
    pub case: super::case::CaseMetadata,
    /// Letters from it are sensitive by default (level-4 login, encrypted).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// Bokmål (`nb`, the default) or nynorsk (`nn`).
    #[serde(default, skip_serializing_if = "Language::is_default")]
    pub language: Language,
}

fn format_version() -> u32 {
    FORMAT
}

/// The written language of a template's letters: bokmål or nynorsk. It sets the PDF's `/Lang`
/// and the XMP language. (The phrases Kommunepost adds itself — "Dato", "Saksnr.",
/// "Postadresse", "Besøksadresse", "Org.nr.", "Side 1 av 2" — and the date words are the same
/// in both.)
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    /// Bokmål.
    #[default]
    Nb,
    /// Nynorsk.
    Nn,
}

impl Language {
    /// The BCP 47 tag letters carry, e.g. `nb-NO`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Nb => "nb-NO",
            Self::Nn => "nn-NO",
        }
    }

    /// Whether this is bokmål (the default, left out of template files).
    pub fn is_default(&self) -> bool {
        *self == Self::Nb
    }
}

/// What kind of letter: a decision (enkeltvedtak) or advance notice (forhåndsvarsel) must be
/// read within a week or the party notified again (eFvf § 8); others are not followed up.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum LetterKind {
    /// An ordinary letter.
    #[default]
    Ordinary,
    /// An individual decision (enkeltvedtak).
    Vedtak,
    /// An advance notice (forhåndsvarsel, fvl § 16).
    Forhandsvarsel,
}

impl LetterKind {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ordinary => "ordinary",
            Self::Vedtak => "vedtak",
            Self::Forhandsvarsel => "forhandsvarsel",
        }
    }

    /// From its stored name; anything else is ordinary.
    pub fn parse(text: &str) -> Self {
        match text {
            "vedtak" => Self::Vedtak,
            "forhandsvarsel" => Self::Forhandsvarsel,
            _ => Self::Ordinary,
        }
    }
}

/// A template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The file is not a template.
    #[error("the file is not a Kommunepost template: {0}")]
    NotATemplate(String),
    /// Written by a newer program.
    #[error(
        "the template has format {0}, newer than this program knows ({FORMAT}); update Kommunepost"
    )]
    TooNew(u32),
    /// A required part is empty.
    #[error("the template's {0} is empty")]
    Empty(&'static str),
    /// The body (or title/closing) is not valid.
    #[error("the template's {part}: {error}")]
    Markdown {
        /// Which part.
        part: &'static str,
        /// What is wrong.
        error: MarkdownError,
    },
    /// The organisation number is invalid.
    #[error("the letterhead's organisation number: {0}")]
    OrgNumber(String),
    /// The logo is not usable.
    #[error("the logo: {0}")]
    Logo(String),
    /// The case metadata is not usable.
    #[error("the template's case metadata: {0}")]
    Case(#[from] super::case::CaseError),
}

impl Template {
    /// Checks every part; returns the parsed body.
    pub fn validate(&self) -> Result<Vec<Block>, TemplateError> {
        if self.format > FORMAT {
            return Err(TemplateError::TooNew(self.format));
        }
        if self.name.trim().is_empty() {
            return Err(TemplateError::Empty("name"));
        }
        if self.title.trim().is_empty() {
            return Err(TemplateError::Empty("title"));
        }
        if self.body.trim().is_empty() {
            return Err(TemplateError::Empty("body"));
        }
        self.case.validate()?;
        let body = parse(&self.body).map_err(|error| TemplateError::Markdown {
            part: "body",
            error,
        })?;
        inline(&self.title, 1).map_err(|error| TemplateError::Markdown {
            part: "title",
            error,
        })?;
        for (part, text) in [
            ("closing", &self.closing),
            ("signature", &self.signature.name),
            ("signature", &self.signature.title),
            ("signature", &self.signature.note),
            ("footer", self.footer.as_ref().unwrap_or(&String::new())),
        ] {
            inline(text, 1).map_err(|error| TemplateError::Markdown { part, error })?;
        }
        let org = self.letterhead.org_number.replace(' ', "");
        if !org.is_empty() {
            OrgNr::parse(&org).map_err(|e| TemplateError::OrgNumber(e.to_string()))?;
        }
        if let Some(logo) = &self.letterhead.logo_base64 {
            logo_kind(logo)?;
        }
        Ok(body)
    }

    /// The merge fields the template uses (title, body, closing, signature, footer), in order
    /// of first use.
    pub fn fields(&self) -> Result<Vec<String>, TemplateError> {
        let line = |part: &'static str, text: &str| {
            inline(text, 1)
                .map(|content| Block::Paragraph { content })
                .map_err(|error| TemplateError::Markdown { part, error })
        };
        let mut blocks = vec![line("title", &self.title)?];
        blocks.extend(self.validate()?);
        blocks.push(line("closing", &self.closing)?);
        blocks.push(line("signature", &self.signature.name)?);
        blocks.push(line("signature", &self.signature.title)?);
        blocks.push(line("signature", &self.signature.note)?);
        if let Some(footer) = &self.footer {
            blocks.push(line("footer", footer)?);
        }
        Ok(fields(&blocks))
    }

    /// The template as a template file.
    pub fn to_file(&self) -> String {
        toml::to_string_pretty(self).expect("a template serialises")
    }

    /// Reads and validates a template file.
    pub fn from_file(bytes: &[u8]) -> Result<Self, TemplateError> {
        // A body of 1 MB and a logo of 1 MiB (in base64) fit with room to spare.
        const MAX_TEMPLATE_BYTES: usize = 4_000_000;
        if bytes.len() > MAX_TEMPLATE_BYTES {
            return Err(TemplateError::NotATemplate(format!(
                "it is {} MB; a template is at most {} MB",
                bytes.len() / 1_000_000,
                MAX_TEMPLATE_BYTES / 1_000_000
            )));
        }
        let text = std::str::from_utf8(bytes)
            .map_err(|_| TemplateError::NotATemplate("it is not UTF-8 text".into()))?;
        let template: Self = toml::from_str(text.trim_start_matches('\u{feff}'))
            .map_err(|e| TemplateError::NotATemplate(e.message().to_owned()))?;
        template.validate()?;
        Ok(template)
    }
}

/// `image/png` or `image/jpeg` from the logo's bytes.
pub fn logo_kind(base64: &str) -> Result<&'static str, TemplateError> {
    let bytes = STANDARD
        .decode(base64.trim())
        .map_err(|_| TemplateError::Logo("it is not base64".into()))?;
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(TemplateError::Logo(format!(
            "{} KiB; at most {} KiB",
            bytes.len() / 1024,
            MAX_LOGO_BYTES / 1024
        )));
    }
    let kind = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        return Err(TemplateError::Logo(
            "only PNG and JPEG logos are supported".into(),
        ));
    };
    // Read it now, within its limits (size in pixels, a whole image), so a broken or
    // oversized logo is refused when the template is imported, not when a letter is made.
    crate::letters::pdf::logo::Logo::read(&bytes)
        .map_err(|e| TemplateError::Logo(e.to_string()))?;
    Ok(kind)
}

/// A complete example: a decision letter using the standard recipient columns.
pub fn example() -> Template {
    Template {
        format: FORMAT,
        name: "Vedtak – eksempel".into(),
        letterhead: Letterhead {
            municipality: "Sandkasse kommune".into(),
            visiting_address: "Rådhusgata 1, 7300 Orkanger".into(),
            postal_address: "Postboks 1, 7301 Orkanger".into(),
            org_number: "910753614".into(),
            contact_line: "Telefon 72 00 00 00 · postmottak@sandkasse.kommune.no".into(),
            logo_base64: None,
        },
        title: "Vedtak om {{tjeneste}} – sak {{saksnummer}}".into(),
        body: "Vi viser til søknaden din om {{tjeneste}}.\n\n\
               ## Vedtak\n\n\
               Du har fått **innvilget** søknaden. Vedtaket gjelder fra {{fra_dato}}.\n\n\
               ## Begrunnelse\n\n\
               - Søknaden er komplett.\n\
               - Du oppfyller vilkårene i forskriften.\n\n\
               | Periode | Beløp |\n\
               |---|---|\n\
               | Per måned | {{belop}} kr |\n\n\
               ## Klage\n\n\
               Du kan klage på vedtaket innen tre uker fra du mottok dette brevet. \
               Klagen sendes til {{avdeling}}.\n"
            .into(),
        closing: "Med vennlig hilsen".into(),
        signature: SignatureBlock {
            name: "{{saksbehandler}}".into(),
            title: "saksbehandler, {{avdeling}}".into(),
            note: "Dokumentet er elektronisk godkjent og har derfor ingen signatur.".into(),
        },
        footer: Some("Sandkasse kommune · Org.nr. 910 753 614 · www.sandkasse.kommune.no".into()),
        kind: LetterKind::Vedtak,
        case: super::case::CaseMetadata::default(),
        sensitive: false,
        language: Language::Nb,
    }
}

/// The example in nynorsk: the same letter, fields and letterhead.
pub fn example_nynorsk() -> Template {
    Template {
        name: "Vedtak – døme (nynorsk)".into(),
        body: "Vi viser til søknaden din om {{tjeneste}}.\n\n\
               ## Vedtak\n\n\
               Du har fått **innvilga** søknaden. Vedtaket gjeld frå {{fra_dato}}.\n\n\
               ## Grunngjeving\n\n\
               - Søknaden er fullstendig.\n\
               - Du oppfyller vilkåra i forskrifta.\n\n\
               | Periode | Beløp |\n\
               |---|---|\n\
               | Per månad | {{belop}} kr |\n\n\
               ## Klage\n\n\
               Du kan klage på vedtaket innan tre veker frå du fekk dette brevet. \
               Klaga skal sendast til {{avdeling}}.\n"
            .into(),
        closing: "Med venleg helsing".into(),
        signature: SignatureBlock {
            name: "{{saksbehandler}}".into(),
            title: "saksbehandlar, {{avdeling}}".into(),
            note: "Dokumentet er elektronisk godkjent og har difor ingen signatur.".into(),
        },
        language: Language::Nn,
        ..example()
    }
}

/// The example as a documented file: the fields explained in comments above the template.
pub fn example_file() -> String {
    let mut out = String::from(
        "# Kommunepost letter template (format 1).\n\
         #\n\
         # Merge fields are written {{name}}. The standard recipient columns are\n\
         #   fodselsnummer or organisasjonsnummer, navn, adresselinje1, adresselinje2, adresselinje3,\n\
         #   postnummer, poststed, land\n\
         # and {{adresse}} is the address on one line. Every other column of a recipient list is a\n\
         # field named by its header (case, spaces, _ and -, and æ/ø/å do not matter). An unknown or\n\
         # empty field stops the letter before it is made.\n\
         # The recipient's name and postal address are placed in the envelope window by\n\
         # Kommunepost itself; the fødselsnummer is printed only where the template asks for it.\n\
         #\n\
         # body uses a small Markdown subset: blank line = new paragraph; # ## ### headings;\n\
         # **bold**, *italic*; '- ' bullets; '1. ' numbered lists; | simple | tables | with a\n\
         # |---|---| line under the header; \\* \\_ \\{ for the characters themselves.\n\
         #\n\
         # letterhead.logo_base64 may hold a PNG or JPEG logo (at most 1 MiB), base64.\n\n",
    );
    out.push_str(&example().to_file());
    out
}

/// The nynorsk example as a documented file (`language = "nn"`).
pub fn example_nynorsk_file() -> String {
    example_file().replace(&example().to_file(), &example_nynorsk().to_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nynorsk_example_uses_the_same_fields_and_says_it_is_nynorsk() {
        let template = example_nynorsk();
        template.validate().unwrap();
        assert_eq!(template.fields().unwrap(), example().fields().unwrap());
        assert_eq!(template.language, Language::Nn);
        let file = example_nynorsk_file();
        assert!(file.contains("language = \"nn\""), "{file}");
        assert_eq!(Template::from_file(file.as_bytes()).unwrap(), template);
        // Bokmål is the default and is left out of files.
        assert!(!example_file().contains("language"));
    }

    #[test]
    fn the_example_is_valid_and_uses_the_documented_fields() {
        let template = example();
        template.validate().unwrap();
        assert_eq!(
            template.fields().unwrap(),
            [
                "tjeneste",
                "saksnummer",
                "fra_dato",
                "belop",
                "avdeling",
                "saksbehandler"
            ]
        );
    }

    #[test]
    fn the_example_file_round_trips_with_its_comments() {
        let file = example_file();
        assert!(file.contains("# Kommunepost letter template"));
        assert_eq!(Template::from_file(file.as_bytes()).unwrap(), example());
    }

    #[test]
    fn bad_templates_say_what_is_wrong() {
        assert!(matches!(
            Template::from_file(b"\xff\xfe"),
            Err(TemplateError::NotATemplate(_))
        ));
        assert!(matches!(
            Template::from_file(b"name = 1"),
            Err(TemplateError::NotATemplate(_))
        ));
        let mut t = example();
        t.body = "Hei {{navn".into();
        assert!(matches!(
            t.validate(),
            Err(TemplateError::Markdown { part: "body", .. })
        ));
        let mut t = example();
        t.letterhead.org_number = "123456784".into();
        assert!(matches!(t.validate(), Err(TemplateError::OrgNumber(_))));
        let mut t = example();
        t.letterhead.logo_base64 = Some(STANDARD.encode(b"GIF89a...."));
        assert!(
            t.validate()
                .unwrap_err()
                .to_string()
                .contains("PNG and JPEG")
        );
        let mut t = example();
        t.footer = Some("Kontor {{kontor".into());
        assert!(matches!(
            t.validate(),
            Err(TemplateError::Markdown { part: "footer", .. })
        ));
        let mut t = example();
        t.signature.note = "**uklar".into();
        assert!(matches!(
            t.validate(),
            Err(TemplateError::Markdown {
                part: "signature",
                ..
            })
        ));
        let mut t = example();
        t.format = 9;
        assert_eq!(t.validate(), Err(TemplateError::TooNew(9)));
        let mut t = example();
        t.title = " ".into();
        assert_eq!(t.validate(), Err(TemplateError::Empty("title")));
    }

    #[test]
    fn a_file_larger_than_any_template_is_refused_before_it_is_parsed() {
        let huge = format!("format = 1\nname = \"{}\"\n", "x".repeat(4_000_001));
        let error = Template::from_file(huge.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("at most 4 MB"), "{error}");
    }

    #[test]
    fn png_and_jpeg_logos_are_recognised_and_read_within_their_limits() {
        let mut png = Vec::new();
        {
            let mut encoder = ::png::Encoder::new(&mut png, 2, 1);
            encoder.set_color(::png::ColorType::Rgb);
            encoder.set_depth(::png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(&[255, 0, 0, 0, 0, 255]).unwrap();
        }
        assert_eq!(logo_kind(&STANDARD.encode(&png)).unwrap(), "image/png");
        // SOI, APP0 (length 4), SOF0 with 16 × 8, 3 components.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00];
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 8, 0, 8, 0, 16, 3]);
        jpeg.extend_from_slice(&[0; 12]);
        assert_eq!(logo_kind(&STANDARD.encode(&jpeg)).unwrap(), "image/jpeg");
        // Only the signature of a PNG, or one that claims 100 000 × 100 000 pixels: refused.
        assert!(logo_kind(&STANDARD.encode(b"\x89PNG\r\n\x1a\nrest")).is_err());
        let mut huge = png.clone();
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        assert!(logo_kind(&STANDARD.encode(&huge)).is_err());
    }
}
