//! Checking identifiers typed or pasted by a person: one result per input, valid or with the
//! precise reason, ready for the UI and the CLI. Inputs are masked in the result.

use serde::Serialize;

use super::{ChecksumRule, FnrError, FnrKind, FnrVariant, Identifier, IdentifierError, OrgNrError};

/// What kind of identifier a valid input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum IdentKind {
    /// Fødselsnummer.
    Fodselsnummer,
    /// D-nummer.
    DNummer,
    /// FH-nummer.
    FhNummer,
    /// Organisasjonsnummer.
    Organisasjonsnummer,
}

/// Why an input is invalid, structured so the UI can say it in its own language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct IdentProblem {
    /// `empty`, `not_digits`, `wrong_length`, `impossible_date`, `wrong_check_digit` or
    /// `future_birth_date`.
    pub code: String,
    /// The reason in English (CLI, logs).
    pub message: String,
    /// For `not_digits`, the 1-based position; for `wrong_check_digit`, the digit (10, 11 or 9).
    pub position: Option<u32>,
    /// For `wrong_length`, how many characters were found.
    pub found_length: Option<u32>,
}

/// The result of checking one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct IdentCheck {
    /// The input, masked (`010180 *****`).
    pub input: String,
    /// Valid or not.
    pub valid: bool,
    /// For a valid input, its kind.
    pub kind: Option<IdentKind>,
    /// For a valid person number, how its month is shifted.
    pub variant: Option<FnrVariant>,
    /// For a valid person number, which control-digit rule it satisfies.
    pub rule: Option<ChecksumRule>,
    /// For a valid person number with a known century, the birth date (`YYYY-MM-DD`).
    pub birth_date: Option<String>,
    /// A plain-English description: the kind, or the reason it is invalid.
    pub description: String,
    /// For an invalid input, why.
    pub problem: Option<IdentProblem>,
}

/// Checks one input on `today` (Norway's date from the injected clock): a number whose birth
/// date is after today is a typing error, not a person.
pub fn check(input: &str, today: chrono::NaiveDate) -> IdentCheck {
    let masked = crate::mask::input(input);
    match Identifier::parse(input) {
        Ok(Identifier::Person(fnr)) if fnr.birth_date().is_some_and(|born| born > today) => {
            let born = fnr.birth_date().expect("checked above");
            let message = format!(
                "the birth date ({}) is in the future: a typing error, not a person",
                born.format("%d.%m.%Y")
            );
            IdentCheck {
                input: masked,
                valid: false,
                kind: None,
                variant: None,
                rule: None,
                birth_date: None,
                description: message.clone(),
                problem: Some(IdentProblem {
                    code: "future_birth_date".to_owned(),
                    message,
                    position: None,
                    found_length: None,
                }),
            }
        }
        Ok(identifier) => {
            let description = identifier.describe();
            let (kind, variant, rule, birth_date) = match &identifier {
                Identifier::Person(fnr) => (
                    match fnr.kind() {
                        FnrKind::Fodselsnummer => IdentKind::Fodselsnummer,
                        FnrKind::DNummer => IdentKind::DNummer,
                        FnrKind::FhNummer => IdentKind::FhNummer,
                    },
                    Some(fnr.variant()),
                    Some(fnr.rule()),
                    fnr.birth_date().map(|d| d.format("%Y-%m-%d").to_string()),
                ),
                Identifier::Organisation(_) => (IdentKind::Organisasjonsnummer, None, None, None),
            };
            IdentCheck {
                // An organisasjonsnummer is not personal data: shown in full.
                input: match identifier {
                    Identifier::Organisation(org) => org.to_string(),
                    Identifier::Person(_) => masked,
                },
                valid: true,
                kind: Some(kind),
                variant,
                rule,
                birth_date,
                description,
                problem: None,
            }
        }
        Err(error) => IdentCheck {
            input: masked,
            valid: false,
            kind: None,
            variant: None,
            rule: None,
            birth_date: None,
            description: error.to_string(),
            problem: Some(problem(&error)),
        },
    }
}

fn problem(error: &IdentifierError) -> IdentProblem {
    let count = |n: usize| u32::try_from(n).ok();
    let (position, found_length) = match error {
        IdentifierError::WrongLength { found } => (None, count(*found)),
        IdentifierError::Person(FnrError::NotDigits { position, .. })
        | IdentifierError::Organisation(OrgNrError::NotDigits { position, .. }) => {
            (count(*position), None)
        }
        IdentifierError::Person(FnrError::WrongLength { found })
        | IdentifierError::Organisation(OrgNrError::WrongLength { found }) => (None, count(*found)),
        IdentifierError::Person(FnrError::WrongCheckDigit { position }) => {
            (Some(u32::from(*position)), None)
        }
        IdentifierError::Organisation(OrgNrError::WrongCheckDigit) => (Some(9), None),
        _ => (None, None),
    };
    IdentProblem {
        code: error.code().to_owned(),
        message: error.to_string(),
        position,
        found_length,
    }
}

/// Splits pasted text into identifiers: any mix of spaces, tabs, commas, semicolons and new
/// lines separates them — except that a fødselsnummer written the usual way, `DDMMYY NNNNN`
/// (six digits, one space, five digits), stays one identifier.
pub fn split_input(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.split(['\n', '\r', ',', ';']) {
        let parts: Vec<&str> = line
            .split(char::is_whitespace)
            .filter(|p| !p.is_empty())
            .collect();
        let mut i = 0;
        while i < parts.len() {
            let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
            if i + 1 < parts.len() && digits(parts[i], 6) && digits(parts[i + 1], 5) {
                out.push(format!("{}{}", parts[i], parts[i + 1]));
                i += 2;
            } else {
                out.push(parts[i].to_owned());
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    #[test]
    fn a_valid_tenor_number_is_described_and_masked() {
        let result = check("20914695016", today());
        assert!(result.valid);
        assert_eq!(result.input, "209146 *****");
        assert_eq!(result.kind, Some(IdentKind::Fodselsnummer));
        assert_eq!(result.variant, Some(FnrVariant::TenorSynthetic));
        assert_eq!(result.birth_date.as_deref(), Some("1946-11-20"));
        assert_eq!(result.description, "synthetic fødselsnummer (Tenor)");
    }

    #[test]
    fn an_invalid_number_carries_its_code_and_position() {
        let result = check("20914695017", today());
        assert!(!result.valid);
        let problem = result.problem.unwrap();
        assert_eq!(
            (problem.code.as_str(), problem.position),
            ("wrong_check_digit", Some(11))
        );
        assert_eq!(
            result.input, "209146 *****",
            "invalid inputs are masked too"
        );

        let short = check("2091469501", today()).problem.unwrap();
        assert_eq!(
            (short.code.as_str(), short.found_length),
            ("wrong_length", Some(10))
        );
    }

    #[test]
    fn organisations_are_recognised() {
        let result = check("991825827", today());
        assert_eq!(result.kind, Some(IdentKind::Organisasjonsnummer));
        assert_eq!(result.input, "991825827", "not personal data");
        assert_eq!(
            check("991825828", today()).input,
            "991825 *****",
            "an invalid one might be a mistyped person number"
        );
    }

    #[test]
    fn pasted_text_splits_on_any_separator() {
        assert_eq!(
            split_input("20914695016, 01813048589;\n30910099686\t991825827 "),
            ["20914695016", "01813048589", "30910099686", "991825827"]
        );
        assert!(split_input(" ,;\n").is_empty());
    }

    #[test]
    fn a_number_written_ddmmyy_space_nnnnn_stays_one_identifier() {
        assert_eq!(
            split_input("209146 95016, 018130 48589 991825827"),
            ["20914695016", "01813048589", "991825827"]
        );
        assert_eq!(
            split_input("209146\n95016"),
            ["209146", "95016"],
            "not across lines"
        );
    }
}
