//! Encrypted sending (`kryptert=true`, `svarut-dpi.md` §1.14): each file becomes a CMS
//! EnvelopedData (RFC 5652) for SvarUt's public certificate — the content encrypted with
//! AES-256-CBC under a fresh key, the key transported with RSAES-OAEP (SHA-256, MGF1-SHA-256,
//! the empty label), as KS's own client does. The files are encrypted in memory just before the
//! send; nothing unencrypted is written anywhere on the way.
//!
//! OpenSSL does the cryptography; the DER is written here, because OpenSSL's `CMS_encrypt`
//! (what the `openssl` crate offers) transports the key with PKCS#1 v1.5, not OAEP. The
//! sandbox's SvarUt decrypts with OpenSSL's own CMS reader, an independent check of this DER.

use openssl::md::Md;
use openssl::pkey::{Id, PKey, Public};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use openssl::symm::Cipher;
use openssl::x509::X509;

/// The largest certificate answer read.
pub const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;

/// Why a file cannot be encrypted for SvarUt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The answer is not a PEM (or DER) X.509 certificate.
    #[error("SvarUt's public key is not a readable certificate: {0}")]
    Certificate(String),
    /// Not an RSA key (SvarUt's is; OAEP needs one).
    #[error("SvarUt's certificate does not hold an RSA key")]
    NotRsa,
    /// Expired or not yet valid.
    #[error("SvarUt's certificate is not valid now (valid {not_before} to {not_after})")]
    NotValidNow {
        /// Valid from.
        not_before: String,
        /// Valid to.
        not_after: String,
    },
    /// OpenSSL failed.
    #[error("encrypting the file failed: {0}")]
    OpenSsl(String),
}

impl From<openssl::error::ErrorStack> for CryptoError {
    fn from(error: openssl::error::ErrorStack) -> Self {
        Self::OpenSsl(error.to_string())
    }
}

/// SvarUt's certificate, read and checked for use now.
#[derive(Clone)]
pub struct SvarUtCertificate {
    cert: X509,
    key: PKey<Public>,
    /// When it stops being valid.
    pub not_after: chrono::DateTime<chrono::Utc>,
}

impl std::fmt::Debug for SvarUtCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SvarUtCertificate")
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

fn asn1_time(
    time: &openssl::asn1::Asn1TimeRef,
) -> Result<chrono::DateTime<chrono::Utc>, CryptoError> {
    let epoch = openssl::asn1::Asn1Time::from_unix(0)?;
    let diff = epoch.diff(time)?;
    Ok(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH
        + chrono::Duration::days(i64::from(diff.days))
        + chrono::Duration::seconds(i64::from(diff.secs)))
}

impl SvarUtCertificate {
    /// Reads the certificate SvarUt serves (PEM; DER accepted too) and checks that it holds an
    /// RSA key and is valid at `now`.
    pub fn read(bytes: &[u8], now: chrono::DateTime<chrono::Utc>) -> Result<Self, CryptoError> {
        if bytes.len() > MAX_CERTIFICATE_BYTES {
            return Err(CryptoError::Certificate(format!(
                "{} bytes; a certificate is at most {MAX_CERTIFICATE_BYTES}",
                bytes.len()
            )));
        }
        let cert = X509::from_pem(bytes)
            .or_else(|_| X509::from_der(bytes))
            .map_err(|_| CryptoError::Certificate("neither PEM nor DER X.509".into()))?;
        let key = cert.public_key()?;
        if key.id() != Id::RSA {
            return Err(CryptoError::NotRsa);
        }
        let not_before = asn1_time(cert.not_before())?;
        let not_after = asn1_time(cert.not_after())?;
        if now < not_before || now > not_after {
            return Err(CryptoError::NotValidNow {
                not_before: not_before.to_rfc3339(),
                not_after: not_after.to_rfc3339(),
            });
        }
        Ok(Self {
            cert,
            key,
            not_after,
        })
    }

    /// `plain` as a DER CMS EnvelopedData (ContentInfo) for this certificate.
    pub fn encrypt(&self, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut content_key = [0u8; 32];
        let mut iv = [0u8; 16];
        openssl::rand::rand_bytes(&mut content_key)?;
        openssl::rand::rand_bytes(&mut iv)?;
        let encrypted =
            openssl::symm::encrypt(Cipher::aes_256_cbc(), &content_key, Some(&iv), plain)?;

        let mut ctx = PkeyCtx::new(&self.key)?;
        ctx.encrypt_init()?;
        ctx.set_rsa_padding(Padding::PKCS1_OAEP)?;
        ctx.set_rsa_oaep_md(Md::sha256())?;
        ctx.set_rsa_mgf1_md(Md::sha256())?;
        let mut encrypted_key = Vec::new();
        ctx.encrypt_to_vec(&content_key, &mut encrypted_key)?;

        let issuer = self.cert.issuer_name().to_der()?;
        let serial = self.cert.serial_number().to_bn()?.to_vec();
        let sha256 = der::seq(&[der::SHA256, der::NULL]);
        let oaep_params = der::seq(&[
            &der::explicit(0, &sha256),
            &der::explicit(1, &der::seq(&[der::MGF1, &sha256])),
        ]);
        let recipient = der::seq(&[
            &der::integer(&[0]),
            &der::seq(&[&issuer, &der::integer(&serial)]),
            &der::seq(&[der::RSAES_OAEP, &oaep_params]),
            &der::octets(&encrypted_key),
        ]);
        let content = der::seq(&[
            der::DATA,
            &der::seq(&[der::AES256_CBC, &der::octets(&iv)]),
            &der::implicit(0, &encrypted),
        ]);
        let enveloped = der::seq(&[&der::integer(&[0]), &der::set(&[&recipient]), &content]);
        Ok(der::seq(&[
            der::ENVELOPED_DATA,
            &der::explicit(0, &enveloped),
        ]))
    }
}

/// Just enough DER for EnvelopedData.
mod der {
    /// 1.2.840.113549.1.7.3 envelopedData.
    pub const ENVELOPED_DATA: &[u8] = &[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03,
    ];
    /// 1.2.840.113549.1.7.1 data.
    pub const DATA: &[u8] = &[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01,
    ];
    /// 1.2.840.113549.1.1.7 id-RSAES-OAEP.
    pub const RSAES_OAEP: &[u8] = &[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x07,
    ];
    /// 1.2.840.113549.1.1.8 id-mgf1.
    pub const MGF1: &[u8] = &[
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08,
    ];
    /// 2.16.840.1.101.3.4.2.1 id-sha256.
    pub const SHA256: &[u8] = &[
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    ];
    /// 2.16.840.1.101.3.4.1.42 id-aes256-CBC.
    pub const AES256_CBC: &[u8] = &[
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2A,
    ];
    /// NULL.
    pub const NULL: &[u8] = &[0x05, 0x00];

    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(content.len() + 6);
        out.push(tag);
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend_from_slice(&bytes);
        }
        out.extend_from_slice(content);
        out
    }

    pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
        tlv(0x30, &parts.concat())
    }

    pub fn set(parts: &[&[u8]]) -> Vec<u8> {
        tlv(0x31, &parts.concat())
    }

    pub fn octets(bytes: &[u8]) -> Vec<u8> {
        tlv(0x04, bytes)
    }

    /// A non-negative INTEGER from big-endian magnitude bytes.
    pub fn integer(magnitude: &[u8]) -> Vec<u8> {
        let trimmed: Vec<u8> = magnitude.iter().copied().skip_while(|b| *b == 0).collect();
        let mut content = Vec::with_capacity(trimmed.len() + 1);
        if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
            content.push(0);
        }
        content.extend_from_slice(&trimmed);
        tlv(0x02, &content)
    }

    /// `[n] EXPLICIT`.
    pub fn explicit(n: u8, inner: &[u8]) -> Vec<u8> {
        tlv(0xA0 | n, inner)
    }

    /// `[n] IMPLICIT OCTET STRING` (primitive).
    pub fn implicit(n: u8, bytes: &[u8]) -> Vec<u8> {
        tlv(0x80 | n, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::Asn1Time;
    use openssl::cms::CmsContentInfo;
    use openssl::hash::MessageDigest;
    use openssl::pkey::Private;
    use openssl::rsa::Rsa;
    use openssl::x509::X509NameBuilder;

    fn certificate(days: u32) -> (X509, PKey<Private>) {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "SvarUt test").unwrap();
        let name = name.build();
        let mut builder = X509::builder().unwrap();
        builder.set_version(2).unwrap();
        let serial = openssl::bn::BigNum::from_u32(0x80_01).unwrap();
        builder
            .set_serial_number(&serial.to_asn1_integer().unwrap())
            .unwrap();
        builder.set_subject_name(&name).unwrap();
        builder.set_issuer_name(&name).unwrap();
        builder.set_pubkey(&key).unwrap();
        builder
            .set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        builder
            .set_not_after(&Asn1Time::days_from_now(days).unwrap())
            .unwrap();
        builder.sign(&key, MessageDigest::sha256()).unwrap();
        (builder.build(), key)
    }

    #[test]
    fn openssl_decrypts_what_is_encrypted_here_to_the_same_bytes() {
        let (cert, key) = certificate(30);
        let pem = cert.to_pem().unwrap();
        let read = SvarUtCertificate::read(&pem, chrono::Utc::now()).unwrap();
        for plain in [&b""[..], b"%PDF-1.7 letter", &vec![7u8; 200_000]] {
            let der = read.encrypt(plain).unwrap();
            let cms = CmsContentInfo::from_der(&der).unwrap();
            let decrypted = cms.decrypt(&key, &cert).unwrap();
            assert_eq!(decrypted, plain);
            assert_ne!(&der[..], plain);
        }
        // Each file has its own content key.
        assert_ne!(read.encrypt(b"x").unwrap(), read.encrypt(b"x").unwrap());
    }

    #[test]
    fn certificates_that_cannot_be_used_are_refused() {
        assert!(matches!(
            SvarUtCertificate::read(b"<html>", chrono::Utc::now()),
            Err(CryptoError::Certificate(_))
        ));
        let (cert, _) = certificate(1);
        let later = chrono::Utc::now() + chrono::Duration::days(3);
        assert!(matches!(
            SvarUtCertificate::read(&cert.to_pem().unwrap(), later),
            Err(CryptoError::NotValidNow { .. })
        ));
        let big = vec![b'a'; MAX_CERTIFICATE_BYTES + 1];
        assert!(SvarUtCertificate::read(&big, chrono::Utc::now()).is_err());
    }

    #[test]
    fn integers_are_minimal_and_positive() {
        assert_eq!(der::integer(&[0]), [0x02, 0x01, 0x00]);
        assert_eq!(der::integer(&[0x80]), [0x02, 0x02, 0x00, 0x80]);
        assert_eq!(der::integer(&[0, 0, 0x12]), [0x02, 0x01, 0x12]);
        assert_eq!(der::tlv(0x04, &[0; 300])[..4], [0x04, 0x82, 0x01, 0x2C]);
    }
}
