//! Maskinporten: access tokens by the JWT-bearer grant, signed with the municipality's
//! enterprise certificate (`x5c`) or a registered key (`kid`).
//!
//! Facts: `shared/specs/krr-maskinporten-identifiers.md` §2.

mod client;
mod credential;
mod error;
mod grant;
mod stored;

pub use client::{AccessToken, EXPIRY_MARGIN_SECS, MaskinportenClient, MaskinportenConfig};
pub use credential::{ClientCredential, CredentialFileError, KeyId, org_number_of};
pub use error::{ErrorBody, MaskinportenError};
pub use grant::{GRANT_LIFETIME_SECS, GrantRequest, make_grant};
pub use stored::{
    CertificateInfo, CredentialKind, PART_CHARS, SavedCertificate, StoredCertificateError,
    delete_certificate, load_certificate, load_credential, save_certificate,
};

/// KRR's scope for contact information, `varslingsstatus` and language.
pub const SCOPE_KRR_KONTAKTINFO: &str = "krr:global/kontaktinformasjon.read";
/// KRR's scope for the digital mailbox and its certificate.
pub const SCOPE_KRR_DIGITALPOST: &str = "krr:global/digitalpost.read";
