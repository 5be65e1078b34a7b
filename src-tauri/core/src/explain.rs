//! What each core error says to the clerk: [`Explain`] for every error a clerk can meet,
//! each variant with its values. Apart from [`crate::problem`] so that the errors' modules,
//! which use [`Problem`], do not import one another through it.

use crate::problem::{Explain, Problem, ProblemKey};

fn seconds(n: u64) -> String {
    n.to_string()
}

use crate::archive::ArchiveError;
use crate::archive::receipt::ReceiptError;
use crate::config::ConfigError;
use crate::dispatch::PrepareError;
use crate::gate::Refused;
use crate::ident::FnrError;
use crate::ident::IdentifierError;
use crate::ident::OrgNrError;
use crate::krr::KrrError;
use crate::letters::case::CaseError;
use crate::letters::compose::ComposeError;
use crate::letters::draft::DraftError;
use crate::letters::markdown::MarkdownError;
use crate::letters::merge::MergeError;
use crate::letters::pdf::RenderError;
use crate::letters::pdf::guard::AttachmentError;
use crate::letters::pdf::layout::LayoutError;
use crate::letters::pdf::logo::LogoError;
use crate::letters::recipients::CsvError;
use crate::letters::template::TemplateError;
use crate::lookup::LookupError;
use crate::maskinporten::CredentialFileError;
use crate::maskinporten::MaskinportenError;
use crate::sending::SendingError;
use crate::services::{Missing, ServiceError};
use crate::signing::SigningError;
use crate::store::worker_lock::LockError;
use crate::store::{CredentialError, KeyError, StoreError};
use crate::svarut::SvarUtError;
use crate::svarut::crypto::CryptoError;
use ProblemKey as K;

impl Explain for FnrError {
    fn problem(&self) -> Problem {
        match self {
            Self::Empty => Problem::new(K::IdentEmpty),
            Self::NotDigits { position, .. } => {
                Problem::new(K::IdentNotDigits).with("position", position)
            }
            Self::WrongLength { found } => Problem::new(K::FnrWrongLength).with("found", found),
            Self::ImpossibleDate { .. } => Problem::new(K::IdentImpossibleDate),
            Self::WrongCheckDigit { position } => {
                Problem::new(K::IdentWrongCheckDigit).with("position", position)
            }
        }
    }
}

impl Explain for OrgNrError {
    fn problem(&self) -> Problem {
        match self {
            Self::Empty => Problem::new(K::IdentEmpty),
            Self::NotDigits { position, .. } => {
                Problem::new(K::IdentNotDigits).with("position", position)
            }
            Self::WrongLength { found } => Problem::new(K::OrgnrWrongLength).with("found", found),
            Self::WrongCheckDigit => Problem::new(K::IdentWrongCheckDigit).with("position", 9),
        }
    }
}

impl Explain for IdentifierError {
    fn problem(&self) -> Problem {
        match self {
            Self::Empty => Problem::new(K::IdentEmpty),
            Self::WrongLength { found } => Problem::new(K::IdentWrongLength).with("found", found),
            Self::Person(e) => e.problem(),
            Self::Organisation(e) => e.problem(),
        }
    }
}

impl Explain for Refused {
    fn problem(&self) -> Problem {
        Problem::new(match self.code {
            "real_number_in_test" => K::IdentRealInTest,
            "synthetic_number_in_production" => K::IdentSyntheticInProduction,
            _ => K::IdentNotInKrr,
        })
    }
}

impl Explain for CsvError {
    fn problem(&self) -> Problem {
        match self {
            Self::Empty => Problem::new(K::ListEmpty),
            Self::TooLarge(mb) => Problem::new(K::ListTooLarge).with("size_mb", mb).with(
                "max_mb",
                crate::letters::recipients::MAX_LIST_BYTES / 1_000_000,
            ),
            Self::NoRows => Problem::new(K::ListNoRows),
            Self::DuplicateColumn(column) => {
                Problem::new(K::ListDuplicateColumn).with("column", column)
            }
            Self::MissingColumns(columns) => {
                Problem::new(K::ListMissingColumns).with("columns", columns)
            }
            Self::Malformed { row, .. } => Problem::new(K::ListMalformed).with("row", row),
        }
    }
}

impl Explain for MarkdownError {
    fn problem(&self) -> Problem {
        match self {
            Self::Field { line, .. } => Problem::new(K::MarkupField).with("line", line),
            Self::TableShape {
                line,
                expected,
                found,
            } => Problem::new(K::MarkupTableShape)
                .with("line", line)
                .with("expected", expected)
                .with("found", found),
            Self::Unclosed { line, marker } => Problem::new(K::MarkupUnclosed)
                .with("line", line)
                .with("marker", marker),
            Self::TooDeep { line } => Problem::new(K::MarkupTooDeep).with("line", line),
            Self::TooLarge { found } => Problem::new(K::MarkupTooLarge)
                .with("found", found)
                .with("max", crate::letters::markdown::MAX_BODY_BYTES),
        }
    }
}

impl Explain for MergeError {
    fn problem(&self) -> Problem {
        if self.unknown.is_empty() {
            Problem::new(K::MergeEmpty).with("fields", self.empty.join(", "))
        } else {
            Problem::new(K::MergeUnknown).with("fields", self.unknown.join(", "))
        }
    }
}

impl Explain for CaseError {
    fn problem(&self) -> Problem {
        match self {
            Self::HalfCaseNumber => Problem::new(K::CaseHalfNumber),
            Self::CaseYear(year) => Problem::new(K::CaseYear).with("year", year),
            Self::CaseSequence => Problem::new(K::CaseSequence),
            Self::Unreadable(text) => Problem::new(K::CaseUnreadable).with("text", text),
            Self::NoAuthority => Problem::new(K::CaseNoAuthority),
            Self::NoParts => Problem::new(K::CaseNoParts),
            Self::NoPublicTitle => Problem::new(K::CaseNoPublicTitle),
            Self::TooLong(field) => Problem::new(K::CaseTooLong).with("field", field),
        }
    }
}

impl Explain for TemplateError {
    fn problem(&self) -> Problem {
        match self {
            Self::NotATemplate(_) => Problem::new(K::TemplateNotATemplate),
            Self::TooNew(found) => Problem::new(K::TemplateTooNew).with("found", found),
            Self::Empty(part) => Problem::new(K::TemplatePartEmpty).with("part", part),
            Self::Markdown { error, .. } => error.problem(),
            Self::OrgNumber(_) => Problem::new(K::TemplateOrgNumber),
            Self::Logo(_) => Problem::new(K::LogoUnreadable),
            Self::Case(error) => error.problem(),
        }
    }
}

impl Explain for ComposeError {
    fn problem(&self) -> Problem {
        match self {
            Self::Template(e) => e.problem(),
            Self::Merge(e) => e.problem(),
        }
    }
}

impl Explain for DraftError {
    fn problem(&self) -> Problem {
        match self {
            Self::Recipients(e) => e.problem(),
            Self::StoredList => Problem::new(K::DraftListDamaged),
            Self::NoSuchRow(row) => Problem::new(K::DraftNoSuchRow).with("row", row),
            Self::Attachment(name) => Problem::new(K::DraftAttachmentDamaged).with("name", name),
            Self::Compose(e) => e.problem(),
        }
    }
}

impl Explain for AttachmentError {
    fn problem(&self) -> Problem {
        match self {
            Self::Empty => Problem::new(K::PdfEmpty),
            Self::NotPdf => Problem::new(K::PdfNotPdf),
            Self::Corrupt(_) => Problem::new(K::PdfDamaged),
            Self::Encrypted => Problem::new(K::PdfEncrypted),
            Self::UnsupportedVersion(version) => {
                Problem::new(K::PdfVersion).with("version", version)
            }
            Self::TooLarge { size, limit } => Problem::new(K::PdfTooLarge)
                .with("size", size)
                .with("limit", limit),
            Self::NoPages => Problem::new(K::PdfNoPages),
            Self::TooComplex(_) => Problem::new(K::PdfTooComplex),
        }
    }
}

impl Explain for LayoutError {
    fn problem(&self) -> Problem {
        match self {
            Self::AddressTooLong(found) => Problem::new(K::AddressTooLong)
                .with("found", found)
                .with("max", crate::letters::pdf::layout::MAX_ADDRESS_LINES),
            Self::AddressTooWide(line) => Problem::new(K::AddressTooWide).with("line", line),
            Self::FooterTooLong => Problem::new(K::FooterTooLong),
            Self::LetterheadTooTall => Problem::new(K::LetterheadTooTall),
        }
    }
}

impl Explain for LogoError {
    fn problem(&self) -> Problem {
        match self {
            Self::Unreadable(_) => Problem::new(K::LogoUnreadable),
            Self::Cmyk => Problem::new(K::LogoCmyk),
            Self::TooLarge(width, height) => Problem::new(K::LogoTooLarge)
                .with("width", width)
                .with("height", height)
                .with("max", crate::letters::pdf::logo::MAX_PIXELS),
        }
    }
}

impl Explain for RenderError {
    fn problem(&self) -> Problem {
        match self {
            Self::Layout(e) => e.problem(),
            Self::Logo(e) => e.problem(),
            Self::UnsupportedCharacters(characters) => {
                Problem::new(K::UnsupportedCharacters).with("characters", characters)
            }
            Self::IdentifierOnFirstPage(_) => Problem::new(K::IdentifierOnFirstPage),
        }
    }
}

impl Explain for PrepareError {
    fn problem(&self) -> Problem {
        match self {
            Self::Draft(e) => e.problem(),
            Self::NoRecipient => Problem::new(K::LetterNoRecipient),
            Self::Letter(e) => e.problem.clone(),
        }
    }
}

impl Explain for ConfigError {
    fn problem(&self) -> Problem {
        match self {
            Self::UnknownEnvironment(value) => {
                Problem::new(K::UnknownEnvironment).with("value", value)
            }
            Self::Io { .. } => Problem::new(K::SettingsFile),
            Self::Parse { .. } => Problem::new(K::SettingsInvalid),
            Self::BadEndpoint { service, url, .. } => Problem::new(K::BadAddress)
                .with("service", service)
                .with("url", url),
            Self::SandboxNotRunning => Problem::new(K::SandboxNotRunning),
        }
    }
}

impl Explain for CredentialFileError {
    fn problem(&self) -> Problem {
        match self {
            Self::NotPkcs12 => Problem::new(K::CertNotPkcs12),
            Self::WrongPassword => Problem::new(K::CertWrongPassword),
            Self::Missing(what) if what.contains("key") => Problem::new(K::CertNoKey),
            Self::Missing(_) => Problem::new(K::CertNoCertificate),
            Self::NotRsa => Problem::new(K::CertNotRsa),
            Self::BadKey(_) => Problem::new(K::KeyNotPem),
        }
    }
}

impl Explain for ServiceError {
    fn problem(&self) -> Problem {
        match self {
            Self::NotSetUp {
                missing,
                environment,
            } => Problem::new(match missing {
                Missing::ClientId => K::MissingClientId,
                Missing::Certificate => K::MissingCertificate,
                Missing::SvarUtAccount => K::MissingSvarUtAccount,
                Missing::IntegrationPassword => K::MissingIntegrationPassword,
                Missing::SigningCertificate => K::MissingSigningCertificate,
                Missing::SandboxAddresses => K::MissingSandboxAddresses,
            })
            .with("environment", environment.as_str()),
            Self::CredentialStore(_) => Problem::new(K::CredentialStoreFailed),
            Self::Config(e) => e.problem(),
            Self::Certificate(_) => Problem::new(K::CertWrongPassword),
            Self::Client(_) => Problem::new(K::ClientFailed),
        }
    }
}

impl Explain for CredentialError {
    fn problem(&self) -> Problem {
        Problem::new(match self {
            Self::Unavailable(_) => K::CredentialStoreUnavailable,
            Self::Failed(_) => K::CredentialStoreFailed,
        })
    }
}

impl Explain for KeyError {
    fn problem(&self) -> Problem {
        match self {
            Self::PassphraseTooShort => Problem::new(K::PassphraseTooShort)
                .with("min", crate::store::key::MIN_PASSPHRASE_CHARS),
            Self::BadRecoveryKey(_) => Problem::new(K::BadRecoveryKey),
            Self::Kdf(_) => Problem::new(K::StoreCorrupt),
            Self::Random(_) => Problem::new(K::Internal),
        }
    }
}

impl Explain for StoreError {
    fn problem(&self) -> Problem {
        match self {
            Self::NotCreated(_) | Self::Locked => Problem::new(K::StoreLocked),
            Self::AlreadyExists(_) => Problem::new(K::StoreExists),
            Self::WrongKey => Problem::new(K::WrongKey),
            Self::KeyNotInCredentialStore => Problem::new(K::KeyNotInCredentialStore),
            Self::WrongUnlockMethod { .. } => Problem::new(K::WrongUnlockMethod),
            Self::Credentials(e) => e.problem(),
            Self::Key(e) => e.problem(),
            Self::Corrupt(_) => Problem::new(K::StoreCorrupt),
            Self::Documents(_) => Problem::new(K::LetterDocumentsDamaged),
            Self::TooNew { .. } => Problem::new(K::StoreTooNew),
            Self::NotFound(_) => Problem::new(K::NotFound),
            Self::Template(e) => e.problem(),
            Self::ClaimLost(_) | Self::Withheld(_) => Problem::new(K::ClaimLost),
            Self::AlreadyQueued => Problem::new(K::AlreadyQueued),
            Self::DraftSent(at) => Problem::new(K::DraftSent).with("sent_at", at),
            Self::Invalid(_) | Self::Sqlite(_) | Self::Io(_) => Problem::new(K::StoreFailed),
        }
    }
}

impl Explain for LockError {
    fn problem(&self) -> Problem {
        match self {
            Self::Busy(holder) => Problem::new(K::WorkerBusy).with(
                "holder",
                holder
                    .as_ref()
                    .map(|h| h.describe())
                    .unwrap_or_else(|| "?".to_owned()),
            ),
            Self::Io { .. } => Problem::new(K::StoreFailed),
        }
    }
}

impl Explain for MaskinportenError {
    fn problem(&self) -> Problem {
        match self {
            Self::Refused {
                error, description, ..
            } => Problem::new(K::MaskinportenRefused)
                .with("error", error)
                .with("description", description),
            Self::Grant(_) => Problem::new(K::MaskinportenGrant),
            Self::Timeout(s) => Problem::new(K::MaskinportenTimeout).with("seconds", seconds(*s)),
            Self::Network { url, .. } => Problem::new(K::MaskinportenUnreachable).with("url", url),
            Self::Malformed(_) => Problem::new(K::MaskinportenMalformed),
        }
    }
}

impl Explain for KrrError {
    fn problem(&self) -> Problem {
        match self {
            Self::Token(e) => e.problem(),
            Self::BadRequest(_) => Problem::new(K::KrrBadRequest),
            Self::Unauthorized(_) => Problem::new(K::KrrUnauthorized),
            Self::Forbidden(_) => Problem::new(K::KrrForbidden),
            Self::Server { status, .. } => Problem::new(K::KrrServer).with("status", status),
            Self::Timeout(s) => Problem::new(K::KrrTimeout).with("seconds", seconds(*s)),
            Self::Network(_) => Problem::new(K::KrrUnreachable),
            Self::Malformed(_) => Problem::new(K::KrrMalformed),
            Self::Cancelled => Problem::new(K::Cancelled),
        }
    }
}

impl Explain for LookupError {
    fn problem(&self) -> Problem {
        match self {
            Self::PurposeRequired => Problem::new(K::PurposeRequired),
            Self::Audit(e) => e.problem(),
        }
    }
}

impl Explain for SvarUtError {
    fn problem(&self) -> Problem {
        match self {
            Self::Token(_) => Problem::new(K::SvarUtToken),
            Self::BadToken(_) => Problem::new(K::SvarUtBadToken),
            Self::Integration(_) => Problem::new(K::SvarUtIntegration),
            Self::Forbidden(_) => Problem::new(K::SvarUtForbidden),
            // SvarUt's own words (Norwegian, from the service) are the reason.
            Self::Rejected { message, .. } => {
                Problem::new(K::SvarUtRejected).with("message", message)
            }
            Self::NotFound(_) => Problem::new(K::SvarUtNotFound),
            Self::Server { status, .. } => Problem::new(K::SvarUtServer).with("status", status),
            Self::Timeout(s) => Problem::new(K::SvarUtTimeout).with("seconds", seconds(*s)),
            Self::Network(_) => Problem::new(K::SvarUtUnreachable),
            Self::Malformed(_) => Problem::new(K::SvarUtMalformed),
            Self::PublicKey(_) => Problem::new(K::SvarUtPublicKey),
        }
    }
}

impl Explain for CryptoError {
    fn problem(&self) -> Problem {
        match self {
            Self::NotValidNow {
                not_before,
                not_after,
            } => Problem::new(K::SvarUtCertificateExpired)
                .with("not_before", not_before)
                .with("not_after", not_after),
            Self::Certificate(_) | Self::NotRsa => Problem::new(K::SvarUtPublicKey),
            Self::OpenSsl(_) => Problem::new(K::Internal),
        }
    }
}

impl Explain for SigningError {
    fn problem(&self) -> Problem {
        match self {
            Self::Job(e) => e.problem(),
            Self::Bundle(_) => Problem::new(K::SigningBundle),
            Self::Config(_) => Problem::new(K::SigningConfig),
            Self::ServerIdentity(_) => Problem::new(K::SigningServerIdentity),
            Self::Timeout(s) => Problem::new(K::SigningTimeout).with("seconds", seconds(*s)),
            Self::Unreachable(_) | Self::Network(_) => Problem::new(K::SigningUnreachable),
            // The service's own code and words are the reason.
            Self::Refused { status, error } => Problem::new(K::SigningRefused)
                .with("status", status)
                .with("code", &error.code)
                .with("message", &error.message),
            Self::Http { status, .. } => Problem::new(K::SigningHttp).with("status", status),
            Self::Malformed(_) => Problem::new(K::SigningMalformed),
            Self::PollTooEarly(until) => {
                Problem::new(K::SigningPollTooEarly).with("until_at", until.to_rfc3339())
            }
            Self::RateLimited(until) => {
                Problem::new(K::SigningRateLimited).with("until_at", until.to_rfc3339())
            }
            Self::TooLateToCancel => Problem::new(K::SigningTooLateToCancel),
            Self::InvalidStatusQueryToken => Problem::new(K::SigningInvalidToken),
            Self::NotCompleted => Problem::new(K::SigningNotCompleted),
        }
    }
}

impl Explain for crate::signing::model::JobError {
    fn problem(&self) -> Problem {
        Problem::new(K::SigningOrderInvalid).with("field", &self.field)
    }
}

impl Explain for crate::signing::tracker::TrackError {
    fn problem(&self) -> Problem {
        match self {
            Self::Service(e) => e.problem(),
            Self::Store(e) => e.problem(),
            Self::Order(_) => Problem::new(K::SigningNotPossible),
        }
    }
}

impl Explain for crate::archive::journal::NotAMonth {
    fn problem(&self) -> Problem {
        Problem::new(K::NotAMonth).with("text", &self.0)
    }
}

impl Explain for SendingError {
    fn problem(&self) -> Problem {
        match self {
            Self::Prepare(e) => e.problem(),
            Self::Mailing(_) => Problem::new(K::MailingBroken),
            Self::NothingToSend => Problem::new(K::NothingToSend),
            Self::Lookup(e) => e.problem(),
            Self::Case(e) => e.problem(),
            Self::SentBefore(earlier) => Problem::new(K::SentBefore)
                .with("sent_at", &earlier.at)
                .with("letters", earlier.letters)
                .with("title", &earlier.title),
            Self::Store(e) => e.problem(),
        }
    }
}

impl Explain for ReceiptError {
    fn problem(&self) -> Problem {
        match self {
            Self::TooLarge(size) => Problem::new(K::ReceiptTooLarge)
                .with("size", size)
                .with("max", crate::archive::receipt::MAX_BYTES),
            Self::Xml(_) => Problem::new(K::ReceiptNotXml),
            Self::TooDeep => Problem::new(K::ReceiptTooDeep),
            Self::NotAReceipt(root) => Problem::new(K::ReceiptWrongDocument).with("root", root),
            Self::NoKey => Problem::new(K::ReceiptNoKey),
            Self::Number(field) => Problem::new(K::ReceiptNotNumber).with("field", field),
        }
    }
}

impl Explain for ArchiveError {
    fn problem(&self) -> Problem {
        match self {
            Self::Store(e) => e.problem(),
            Self::Receipt(e) => e.problem(),
            Self::UnknownKey(key) => Problem::new(K::ArchiveUnknownPost).with("key", key),
            // The archive's own words are the reason.
            Self::Refused(reason) => Problem::new(K::ArchiveRefused).with("reason", reason),
            Self::Export { path, .. } => Problem::new(K::ArchiveExportFailed).with("path", path),
            Self::NothingToExport(_) => Problem::new(K::NothingToArchive),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_serialises_as_a_key_and_named_values() {
        let problem = Problem::new(K::TitleTooLong)
            .with("found", 120)
            .with("max", 100);
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["key"], "title_too_long");
        assert_eq!(json["params"]["found"], "120");
        assert_eq!(json["params"]["max"], "100");
    }

    #[test]
    fn a_key_with_digits_is_named_as_the_ui_knows_it() {
        assert_eq!(
            serde_json::to_value(K::CertNotPkcs12).unwrap(),
            "cert_not_pkcs12"
        );
    }

    #[test]
    fn a_value_with_a_fodselsnummer_is_masked() {
        let problem = Problem::new(K::RowPostcodeInvalid).with("value", "01018012345");
        assert!(!problem.params["value"].contains("01018012345"));
    }

    #[test]
    fn errors_say_their_own_message() {
        assert_eq!(
            CsvError::DuplicateColumn("navn".into()).problem(),
            Problem::new(K::ListDuplicateColumn).with("column", "navn")
        );
        assert_eq!(
            IdentifierError::WrongLength { found: 5 }.problem(),
            Problem::new(K::IdentWrongLength).with("found", 5)
        );
        let merge = MergeError {
            unknown: vec!["belop".into()],
            empty: vec![],
        };
        assert_eq!(merge.problem().key, K::MergeUnknown);
        assert_eq!(merge.problem().params["fields"], "belop");
        assert_eq!(
            StoreError::WrongKey.problem(),
            Problem::new(K::WrongKey),
            "a store error"
        );
        assert_eq!(
            AttachmentError::Encrypted.problem().key,
            K::PdfEncrypted,
            "an encrypted PDF"
        );
        assert_eq!(
            SvarUtError::Timeout(30).problem(),
            Problem::new(K::SvarUtTimeout).with("seconds", 30)
        );
    }
}
