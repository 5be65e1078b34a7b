//! A signing order as the clerk (the app's form, the CLI's flags) describes it, turned into a
//! [`Job`]: documents through the attachment preflight, signers by fødselsnummer (notified
//! through KRR) or by e-mail/mobile, order groups, the deadline as days or a date.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::model::{
    AuthenticationLevel, Document, ExitUrls, Flow, IdentifierInSignedDocuments, Job, JobError,
    Notifications, OnBehalfOf, SignatureType, Signer, SignerIdentity, file_name_for,
};
use crate::ident::Fnr;
use crate::letters::attachment::{SIGNING_MAX_BYTES, check_pdf};

/// One signer as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SignerInput {
    /// Fødselsnummer or D-number; `None` for a signer known only by e-mail/mobile.
    pub fnr: Option<String>,
    /// The name, for lists (a person's from KRR/the population, or typed).
    pub name: String,
    /// E-mail for notifications (`None` with a fødselsnummer: KRR's is used).
    pub email: Option<String>,
    /// Mobile for notifications.
    pub mobile: Option<String>,
    /// With a fødselsnummer and no e-mail/mobile: also notify by SMS from KRR.
    pub sms_from_krr: bool,
    /// Order group (portal): lower signs first.
    pub order_group: Option<u8>,
    /// Signature type (the service's default when `None`).
    pub signature_type: Option<SignatureType>,
    /// On behalf of self or another organisation.
    pub on_behalf_of: Option<OnBehalfOf>,
}

/// One document as entered.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentInput {
    /// Title (1–80).
    pub title: String,
    /// The PDF.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for DocumentInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentInput")
            .field("title", &self.title)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// The deadline of a portal order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Deadline {
    /// Days from activation. The service counts them per order group (§8.4): in an order
    /// signed in turn, each group gets this long from when it is activated.
    Days(u32),
    /// The end of this date (Norwegian time is not modelled: 23:59 UTC).
    Date(NaiveDate),
}

/// An order as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderInput {
    /// Portal or direct.
    pub flow: Flow,
    /// Title.
    pub title: String,
    /// Portal: title without personal data.
    pub nonsensitive_title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Documents.
    pub documents: Vec<DocumentInput>,
    /// Signers.
    pub signers: Vec<SignerInput>,
    /// Security level.
    pub level: AuthenticationLevel,
    /// Portal: when signers' time runs out.
    pub deadline: Option<Deadline>,
    /// Our reference.
    pub reference: Option<String>,
    /// Direct: where signers return.
    pub exit_url: Option<String>,
    /// Portal: when the first group is activated (now when `None`).
    pub activation: Option<DateTime<Utc>>,
    /// What identifies the signers in the signed documents (the service's default when
    /// `None`).
    pub identifier: Option<IdentifierInSignedDocuments>,
}

/// What a portal order's notifications show for a sensitive letter without a public title.
pub const SENSITIVE_NOTIFICATION_TITLE: &str = "Dokument til signering";

impl OrderInput {
    /// A sensitive letter is among the documents: the order is signed at level 4, and a
    /// portal order's notifications show a title without personal data — the one given, else
    /// the letter's public title, else a plain "Dokument til signering".
    pub fn make_sensitive(&mut self, public_title: Option<&str>) {
        self.level = AuthenticationLevel::Four;
        if self.flow == Flow::Portal
            && self
                .nonsensitive_title
                .as_deref()
                .is_none_or(|t| t.trim().is_empty())
        {
            let title = public_title
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .unwrap_or(SENSITIVE_NOTIFICATION_TITLE);
            // The service allows 80 characters here.
            self.nonsensitive_title = Some(title.chars().take(80).collect());
        }
    }
}

/// Reads a signer given as text: a fødselsnummer, an e-mail address or a mobile number.
pub fn parse_signer(text: &str) -> Result<SignerInput, JobError> {
    let text = text.trim();
    let error = |reason: String| JobError {
        field: "signer".into(),
        reason,
    };
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let blank = SignerInput {
        fnr: None,
        name: text.to_owned(),
        email: None,
        mobile: None,
        sms_from_krr: true,
        order_group: None,
        signature_type: None,
        on_behalf_of: None,
    };
    if text.contains('@') {
        return Ok(SignerInput {
            email: Some(text.to_owned()),
            ..blank
        });
    }
    if digits.len() == 11 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let fnr = Fnr::parse(&digits)
            .map_err(|e| error(format!("{}: {e}", crate::mask::input(&digits))))?;
        return Ok(SignerInput {
            name: fnr.masked(),
            fnr: Some(digits),
            ..blank
        });
    }
    let national = digits.strip_prefix("+47").unwrap_or(&digits);
    if national.len() == 8 && national.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(SignerInput {
            mobile: Some(digits.clone()),
            ..blank
        });
    }
    Err(error(format!(
        "«{}» is not a fødselsnummer, an e-mail address or a Norwegian mobile number",
        crate::mask::input(text)
    )))
}

impl OrderInput {
    /// The job and the signers' names. Every document passes the attachment preflight (a
    /// readable, unencrypted PDF) and together they stay within 10 MB; then the job's own
    /// limits are checked.
    pub fn to_job(
        &self,
        sender: &str,
        polling_queue: &str,
        now: DateTime<Utc>,
    ) -> Result<(Job, Vec<String>), JobError> {
        let mut documents = Vec::new();
        for (i, d) in self.documents.iter().enumerate() {
            check_pdf(&d.bytes, SIGNING_MAX_BYTES).map_err(|e| JobError {
                field: format!("documents[{i}]"),
                reason: format!("«{}»: {e}", d.title),
            })?;
            documents.push(Document {
                title: d.title.trim().to_owned(),
                file_name: file_name_for(i, &d.title, "pdf"),
                mime: "application/pdf".into(),
                bytes: d.bytes.clone(),
            });
        }
        let mut signers = Vec::new();
        let mut names = Vec::new();
        for (i, s) in self.signers.iter().enumerate() {
            let identity = match &s.fnr {
                Some(fnr) => SignerIdentity::Person(Fnr::parse(fnr).map_err(|e| JobError {
                    field: format!("signers[{i}]"),
                    reason: e.to_string(),
                })?),
                None => match self.flow {
                    Flow::Portal => SignerIdentity::ContactInformation,
                    Flow::Direct => SignerIdentity::Custom(
                        s.email
                            .clone()
                            .or_else(|| s.mobile.clone())
                            .unwrap_or_default(),
                    ),
                },
            };
            let notifications = match self.flow {
                Flow::Direct => None,
                Flow::Portal if s.email.is_some() || s.mobile.is_some() => {
                    Some(Notifications::Explicit {
                        email: s.email.clone(),
                        mobile: s.mobile.clone(),
                    })
                }
                Flow::Portal => Some(Notifications::Lookup {
                    sms: s.sms_from_krr,
                }),
            };
            signers.push(Signer {
                identity,
                order: if self.flow == Flow::Portal {
                    s.order_group
                } else {
                    None
                },
                signature_type: s.signature_type,
                on_behalf_of: s.on_behalf_of,
                notifications,
            });
            names.push(s.name.clone());
        }
        let activation = match (self.flow, self.activation) {
            (Flow::Portal, Some(at)) if at > now => Some(at),
            _ => None,
        };
        let starts = activation.unwrap_or(now);
        let available_seconds = match (self.flow, self.deadline) {
            (Flow::Portal, Some(Deadline::Days(days))) => Some(u64::from(days) * 86_400),
            (Flow::Portal, Some(Deadline::Date(date))) => {
                // The end of the day where the clerk is (Norway), not in UTC.
                let local = date.and_hms_opt(23, 59, 0).expect("valid time");
                let end = crate::norway::at(local.date(), 23, 59);
                let seconds = (end - starts).num_seconds();
                if seconds <= 0 {
                    return Err(JobError {
                        field: "deadline".into(),
                        reason: "the deadline is before the order starts".into(),
                    });
                }
                Some(seconds as u64)
            }
            _ => None,
        };
        let exit_urls = match (self.flow, &self.exit_url) {
            (Flow::Direct, Some(url)) => {
                let separator = if url.contains('?') { '&' } else { '?' };
                Some(ExitUrls {
                    completion_url: format!("{url}{separator}status=signed"),
                    rejection_url: format!("{url}{separator}status=rejected"),
                    error_url: format!("{url}{separator}status=error"),
                })
            }
            (Flow::Direct, None) => {
                return Err(JobError {
                    field: "exit_url".into(),
                    reason: "a direct order needs the address signers return to".into(),
                });
            }
            _ => None,
        };
        let job = Job {
            flow: self.flow,
            sender: sender.to_owned(),
            title: self.title.trim().to_owned(),
            nonsensitive_title: self
                .nonsensitive_title
                .clone()
                .filter(|t| !t.trim().is_empty() && self.flow == Flow::Portal),
            description: self.description.clone().filter(|d| !d.trim().is_empty()),
            documents,
            signers,
            required_authentication: Some(self.level),
            activation_time: activation,
            available_seconds,
            identifier_in_signed_documents: self.identifier,
            reference: self.reference.clone().filter(|r| !r.trim().is_empty()),
            polling_queue: Some(polling_queue.to_owned()).filter(|q| !q.is_empty()),
            exit_urls,
        };
        job.validate()?;
        Ok((job, names))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signers_are_read_as_fodselsnummer_e_mail_or_mobile() {
        let person = parse_signer("20914695016").unwrap();
        assert_eq!(person.fnr.as_deref(), Some("20914695016"));
        assert_eq!(person.name, "209146 *****");
        assert_eq!(
            parse_signer("kari@example.com").unwrap().email.as_deref(),
            Some("kari@example.com")
        );
        assert_eq!(
            parse_signer("+47 912 34 567").unwrap().mobile.as_deref(),
            Some("+4791234567")
        );
        let wrong = parse_signer("20914695017").unwrap_err();
        assert!(
            wrong.reason.contains("209146 *****"),
            "masked: {}",
            wrong.reason
        );
        assert!(parse_signer("Kari").is_err());
    }

    #[test]
    fn a_document_that_is_not_a_pdf_is_refused_with_its_title() {
        let input = OrderInput {
            flow: Flow::Portal,
            title: "Avtale".into(),
            nonsensitive_title: None,
            description: None,
            documents: vec![DocumentInput {
                title: "Skjema".into(),
                bytes: b"not a pdf".to_vec(),
            }],
            signers: vec![parse_signer("kari@example.com").unwrap()],
            level: AuthenticationLevel::Four,
            deadline: Some(Deadline::Days(7)),
            reference: None,
            exit_url: None,
            activation: None,
            identifier: None,
        };
        let error = input
            .to_job("910753614", "kommunepost", Utc::now())
            .unwrap_err();
        assert_eq!(error.field, "documents[0]");
        assert!(error.reason.contains("Skjema"));
    }
}
