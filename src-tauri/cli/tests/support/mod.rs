//! Set-up shared by the tests that run several `kommunepost` processes on one store against one
//! sandbox: a passphrase store, letters to queue, a sandbox whose addresses and credentials the
//! processes are given as flags, and the `outbox run` command for it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use kommunepost_core::clock::SystemClock;
use kommunepost_core::config::Endpoints;
use kommunepost_core::secret::Secret;
use kommunepost_core::store::{LetterKind, NewLetter, Store, UnlockWith};
use kommunepost_core::svarut::model::{Adresse, Dokument, Forsendelse};
use kommunepost_sandbox::svarut::SvarUtFaults;
use kommunepost_sandbox::{Population, PopulationConfig, SandboxCredentials, SandboxServer};

pub const PASSPHRASE: &str = "prosess passordfrase";

/// A letter to a person without a number (sent to print), ready for SvarUt's checks.
pub fn letter(n: usize) -> NewLetter {
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
        case: None,
        title: None,
    }
}

/// A passphrase store made by `kommunepost store init` in `data`, opened here too.
pub fn store(data: &Path) -> Store {
    let init = Command::new(env!("CARGO_BIN_EXE_kommunepost"))
        .arg("--data-dir")
        .arg(data)
        .args(["store", "init"])
        .env("KOMMUNEPOST_PASSPHRASE", PASSPHRASE)
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    Store::open(
        data,
        UnlockWith::Passphrase(Secret::new(PASSPHRASE.into())),
        Arc::new(SystemClock),
    )
    .unwrap()
}

/// A sandbox shared by the processes, whose SvarUt takes `latency` a send.
pub struct Shared {
    pub sandbox: SandboxServer,
    pub credentials: SandboxCredentials,
    pub endpoints: Endpoints,
    certificate: PathBuf,
}

impl Shared {
    pub async fn start(dir: &Path, latency: Duration) -> Self {
        let population = Arc::new(Population::generate(&PopulationConfig {
            seed: 42,
            persons: 50,
            as_of: chrono::Utc::now(),
        }));
        let sandbox = SandboxServer::start(population, Arc::new(SystemClock), 0)
            .await
            .unwrap();
        sandbox.svarut_double.set_faults(SvarUtFaults {
            latency,
            ..SvarUtFaults::default()
        });
        let credentials = sandbox.credentials().clone();
        let certificate = dir.join("virksomhet.p12");
        std::fs::write(&certificate, &credentials.pkcs12).unwrap();
        let endpoints = sandbox.endpoints();
        Self {
            sandbox,
            credentials,
            endpoints,
            certificate,
        }
    }

    /// `kommunepost outbox run --json` on the store in `data`, against this sandbox.
    pub fn outbox_run(&self, data: &Path, output: bool) -> Child {
        let (endpoints, credentials) = (&self.endpoints, &self.credentials);
        let pipe = || {
            if output {
                Stdio::piped()
            } else {
                Stdio::null()
            }
        };
        Command::new(env!("CARGO_BIN_EXE_kommunepost"))
            .arg("--data-dir")
            .arg(data)
            .args(["--maskinporten-url", &endpoints.maskinporten])
            .args(["--krr-url", &endpoints.krr])
            .args(["--svarut-url", &endpoints.svarut])
            .args(["outbox", "run", "--json"])
            .args(["--client-id", &credentials.client_id])
            .arg("--certificate")
            .arg(&self.certificate)
            .args(["--konto-id", &credentials.svarut_konto_id])
            .args(["--integrasjon-id", &credentials.integrasjon_id])
            .env("KOMMUNEPOST_PASSPHRASE", PASSPHRASE)
            .env("KOMMUNEPOST_CERTIFICATE_PASSWORD", &credentials.password)
            .env(
                "KOMMUNEPOST_INTEGRASJON_PASSORD",
                &credentials.integrasjon_passord,
            )
            .stdout(pipe())
            .stderr(pipe())
            .spawn()
            .unwrap()
    }

    /// How many times SvarUt received each reference.
    pub fn received(&self) -> std::collections::HashMap<String, usize> {
        let mut per_reference = std::collections::HashMap::new();
        for accepted in self.sandbox.svarut_double.accepted() {
            *per_reference
                .entry(accepted.forsendelse.ekstern_referanse.clone().unwrap())
                .or_insert(0) += 1;
        }
        per_reference
    }
}
