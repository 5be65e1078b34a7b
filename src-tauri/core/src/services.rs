//! The service clients for an environment, built once for the app and the CLI: KRR, SvarUt and
//! the signing service, from the settings file, the OS credential store and — in the sandbox —
//! the running stand-ins, with the CLI's flags as overrides. Secrets come only from the
//! credential store (or, for a headless run, from what the caller read from a file or the
//! environment); nothing here keeps them anywhere else.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{ConfigError, Settings};
use crate::config::{EndpointOverrides, Endpoints, Environment, EnvironmentSettings, KrrApi};
use crate::krr::{KrrAccess, KrrClient, KrrVersion};
use crate::maskinporten::{ClientCredential, CredentialKind, load_certificate, load_credential};
use crate::secret::Secret;
use crate::signing::{SigningClient, SigningConfig};
use crate::store::CredentialStore;
use crate::svarut::{SvarUtAccount, SvarUtApi, SvarUtClient, load_integration_password};

/// What the running sandbox offers: its addresses, its own Maskinporten client, SvarUt account
/// and signing configuration.
#[derive(Debug, Clone)]
pub struct SandboxAccess {
    /// Where its services listen.
    pub endpoints: Endpoints,
    /// Its Maskinporten client id.
    pub client_id: String,
    /// Its enterprise certificate.
    pub credential: ClientCredential,
    /// Its SvarUt account and integration.
    pub svarut: SvarUtAccount,
    /// Its signing service (CA, organisation number, certificate).
    pub signing: SigningConfig,
}

/// What the caller says over the settings and the credential store (the CLI's flags).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Addresses (`--maskinporten-url`/`--maskinporten-issuer`, `--krr-url`, `--svarut-url`,
    /// `--signing-url`).
    pub endpoints: EndpointOverrides,
    /// Maskinporten's token endpoint, when not the issuer + `/token`.
    pub token_url: Option<String>,
    /// The Maskinporten client id.
    pub client_id: Option<String>,
    /// The enterprise certificate (PKCS#12) and its password.
    pub certificate: Option<(Vec<u8>, Secret<String>)>,
    /// KRR's API version.
    pub krr_version: Option<KrrVersion>,
    /// The SvarUt account (`kontoId`).
    pub konto_id: Option<String>,
    /// The Fiks integration's id.
    pub integrasjon_id: Option<String>,
    /// The integration's password.
    pub integrasjon_passord: Option<Secret<String>>,
    /// SvarUt's REST flavour.
    pub svarut_api: Option<SvarUtApi>,
    /// The signing sender's organisation number.
    pub signing_org: Option<String>,
    /// The CA bundle that signs the signing service's server certificate (PEM).
    pub signing_ca_pem: Option<String>,
    /// The signing service's organisation number, checked in the handshake.
    pub signing_server_orgnr: Option<String>,
}

impl Overrides {
    /// Whether the caller named its own service addresses (then no local sandbox is started:
    /// the sandbox the addresses lead to is used, with the caller's credentials).
    pub fn names_services(&self) -> bool {
        self.endpoints.svarut.is_some()
            || self.endpoints.krr.is_some()
            || self.endpoints.signing.is_some()
    }
}

/// What is not set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The Maskinporten client id.
    ClientId,
    /// The enterprise certificate (or registered key) for Maskinporten.
    Certificate,
    /// The SvarUt account or the Fiks integration's id.
    SvarUtAccount,
    /// The Fiks integration's password.
    IntegrationPassword,
    /// The enterprise certificate (PKCS#12) the signing service needs.
    SigningCertificate,
    /// The addresses of a sandbox that is not running here.
    SandboxAddresses,
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Something is not set up for the environment.
    #[error("{}", not_set_up(*.missing, *.environment))]
    NotSetUp {
        /// What.
        missing: Missing,
        /// For which environment.
        environment: Environment,
    },
    /// The OS credential store failed or cannot be reached.
    #[error("the OS credential store: {0}")]
    CredentialStore(String),
    /// The settings or addresses are wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The certificate does not open or is of the wrong kind.
    #[error("the certificate: {0}")]
    Certificate(String),
    /// The client could not be made (TLS set-up and the like).
    #[error("{0}")]
    Client(String),
}

fn not_set_up(missing: Missing, environment: Environment) -> String {
    let environment = environment.as_str();
    match missing {
        Missing::ClientId => format!("no Maskinporten client id is set up for {environment}"),
        Missing::Certificate => {
            format!("no enterprise certificate or registered key is set up for {environment}")
        }
        Missing::SvarUtAccount => {
            format!("no SvarUt account and Fiks integration are set up for {environment}")
        }
        Missing::IntegrationPassword => {
            format!("the Fiks integration's password is not set up for {environment}")
        }
        Missing::SigningCertificate => format!(
            "the signing service needs the enterprise certificate (.p12) for {environment}, not a registered key"
        ),
        Missing::SandboxAddresses => {
            "the sandbox's addresses: give the Maskinporten, KRR and SvarUt addresses of the running sandbox".to_owned()
        }
    }
}

/// Everything needed to build the clients of one environment.
#[derive(Clone, Copy)]
pub struct Services<'a> {
    /// The settings file's contents.
    pub settings: &'a Settings,
    /// The environment.
    pub environment: Environment,
    /// The OS credential store, when it can be reached.
    pub credentials: Option<&'a dyn CredentialStore>,
    /// The sandbox running in this process, in the sandbox environment.
    pub sandbox: Option<&'a SandboxAccess>,
    /// The caller's overrides.
    pub overrides: &'a Overrides,
    /// The clock.
    pub clock: &'a Arc<dyn Clock>,
}

impl std::fmt::Debug for Services<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl Services<'_> {
    fn missing(&self, missing: Missing) -> ServiceError {
        ServiceError::NotSetUp {
            missing,
            environment: self.environment,
        }
    }

    fn environment_settings(&self) -> EnvironmentSettings {
        let mut settings = self
            .settings
            .environment_settings(self.environment)
            .cloned()
            .unwrap_or_default();
        let over = self.overrides;
        if let Some(org) = &over.signing_org {
            settings.signing_org = Some(org.clone());
        }
        if let Some(pem) = &over.signing_ca_pem {
            settings.signing_ca_pem = Some(pem.clone());
        }
        if let Some(orgnr) = &over.signing_server_orgnr {
            settings.signing_server_orgnr = Some(orgnr.clone());
        }
        settings
    }

    fn credential_store(&self) -> Result<&dyn CredentialStore, ServiceError> {
        self.credentials.ok_or_else(|| {
            ServiceError::CredentialStore("the OS credential store cannot be reached".into())
        })
    }

    /// The addresses: the running sandbox's, or a sandbox elsewhere named by the overrides, or
    /// the environment's (settings over defaults, overrides over both).
    pub fn endpoints(&self) -> Result<Endpoints, ServiceError> {
        let over = &self.overrides.endpoints;
        let elsewhere;
        let running = match (self.environment, self.sandbox) {
            (Environment::Sandbox, Some(sandbox)) if !self.overrides.names_services() => {
                Some(&sandbox.endpoints)
            }
            (Environment::Sandbox, _) => {
                let need = |url: &Option<String>| {
                    url.clone()
                        .ok_or_else(|| self.missing(Missing::SandboxAddresses))
                };
                let svarut = need(&over.svarut)?;
                elsewhere = Endpoints {
                    maskinporten: need(&over.maskinporten)?,
                    krr: need(&over.krr)?,
                    signing: over.signing.clone().unwrap_or_else(|| svarut.clone()),
                    svarut,
                };
                Some(&elsewhere)
            }
            _ => None,
        };
        Ok(self.settings.endpoints(self.environment, over, running)?)
    }

    fn local_sandbox(&self) -> Option<&SandboxAccess> {
        match self.environment {
            Environment::Sandbox if !self.overrides.names_services() => self.sandbox,
            _ => None,
        }
    }

    /// The Maskinporten client id and credential: overrides, else the sandbox's own, else the
    /// settings' client id with the credential from the OS credential store.
    fn client(&self) -> Result<(String, ClientCredential), ServiceError> {
        let over = self.overrides;
        let sandbox = self.local_sandbox();
        let client_id = match (&over.client_id, sandbox) {
            (Some(id), _) => id.clone(),
            (None, Some(sandbox)) => sandbox.client_id.clone(),
            (None, None) => self
                .environment_settings()
                .client_id
                .ok_or_else(|| self.missing(Missing::ClientId))?,
        };
        let credential = match (&over.certificate, sandbox) {
            (Some((file, password)), _) => ClientCredential::from_pkcs12(file, password.expose())
                .map_err(|e| ServiceError::Certificate(e.to_string()))?,
            (None, Some(sandbox)) => sandbox.credential.clone(),
            (None, None) => load_credential(self.credential_store()?, self.environment)
                .map_err(|e| ServiceError::CredentialStore(e.to_string()))?
                .ok_or_else(|| self.missing(Missing::Certificate))?,
        };
        Ok((client_id, credential))
    }

    /// The addresses and Maskinporten access for KRR.
    pub fn krr_access(&self) -> Result<(Endpoints, KrrAccess), ServiceError> {
        let endpoints = self.endpoints()?;
        let (client_id, credential) = self.client()?;
        let version =
            self.overrides
                .krr_version
                .unwrap_or(match self.environment_settings().krr_api {
                    Some(KrrApi::V1) => KrrVersion::V1,
                    _ => KrrVersion::V2,
                });
        Ok((
            endpoints,
            KrrAccess {
                client_id,
                credential,
                token_url: self.overrides.token_url.clone(),
                version,
            },
        ))
    }

    /// The KRR client.
    pub fn krr(&self) -> Result<KrrClient, ServiceError> {
        let (endpoints, access) = self.krr_access()?;
        let (_, client) = crate::krr::connect(
            &endpoints,
            access,
            &self.settings.timeouts,
            self.clock.clone(),
        )
        .map_err(|e| ServiceError::Client(e.to_string()))?;
        Ok(client)
    }

    /// The SvarUt account: overrides, else the sandbox's, else the settings' account and
    /// integration with the password from the OS credential store.
    fn svarut_account(&self) -> Result<SvarUtAccount, ServiceError> {
        let over = self.overrides;
        let base = self.local_sandbox().map(|sandbox| sandbox.svarut.clone());
        let settings = self.environment_settings();
        let konto_id = over
            .konto_id
            .clone()
            .or_else(|| base.as_ref().map(|b| b.konto_id.clone()))
            .or(settings.svarut_konto_id)
            .ok_or_else(|| self.missing(Missing::SvarUtAccount))?;
        let integrasjon_id = over
            .integrasjon_id
            .clone()
            .or_else(|| base.as_ref().map(|b| b.integrasjon_id.clone()))
            .or(settings.integrasjon_id)
            .ok_or_else(|| self.missing(Missing::SvarUtAccount))?;
        let integrasjon_passord = match (&over.integrasjon_passord, base) {
            (Some(password), _) => password.clone(),
            (None, Some(base)) => base.integrasjon_passord,
            (None, None) => load_integration_password(self.credential_store()?, self.environment)
                .map_err(|e| ServiceError::CredentialStore(e.to_string()))?
                .ok_or_else(|| self.missing(Missing::IntegrationPassword))?,
        };
        Ok(SvarUtAccount {
            konto_id,
            integrasjon_id,
            integrasjon_passord,
        })
    }

    /// The SvarUt client (its own Maskinporten token client, scope `ks:fiks`), in the REST
    /// flavour of the overrides or the settings.
    pub fn svarut(&self) -> Result<SvarUtClient, ServiceError> {
        let endpoints = self.endpoints()?;
        let (client_id, credential) = self.client()?;
        let account = self.svarut_account()?;
        let client = crate::svarut::connect(
            &endpoints.svarut,
            &endpoints.maskinporten,
            self.overrides.token_url.clone(),
            &client_id,
            credential,
            account,
            &self.settings.timeouts,
            self.clock.clone(),
        )
        .map_err(|e| ServiceError::Client(e.to_string()))?;
        Ok(client.with_api(
            self.overrides
                .svarut_api
                .unwrap_or(self.settings.dispatch.svarut_api),
        ))
    }

    /// The signing client: the sandbox's configuration, or the environment's address with the
    /// enterprise certificate (overrides, else the OS credential store) and the settings' CA
    /// bundle and organisation numbers.
    pub fn signing(&self) -> Result<SigningClient, ServiceError> {
        let config = match (self.local_sandbox(), &self.overrides.certificate) {
            (Some(sandbox), None) => sandbox.signing.clone(),
            (_, certificate) => {
                let endpoints = self.endpoints()?;
                let (file, password) = match certificate {
                    Some((file, password)) => (file.clone(), password.clone()),
                    None => match load_certificate(self.credential_store()?, self.environment)
                        .map_err(|e| ServiceError::CredentialStore(e.to_string()))?
                    {
                        Some((CredentialKind::Pkcs12, file, password)) => (file, password),
                        Some(_) => return Err(self.missing(Missing::SigningCertificate)),
                        None => return Err(self.missing(Missing::Certificate)),
                    },
                };
                SigningConfig::for_environment(
                    &endpoints.signing,
                    &self.environment_settings(),
                    file,
                    password,
                    &self.settings.timeouts,
                )
                .map_err(|e| ServiceError::Client(e.to_string()))?
            }
        };
        SigningClient::new(config, self.clock.clone())
            .map_err(|e| ServiceError::Client(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryCredentials;

    fn services<'a>(
        settings: &'a Settings,
        environment: Environment,
        credentials: &'a MemoryCredentials,
        overrides: &'a Overrides,
        clock: &'a Arc<dyn Clock>,
    ) -> Services<'a> {
        Services {
            settings,
            environment,
            credentials: Some(credentials),
            sandbox: None,
            overrides,
            clock,
        }
    }

    #[test]
    fn what_is_missing_is_named_and_nothing_falls_back_silently() {
        let settings = Settings::default();
        let credentials = MemoryCredentials::new();
        let clock: Arc<dyn Clock> = Arc::new(crate::clock::SystemClock);
        let none = Overrides::default();
        let test = services(&settings, Environment::Test, &credentials, &none, &clock);
        let error = test.krr().unwrap_err();
        assert!(
            matches!(
                error,
                ServiceError::NotSetUp {
                    missing: Missing::ClientId,
                    environment: Environment::Test
                }
            ),
            "{error}"
        );
        assert_eq!(
            error.to_string(),
            "no Maskinporten client id is set up for test"
        );
        // A client id from the caller, but no certificate anywhere.
        let with_id = Overrides {
            client_id: Some("kommunepost-test".into()),
            ..Overrides::default()
        };
        let test = services(&settings, Environment::Test, &credentials, &with_id, &clock);
        assert!(matches!(
            test.krr().unwrap_err(),
            ServiceError::NotSetUp {
                missing: Missing::Certificate,
                ..
            }
        ));
        // No SvarUt account in the settings or the overrides.
        assert!(matches!(
            test.svarut_account().unwrap_err(),
            ServiceError::NotSetUp {
                missing: Missing::SvarUtAccount,
                ..
            }
        ));
        // The sandbox with no sandbox running here and no addresses given.
        let sandbox = services(&settings, Environment::Sandbox, &credentials, &none, &clock);
        assert!(matches!(
            sandbox.endpoints().unwrap_err(),
            ServiceError::NotSetUp {
                missing: Missing::SandboxAddresses,
                ..
            }
        ));
        // Test takes https only, also from the overrides.
        let plain = Overrides {
            endpoints: EndpointOverrides {
                krr: Some("http://krr.example.org".into()),
                ..EndpointOverrides::default()
            },
            ..Overrides::default()
        };
        let test = services(&settings, Environment::Test, &credentials, &plain, &clock);
        assert!(matches!(
            test.endpoints().unwrap_err(),
            ServiceError::Config(_)
        ));
    }

    #[test]
    fn the_settings_account_and_the_stored_password_make_the_svarut_account() {
        let mut settings = Settings::default();
        let env = settings
            .environment_settings_mut(Environment::Test)
            .unwrap();
        env.svarut_konto_id = Some("konto".into());
        env.integrasjon_id = Some("integrasjon".into());
        let credentials = MemoryCredentials::new();
        let clock: Arc<dyn Clock> = Arc::new(crate::clock::SystemClock);
        let none = Overrides::default();
        let test = services(&settings, Environment::Test, &credentials, &none, &clock);
        assert!(matches!(
            test.svarut_account().unwrap_err(),
            ServiceError::NotSetUp {
                missing: Missing::IntegrationPassword,
                ..
            }
        ));
        crate::svarut::save_integration_password(&credentials, Environment::Test, "hemmelig")
            .unwrap();
        let account = test.svarut_account().unwrap();
        assert_eq!(
            (account.konto_id.as_str(), account.integrasjon_id.as_str()),
            ("konto", "integrasjon")
        );
        assert_eq!(account.integrasjon_passord.expose(), "hemmelig");
        // The caller's flags win.
        let flags = Overrides {
            konto_id: Some("annen-konto".into()),
            integrasjon_passord: Some(Secret::new("fra-fil".into())),
            ..Overrides::default()
        };
        let test = services(&settings, Environment::Test, &credentials, &flags, &clock);
        let account = test.svarut_account().unwrap();
        assert_eq!(account.konto_id, "annen-konto");
        assert_eq!(account.integrasjon_passord.expose(), "fra-fil");
    }
}
