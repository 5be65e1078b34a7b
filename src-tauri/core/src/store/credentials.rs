//! The OS credential store (macOS Keychain, Windows Credential Manager, Linux Secret Service),
//! behind a small trait so tests can use memory.
//!
//! Only persistent stores count: Linux's kernel keyutils forgets keys at reboot, and keyring's
//! mock store forgets them at exit, so neither is ever used for a key that protects data.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use crate::secret::Secret;

/// Where secrets live.
pub trait CredentialStore: Send + Sync + fmt::Debug {
    /// The secret for `account`, or `None` when there is none.
    fn get(&self, account: &str) -> Result<Option<Secret<String>>, CredentialError>;
    /// Saves the secret for `account`, replacing any earlier one.
    fn set(&self, account: &str, secret: &str) -> Result<(), CredentialError>;
    /// Removes the secret for `account`; no error when there was none.
    fn delete(&self, account: &str) -> Result<(), CredentialError>;
}

/// A credential-store failure.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CredentialError {
    /// No persistent credential store can be reached (no Secret Service on the session bus, a
    /// locked keychain, an unsupported platform).
    #[error("no persistent credential store is reachable: {0}")]
    Unavailable(String),
    /// The store answered with an error.
    #[error("the credential store failed: {0}")]
    Failed(String),
}

/// The operating system's credential store, through the `keyring` crate.
#[derive(Debug, Clone)]
pub struct OsKeyring {
    service: String,
}

impl OsKeyring {
    /// Secrets of `service` (the bundle identifier). Fails with
    /// [`CredentialError::Unavailable`] when this platform's store does not persist.
    pub fn new(service: &str) -> Result<Self, CredentialError> {
        use keyring::credential::CredentialPersistence;
        let persistence = keyring::default::default_credential_builder().persistence();
        if !matches!(persistence, CredentialPersistence::UntilDelete) {
            return Err(CredentialError::Unavailable(
                "this platform's credential store does not keep secrets across restarts".into(),
            ));
        }
        Ok(Self {
            service: service.to_owned(),
        })
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, CredentialError> {
        keyring::Entry::new(&self.service, account).map_err(map_error)
    }
}

fn map_error(error: keyring::Error) -> CredentialError {
    match error {
        keyring::Error::PlatformFailure(e) => CredentialError::Unavailable(e.to_string()),
        keyring::Error::NoStorageAccess(e) => CredentialError::Unavailable(e.to_string()),
        other => CredentialError::Failed(other.to_string()),
    }
}

impl CredentialStore for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<Secret<String>>, CredentialError> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(Secret::new(secret))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), CredentialError> {
        self.entry(account)?
            .set_password(secret)
            .map_err(map_error)?;
        // Read it back through a fresh entry: a store that accepted the write but cannot give
        // it back would lose the key.
        match self.get(account)? {
            Some(read) if read.expose() == secret => Ok(()),
            _ => Err(CredentialError::Unavailable(
                "the credential store accepted the secret but did not give it back".into(),
            )),
        }
    }

    fn delete(&self, account: &str) -> Result<(), CredentialError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }
}

/// Secrets in memory, for tests. Lost when dropped: never use it for real data.
#[derive(Debug, Default)]
pub struct MemoryCredentials {
    secrets: Mutex<HashMap<String, String>>,
    unavailable: bool,
}

impl MemoryCredentials {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that behaves like an unreachable Secret Service.
    pub fn unavailable() -> Self {
        Self {
            unavailable: true,
            ..Self::default()
        }
    }

    fn check(&self) -> Result<(), CredentialError> {
        if self.unavailable {
            Err(CredentialError::Unavailable(
                "test: no credential store".into(),
            ))
        } else {
            Ok(())
        }
    }
}

impl CredentialStore for MemoryCredentials {
    fn get(&self, account: &str) -> Result<Option<Secret<String>>, CredentialError> {
        self.check()?;
        let secrets = self.secrets.lock().expect("lock");
        Ok(secrets.get(account).cloned().map(Secret::new))
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), CredentialError> {
        self.check()?;
        let mut secrets = self.secrets.lock().expect("lock");
        secrets.insert(account.to_owned(), secret.to_owned());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), CredentialError> {
        self.check()?;
        self.secrets.lock().expect("lock").remove(account);
        Ok(())
    }
}
