//! The one error shape that crosses the IPC boundary: `{code, message, detail}`. The UI branches
//! on `code` and shows its own text for it, then the `detail` (a key with parameters) in the
//! clerk's language. `message` is core's English, for the log; the UI never shows it.

use kommunepost_core::config::ConfigError;
use kommunepost_core::problem::{Explain, Problem};
use kommunepost_core::store::{CredentialError, KeyError, StoreError};
use serde::Serialize;

/// What the UI can branch on. Add a code only when the UI treats it differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The store is locked; unlock first.
    StoreLocked,
    /// The passphrase or recovery key does not open the store.
    WrongKey,
    /// The new passphrase is too short.
    PassphraseTooShort,
    /// The text is not a recovery key.
    BadRecoveryKey,
    /// The OS credential store failed or cannot be reached.
    CredentialStore,
    /// Settings are invalid.
    InvalidSettings,
    /// An identifier typed by the user is not valid.
    InvalidIdentifier,
    /// A template file is not valid; the message says where.
    InvalidTemplate,
    /// A recipient list cannot be read as a whole (rows with problems are reported, not errors).
    InvalidRecipientList,
    /// The letter cannot be made yet: merge fields without values, an address that does not
    /// fit the window, a fødselsnummer on page 1; the message says which.
    LetterNotReady,
    /// A PDF cannot be attached (not a PDF, damaged, password-protected, too large…).
    InvalidAttachment,
    /// The certificate file or its password is wrong.
    BadCertificate,
    /// A lookup of more than ten persons needs a purpose.
    PurposeRequired,
    /// No Maskinporten client or certificate for this environment.
    NoCredentials,
    /// Maskinporten or KRR refused (certificate, client, scopes); the message says what to fix.
    ServiceRefused,
    /// A service could not be reached, timed out, or failed; try again.
    ServiceUnavailable,
    /// The service's server certificate is not the expected one (another organisation, or not
    /// from a trusted CA): nothing personal was sent.
    UntrustedServer,
    /// A signing order breaks a rule of the service (documents, signers, titles, deadline);
    /// the message says which.
    InvalidSigningOrder,
    /// The signing order cannot do that now (too late to cancel, nothing signed yet…).
    SigningNotPossible,
    /// Sent already: the same preview confirmed twice, a sent draft changed, or the same
    /// letter or list sent again without the clerk saying so.
    AlreadySent,
    /// The case metadata cannot be used (half a case number, screening without its legal
    /// basis…); the message says what.
    InvalidCase,
    /// The file is not an archive receipt Kommunepost can use, names no package of ours, or
    /// says the archive refused the journal post.
    InvalidArchiveReceipt,
    /// No archive package is waiting to be exported.
    NothingToArchive,
    /// Anything else; the message says what.
    Internal,
}

/// An error for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct CommandError {
    /// What the UI branches on.
    pub code: ErrorCode,
    /// The detail in English, for the log and the CLI; the UI never shows it.
    pub message: String,
    /// The detail for the clerk, said by the UI in the clerk's language.
    pub detail: Option<Problem>,
}

impl CommandError {
    /// An error with a code and a message (the UI says only the code's text).
    pub fn new(code: ErrorCode, message: impl ToString) -> Self {
        Self {
            code,
            message: message.to_string(),
            detail: None,
        }
    }

    /// An error with a code, from a core error that says what went wrong for the clerk.
    pub fn explained<E: Explain + std::fmt::Display>(code: ErrorCode, error: &E) -> Self {
        Self {
            code,
            message: error.to_string(),
            detail: Some(error.problem()),
        }
    }

    /// The same error with a detail for the clerk.
    pub fn with_detail(mut self, detail: Problem) -> Self {
        self.detail = Some(detail);
        self
    }
}

impl From<StoreError> for CommandError {
    fn from(error: StoreError) -> Self {
        let code = match &error {
            StoreError::Locked | StoreError::NotCreated(_) => ErrorCode::StoreLocked,
            StoreError::WrongKey | StoreError::WrongUnlockMethod { .. } => ErrorCode::WrongKey,
            StoreError::Key(KeyError::PassphraseTooShort) => ErrorCode::PassphraseTooShort,
            StoreError::Key(KeyError::BadRecoveryKey(_)) => ErrorCode::BadRecoveryKey,
            StoreError::Template(_) => ErrorCode::InvalidTemplate,
            StoreError::AlreadyQueued | StoreError::DraftSent(_) => ErrorCode::AlreadySent,
            StoreError::Credentials(
                CredentialError::Unavailable(_) | CredentialError::Failed(_),
            )
            | StoreError::KeyNotInCredentialStore => ErrorCode::CredentialStore,
            _ => ErrorCode::Internal,
        };
        if code == ErrorCode::Internal {
            tracing::error!(%error, "store error");
        }
        Self::explained(code, &error)
    }
}

impl From<kommunepost_core::krr::KrrError> for CommandError {
    fn from(error: kommunepost_core::krr::KrrError) -> Self {
        use kommunepost_core::krr::KrrError;
        use kommunepost_core::maskinporten::MaskinportenError;
        let code = match &error {
            KrrError::Token(MaskinportenError::Refused { .. } | MaskinportenError::Grant(_))
            | KrrError::Unauthorized(_)
            | KrrError::Forbidden(_)
            | KrrError::BadRequest(_) => ErrorCode::ServiceRefused,
            _ => ErrorCode::ServiceUnavailable,
        };
        tracing::warn!(%error, "KRR lookup failed");
        Self::explained(code, &error)
    }
}

impl From<kommunepost_core::lookup::LookupError> for CommandError {
    fn from(error: kommunepost_core::lookup::LookupError) -> Self {
        use kommunepost_core::lookup::LookupError;
        match error {
            LookupError::PurposeRequired => Self::explained(ErrorCode::PurposeRequired, &error),
            LookupError::Audit(store) => store.into(),
        }
    }
}

impl From<kommunepost_core::services::ServiceError> for CommandError {
    fn from(error: kommunepost_core::services::ServiceError) -> Self {
        use kommunepost_core::services::ServiceError;
        let code = match &error {
            ServiceError::NotSetUp { .. } => ErrorCode::NoCredentials,
            ServiceError::CredentialStore(_) => ErrorCode::CredentialStore,
            ServiceError::Config(_) | ServiceError::Client(_) => ErrorCode::InvalidSettings,
            ServiceError::Certificate(_) => ErrorCode::BadCertificate,
        };
        Self::explained(code, &error)
    }
}

impl From<ConfigError> for CommandError {
    fn from(error: ConfigError) -> Self {
        Self::explained(ErrorCode::InvalidSettings, &error)
    }
}

impl From<kommunepost_sandbox::SandboxError> for CommandError {
    fn from(error: kommunepost_sandbox::SandboxError) -> Self {
        Self::new(ErrorCode::Internal, error)
    }
}

impl From<kommunepost_core::letters::draft::DraftError> for CommandError {
    fn from(error: kommunepost_core::letters::draft::DraftError) -> Self {
        use kommunepost_core::letters::draft::DraftError;
        let code = match &error {
            DraftError::Recipients(_) | DraftError::StoredList => ErrorCode::InvalidRecipientList,
            DraftError::Attachment(_) => ErrorCode::InvalidAttachment,
            DraftError::NoSuchRow(_) | DraftError::Compose(_) => ErrorCode::LetterNotReady,
        };
        Self::explained(code, &error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_the_codes_the_ui_branches_on() {
        assert_eq!(
            CommandError::from(StoreError::WrongKey).code,
            ErrorCode::WrongKey
        );
        assert_eq!(
            CommandError::from(StoreError::Key(KeyError::PassphraseTooShort)).code,
            ErrorCode::PassphraseTooShort
        );
        assert_eq!(
            CommandError::from(StoreError::Locked).code,
            ErrorCode::StoreLocked
        );
    }

    #[test]
    fn it_serialises_as_code_and_message() {
        let json = serde_json::to_value(CommandError::from(StoreError::WrongKey)).unwrap();
        assert_eq!(json["code"], "wrong_key");
        assert!(json["message"].as_str().unwrap().contains("wrong key"));
    }
}
