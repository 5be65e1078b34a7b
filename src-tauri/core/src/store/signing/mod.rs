//! Signing orders in the store: the order as the clerk made it (documents, signers), the
//! service's job and every status it reported, the signed results (PAdES, each signer's
//! XAdES) kept here as soon as they are ready — the service deletes them after 40 days.
//!
//! ```text
//! sending ──(created)──▶ active ──(final status)──▶ completed | failed
//!    │  └──(refused: nothing was created)──▶ refused
//!    └──(no answer: created or not is unknown)──▶ uncertain ──(a status with our reference)──▶ active …
//! ```

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::{Store, StoreError};

mod queue;
mod results;
mod statuses;
use crate::ident::Fnr;
use crate::signing::model::{
    AuthenticationLevel, CreatedJob, Document, Flow, IdentifierInSignedDocuments, Job, JobStatus,
    Notifications, OnBehalfOf, SignatureType, Signer, SignerIdentity, SignerRef, SignerStatus,
    StatusChange,
};

/// Where an order is, locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Being sent to the service.
    Sending,
    /// Sent, but the answer was lost: whether the job exists is unknown until a status with
    /// our reference arrives (or the clerk checks the sender portal).
    Uncertain,
    /// Created; signers are at it.
    Active,
    /// Everyone signed.
    Completed,
    /// Ended without every signature (rejected, expired, cancelled, reserved …).
    Failed,
    /// The service refused the order; nothing was created.
    Refused,
}

impl OrderState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Uncertain => "uncertain",
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Refused => "refused",
        }
    }

    fn parse(text: &str) -> Result<Self, StoreError> {
        Ok(match text {
            "sending" => Self::Sending,
            "uncertain" => Self::Uncertain,
            "active" => Self::Active,
            "completed" => Self::Completed,
            "failed" => Self::Failed,
            "refused" => Self::Refused,
            other => {
                return Err(StoreError::Invalid(format!(
                    "signing order state {other:?}"
                )));
            }
        })
    }

    /// Whether the order may still change.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Sending | Self::Uncertain | Self::Active)
    }
}

/// A new order.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// `sandbox`, `test` or `prod`.
    pub environment: String,
    /// The job (its `reference` is the clerk's reference, or `None`; the store adds a unique
    /// suffix so statuses can be matched even if the create answer is lost).
    pub job: Job,
    /// Each signer's name, for lists and the timeline (same order as `job.signers`).
    pub signer_names: Vec<String>,
    /// Send a signed copy to each signer with a fødselsnummer through the outbox.
    pub send_copy: bool,
}

/// One signer of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct OrderSigner {
    /// Position in the order.
    pub position: u32,
    /// `person`, `contact` or `custom`.
    pub kind: String,
    /// The fødselsnummer (person) or the identifier (custom). Kept here only.
    #[serde(skip)]
    pub identifier: Option<String>,
    /// The fødselsnummer masked, or the identifier.
    pub shown_id: Option<String>,
    /// Name.
    pub name: String,
    /// E-mail given by the clerk.
    pub email: Option<String>,
    /// Mobile given by the clerk.
    pub mobile: Option<String>,
    /// Order group.
    pub order_group: Option<u32>,
    /// Signature type (XML value).
    pub signature_type: Option<String>,
    /// `SELF`/`OTHER`.
    pub on_behalf_of: Option<String>,
    /// `lookup`, `lookup_sms`, `explicit`, `none`.
    pub notifications: String,
    /// The service's status (every value kept as written).
    pub status: String,
    /// Since when.
    pub status_since: Option<String>,
    /// Whether the signer's XAdES is stored.
    pub has_xades: bool,
    /// Direct: the signer's one-time redirect URL.
    pub redirect_url: Option<String>,
    /// Direct: the signer's resource.
    #[serde(skip)]
    pub href: Option<String>,
    /// The signer's XAdES URL.
    #[serde(skip)]
    pub xades_url: Option<String>,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SigningOrder {
    /// Local id.
    pub id: String,
    /// Environment.
    pub environment: String,
    /// Portal or direct.
    pub flow: Flow,
    /// Title.
    pub title: String,
    /// Non-sensitive title.
    pub nonsensitive_title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Sender organisation.
    pub sender: String,
    /// Security level.
    pub level: Option<String>,
    /// When the first group's time runs out (portal).
    pub deadline: Option<String>,
    /// The clerk's reference.
    pub reference: Option<String>,
    /// What was sent as `reference`.
    pub service_reference: String,
    /// The polling queue.
    pub polling_queue: Option<String>,
    /// Send signed copies through the outbox.
    pub send_copy: bool,
    /// Local state.
    pub state: OrderState,
    /// The service's job id.
    pub job_id: Option<i64>,
    /// The service's job status.
    pub job_status: Option<String>,
    /// Can be cancelled (portal, while active).
    pub cancellable: bool,
    /// The PAdES is stored.
    pub has_pades: bool,
    /// The service has a PAdES to fetch.
    #[serde(skip)]
    pub pades_url: Option<String>,
    #[serde(skip)]
    /// Where to cancel.
    pub cancellation_url: Option<String>,
    /// Copies were queued in the outbox.
    pub copies_sent: bool,
    /// The last error (English or as the service wrote it: the log and the CLI).
    pub last_error: Option<String>,
    /// The last error, for the UI to say in the clerk's language.
    pub last_problem: Option<crate::problem::Problem>,
    /// Created (local).
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// The signers.
    pub signers: Vec<OrderSigner>,
}

const COLUMNS: &str = "id, environment, flow, title, nonsensitive_title, description, sender, level, deadline, reference, service_reference, polling_queue, send_copy, state, job_id, job_status, cancellation_url, pades_url, pades IS NOT NULL, copies_sent, last_error, created_at, updated_at, last_problem";

fn read_order(row: &Row) -> rusqlite::Result<Result<SigningOrder, StoreError>> {
    let flow: String = row.get(2)?;
    let state: String = row.get(13)?;
    let cancellation_url: Option<String> = row.get(16)?;
    Ok((|| {
        let state = OrderState::parse(&state)?;
        Ok(SigningOrder {
            id: row.get(0)?,
            environment: row.get(1)?,
            flow: Flow::parse(&flow)
                .ok_or_else(|| StoreError::Invalid(format!("signing flow {flow:?}")))?,
            title: row.get(3)?,
            nonsensitive_title: row.get(4)?,
            description: row.get(5)?,
            sender: row.get(6)?,
            level: row.get(7)?,
            deadline: row.get(8)?,
            reference: row.get(9)?,
            service_reference: row.get(10)?,
            polling_queue: row.get(11)?,
            send_copy: row.get::<_, i64>(12)? != 0,
            state,
            job_id: row.get(14)?,
            job_status: row.get(15)?,
            cancellable: state == OrderState::Active && cancellation_url.is_some(),
            cancellation_url,
            pades_url: row.get(17)?,
            has_pades: row.get(18)?,
            copies_sent: row.get::<_, i64>(19)? != 0,
            last_error: row.get(20)?,
            created_at: row.get(21)?,
            updated_at: row.get(22)?,
            last_problem: row
                .get::<_, Option<String>>(23)?
                .as_deref()
                .and_then(crate::problem::Problem::from_json),
            signers: Vec::new(),
        })
    })())
}

const SIGNER_COLUMNS: &str = "position, kind, identifier, name, email, mobile, order_group, signature_type, on_behalf_of, notifications, status, status_since, xades IS NOT NULL, redirect_url, href, xades_url";

fn read_signer(row: &Row) -> rusqlite::Result<OrderSigner> {
    let kind: String = row.get(1)?;
    let identifier: Option<String> = row.get(2)?;
    let shown_id = match (kind.as_str(), &identifier) {
        ("person", Some(id)) => Some(
            Fnr::parse(id)
                .map(|f| f.masked())
                .unwrap_or_else(|_| crate::mask::input(id)),
        ),
        (_, id) => id.clone(),
    };
    Ok(OrderSigner {
        position: row.get(0)?,
        kind,
        identifier,
        shown_id,
        name: row.get(3)?,
        email: row.get(4)?,
        mobile: row.get(5)?,
        order_group: row.get(6)?,
        signature_type: row.get(7)?,
        on_behalf_of: row.get(8)?,
        notifications: row.get(9)?,
        status: row.get(10)?,
        status_since: row.get(11)?,
        has_xades: row.get(12)?,
        redirect_url: row.get(13)?,
        href: row.get(14)?,
        xades_url: row.get(15)?,
    })
}

fn normal_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn normal_mobile(mobile: &str) -> String {
    let digits: String = mobile.chars().filter(|c| !c.is_whitespace()).collect();
    digits
        .strip_prefix("+47")
        .or_else(|| digits.strip_prefix("0047"))
        .unwrap_or(&digits)
        .to_owned()
}

fn signer_matches(signer: &OrderSigner, reference: &SignerRef) -> bool {
    match reference {
        SignerRef::Person(fnr) => {
            signer.kind == "person" && signer.identifier.as_deref() == Some(fnr)
        }
        SignerRef::Custom(id) => {
            (signer.kind == "custom" || signer.kind == "person")
                && signer.identifier.as_deref() == Some(id)
        }
        SignerRef::Contact { email, mobile } => {
            signer.kind == "contact"
                && email.as_deref().is_none_or(|e| {
                    signer.email.as_deref().map(normal_email) == Some(normal_email(e))
                })
                && mobile.as_deref().is_none_or(|m| {
                    signer.mobile.as_deref().map(normal_mobile) == Some(normal_mobile(m))
                })
        }
    }
}

/// The Norwegian words for a signer status, for the timeline.
pub fn signer_status_text(status: &SignerStatus) -> String {
    match status {
        SignerStatus::Waiting => "venter".into(),
        SignerStatus::Signed => "har signert".into(),
        SignerStatus::Rejected => "har avvist".into(),
        SignerStatus::Expired => "signerte ikke innen fristen".into(),
        SignerStatus::Failed => "fikk en feil under signeringen".into(),
        SignerStatus::Cancelled => "oppdraget ble trukket".into(),
        SignerStatus::Reserved => "er reservert mot digital kommunikasjon".into(),
        SignerStatus::ContactInformationMissing => "mangler kontaktinformasjon i KRR".into(),
        SignerStatus::Blocked => "er sperret (feil kode for mange ganger)".into(),
        SignerStatus::SignersNameNotAvailable => "navnet kunne ikke slås opp".into(),
        SignerStatus::NotApplicable => "skal ikke lenger signere".into(),
        SignerStatus::Unknown(v) => format!("har status {v}"),
    }
}

impl Store {
    /// Keeps a new order (state `sending`), with its documents and signers; returns it.
    pub fn create_signing_order(&self, order: NewOrder) -> Result<SigningOrder, StoreError> {
        let now = self.clock.now();
        let id = uuid::Uuid::new_v4().to_string();
        let job = &order.job;
        // The clerk's reference plus a suffix unique to this order (at most 50 characters,
        // no personal data), so statuses can be matched to it even without a job id.
        // Letters only: a run of 11 digits would look like a fødselsnummer to the checks.
        const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
        let suffix: String = uuid::Uuid::new_v4()
            .as_bytes()
            .iter()
            .take(12)
            .map(|b| char::from(LETTERS[usize::from(*b) % LETTERS.len()]))
            .collect();
        let suffix = format!("kp-{suffix}");
        let service_reference = match &job.reference {
            Some(r) if !r.trim().is_empty() => {
                let kept: String = r.trim().chars().take(50 - suffix.len() - 1).collect();
                format!("{kept} {suffix}")
            }
            _ => suffix,
        };
        let deadline = match job.flow {
            Flow::Portal => {
                let start = job.activation_time.unwrap_or(now).max(now);
                let seconds = job.available_seconds.unwrap_or(2_592_000);
                Some(start + chrono::Duration::seconds(seconds as i64))
            }
            Flow::Direct => Some(now + chrono::Duration::days(30)),
        };
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO signing_orders (id, environment, flow, title, nonsensitive_title, description, sender, level, identifier, activation_time, available_seconds, deadline, reference, service_reference, polling_queue, send_copy, state, created_at, updated_at, exit_urls)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 'sending', ?17, ?17, ?18)",
            params![
                id,
                order.environment,
                job.flow.as_str(),
                job.title,
                job.nonsensitive_title,
                job.description,
                job.sender,
                job.required_authentication.map(|l| l.xml()),
                job.identifier_in_signed_documents.map(|i| i.xml()),
                job.activation_time.map(|t| t.to_rfc3339()),
                job.available_seconds.map(|s| s as i64),
                deadline.map(|d| d.to_rfc3339()),
                job.reference,
                service_reference,
                job.polling_queue,
                i64::from(order.send_copy),
                now.to_rfc3339(),
                job.exit_urls
                    .as_ref()
                    .map(|u| serde_json::to_string(u).expect("plain strings serialise")),
            ],
        )?;
        for (position, d) in job.documents.iter().enumerate() {
            tx.execute(
                "INSERT INTO signing_documents (order_id, position, title, file_name, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, position as i64, d.title, d.file_name, d.bytes],
            )?;
        }
        for (position, s) in job.signers.iter().enumerate() {
            let (kind, identifier) = match &s.identity {
                SignerIdentity::Person(fnr) => ("person", Some(fnr.expose().to_owned())),
                SignerIdentity::ContactInformation => ("contact", None),
                SignerIdentity::Custom(c) => ("custom", Some(c.clone())),
            };
            let (notifications, email, mobile) = match &s.notifications {
                Some(Notifications::Lookup { sms: true }) => ("lookup_sms", None, None),
                Some(Notifications::Lookup { sms: false }) => ("lookup", None, None),
                Some(Notifications::Explicit { email, mobile }) => {
                    ("explicit", email.clone(), mobile.clone())
                }
                None => ("none", None, None),
            };
            tx.execute(
                "INSERT INTO signing_signers (order_id, position, kind, identifier, name, email, mobile, order_group, signature_type, on_behalf_of, notifications, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'WAITING')",
                params![
                    id,
                    position as i64,
                    kind,
                    identifier,
                    order.signer_names.get(position).cloned().unwrap_or_default(),
                    email,
                    mobile,
                    s.order.map(i64::from),
                    s.signature_type.map(|t| t.xml()),
                    s.on_behalf_of.map(|b| b.xml()),
                    notifications,
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO signing_events (order_id, at, text) VALUES (?1, ?2, ?3)",
            params![id, now.to_rfc3339(), "Signeringsoppdraget er laget"],
        )?;
        tx.commit()?;
        drop(conn);
        self.signing_order(&id)
    }

    /// One order with its signers.
    pub fn signing_order(&self, id: &str) -> Result<SigningOrder, StoreError> {
        let conn = self.conn();
        let mut order = conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM signing_orders WHERE id = ?1"),
                [id],
                read_order,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("signing order {id}")))??;
        let mut statement = conn.prepare(&format!(
            "SELECT {SIGNER_COLUMNS} FROM signing_signers WHERE order_id = ?1 ORDER BY position"
        ))?;
        order.signers = statement
            .query_map([id], read_signer)?
            .collect::<Result<_, _>>()?;
        Ok(order)
    }

    /// The order of `environment` with the service's job id `job_id` (the newest, if a portal
    /// and a direct job share the number).
    pub fn signing_order_by_job(
        &self,
        environment: &str,
        job_id: i64,
    ) -> Result<Option<SigningOrder>, StoreError> {
        let id: Option<String> = self
            .conn()
            .query_row(
                "SELECT id FROM signing_orders WHERE environment = ?1 AND job_id = ?2 ORDER BY created_at DESC LIMIT 1",
                params![environment, job_id],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| self.signing_order(&id)).transpose()
    }

    /// The newest `limit` orders of `environment` (of any, when `None`), newest first.
    pub fn list_signing_orders(
        &self,
        environment: Option<&str>,
        limit: u32,
    ) -> Result<Vec<SigningOrder>, StoreError> {
        let ids: Vec<String> = {
            let conn = self.conn();
            let mut statement = conn.prepare(
                "SELECT id FROM signing_orders WHERE (?2 IS NULL OR environment = ?2)
                 ORDER BY created_at DESC, rowid DESC LIMIT ?1",
            )?;
            statement
                .query_map(params![i64::from(limit), environment], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        ids.iter().map(|id| self.signing_order(id)).collect()
    }

    /// The job to send for an order (documents and signers as stored).
    pub fn signing_job(&self, id: &str) -> Result<Job, StoreError> {
        let order = self.signing_order(id)?;
        let conn = self.conn();
        let (identifier, activation_time, available_seconds, exit_urls): (
            Option<String>,
            Option<String>,
            Option<i64>,
            Option<String>,
        ) = conn.query_row(
            "SELECT identifier, activation_time, available_seconds, exit_urls FROM signing_orders WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let mut statement = conn.prepare(
            "SELECT title, file_name, bytes FROM signing_documents WHERE order_id = ?1 ORDER BY position",
        )?;
        let documents = statement
            .query_map([id], |r| {
                Ok(Document {
                    title: r.get(0)?,
                    file_name: r.get(1)?,
                    mime: "application/pdf".into(),
                    bytes: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        drop(statement);
        drop(conn);
        let signers = order
            .signers
            .iter()
            .map(|s| {
                let identity = match (s.kind.as_str(), &s.identifier) {
                    ("person", Some(fnr)) => SignerIdentity::Person(
                        Fnr::parse(fnr).map_err(|e| StoreError::Invalid(e.to_string()))?,
                    ),
                    ("custom", Some(c)) => SignerIdentity::Custom(c.clone()),
                    _ => SignerIdentity::ContactInformation,
                };
                Ok(Signer {
                    identity,
                    order: s.order_group.and_then(|g| u8::try_from(g).ok()),
                    signature_type: match s.signature_type.as_deref() {
                        Some("ADVANCED_ELECTRONIC_SIGNATURE") => Some(SignatureType::Advanced),
                        Some("AUTHENTICATED_ELECTRONIC_SIGNATURE") => {
                            Some(SignatureType::Authenticated)
                        }
                        _ => None,
                    },
                    on_behalf_of: match s.on_behalf_of.as_deref() {
                        Some("SELF") => Some(OnBehalfOf::Myself),
                        Some("OTHER") => Some(OnBehalfOf::Other),
                        _ => None,
                    },
                    notifications: match s.notifications.as_str() {
                        "lookup" => Some(Notifications::Lookup { sms: false }),
                        "lookup_sms" => Some(Notifications::Lookup { sms: true }),
                        "explicit" => Some(Notifications::Explicit {
                            email: s.email.clone(),
                            mobile: s.mobile.clone(),
                        }),
                        _ => None,
                    },
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Job {
            flow: order.flow,
            sender: order.sender,
            title: order.title,
            nonsensitive_title: order.nonsensitive_title,
            description: order.description,
            documents,
            signers,
            required_authentication: order.level.as_deref().and_then(AuthenticationLevel::parse),
            activation_time: activation_time
                .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&Utc)),
            available_seconds: available_seconds.map(|s| s as u64),
            identifier_in_signed_documents: match identifier.as_deref() {
                Some("PERSONAL_IDENTIFICATION_NUMBER_AND_NAME") => {
                    Some(IdentifierInSignedDocuments::PersonalIdentificationNumberAndName)
                }
                Some("DATE_OF_BIRTH_AND_NAME") => {
                    Some(IdentifierInSignedDocuments::DateOfBirthAndName)
                }
                Some("NAME") => Some(IdentifierInSignedDocuments::Name),
                _ => None,
            },
            reference: Some(order.service_reference),
            polling_queue: order.polling_queue,
            exit_urls: exit_urls
                .map(|text| serde_json::from_str(&text))
                .transpose()
                .map_err(|e| StoreError::Invalid(format!("exit URLs: {e}")))?,
        })
    }

    /// The order's documents: (title, file name, bytes), in order.
    pub fn signing_documents(
        &self,
        id: &str,
    ) -> Result<Vec<(String, String, Vec<u8>)>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT title, file_name, bytes FROM signing_documents WHERE order_id = ?1 ORDER BY position",
        )?;
        let rows = statement.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn signing_event(
        tx: &rusqlite::Transaction<'_>,
        id: &str,
        at: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO signing_events (order_id, at, text) VALUES (?1, ?2, ?3)",
            params![id, at, text],
        )?;
        Ok(())
    }

    fn update_order(
        &self,
        id: &str,
        set: &str,
        values: &[&dyn rusqlite::ToSql],
        event: &str,
    ) -> Result<(), StoreError> {
        let now = self.clock.now().to_rfc3339();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut all: Vec<&dyn rusqlite::ToSql> = vec![&id, &now];
        all.extend_from_slice(values);
        let changed = tx.execute(
            &format!("UPDATE signing_orders SET {set}, updated_at = ?2 WHERE id = ?1"),
            all.as_slice(),
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("signing order {id}")));
        }
        Self::signing_event(&tx, id, &now, event)?;
        tx.commit()?;
        Ok(())
    }

    /// The service created the job.
    pub fn mark_order_created(&self, id: &str, created: &CreatedJob) -> Result<(), StoreError> {
        let order = self.signing_order(id)?;
        self.update_order(
            id,
            "state = 'active', job_id = ?3, job_status = 'IN_PROGRESS', cancellation_url = ?4, last_error = NULL, last_problem = NULL",
            &[&created.job_id, &created.cancellation_url],
            &format!("Sendt til signeringstjenesten (oppdrag {})", created.job_id),
        )?;
        let conn = self.conn();
        for direct in &created.signers {
            if let Some(s) = order
                .signers
                .iter()
                .find(|s| signer_matches(s, &direct.signer))
            {
                conn.execute(
                    "UPDATE signing_signers SET href = ?3, redirect_url = ?4 WHERE order_id = ?1 AND position = ?2",
                    params![id, s.position, direct.href, direct.redirect_url],
                )?;
            }
        }
        Ok(())
    }

    /// The service refused the order: nothing was created.
    pub fn mark_order_refused(
        &self,
        id: &str,
        reason: &str,
        problem: &crate::problem::Problem,
    ) -> Result<(), StoreError> {
        self.update_order(
            id,
            "state = 'refused', last_error = ?3, last_problem = ?4",
            &[&reason, &problem.to_json()],
            &format!("Avvist av signeringstjenesten: {reason}"),
        )
    }

    /// The create request got no answer: the job may or may not exist.
    pub fn mark_order_uncertain(
        &self,
        id: &str,
        reason: &str,
        problem: &crate::problem::Problem,
    ) -> Result<(), StoreError> {
        self.update_order(
            id,
            "state = 'uncertain', last_error = ?3, last_problem = ?4",
            &[&reason, &problem.to_json()],
            &format!("Usikkert om oppdraget kom fram: {reason}"),
        )
    }

    /// Orders left `sending` by a process that stopped mid-create become `uncertain`: the
    /// job may or may not exist, and a status carrying our reference settles it. Called by the
    /// process that takes the worker lock. Returns how many.
    pub fn settle_interrupted_signing_orders(&self) -> Result<usize, StoreError> {
        let now = self.clock.now().to_rfc3339();
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let ids: Vec<String> = {
            let mut statement =
                tx.prepare("SELECT id FROM signing_orders WHERE state = 'sending'")?;
            let rows = statement.query_map([], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let reason = "the program stopped while the order was being sent";
        for id in &ids {
            tx.execute(
                "UPDATE signing_orders SET state = 'uncertain', last_error = ?3, last_problem = ?4, updated_at = ?2 WHERE id = ?1 AND state = 'sending'",
                params![
                    id,
                    now,
                    reason,
                    crate::problem::Problem::new(crate::problem::ProblemKey::SigningInterrupted)
                        .to_json()
                ],
            )?;
            Self::signing_event(
                &tx,
                id,
                &now,
                &format!("Usikkert om oppdraget kom fram: {reason}"),
            )?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    /// Records an error that changes nothing else (e.g. a failed download, retried).
    pub fn note_order_error(
        &self,
        id: &str,
        reason: &str,
        problem: &crate::problem::Problem,
    ) -> Result<(), StoreError> {
        self.update_order(
            id,
            "last_error = ?3, last_problem = ?4",
            &[&reason, &problem.to_json()],
            reason,
        )
    }

    /// The order's timeline: (time, what), oldest first.
    pub fn signing_events(&self, id: &str) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT at, text FROM signing_events WHERE order_id = ?1 ORDER BY at, rowid",
        )?;
        let rows = statement.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The order was cancelled by the clerk (the status that follows makes it final).
    pub fn note_order_cancelled(&self, id: &str) -> Result<(), StoreError> {
        self.update_order(
            id,
            "cancellation_url = NULL",
            &[],
            "Trukket av saksbehandler",
        )
    }
}
