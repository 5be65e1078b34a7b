//! Shared set-up for the tests that run the real clients against the sandbox services.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use kommunepost_core::clock::{Clock, FixedClock, SystemClock};
use kommunepost_core::krr::{KrrClient, KrrConfig, KrrVersion};
use kommunepost_core::maskinporten::{
    ClientCredential, GrantRequest, MaskinportenClient, MaskinportenConfig, SCOPE_KRR_DIGITALPOST,
    SCOPE_KRR_KONTAKTINFO,
};
use kommunepost_sandbox::{Population, PopulationConfig, SandboxServer};

/// A running sandbox with its population.
pub struct Sandbox {
    pub server: SandboxServer,
    pub population: Arc<Population>,
    pub clock: Arc<dyn Clock>,
}

pub fn population(persons: usize) -> Arc<Population> {
    Arc::new(Population::generate(&PopulationConfig {
        seed: 42,
        persons,
        as_of: Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap(),
    }))
}

pub async fn sandbox(persons: usize) -> Sandbox {
    sandbox_with_clock(persons, Arc::new(SystemClock)).await
}

pub async fn sandbox_with_clock(persons: usize, clock: Arc<dyn Clock>) -> Sandbox {
    let population = population(persons);
    let server = SandboxServer::start(population.clone(), clock.clone(), 0)
        .await
        .expect("sandbox");
    Sandbox {
        server,
        population,
        clock,
    }
}

pub fn fixed_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap(),
    ))
}

impl Sandbox {
    pub fn grant(&self, client_id: &str, scopes: &[&str]) -> GrantRequest {
        GrantRequest {
            audience: self.server.endpoints().maskinporten,
            client_id: client_id.to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            resource: None,
            consumer_org: None,
        }
    }

    pub fn certificate(&self) -> ClientCredential {
        let credentials = self.server.credentials();
        ClientCredential::from_pkcs12(&credentials.pkcs12, &credentials.password)
            .expect("sandbox certificate")
    }

    pub fn token_url(&self) -> String {
        format!("{}token", self.server.endpoints().maskinporten)
    }

    /// A Maskinporten client with the sandbox's enterprise certificate and both KRR scopes.
    pub fn maskinporten(&self) -> Arc<MaskinportenClient> {
        self.maskinporten_with(
            self.certificate(),
            &self.server.credentials().client_id.clone(),
            &[SCOPE_KRR_KONTAKTINFO, SCOPE_KRR_DIGITALPOST],
        )
    }

    pub fn maskinporten_with(
        &self,
        credential: ClientCredential,
        client_id: &str,
        scopes: &[&str],
    ) -> Arc<MaskinportenClient> {
        let config = MaskinportenConfig {
            token_url: self.token_url(),
            grant: self.grant(client_id, scopes),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
        };
        Arc::new(MaskinportenClient::new(config, credential, self.clock.clone()).expect("client"))
    }

    /// A Maskinporten token for SvarUt (`ks:fiks`) from the sandbox, as the bearer string, for
    /// tests that send SvarUt requests by hand.
    pub async fn svarut_token(&self) -> String {
        let credentials = self.server.credentials();
        self.maskinporten_with(self.certificate(), &credentials.client_id, &["ks:fiks"])
            .token()
            .await
            .expect("a SvarUt token")
            .token
            .expose()
            .to_owned()
    }

    pub fn krr(&self, tokens: Arc<MaskinportenClient>, timeout: Duration) -> KrrClient {
        KrrClient::new(
            KrrConfig {
                base_url: self.server.endpoints().krr,
                version: KrrVersion::V2,
                parallelism: 4,
                connect_timeout: Duration::from_secs(5),
                timeout,
            },
            tokens,
        )
        .expect("KRR client")
    }
}

impl Sandbox {
    /// A SvarUt client with the sandbox's integration and a `ks:fiks` token.
    pub fn svarut(&self) -> kommunepost_core::svarut::SvarUtClient {
        self.svarut_with(
            &self.server.credentials().integrasjon_passord.clone(),
            Duration::from_secs(10),
        )
    }

    pub fn svarut_with(
        &self,
        passord: &str,
        timeout: Duration,
    ) -> kommunepost_core::svarut::SvarUtClient {
        use kommunepost_core::secret::Secret;
        use kommunepost_core::svarut::{SCOPE_KS_FIKS, SvarUtClient, SvarUtConfig};
        let credentials = self.server.credentials();
        let tokens = self.maskinporten_with(
            self.certificate(),
            &credentials.client_id.clone(),
            &[SCOPE_KS_FIKS],
        );
        SvarUtClient::new(
            SvarUtConfig {
                base_url: self.server.endpoints().svarut,
                konto_id: credentials.svarut_konto_id.clone(),
                integrasjon_id: credentials.integrasjon_id.clone(),
                integrasjon_passord: Secret::new(passord.to_owned()),
                connect_timeout: Duration::from_secs(5),
                timeout,
                send_timeout: timeout,
                status_batch: 2,
                api: kommunepost_core::svarut::SvarUtApi::V2,
            },
            tokens,
        )
        .expect("SvarUt client")
    }
}

impl Sandbox {
    /// A signing client as the sandbox municipality: its enterprise certificate, the sandbox
    /// CA as the only trust, Posten's organisation number expected in the server certificate.
    pub fn signing(&self) -> kommunepost_core::signing::SigningClient {
        self.signing_with(self.signing_config())
    }

    pub fn signing_config(&self) -> kommunepost_core::signing::SigningConfig {
        use kommunepost_core::secret::Secret;
        let credentials = self.server.credentials();
        kommunepost_core::signing::SigningConfig {
            base_url: self.server.endpoints().signing,
            sender: credentials.org_number.clone(),
            certificate: credentials.pkcs12.clone(),
            certificate_password: Secret::new(credentials.password.clone()),
            trust_pem: credentials.ca_pem.clone(),
            server_org_number: kommunepost_core::signing::client::POSTEN_ORG_NUMBER.to_owned(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            transfer_timeout: Duration::from_secs(30),
        }
    }

    pub fn signing_with(
        &self,
        config: kommunepost_core::signing::SigningConfig,
    ) -> kommunepost_core::signing::SigningClient {
        kommunepost_core::signing::SigningClient::new(config, self.clock.clone())
            .expect("signing client")
    }
}
