//! What can go wrong with the signing service: its own file, so the client and the transport
//! both use it without importing each other.

use chrono::{DateTime, Utc};

use super::asice::BundleError;
use super::model::JobError;
use super::xml::{MalformedResponse, ServiceError};

/// What went wrong.
#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    /// The job breaks a limit (nothing was sent).
    #[error("the signing order cannot be sent: {0}")]
    Job(#[from] JobError),
    /// The bundle could not be made.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// The configuration (certificate, CA bundle, URL) cannot be used.
    #[error("the signing service settings cannot be used: {0}")]
    Config(String),
    /// The server is not who it should be.
    #[error("the signing service's server certificate is not trusted: {0}")]
    ServerIdentity(String),
    /// No answer in time (whether a create reached the service is unknown).
    #[error("the signing service did not answer within {0} seconds")]
    Timeout(u64),
    /// No connection could be made (refused, no route, TLS handshake failed — an unknown
    /// client certificate makes the service end it): nothing was sent.
    #[error("cannot reach the signing service: {0}")]
    Unreachable(String),
    /// The connection broke after the request may have been sent: the outcome is unknown.
    #[error("the connection to the signing service broke: {0}")]
    Network(String),
    /// The service refused with its `<error>`.
    #[error("the signing service refused ({status}, {}): {}", .error.code, .error.message)]
    Refused {
        /// HTTP status.
        status: u16,
        /// The `<error>`.
        error: ServiceError,
    },
    /// An HTTP error without an `<error>` body.
    #[error("the signing service answered HTTP {status}: {body}")]
    Http {
        /// HTTP status.
        status: u16,
        /// The first part of the body.
        body: String,
    },
    /// The answer cannot be read.
    #[error(transparent)]
    Malformed(#[from] MalformedResponse),
    /// Polling now would be before the permitted time; nothing was sent.
    #[error("the status queue may not be polled before {0}")]
    PollTooEarly(DateTime<Utc>),
    /// Too many calls: the service blocks for 30 s.
    #[error("too many calls to the signing service; blocked until {0}")]
    RateLimited(DateTime<Utc>),
    /// 409: the job is finished and cannot be cancelled.
    #[error("the signing order is already finished and cannot be cancelled")]
    TooLateToCancel,
    /// 403 `INVALID_STATUS_QUERY_TOKEN`.
    #[error("the status query token was not accepted")]
    InvalidStatusQueryToken,
    /// 404 `SIGNING_CEREMONY_NOT_COMPLETED`.
    #[error("the signing ceremony is not completed yet")]
    NotCompleted,
}

impl SigningError {
    /// Whether the service may have acted on the request although no answer said so (a
    /// create in this state must not be sent again: its status will tell).
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Timeout(_) | Self::Network(_) | Self::Malformed(_) => true,
            Self::Refused { status, .. } | Self::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// A stable code for the UI and CLI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Job(_) => "signing_invalid_order",
            Self::Bundle(_) => "signing_bundle",
            Self::Config(_) => "signing_settings",
            Self::ServerIdentity(_) => "signing_server_identity",
            Self::Timeout(_) => "signing_timeout",
            Self::Unreachable(_) | Self::Network(_) => "signing_unreachable",
            Self::Refused { .. } | Self::Http { .. } => "signing_refused",
            Self::Malformed(_) => "signing_malformed",
            Self::PollTooEarly(_) | Self::RateLimited(_) => "signing_rate_limited",
            Self::TooLateToCancel => "signing_too_late_to_cancel",
            Self::InvalidStatusQueryToken | Self::NotCompleted => "signing_status_query",
        }
    }
}
