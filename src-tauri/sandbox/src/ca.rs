//! The sandbox's test certificate authority. It issues an enterprise-style certificate
//! (organisation number in the subject, as Buypass and Commfides do) to the sandbox client,
//! so the real `x5c` path of the Maskinporten client runs in the sandbox, not a shortcut.

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::hash::MessageDigest;
use openssl::pkcs12::Pkcs12;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509, X509Builder, X509NameBuilder};

/// A certificate authority that exists only in this sandbox.
#[derive(Clone)]
pub struct TestCa {
    key: PKey<Private>,
    certificate: X509,
    start: i64,
}

const DAY: i64 = 24 * 60 * 60;

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestCa(Kommunepost Sandkasse CA)")
    }
}

/// An issued enterprise certificate with its key.
#[derive(Clone)]
pub struct EnterpriseCertificate {
    /// The private key.
    pub key: PKey<Private>,
    /// The certificate.
    pub certificate: X509,
}

impl std::fmt::Debug for EnterpriseCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EnterpriseCertificate(***)")
    }
}

fn rsa_key() -> Result<PKey<Private>, openssl::error::ErrorStack> {
    PKey::from_rsa(Rsa::generate(2048)?)
}

fn serial() -> Result<openssl::asn1::Asn1Integer, openssl::error::ErrorStack> {
    let mut serial = BigNum::new()?;
    serial.rand(64, MsbOption::MAYBE_ZERO, false)?;
    serial.to_asn1_integer()
}

impl TestCa {
    /// A new CA with a fresh key, valid for ten years from now.
    pub fn new() -> Result<Self, openssl::error::ErrorStack> {
        use kommunepost_core::clock::{Clock, SystemClock};
        Self::valid_from(SystemClock.now().timestamp())
    }

    /// A new CA valid for ten years from `start` (Unix seconds): the sandbox passes its own
    /// clock, so certificates are valid on an accelerated or fixed clock too.
    pub fn valid_from(start: i64) -> Result<Self, openssl::error::ErrorStack> {
        let key = rsa_key()?;
        let mut name = X509NameBuilder::new()?;
        name.append_entry_by_text("C", "NO")?;
        name.append_entry_by_text("O", "Kommunepost Sandkasse")?;
        name.append_entry_by_text("CN", "Kommunepost Sandkasse CA")?;
        let name = name.build();
        let mut builder = X509Builder::new()?;
        builder.set_version(2)?;
        let serial = serial()?;
        builder.set_serial_number(&serial)?;
        builder.set_subject_name(&name)?;
        builder.set_issuer_name(&name)?;
        builder.set_pubkey(&key)?;
        let not_before = Asn1Time::from_unix(start - DAY)?;
        builder.set_not_before(&not_before)?;
        let not_after = Asn1Time::from_unix(start + 3650 * DAY)?;
        builder.set_not_after(&not_after)?;
        builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
        builder.sign(&key, MessageDigest::sha256())?;
        Ok(Self {
            key,
            certificate: builder.build(),
            start,
        })
    }

    /// The CA's certificate.
    pub fn certificate(&self) -> &X509 {
        &self.certificate
    }

    /// Issues an enterprise certificate for `org_number` (as `serialNumber` and
    /// `organizationIdentifier` `NTRNO-<orgnr>` in the subject), valid for `days`.
    pub fn issue(
        &self,
        org_number: &str,
        organisation: &str,
        days: u32,
    ) -> Result<EnterpriseCertificate, openssl::error::ErrorStack> {
        self.issue_to(
            &[
                ("C", "NO"),
                ("O", organisation),
                ("CN", organisation),
                ("serialNumber", org_number),
                ("organizationIdentifier", &format!("NTRNO-{org_number}")),
            ],
            days,
        )
    }

    /// Issues a personal certificate (a signer's e-ID in the sandbox signing service) for
    /// `name`, valid for `days`.
    pub fn issue_person(
        &self,
        name: &str,
        days: u32,
    ) -> Result<EnterpriseCertificate, openssl::error::ErrorStack> {
        self.issue_to(&[("C", "NO"), ("O", "Sandkasse e-ID"), ("CN", name)], days)
    }

    fn issue_to(
        &self,
        subject: &[(&str, &str)],
        days: u32,
    ) -> Result<EnterpriseCertificate, openssl::error::ErrorStack> {
        let key = rsa_key()?;
        let mut name = X509NameBuilder::new()?;
        for (field, value) in subject {
            name.append_entry_by_text(field, value)?;
        }
        let mut builder = X509Builder::new()?;
        builder.set_version(2)?;
        let serial = serial()?;
        builder.set_serial_number(&serial)?;
        builder.set_subject_name(&name.build())?;
        builder.set_issuer_name(self.certificate.subject_name())?;
        builder.set_pubkey(&key)?;
        let not_before = Asn1Time::from_unix(self.start - DAY)?;
        builder.set_not_before(&not_before)?;
        let not_after = Asn1Time::from_unix(self.start + i64::from(days) * DAY)?;
        builder.set_not_after(&not_after)?;
        builder.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .non_repudiation()
                .key_encipherment()
                .build()?,
        )?;
        builder.sign(&self.key, MessageDigest::sha256())?;
        Ok(EnterpriseCertificate {
            key,
            certificate: builder.build(),
        })
    }

    /// Whether `certificate` was issued by this CA.
    pub fn issued(&self, certificate: &X509) -> bool {
        self.certificate
            .public_key()
            .and_then(|key| certificate.verify(&key))
            .unwrap_or(false)
    }
}

impl EnterpriseCertificate {
    /// The certificate, its key and the CA's certificate as a PKCS#12 file protected by
    /// `password`, as a municipality receives it from its CA.
    pub fn to_pkcs12(
        &self,
        ca: &TestCa,
        password: &str,
    ) -> Result<Vec<u8>, openssl::error::ErrorStack> {
        let mut chain = openssl::stack::Stack::new()?;
        chain.push(ca.certificate.clone())?;
        Pkcs12::builder()
            .name("kommunepost-sandkasse")
            .pkey(&self.key)
            .cert(&self.certificate)
            .ca(chain)
            .build2(password)?
            .to_der()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kommunepost_core::maskinporten::{ClientCredential, KeyId, org_number_of};

    #[test]
    fn an_issued_certificate_carries_the_organisation_number_and_round_trips_through_pkcs12() {
        let ca = TestCa::new().unwrap();
        let issued = ca.issue("910753614", "Sandkasse kommune", 365).unwrap();
        assert!(ca.issued(&issued.certificate));
        assert_eq!(
            org_number_of(&issued.certificate).as_deref(),
            Some("910753614")
        );

        let p12 = issued.to_pkcs12(&ca, "hemmelig").unwrap();
        let credential = ClientCredential::from_pkcs12(&p12, "hemmelig").unwrap();
        assert_eq!(credential.org_number(), Some("910753614"));
        let KeyId::X5c(chain) = credential.key_id() else {
            panic!("x5c expected")
        };
        assert_eq!(chain.len(), 2, "leaf and CA");
    }

    #[test]
    fn another_cas_certificate_is_not_recognised() {
        let (ca, other) = (TestCa::new().unwrap(), TestCa::new().unwrap());
        let issued = other.issue("910753614", "Annen", 30).unwrap();
        assert!(!ca.issued(&issued.certificate));
    }

    #[test]
    fn a_wrong_pkcs12_password_is_reported_as_such() {
        let ca = TestCa::new().unwrap();
        let p12 = ca
            .issue("910753614", "Sandkasse kommune", 30)
            .unwrap()
            .to_pkcs12(&ca, "riktig")
            .unwrap();
        assert_eq!(
            ClientCredential::from_pkcs12(&p12, "feil").unwrap_err(),
            kommunepost_core::maskinporten::CredentialFileError::WrongPassword
        );
        assert_eq!(
            ClientCredential::from_pkcs12(b"not a certificate", "x").unwrap_err(),
            kommunepost_core::maskinporten::CredentialFileError::NotPkcs12
        );
    }
}
