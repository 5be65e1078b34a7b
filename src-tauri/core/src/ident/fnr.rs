//! Fødselsnummer and its variants.
//!
//! Layout `DDMMYY iii kk`: birth date, individnummer, two modulus-11 control digits.
//! Variants shift the date digits: D-nummer day + 40, H-nummer and NAV's synthetic numbers
//! month + 40, Skatteetaten's Tenor/TestID synthetic numbers month + 80; FH-nummer starts with
//! 8 or 9 and holds no date. From 2032 a new rule lets k1 take more values; both rules are
//! accepted (spec §3.2).

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::checksum::{FNR_K1, FNR_K2, control_digit, digits_of, weighted_sum};

/// A valid fødselsnummer (or D-, H-, FH- or synthetic number).
///
/// `Debug` and `Display` mask the personnummer (`010180 *****`); the full value is only
/// available through [`Fnr::expose`], so it never lands in a log by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Fnr {
    value: String,
    kind: FnrKind,
    variant: FnrVariant,
    rule: ChecksumRule,
    birth_date: Option<NaiveDate>,
}

/// What the first digits say the number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FnrKind {
    /// An ordinary fødselsnummer.
    Fodselsnummer,
    /// D-nummer: day + 40, for people without a fødselsnummer.
    DNummer,
    /// FH-nummer (felles hjelpenummer in health services): first digit 8 or 9, no date.
    FhNummer,
}

/// How the month digits are shifted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum FnrVariant {
    /// Month as it is.
    Ordinary,
    /// Month + 40: an H-nummer, or one of NAV's synthetic test numbers (Dolly). The two share
    /// the range and cannot be told apart from the number alone.
    HelpOrNavSynthetic,
    /// Month + 80: a synthetic test number from Skatteetaten's Tenor / Digdir's TestID, the
    /// kind KRR's and ID-porten's test environments require.
    TenorSynthetic,
}

/// Which control-digit rule the number satisfies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumRule {
    /// The rule in use before 2032 (still valid after).
    Current,
    /// Valid only under the rule for numbers issued from 1 January 2032.
    #[serde(rename = "from_2032")]
    From2032,
}

/// Why a string is not a valid fødselsnummer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FnrError {
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
    /// Not 11 digits.
    #[error("wrong length: {found} digits, a fødselsnummer has 11")]
    WrongLength {
        /// Number of digits found.
        found: usize,
    },
    /// The date digits do not make a real date, or the individnummer does not fit the year.
    #[error("impossible date: {reason}")]
    ImpossibleDate {
        /// What is wrong with the date.
        reason: &'static str,
    },
    /// A control digit does not match.
    #[error("wrong check digit: digit {position} does not match the modulus-11 control digit")]
    WrongCheckDigit {
        /// 10 (k1) or 11 (k2).
        position: u8,
    },
}

impl FnrError {
    /// A stable machine-readable code for the reason.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::NotDigits { .. } => "not_digits",
            Self::WrongLength { .. } => "wrong_length",
            Self::ImpossibleDate { .. } => "impossible_date",
            Self::WrongCheckDigit { .. } => "wrong_check_digit",
        }
    }
}

impl Fnr {
    /// Parses a fødselsnummer after trimming surrounding white space.
    ///
    /// Order of checks: digits, length, control digits, date — so the reason reported is the
    /// first a person would want to fix.
    pub fn parse(input: &str) -> Result<Self, FnrError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(FnrError::Empty);
        }
        let digits = digits_of(trimmed)
            .map_err(|(position, found)| FnrError::NotDigits { position, found })?;
        if digits.len() != 11 {
            return Err(FnrError::WrongLength {
                found: digits.len(),
            });
        }
        let rule = check_digits(&digits)?;
        let (kind, variant, birth_date) = decode_date(&digits, rule)?;
        Ok(Self {
            value: trimmed.to_owned(),
            kind,
            variant,
            rule,
            birth_date,
        })
    }

    /// Builds a number from its parts with control digits under the current rule, as the
    /// register does. `None` when the control digit would be 10 (never issued): try the next
    /// individnummer. Used by the sandbox's synthetic population and by tests.
    pub fn generate(
        birth_date: NaiveDate,
        individnummer: u16,
        kind: FnrKind,
        variant: FnrVariant,
    ) -> Option<Self> {
        if individnummer > 999 || kind == FnrKind::FhNummer {
            return None;
        }
        let day = birth_date.day()
            + match kind {
                FnrKind::DNummer => 40,
                _ => 0,
            };
        let month = birth_date.month()
            + match variant {
                FnrVariant::Ordinary => 0,
                FnrVariant::HelpOrNavSynthetic => 40,
                FnrVariant::TenorSynthetic => 80,
            };
        let year = birth_date.year().rem_euclid(100);
        let mut digits: Vec<u8> = format!("{day:02}{month:02}{year:02}{individnummer:03}")
            .bytes()
            .map(|b| b - b'0')
            .collect();
        digits.push(control_digit(&digits, &FNR_K1)?);
        digits.push(control_digit(&digits, &FNR_K2)?);
        let value: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        // Round-trip through the parser so a generated number is valid by construction
        // (this rejects, for instance, an individnummer that does not fit the century).
        Self::parse(&value)
            .ok()
            .filter(|fnr| fnr.birth_date == Some(birth_date))
    }

    /// The full number. Call this only where the number must leave the program (a KRR request,
    /// the encrypted store); never for logs or lists.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The masked form `DDMMYY *****`.
    pub fn masked(&self) -> String {
        crate::mask::digits(&self.value)
    }

    /// What the first digits say the number is.
    pub fn kind(&self) -> FnrKind {
        self.kind
    }

    /// How the month digits are shifted.
    pub fn variant(&self) -> FnrVariant {
        self.variant
    }

    /// Which control-digit rule the number satisfies.
    pub fn rule(&self) -> ChecksumRule {
        self.rule
    }

    /// The birth date, where the number encodes one with a known century.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        self.birth_date
    }

    /// True for synthetic test numbers (Tenor month + 80). Month + 40 numbers may be H-numbers
    /// in real use, so they are not counted as synthetic here.
    pub fn is_tenor_synthetic(&self) -> bool {
        self.variant == FnrVariant::TenorSynthetic
    }

    /// A plain-English description, e.g. "synthetic D-nummer (Tenor)".
    pub fn describe(&self) -> String {
        let base = match self.kind {
            FnrKind::Fodselsnummer => "fødselsnummer",
            FnrKind::DNummer => "D-nummer",
            FnrKind::FhNummer => "FH-nummer",
        };
        let mut text = match self.variant {
            FnrVariant::Ordinary => base.to_owned(),
            FnrVariant::HelpOrNavSynthetic if self.kind == FnrKind::Fodselsnummer => {
                "H-nummer or NAV synthetic fødselsnummer".to_owned()
            }
            FnrVariant::HelpOrNavSynthetic => format!("{base} (H-nummer or NAV synthetic)"),
            FnrVariant::TenorSynthetic => format!("synthetic {base} (Tenor)"),
        };
        if self.rule == ChecksumRule::From2032 {
            text.push_str(", control digits under the 2032 rule");
        }
        text
    }
}

impl fmt::Debug for Fnr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Fnr").field(&self.masked()).finish()
    }
}

impl fmt::Display for Fnr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Checks both control digits; returns the rule they satisfy.
fn check_digits(digits: &[u8]) -> Result<ChecksumRule, FnrError> {
    // k1: Σ([3,7,6,1,8,9,4,5,2,1]·d1..d10) mod 11 is 0 under the current rule, and 0–3 under
    // the 2032 rule (which accepts k1 ∈ {11,12,13,14} − (S mod 11), reduced mod 11).
    let k1_rest = (weighted_sum(&digits[..9], &FNR_K1) + u32::from(digits[9])) % 11;
    let rule = match k1_rest {
        0 => ChecksumRule::Current,
        1..=3 => ChecksumRule::From2032,
        _ => return Err(FnrError::WrongCheckDigit { position: 10 }),
    };
    // k2 is computed from the actual k1 under both rules.
    if control_digit(&digits[..10], &FNR_K2) != Some(digits[10]) {
        return Err(FnrError::WrongCheckDigit { position: 11 });
    }
    Ok(rule)
}

/// Strips the D/H/synthetic offsets and checks the date; FH-numbers have none.
fn decode_date(
    digits: &[u8],
    rule: ChecksumRule,
) -> Result<(FnrKind, FnrVariant, Option<NaiveDate>), FnrError> {
    let pair = |i: usize| u32::from(digits[i]) * 10 + u32::from(digits[i + 1]);
    let (kind, day) = match digits[0] {
        0..=3 => (FnrKind::Fodselsnummer, pair(0)),
        4..=7 => (FnrKind::DNummer, pair(0) - 40),
        _ => return Ok((FnrKind::FhNummer, FnrVariant::Ordinary, None)),
    };
    let (variant, month) = match digits[2] {
        0 | 1 => (FnrVariant::Ordinary, pair(2)),
        4 | 5 => (FnrVariant::HelpOrNavSynthetic, pair(2) - 40),
        8 | 9 => (FnrVariant::TenorSynthetic, pair(2) - 80),
        _ => {
            return Err(FnrError::ImpossibleDate {
                reason: "the month digits are not a month (nor month + 40 or + 80)",
            });
        }
    };
    if !(1..=12).contains(&month) {
        return Err(FnrError::ImpossibleDate {
            reason: "there is no such month",
        });
    }
    // From 2032 the individnummer no longer encodes the century (spec §3.2): for a number valid
    // only under the new rule the birth date is unknown, and any day that exists in some year
    // is accepted.
    if rule == ChecksumRule::From2032 {
        return day_exists_in_some_year(day, month)
            .then_some((kind, variant, None))
            .ok_or(FnrError::ImpossibleDate {
                reason: "there is no such day in that month",
            });
    }
    let yy = pair(4);
    let individ = u32::from(digits[6]) * 100 + pair(7);
    let century = match century(individ, yy) {
        Some(c) => c,
        None => {
            return Err(FnrError::ImpossibleDate {
                reason: "the individnummer does not fit the birth year",
            });
        }
    };
    let year = i32::try_from(century + yy).expect("a four-digit year");
    NaiveDate::from_ymd_opt(year, month, day)
        .map(|date| (kind, variant, Some(date)))
        .ok_or(FnrError::ImpossibleDate {
            reason: "there is no such day in that month",
        })
}

/// The century from individnummer and two-digit year (spec §3.3).
fn century(individ: u32, yy: u32) -> Option<u32> {
    match individ {
        0..=499 => Some(1900),
        500..=749 if yy >= 54 => Some(1800),
        500..=999 if yy <= 39 => Some(2000),
        900..=999 if yy >= 40 => Some(1900),
        _ => None,
    }
}

fn day_exists_in_some_year(day: u32, month: u32) -> bool {
    // 2000 is a leap year, so 29 February exists in it.
    NaiveDate::from_ymd_opt(2000, month, day).is_some()
}

#[cfg(test)]
#[path = "fnr_tests.rs"]
mod tests;
