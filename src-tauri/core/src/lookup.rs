//! A register lookup as a clerk asks for it: a list of typed or pasted identifiers, checked
//! locally first (invalid ones never leave the machine), persons looked up in KRR once each,
//! organisations routed to Altinn without a lookup, and one row per input in input order.
//! The audit entry is written before anything is sent.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Environment;
use crate::ident::{Fnr, IdentKind, IdentProblem, Identifier, check};
use crate::krr::{Cancel, KrrClient, KrrPerson};
use crate::routing::{
    MailboxProvider, NotificationChannels, Route, RouteReason, route_organisation, route_person,
};
use crate::store::{NewAuditEntry, Store, StoreError};

/// Lists longer than this need a purpose (written to the audit log).
pub const PURPOSE_REQUIRED_ABOVE: usize = 10;

/// One input's result, in the form the UI, the CLI's `--json` and exports use. It carries no
/// contact details: those stay with KRR (terms of use).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LookupRow {
    /// The identifier, masked for persons (`010180 *****`), in full for organisations.
    pub identifier: String,
    /// Passed the local check.
    pub valid: bool,
    /// What the identifier is.
    pub kind: Option<IdentKind>,
    /// Why it is invalid (nothing was sent for it).
    pub problem: Option<IdentProblem>,
    /// KRR `status` (`AKTIV`, `SLETTET`, `IKKE_REGISTRERT`, or a new value as KRR wrote it).
    pub status: Option<String>,
    /// KRR `reservasjon` (`JA`/`NEI`).
    pub reservasjon: Option<String>,
    /// KRR `varslingsstatus`.
    pub varslingsstatus: Option<String>,
    /// The digital mailbox provider.
    pub postkasseleverandoer: Option<MailboxProvider>,
    /// Where a letter would go.
    pub route: Option<Route>,
    /// Why.
    pub reason: Option<RouteReason>,
    /// Notification channels usable under the 18-month rule.
    pub notification: Option<NotificationChannels>,
    /// Where SvarUt's choice is not settled by the sources: the other possible channel.
    pub alternative: Option<Route>,
    /// The person's chosen language.
    pub spraak: Option<String>,
    /// Why the lookup failed for this identifier (its chunk failed); retry it. English: the
    /// CLI and the log.
    pub error: Option<String>,
    /// The same, for the UI to say in the clerk's language.
    pub error_detail: Option<crate::problem::Problem>,
}

/// A lookup could not start.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// More than ten identifiers and no purpose.
    #[error("a purpose is required when looking up more than {PURPOSE_REQUIRED_ABOVE} persons")]
    PurposeRequired,
    /// The audit entry could not be written, so nothing was sent.
    #[error("the lookup was not sent because the audit log could not be written: {0}")]
    Audit(#[from] StoreError),
}

/// Who asks, where, and why.
#[derive(Debug, Clone)]
pub struct LookupContext<'a> {
    /// The OS user.
    pub actor: &'a str,
    /// `sandbox`, `test` or `prod`.
    pub environment: &'a str,
    /// Why (required above [`PURPOSE_REQUIRED_ABOVE`] persons).
    pub purpose: Option<&'a str>,
    /// The time for the 18-month rule.
    pub now: DateTime<Utc>,
}

/// The inputs, checked: the rows so far and the persons to look up (each once).
#[derive(Debug)]
pub struct Plan {
    parsed: Vec<(LookupRow, Option<Identifier>)>,
    persons: Vec<Fnr>,
}

impl Plan {
    /// Checks every input locally, and what may be sent to KRR in `environment`: never H-, FH-
    /// or NAV synthetic numbers (not in KRR); in the test environment only synthetic (Tenor)
    /// numbers; in production no synthetic ones.
    pub fn new<S: AsRef<str>>(
        inputs: &[S],
        environment: Environment,
        today: chrono::NaiveDate,
    ) -> Self {
        let mut persons: Vec<Fnr> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let parsed = inputs
            .iter()
            .map(|input| {
                let checked = check(input.as_ref(), today);
                let row = LookupRow {
                    identifier: checked.input,
                    valid: checked.valid,
                    kind: checked.kind,
                    problem: checked.problem,
                    status: None,
                    reservasjon: None,
                    varslingsstatus: None,
                    postkasseleverandoer: None,
                    route: None,
                    reason: None,
                    notification: None,
                    alternative: None,
                    spraak: None,
                    error: None,
                    error_detail: None,
                };
                let mut row = row;
                // Only what the check found valid (a future birth date is not) may be looked up.
                let mut identifier = Identifier::parse(input.as_ref()).ok().filter(|_| row.valid);
                if let Some(Identifier::Person(fnr)) = &identifier
                    && let Some((code, message)) = not_for_krr(fnr, environment)
                {
                    row.valid = false;
                    row.problem = Some(IdentProblem {
                        code: code.to_owned(),
                        message: message.to_owned(),
                        position: None,
                        found_length: None,
                    });
                    identifier = None;
                }
                if let Some(Identifier::Person(fnr)) = &identifier
                    && seen.insert(fnr.expose().to_owned())
                {
                    persons.push(fnr.clone());
                }
                (row, identifier)
            })
            .collect();
        Self { parsed, persons }
    }

    /// Distinct persons to look up.
    pub fn persons(&self) -> &[Fnr] {
        &self.persons
    }

    /// Invalid inputs.
    pub fn invalid_count(&self) -> usize {
        self.parsed.iter().filter(|(row, _)| !row.valid).count()
    }

    /// Rows for a lookup that was not (or not yet) sent: organisations routed, persons empty.
    pub fn local_rows(&self, now: DateTime<Utc>) -> Vec<LookupRow> {
        self.finish(&HashMap::new(), &HashMap::new(), &[], now)
    }

    fn finish(
        &self,
        found: &HashMap<String, KrrPerson>,
        failed: &HashMap<String, (String, crate::problem::Problem)>,
        not_registered: &[Fnr],
        now: DateTime<Utc>,
    ) -> Vec<LookupRow> {
        let not_registered: HashSet<&str> = not_registered.iter().map(Fnr::expose).collect();
        self.parsed
            .iter()
            .map(|(row, identifier)| {
                let mut row = row.clone();
                match identifier {
                    Some(Identifier::Organisation(_)) => fill(&mut row, None, route_organisation()),
                    Some(Identifier::Person(fnr)) => {
                        if let Some((error, problem)) = failed.get(fnr.expose()) {
                            row.error = Some(error.clone());
                            row.error_detail = Some(problem.clone());
                        } else if let Some(person) = found.get(fnr.expose()) {
                            fill(&mut row, Some(person), route_person(Some(person), now));
                        } else if not_registered.contains(fnr.expose()) {
                            fill(&mut row, None, route_person(None, now));
                        }
                    }
                    None => {}
                }
                row
            })
            .collect()
    }
}

fn fill(
    row: &mut LookupRow,
    person: Option<&KrrPerson>,
    decision: crate::routing::RoutingDecision,
) {
    if let Some(person) = person {
        row.status = Some(person.status.as_str().to_owned());
        row.reservasjon = person.reservasjon.as_ref().map(|r| r.as_str().to_owned());
        row.varslingsstatus = person
            .varslingsstatus
            .as_ref()
            .map(|v| v.as_str().to_owned());
        row.spraak = person.spraak.clone();
    } else if row.kind != Some(IdentKind::Organisasjonsnummer) {
        row.status = Some("IKKE_REGISTRERT".to_owned());
    }
    row.postkasseleverandoer = decision.provider;
    row.route = Some(decision.route);
    row.reason = Some(decision.reason);
    row.notification = Some(decision.notification);
    row.alternative = decision.alternative;
}

/// Why a valid number may not be sent to KRR in `environment`: (code, message). The rules
/// are the one gate's ([`crate::gate`]).
fn not_for_krr(fnr: &Fnr, environment: Environment) -> Option<(&'static str, &'static str)> {
    crate::gate::check_person(fnr, environment, crate::gate::Destination::Krr)
        .err()
        .map(|refused| (refused.code, refused.message))
}

/// Writes the audit entry, looks the plan's persons up, and returns one row per input.
pub async fn run(
    plan: &Plan,
    krr: &KrrClient,
    store: &Store,
    context: &LookupContext<'_>,
    cancel: &Cancel,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<Vec<LookupRow>, LookupError> {
    let count = plan.persons().len();
    let purpose = context.purpose.map(str::trim).filter(|p| !p.is_empty());
    if count > PURPOSE_REQUIRED_ABOVE && purpose.is_none() {
        return Err(LookupError::PurposeRequired);
    }
    if count > 0 {
        store.append_audit(&NewAuditEntry {
            actor: context.actor.to_owned(),
            action: "krr_lookup".to_owned(),
            environment: context.environment.to_owned(),
            count: u32::try_from(count).unwrap_or(u32::MAX),
            // The purpose is free text: a fødselsnummer typed into it is masked in the log.
            purpose: purpose
                .map(|p| String::from_utf8_lossy(&crate::mask::bytes(p.as_bytes())).into_owned()),
        })?;
    }
    let report = krr.lookup(plan.persons(), cancel, progress).await;
    let failed: HashMap<String, (String, crate::problem::Problem)> = report
        .failed
        .iter()
        .flat_map(|chunk| {
            use crate::problem::Explain;
            let said = (chunk.error.to_string(), chunk.error.problem());
            chunk
                .ids
                .iter()
                .map(move |fnr| (fnr.expose().to_owned(), said.clone()))
        })
        .collect();
    Ok(plan.finish(&report.found, &failed, &report.not_registered, context.now))
}

/// The OS user, for the audit log: `USER`, `LOGNAME` or `USERNAME` (Windows), else the home
/// directory's name.
pub fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|u| !u.trim().is_empty())
        .or_else(|| {
            dirs::home_dir().and_then(|h| h.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()
    }

    #[test]
    fn only_numbers_krr_can_answer_for_the_environment_are_planned() {
        // Tenor synthetic, NAV synthetic (month + 40), an ordinary-looking number, an organisation.
        let inputs = ["20914695016", "15507600333", "30108299920", "991825827"];
        let problem =
            |plan: &Plan, i: usize| plan.parsed[i].0.problem.as_ref().map(|p| p.code.clone());

        let test = Plan::new(&inputs, Environment::Test, today());
        assert_eq!(
            test.persons().len(),
            1,
            "only the Tenor number goes to KRR's test environment"
        );
        assert_eq!(problem(&test, 1).as_deref(), Some("not_in_krr"));
        assert_eq!(problem(&test, 2).as_deref(), Some("real_number_in_test"));
        assert_eq!(problem(&test, 3), None);

        let prod = Plan::new(&inputs, Environment::Production, today());
        assert_eq!(
            problem(&prod, 0).as_deref(),
            Some("synthetic_number_in_production")
        );
        assert_eq!(
            prod.persons().iter().map(Fnr::expose).collect::<Vec<_>>(),
            ["30108299920"]
        );

        let sandbox = Plan::new(&inputs, Environment::Sandbox, today());
        assert_eq!(sandbox.persons().len(), 2);
    }

    #[test]
    fn a_number_given_twice_is_looked_up_once() {
        let plan = Plan::new(
            &["20914695016", "209146 95016"].map(|s| s.replace(' ', "")),
            Environment::Sandbox,
            today(),
        );
        assert_eq!(plan.persons().len(), 1);
        assert_eq!(plan.local_rows(chrono::Utc::now()).len(), 2);
    }

    #[test]
    fn a_birth_date_in_the_future_is_a_typing_error_and_never_looked_up() {
        // 13.01.2034 and 10.12.2027: valid check digits, but nobody is born yet.
        let plan = Plan::new(
            &["13013491571", "10122772557", "20914695016"],
            Environment::Sandbox,
            today(),
        );
        assert_eq!(plan.persons().len(), 1);
        let rows = plan.local_rows(chrono::Utc::now());
        for row in &rows[..2] {
            assert!(!row.valid);
            assert_eq!(row.problem.as_ref().unwrap().code, "future_birth_date");
        }
        // On a later day the same number is a person.
        let later = chrono::NaiveDate::from_ymd_opt(2034, 2, 1).unwrap();
        assert!(check("13013491571", later).valid);
        let checked = check("13013491571", today());
        assert!(
            checked.description.contains("13.01.2034"),
            "{}",
            checked.description
        );
        assert_eq!(checked.input, "130134 *****");
    }
}
