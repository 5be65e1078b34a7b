//! The one gate for identifiers leaving the machine. Whatever the path — a lookup, the
//! routing preview, queuing, the worker's send-time KRR lookup, SvarUt's `digitalId`, a signing
//! order's signers — a number passes here first, with the same rules:
//!
//! * H-, FH- and NAV synthetic numbers never leave: they are not in KRR or the population
//!   register, so no service can act on them, and sending them only spreads personal data.
//! * The test environment takes synthetic test numbers (Tenor) only: a real person's number
//!   must never reach a test service.
//! * Production takes no synthetic numbers.
//!
//! Organisation numbers are public and always pass.

use crate::config::Environment;
use crate::ident::{Fnr, FnrKind, FnrVariant, Identifier};

/// Where a number would go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// The contact and reservation register.
    Krr,
    /// SvarUt, as the recipient's `digitalId`.
    SvarUt,
    /// The signing service, as a signer.
    Signing,
}

/// Why a number may not leave: a stable code and the clerk's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Refused {
    /// `not_in_krr`, `real_number_in_test` or `synthetic_number_in_production`.
    pub code: &'static str,
    /// What the clerk reads.
    pub message: &'static str,
}

/// Whether the person's number `fnr` may be sent to `to` in `environment`.
pub fn check_person(fnr: &Fnr, environment: Environment, to: Destination) -> Result<(), Refused> {
    if fnr.kind() == FnrKind::FhNummer || fnr.variant() == FnrVariant::HelpOrNavSynthetic {
        return Err(Refused {
            code: "not_in_krr",
            message: match to {
                Destination::Krr => {
                    "H-, FH- and NAV synthetic numbers are not in KRR; nothing was sent"
                }
                Destination::SvarUt | Destination::Signing => {
                    "H-, FH- and NAV synthetic numbers are not in the population register and are never sent; nothing was sent"
                }
            },
        });
    }
    match environment {
        Environment::Test if !fnr.is_tenor_synthetic() => Err(Refused {
            code: "real_number_in_test",
            message: "the test environment takes synthetic test numbers (Tenor) only; nothing was sent",
        }),
        Environment::Production if fnr.is_tenor_synthetic() => Err(Refused {
            code: "synthetic_number_in_production",
            message: "a synthetic test number is not sent in production; nothing was sent",
        }),
        _ => Ok(()),
    }
}

/// Whether `identifier` may be sent to `to` in `environment` (organisations always may).
pub fn check(
    identifier: &Identifier,
    environment: Environment,
    to: Destination,
) -> Result<(), Refused> {
    match identifier {
        Identifier::Person(fnr) => check_person(fnr, environment, to),
        Identifier::Organisation(_) => Ok(()),
    }
}

/// [`check`] for a stored identifier (digits as kept in the outbox or an order): a number
/// that no longer parses does not leave either.
pub fn check_stored(
    stored: &str,
    environment: Environment,
    to: Destination,
) -> Result<Identifier, Refused> {
    let identifier = Identifier::parse(stored).map_err(|_| Refused {
        code: "invalid_identifier",
        message: "the stored recipient number is not a valid fødselsnummer or organisasjonsnummer; nothing was sent",
    })?;
    check(&identifier, environment, to)?;
    Ok(identifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REAL: &str = "30108299920";
    const TENOR: &str = "30910099686";
    const H_NUMBER: &str = "15507600333";

    fn person(number: &str) -> Identifier {
        Identifier::parse(number).unwrap()
    }

    #[test]
    fn every_destination_has_the_same_rules() {
        for to in [Destination::Krr, Destination::SvarUt, Destination::Signing] {
            for environment in [
                Environment::Sandbox,
                Environment::Test,
                Environment::Production,
            ] {
                let refused = check(&person(H_NUMBER), environment, to).unwrap_err();
                assert_eq!(refused.code, "not_in_krr", "{to:?} {environment:?}");
            }
            assert_eq!(
                check(&person(REAL), Environment::Test, to)
                    .unwrap_err()
                    .code,
                "real_number_in_test"
            );
            assert!(check(&person(TENOR), Environment::Test, to).is_ok());
            assert_eq!(
                check(&person(TENOR), Environment::Production, to)
                    .unwrap_err()
                    .code,
                "synthetic_number_in_production"
            );
            assert!(check(&person(REAL), Environment::Production, to).is_ok());
            assert!(check(&person("991825827"), Environment::Test, to).is_ok());
        }
        assert_eq!(
            check_stored("12345", Environment::Sandbox, Destination::SvarUt)
                .unwrap_err()
                .code,
            "invalid_identifier"
        );
    }
}
