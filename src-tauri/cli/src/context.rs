//! What every command needs: directories, settings, flags.

use std::path::Path;

use kommunepost_core::config::{EndpointOverrides, Environment, Settings};
use kommunepost_core::paths::{AppPaths, build_identifier};
use kommunepost_core::secret::Secret;
use kommunepost_core::store::{
    self, KeySource, OsKeyring, Store, StoreError, StoreStatus, UnlockWith,
};

use crate::cli::GlobalArgs;
use crate::error::CliError;

/// Resolved global options.
#[derive(Debug)]
pub struct Context {
    /// Where files live.
    pub paths: AppPaths,
    /// The settings file's contents.
    pub settings: Settings,
    /// The environment in effect (flag, else settings).
    pub environment: Environment,
    /// Endpoint flags.
    pub endpoint_flags: EndpointOverrides,
    /// The store passphrase, from KOMMUNEPOST_PASSPHRASE or --passphrase-file.
    pub passphrase: Option<Secret<String>>,
}

impl Context {
    /// Reads settings and flags.
    pub fn from_cli(args: &GlobalArgs) -> Result<Self, CliError> {
        let paths = match &args.data_dir {
            Some(dir) => AppPaths::under(dir),
            None => AppPaths::for_identifier(build_identifier())
                .map_err(|e| CliError::Usage(e.to_string()))?,
        };
        let settings = Settings::load(&paths.settings_file())?;
        let environment = match &args.environment {
            Some(text) => Environment::parse(text)?,
            None => settings.environment,
        };
        let endpoint_flags = EndpointOverrides {
            maskinporten: args.maskinporten_url.clone(),
            krr: args.krr_url.clone(),
            svarut: args.svarut_url.clone(),
            signing: args.signing_url.clone(),
        };
        let passphrase = match &args.passphrase_file {
            Some(file) => Some(read_passphrase_file(file)?),
            None => std::env::var("KOMMUNEPOST_PASSPHRASE")
                .ok()
                .filter(|p| !p.is_empty())
                .map(Secret::new),
        };
        Ok(Self {
            paths,
            settings,
            environment,
            endpoint_flags,
            passphrase,
        })
    }
}

impl Context {
    /// Opens the store: with the passphrase for a passphrase store, else with the OS
    /// credential store. `source` is the store's key source when already read.
    pub fn open_store(&self, source: Option<KeySource>) -> Result<Store, StoreError> {
        let dir = &self.paths.data_dir;
        let source = match source {
            Some(source) => Some(source),
            None => match store::status(dir)? {
                StoreStatus::NotCreated => return Err(StoreError::NotCreated(dir.clone())),
                StoreStatus::Created { meta, .. } => meta.map(|m| m.key_source),
            },
        };
        let clock = std::sync::Arc::new(kommunepost_core::clock::SystemClock);
        match (source, &self.passphrase) {
            (Some(KeySource::Passphrase), Some(passphrase)) => {
                Store::open(dir, UnlockWith::Passphrase(passphrase.clone()), clock)
            }
            (Some(KeySource::Passphrase), None) => Err(StoreError::WrongUnlockMethod {
                expected: "a passphrase",
                given: "none (set KOMMUNEPOST_PASSPHRASE or use --passphrase-file)",
            }),
            _ => {
                let keyring = OsKeyring::new(build_identifier())?;
                Store::open(dir, UnlockWith::Keyring(&keyring), clock)
            }
        }
    }
}

/// The first line of the file, without its line ending.
fn read_passphrase_file(path: &Path) -> Result<Secret<String>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Io {
        context: format!("reading the passphrase file {}", path.display()),
        source,
    })?;
    let line = text.lines().next().unwrap_or("").to_owned();
    if line.is_empty() {
        return Err(CliError::Usage(format!(
            "the passphrase file {} is empty",
            path.display()
        )));
    }
    Ok(Secret::new(line))
}
