//! Maskinporten clients per environment (Innstillinger) and "Test connection".

use kommunepost_core::config::Environment;
use kommunepost_core::ident::Fnr;
use kommunepost_core::krr::connect;
use kommunepost_core::maskinporten::{
    CertificateInfo, ClientCredential, CredentialKind, save_certificate,
};
use kommunepost_core::problem::{Explain, Problem, ProblemKey};
use serde::Serialize;

use crate::error::{CommandError, ErrorCode};
use crate::state::AppState;

/// A synthetic Tenor number (Digdir's own documentation example) used by "Test connection":
/// no real person is looked up.
pub const CONNECTION_TEST_NUMBER: &str = "20914695016";

/// What is set up for an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ClientSetup {
    /// The Maskinporten client id.
    pub client_id: String,
    /// The saved certificate.
    pub certificate: CertificateInfo,
}

/// One step of a connection test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ConnectionStep {
    /// `credentials`, `token`, `lookup`, `svarut` or `signing`.
    pub step: String,
    /// Whether it worked.
    pub ok: bool,
    /// What happened, or what to fix (English: the log).
    pub message: String,
    /// What happened, for the UI to say in the clerk's language.
    pub detail: Problem,
}

impl AppState {
    /// Saves the client id (settings file) and the credential — an enterprise certificate with
    /// its password, or a registered key with its kid — (OS credential store) for a real
    /// environment, after checking that the file opens.
    pub async fn save_client(
        &self,
        environment: Environment,
        client_id: &str,
        kind: CredentialKind,
        file: &[u8],
        secret: &str,
    ) -> Result<CertificateInfo, CommandError> {
        let client_id = client_id.trim();
        if environment == Environment::Sandbox || client_id.is_empty() {
            return Err(CommandError::new(
                ErrorCode::InvalidSettings,
                "a client id is needed, and only for the test and production environments",
            )
            .with_detail(Problem::new(ProblemKey::ClientIdNeeded)));
        }
        // One cleaned secret, checked and saved alike: a password as typed, a kid trimmed.
        let secret = match kind {
            CredentialKind::Pkcs12 => secret.to_owned(),
            CredentialKind::Key => secret.trim().to_owned(),
        };
        let credential = match kind {
            CredentialKind::Pkcs12 => ClientCredential::from_pkcs12(file, &secret),
            CredentialKind::Key if secret.is_empty() => {
                return Err(CommandError::new(
                    ErrorCode::BadCertificate,
                    "a registered key needs its kid",
                )
                .with_detail(Problem::new(ProblemKey::KeyNeedsKid)));
            }
            CredentialKind::Key => ClientCredential::from_pem_key(file, &secret),
        }
        .map_err(|e| CommandError::explained(ErrorCode::BadCertificate, &e))?;
        let info = credential.certificate_info().ok_or_else(|| {
            CommandError::new(ErrorCode::BadCertificate, "the file holds no certificate")
                .with_detail(Problem::new(ProblemKey::CertNoCertificate))
        })?;
        let store = self
            .credentials
            .clone()
            .map_err(|e| CommandError::explained(ErrorCode::CredentialStore, &e))?;
        save_certificate(store.as_ref(), environment, kind, file, &secret)
            .map_err(|e| CommandError::explained(ErrorCode::CredentialStore, &e))?;
        self.update_settings(|settings| {
            if let Some(env) = settings.environment_settings_mut(environment) {
                env.client_id = Some(client_id.to_owned());
            }
        })?;
        *self.krr.lock().await = None;
        tracing::info!(environment = environment.as_str(), org = ?info.org_number, "saved a Maskinporten client");
        Ok(info)
    }

    /// What is set up for `environment`; `None` when nothing is.
    pub async fn client_setup(
        &self,
        environment: Environment,
    ) -> Result<Option<ClientSetup>, CommandError> {
        if environment == Environment::Sandbox {
            return Ok(None);
        }
        match self.access_for(environment).await {
            Ok((_, access)) => {
                Ok(access
                    .credential
                    .certificate_info()
                    .map(|certificate| ClientSetup {
                        client_id: access.client_id,
                        certificate,
                    }))
            }
            Err(error) if error.code == ErrorCode::NoCredentials => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Tries each service for `environment` and says which one failed: Maskinporten and KRR
    /// (credentials, a token, a one-person lookup of a synthetic number), SvarUt (a lookup by
    /// an `eksternReferanse` that matches nothing) and the signing service (its
    /// organisation root, which proves the certificates both ways; the status queue is not
    /// polled, since a poll takes a status another installation may be waiting for). The
    /// readiness checklist before switching environment.
    pub async fn test_connection(&self, environment: Environment) -> Vec<ConnectionStep> {
        let mut steps = self.test_krr(environment).await;
        let step = |step: &str, ok: bool, message: String, detail: Problem| ConnectionStep {
            step: step.to_owned(),
            ok,
            message,
            detail,
        };
        match self.with_services(environment, |s| s.svarut()).await {
            Ok(svarut) => {
                let probe = format!(
                    "kommunepost-test-{}",
                    self.clock().now().timestamp_nanos_opt().unwrap_or_default()
                );
                steps.push(match svarut.ids_by_ekstern_ref(&probe).await {
                    Ok(_) => step(
                        "svarut",
                        true,
                        "SvarUt answered".to_owned(),
                        Problem::new(ProblemKey::StepSvarUtOk),
                    ),
                    Err(error) => step("svarut", false, error.to_string(), error.problem()),
                });
            }
            Err(error) => steps.push(step(
                "svarut",
                false,
                error.message,
                detail_of(error.detail),
            )),
        }
        match self.with_services(environment, |s| s.signing()).await {
            Ok(signing) => steps.push(match signing.whoami().await {
                Ok(_) => step(
                    "signing",
                    true,
                    "the signing service answered".to_owned(),
                    Problem::new(ProblemKey::StepSigningOk),
                ),
                Err(error) => step("signing", false, error.to_string(), error.problem()),
            }),
            Err(error) => steps.push(step(
                "signing",
                false,
                error.message,
                detail_of(error.detail),
            )),
        }
        steps
    }

    /// Maskinporten and KRR: the credentials, a token, a one-person lookup.
    async fn test_krr(&self, environment: Environment) -> Vec<ConnectionStep> {
        let step = |step: &str, ok: bool, message: String, detail: Problem| ConnectionStep {
            step: step.to_owned(),
            ok,
            message,
            detail,
        };
        let mut steps = Vec::new();
        let (endpoints, access) = match self.access_for(environment).await {
            Ok(found) => found,
            Err(error) => {
                steps.push(step(
                    "credentials",
                    false,
                    error.message,
                    detail_of(error.detail),
                ));
                return steps;
            }
        };
        steps.push(step(
            "credentials",
            true,
            format!("client {}", access.client_id),
            Problem::new(ProblemKey::StepCredentialsOk).with("client", &access.client_id),
        ));
        let settings = self.settings();
        let (tokens, krr) = match connect(&endpoints, access, &settings.timeouts, self.clock()) {
            Ok(clients) => clients,
            Err(error) => {
                steps.push(step("token", false, error.to_string(), error.problem()));
                return steps;
            }
        };
        match tokens.token().await {
            Ok(token) => steps.push(step(
                "token",
                true,
                format!("scopes: {}", token.scope),
                Problem::new(ProblemKey::StepTokenOk).with("scopes", &token.scope),
            )),
            Err(error) => {
                steps.push(step("token", false, error.to_string(), error.problem()));
                return steps;
            }
        }
        let fnr = Fnr::parse(CONNECTION_TEST_NUMBER).expect("a valid number");
        match krr.lookup_chunk(&[fnr]).await {
            Ok(_) => steps.push(step(
                "lookup",
                true,
                format!("KRR at {} answered", endpoints.krr),
                Problem::new(ProblemKey::StepLookupOk).with("url", &endpoints.krr),
            )),
            Err(error) => steps.push(step("lookup", false, error.to_string(), error.problem())),
        }
        steps
    }
}

/// The clerk's message of a failed step: the error's, or "something went wrong".
fn detail_of(detail: Option<Problem>) -> Problem {
    detail.unwrap_or_else(|| Problem::new(ProblemKey::Internal))
}
