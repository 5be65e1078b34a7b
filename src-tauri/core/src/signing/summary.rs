//! A signing order before it is sent, written once: the documents through the attachment
//! preflight, each signer (masked) with how they are told, the order groups and the deadline.
//! Nothing leaves. The app shows it before "Send til signering"; `sign create` prints it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::model::{AuthenticationLevel, Flow, Job, Notifications, SignerIdentity};
use crate::config::Environment;
use crate::letters::attachment::{AttachmentError, SIGNING_MAX_BYTES, check_pdf};

/// A document in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SummaryDocument {
    /// Title.
    pub title: String,
    /// Pages.
    pub pages: u32,
    /// Size.
    pub size_bytes: u32,
    /// Preflight warnings.
    pub warnings: Vec<String>,
}

/// A signer in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SummarySigner {
    /// Name.
    pub name: String,
    /// `010180 *****`, or the e-mail/mobile.
    pub shown_id: String,
    /// How they are notified: `krr`, `krr_sms`, `email`, `sms`, `email_sms`, `redirect`.
    pub notified_by: String,
    /// Order group.
    pub order_group: Option<u8>,
}

/// What will be sent, before it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SigningSummary {
    /// Title.
    pub title: String,
    /// Portal or direct.
    pub flow: Flow,
    /// Security level.
    pub level: AuthenticationLevel,
    /// When the (first group's) time runs out, RFC 3339.
    pub deadline: Option<String>,
    /// Documents.
    pub documents: Vec<SummaryDocument>,
    /// Signers.
    pub signers: Vec<SummarySigner>,
    /// More than one order group: signers sign in turn.
    pub sequential: bool,
    /// The environment it goes to.
    pub environment: Environment,
    /// The sender organisation.
    pub sender: String,
}

/// The summary of `job` (its signers named `names`, in order) at `now`.
pub fn summarise(
    job: &Job,
    names: &[String],
    environment: Environment,
    now: DateTime<Utc>,
) -> Result<SigningSummary, AttachmentError> {
    let documents = job
        .documents
        .iter()
        .map(|d| {
            let info = check_pdf(&d.bytes, SIGNING_MAX_BYTES)?;
            Ok(SummaryDocument {
                title: d.title.clone(),
                pages: info.pages,
                size_bytes: info.size_bytes,
                warnings: info.warnings,
            })
        })
        .collect::<Result<Vec<_>, AttachmentError>>()?;
    let signers: Vec<SummarySigner> = job
        .signers
        .iter()
        .enumerate()
        .map(|(i, signer)| {
            let (email, mobile) = match &signer.notifications {
                Some(Notifications::Explicit { email, mobile }) => (email.clone(), mobile.clone()),
                _ => (None, None),
            };
            SummarySigner {
                name: names.get(i).cloned().unwrap_or_default(),
                shown_id: match &signer.identity {
                    SignerIdentity::Person(fnr) => fnr.masked(),
                    SignerIdentity::Custom(id) => id.clone(),
                    SignerIdentity::ContactInformation => {
                        email.clone().or_else(|| mobile.clone()).unwrap_or_default()
                    }
                },
                notified_by: match (job.flow, &signer.notifications) {
                    (Flow::Direct, _) => "redirect",
                    (_, Some(Notifications::Explicit { email, mobile })) => {
                        match (email.is_some(), mobile.is_some()) {
                            (true, true) => "email_sms",
                            (false, true) => "sms",
                            _ => "email",
                        }
                    }
                    (_, Some(Notifications::Lookup { sms: true })) => "krr_sms",
                    _ => "krr",
                }
                .to_owned(),
                order_group: match job.flow {
                    Flow::Portal => signer.order,
                    Flow::Direct => None,
                },
            }
        })
        .collect();
    let groups: std::collections::BTreeSet<u8> =
        signers.iter().filter_map(|s| s.order_group).collect();
    let starts = job.activation_time.unwrap_or(now);
    let deadline = job.available_seconds.map(|seconds| {
        (starts + chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 2)))
            .to_rfc3339()
    });
    Ok(SigningSummary {
        title: job.title.clone(),
        flow: job.flow,
        level: job
            .required_authentication
            .unwrap_or(AuthenticationLevel::Four),
        deadline,
        documents,
        sequential: groups.len() > 1,
        signers,
        environment,
        sender: job.sender.clone(),
    })
}

/// The polling queue for new orders: the settings' name when one is set, else this store's
/// own (so each installation polls a queue of its own).
pub fn polling_queue(
    configured: &str,
    store: &crate::store::Store,
) -> Result<String, crate::store::StoreError> {
    match configured.trim() {
        "" => store.signing_queue_name(),
        name => Ok(name.to_owned()),
    }
}
