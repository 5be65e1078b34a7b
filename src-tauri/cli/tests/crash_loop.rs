//! The crash loop: letters queued in one store, `kommunepost outbox run` killed with SIGKILL at
//! random moments and started again, until every letter is sent. Counted at the SvarUt
//! stand-in: no letter lost, none sent twice.
//!
//! CI runs a short loop (40 letters, 5 kills). The documented long run:
//! `KOMMUNEPOST_CRASH_LETTERS=2000 KOMMUNEPOST_CRASH_KILLS=25 cargo test -p kommunepost-cli
//! --release --test crash_loop -- --nocapture`.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kommunepost_core::clock::SystemClock;
use kommunepost_core::secret::Secret;
use kommunepost_core::store::{LetterKind, NewLetter, OutboxState, Store, UnlockWith};
use kommunepost_core::svarut::model::{Adresse, Dokument, Forsendelse};
use kommunepost_sandbox::svarut::SvarUtFaults;
use kommunepost_sandbox::{Population, PopulationConfig, SandboxServer};

const PASSPHRASE: &str = "krasj passordfrase";

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn letter(n: usize) -> NewLetter {
    NewLetter {
        mailing_id: None,
        recipient_name: format!("Mottaker {n}"),
        recipient_id: None,
        forsendelse: Forsendelse {
            tittel: format!("Brev {n}"),
            mottaker: Adresse {
                navn: format!("Mottaker {n}"),
                adresselinje1: Some("Storgata 1".into()),
                postnummer: Some("7300".into()),
                poststed: Some("ORKANGER".into()),
                ..Adresse::default()
            },
            avgivende_system: Some("Kommunepost".into()),
            dokumenter: vec![Dokument {
                filnavn: format!("Brev {n}.pdf"),
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

/// A small, seedable xorshift for the kill moments (the seed is printed, so a run repeats).
struct Moments(u64);

impl Moments {
    fn next_ms(&mut self, from: u64, to: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        from + self.0 % (to - from)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbox_run_killed_at_random_moments_loses_nothing_and_sends_nothing_twice() {
    let letters = setting("KOMMUNEPOST_CRASH_LETTERS", 40);
    let kills = setting("KOMMUNEPOST_CRASH_KILLS", 5);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut moments = Moments(seed);

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Short timeouts, so a letter whose send was cut off is looked up again within seconds.
    std::fs::create_dir_all(data.join("config")).unwrap();
    std::fs::write(
        data.join("config/settings.toml"),
        "[timeouts]\nconnect_secs = 2\nrequest_secs = 3\nsend_secs = 4\n",
    )
    .unwrap();
    let init = Command::new(env!("CARGO_BIN_EXE_kommunepost"))
        .arg("--data-dir")
        .arg(&data)
        .args(["store", "init"])
        .env("KOMMUNEPOST_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");

    let population = Arc::new(Population::generate(&PopulationConfig {
        seed: 7,
        persons: 20,
        as_of: chrono::Utc::now(),
    }));
    let sandbox = SandboxServer::start(population, Arc::new(SystemClock), 0)
        .await
        .unwrap();
    // Sends take a while, so kills land mid-request too.
    sandbox.svarut_double.set_faults(SvarUtFaults {
        latency: Duration::from_millis(60),
        ..SvarUtFaults::default()
    });
    let credentials = sandbox.credentials().clone();
    let certificate = dir.path().join("virksomhet.p12");
    std::fs::write(&certificate, &credentials.pkcs12).unwrap();
    let endpoints = sandbox.endpoints();

    let store = Store::open(
        &data,
        UnlockWith::Passphrase(Secret::new(PASSPHRASE.into())),
        Arc::new(SystemClock),
    )
    .unwrap();
    let (_, ids) = store
        .enqueue_letters(None, (0..letters).map(letter).collect())
        .unwrap();

    let outbox_run = || -> Child {
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
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };

    let started = Instant::now();
    for _ in 0..kills {
        let mut child = outbox_run();
        let wait = Duration::from_millis(moments.next_ms(150, 1500));
        tokio::time::sleep(wait).await;
        // SIGKILL: no chance to finish a transaction or say goodbye.
        let _ = child.kill();
        let _ = child.wait();
    }
    // Then a run that is left to finish: letters cut off mid-send wait out their lease and
    // are looked up by their reference before anything is sent again.
    let mut last = outbox_run();
    let deadline = Instant::now() + Duration::from_secs(600);
    let status = loop {
        if let Some(status) = last.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the last run did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the last run failed: {status:?}");

    let accepted = sandbox.svarut_double.accepted();
    let mut per_reference = std::collections::HashMap::new();
    for a in &accepted {
        *per_reference
            .entry(a.forsendelse.ekstern_referanse.clone().unwrap())
            .or_insert(0usize) += 1;
    }
    let lost = ids
        .iter()
        .filter(|id| !per_reference.contains_key(*id))
        .count();
    let twice: usize = per_reference.values().map(|n| n - 1).sum();
    println!(
        "crash loop (seed {seed}): {letters} letters, {kills} kills, {:.1} s: lost {lost}, sent twice {twice}",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(lost, 0, "letters lost");
    assert_eq!(twice, 0, "letters sent twice");
    for id in &ids {
        assert_eq!(store.get_letter(id).unwrap().state, OutboxState::Sent);
    }
    sandbox.stop().await;
}
