//! The store's metadata file (`kommunepost.store.json`): how its key is found. It holds no
//! secret: the key source, the Argon2id salt and parameters, and an id that names the key's
//! entry in the credential store.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::key::KdfParams;

/// Where the store's key comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// A random key kept in the OS credential store.
    Keyring,
    /// A key derived from the user's passphrase (Argon2id).
    Passphrase,
}

/// The contents of the metadata file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreMeta {
    /// File format version of this metadata.
    pub format: u32,
    /// Random id of this store; the credential-store account is `store-key:<id>`.
    pub store_id: String,
    /// Where the key comes from.
    pub key_source: KeySource,
    /// Argon2id parameters, for [`KeySource::Passphrase`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kdf: Option<KdfParams>,
    /// When the store was created.
    pub created_at: DateTime<Utc>,
    /// The user has confirmed keeping the recovery key; until then it is shown again at every
    /// start. (Files written before this field existed had shown it once: they count as
    /// confirmed.)
    #[serde(default = "confirmed_by_default")]
    pub recovery_key_confirmed: bool,
}

fn confirmed_by_default() -> bool {
    true
}

impl StoreMeta {
    /// The credential-store account holding this store's key.
    pub fn keyring_account(&self) -> String {
        format!("store-key:{}", self.store_id)
    }

    /// Reads the file; `Ok(None)` when it does not exist.
    pub fn read(path: &Path) -> std::io::Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes the file atomically (temporary file, then rename).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::paths::write_atomically(path, &json)
    }
}
