//! One worker per store, across processes: two `kommunepost outbox run` processes and an
//! in-process worker that takes the lock as the app's background worker does, all on one store
//! with 30 letters queued and one shared SvarUt taking 0.3 s a send. Every letter reaches SvarUt
//! exactly once; the processes that do not hold the lock say who is sending and exit with code
//! 3; nothing crashes. And Ctrl-C stops a run between rounds, also between rounds that follow
//! one another without a rest.

mod support;

use std::sync::Arc;
use std::time::Duration;

use kommunepost_core::clock::SystemClock;
use kommunepost_core::secret::Secret;
use kommunepost_core::store::OutboxState;
use support::{Shared, letter};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_outbox_runs_and_the_app_on_one_store_deliver_each_letter_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = Arc::new(support::store(&data));
    let shared = Shared::start(dir.path(), Duration::from_millis(300)).await;
    let (credentials, endpoints) = (&shared.credentials, &shared.endpoints);
    let ids: Vec<String> = (0..30)
        .map(|n| store.enqueue_letter(letter(n)).unwrap().id)
        .collect();
    let outbox_run = || shared.outbox_run(&data, true);
    let first = outbox_run();
    let second = outbox_run();

    // The app's background worker: the same lock, the same rounds.
    let app = {
        let store = store.clone();
        let data = data.clone();
        let svarut = Arc::new(
            kommunepost_core::svarut::connect(
                &endpoints.svarut,
                &endpoints.maskinporten,
                None,
                &credentials.client_id,
                kommunepost_core::maskinporten::ClientCredential::from_pkcs12(
                    &credentials.pkcs12,
                    &credentials.password,
                )
                .unwrap(),
                kommunepost_core::svarut::SvarUtAccount {
                    konto_id: credentials.svarut_konto_id.clone(),
                    integrasjon_id: credentials.integrasjon_id.clone(),
                    integrasjon_passord: Secret::new(credentials.integrasjon_passord.clone()),
                },
                &kommunepost_core::config::Timeouts::default(),
                Arc::new(SystemClock),
            )
            .unwrap(),
        );
        tokio::spawn(async move {
            let mut busy = 0;
            let mut sent = 0;
            for _ in 0..300 {
                match kommunepost_core::background::take_worker_lock(
                    &data,
                    "kommunepost-app",
                    &store,
                    chrono::Utc::now(),
                ) {
                    Ok(_lock) => {
                        let worker = kommunepost_core::outbox::Worker::new(
                            store.clone(),
                            svarut.clone(),
                            None,
                            Arc::new(SystemClock),
                            kommunepost_core::outbox::AuditAs {
                                actor: "app".into(),
                                environment: "sandbox".into(),
                            },
                        );
                        let report = kommunepost_core::background::supervised(
                            kommunepost_core::background::outbox_round(&worker, false),
                        )
                        .await
                        .expect("the app's round");
                        sent += report.sent;
                    }
                    Err(error) => {
                        assert!(
                            error
                                .to_string()
                                .starts_with("another Kommunepost on this machine is sending"),
                            "{error}"
                        );
                        busy += 1;
                    }
                }
                let open = store
                    .list_outbox(None)
                    .unwrap()
                    .iter()
                    .filter(|l| l.state != OutboxState::Sent)
                    .count();
                if open == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            (sent, busy)
        })
    };

    let wait = |child: std::process::Child| {
        tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
    };
    let (first, second, app) = tokio::join!(wait(first), wait(second), app);
    let (app_sent, _) = app.unwrap();
    let mut cli_sent = 0;
    for output in [first.unwrap(), second.unwrap()] {
        let err = String::from_utf8_lossy(&output.stderr);
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(!err.contains("panicked"), "{err}");
        match output.status.code() {
            Some(0) => {
                let outcome: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
                cli_sent += outcome["sent"].as_u64().unwrap();
            }
            Some(3) => assert!(
                err.contains("another Kommunepost on this machine is sending (")
                    && err.contains(", pid "),
                "{err}"
            ),
            other => panic!("exit {other:?}: {out}{err}"),
        }
    }
    assert_eq!(
        cli_sent + u64::from(app_sent),
        30,
        "the letters were sent by whoever held the lock"
    );
    let received = shared.received();
    let mut references: Vec<&String> = received.keys().collect();
    references.sort();
    let mut expected: Vec<&String> = ids.iter().collect();
    expected.sort();
    assert_eq!(references, expected, "every letter arrived");
    assert!(received.values().all(|n| *n == 1), "none twice");
    for id in &ids {
        assert_eq!(store.get_letter(id).unwrap().state, OutboxState::Sent);
    }
    shared.sandbox.stop().await;
}

/// Ctrl-C (SIGINT) stops `outbox run` after the round under way, also while rounds follow one
/// another without a rest (each sent all a round may): the run exits cleanly with what it
/// sent, the rest stays queued for the next run, and nothing is sent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_outbox_run_between_rounds_that_follow_without_a_rest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = support::store(&data);
    // Three rounds' worth, each send taking 20 ms: over 2 s of rounds back to back.
    for n in 0..450 {
        store.enqueue_letter(letter(n)).unwrap();
    }
    let shared = Shared::start(dir.path(), Duration::from_millis(20)).await;
    let mut run = shared.outbox_run(&data, true);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while shared.sandbox.svarut_double.accepted().len() < 20 {
        assert!(std::time::Instant::now() < deadline, "nothing was sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &run.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = run.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Ctrl-C did not stop the run"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let output = run.wait_with_output().unwrap();
    assert!(
        status.success(),
        "{status:?} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let received = shared.received();
    assert!(
        received.values().all(|n| *n == 1),
        "sent twice: {received:?}"
    );
    assert!(
        received.len() < 450,
        "the run went on through every round after Ctrl-C ({} sent)",
        received.len()
    );
    let store = kommunepost_core::store::Store::open(
        &data,
        kommunepost_core::store::UnlockWith::Passphrase(Secret::new(support::PASSPHRASE.into())),
        Arc::new(SystemClock),
    )
    .unwrap();
    let sent = store
        .list_outbox(None)
        .unwrap()
        .into_iter()
        .filter(|l| l.state == OutboxState::Sent)
        .count();
    assert_eq!(sent, received.len(), "what was accepted is recorded");
}
