//! The CLI's errors and how they end the process.

use std::process::ExitCode;

use kommunepost_core::config::ConfigError;
use kommunepost_core::store::StoreError;

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Settings or flags are wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The sandbox failed.
    #[error(transparent)]
    Sandbox(#[from] kommunepost_sandbox::SandboxError),
    /// A lookup could not start.
    #[error(transparent)]
    Lookup(#[from] kommunepost_core::lookup::LookupError),
    /// KRR or Maskinporten could not be used.
    #[error(transparent)]
    Krr(#[from] kommunepost_core::krr::KrrError),
    /// The certificate file could not be used.
    #[error("the certificate: {0}")]
    Certificate(#[from] kommunepost_core::maskinporten::CredentialFileError),
    /// The signing service, or an order.
    #[error(transparent)]
    Signing(#[from] kommunepost_core::signing::TrackError),
    /// A file or the terminal failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Anything else the user must act on.
    #[error("{0}")]
    Usage(String),
    /// Another process holds the store's worker lock: this one runs no worker.
    #[error(
        "{0}; this command runs no worker while it does (reading, composing and queuing still work)"
    )]
    Busy(String),
    /// Background rounds failed (each was reported as it happened).
    #[error("{0} round(s) of the worker failed; see the messages above")]
    RoundsFailed(u64),
}

impl From<kommunepost_core::sending::SendingError> for CliError {
    fn from(error: kommunepost_core::sending::SendingError) -> Self {
        use kommunepost_core::sending::SendingError;
        match error {
            SendingError::Store(error) => Self::Store(error),
            SendingError::Lookup(error) => Self::Lookup(error),
            SendingError::Prepare(error) => Self::Usage(format!("the draft: {error}")),
            other => Self::Usage(other.to_string()),
        }
    }
}

impl From<kommunepost_core::background::TakeLockError> for CliError {
    fn from(error: kommunepost_core::background::TakeLockError) -> Self {
        use kommunepost_core::background::TakeLockError;
        match error {
            TakeLockError::Store(error) => Self::Store(error),
            TakeLockError::Lock(error) => Self::Busy(error.to_string()),
        }
    }
}

impl CliError {
    /// Prints the error to stderr and returns the exit code.
    pub fn report(&self) -> ExitCode {
        eprintln!("kommunepost: error: {self}");
        match self {
            Self::Usage(_) | Self::Config(ConfigError::UnknownEnvironment(_)) => ExitCode::from(2),
            Self::Busy(_) => ExitCode::from(3),
            _ => ExitCode::from(1),
        }
    }
}
