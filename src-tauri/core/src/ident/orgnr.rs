//! Organisasjonsnummer: nine digits, the last a modulus-11 control digit (spec §3.5).

use std::fmt;

use super::checksum::{ORGNR, control_digit, digits_of};

/// A valid organisasjonsnummer. Not personal data, so it displays in full.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct OrgNr(String);

/// Why a string is not a valid organisasjonsnummer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgNrError {
    /// Nothing was given.
    #[error("empty: no digits given")]
    Empty,
    /// A character that is not a digit 0–9.
    #[error("not digits: '{found}' at position {position} is not a digit 0-9")]
    NotDigits {
        /// 1-based position of the first offending character.
        position: usize,
        /// The character found.
        found: char,
    },
    /// Not 9 digits.
    #[error("wrong length: {found} digits, an organisasjonsnummer has 9")]
    WrongLength {
        /// Number of digits found.
        found: usize,
    },
    /// The control digit does not match (or would be 10, which is never issued).
    #[error("wrong check digit: digit 9 does not match the modulus-11 control digit")]
    WrongCheckDigit,
}

impl OrgNrError {
    /// A stable machine-readable code for the reason.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NotDigits { .. } => "not_digits",
            Self::WrongLength { .. } => "wrong_length",
            Self::WrongCheckDigit => "wrong_check_digit",
        }
    }
}

impl OrgNr {
    /// Parses an organisasjonsnummer after trimming surrounding white space.
    pub fn parse(input: &str) -> Result<Self, OrgNrError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(OrgNrError::Empty);
        }
        let digits = digits_of(trimmed)
            .map_err(|(position, found)| OrgNrError::NotDigits { position, found })?;
        if digits.len() != 9 {
            return Err(OrgNrError::WrongLength {
                found: digits.len(),
            });
        }
        if control_digit(&digits[..8], &ORGNR) != Some(digits[8]) {
            return Err(OrgNrError::WrongCheckDigit);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The nine digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgNr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_valid_example_in_the_spec_sheet_parses() {
        for number in [
            "123456785",
            "991825827",
            "984661185",
            "922020175",
            "910753614",
        ] {
            assert_eq!(OrgNr::parse(number).unwrap().as_str(), number);
        }
    }

    #[test]
    fn each_reason_for_invalidity_is_reported_specifically() {
        assert_eq!(OrgNr::parse("123456784"), Err(OrgNrError::WrongCheckDigit));
        assert_eq!(
            OrgNr::parse("12345678"),
            Err(OrgNrError::WrongLength { found: 8 })
        );
        assert_eq!(
            OrgNr::parse("12345678O"),
            Err(OrgNrError::NotDigits {
                position: 9,
                found: 'O'
            })
        );
        assert_eq!(OrgNr::parse(" "), Err(OrgNrError::Empty));
    }

    #[test]
    fn a_number_whose_control_digit_would_be_ten_is_invalid_whatever_its_last_digit() {
        // 40000000: S = 12, remainder 1 → control digit 10 → never issued.
        for last in 0..10 {
            assert_eq!(
                OrgNr::parse(&format!("40000000{last}")),
                Err(OrgNrError::WrongCheckDigit)
            );
        }
    }
}
