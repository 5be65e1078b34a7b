//! Modulus-11 check digits shared by fødselsnummer and organisasjonsnummer.

/// Weights for a fødselsnummer's first control digit (k1), over digits 1–9.
pub(crate) const FNR_K1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
/// Weights for a fødselsnummer's second control digit (k2), over digits 1–10.
pub(crate) const FNR_K2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
/// Weights for an organisasjonsnummer's control digit, over digits 1–8.
pub(crate) const ORGNR: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

/// Σ wᵢ·dᵢ over the shorter of the two slices.
pub(crate) fn weighted_sum(digits: &[u8], weights: &[u32]) -> u32 {
    digits
        .iter()
        .zip(weights)
        .map(|(d, w)| u32::from(*d) * w)
        .sum()
}

/// The modulus-11 control digit: 11 − (S mod 11), with 11 → 0; `None` when it would be 10
/// (such numbers are never issued).
pub(crate) fn control_digit(digits: &[u8], weights: &[u32]) -> Option<u8> {
    match 11 - weighted_sum(digits, weights) % 11 {
        11 => Some(0),
        10 => None,
        k => Some(u8::try_from(k).expect("k is below 10")),
    }
}

/// Reads a string of ASCII digits into their values; `Err((position, char))` (1-based) for the
/// first character that is not an ASCII digit.
pub(crate) fn digits_of(input: &str) -> Result<Vec<u8>, (usize, char)> {
    input
        .chars()
        .enumerate()
        .map(|(i, c)| {
            c.to_digit(10)
                .filter(|_| c.is_ascii_digit())
                .map(|d| d as u8)
                .ok_or((i + 1, c))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_digit_follows_the_spec_example_for_organisasjonsnummer() {
        // 12345678 → S = 138, 138 mod 11 = 6, k = 5 (spec §3.5).
        assert_eq!(weighted_sum(&[1, 2, 3, 4, 5, 6, 7, 8], &ORGNR), 138);
        assert_eq!(control_digit(&[1, 2, 3, 4, 5, 6, 7, 8], &ORGNR), Some(5));
    }

    #[test]
    fn remainder_zero_gives_control_digit_zero_and_remainder_one_gives_none() {
        // Σ = 0 → 11 → 0.
        assert_eq!(control_digit(&[0; 8], &ORGNR), Some(0));
        // 3·1 + 2·4 = 11 → remainder 0 → 0; 3·4 = 12 → remainder 1 → 10 → none.
        assert_eq!(control_digit(&[4, 0, 0, 0, 0, 0, 0, 0], &ORGNR), None);
    }

    #[test]
    fn digits_of_reports_the_first_non_digit_with_its_position() {
        assert_eq!(digits_of("12a4"), Err((3, 'a')));
        assert_eq!(
            digits_of("١٢"),
            Err((1, '١')),
            "non-ASCII digits are not digits here"
        );
        assert_eq!(digits_of("0912"), Ok(vec![0, 9, 1, 2]));
    }
}
