//! What can go wrong with SvarUt: its own file, so the client and the v3 flavour both use it
//! without importing each other.

use crate::maskinporten::MaskinportenError;

/// What went wrong, in the terms the clerk and the outbox need.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SvarUtError {
    /// No Maskinporten token.
    #[error("Maskinporten: {0}")]
    Token(String),
    /// 401 «Klarte ikke å validere access_token».
    #[error("SvarUt did not accept the Maskinporten token: {0}")]
    BadToken(String),
    /// 401 «Autentisering feilet for integrasjon …».
    #[error(
        "SvarUt refused the integration (id, password or organisation is wrong): {0}; check IntegrasjonId and IntegrasjonPassord"
    )]
    Integration(String),
    /// 403.
    #[error("the integration has no access to this SvarUt account: {0}")]
    Forbidden(String),
    /// 400 (validation).
    #[error("SvarUt rejected the forsendelse: {message}")]
    Rejected {
        /// SvarUt's message.
        message: String,
        /// Its machine-readable code, when given.
        code: Option<String>,
    },
    /// 404.
    #[error("SvarUt does not know it: {0}")]
    NotFound(String),
    /// 429 or 5xx.
    #[error("SvarUt answered {status}: {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// SvarUt's message.
        message: String,
    },
    /// No answer in time.
    #[error("SvarUt did not answer within {0} s")]
    Timeout(u64),
    /// The connection failed.
    #[error("SvarUt cannot be reached: {0}")]
    Network(String),
    /// An answer that is not what the API describes.
    #[error("SvarUt's answer cannot be read: {0}")]
    Malformed(String),
    /// SvarUt's public key for encrypted sending cannot be had or used: nothing was sent, and
    /// the key is fetched again on the next attempt.
    #[error("SvarUt's public key for encrypted sending: {0}")]
    PublicKey(String),
}

impl SvarUtError {
    /// A send that failed like this may still have reached SvarUt: look it up by our
    /// reference before sending again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            Self::Timeout(_) | Self::Network(_) | Self::Server { .. } | Self::Malformed(_)
        )
    }

    /// SvarUt asked to slow down (429), or no send can succeed now (no token): the worker
    /// starts no new send this round.
    pub fn asks_to_slow_down(&self) -> bool {
        matches!(
            self,
            Self::Server { status: 429, .. } | Self::Token(_) | Self::BadToken(_)
        )
    }

    /// Retrying will not help: the clerk (or IT) must act.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            Self::Rejected { .. } | Self::Forbidden(_) | Self::Integration(_) | Self::NotFound(_)
        )
    }
}

impl From<MaskinportenError> for SvarUtError {
    fn from(error: MaskinportenError) -> Self {
        Self::Token(error.to_string())
    }
}
