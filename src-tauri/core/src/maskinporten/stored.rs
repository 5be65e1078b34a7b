//! The Maskinporten credential of a real environment — an enterprise certificate (PKCS#12 and
//! its password) or a registered key (PEM and its `kid`) — kept only in the OS credential
//! store. A PKCS#12 file is larger than some stores allow in one entry (Windows Credential
//! Manager: 2560 bytes), so files are kept in parts of at most [`PART_CHARS`] base64 characters.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use super::credential::{ClientCredential, CredentialFileError, KeyId};
use crate::config::Environment;
use crate::secret::Secret;
use crate::store::{CredentialError, CredentialStore};

/// The most characters kept in one credential-store entry.
pub const PART_CHARS: usize = 2000;

fn account(environment: Environment, what: &str) -> String {
    format!("maskinporten-{what}:{}", environment.as_str())
}

/// Which kind of credential a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// An enterprise certificate with its key, PKCS#12 (`.p12`/`.pfx`); the secret is its
    /// password. Sent as `x5c`.
    #[serde(rename = "pkcs12")]
    Pkcs12,
    /// A key registered on the client, PEM; the secret is its `kid`.
    Key,
}

impl CredentialKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pkcs12 => "pkcs12",
            Self::Key => "key",
        }
    }
}

/// Keeps a credential file and its secret (password or kid) for `environment`, replacing
/// any earlier one. The new credential is written in full under a new generation before the
/// pointer to it changes, so a failure half-way leaves the earlier credential in use.
pub fn save_certificate(
    store: &dyn CredentialStore,
    environment: Environment,
    kind: CredentialKind,
    file: &[u8],
    secret: &str,
) -> Result<(), CredentialError> {
    let previous = current(store, environment)?;
    let generation = previous.as_ref().map_or(1, |p| p.generation + 1);
    let encoded = STANDARD.encode(file);
    let parts: Vec<&str> = encoded
        .as_bytes()
        .chunks(PART_CHARS)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    for (i, part) in parts.iter().enumerate() {
        store.set(&part_account(environment, generation, i), part)?;
    }
    store.set(&secret_account(environment, generation), secret)?;
    store.set(
        &account(environment, "credential"),
        &format!("{generation};{};{}", kind.as_str(), parts.len()),
    )?;
    if let Some(previous) = previous {
        remove_generation(store, environment, &previous)?;
    }
    Ok(())
}

/// A saved PKCS#12 file and its password.
pub type SavedCertificate = (CredentialKind, Vec<u8>, Secret<String>);

/// The credential for `environment`, if saved: its kind, file and secret.
pub fn load_certificate(
    store: &dyn CredentialStore,
    environment: Environment,
) -> Result<Option<SavedCertificate>, CredentialError> {
    let Some(current) = current(store, environment)? else {
        return Ok(None);
    };
    let mut encoded = String::new();
    for i in 0..current.parts {
        let part = store
            .get(&part_account(environment, current.generation, i))?
            .ok_or_else(|| {
                CredentialError::Failed(format!("the stored credential is missing part {i}"))
            })?;
        encoded.push_str(part.expose());
    }
    let file = STANDARD.decode(encoded).map_err(|_| {
        CredentialError::Failed("the stored credential is damaged (not base64)".into())
    })?;
    let secret = store
        .get(&secret_account(environment, current.generation))?
        .ok_or_else(|| {
            CredentialError::Failed("the credential's password or kid is missing".into())
        })?;
    Ok(Some((current.kind, file, secret)))
}

/// Removes the credential of `environment`.
pub fn delete_certificate(
    store: &dyn CredentialStore,
    environment: Environment,
) -> Result<(), CredentialError> {
    if let Some(current) = current(store, environment)? {
        store.delete(&account(environment, "credential"))?;
        remove_generation(store, environment, &current)?;
    }
    Ok(())
}

/// Which generation of the credential is in use.
struct Current {
    generation: u64,
    kind: CredentialKind,
    parts: usize,
}

fn current(
    store: &dyn CredentialStore,
    environment: Environment,
) -> Result<Option<Current>, CredentialError> {
    let Some(pointer) = store.get(&account(environment, "credential"))? else {
        return Ok(None);
    };
    let damaged = || CredentialError::Failed("the stored credential is damaged".into());
    let mut fields = pointer.expose().split(';');
    let generation = fields
        .next()
        .and_then(|g| g.parse().ok())
        .ok_or_else(damaged)?;
    let kind = match fields.next() {
        Some("pkcs12") => CredentialKind::Pkcs12,
        Some("key") => CredentialKind::Key,
        _ => return Err(damaged()),
    };
    let parts = fields
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(damaged)?;
    Ok(Some(Current {
        generation,
        kind,
        parts,
    }))
}

fn part_account(environment: Environment, generation: u64, index: usize) -> String {
    format!(
        "{}:{generation}:{index}",
        account(environment, "credential")
    )
}

fn secret_account(environment: Environment, generation: u64) -> String {
    format!("{}:{generation}", account(environment, "credential-secret"))
}

fn remove_generation(
    store: &dyn CredentialStore,
    environment: Environment,
    old: &Current,
) -> Result<(), CredentialError> {
    for i in 0..old.parts {
        store.delete(&part_account(environment, old.generation, i))?;
    }
    store.delete(&secret_account(environment, old.generation))
}

/// What the settings screen shows of a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CertificateInfo {
    /// Certificate or registered key.
    pub kind: CredentialKind,
    /// The certificate's subject, e.g. `C=NO, O=Sandkasse kommune, …`.
    pub subject: Option<String>,
    /// The organisation number in the certificate's subject.
    pub org_number: Option<String>,
    /// The certificate's last day of validity (as OpenSSL writes it).
    pub valid_to: Option<String>,
    /// The registered key's id.
    pub kid: Option<String>,
}

impl ClientCredential {
    /// What the settings screen shows: the certificate's subject and validity, or the kid.
    pub fn certificate_info(&self) -> Option<CertificateInfo> {
        let chain = match self.key_id() {
            KeyId::X5c(chain) => chain,
            KeyId::Kid(kid) => {
                return Some(CertificateInfo {
                    kind: CredentialKind::Key,
                    subject: None,
                    org_number: None,
                    valid_to: None,
                    kid: Some(kid.clone()),
                });
            }
        };
        let der = STANDARD.decode(chain.first()?).ok()?;
        let leaf = openssl::x509::X509::from_der(&der).ok()?;
        let subject = leaf
            .subject_name()
            .entries()
            .map(|e| {
                format!(
                    "{}={}",
                    e.object().nid().short_name().unwrap_or("?"),
                    e.data()
                        .to_string()
                        .map(|s| s.to_string())
                        .unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        Some(CertificateInfo {
            kind: CredentialKind::Pkcs12,
            subject: Some(subject),
            org_number: self.org_number().map(str::to_owned),
            valid_to: Some(leaf.not_after().to_string()),
            kid: None,
        })
    }
}

/// A saved certificate could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoredCertificateError {
    /// The credential store failed.
    #[error(transparent)]
    Store(#[from] CredentialError),
    /// The saved file no longer opens.
    #[error(transparent)]
    File(#[from] CredentialFileError),
}

/// The saved certificate of `environment` as a signing credential.
pub fn load_credential(
    store: &dyn CredentialStore,
    environment: Environment,
) -> Result<Option<ClientCredential>, StoredCertificateError> {
    match load_certificate(store, environment)? {
        Some((CredentialKind::Pkcs12, der, password)) => Ok(Some(ClientCredential::from_pkcs12(
            &der,
            password.expose(),
        )?)),
        Some((CredentialKind::Key, pem, kid)) => {
            Ok(Some(ClientCredential::from_pem_key(&pem, kid.expose())?))
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryCredentials;

    #[test]
    fn a_large_certificate_is_kept_in_parts_and_read_back_whole() {
        let store = MemoryCredentials::new();
        let file: Vec<u8> = (0..6000u32).map(|i| (i % 251) as u8).collect();
        save_certificate(
            &store,
            Environment::Test,
            CredentialKind::Pkcs12,
            &file,
            "passord",
        )
        .unwrap();
        let (kind, read, password) = load_certificate(&store, Environment::Test)
            .unwrap()
            .unwrap();
        assert_eq!(
            (kind, read, password.expose().as_str()),
            (CredentialKind::Pkcs12, file, "passord")
        );
        assert!(
            load_certificate(&store, Environment::Production)
                .unwrap()
                .is_none(),
            "per environment"
        );
        // 6000 bytes are 8000 base64 characters: four parts, none longer than the limit.
        assert_eq!(
            store
                .get("maskinporten-credential:test")
                .unwrap()
                .unwrap()
                .expose(),
            "1;pkcs12;4"
        );
        for i in 0..4 {
            let part = store
                .get(&format!("maskinporten-credential:test:1:{i}"))
                .unwrap()
                .unwrap();
            assert!(part.expose().len() <= PART_CHARS);
        }
    }

    #[test]
    fn saving_again_replaces_and_deleting_removes_every_part() {
        let store = MemoryCredentials::new();
        save_certificate(
            &store,
            Environment::Test,
            CredentialKind::Pkcs12,
            &[1u8; 5000],
            "a",
        )
        .unwrap();
        save_certificate(
            &store,
            Environment::Test,
            CredentialKind::Key,
            &[2u8; 10],
            "kid-1",
        )
        .unwrap();
        let (kind, read, kid) = load_certificate(&store, Environment::Test)
            .unwrap()
            .unwrap();
        assert_eq!(
            (kind, read, kid.expose().as_str()),
            (CredentialKind::Key, vec![2u8; 10], "kid-1")
        );
        assert!(
            store
                .get("maskinporten-credential:test:1:0")
                .unwrap()
                .is_none(),
            "the old generation is removed"
        );
        delete_certificate(&store, Environment::Test).unwrap();
        assert!(
            load_certificate(&store, Environment::Test)
                .unwrap()
                .is_none()
        );
        assert!(
            store
                .get("maskinporten-credential:test:2:0")
                .unwrap()
                .is_none()
        );
    }
}
