//! From the service flags to core's [`Services`]: the flags become overrides over the settings
//! and the OS credential store, and in the sandbox without addresses a local sandbox serves
//! this run. The clients themselves are built by core, as for the app.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kommunepost_core::clock::{Clock, SystemClock};
use kommunepost_core::config::Environment;
use kommunepost_core::krr::{KrrClient, KrrVersion};
use kommunepost_core::paths::build_identifier;
use kommunepost_core::secret::Secret;
use kommunepost_core::services::{Missing, Overrides, SandboxAccess, ServiceError, Services};
use kommunepost_core::signing::SigningClient;
use kommunepost_core::store::OsKeyring;
use kommunepost_core::svarut::SvarUtClient;
use kommunepost_sandbox::{Population, PopulationConfig, SandboxServer};

use super::credentials::first_line_or_env;
use crate::cli::ServiceArgs;
use crate::context::Context;
use crate::error::CliError;

/// The services of one run.
pub struct Connection<'a> {
    context: &'a Context,
    overrides: Overrides,
    keyring: Option<OsKeyring>,
    access: Option<SandboxAccess>,
    clock: Arc<dyn Clock>,
    /// The local sandbox serving this run, if any.
    pub sandbox: Option<SandboxServer>,
    /// When it started.
    pub started: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Connection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("local_sandbox", &self.sandbox.is_some())
            .finish_non_exhaustive()
    }
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Io {
        context: format!("reading {}", path.display()),
        source,
    })
}

/// The flags as overrides.
pub fn overrides(context: &Context, args: &ServiceArgs) -> Result<Overrides, CliError> {
    let mut endpoints = context.endpoint_flags.clone();
    if let Some(issuer) = &args.maskinporten.maskinporten_issuer {
        endpoints.maskinporten = Some(issuer.clone());
    }
    let certificate = match &args.maskinporten.certificate {
        Some(path) => Some((
            read(path)?,
            Secret::new(first_line_or_env(
                args.maskinporten.certificate_password_file.as_deref(),
                "KOMMUNEPOST_CERTIFICATE_PASSWORD",
                "the certificate's password",
                "--certificate-password-file",
            )?),
        )),
        None => None,
    };
    let integrasjon_passord = match &args.integrasjon_passord_file {
        Some(path) => Some(first_line_or_env(
            Some(path),
            "KOMMUNEPOST_INTEGRASJON_PASSORD",
            "the integration's password",
            "--integrasjon-passord-file",
        )?),
        None => std::env::var("KOMMUNEPOST_INTEGRASJON_PASSORD")
            .ok()
            .filter(|p| !p.is_empty()),
    };
    let signing_ca_pem = match &args.signing_ca {
        Some(path) => Some(
            String::from_utf8(read(path)?)
                .map_err(|_| CliError::Usage(format!("{}: not a PEM file", path.display())))?,
        ),
        None => None,
    };
    Ok(Overrides {
        endpoints,
        token_url: args.maskinporten.token_url.clone(),
        client_id: args.maskinporten.client_id.clone(),
        certificate,
        krr_version: args.v1.then_some(KrrVersion::V1),
        konto_id: args.konto_id.clone(),
        integrasjon_id: args.integrasjon_id.clone(),
        integrasjon_passord: integrasjon_passord.map(Secret::new),
        svarut_api: args.svarut_api.map(Into::into),
        signing_org: args.org.clone(),
        signing_ca_pem,
        signing_server_orgnr: args.server_orgnr.clone(),
    })
}

impl<'a> Connection<'a> {
    /// The services for this run: in the sandbox without addresses a local sandbox is started
    /// (with the settings' population, SvarUt and signing speeds).
    pub async fn open(context: &'a Context, args: &ServiceArgs) -> Result<Self, CliError> {
        let overrides = overrides(context, args)?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let (mut sandbox, mut started) = (None, None);
        if context.environment == Environment::Sandbox && !overrides.names_services() {
            let settings = &context.settings.sandbox;
            let population = Population::generate(&PopulationConfig {
                seed: settings.seed.into(),
                persons: settings.persons as usize,
                as_of: clock.now(),
            });
            started = Some(clock.now());
            let server = SandboxServer::start(Arc::new(population), clock.clone(), 0).await?;
            server.svarut_double.set_speed(settings.svarut_speed);
            server.signing_double.set_speed(settings.signing_speed);
            let mut signing = server.signing_double.settings();
            signing.auto = settings.signing_auto;
            server.signing_double.set_settings(signing);
            sandbox = Some(server);
        }
        let access = sandbox
            .as_ref()
            .map(|server| server.access(&context.settings.timeouts));
        Ok(Self {
            context,
            overrides,
            keyring: OsKeyring::new(build_identifier()).ok(),
            access,
            clock,
            sandbox,
            started,
        })
    }

    /// Core's services for the environment in effect.
    pub fn services(&self) -> Services<'_> {
        Services {
            settings: &self.context.settings,
            environment: self.context.environment,
            credentials: self
                .keyring
                .as_ref()
                .map(|k| k as &dyn kommunepost_core::store::CredentialStore),
            sandbox: self.access.as_ref(),
            overrides: &self.overrides,
            clock: &self.clock,
        }
    }

    /// The KRR client.
    pub fn krr(&self) -> Result<KrrClient, CliError> {
        self.services().krr().map_err(service_error)
    }

    /// The SvarUt client.
    pub fn svarut(&self) -> Result<SvarUtClient, CliError> {
        self.services().svarut().map_err(service_error)
    }

    /// The signing client.
    pub fn signing(&self) -> Result<SigningClient, CliError> {
        self.services().signing().map_err(service_error)
    }

    /// Stops the local sandbox, if one serves this run.
    pub async fn stop(self) {
        if let Some(sandbox) = self.sandbox {
            sandbox.stop().await;
        }
    }
}

/// What is missing, with the flag that gives it.
pub fn service_error(error: ServiceError) -> CliError {
    let ServiceError::NotSetUp { missing, .. } = &error else {
        return CliError::Usage(error.to_string());
    };
    let hint = match missing {
        Missing::ClientId => {
            "give --client-id (or KOMMUNEPOST_CLIENT_ID), or save the client in the app's settings"
        }
        Missing::Certificate => {
            "give the enterprise certificate with --certificate FILE.p12 (its password in KOMMUNEPOST_CERTIFICATE_PASSWORD or --certificate-password-file), or save it in the app's settings"
        }
        Missing::SvarUtAccount => {
            "give --konto-id and --integrasjon-id (or KOMMUNEPOST_KONTO_ID and KOMMUNEPOST_INTEGRASJON_ID), or set them up in the app's settings"
        }
        Missing::IntegrationPassword => {
            "give the integration's password in KOMMUNEPOST_INTEGRASJON_PASSORD or with --integrasjon-passord-file"
        }
        Missing::SigningCertificate => {
            "give the enterprise certificate with --certificate FILE.p12"
        }
        Missing::SandboxAddresses => {
            "give --maskinporten-url, --krr-url and --svarut-url (the addresses `sandbox serve` printed)"
        }
    };
    CliError::Usage(format!("{error}; {hint}"))
}
