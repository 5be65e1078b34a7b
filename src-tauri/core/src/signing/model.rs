//! The signing job as the sender describes it, and the statuses the service reports.
//! Names, limits and enums follow `shared/specs/esignering.md` §6 and §9 to the element.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::ident::Fnr;

/// Portal (asynchronous: the signer is notified and signs in the signing portal before a
/// deadline) or direct (synchronous: the signer is redirected from the sender's site).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Flow {
    /// `/portal/signature-jobs`.
    Portal,
    /// `/direct/signature-jobs`.
    Direct,
}

impl Flow {
    /// The path segment: `portal` or `direct`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Portal => "portal",
            Self::Direct => "direct",
        }
    }

    /// Parses `portal`/`direct`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "portal" => Some(Self::Portal),
            "direct" => Some(Self::Direct),
            _ => None,
        }
    }
}

/// `signature-type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SignatureType {
    /// `ADVANCED_ELECTRONIC_SIGNATURE` (BankID, Buypass).
    Advanced,
    /// `AUTHENTICATED_ELECTRONIC_SIGNATURE` (ID-porten; public senders only).
    Authenticated,
}

impl SignatureType {
    /// The XML value.
    pub fn xml(self) -> &'static str {
        match self {
            Self::Advanced => "ADVANCED_ELECTRONIC_SIGNATURE",
            Self::Authenticated => "AUTHENTICATED_ELECTRONIC_SIGNATURE",
        }
    }
}

/// `on-behalf-of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OnBehalfOf {
    /// `SELF`: the signer signs for themselves (the signed copy goes to their mailbox).
    #[serde(rename = "self")]
    Myself,
    /// `OTHER`: the signer signs for an organisation.
    Other,
}

impl OnBehalfOf {
    /// The XML value.
    pub fn xml(self) -> &'static str {
        match self {
            Self::Myself => "SELF",
            Self::Other => "OTHER",
        }
    }
}

/// `authentication-level`: 3 (MinID) or 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub enum AuthenticationLevel {
    /// Level 3.
    #[serde(rename = "3")]
    Three,
    /// Level 4.
    #[serde(rename = "4")]
    Four,
}

impl AuthenticationLevel {
    /// The XML value.
    pub fn xml(self) -> &'static str {
        match self {
            Self::Three => "3",
            Self::Four => "4",
        }
    }

    /// `3` or `4`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "3" => Some(Self::Three),
            "4" => Some(Self::Four),
            _ => None,
        }
    }
}

/// `identifier-in-signed-documents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierInSignedDocuments {
    /// `PERSONAL_IDENTIFICATION_NUMBER_AND_NAME`.
    PersonalIdentificationNumberAndName,
    /// `DATE_OF_BIRTH_AND_NAME`.
    DateOfBirthAndName,
    /// `NAME`.
    Name,
}

impl IdentifierInSignedDocuments {
    /// The XML value.
    pub fn xml(self) -> &'static str {
        match self {
            Self::PersonalIdentificationNumberAndName => "PERSONAL_IDENTIFICATION_NUMBER_AND_NAME",
            Self::DateOfBirthAndName => "DATE_OF_BIRTH_AND_NAME",
            Self::Name => "NAME",
        }
    }
}

/// Who the signer is to the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerIdentity {
    /// By fødselsnummer or D-number (`personal-identification-number`).
    Person(Fnr),
    /// Portal only: by the e-mail address / mobile number in the notifications
    /// (`identified-by-contact-information`).
    ContactInformation,
    /// Direct only: the sender's own identifier (`signer-identifier`, 1–80 characters,
    /// unique in the job).
    Custom(String),
}

/// How a portal signer is notified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Notifications {
    /// `notifications-using-lookup`: the service finds the addresses in KRR (public senders;
    /// e-mail always, SMS optionally).
    Lookup {
        /// Also by SMS.
        sms: bool,
    },
    /// `notifications`: the addresses given.
    Explicit {
        /// E-mail address.
        email: Option<String>,
        /// Mobile number (Norwegian).
        mobile: Option<String>,
    },
}

/// One signer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// Who.
    pub identity: SignerIdentity,
    /// Portal: the order group (0–9); lower groups sign first, equal ones in parallel.
    pub order: Option<u8>,
    /// Signature type (the service's default when `None`).
    pub signature_type: Option<SignatureType>,
    /// On behalf of self or another.
    pub on_behalf_of: Option<OnBehalfOf>,
    /// Portal: how the signer is notified (required there; not used by direct jobs).
    pub notifications: Option<Notifications>,
}

/// One document to sign.
#[derive(Clone, PartialEq, Eq)]
pub struct Document {
    /// Title (1–80 characters).
    pub title: String,
    /// The file name in the bundle (`href`, 4–100 characters). Made from the title when
    /// the job is bundled, as the official clients do.
    pub file_name: String,
    /// `application/pdf`.
    pub mime: String,
    /// The PDF.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("title", &self.title)
            .field("file_name", &self.file_name)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// The sender's exit URLs of a direct job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ExitUrls {
    /// After signing.
    pub completion_url: String,
    /// After rejecting.
    pub rejection_url: String,
    /// After an error.
    pub error_url: String,
}

/// A signing job to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Portal or direct.
    pub flow: Flow,
    /// The sender's organisation number (9 digits).
    pub sender: String,
    /// Title (1–80).
    pub title: String,
    /// Portal: a title with no personal data, for e-mail/SMS and the level-3 view (1–80).
    pub nonsensitive_title: Option<String>,
    /// Description (at most 220).
    pub description: Option<String>,
    /// 1–20 documents.
    pub documents: Vec<Document>,
    /// 1–10 signers.
    pub signers: Vec<Signer>,
    /// Required security level.
    pub required_authentication: Option<AuthenticationLevel>,
    /// Portal: when the first group is activated (now when `None` or past).
    pub activation_time: Option<DateTime<Utc>>,
    /// Portal: seconds each order group has to sign, from its activation (at most 90 days).
    pub available_seconds: Option<u64>,
    /// What identifies the signers in the signed documents.
    pub identifier_in_signed_documents: Option<IdentifierInSignedDocuments>,
    /// The sender's reference (at most 50; no personal data: it appears in e-mails).
    pub reference: Option<String>,
    /// The polling queue the job's statuses go to (the default queue when `None`).
    pub polling_queue: Option<String>,
    /// Direct: where the signer returns to.
    pub exit_urls: Option<ExitUrls>,
}

/// Longest `available-seconds` the service takes: 90 days.
pub const MAX_AVAILABLE_SECONDS: u64 = 7_776_000;
/// The documents of a job may amount to 10 MB (10 485 760 bytes). Whether per document or
/// per job is UNCONFIRMED; the tolerant (stricter) reading is per job, checked here.
pub const MAX_JOB_BYTES: usize = 10_485_760;

/// A job the service would refuse, with the field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct JobError {
    /// Which field.
    pub field: String,
    /// Why (a sentence).
    pub reason: String,
}

fn fail(field: impl Into<String>, reason: impl Into<String>) -> Result<(), JobError> {
    Err(JobError {
        field: field.into(),
        reason: reason.into(),
    })
}

fn length(field: &str, value: &str, min: usize, max: usize) -> Result<(), JobError> {
    let n = value.chars().count();
    if n < min || n > max {
        return fail(field, format!("must be {min}–{max} characters (is {n})"));
    }
    Ok(())
}

impl Job {
    /// Checks the limits the schema and the service set, before anything is sent.
    pub fn validate(&self) -> Result<(), JobError> {
        if self.sender.len() != 9 || !self.sender.bytes().all(|b| b.is_ascii_digit()) {
            fail("sender", "the organisation number must be 9 digits")?;
        }
        length("title", &self.title, 1, 80)?;
        if let Some(t) = &self.nonsensitive_title {
            if self.flow == Flow::Direct {
                fail(
                    "nonsensitive_title",
                    "direct jobs have no non-sensitive title",
                )?;
            }
            length("nonsensitive_title", t, 1, 80)?;
        }
        if let Some(d) = &self.description {
            length("description", d, 0, 220)?;
        }
        if let Some(r) = &self.reference {
            length("reference", r, 1, 50)?;
            if r.as_bytes()
                .windows(11)
                .any(|w| w.iter().all(u8::is_ascii_digit))
            {
                fail(
                    "reference",
                    "must not hold a fødselsnummer (it appears in e-mails to the signers)",
                )?;
            }
        }
        if !(1..=20).contains(&self.documents.len()) {
            fail("documents", "a job has 1–20 documents")?;
        }
        let mut total = 0usize;
        for (i, d) in self.documents.iter().enumerate() {
            length(&format!("documents[{i}].title"), &d.title, 1, 80)?;
            length(&format!("documents[{i}].file_name"), &d.file_name, 4, 100)?;
            length(&format!("documents[{i}].mime"), &d.mime, 1, 100)?;
            if !d.bytes.starts_with(b"%PDF-") {
                fail(format!("documents[{i}]"), "is not a PDF")?;
            }
            if self.documents[..i]
                .iter()
                .any(|other| other.file_name == d.file_name)
            {
                fail(format!("documents[{i}].file_name"), "is used twice")?;
            }
            total += d.bytes.len();
        }
        if total > MAX_JOB_BYTES {
            fail(
                "documents",
                format!("together {total} bytes; the service takes at most 10 MB"),
            )?;
        }
        if !(1..=10).contains(&self.signers.len()) {
            fail("signers", "a job has 1–10 signers")?;
        }
        for (i, s) in self.signers.iter().enumerate() {
            self.validate_signer(i, s)?;
        }
        match self.flow {
            Flow::Portal => {
                if self.exit_urls.is_some() {
                    fail("exit_urls", "only direct jobs have exit URLs")?;
                }
                if let Some(seconds) = self.available_seconds {
                    if seconds > MAX_AVAILABLE_SECONDS {
                        fail("available_seconds", "at most 90 days (7 776 000 seconds)")?;
                    }
                    if seconds < 3600 {
                        fail("available_seconds", "signers need at least an hour")?;
                    }
                }
            }
            Flow::Direct => {
                let Some(urls) = &self.exit_urls else {
                    return fail("exit_urls", "a direct job needs exit URLs");
                };
                for (name, url) in [
                    ("completion_url", &urls.completion_url),
                    ("rejection_url", &urls.rejection_url),
                    ("error_url", &urls.error_url),
                ] {
                    length(name, url, 1, 500)?;
                }
                if self.activation_time.is_some() || self.available_seconds.is_some() {
                    fail(
                        "availability",
                        "direct jobs are active at once for 30 days; no deadline can be set",
                    )?;
                }
            }
        }
        Ok(())
    }

    fn validate_signer(&self, i: usize, s: &Signer) -> Result<(), JobError> {
        let field = format!("signers[{i}]");
        match (&s.identity, self.flow) {
            (SignerIdentity::ContactInformation, Flow::Direct) => fail(
                &field,
                "direct signers are named by fødselsnummer or an identifier",
            )?,
            (SignerIdentity::Custom(_), Flow::Portal) => fail(
                &field,
                "portal signers are named by fødselsnummer or contact information",
            )?,
            (SignerIdentity::Custom(id), Flow::Direct) => {
                length(&field, id, 1, 80)?;
                let twice = self
                    .signers
                    .iter()
                    .filter(|o| o.identity == s.identity)
                    .count();
                if twice > 1 {
                    fail(&field, "the identifier is used by two signers")?;
                }
            }
            _ => {}
        }
        if let SignerIdentity::Person(fnr) = &s.identity
            && self
                .signers
                .iter()
                .filter(|o| matches!(&o.identity, SignerIdentity::Person(f) if f == fnr))
                .count()
                > 1
        {
            fail(&field, format!("{} is a signer twice", fnr.masked()))?;
        }
        match self.flow {
            Flow::Direct => {
                if s.order.is_some() {
                    fail(&field, "order groups are for portal jobs")?;
                }
                if s.notifications.is_some() {
                    fail(&field, "direct signers are not notified")?;
                }
            }
            Flow::Portal => {
                if let Some(order) = s.order
                    && order > 9
                {
                    fail(&field, "the order group is 0–9")?;
                }
                match &s.notifications {
                    None => fail(
                        &field,
                        "a portal signer needs an e-mail address or a mobile number, or a lookup in KRR",
                    )?,
                    Some(Notifications::Lookup { .. }) => {
                        if s.identity == SignerIdentity::ContactInformation {
                            fail(
                                &field,
                                "a signer without fødselsnummer cannot be looked up in KRR",
                            )?;
                        }
                        if s.on_behalf_of == Some(OnBehalfOf::Other) {
                            fail(
                                &field,
                                "KRR lookup is not allowed for a signer on behalf of another",
                            )?;
                        }
                    }
                    Some(Notifications::Explicit { email, mobile }) => {
                        if email.is_none() && mobile.is_none() {
                            fail(&field, "give an e-mail address or a mobile number")?;
                        }
                        if let Some(e) = email {
                            length(&field, e, 3, 254)?;
                            if !e.contains('@') {
                                fail(&field, format!("«{e}» is not an e-mail address"))?;
                            }
                        }
                        if let Some(m) = mobile {
                            let digits: String = m.chars().filter(|c| !c.is_whitespace()).collect();
                            let national = digits.strip_prefix("+47").unwrap_or(&digits);
                            if national.len() != 8 || !national.bytes().all(|b| b.is_ascii_digit())
                            {
                                fail(&field, format!("«{m}» is not a Norwegian mobile number"))?;
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// A job's status (`IN_PROGRESS`, `COMPLETED_SUCCESSFULLY`, `FAILED`), with any other value
/// kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    /// At least one signer has not acted yet.
    InProgress,
    /// Everyone signed.
    CompletedSuccessfully,
    /// Finished with at least one signer not signing.
    Failed,
    /// A value this version does not know.
    Unknown(String),
}

impl JobStatus {
    /// Parses the XML value (trimmed, any case).
    pub fn parse(text: &str) -> Self {
        match text.trim().to_uppercase().as_str() {
            "IN_PROGRESS" => Self::InProgress,
            "COMPLETED_SUCCESSFULLY" => Self::CompletedSuccessfully,
            "FAILED" => Self::Failed,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The XML value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InProgress => "IN_PROGRESS",
            Self::CompletedSuccessfully => "COMPLETED_SUCCESSFULLY",
            Self::Failed => "FAILED",
            Self::Unknown(v) => v,
        }
    }

    /// Whether the job is over.
    pub fn is_final(&self) -> bool {
        matches!(self, Self::CompletedSuccessfully | Self::Failed)
    }
}

/// A signer's status: every value of the direct and portal schemas, and any other value kept
/// as written (the schema makes it a free string; clients must rely on the job status).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignerStatus {
    /// Has not acted yet (or the group is not active yet).
    Waiting,
    /// Signed.
    Signed,
    /// Rejected (ends the job).
    Rejected,
    /// The deadline passed.
    Expired,
    /// Direct: an error in the signing ceremony.
    Failed,
    /// Portal: the sender cancelled.
    Cancelled,
    /// Portal: reserved against digital communication in KRR.
    Reserved,
    /// Portal: no contact information given or found in KRR.
    ContactInformationMissing,
    /// Portal: wrong security code too many times.
    Blocked,
    /// The name lookup failed.
    SignersNameNotAvailable,
    /// The job ended for another reason.
    NotApplicable,
    /// A value this version does not know.
    Unknown(String),
}

impl SignerStatus {
    /// Every known value, in the order of the sheet.
    pub const KNOWN: [&'static str; 11] = [
        "WAITING",
        "SIGNED",
        "REJECTED",
        "EXPIRED",
        "FAILED",
        "CANCELLED",
        "RESERVED",
        "CONTACT_INFORMATION_MISSING",
        "BLOCKED",
        "SIGNERS_NAME_NOT_AVAILABLE",
        "NOT_APPLICABLE",
    ];

    /// Parses the XML value (trimmed, any case, as the official clients do).
    pub fn parse(text: &str) -> Self {
        match text.trim().to_uppercase().as_str() {
            "WAITING" => Self::Waiting,
            "SIGNED" => Self::Signed,
            "REJECTED" => Self::Rejected,
            "EXPIRED" => Self::Expired,
            "FAILED" => Self::Failed,
            "CANCELLED" => Self::Cancelled,
            "RESERVED" => Self::Reserved,
            "CONTACT_INFORMATION_MISSING" => Self::ContactInformationMissing,
            "BLOCKED" => Self::Blocked,
            "SIGNERS_NAME_NOT_AVAILABLE" => Self::SignersNameNotAvailable,
            "NOT_APPLICABLE" => Self::NotApplicable,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// The XML value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Waiting => "WAITING",
            Self::Signed => "SIGNED",
            Self::Rejected => "REJECTED",
            Self::Expired => "EXPIRED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
            Self::Reserved => "RESERVED",
            Self::ContactInformationMissing => "CONTACT_INFORMATION_MISSING",
            Self::Blocked => "BLOCKED",
            Self::SignersNameNotAvailable => "SIGNERS_NAME_NOT_AVAILABLE",
            Self::NotApplicable => "NOT_APPLICABLE",
            Self::Unknown(v) => v,
        }
    }
}

/// Who a status is about, as the service names them. Not serialisable: it may hold a
/// fødselsnummer, which never crosses to the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerRef {
    /// By fødselsnummer (kept only in the encrypted store).
    Person(String),
    /// Direct: the sender's identifier.
    Custom(String),
    /// Portal: by the contact information.
    Contact {
        /// E-mail.
        email: Option<String>,
        /// Mobile.
        mobile: Option<String>,
    },
}

/// One signer's status in a status response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureStatus {
    /// Who.
    pub signer: SignerRef,
    /// The status.
    pub status: SignerStatus,
    /// Since when.
    pub since: DateTime<FixedOffset>,
    /// Where the signer's XAdES is, once signed.
    pub xades_url: Option<String>,
}

/// A status of a job, from the polling queue or (direct) a status query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// Portal or direct.
    pub flow: Flow,
    /// The job.
    pub job_id: i64,
    /// The sender's reference.
    pub reference: Option<String>,
    /// The job's status.
    pub status: JobStatus,
    /// Each signer's status.
    pub signatures: Vec<SignatureStatus>,
    /// Where to confirm that the status is stored.
    pub confirmation_url: Option<String>,
    /// Portal: where to cancel.
    pub cancellation_url: Option<String>,
    /// Where to delete the documents (completed jobs, after 24 h).
    pub delete_documents_url: Option<String>,
    /// Where the PAdES is (once someone signed).
    pub pades_url: Option<String>,
}

/// A created job, as the service answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedJob {
    /// The service's id.
    pub job_id: i64,
    /// The sender's reference, echoed.
    pub reference: Option<String>,
    /// Portal: where to cancel.
    pub cancellation_url: Option<String>,
    /// Direct: where to ask for the status with a status query token (absent for polling).
    pub status_url: Option<String>,
    /// Direct: per signer, the signer's URL and one-time redirect URL.
    pub signers: Vec<DirectSigner>,
}

/// A direct signer's URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectSigner {
    /// Who.
    pub signer: SignerRef,
    /// The signer's resource (POST here for a new redirect URL).
    pub href: String,
    /// Where to send the signer's browser (works once).
    pub redirect_url: String,
}

/// The official clients' file-name rule: `0000_kontrakt.pdf` — the index, then the title
/// lowercased with æ→ae, ø→oe, å→aa, accents stripped and anything else but `[0-9a-z._-]`
/// made `_`.
pub fn file_name_for(index: usize, title: &str, extension: &str) -> String {
    let mut safe = String::new();
    for c in title.trim().to_lowercase().chars() {
        match c {
            'æ' => safe.push_str("ae"),
            'ø' => safe.push_str("oe"),
            'å' => safe.push_str("aa"),
            'é' | 'è' | 'ê' | 'ë' => safe.push('e'),
            'á' | 'à' | 'â' | 'ä' => safe.push('a'),
            'ó' | 'ò' | 'ô' | 'ö' => safe.push('o'),
            'ú' | 'ù' | 'û' | 'ü' => safe.push('u'),
            'í' | 'ì' | 'î' | 'ï' => safe.push('i'),
            c if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' => safe.push(c),
            _ => safe.push('_'),
        }
    }
    let safe: String = safe.chars().take(80).collect();
    format!("{index:04}_{safe}.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_the_official_clients() {
        assert_eq!(file_name_for(0, "Kontrakt", "pdf"), "0000_kontrakt.pdf");
        assert_eq!(
            file_name_for(3, "Søknad om støtte, får", "pdf"),
            "0003_soeknad_om_stoette__faar.pdf"
        );
    }

    #[test]
    fn statuses_are_parsed_loosely_and_unknown_ones_kept() {
        for known in SignerStatus::KNOWN {
            assert_eq!(SignerStatus::parse(known).as_str(), known);
        }
        assert_eq!(SignerStatus::parse(" signed "), SignerStatus::Signed);
        assert_eq!(
            SignerStatus::parse("NEW_STATE"),
            SignerStatus::Unknown("NEW_STATE".into())
        );
        assert!(JobStatus::parse("FAILED").is_final());
        assert!(!JobStatus::parse("SOMETHING").is_final());
    }
}
