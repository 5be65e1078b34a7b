//! The enterprise certificate of a real environment, kept only in the OS credential store.
//! A PKCS#12 file is larger than some stores allow in one entry (Windows Credential Manager:
//! 2560 bytes), so it is kept in parts of at most [`PART_CHARS`] base64 characters.

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

/// Keeps `pkcs12` and its password for `environment`, replacing any earlier certificate.
pub fn save_certificate(
    store: &dyn CredentialStore,
    environment: Environment,
    pkcs12: &[u8],
    password: &str,
) -> Result<(), CredentialError> {
    delete_certificate(store, environment)?;
    let encoded = STANDARD.encode(pkcs12);
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

/// A saved PKCS#12 file and its password.
pub type SavedCertificate = (Vec<u8>, Secret<String>);

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
    Ok(Some((der, password)))
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
    store.delete(&account(environment, "certificate-password"))
}

/// What the settings screen shows of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CertificateInfo {
    /// The subject, e.g. `C=NO, O=Sandkasse kommune, …`.
    pub subject: String,
    /// The organisation number in the subject.
    pub org_number: Option<String>,
    /// Last day of validity (`YYYY-MM-DD HH:MM:SS UTC` as OpenSSL writes it).
    pub valid_to: String,
}

impl ClientCredential {
    /// The leaf certificate's subject and validity; `None` for a `kid` key.
    pub fn certificate_info(&self) -> Option<CertificateInfo> {
        let KeyId::X5c(chain) = self.key_id() else {
            return None;
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
            subject,
            org_number: self.org_number().map(str::to_owned),
            valid_to: leaf.not_after().to_string(),
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
        Some((der, password)) => Ok(Some(ClientCredential::from_pkcs12(
            &der,
            password.expose(),
        )?)),
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
        save_certificate(&store, Environment::Test, &file, "passord").unwrap();
        let (read, password) = load_certificate(&store, Environment::Test)
            .unwrap()
            .unwrap();
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
        save_certificate(&store, Environment::Test, &[1u8; 5000], "a").unwrap();
        save_certificate(&store, Environment::Test, &[2u8; 10], "b").unwrap();
        let (read, _) = load_certificate(&store, Environment::Test)
            .unwrap()
            .unwrap();
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
