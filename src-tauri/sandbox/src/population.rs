//! The sandbox's synthetic population: deterministic for a seed, every number a valid
//! Tenor-style synthetic one (month + 80), and the mix of KRR situations a clerk meets.
//!
//! Everyone here is invented, so their numbers may be shown and logged in full.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kommunepost_core::ident::{Fnr, FnrKind, FnrVariant, OrgNr};
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::names::{FAMILY_NAMES, GIVEN_NAMES, ORGANISATIONS, POST_PLACES, STREETS};

/// Organisation number of Posten (Digipost) in KRR's `postkasseleverandoeradresse`.
pub const DIGIPOST_ORGNR: &str = "984661185";
/// Organisation number of e-Boks in KRR's `postkasseleverandoeradresse`.
pub const EBOKS_ORGNR: &str = "922020175";

/// The KRR situation a synthetic person is in: what a lookup will find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KrrSituation {
    /// Active, current contact info, a Digipost mailbox.
    DigitalDigipost,
    /// Active, current contact info, an e-Boks mailbox.
    DigitalEboks,
    /// Reserved against digital communication (paper).
    Reserved,
    /// Active, contact info neither updated nor verified for over 18 months.
    ContactExpired,
    /// Active, e-mail only, no mailbox.
    EmailOnly,
    /// Active, mobile only, no mailbox.
    MobileOnly,
    /// Active, both contact channels current, no mailbox.
    NoMailbox,
    /// Deleted from the register.
    Deleted,
    /// Not in the register.
    NotRegistered,
}

impl KrrSituation {
    /// Every situation with its share of the population, in percent (sums to 100).
    pub const MIX: [(Self, u32); 9] = [
        (Self::DigitalDigipost, 34),
        (Self::DigitalEboks, 14),
        (Self::Reserved, 10),
        (Self::ContactExpired, 10),
        (Self::EmailOnly, 8),
        (Self::MobileOnly, 8),
        (Self::NoMailbox, 6),
        (Self::Deleted, 4),
        (Self::NotRegistered, 6),
    ];
}

/// KRR's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KrrStatus {
    /// `AKTIV`.
    Aktiv,
    /// `SLETTET`.
    Slettet,
    /// `IKKE_REGISTRERT`.
    IkkeRegistrert,
}

/// Digital mailbox providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailboxProvider {
    /// Posten's Digipost.
    Digipost,
    /// e-Boks.
    Eboks,
}

impl MailboxProvider {
    /// The provider's organisation number, as KRR gives it.
    pub fn orgnr(self) -> &'static str {
        match self {
            Self::Digipost => DIGIPOST_ORGNR,
            Self::Eboks => EBOKS_ORGNR,
        }
    }
}

/// One contact channel with KRR's two dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactPoint {
    /// The address or number.
    pub value: String,
    /// `*_oppdatert`.
    pub updated: DateTime<Utc>,
    /// `*_sist_verifisert`.
    pub last_verified: DateTime<Utc>,
}

/// A digital mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mailbox {
    /// Digipost or e-Boks.
    pub provider: MailboxProvider,
    /// `postkasseadresse`.
    pub address: String,
}

/// What KRR holds about a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KrrRecord {
    /// `status`.
    pub status: KrrStatus,
    /// `reservasjon` = `JA`.
    pub reserved: bool,
    /// `reservasjonstidspunkt`.
    pub reserved_at: Option<DateTime<Utc>>,
    /// E-mail.
    pub email: Option<ContactPoint>,
    /// Mobile, `+47…`.
    pub mobile: Option<ContactPoint>,
    /// Digital mailbox.
    pub mailbox: Option<Mailbox>,
    /// `spraak`.
    pub language: Option<&'static str>,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostalAddress {
    /// Street and number.
    pub street: String,
    /// Postnummer.
    pub postcode: String,
    /// Poststed.
    pub city: String,
}

/// An invented person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntheticPerson {
    /// A synthetic (Tenor, month + 80) fødselsnummer or D-nummer, in full.
    #[serde(serialize_with = "full_number")]
    pub fnr: Fnr,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Where letters on paper go.
    pub address: PostalAddress,
    /// The situation the KRR record was made from.
    pub situation: KrrSituation,
    /// What KRR holds.
    pub krr: KrrRecord,
}

/// An invented organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntheticOrganisation {
    /// Organisasjonsnummer.
    #[serde(serialize_with = "org_number")]
    pub orgnr: OrgNr,
    /// Name.
    pub name: String,
    /// Postal address.
    pub address: PostalAddress,
    /// Has a receiving system (SvarInn) rather than Altinn only.
    pub has_receiving_system: bool,
}

fn full_number<S: serde::Serializer>(fnr: &Fnr, s: S) -> Result<S::Ok, S::Error> {
    // Safe to show: only Tenor synthetic numbers are ever put in the population.
    s.serialize_str(fnr.expose())
}

fn org_number<S: serde::Serializer>(org: &OrgNr, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(org.as_str())
}

/// How to make a population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationConfig {
    /// Same seed, same people.
    pub seed: u64,
    /// How many persons (at least one of each situation when ≥ 9).
    pub persons: usize,
    /// The moment contact dates are measured from (for the 18-month rule).
    pub as_of: DateTime<Utc>,
}

/// The synthetic population.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Population {
    /// Persons.
    pub persons: Vec<SyntheticPerson>,
    /// Organisations.
    pub organisations: Vec<SyntheticOrganisation>,
    /// Where each number is in `persons`, made at the first lookup: the stand-ins look a
    /// person up for every request, and a scan of 10 000 persons per letter cost the pipeline
    /// bench seconds that were the stand-in's, not ours.
    #[serde(skip)]
    by_number: PersonIndex,
}

/// [`Population::person`]'s index: made once, and no part of what a population is (two
/// populations are equal by their persons and organisations, indexed or not).
#[derive(Debug, Clone, Default)]
struct PersonIndex(std::sync::OnceLock<HashMap<String, usize>>);

impl PartialEq for PersonIndex {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for PersonIndex {}

impl Population {
    /// Makes the population for `config`.
    pub fn generate(config: &PopulationConfig) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let mut situations = situations_for(config.persons);
        situations.shuffle(&mut rng);
        let mut taken = HashSet::new();
        let persons = situations
            .into_iter()
            .map(|situation| make_person(&mut rng, situation, config.as_of, &mut taken))
            .collect();
        let organisations = ORGANISATIONS
            .iter()
            .enumerate()
            .map(|(i, name)| SyntheticOrganisation {
                orgnr: make_orgnr(&mut rng),
                name: (*name).to_owned(),
                address: make_address(&mut rng),
                has_receiving_system: i % 3 == 0,
            })
            .collect();
        Self {
            persons,
            organisations,
            by_number: PersonIndex::default(),
        }
    }

    /// The person with this number, if invented here.
    pub fn person(&self, fnr: &str) -> Option<&SyntheticPerson> {
        let index = self.by_number.0.get_or_init(|| {
            self.persons
                .iter()
                .enumerate()
                .map(|(i, p)| (p.fnr.expose().to_owned(), i))
                .collect()
        });
        match index.get(fnr).and_then(|&i| self.persons.get(i)) {
            Some(found) if found.fnr.expose() == fnr => Some(found),
            // The persons are public: one changed after the index was made is looked for.
            _ => self.persons.iter().find(|p| p.fnr.expose() == fnr),
        }
    }

    /// The first person in a situation (handy in tests and demos).
    pub fn first_in(&self, situation: KrrSituation) -> Option<&SyntheticPerson> {
        self.persons.iter().find(|p| p.situation == situation)
    }
}

/// The situations for `count` persons, in mix order: each share rounded down, at least one of
/// each when there is room, the rest to the most common situation.
fn situations_for(count: usize) -> Vec<KrrSituation> {
    let mut out = Vec::with_capacity(count);
    for (situation, percent) in KrrSituation::MIX {
        let share =
            (count * percent as usize / 100).max(usize::from(count >= KrrSituation::MIX.len()));
        out.extend(std::iter::repeat_n(situation, share));
    }
    out.truncate(count);
    while out.len() < count {
        out.push(KrrSituation::DigitalDigipost);
    }
    out
}

fn make_person(
    rng: &mut ChaCha8Rng,
    situation: KrrSituation,
    as_of: DateTime<Utc>,
    taken: &mut HashSet<String>,
) -> SyntheticPerson {
    let fnr = loop {
        let birth = NaiveDate::from_ymd_opt(
            rng.random_range(1930..=2008),
            rng.random_range(1..=12),
            rng.random_range(1..=28),
        )
        .expect("day ≤ 28 exists in every month");
        let kind = if rng.random_bool(0.1) {
            FnrKind::DNummer
        } else {
            FnrKind::Fodselsnummer
        };
        let individ = rng.random_range(0..=999);
        if let Some(fnr) = Fnr::generate(birth, individ, kind, FnrVariant::TenorSynthetic)
            && taken.insert(fnr.expose().to_owned())
        {
            break fnr;
        }
    };
    let given_name = (*GIVEN_NAMES.choose(rng).expect("names")).to_owned();
    let family_name = (*FAMILY_NAMES.choose(rng).expect("names")).to_owned();
    let handle = ascii_handle(&format!("{given_name}.{family_name}"));
    let current = |rng: &mut ChaCha8Rng| {
        let updated = as_of - Duration::days(rng.random_range(30..500));
        let verified = as_of - Duration::days(rng.random_range(1..150));
        (updated, verified.max(updated))
    };
    let expired = |rng: &mut ChaCha8Rng| {
        // Over 18 months on both dates (18 months ≈ 548 days).
        let updated = as_of - Duration::days(rng.random_range(700..1500));
        let verified = as_of - Duration::days(rng.random_range(560..700));
        (updated, verified)
    };
    let email = |rng: &mut ChaCha8Rng, (updated, last_verified)| ContactPoint {
        value: format!("{handle}{}@eksempel.no", rng.random_range(1..100)),
        updated,
        last_verified,
    };
    let mobile = |rng: &mut ChaCha8Rng, (updated, last_verified)| ContactPoint {
        value: format!(
            "+47{}{:07}",
            [4, 9][rng.random_range(0..2)],
            rng.random_range(0..10_000_000)
        ),
        updated,
        last_verified,
    };
    let mailbox = |rng: &mut ChaCha8Rng, provider| Mailbox {
        provider,
        address: format!("{handle}#{:04X}", rng.random_range(0..0xFFFF)),
    };
    let language = [
        None,
        None,
        None,
        None,
        Some("nb"),
        Some("nn"),
        Some("en"),
        Some("se"),
    ]
    .choose(rng)
    .copied()
    .flatten();
    let active = |email, mobile, mailbox| KrrRecord {
        status: KrrStatus::Aktiv,
        reserved: false,
        reserved_at: None,
        email,
        mobile,
        mailbox,
        language,
    };
    let absent = |status| KrrRecord {
        status,
        reserved: false,
        reserved_at: None,
        email: None,
        mobile: None,
        mailbox: None,
        language: None,
    };
    let krr = match situation {
        KrrSituation::DigitalDigipost | KrrSituation::DigitalEboks => {
            let provider = if situation == KrrSituation::DigitalDigipost {
                MailboxProvider::Digipost
            } else {
                MailboxProvider::Eboks
            };
            let (e, m) = (current(rng), current(rng));
            active(
                Some(email(rng, e)),
                Some(mobile(rng, m)),
                Some(mailbox(rng, provider)),
            )
        }
        KrrSituation::Reserved => {
            let (e, m) = (current(rng), current(rng));
            KrrRecord {
                reserved: true,
                reserved_at: Some(as_of - Duration::days(rng.random_range(10..3000))),
                ..active(Some(email(rng, e)), Some(mobile(rng, m)), None)
            }
        }
        KrrSituation::ContactExpired => {
            let (e, m) = (expired(rng), expired(rng));
            active(Some(email(rng, e)), Some(mobile(rng, m)), None)
        }
        KrrSituation::EmailOnly => {
            let e = current(rng);
            active(Some(email(rng, e)), None, None)
        }
        KrrSituation::MobileOnly => {
            let m = current(rng);
            active(None, Some(mobile(rng, m)), None)
        }
        KrrSituation::NoMailbox => {
            let (e, m) = (current(rng), current(rng));
            active(Some(email(rng, e)), Some(mobile(rng, m)), None)
        }
        KrrSituation::Deleted => absent(KrrStatus::Slettet),
        KrrSituation::NotRegistered => absent(KrrStatus::IkkeRegistrert),
    };
    SyntheticPerson {
        fnr,
        given_name,
        family_name,
        address: make_address(rng),
        situation,
        krr,
    }
}

fn make_address(rng: &mut ChaCha8Rng) -> PostalAddress {
    let (postcode, city) = *POST_PLACES.choose(rng).expect("places");
    PostalAddress {
        street: format!(
            "{} {}",
            STREETS.choose(rng).expect("streets"),
            rng.random_range(1..120)
        ),
        postcode: postcode.to_owned(),
        city: city.to_owned(),
    }
}

fn make_orgnr(rng: &mut ChaCha8Rng) -> OrgNr {
    loop {
        let base: u32 = rng.random_range(91_000_000..99_999_999);
        for check in 0..10 {
            if let Ok(org) = OrgNr::parse(&format!("{base}{check}")) {
                return org;
            }
        }
    }
}

/// Lower-case ASCII for e-mail handles: æ → ae, ø → o, å → a.
fn ascii_handle(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .flat_map(|c| match c {
            'æ' => "ae".chars().collect::<Vec<_>>(),
            'ø' => vec!['o'],
            'å' => vec!['a'],
            c if c.is_ascii_alphanumeric() || c == '.' => vec![c],
            _ => vec![],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn config(seed: u64, persons: usize) -> PopulationConfig {
        PopulationConfig {
            seed,
            persons,
            as_of: Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap(),
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_people_and_another_seed_others() {
        let a = Population::generate(&config(7, 100));
        assert_eq!(a, Population::generate(&config(7, 100)));
        assert_ne!(a.persons, Population::generate(&config(8, 100)).persons);
    }

    #[test]
    fn every_number_is_a_unique_valid_tenor_synthetic_number() {
        let population = Population::generate(&config(1, 500));
        let mut seen = HashSet::new();
        for person in &population.persons {
            let parsed = Fnr::parse(person.fnr.expose()).expect("valid");
            assert!(parsed.is_tenor_synthetic(), "{}", parsed.masked());
            assert!(
                seen.insert(person.fnr.expose().to_owned()),
                "duplicate number"
            );
        }
        assert!(
            population
                .persons
                .iter()
                .any(|p| p.fnr.kind() == FnrKind::DNummer),
            "some D-numbers"
        );
    }

    #[test]
    fn every_situation_occurs_even_in_a_small_population() {
        let population = Population::generate(&config(3, 20));
        assert_eq!(population.persons.len(), 20);
        for (situation, _) in KrrSituation::MIX {
            assert!(
                population.first_in(situation).is_some(),
                "{situation:?} missing"
            );
        }
    }

    #[test]
    fn shares_follow_the_mix() {
        let population = Population::generate(&config(4, 1000));
        let reserved = population
            .persons
            .iter()
            .filter(|p| p.situation == KrrSituation::Reserved)
            .count();
        assert_eq!(reserved, 100);
    }

    #[test]
    fn krr_records_match_their_situation() {
        let population = Population::generate(&config(5, 200));
        let as_of = config(5, 200).as_of;
        let eighteen_months = Duration::days(548);
        for person in &population.persons {
            let krr = &person.krr;
            match person.situation {
                KrrSituation::DigitalDigipost => {
                    assert_eq!(
                        krr.mailbox.as_ref().unwrap().provider,
                        MailboxProvider::Digipost
                    )
                }
                KrrSituation::DigitalEboks => {
                    assert_eq!(krr.mailbox.as_ref().unwrap().provider.orgnr(), EBOKS_ORGNR)
                }
                KrrSituation::Reserved => {
                    assert!(krr.reserved && krr.reserved_at.is_some() && krr.mailbox.is_none())
                }
                KrrSituation::ContactExpired => {
                    for point in [&krr.email, &krr.mobile].into_iter().flatten() {
                        assert!(as_of - point.updated > eighteen_months);
                        assert!(as_of - point.last_verified > eighteen_months);
                    }
                }
                KrrSituation::EmailOnly => assert!(krr.email.is_some() && krr.mobile.is_none()),
                KrrSituation::MobileOnly => {
                    let mobile = &krr.mobile.as_ref().unwrap().value;
                    assert!(krr.email.is_none() && mobile.starts_with("+47") && mobile.len() == 11);
                }
                KrrSituation::NoMailbox => assert!(krr.mailbox.is_none() && krr.email.is_some()),
                KrrSituation::Deleted => assert_eq!(krr.status, KrrStatus::Slettet),
                KrrSituation::NotRegistered => assert_eq!(krr.status, KrrStatus::IkkeRegistrert),
            }
            if matches!(krr.status, KrrStatus::Slettet | KrrStatus::IkkeRegistrert) {
                assert!(krr.email.is_none() && krr.mobile.is_none() && krr.mailbox.is_none());
            }
        }
    }

    #[test]
    fn names_and_addresses_carry_norwegian_letters_and_e_mail_handles_do_not() {
        let population = Population::generate(&config(6, 300));
        let text: String = population
            .persons
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {}",
                    p.given_name, p.family_name, p.address.street, p.address.city
                )
            })
            .collect();
        for letter in ['æ', 'ø', 'å', 'Ø', 'Å'] {
            assert!(text.contains(letter), "no {letter}");
        }
        for person in &population.persons {
            if let Some(email) = &person.krr.email {
                assert!(email.value.is_ascii(), "{}", email.value);
            }
        }
    }

    #[test]
    fn organisations_have_valid_numbers() {
        let population = Population::generate(&config(9, 10));
        assert_eq!(population.organisations.len(), ORGANISATIONS.len());
        assert!(
            population
                .organisations
                .iter()
                .any(|o| o.has_receiving_system)
        );
        assert!(
            population
                .organisations
                .iter()
                .any(|o| !o.has_receiving_system)
        );
    }
}
