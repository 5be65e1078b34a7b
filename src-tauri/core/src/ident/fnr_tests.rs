use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn every_valid_example_in_the_spec_sheet_parses_with_its_kind_and_date() {
    // (number, kind, variant, rule, birth date) — spec §3.2 and §3.4.
    let cases = [
        (
            "02013299997",
            FnrKind::Fodselsnummer,
            FnrVariant::Ordinary,
            ChecksumRule::Current,
            Some(date(2032, 1, 2)),
        ),
        (
            "30108299920",
            FnrKind::Fodselsnummer,
            FnrVariant::Ordinary,
            ChecksumRule::Current,
            Some(date(1982, 10, 30)),
        ),
        (
            "30108299939",
            FnrKind::Fodselsnummer,
            FnrVariant::Ordinary,
            ChecksumRule::From2032,
            // From 2032 the individnummer does not tell the century: no birth date.
            None,
        ),
        (
            "20914695016",
            FnrKind::Fodselsnummer,
            FnrVariant::TenorSynthetic,
            ChecksumRule::Current,
            Some(date(1946, 11, 20)),
        ),
        (
            "01813048589",
            FnrKind::Fodselsnummer,
            FnrVariant::TenorSynthetic,
            ChecksumRule::Current,
            Some(date(1930, 1, 1)),
        ),
        (
            "30910099686",
            FnrKind::Fodselsnummer,
            FnrVariant::TenorSynthetic,
            ChecksumRule::Current,
            Some(date(2000, 11, 30)),
        ),
        (
            "15507600333",
            FnrKind::Fodselsnummer,
            FnrVariant::HelpOrNavSynthetic,
            ChecksumRule::Current,
            Some(date(1976, 10, 15)),
        ),
        (
            "55507608360",
            FnrKind::DNummer,
            FnrVariant::HelpOrNavSynthetic,
            ChecksumRule::Current,
            Some(date(1976, 10, 15)),
        ),
        (
            "29422059278",
            FnrKind::Fodselsnummer,
            FnrVariant::HelpOrNavSynthetic,
            ChecksumRule::Current,
            Some(date(2020, 2, 29)),
        ),
        (
            "69422056629",
            FnrKind::DNummer,
            FnrVariant::HelpOrNavSynthetic,
            ChecksumRule::Current,
            Some(date(2020, 2, 29)),
        ),
    ];
    for (number, kind, variant, rule, birth) in cases {
        let fnr = Fnr::parse(number).unwrap_or_else(|e| panic!("{number}: {e}"));
        assert_eq!(fnr.kind(), kind, "{number}");
        assert_eq!(fnr.variant(), variant, "{number}");
        assert_eq!(fnr.rule(), rule, "{number}");
        assert_eq!(fnr.birth_date(), birth, "{number}");
        assert_eq!(fnr.expose(), number);
    }
}

#[test]
fn skatteetatens_illustrative_number_fails_the_checksum() {
    // Spec §3.6: "01129955131 is fictitious and fails the checksum".
    assert_eq!(
        Fnr::parse("01129955131"),
        Err(FnrError::WrongCheckDigit { position: 10 })
    );
}

#[test]
fn a_changed_last_digit_is_a_wrong_second_check_digit() {
    assert_eq!(
        Fnr::parse("20914695017"),
        Err(FnrError::WrongCheckDigit { position: 11 })
    );
}

#[test]
fn each_reason_for_invalidity_is_reported_specifically() {
    assert_eq!(Fnr::parse(""), Err(FnrError::Empty));
    assert_eq!(
        Fnr::parse("2091469501"),
        Err(FnrError::WrongLength { found: 10 })
    );
    assert_eq!(
        Fnr::parse("209146950160"),
        Err(FnrError::WrongLength { found: 12 })
    );
    assert_eq!(
        Fnr::parse("2091469501x"),
        Err(FnrError::NotDigits {
            position: 11,
            found: 'x'
        })
    );
    assert_eq!(
        Fnr::parse("209146 95016"),
        Err(FnrError::NotDigits {
            position: 7,
            found: ' '
        })
    );
}

#[test]
fn impossible_dates_are_rejected_even_with_valid_control_digits() {
    // 31 February, month 13, month + 20 and an individnummer that does not fit the year, each
    // given valid control digits so that only the date can be the reason.
    for raw in ["310285", "011385", "012185"] {
        let number = with_control_digits(&format!("{raw}123"));
        assert_eq!(
            Fnr::parse(&number).unwrap_err().code(),
            "impossible_date",
            "{raw}"
        );
    }
    // Individnummer 800 with year 85: 750–899 with YY ≥ 40 has no century (spec §3.3).
    let number = with_control_digits("010185800");
    assert_eq!(Fnr::parse(&number).unwrap_err().code(), "impossible_date");
}

#[test]
fn fh_numbers_have_no_date_and_are_accepted_on_checksum_alone() {
    let number = with_control_digits("812345678");
    let fnr = Fnr::parse(&number).unwrap();
    assert_eq!(fnr.kind(), FnrKind::FhNummer);
    assert_eq!(fnr.birth_date(), None);
}

#[test]
fn debug_and_display_mask_the_personnummer() {
    let fnr = Fnr::parse("20914695016").unwrap();
    assert_eq!(fnr.to_string(), "209146 *****");
    assert_eq!(format!("{fnr:?}"), "Fnr(\"209146 *****\")");
    assert!(!format!("{fnr:?} {fnr}").contains("95016"));
}

#[test]
fn describe_names_the_kind_in_plain_words() {
    assert_eq!(
        Fnr::parse("20914695016").unwrap().describe(),
        "synthetic fødselsnummer (Tenor)"
    );
    assert_eq!(
        Fnr::parse("55507608360").unwrap().describe(),
        "D-nummer (H-nummer or NAV synthetic)"
    );
    assert!(
        Fnr::parse("30108299939")
            .unwrap()
            .describe()
            .contains("2032")
    );
}

#[test]
fn generated_numbers_of_every_kind_parse_back_to_their_parts() {
    let mut rng = ChaCha8Rng::seed_from_u64(2032);
    let mut made = 0;
    for _ in 0..5_000 {
        let birth = date(
            rng.random_range(1900..2025),
            rng.random_range(1..=12),
            rng.random_range(1..=28),
        );
        let individ = rng.random_range(0..=999);
        let kind = if rng.random_bool(0.3) {
            FnrKind::DNummer
        } else {
            FnrKind::Fodselsnummer
        };
        let variant = [
            FnrVariant::Ordinary,
            FnrVariant::HelpOrNavSynthetic,
            FnrVariant::TenorSynthetic,
        ][rng.random_range(0..3)];
        let Some(fnr) = Fnr::generate(birth, individ, kind, variant) else {
            continue;
        };
        made += 1;
        let parsed = Fnr::parse(fnr.expose()).unwrap();
        assert_eq!((parsed.kind(), parsed.variant()), (kind, variant));
        assert_eq!(parsed.birth_date(), Some(birth));
        assert_eq!(parsed.rule(), ChecksumRule::Current);
    }
    assert!(made > 2_000, "most random parts give a number ({made})");
}

#[test]
fn changing_any_single_digit_of_a_valid_number_is_caught() {
    // Modulus 11 with these weights detects every single-digit error.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..500 {
        let birth = date(
            rng.random_range(1940..2020),
            rng.random_range(1..=12),
            rng.random_range(1..=28),
        );
        let Some(fnr) = Fnr::generate(
            birth,
            rng.random_range(0..500),
            FnrKind::Fodselsnummer,
            FnrVariant::TenorSynthetic,
        ) else {
            continue;
        };
        let digits: Vec<u8> = fnr.expose().bytes().collect();
        let position = rng.random_range(9..11);
        let mut changed = digits.clone();
        changed[position] = b'0' + (changed[position] - b'0' + rng.random_range(1..10)) % 10;
        let changed = String::from_utf8(changed).unwrap();
        let result = Fnr::parse(&changed);
        // A changed k1 may still satisfy the 2032 rule, which is accepted by design; it then
        // must fail k2 or be reported as From2032, never as a current-rule number.
        if let Ok(other) = result {
            assert_eq!(other.rule(), ChecksumRule::From2032, "{}", other.masked());
        }
    }
}

#[test]
fn generation_refuses_parts_whose_control_digit_would_be_ten() {
    // Count over a whole day's individnumre: roughly one in eleven gives k = 10 somewhere.
    let refused = (0..500)
        .filter(|i| {
            Fnr::generate(
                date(1985, 3, 14),
                *i,
                FnrKind::Fodselsnummer,
                FnrVariant::Ordinary,
            )
            .is_none()
        })
        .count();
    assert!((40..200).contains(&refused), "refused {refused}");
}

/// Appends current-rule control digits to nine digits, ignoring whether the date is valid.
fn with_control_digits(nine: &str) -> String {
    use super::super::checksum::{FNR_K1, FNR_K2, control_digit};
    for last in 0..10u8 {
        // Vary the individnummer's last digit until both control digits exist.
        let mut digits: Vec<u8> = nine.bytes().map(|b| b - b'0').collect();
        digits[8] = (digits[8] + last) % 10;
        let Some(k1) = control_digit(&digits, &FNR_K1) else {
            continue;
        };
        digits.push(k1);
        let Some(k2) = control_digit(&digits, &FNR_K2) else {
            continue;
        };
        digits.push(k2);
        return digits.iter().map(|d| char::from(b'0' + d)).collect();
    }
    unreachable!("some last digit gives control digits")
}
