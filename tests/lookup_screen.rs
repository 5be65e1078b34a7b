//! The lookup behind the Oppslag screen, through the app's state: sandbox credentials, the
//! audit log, progress, and a clear error where no credentials are set up.

use std::sync::{Arc, Mutex};

use kommunepost_app::error::ErrorCode;
use kommunepost_app::state::AppState;
use kommunepost_core::clock::SystemClock;
use kommunepost_core::config::{Environment, Settings};
use kommunepost_core::maskinporten::CredentialKind;
use kommunepost_core::paths::AppPaths;
use kommunepost_core::store::{CredentialStore, MemoryCredentials};
use kommunepost_sandbox::{KrrSituation, Population, PopulationConfig};

fn state(dir: &std::path::Path) -> AppState {
    let credentials: Arc<dyn CredentialStore> = Arc::new(MemoryCredentials::new());
    AppState::with_credentials(AppPaths::under(dir), Ok(credentials), Arc::new(SystemClock))
        .unwrap()
}

/// The app's own sandbox population (the settings' seed and size).
fn population() -> Population {
    let settings = Settings::default();
    Population::generate(&PopulationConfig {
        seed: settings.sandbox.seed.into(),
        persons: settings.sandbox.persons as usize,
        as_of: chrono::Utc::now(),
    })
}

/// A state whose test environment is served by a fresh sandbox (its addresses in the settings),
/// switched to Test; the sandbox's credentials are not yet imported.
async fn test_environment_backed_by_a_sandbox(
    dir: &std::path::Path,
    krr_api: Option<kommunepost_core::config::KrrApi>,
) -> (kommunepost_sandbox::SandboxServer, AppState) {
    let sandbox =
        kommunepost_sandbox::SandboxServer::start(Arc::new(population()), Arc::new(SystemClock), 0)
            .await
            .unwrap();
    let state = state(dir);
    let endpoints = sandbox.endpoints();
    state
        .update_settings(|s| {
            s.test.endpoints.maskinporten = Some(endpoints.maskinporten.clone());
            s.test.endpoints.krr = Some(endpoints.krr.clone());
            s.test.krr_api = krr_api;
        })
        .unwrap();
    state.set_environment(Environment::Test).await.unwrap();
    (sandbox, state)
}

#[tokio::test]
async fn the_screen_lookup_routes_each_row_writes_one_audit_entry_and_reports_progress() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    state.ensure_sandbox().await.unwrap();
    let population = population();
    let digipost = population
        .first_in(KrrSituation::DigitalDigipost)
        .unwrap()
        .fnr
        .expose()
        .to_owned();
    let reserved = population
        .first_in(KrrSituation::Reserved)
        .unwrap()
        .fnr
        .expose()
        .to_owned();
    let text = format!("{digipost}, {reserved}\n991825827 2091469501");
    let updates = Mutex::new(Vec::new());

    let rows = state
        .lookup(&text, None, "lookup-1", &|p| {
            updates.lock().unwrap().push((p.lookup_id, p.done, p.total))
        })
        .await
        .unwrap();

    let reasons: Vec<_> = rows.iter().map(|r| r.reason).collect();
    use kommunepost_core::routing::RouteReason::*;
    assert_eq!(
        reasons,
        [Some(HasMailbox), Some(Reserved), Some(Organisation), None]
    );
    assert_eq!(rows[3].problem.as_ref().unwrap().code, "wrong_length");
    assert_eq!(
        updates.into_inner().unwrap(),
        [("lookup-1".to_owned(), 2, 2)]
    );
    let store = state.session().store().unwrap();
    let audit = store.list_audit(10).unwrap();
    assert_eq!(
        (audit.len(), audit[0].count, audit[0].environment.as_str()),
        (1, 2, "sandbox")
    );
}

#[tokio::test]
async fn more_than_ten_persons_without_a_purpose_are_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    state.ensure_sandbox().await.unwrap();
    let text: Vec<String> = population()
        .persons
        .iter()
        .take(11)
        .map(|p| p.fnr.expose().to_owned())
        .collect();
    let error = state
        .lookup(&text.join(" "), Some("  "), "x", &|_| {})
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::PurposeRequired);
    assert_eq!(
        error.detail.map(|d| d.key),
        Some(kommunepost_core::problem::ProblemKey::PurposeRequired)
    );
    assert!(
        state
            .session()
            .store()
            .unwrap()
            .list_audit(10)
            .unwrap()
            .is_empty()
    );
    let rows = state
        .lookup(&text.join(" "), Some("Skoleskyss"), "y", &|_| {})
        .await
        .unwrap();
    assert_eq!(rows.len(), 11);
}

#[tokio::test]
async fn in_test_without_credentials_the_lookup_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    state.set_environment(Environment::Test).await.unwrap();
    let error = state
        .lookup("20914695016", None, "z", &|_| {})
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::NoCredentials);
    let detail = error.detail.expect("the clerk's message");
    assert_eq!(
        detail.key,
        kommunepost_core::problem::ProblemKey::MissingClientId
    );
    assert_eq!(detail.params["environment"], "test");
}

#[tokio::test]
async fn cancelling_an_unknown_lookup_is_harmless() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!state(dir.path()).cancel_lookup("not-running"));
}

#[tokio::test]
async fn test_connection_in_the_sandbox_passes_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    state.ensure_sandbox().await.unwrap();
    let steps = state.test_connection(Environment::Sandbox).await;
    let names: Vec<(&str, bool)> = steps.iter().map(|s| (s.step.as_str(), s.ok)).collect();
    assert_eq!(
        names,
        [
            ("credentials", true),
            ("token", true),
            ("lookup", true),
            ("svarut", true),
            ("signing", true)
        ],
        "{steps:?}"
    );
    use kommunepost_core::problem::ProblemKey as K;
    let said: Vec<K> = steps.iter().map(|s| s.detail.key).collect();
    assert_eq!(
        said,
        [
            K::StepCredentialsOk,
            K::StepTokenOk,
            K::StepLookupOk,
            K::StepSvarUtOk,
            K::StepSigningOk
        ]
    );
}

#[tokio::test]
async fn a_client_saved_for_test_is_used_for_lookups_and_a_wrong_one_fails_at_the_token_step() {
    // A sandbox stands in for the test environment: the test environment's addresses point at
    // it, and its certificate is imported the way a clerk imports the municipality's.
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, state) = test_environment_backed_by_a_sandbox(dir.path(), None).await;
    let credentials = sandbox.credentials().clone();

    let wrong = state
        .save_client(
            Environment::Test,
            "klient",
            CredentialKind::Pkcs12,
            &credentials.pkcs12,
            "feil passord",
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.code, ErrorCode::BadCertificate);
    assert!(
        state
            .client_setup(Environment::Test)
            .await
            .unwrap()
            .is_none(),
        "nothing saved"
    );

    let info = state
        .save_client(
            Environment::Test,
            "ukjent-klient",
            CredentialKind::Pkcs12,
            &credentials.pkcs12,
            &credentials.password,
        )
        .await
        .unwrap();
    assert_eq!(
        info.org_number.as_deref(),
        Some(kommunepost_sandbox::SANDBOX_ORG_NUMBER)
    );
    let steps = state.test_connection(Environment::Test).await;
    assert_eq!(
        (steps[1].step.as_str(), steps[1].ok),
        ("token", false),
        "{steps:?}"
    );
    assert!(
        steps[1].message.contains("client id"),
        "says what to fix: {}",
        steps[1].message
    );

    state
        .save_client(
            Environment::Test,
            &credentials.client_id,
            CredentialKind::Pkcs12,
            &credentials.pkcs12,
            &credentials.password,
        )
        .await
        .unwrap();
    // Maskinporten and KRR pass; SvarUt and signing are checked too (not set up here).
    let steps = state.test_connection(Environment::Test).await;
    assert!(
        steps.iter().take(3).all(|s| s.ok) && steps.len() == 5,
        "{steps:?}"
    );
    assert_eq!(
        (steps[3].step.as_str(), steps[4].step.as_str()),
        ("svarut", "signing")
    );
    let setup = state
        .client_setup(Environment::Test)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(setup.client_id, credentials.client_id);

    let digipost = population()
        .first_in(KrrSituation::DigitalDigipost)
        .unwrap()
        .fnr
        .expose()
        .to_owned();
    let rows = state.lookup(&digipost, None, "t", &|_| {}).await.unwrap();
    assert_eq!(
        rows[0].reason,
        Some(kommunepost_core::routing::RouteReason::HasMailbox)
    );
    let settings = std::fs::read_to_string(dir.path().join("config/settings.toml")).unwrap();
    assert!(
        !settings.contains(&credentials.password),
        "the password is not in the settings file"
    );
}

#[tokio::test]
async fn a_registered_key_with_its_kid_works_for_the_test_environment_too() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, state) = test_environment_backed_by_a_sandbox(dir.path(), None).await;
    let credentials = sandbox.credentials().clone();
    let missing_kid = state
        .save_client(
            Environment::Test,
            &credentials.kid_client_id,
            CredentialKind::Key,
            &credentials.kid_private_pem,
            " ",
        )
        .await
        .unwrap_err();
    assert_eq!(missing_kid.code, ErrorCode::BadCertificate);
    let info = state
        .save_client(
            Environment::Test,
            &credentials.kid_client_id,
            CredentialKind::Key,
            &credentials.kid_private_pem,
            &credentials.kid,
        )
        .await
        .unwrap();
    assert_eq!(info.kid.as_deref(), Some(credentials.kid.as_str()));
    // Maskinporten and KRR pass; SvarUt and signing are checked too (not set up here).
    let steps = state.test_connection(Environment::Test).await;
    assert!(
        steps.iter().take(3).all(|s| s.ok) && steps.len() == 5,
        "{steps:?}"
    );
    assert_eq!(
        (steps[3].step.as_str(), steps[4].step.as_str()),
        ("svarut", "signing")
    );
}

#[tokio::test]
async fn the_krr_api_version_in_the_settings_is_used_for_lookups() {
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, state) = test_environment_backed_by_a_sandbox(
        dir.path(),
        Some(kommunepost_core::config::KrrApi::V1),
    )
    .await;
    let credentials = sandbox.credentials().clone();
    state
        .save_client(
            Environment::Test,
            &credentials.client_id,
            CredentialKind::Pkcs12,
            &credentials.pkcs12,
            &credentials.password,
        )
        .await
        .unwrap();
    // v1 reports unknown persons itself (v2 leaves them out): the stranger comes back as an entry.
    let rows = state
        .lookup("20914695016", None, "v1", &|_| {})
        .await
        .unwrap();
    assert_eq!(rows[0].status.as_deref(), Some("IKKE_REGISTRERT"));
    assert_eq!(
        (
            sandbox.krr_double.requests(),
            sandbox.krr_double.v1_requests()
        ),
        (1, 1)
    );
}

/// The sandbox services start when first needed, not with the app: an idle worker round
/// leaves them stopped, and the first client that needs them starts them (once, however
/// many ask at the same time) and tells the window their address.
#[tokio::test]
async fn the_sandbox_starts_when_first_needed_and_tells_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(state(dir.path()));
    let told = Arc::new(Mutex::new(Vec::new()));
    let heard = told.clone();
    state.on_app_info_change(move |info| heard.lock().unwrap().push(info.sandbox_url));
    let idle = state.outbox_round(true).await.unwrap();
    assert!(!idle.outbox_changed(), "{idle:?}");
    assert_eq!(state.signing_round().await.unwrap().signing_statuses, 0);
    assert_eq!(
        state.app_info().sandbox_url,
        None,
        "an idle round started the sandbox"
    );
    assert!(told.lock().unwrap().is_empty());

    // Clients built at once, each first to need the sandbox while holding its own cache:
    // they wait for one start, and none waits for another's lock (a signing client first used
    // to deadlock here).
    let (a, b, c, d) = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        tokio::join!(
            state.signing_client(),
            state.krr_client(),
            state.svarut_client(),
            state.access_for(Environment::Sandbox)
        )
    })
    .await
    .expect("the clients were built without waiting on each other");
    a.unwrap();
    b.unwrap();
    c.unwrap();
    d.unwrap();
    let url = state
        .app_info()
        .sandbox_url
        .expect("started by the first client");
    assert_eq!(
        *told.lock().unwrap(),
        vec![Some(url)],
        "started once, and the window told"
    );
}
