//! The KRR client against the sandbox's KRR over real HTTP: chunking, unknown persons, every
//! status, token refresh, and each kind of failure.

mod support;

use std::time::Duration;

use kommunepost_core::ident::Fnr;
use kommunepost_core::krr::{Cancel, KrrError, PersonStatus, Reservasjon, Varslingsstatus};
use kommunepost_core::routing::{MailboxProvider, Route, RouteReason, route_person};
use kommunepost_sandbox::KrrSituation;
use kommunepost_sandbox::krr::KrrFaults;

use support::sandbox;

const TIMEOUT: Duration = Duration::from_secs(10);

fn no_progress() -> impl Fn(usize, usize) + Send + Sync {
    |_, _| {}
}

#[tokio::test]
async fn a_single_lookup_finds_a_digipost_citizen_and_routes_them_digitally() {
    let sandbox = sandbox(50).await;
    let krr = sandbox.krr(sandbox.maskinporten(), TIMEOUT);
    let person = sandbox
        .population
        .first_in(KrrSituation::DigitalDigipost)
        .unwrap();

    let report = krr
        .lookup(
            std::slice::from_ref(&person.fnr),
            &Cancel::default(),
            &no_progress(),
        )
        .await;

    assert!(report.failed.is_empty());
    let found = &report.found[person.fnr.expose()];
    assert_eq!(found.status, PersonStatus::Aktiv);
    assert_eq!(found.varslingsstatus, Some(Varslingsstatus::KanVarsles));
    let decision = route_person(Some(found), sandbox.clock.now());
    assert_eq!(
        (decision.route, decision.provider),
        (Route::DigitalPostkasse, Some(MailboxProvider::Digipost))
    );
}

#[tokio::test]
async fn every_situation_in_the_population_comes_back_as_krr_describes_it() {
    let sandbox = sandbox(200).await;
    let krr = sandbox.krr(sandbox.maskinporten(), TIMEOUT);
    let ids: Vec<Fnr> = sandbox
        .population
        .persons
        .iter()
        .map(|p| p.fnr.clone())
        .collect();
    let report = krr.lookup(&ids, &Cancel::default(), &no_progress()).await;
    assert!(report.failed.is_empty());
    let now = sandbox.clock.now();

    for person in &sandbox.population.persons {
        let found = report.found.get(person.fnr.expose());
        let decision = route_person(found, now);
        let expected = match person.situation {
            KrrSituation::DigitalDigipost | KrrSituation::DigitalEboks => RouteReason::HasMailbox,
            KrrSituation::Reserved => RouteReason::Reserved,
            KrrSituation::ContactExpired => RouteReason::ContactExpired,
            KrrSituation::EmailOnly | KrrSituation::MobileOnly | KrrSituation::NoMailbox => {
                RouteReason::NoMailbox
            }
            KrrSituation::Deleted => RouteReason::Deleted,
            KrrSituation::NotRegistered => RouteReason::NotRegistered,
        };
        assert_eq!(decision.reason, expected, "{:?}", person.situation);
        match person.situation {
            KrrSituation::Reserved => {
                let found = found.unwrap();
                assert_eq!(found.reservasjon, Some(Reservasjon::Ja));
                assert!(found.reservasjonstidspunkt.is_some());
                assert_eq!(
                    found.kontaktinformasjon, None,
                    "filtered for KAN_IKKE_VARSLES"
                );
            }
            KrrSituation::ContactExpired => {
                let found = found.unwrap();
                assert_eq!(found.varslingsstatus, Some(Varslingsstatus::KanIkkeVarsles));
                assert_eq!(found.kontaktinformasjon, None);
            }
            KrrSituation::EmailOnly => {
                assert!(decision.notification.email && !decision.notification.sms)
            }
            KrrSituation::MobileOnly => {
                assert!(!decision.notification.email && decision.notification.sms)
            }
            KrrSituation::NotRegistered => {
                assert!(found.is_none(), "v2 leaves unknown persons out");
                assert!(report.not_registered.iter().any(|f| f == &person.fnr));
            }
            KrrSituation::Deleted => assert_eq!(found.unwrap().status, PersonStatus::Slettet),
            _ => {}
        }
    }
}

#[tokio::test]
async fn twenty_five_hundred_identifiers_take_three_requests() {
    let sandbox = sandbox(2500).await;
    let krr = sandbox.krr(sandbox.maskinporten(), TIMEOUT);
    let ids: Vec<Fnr> = sandbox
        .population
        .persons
        .iter()
        .map(|p| p.fnr.clone())
        .collect();
    assert_eq!(ids.len(), 2500);
    let seen = std::sync::Mutex::new(Vec::new());
    let report = krr
        .lookup(&ids, &Cancel::default(), &|done, total| {
            seen.lock().unwrap().push((done, total))
        })
        .await;

    assert_eq!(krr.requests_made(), 3);
    assert_eq!(sandbox.server.krr_double.requests(), 3);
    assert_eq!(report.found.len() + report.not_registered.len(), 2500);
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    assert_eq!(seen.last(), Some(&(2500, 2500)));
    assert_eq!(seen.len(), 3, "progress after each chunk");
}

#[tokio::test]
async fn persons_unknown_to_the_register_are_reported_as_not_registered() {
    let sandbox = sandbox(20).await;
    let krr = sandbox.krr(sandbox.maskinporten(), TIMEOUT);
    let stranger = Fnr::parse("20914695016").unwrap();
    assert!(sandbox.population.person(stranger.expose()).is_none());
    let report = krr
        .lookup(
            std::slice::from_ref(&stranger),
            &Cancel::default(),
            &no_progress(),
        )
        .await;
    assert_eq!(report.not_registered, vec![stranger]);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_lookup_succeeds() {
    let sandbox = sandbox(20).await;
    let tokens = sandbox.maskinporten();
    let krr = sandbox.krr(tokens.clone(), TIMEOUT);
    let first = tokens.token().await.unwrap();
    sandbox.server.krr_double.set_faults(KrrFaults {
        expire_next_tokens: 1,
        ..Default::default()
    });
    let person = &sandbox.population.persons[0];
    let report = krr
        .lookup(
            std::slice::from_ref(&person.fnr),
            &Cancel::default(),
            &no_progress(),
        )
        .await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(krr.requests_made(), 2);
    assert_ne!(
        tokens.token().await.unwrap().token.expose(),
        first.token.expose(),
        "a new token was fetched"
    );
}

/// One single-person request against a stand-in with `faults`.
async fn one_request_with(
    faults: KrrFaults,
    timeout: Duration,
) -> Result<Vec<kommunepost_core::krr::KrrPerson>, KrrError> {
    let sandbox = sandbox(20).await;
    let krr = sandbox.krr(sandbox.maskinporten(), timeout);
    sandbox.server.krr_double.set_faults(faults);
    krr.lookup_chunk(std::slice::from_ref(&sandbox.population.persons[0].fnr))
        .await
}

#[tokio::test]
async fn a_token_refused_twice_is_reported_as_unauthorised() {
    let error = one_request_with(
        KrrFaults {
            expire_next_tokens: 5,
            ..Default::default()
        },
        TIMEOUT,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, KrrError::Unauthorized(_)), "{error}");
}

#[tokio::test]
async fn a_token_without_krr_scopes_is_forbidden() {
    let sandbox = sandbox(20).await;
    let client_id = sandbox.server.credentials().client_id.clone();
    let tokens = sandbox.maskinporten_with(sandbox.certificate(), &client_id, &["ks:fiks"]);
    let krr = sandbox.krr(tokens, TIMEOUT);
    let error = krr
        .lookup_chunk(std::slice::from_ref(&sandbox.population.persons[0].fnr))
        .await
        .unwrap_err();
    assert!(matches!(error, KrrError::Forbidden(_)), "{error}");
}

#[tokio::test]
async fn more_than_a_thousand_in_one_request_is_a_bad_request() {
    let sandbox = sandbox(1001).await;
    let krr = sandbox.krr(sandbox.maskinporten(), TIMEOUT);
    let ids: Vec<Fnr> = sandbox
        .population
        .persons
        .iter()
        .map(|p| p.fnr.clone())
        .collect();
    let error = krr.lookup_chunk(&ids).await.unwrap_err();
    assert!(matches!(error, KrrError::BadRequest(_)), "{error}");
}

#[tokio::test]
async fn a_server_error_fails_that_chunk_only_and_it_can_be_retried() {
    let sandbox = sandbox(2000).await;
    let krr = sandbox.krr(sandbox.maskinporten(), TIMEOUT);
    let ids: Vec<Fnr> = sandbox
        .population
        .persons
        .iter()
        .map(|p| p.fnr.clone())
        .collect();
    sandbox.server.krr_double.set_faults(KrrFaults {
        fail_every: 2,
        ..Default::default()
    });
    let report = krr.lookup(&ids, &Cancel::default(), &no_progress()).await;
    assert_eq!(report.failed.len(), 1);
    assert!(
        matches!(report.failed[0].error, KrrError::Server { status: 500, .. }),
        "{}",
        report.failed[0].error
    );
    assert_eq!(report.found.len() + report.not_registered.len(), 1000);

    sandbox.server.krr_double.set_faults(KrrFaults::default());
    let retry = krr
        .lookup(&report.failed[0].ids, &Cancel::default(), &no_progress())
        .await;
    assert!(retry.failed.is_empty());
    assert_eq!(retry.found.len() + retry.not_registered.len(), 1000);
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let error = one_request_with(
        KrrFaults {
            latency: Duration::from_secs(2),
            ..Default::default()
        },
        Duration::from_millis(300),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, KrrError::Timeout(_)), "{error}");
}

#[tokio::test]
async fn malformed_json_is_reported_as_such() {
    let error = one_request_with(
        KrrFaults {
            malformed_next: 1,
            ..Default::default()
        },
        TIMEOUT,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, KrrError::Malformed(_)), "{error}");
}

#[tokio::test]
async fn a_cancelled_lookup_sends_nothing_more() {
    let sandbox = sandbox(20).await;
    let krr = sandbox.krr(sandbox.maskinporten(), TIMEOUT);
    let cancel = Cancel::default();
    cancel.cancel();
    let report = krr
        .lookup(
            std::slice::from_ref(&sandbox.population.persons[0].fnr),
            &cancel,
            &no_progress(),
        )
        .await;
    assert!(matches!(report.failed[0].error, KrrError::Cancelled));
    assert_eq!(krr.requests_made(), 0);
}

#[tokio::test]
async fn a_clock_past_the_token_lifetime_makes_the_stand_in_refuse_it_and_the_client_recovers() {
    let clock = support::fixed_clock();
    let sandbox = support::sandbox_with_clock(20, clock.clone()).await;
    let tokens = sandbox.maskinporten();
    let krr = sandbox.krr(tokens.clone(), TIMEOUT);
    let id = sandbox.population.persons[0].fnr.clone();
    krr.lookup_chunk(std::slice::from_ref(&id)).await.unwrap();
    // 115 s later the cached token (120 s, handed out until 10 s before) is no longer used.
    clock.advance(chrono::Duration::seconds(115));
    krr.lookup_chunk(std::slice::from_ref(&id)).await.unwrap();
    assert_eq!(
        krr.requests_made(),
        2,
        "no 401 round trip: the client renewed in time"
    );
}
