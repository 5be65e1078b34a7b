//! Norwegian identifiers, parsed at the boundary.
//!
//! * [`Fnr`] – fødselsnummer and its variants (D-nummer, H-nummer, FH-nummer, synthetic test numbers).
//! * [`OrgNr`] – organisasjonsnummer.
//! * [`Identifier`] – either, chosen by length, for inputs that may hold both.
//!
//! Facts: `shared/specs/krr-maskinporten-identifiers.md` §3.

mod check;
mod checksum;
mod fnr;
mod orgnr;

pub use check::{IdentCheck, IdentKind, IdentProblem, check, split_input};
pub use fnr::{ChecksumRule, Fnr, FnrError, FnrKind, FnrVariant};
pub use orgnr::{OrgNr, OrgNrError};

/// A person or organisation identifier.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Identifier {
    /// A fødselsnummer or one of its variants.
    Person(Fnr),
    /// An organisasjonsnummer.
    Organisation(OrgNr),
}

/// Why a string is neither a valid fødselsnummer nor a valid organisasjonsnummer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    /// Nothing was given.
    #[error("empty: no digits given")]
    Empty,
    /// Neither 11 nor 9 digits.
    #[error(
        "wrong length: {found} digits, expected 11 (fødselsnummer/D-nummer) or 9 (organisasjonsnummer)"
    )]
    WrongLength {
        /// Number of characters found.
        found: usize,
    },
    /// An 11-digit value that is not a valid fødselsnummer.
    #[error("{0}")]
    Person(FnrError),
    /// A 9-digit value that is not a valid organisasjonsnummer.
    #[error("{0}")]
    Organisation(OrgNrError),
}

impl IdentifierError {
    /// A stable machine-readable code for the reason.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::WrongLength { .. } => "wrong_length",
            Self::Person(e) => e.code(),
            Self::Organisation(e) => e.code(),
        }
    }
}

impl Identifier {
    /// Parses 11 characters as a fødselsnummer and 9 as an organisasjonsnummer (after trimming
    /// surrounding white space). Any other length is [`IdentifierError::WrongLength`], unless the
    /// input holds a non-digit, which is reported as such by the fødselsnummer parser.
    pub fn parse(input: &str) -> Result<Self, IdentifierError> {
        let trimmed = input.trim();
        match trimmed.chars().count() {
            0 => Err(IdentifierError::Empty),
            9 => OrgNr::parse(trimmed)
                .map(Self::Organisation)
                .map_err(IdentifierError::Organisation),
            11 => Fnr::parse(trimmed)
                .map(Self::Person)
                .map_err(IdentifierError::Person),
            found => match Fnr::parse(trimmed) {
                Err(e @ FnrError::NotDigits { .. }) => Err(IdentifierError::Person(e)),
                _ => Err(IdentifierError::WrongLength { found }),
            },
        }
    }

    /// As it may be shown: a person's number masked (`010180 *****`, through
    /// [`crate::mask`]), an organisation's in full.
    pub fn masked(&self) -> String {
        match self {
            Self::Person(fnr) => fnr.masked(),
            Self::Organisation(org) => org.to_string(),
        }
    }

    /// The digits in full, for the encrypted store and the services' requests only; what is
    /// shown goes through [`crate::mask`].
    pub fn expose(&self) -> String {
        match self {
            Self::Person(fnr) => fnr.expose().to_owned(),
            Self::Organisation(org) => org.to_string(),
        }
    }

    /// A plain-English description of the kind, e.g. "synthetic D-nummer (Tenor)".
    pub fn describe(&self) -> String {
        match self {
            Self::Person(fnr) => fnr.describe(),
            Self::Organisation(_) => "organisasjonsnummer".to_owned(),
        }
    }
}

impl std::fmt::Display for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Person(fnr) => fnr.fmt(f),
            Self::Organisation(org) => org.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eleven_digits_are_read_as_a_person_and_nine_as_an_organisation() {
        assert!(matches!(
            Identifier::parse("20914695016"),
            Ok(Identifier::Person(_))
        ));
        assert!(matches!(
            Identifier::parse(" 991825827 "),
            Ok(Identifier::Organisation(_))
        ));
    }

    #[test]
    fn other_lengths_are_reported_as_wrong_length_with_the_count() {
        assert_eq!(
            Identifier::parse("0101801234"),
            Err(IdentifierError::WrongLength { found: 10 })
        );
        assert_eq!(Identifier::parse("   "), Err(IdentifierError::Empty));
    }

    #[test]
    fn a_letter_is_reported_as_not_digits_whatever_the_length() {
        let err = Identifier::parse("0101a").unwrap_err();
        assert_eq!(err.code(), "not_digits");
    }

    #[test]
    fn display_masks_persons_but_not_organisations() {
        let person = Identifier::parse("20914695016").unwrap();
        assert_eq!(person.to_string(), "209146 *****");
        let org = Identifier::parse("991825827").unwrap();
        assert_eq!(org.to_string(), "991825827");
    }
}
