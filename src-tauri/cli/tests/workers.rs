//! One worker per store, across processes: two `kommunepost outbox run` processes and an
//! in-process worker that takes the lock as the app's background worker does, all on one store
//! with 30 letters queued and one shared SvarUt taking 0.3 s a send. Every letter reaches SvarUt
//! exactly once; the processes that do not hold the lock say who is sending and exit with code
//! 3; nothing crashes.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use kommunepost_core::clock::SystemClock;
use kommunepost_core::secret::Secret;
use kommunepost_core::store::{LetterKind, NewLetter, OutboxState, Store, UnlockWith};
use kommunepost_core::svarut::model::{Adresse, Dokument, Forsendelse};
use kommunepost_sandbox::svarut::SvarUtFaults;
use kommunepost_sandbox::{Population, PopulationConfig, SandboxServer};

const PASSPHRASE: &str = "cli passordfrase";

fn letter(n: usize) -> NewLetter {
    NewLetter {
        mailing_id: None,
        recipient_name: format!("Mottaker {n}"),
        recipient_id: None,
        forsendelse: Forsendelse {
            tittel: format!("Brev nummer {n}"),
            mottaker: Adresse {
                navn: format!("Mottaker {n}"),
                adresselinje1: Some("Storgata 1".into()),
                postnummer: Some("7300".into()),
                poststed: Some("ORKANGER".into()),
                ..Adresse::default()
            },
            avgivende_system: Some("Kommunepost".into()),
            dokumenter: vec![Dokument {
                filnavn: format!("Brev nummer {n}.pdf"),
                mime_type: "application/pdf".into(),
                ..Dokument::default()
            }],
            ..Forsendelse::default()
        },
        documents: vec![b"%PDF-1.7\n%%EOF\n".to_vec()],
        hold: chrono::Duration::zero(),
        kind: LetterKind::Ordinary,
        pages: 1,
        environment: "sandbox".into(),
    }
}

fn open(dir: &Path) -> Store {
    Store::open(
        dir,
        UnlockWith::Passphrase(Secret::new(PASSPHRASE.into())),
        Arc::new(SystemClock),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_outbox_runs_and_the_app_on_one_store_deliver_each_letter_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let init = Command::new(env!("CARGO_BIN_EXE_kommunepost"))
        .arg("--data-dir")
        .arg(&data)
        .args(["store", "init"])
        .env("KOMMUNEPOST_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");

    let population = Arc::new(Population::generate(&PopulationConfig {
        seed: 42,
        persons: 50,
        as_of: chrono::Utc::now(),
    }));
    let sandbox = SandboxServer::start(population, Arc::new(SystemClock), 0)
        .await
        .unwrap();
    sandbox.svarut_double.set_faults(SvarUtFaults {
        latency: Duration::from_millis(300),
        ..SvarUtFaults::default()
    });
    let credentials = sandbox.credentials().clone();
    let certificate = dir.path().join("virksomhet.p12");
    std::fs::write(&certificate, &credentials.pkcs12).unwrap();
    let endpoints = sandbox.endpoints();

    let store = Arc::new(open(&data));
    let ids: Vec<String> = (0..30)
        .map(|n| store.enqueue_letter(letter(n)).unwrap().id)
        .collect();

    let outbox_run = || {
        Command::new(env!("CARGO_BIN_EXE_kommunepost"))
            .arg("--data-dir")
            .arg(&data)
            .args(["--maskinporten-url", &endpoints.maskinporten])
            .args(["--krr-url", &endpoints.krr])
            .args(["--svarut-url", &endpoints.svarut])
            .args(["outbox", "run", "--json"])
            .args(["--client-id", &credentials.client_id])
            .arg("--certificate")
            .arg(&certificate)
            .args(["--konto-id", &credentials.svarut_konto_id])
            .args(["--integrasjon-id", &credentials.integrasjon_id])
            .env("KOMMUNEPOST_PASSPHRASE", PASSPHRASE)
            .env("KOMMUNEPOST_CERTIFICATE_PASSWORD", &credentials.password)
            .env(
                "KOMMUNEPOST_INTEGRASJON_PASSORD",
                &credentials.integrasjon_passord,
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
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
    let accepted = sandbox.svarut_double.accepted();
    let mut references: Vec<String> = accepted
        .iter()
        .map(|a| a.forsendelse.ekstern_referanse.clone().unwrap())
        .collect();
    references.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(references, expected, "every letter once, none twice");
    for id in &ids {
        assert_eq!(store.get_letter(id).unwrap().state, OutboxState::Sent);
    }
    sandbox.stop().await;
}
