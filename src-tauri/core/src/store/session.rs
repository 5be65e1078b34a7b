//! The app's store lifecycle: open on start when it can, create on first run, and otherwise
//! say exactly what the user must provide (a new passphrase, the passphrase, or the recovery
//! key). Never creates a store whose key could be lost.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use super::{
    CreateWith, CredentialError, CredentialStore, KeySource, RecoveryKey, Store, StoreError,
    StoreStatus, UnlockWith, status,
};
use crate::clock::Clock;
use crate::secret::Secret;

/// What the user sees of the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StoreState {
    /// Open and usable.
    Unlocked {
        /// Where the key comes from.
        key_source: KeySource,
    },
    /// First run and no persistent credential store: the user must choose a passphrase.
    NeedsNewPassphrase {
        /// Why the credential store could not be used (English: the log).
        reason: String,
        /// The same, for the UI to say in the clerk's language.
        detail: crate::problem::Problem,
    },
    /// A passphrase store: the user must type the passphrase.
    NeedsPassphrase,
    /// The key cannot be had from the credential store: the recovery key opens the store.
    NeedsRecoveryKey {
        /// What went wrong with the credential store (English: the log).
        reason: String,
        /// The same, for the UI to say in the clerk's language.
        detail: crate::problem::Problem,
    },
}

/// The store as the app holds it.
#[derive(Debug)]
pub struct StoreSession {
    dir: PathBuf,
    credentials: Result<Arc<dyn CredentialStore>, CredentialError>,
    clock: Arc<dyn Clock>,
    store: Option<Arc<Store>>,
    state: StoreState,
    pending_recovery_key: Option<RecoveryKey>,
}

impl StoreSession {
    /// Opens the store in `dir` with the credential store, or creates it there on first run.
    /// Where neither is possible the session stays locked and [`StoreSession::state`] says what
    /// the user must give.
    pub fn start(
        dir: PathBuf,
        credentials: Result<Arc<dyn CredentialStore>, CredentialError>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let mut session = Self {
            dir,
            credentials,
            clock,
            store: None,
            state: StoreState::NeedsPassphrase,
            pending_recovery_key: None,
        };
        session.retry();
        session
    }

    /// Tries the credential store again (after the user unlocked their keyring, say).
    pub fn retry(&mut self) {
        if self.store.is_some() {
            return;
        }
        self.state = match self.try_open_or_create() {
            Ok(state) => state,
            Err(error) => {
                tracing::warn!(%error, "store not opened at start");
                StoreState::NeedsRecoveryKey {
                    reason: error.to_string(),
                    detail: crate::problem::Explain::problem(&error),
                }
            }
        };
        tracing::info!(state = ?self.state, "store session");
    }

    fn try_open_or_create(&mut self) -> Result<StoreState, StoreError> {
        match status(&self.dir)? {
            StoreStatus::NotCreated => {
                let credentials = match &self.credentials {
                    Ok(credentials) => credentials.clone(),
                    Err(error) => {
                        return Ok(StoreState::NeedsNewPassphrase {
                            reason: error.to_string(),
                            detail: crate::problem::Explain::problem(error),
                        });
                    }
                };
                match Store::create(
                    &self.dir,
                    CreateWith::Keyring(credentials.as_ref()),
                    self.clock.clone(),
                ) {
                    Ok((store, _recovery)) => Ok(self.unlocked(store, KeySource::Keyring)),
                    Err(StoreError::Credentials(error)) => Ok(StoreState::NeedsNewPassphrase {
                        reason: error.to_string(),
                        detail: crate::problem::Explain::problem(&error),
                    }),
                    Err(error) => Err(error),
                }
            }
            StoreStatus::Created {
                meta: Some(meta), ..
            } if meta.key_source == KeySource::Passphrase => Ok(StoreState::NeedsPassphrase),
            StoreStatus::Created { .. } => {
                let credentials = self.credentials.clone().map_err(StoreError::Credentials)?;
                let store = Store::open(
                    &self.dir,
                    UnlockWith::Keyring(credentials.as_ref()),
                    self.clock.clone(),
                )?;
                Ok(self.unlocked(store, KeySource::Keyring))
            }
        }
    }

    fn unlocked(&mut self, store: Store, key_source: KeySource) -> StoreState {
        // Drafts deleted more than 30 days ago leave the trash when the store opens.
        match store.purge_trash() {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "emptied old drafts from the trash"),
            Err(error) => tracing::warn!(%error, "could not empty the trash"),
        }
        self.pending_recovery_key = if super::recovery_key_confirmed(&self.dir) {
            None
        } else {
            store.recovery_key()
        };
        self.store = Some(Arc::new(store));
        self.state = StoreState::Unlocked { key_source };
        self.state.clone()
    }

    /// What the user sees.
    pub fn state(&self) -> &StoreState {
        &self.state
    }

    /// The recovery key to show, until the user confirms keeping it (a crash or reload before
    /// that does not lose it: it is shown again at the next start).
    pub fn recovery_key_to_show(&self) -> Option<RecoveryKey> {
        self.pending_recovery_key.clone()
    }

    /// The user has kept the recovery key: it is not shown again.
    pub fn confirm_recovery_key(&mut self) -> Result<(), StoreError> {
        super::confirm_recovery_key(&self.dir)?;
        self.pending_recovery_key = None;
        Ok(())
    }

    /// First run without a credential store: creates a passphrase store. Returns the recovery
    /// key to show.
    pub fn create_with_passphrase(
        &mut self,
        passphrase: Secret<String>,
    ) -> Result<RecoveryKey, StoreError> {
        if !matches!(self.state, StoreState::NeedsNewPassphrase { .. }) {
            return Err(StoreError::AlreadyExists(self.dir.clone()));
        }
        let (store, recovery) = Store::create(
            &self.dir,
            CreateWith::Passphrase(passphrase),
            self.clock.clone(),
        )?;
        self.unlocked(store, KeySource::Passphrase);
        Ok(recovery)
    }

    /// Opens a passphrase store.
    pub fn unlock_with_passphrase(&mut self, passphrase: Secret<String>) -> Result<(), StoreError> {
        let store = Store::open(
            &self.dir,
            UnlockWith::Passphrase(passphrase),
            self.clock.clone(),
        )?;
        self.unlocked(store, KeySource::Passphrase);
        Ok(())
    }

    /// Opens the store with its recovery key; for a keyring store, puts the key back into the
    /// credential store when it can be reached.
    pub fn unlock_with_recovery_key(
        &mut self,
        recovery_key: Secret<String>,
    ) -> Result<(), StoreError> {
        let store = Store::open(
            &self.dir,
            UnlockWith::RecoveryKey(recovery_key.clone()),
            self.clock.clone(),
        )?;
        // A damaged metadata file is repaired below (keyring stores): the key opened the store.
        let source = match status(&self.dir) {
            Ok(StoreStatus::Created {
                meta: Some(meta), ..
            }) => meta.key_source,
            _ => KeySource::Keyring,
        };
        if source == KeySource::Keyring
            && let Ok(credentials) = &self.credentials
            && let Err(error) = store.restore_key_to(&self.dir, &recovery_key, credentials.as_ref())
        {
            tracing::warn!(%error, "opened with the recovery key but could not put the key back");
        }
        self.unlocked(store, source);
        // Whoever unlocked with the recovery key has it.
        self.confirm_recovery_key()?;
        Ok(())
    }

    /// The open store, or [`StoreError::Locked`].
    pub fn store(&self) -> Result<Arc<Store>, StoreError> {
        self.store.clone().ok_or(StoreError::Locked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use crate::store::MemoryCredentials;

    fn start(dir: &std::path::Path, credentials: Arc<MemoryCredentials>) -> StoreSession {
        StoreSession::start(dir.to_path_buf(), Ok(credentials), Arc::new(SystemClock))
    }

    #[test]
    fn first_run_creates_the_store_and_shows_the_recovery_key_until_it_is_confirmed() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = Arc::new(MemoryCredentials::new());
        let session = start(dir.path(), credentials.clone());
        assert_eq!(
            session.state(),
            &StoreState::Unlocked {
                key_source: KeySource::Keyring
            }
        );
        let key = session.recovery_key_to_show().unwrap();
        assert!(session.store().is_ok());
        drop(session);

        // A crash before the user confirmed: the same key is shown at the next start.
        let mut again = start(dir.path(), credentials.clone());
        assert_eq!(again.recovery_key_to_show().unwrap(), key);
        again.confirm_recovery_key().unwrap();
        assert!(again.recovery_key_to_show().is_none());
        drop(again);
        assert!(
            start(dir.path(), credentials)
                .recovery_key_to_show()
                .is_none(),
            "confirmed for good"
        );
    }

    #[test]
    fn first_run_without_a_credential_store_asks_for_a_passphrase_instead_of_losing_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let mut session = start(dir.path(), Arc::new(MemoryCredentials::unavailable()));
        assert!(matches!(
            session.state(),
            StoreState::NeedsNewPassphrase { .. }
        ));
        assert!(matches!(session.store(), Err(StoreError::Locked)));
        assert_eq!(
            status(dir.path()).unwrap(),
            StoreStatus::NotCreated,
            "nothing created yet"
        );

        let recovery = session
            .create_with_passphrase(Secret::new("et godt passord".into()))
            .unwrap();
        assert!(!recovery.expose().is_empty());
        assert_eq!(
            session.state(),
            &StoreState::Unlocked {
                key_source: KeySource::Passphrase
            }
        );

        let mut again = start(dir.path(), Arc::new(MemoryCredentials::unavailable()));
        assert_eq!(again.state(), &StoreState::NeedsPassphrase);
        let wrong = again
            .unlock_with_passphrase(Secret::new("feil passord!".into()))
            .unwrap_err();
        assert!(matches!(wrong, StoreError::WrongKey));
        again
            .unlock_with_passphrase(Secret::new("et godt passord".into()))
            .unwrap();
    }

    #[test]
    fn a_lost_keyring_entry_asks_for_the_recovery_key_which_restores_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = start(dir.path(), Arc::new(MemoryCredentials::new()));
        let recovery = first.recovery_key_to_show().unwrap().expose().to_owned();
        drop(first);

        let new_keyring = Arc::new(MemoryCredentials::new());
        let mut session = start(dir.path(), new_keyring.clone());
        assert!(
            matches!(session.state(), StoreState::NeedsRecoveryKey { .. }),
            "{:?}",
            session.state()
        );
        session
            .unlock_with_recovery_key(Secret::new(recovery))
            .unwrap();
        assert!(matches!(
            start(dir.path(), new_keyring).state(),
            StoreState::Unlocked { .. }
        ));
    }
}
