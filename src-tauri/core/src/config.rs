//! Environments, service endpoints and the settings file (`settings.toml` in the config dir).
//!
//! Precedence, strongest first: command-line flags, the settings file, the environment's
//! defaults. Sandbox endpoints are not configured: they are the addresses of the local sandbox
//! services, known once those have started.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which services Kommunepost talks to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, specta::Type,
)]
#[serde(rename_all = "snake_case")]
pub enum Environment {
    /// Local stand-ins on 127.0.0.1 with a synthetic population. The default: the app works on
    /// first run without credentials.
    #[default]
    Sandbox,
    /// The services' public test environments (synthetic Tenor numbers only).
    Test,
    /// Production.
    #[serde(rename = "prod")]
    Production,
}

impl Environment {
    /// Parses `sandbox`, `test` or `prod` (also `production`).
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "sandbox" => Ok(Self::Sandbox),
            "test" => Ok(Self::Test),
            "prod" | "production" => Ok(Self::Production),
            other => Err(ConfigError::UnknownEnvironment(other.to_owned())),
        }
    }

    /// `sandbox`, `test` or `prod`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Test => "test",
            Self::Production => "prod",
        }
    }

    /// The real services' addresses; `None` for the sandbox.
    pub fn default_endpoints(self) -> Option<Endpoints> {
        let (maskinporten, krr, svarut, signing) = match self {
            Self::Sandbox => return None,
            Self::Test => (
                "https://test.maskinporten.no/",
                "https://test.kontaktregisteret.no",
                "https://test.svarut.ks.no/api",
                "https://api.difitest.signering.posten.no/api",
            ),
            Self::Production => (
                "https://maskinporten.no/",
                "https://kontaktregisteret.no",
                "https://svarut.ks.no/api",
                "https://api.signering.posten.no/api",
            ),
        };
        Some(Endpoints {
            maskinporten: maskinporten.into(),
            krr: krr.into(),
            svarut: svarut.into(),
            signing: signing.into(),
        })
    }
}

/// Base addresses of the four services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Endpoints {
    /// Maskinporten issuer (also the grant's `aud`), e.g. `https://test.maskinporten.no/`.
    pub maskinporten: String,
    /// KRR host; the client appends `/rest/v2/personer`.
    pub krr: String,
    /// SvarUt API base, e.g. `https://test.svarut.ks.no/api`.
    pub svarut: String,
    /// Signing API base, e.g. `https://api.difitest.signering.posten.no/api`.
    pub signing: String,
}

/// Per-service address overrides (settings file or flags). Empty fields keep the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct EndpointOverrides {
    /// Maskinporten issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maskinporten: Option<String>,
    /// KRR host.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub krr: Option<String>,
    /// SvarUt API base.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svarut: Option<String>,
    /// Signing API base.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing: Option<String>,
}

impl EndpointOverrides {
    /// `other`'s fields where set, else ours.
    pub fn overlaid_with(&self, other: &Self) -> Self {
        Self {
            maskinporten: other
                .maskinporten
                .clone()
                .or_else(|| self.maskinporten.clone()),
            krr: other.krr.clone().or_else(|| self.krr.clone()),
            svarut: other.svarut.clone().or_else(|| self.svarut.clone()),
            signing: other.signing.clone().or_else(|| self.signing.clone()),
        }
    }
}

/// What is configured for one real environment (the secrets live in the OS credential store).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct EnvironmentSettings {
    /// Address overrides.
    #[serde(flatten)]
    pub endpoints: EndpointOverrides,
    /// The Maskinporten client id (integration id) registered for the municipality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// KRR's API version: `v2` (default) or `v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub krr_api: Option<KrrApi>,
    /// The SvarUt account (`kontoId`) letters are sent from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svarut_konto_id: Option<String>,
    /// The Fiks integration's id (its password is in the OS credential store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrasjon_id: Option<String>,
    /// The signing service's sender organisation number (default: the one in the
    /// enterprise certificate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_org: Option<String>,
    /// The CA certificates (PEM) trusted for the signing service's server certificate
    /// (Buypass/Commfides test or production CAs). Public certificates, not secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_ca_pem: Option<String>,
    /// The organisation number expected in the signing service's server certificate
    /// (default `984661185`, Posten).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_server_orgnr: Option<String>,
}

/// KRR's API version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub enum KrrApi {
    /// `/rest/v1/personer`.
    #[serde(rename = "v1")]
    V1,
    /// `/rest/v2/personer`.
    #[serde(rename = "v2")]
    V2,
}

impl Settings {
    /// The settings of a real environment; `None` for the sandbox.
    pub fn environment_settings(&self, environment: Environment) -> Option<&EnvironmentSettings> {
        match environment {
            Environment::Sandbox => None,
            Environment::Test => Some(&self.test),
            Environment::Production => Some(&self.prod),
        }
    }

    /// Mutable settings of a real environment; `None` for the sandbox.
    pub fn environment_settings_mut(
        &mut self,
        environment: Environment,
    ) -> Option<&mut EnvironmentSettings> {
        match environment {
            Environment::Sandbox => None,
            Environment::Test => Some(&mut self.test),
            Environment::Production => Some(&mut self.prod),
        }
    }
}

/// Timeouts for the service clients, in seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct Timeouts {
    /// Connecting to any service.
    pub connect_secs: u32,
    /// A lookup or status request.
    pub request_secs: u32,
    /// Sending a forsendelse (SvarUt may take up to 15 minutes).
    pub send_secs: u32,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect_secs: 10,
            request_secs: 30,
            send_secs: 15 * 60,
        }
    }
}

impl Timeouts {
    /// Connect timeout.
    pub fn connect(&self) -> Duration {
        Duration::from_secs(self.connect_secs.into())
    }
    /// Request timeout.
    pub fn request(&self) -> Duration {
        Duration::from_secs(self.request_secs.into())
    }
    /// Send timeout.
    pub fn send(&self) -> Duration {
        Duration::from_secs(self.send_secs.into())
    }
}

/// Settings of the sandbox environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct SandboxSettings {
    /// Seed of the synthetic population: the same seed gives the same people.
    pub seed: u32,
    /// Number of synthetic persons.
    pub persons: u32,
    /// SvarUt statuses in the sandbox progress this many times faster than real time (1: as
    /// SvarUt; 3600: an hour a second, for demos).
    pub svarut_speed: u32,
    /// Sandbox signers act this many times faster than real time (60: an hour a minute),
    /// deadlines too.
    pub signing_speed: u32,
    /// Sandbox signers sign, reject or let the deadline pass by themselves; `false`: only
    /// what is done on the sandbox signing page happens.
    pub signing_auto: bool,
}

impl Default for SandboxSettings {
    fn default() -> Self {
        Self {
            seed: 2026,
            persons: 200,
            svarut_speed: 1,
            signing_speed: 60,
            signing_auto: true,
        }
    }
}

/// Prices in NOK excluding VAT. Defaults from Digdir's DPI price model as of 01.01.2024 and
/// Digipost's print example (`rules-and-limits.md` §6.3 [S35][S21]); tiers the sources do not
/// give, and Altinn's price, are UNCONFIRMED defaults — set your contract's prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct PriceTable {
    /// DPI price by message size: (up to bytes, NOK), ascending; above the last, the last.
    pub digital_tiers: Vec<(u32, f64)>,
    /// DPI transport per message (KS Fiks users).
    pub digital_transport: f64,
    /// An Altinn message (UNCONFIRMED: 0 until set).
    pub altinn: f64,
    /// A forsendelse to an organisation's receiving system, SvarInn (UNCONFIRMED: 0 until set).
    pub svarinn: f64,
    /// Print and postage, first sheet (Digipost's example: 30.90, postage included).
    pub print_first_sheet: f64,
    /// Each further sheet.
    pub print_extra_sheet: f64,
    /// Postage on top of the print price (0 when the print price includes it).
    pub postage: f64,
}

impl Default for PriceTable {
    fn default() -> Self {
        Self {
            // ≤ 0.1 MB 0.69 and 0.5–1 MB 2.20 are Digdir's; 0.1–0.5 MB is UNCONFIRMED (the
            // higher tier is used, so the estimate errs high).
            digital_tiers: vec![(100_000, 0.69), (1_000_000, 2.20)],
            digital_transport: 0.077,
            altinn: 0.0,
            svarinn: 0.0,
            print_first_sheet: 30.90,
            print_extra_sheet: 1.29,
            postage: 0.0,
        }
    }
}

/// How letters are dispatched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct DispatchSettings {
    /// Minutes a letter waits in the outbox before it leaves (it can be recalled then).
    pub hold_minutes: u32,
    /// Letters KRR routes to paper are collected for print at the office instead of going to
    /// SvarUt's print service.
    pub print_at_office: bool,
    /// The price table for the cost estimate.
    pub prices: PriceTable,
    /// No longer used: the dashboard prices each letter from the price table, as the send
    /// panel does. Kept so that settings files that have it still load.
    pub saving_per_letter: f64,
    /// SvarUt's REST flavour for send and status: `v2` (default) or `v3`.
    pub svarut_api: crate::svarut::model::SvarUtApi,
    /// The most SvarUt sends the worker has in flight at a time (1–16; a 429 or a failed send
    /// still stops new sends until the next round).
    pub svarut_in_flight: u8,
}

/// SvarUt sends in flight by default.
pub const DEFAULT_SVARUT_IN_FLIGHT: usize = 4;

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            hold_minutes: 5,
            print_at_office: false,
            prices: PriceTable::default(),
            saving_per_letter: 10.0,
            svarut_api: crate::svarut::model::SvarUtApi::V2,
            svarut_in_flight: DEFAULT_SVARUT_IN_FLIGHT as u8,
        }
    }
}

/// E-signing orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct SigningSettings {
    /// The polling queue Kommunepost's orders use; empty (the default): the store's own queue
    /// (`kommunepost-<random>`), so installations never take each other's statuses.
    pub polling_queue: String,
    /// Days a portal order's signers have, by default.
    pub default_days: u32,
    /// Hours before the deadline an active order is shown as due.
    pub reminder_hours: u32,
    /// Send a signed copy through the outbox to each citizen signer by default (the service
    /// forwards the signed document to those who sign for themselves anyway).
    pub send_copy: bool,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            polling_queue: String::new(),
            default_days: 14,
            reminder_hours: 48,
            send_copy: false,
        }
    }
}

/// The settings file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct Settings {
    /// The environment the app starts in.
    pub environment: Environment,
    /// The test environment: address overrides and the Maskinporten client id.
    pub test: EnvironmentSettings,
    /// Production: address overrides and the Maskinporten client id.
    pub prod: EnvironmentSettings,
    /// Sandbox settings.
    pub sandbox: SandboxSettings,
    /// Client timeouts.
    pub timeouts: Timeouts,
    /// Dispatch: hold time, office print, prices.
    pub dispatch: DispatchSettings,
    /// E-signing orders.
    pub signing: SigningSettings,
    /// Archive handover: the case metadata every letter starts from.
    pub archive: ArchiveSettings,
}

/// Archive handover (Fiks Arkiv): the defaults a letter's case metadata starts from, so a
/// clerk sets the usual values once (a draft, then its template, then these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct ArchiveSettings {
    /// Document type, case officer, unit, screening.
    pub defaults: crate::letters::case::CaseMetadata,
    /// The archive part (`arkivdel`) new cases are filed in; empty: the archive decides.
    pub archive_part: String,
}

impl Default for ArchiveSettings {
    fn default() -> Self {
        Self {
            defaults: crate::letters::case::CaseMetadata {
                // KS's Fiks Arkiv code list: KORR = korrespondanse (a letter).
                document_type: "KORR".into(),
                ..crate::letters::case::CaseMetadata::default()
            },
            archive_part: String::new(),
        }
    }
}

/// A settings problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not `sandbox`, `test` or `prod`.
    #[error("unknown environment {0:?}: use sandbox, test or prod")]
    UnknownEnvironment(String),
    /// The settings file could not be read or written.
    #[error("settings file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The settings file is not valid TOML for these settings.
    #[error("settings file {path} is invalid: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// An endpoint address is not usable.
    #[error("{service} address {url:?} is invalid: {reason}")]
    BadEndpoint {
        /// Which service.
        service: &'static str,
        /// The address.
        url: String,
        /// Why.
        reason: &'static str,
    },
    /// The sandbox's addresses are asked for before it started.
    #[error("the sandbox services have not started")]
    SandboxNotRunning,
}

impl Settings {
    /// Reads the settings file; a missing file gives the defaults. A broken file is an error,
    /// never silently replaced (it may hold an administrator's endpoints).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(ConfigError::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let parse_error = |message: String| ConfigError::Parse {
            path: path.display().to_string(),
            message,
        };
        let settings: Self = toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
        // A key this program does not know is a typing error (an address override under the
        // wrong heading would silently leave the default in use): said, not dropped.
        let given: toml::Table = toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
        let known: toml::Table =
            toml::from_str(&toml::to_string(&settings).map_err(|e| parse_error(e.to_string()))?)
                .map_err(|e| parse_error(e.to_string()))?;
        if let Some(key) = unknown_key(&given, &known, "") {
            return Err(parse_error(format!(
                "unknown setting `{key}` (a typing error, or a setting of another version?)"
            )));
        }
        Ok(settings)
    }

    /// Writes the settings file atomically.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text = toml::to_string_pretty(self).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        crate::paths::write_atomically(path, text.as_bytes()).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// The endpoints for `environment`: defaults, then this file's overrides, then `flags`.
    /// For the sandbox, `sandbox` holds the running services' addresses.
    pub fn endpoints(
        &self,
        environment: Environment,
        flags: &EndpointOverrides,
        sandbox: Option<&Endpoints>,
    ) -> Result<Endpoints, ConfigError> {
        let (base, file) = match environment {
            Environment::Sandbox => (
                sandbox.cloned().ok_or(ConfigError::SandboxNotRunning)?,
                EndpointOverrides::default(),
            ),
            Environment::Test => (
                environment.default_endpoints().expect("real"),
                self.test.endpoints.clone(),
            ),
            Environment::Production => (
                environment.default_endpoints().expect("real"),
                self.prod.endpoints.clone(),
            ),
        };
        let over = file.overlaid_with(flags);
        let require_https = environment != Environment::Sandbox;
        let pick = |service: &'static str, default: String, custom: Option<String>| {
            let url = custom.unwrap_or(default);
            check_url(service, &url, require_https)?;
            Ok::<_, ConfigError>(url)
        };
        Ok(Endpoints {
            maskinporten: pick("maskinporten", base.maskinporten, over.maskinporten)?,
            krr: pick("krr", base.krr, over.krr)?,
            svarut: pick("svarut", base.svarut, over.svarut)?,
            signing: pick("signing", base.signing, over.signing)?,
        })
    }
}

/// The first key of `given` (a path like `prod.krr`) that `known` does not have.
fn unknown_key(given: &toml::Table, known: &toml::Table, prefix: &str) -> Option<String> {
    for (key, value) in given {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (value, known.get(key)) {
            (_, None) => return Some(path),
            (toml::Value::Table(inner), Some(toml::Value::Table(known_inner))) => {
                if let Some(found) = unknown_key(inner, known_inner, &path) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// Test and production endpoints must be https (personal data); the sandbox and loopback
/// addresses may be plain http.
fn check_url(service: &'static str, url: &str, require_https: bool) -> Result<(), ConfigError> {
    let bad = |reason| ConfigError::BadEndpoint {
        service,
        url: crate::mask::text(url),
        reason,
    };
    if url.len() > 2048
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(bad("is not a single address"));
    }
    if !url.is_ascii() {
        // An international domain name can look like another (homographs): plain ASCII only.
        return Err(bad(
            "must be written in plain ASCII (no international domain names)",
        ));
    }
    let parsed = url::Url::parse(url).map_err(|_| bad("is not a valid address"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // `http://localhost:1@example.org` is example.org, not the loopback.
        return Err(bad("must not carry a user name or password"));
    }
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err(bad("must start with https://"));
    }
    let host = match parsed.host() {
        Some(host) => host,
        None => return Err(bad("has no host name")),
    };
    let loopback = match host {
        url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    // Plain http only to this machine (the sandbox, a local proxy); never further.
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" if require_https => Err(bad("must use https")),
        "http" => Err(bad(
            "must use https (plain http only on this machine's loopback)",
        )),
        _ => Err(bad("must start with https://")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_settings_file_gives_the_sandbox_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::load(&dir.path().join("settings.toml")).unwrap();
        assert_eq!(settings, Settings::default());
        assert_eq!(settings.environment, Environment::Sandbox);
    }

    #[test]
    fn settings_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.toml");
        let mut settings = Settings {
            environment: Environment::Production,
            ..Default::default()
        };
        settings.test.endpoints.krr = Some("https://krr.example.kommune.no".into());
        settings.test.client_id = Some("a1b2c3".into());
        settings.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("environment = \"prod\""), "{text}");
        assert_eq!(Settings::load(&path).unwrap(), settings);
    }

    #[test]
    fn a_broken_settings_file_is_an_error_with_its_location() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, "environment = \"staging\"\n").unwrap();
        let error = Settings::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("settings.toml") && error.contains("staging"),
            "{error}"
        );
    }

    #[test]
    fn flags_override_the_file_which_overrides_the_defaults() {
        let mut settings = Settings::default();
        settings.test.endpoints.krr = Some("https://file.example".into());
        settings.test.endpoints.svarut = Some("https://svarut.file.example/api".into());
        let flags = EndpointOverrides {
            krr: Some("https://flag.example".into()),
            ..Default::default()
        };
        let endpoints = settings.endpoints(Environment::Test, &flags, None).unwrap();
        assert_eq!(endpoints.krr, "https://flag.example");
        assert_eq!(endpoints.svarut, "https://svarut.file.example/api");
        assert_eq!(endpoints.maskinporten, "https://test.maskinporten.no/");
    }

    #[test]
    fn production_refuses_plain_http_but_the_sandbox_accepts_loopback() {
        let flags = EndpointOverrides {
            krr: Some("http://krr.example".into()),
            ..Default::default()
        };
        let error = Settings::default()
            .endpoints(Environment::Production, &flags, None)
            .unwrap_err();
        assert!(error.to_string().contains("must use https"), "{error}");

        let local = Endpoints {
            maskinporten: "http://127.0.0.1:4000/".into(),
            krr: "http://127.0.0.1:4001".into(),
            svarut: "http://127.0.0.1:4002/api".into(),
            signing: "http://127.0.0.1:4003/api".into(),
        };
        let endpoints = Settings::default()
            .endpoints(
                Environment::Sandbox,
                &EndpointOverrides::default(),
                Some(&local),
            )
            .unwrap();
        assert_eq!(endpoints, local);
    }

    #[test]
    fn an_unknown_setting_is_named_not_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.toml");
        std::fs::write(
            &path,
            "environment = \"prod\"\n[prod.endpoints]\nkrr = \"https://krr.example\"\n",
        )
        .unwrap();
        let error = Settings::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("unknown setting `prod.endpoints`"),
            "{error}"
        );
        // The right heading is read, and every setting the app writes reads back.
        std::fs::write(
            &path,
            "environment = \"prod\"\n[prod]\nkrr = \"https://krr.example\"\n",
        )
        .unwrap();
        let settings = Settings::load(&path).unwrap();
        assert_eq!(
            settings.prod.endpoints.krr.as_deref(),
            Some("https://krr.example")
        );
        let mut full = Settings::default();
        full.test.client_id = Some("klient".into());
        full.save(&path).unwrap();
        assert_eq!(Settings::load(&path).unwrap(), full);
    }

    #[test]
    fn endpoint_tricks_are_refused_by_a_real_url_parser() {
        let check = |url: &str| check_url("krr", url, true).map_err(|e| e.to_string());
        // The user-info trick: this is example.org, and would carry tokens in clear text.
        let error = check("http://localhost:1@example.org").unwrap_err();
        assert!(error.contains("user name or password"), "{error}");
        assert!(check("https://user:pw@krr.example").is_err());
        assert!(check("http://127.0.0.1.example.org/").is_err());
        assert!(check("http://localhost.example.org").is_err());
        assert!(
            check("file:///etc/passwd")
                .unwrap_err()
                .contains("https://")
        );
        assert!(check("ftp://krr.example").is_err());
        assert!(
            check("https://krr.exаmple").unwrap_err().contains("ASCII"),
            "IDN homograph"
        );
        assert!(check("https://").is_err());
        assert!(check("https:// krr.example").is_err());
        assert!(
            check("https://krr.example/\n").is_err(),
            "a control character"
        );
        assert!(check("https://krr.example/api\u{0}").is_err());
        // What is allowed: https anywhere, plain http on the loopback only.
        assert!(check("https://krr.example").is_ok());
        assert!(check("http://localhost:8080/api").is_ok());
        assert!(check("http://127.0.0.1:4001").is_ok());
        assert!(check("http://[::1]:4001/").is_ok());
        assert!(check("http://10.0.0.5/").is_err());
        // In the sandbox too, plain http goes nowhere but this machine.
        assert!(check_url("krr", "http://krr.example", false).is_err());
    }

    #[test]
    fn the_sandbox_has_no_endpoints_until_it_runs() {
        let error = Settings::default()
            .endpoints(Environment::Sandbox, &EndpointOverrides::default(), None)
            .unwrap_err();
        assert!(matches!(error, ConfigError::SandboxNotRunning));
    }

    #[test]
    fn environment_names_parse_as_the_cli_writes_them() {
        assert_eq!(Environment::parse("prod").unwrap(), Environment::Production);
        assert_eq!(
            Environment::parse("Production").unwrap(),
            Environment::Production
        );
        assert!(Environment::parse("staging").is_err());
    }
}
