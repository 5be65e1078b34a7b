//! The client's signing credential: an enterprise certificate (virksomhetssertifikat) from a
//! PKCS#12 file, sent as `x5c`, or a registered key sent by `kid`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;

/// The key and how Maskinporten finds its public half.
#[derive(Clone)]
pub struct ClientCredential {
    key: PKey<Private>,
    identifies_by: KeyId,
    org_number: Option<String>,
}

/// How the grant names the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyId {
    /// The certificate chain, leaf first, base64 (standard, not url) DER.
    X5c(Vec<String>),
    /// A key registered on the client.
    Kid(String),
}

impl std::fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCredential")
            .field(
                "identifies_by",
                &match &self.identifies_by {
                    KeyId::X5c(chain) => format!("x5c ({} certificates)", chain.len()),
                    KeyId::Kid(kid) => format!("kid {kid}"),
                },
            )
            .field("org_number", &self.org_number)
            .finish_non_exhaustive()
    }
}

/// A certificate file could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CredentialFileError {
    /// Not a PKCS#12 file.
    #[error("the file is not a PKCS#12 (.p12/.pfx) certificate file")]
    NotPkcs12,
    /// Wrong password (or a cipher this build cannot read).
    #[error("the certificate password is wrong, or the file uses a cipher that cannot be read")]
    WrongPassword,
    /// The file holds no private key or no certificate.
    #[error("the certificate file holds no {0}")]
    Missing(&'static str),
    /// The key is not RSA (Maskinporten grants here are RS256).
    #[error("the certificate's key is not an RSA key")]
    NotRsa,
    /// A PEM key could not be read.
    #[error("the key file is not a PEM private key: {0}")]
    BadKey(String),
}

impl ClientCredential {
    /// Reads an enterprise certificate with its key and chain from PKCS#12 bytes.
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, CredentialFileError> {
        let pkcs12 =
            openssl::pkcs12::Pkcs12::from_der(der).map_err(|_| CredentialFileError::NotPkcs12)?;
        let parsed = pkcs12.parse2(password).or_else(|_| {
            // Certificates issued before OpenSSL 3 often use RC2/3DES, which OpenSSL 3 keeps in
            // its "legacy" provider; load it and try once more.
            let _legacy = openssl::provider::Provider::try_load(None, "legacy", true);
            pkcs12.parse2(password)
        });
        let parsed = parsed.map_err(|_| CredentialFileError::WrongPassword)?;
        let key = parsed
            .pkey
            .ok_or(CredentialFileError::Missing("private key"))?;
        if key.rsa().is_err() {
            return Err(CredentialFileError::NotRsa);
        }
        let leaf = parsed
            .cert
            .ok_or(CredentialFileError::Missing("certificate"))?;
        let mut chain = vec![leaf];
        if let Some(ca) = parsed.ca {
            chain.extend(ca);
        }
        Self::from_key_and_chain(key, &chain)
    }

    /// A credential from a key and its certificate chain (leaf first).
    pub fn from_key_and_chain(
        key: PKey<Private>,
        chain: &[X509],
    ) -> Result<Self, CredentialFileError> {
        let leaf = chain
            .first()
            .ok_or(CredentialFileError::Missing("certificate"))?;
        let der = chain
            .iter()
            .map(|c| c.to_der().map(|d| STANDARD.encode(d)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| CredentialFileError::Missing("readable certificate"))?;
        Ok(Self {
            org_number: org_number_of(leaf),
            key,
            identifies_by: KeyId::X5c(der),
        })
    }

    /// A registered key (PEM, PKCS#8 or PKCS#1) named by `kid`.
    pub fn from_pem_key(pem: &[u8], kid: &str) -> Result<Self, CredentialFileError> {
        let key = PKey::private_key_from_pem(pem)
            .map_err(|e| CredentialFileError::BadKey(e.to_string()))?;
        if key.rsa().is_err() {
            return Err(CredentialFileError::NotRsa);
        }
        Ok(Self {
            key,
            identifies_by: KeyId::Kid(kid.to_owned()),
            org_number: None,
        })
    }

    /// The signing key.
    pub fn key(&self) -> &PKey<Private> {
        &self.key
    }

    /// How the grant names the key.
    pub fn key_id(&self) -> &KeyId {
        &self.identifies_by
    }

    /// The organisation number in the certificate's subject, when there is one.
    pub fn org_number(&self) -> Option<&str> {
        self.org_number.as_deref()
    }
}

/// The organisation number in a Norwegian enterprise certificate's subject: `serialNumber`
/// (older certificates) or `organizationIdentifier` `NTRNO-<orgnr>` (eIDAS certificates).
pub fn org_number_of(certificate: &openssl::x509::X509Ref) -> Option<String> {
    certificate
        .subject_name()
        .entries()
        .filter(|entry| {
            let name = entry.object().to_string();
            entry.object().nid() == Nid::SERIALNUMBER
                || name == "organizationIdentifier"
                || name == "2.5.4.97"
        })
        .filter_map(|entry| entry.data().to_string().ok())
        .map(|value| value.trim_start_matches("NTRNO-").to_owned())
        .find(|value| value.len() == 9 && value.bytes().all(|b| b.is_ascii_digit()))
}
