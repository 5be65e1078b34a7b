//! The case a letter belongs to, as the municipality's archive records it (Noark 5, Fiks
//! Arkiv): the case (saksår/sekvensnummer, or a new case and its title), the document type, the
//! case officer and unit, the title the public journal shows, and what is screened and why.
//!
//! A draft, a mass mailing and a template each carry one; [`CaseMetadata::or`] fills what one
//! leaves empty from the next (draft → template → the settings' defaults), so a clerk sets the
//! usual values once.

use serde::{Deserialize, Serialize};

/// The longest text kept in a case field (Fiks Arkiv's titles allow more; a clerk's need not).
pub const MAX_FIELD_CHARS: usize = 1000;

/// Which parts of a journal post the public journal does not show (Noark 5
/// `skjermingMetadata`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ScreenedPart {
    /// The title (`tittel`): the public journal shows the public title.
    Title,
    /// The recipient's name and address (`korrespondansepart`).
    Recipient,
    /// The documents themselves (`dokumentbeskrivelse`).
    Documents,
}

impl ScreenedPart {
    /// Every part, in the order shown.
    pub const ALL: [Self; 3] = [Self::Title, Self::Recipient, Self::Documents];

    /// The Noark 5 `skjermingMetadata` name.
    pub fn noark(self) -> &'static str {
        match self {
            Self::Title => "tittel",
            Self::Recipient => "korrespondansepart",
            Self::Documents => "dokumentbeskrivelse",
        }
    }
}

/// Screening (Noark 5 `skjerming`): the access restriction, its legal basis and the parts
/// screened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct Screening {
    /// `tilgangsrestriksjon`, e.g. `13` (taushetsplikt); empty: not screened.
    pub restriction: String,
    /// `skjermingshjemmel`, e.g. "Offl. § 13 jf. fvl. § 13".
    pub authority: String,
    /// What is screened.
    pub parts: Vec<ScreenedPart>,
}

impl Screening {
    /// Whether anything is screened.
    pub fn is_screened(&self) -> bool {
        !self.restriction.trim().is_empty()
    }

    /// Whether `part` is screened.
    pub fn screens(&self, part: ScreenedPart) -> bool {
        self.is_screened() && self.parts.contains(&part)
    }
}

/// A letter's case metadata. Every field may be empty; [`CaseMetadata::or`] fills it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct CaseMetadata {
    /// Saksår of an existing case.
    pub case_year: Option<i32>,
    /// Sakssekvensnummer of an existing case.
    pub case_sequence: Option<i64>,
    /// The title of a new case (when no case number is given); empty: the letter's title.
    pub new_case_title: String,
    /// Noark 5 `dokumenttype`, e.g. `B` (brev).
    pub document_type: String,
    /// The case officer (saksbehandler).
    pub case_officer: String,
    /// The administrative unit.
    pub unit: String,
    /// The title without personal data, for the public journal.
    pub public_title: String,
    /// What is screened, and why.
    pub screening: Screening,
}

/// Why case metadata cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// Only one of saksår and sekvensnummer.
    #[error("a case number needs both the year and the sequence number (e.g. 2026/123)")]
    HalfCaseNumber,
    /// A year outside Noark's range.
    #[error("the case year {0} is not a year between 1900 and 2999")]
    CaseYear(i32),
    /// A sequence number below 1.
    #[error("the case sequence number must be 1 or more")]
    CaseSequence,
    /// A case number written in a form that is not `year/number`.
    #[error("«{0}» is not a case number; write it as year/number, e.g. 2026/123")]
    Unreadable(String),
    /// A restriction without its legal basis.
    #[error("a screened letter needs its legal basis (hjemmel), e.g. «Offl. § 13 jf. fvl. § 13»")]
    NoAuthority,
    /// Screened, but nothing is said to be screened.
    #[error("say which parts are screened: the title, the recipient or the documents")]
    NoParts,
    /// Screened title without a public title.
    #[error("a screened title needs a public title (offentlig tittel) without personal data")]
    NoPublicTitle,
    /// A field longer than allowed.
    #[error("the {0} is longer than {MAX_FIELD_CHARS} characters")]
    TooLong(&'static str),
}

impl CaseMetadata {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Fills every field this one leaves empty from `defaults` (a case number and the
    /// screening are taken as a whole).
    pub fn or(&self, defaults: &CaseMetadata) -> CaseMetadata {
        let text = |mine: &str, theirs: &str| {
            if mine.trim().is_empty() {
                theirs.trim().to_owned()
            } else {
                mine.trim().to_owned()
            }
        };
        let (case_year, case_sequence) = if self.case_year.is_some() || self.case_sequence.is_some()
        {
            (self.case_year, self.case_sequence)
        } else {
            (defaults.case_year, defaults.case_sequence)
        };
        CaseMetadata {
            case_year,
            case_sequence,
            new_case_title: text(&self.new_case_title, &defaults.new_case_title),
            document_type: text(&self.document_type, &defaults.document_type),
            case_officer: text(&self.case_officer, &defaults.case_officer),
            unit: text(&self.unit, &defaults.unit),
            public_title: text(&self.public_title, &defaults.public_title),
            screening: if self.screening.is_screened() {
                self.screening.clone()
            } else {
                defaults.screening.clone()
            },
        }
    }

    /// The existing case's number, when one is given.
    pub fn case_number(&self) -> Option<(i32, i64)> {
        Some((self.case_year?, self.case_sequence?))
    }

    /// Checks what an archive would refuse or a clerk would regret.
    pub fn validate(&self) -> Result<(), CaseError> {
        match (self.case_year, self.case_sequence) {
            (Some(year), Some(sequence)) => {
                if !(1900..=2999).contains(&year) {
                    return Err(CaseError::CaseYear(year));
                }
                if sequence < 1 {
                    return Err(CaseError::CaseSequence);
                }
            }
            (None, None) => {}
            _ => return Err(CaseError::HalfCaseNumber),
        }
        for (name, value) in [
            ("case title", &self.new_case_title),
            ("document type", &self.document_type),
            ("case officer", &self.case_officer),
            ("administrative unit", &self.unit),
            ("public title", &self.public_title),
            ("legal basis", &self.screening.authority),
        ] {
            if value.chars().count() > MAX_FIELD_CHARS {
                return Err(CaseError::TooLong(name));
            }
        }
        if self.screening.is_screened() {
            if self.screening.authority.trim().is_empty() {
                return Err(CaseError::NoAuthority);
            }
            if self.screening.parts.is_empty() {
                return Err(CaseError::NoParts);
            }
            if self.screening.screens(ScreenedPart::Title) && self.public_title.trim().is_empty() {
                return Err(CaseError::NoPublicTitle);
            }
        }
        Ok(())
    }

    /// The title the public journal shows: the public title, else the title itself when the
    /// title is not screened.
    pub fn journal_title(&self, title: &str) -> String {
        if !self.public_title.trim().is_empty() {
            self.public_title.trim().to_owned()
        } else if self.screening.screens(ScreenedPart::Title) {
            // `validate` refuses this; an old letter still shows nothing personal.
            "Skjermet".to_owned()
        } else {
            title.trim().to_owned()
        }
    }
}

/// Reads a case number as a clerk writes it: `2026/123`, `26/123` (this century) or
/// `2026-123`; spaces ignored.
pub fn parse_case_number(text: &str) -> Result<(i32, i64), CaseError> {
    let unreadable = || CaseError::Unreadable(text.chars().take(40).collect());
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let (year_text, sequence) = clean.split_once(['/', '-']).ok_or_else(unreadable)?;
    let mut year: i32 = year_text.parse().map_err(|_| unreadable())?;
    if year_text.len() == 2 {
        // "26/123": this century.
        year += 2000;
    }
    let sequence: i64 = sequence.parse().map_err(|_| unreadable())?;
    let case = CaseMetadata {
        case_year: Some(year),
        case_sequence: Some(sequence),
        ..CaseMetadata::default()
    };
    case.validate()?;
    Ok((year, sequence))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_takes_what_it_leaves_empty_from_the_template_then_the_settings() {
        let settings = CaseMetadata {
            document_type: "B".into(),
            case_officer: "Kari Saksbehandler".into(),
            unit: "Servicetorget".into(),
            ..CaseMetadata::default()
        };
        let template = CaseMetadata {
            unit: "Eiendomsskatt".into(),
            screening: Screening {
                restriction: "13".into(),
                authority: "Offl. § 13 jf. fvl. § 13".into(),
                parts: vec![ScreenedPart::Recipient],
            },
            ..CaseMetadata::default()
        };
        let draft = CaseMetadata {
            case_year: Some(2026),
            case_sequence: Some(123),
            case_officer: "  Ola  ".into(),
            ..CaseMetadata::default()
        };
        let case = draft.or(&template.or(&settings));
        assert_eq!(case.case_number(), Some((2026, 123)));
        assert_eq!(case.case_officer, "Ola");
        assert_eq!(case.unit, "Eiendomsskatt");
        assert_eq!(case.document_type, "B");
        assert!(case.screening.screens(ScreenedPart::Recipient));
        assert!(!case.screening.screens(ScreenedPart::Title));
        assert_eq!(case.validate(), Ok(()));
    }

    #[test]
    fn case_numbers_are_read_as_clerks_write_them_and_half_numbers_refused() {
        assert_eq!(parse_case_number("2026/123"), Ok((2026, 123)));
        assert_eq!(parse_case_number(" 26 / 7 "), Ok((2026, 7)));
        assert_eq!(parse_case_number("2025-4567"), Ok((2025, 4567)));
        assert!(matches!(
            parse_case_number("sak 12"),
            Err(CaseError::Unreadable(_))
        ));
        assert_eq!(parse_case_number("2026/0"), Err(CaseError::CaseSequence));
        assert_eq!(parse_case_number("1066/1"), Err(CaseError::CaseYear(1066)));
        let half = CaseMetadata {
            case_year: Some(2026),
            ..CaseMetadata::default()
        };
        assert_eq!(half.validate(), Err(CaseError::HalfCaseNumber));
    }

    #[test]
    fn screening_needs_its_basis_its_parts_and_a_public_title_for_a_screened_title() {
        let mut case = CaseMetadata {
            screening: Screening {
                restriction: "13".into(),
                authority: String::new(),
                parts: vec![ScreenedPart::Title],
            },
            ..CaseMetadata::default()
        };
        assert_eq!(case.validate(), Err(CaseError::NoAuthority));
        case.screening.authority = "Offl. § 13 jf. fvl. § 13".into();
        assert_eq!(case.validate(), Err(CaseError::NoPublicTitle));
        assert_eq!(case.journal_title("Vedtak for Ola Nordmann"), "Skjermet");
        case.public_title = "Vedtak om tilskudd".into();
        assert_eq!(case.validate(), Ok(()));
        assert_eq!(
            case.journal_title("Vedtak for Ola Nordmann"),
            "Vedtak om tilskudd"
        );
        case.screening.parts.clear();
        assert_eq!(case.validate(), Err(CaseError::NoParts));
    }
}
