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
/// any earlier one.
pub fn save_certificate(
    store: &dyn CredentialStore,
    environment: Environment,
    kind: CredentialKind,
    file: &[u8],
    password: &str,
) -> Result<(), CredentialError> {
    delete_certificate(store, environment)?;
    store.set(&account(environment, "credential-kind"), kind.as_str())?;
    let encoded = STANDARD.encode(file);
    let parts: Vec<&str> = encoded
        .as_bytes()
        .chunks(PART_CHARS)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    for (i, part) in parts.iter().enumerate() {
        store.set(
            &format!("{}:{i}", account(environment, "certificate")),
            part,
        )?;
    }
    store.set(&account(environment, "certificate-password"), password)?;
    // The count last: a certificate counts as saved only when every part is.
    store.set(
        &format!("{}:parts", account(environment, "certificate")),
        &parts.len().to_string(),
    )
}

/// A saved credential file, its kind, and its password or kid.
pub type SavedCertificate = (CredentialKind, Vec<u8>, Secret<String>);

/// The certificate and password for `environment`, if saved.
pub fn load_certificate(
    store: &dyn CredentialStore,
    environment: Environment,
) -> Result<Option<SavedCertificate>, CredentialError> {
    let base = account(environment, "certificate");
    let Some(count) = store.get(&format!("{base}:parts"))? else {
        return Ok(None);
    };
    let count: usize = count.expose().parse().map_err(|_| {
        CredentialError::Failed("the stored certificate is damaged (part count)".into())
    })?;
    let mut encoded = String::new();
    for i in 0..count {
        let part = store.get(&format!("{base}:{i}"))?.ok_or_else(|| {
            CredentialError::Failed(format!("the stored certificate is missing part {i}"))
        })?;
        encoded.push_str(part.expose());
    }
    let der = STANDARD.decode(encoded).map_err(|_| {
        CredentialError::Failed("the stored certificate is damaged (not base64)".into())
    })?;
    let password = store
        .get(&account(environment, "certificate-password"))?
        .ok_or_else(|| CredentialError::Failed("the certificate's password is missing".into()))?;
    let kind = match store.get(&account(environment, "credential-kind"))? {
        Some(kind) if kind.expose() == "key" => CredentialKind::Key,
        _ => CredentialKind::Pkcs12,
    };
    Ok(Some((kind, der, password)))
}

/// Removes the certificate of `environment`.
pub fn delete_certificate(
    store: &dyn CredentialStore,
    environment: Environment,
) -> Result<(), CredentialError> {
    let base = account(environment, "certificate");
    if let Some(count) = store.get(&format!("{base}:parts"))? {
        store.delete(&format!("{base}:parts"))?;
        for i in 0..count.expose().parse::<usize>().unwrap_or(0) {
            store.delete(&format!("{base}:{i}"))?;
        }
    }
    store.delete(&account(environment, "certificate-password"))?;
    store.delete(&account(environment, "credential-kind"))
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
        assert_eq!(kind, CredentialKind::Pkcs12);
        assert_eq!(read, file);
        assert_eq!(password.expose(), "passord");
        assert!(
            load_certificate(&store, Environment::Production)
                .unwrap()
                .is_none(),
            "per environment"
        );
        // 6000 bytes are 8000 base64 characters: four parts.
        assert_eq!(
            store
                .get("maskinporten-certificate:test:parts")
                .unwrap()
                .unwrap()
                .expose(),
            "4"
        );
        for i in 0..4 {
            let part = store
                .get(&format!("maskinporten-certificate:test:{i}"))
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
            (kind, kid.expose().as_str()),
            (CredentialKind::Key, "kid-1")
        );
        assert_eq!(read, vec![2u8; 10]);
        assert!(
            store
                .get("maskinporten-certificate:test:1")
                .unwrap()
                .is_none(),
            "old parts removed"
        );
        delete_certificate(&store, Environment::Test).unwrap();
        assert!(
            load_certificate(&store, Environment::Test)
                .unwrap()
                .is_none()
        );
    }
}
