//! Signering in the app: the signing client of the current environment, an order from the
//! form (documents from Brev or imported PDFs, through the same preflight), the summary
//! before sending, sending, the order list and detail, cancelling, the documents and signed
//! results for the in-app viewer and export, and the background tracker. What crosses to the
//! UI is masked (`010180 *****`); documents and signed results stay in the encrypted store
//! unless the clerk exports them.

use kommunepost_core::problem::{Problem, ProblemKey};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use kommunepost_core::background::{self, RoundReport};
use kommunepost_core::config::Environment;
use kommunepost_core::lookup::os_user;
use kommunepost_core::signing::model::{AuthenticationLevel, Flow};
use kommunepost_core::signing::order::{Deadline, DocumentInput, OrderInput, SignerInput};
use kommunepost_core::signing::{SigningClient, SigningError, SigningTracker, TrackError};
use kommunepost_core::store::{OrderState, SigningOrder};
use serde::{Deserialize, Serialize};

use crate::error::{CommandError, ErrorCode};
use crate::state::AppState;

/// Where a document of an order comes from.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SigningDocumentSource {
    /// A letter saved in Brev (a single letter, rendered exactly as it would be sent).
    Draft {
        /// The draft's id.
        id: String,
    },
    /// An imported PDF.
    File {
        /// The title.
        title: String,
        /// The PDF.
        bytes: Vec<u8>,
    },
}

/// The order form.
#[derive(Debug, Clone, Deserialize, specta::Type)]
pub struct SigningForm {
    /// Portal or direct.
    pub flow: Flow,
    /// Title (may hold personal data; shown to the signers after login).
    pub title: String,
    /// Portal: title without personal data (notifications, level-3 view).
    pub nonsensitive_title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Documents, in order.
    pub documents: Vec<SigningDocumentSource>,
    /// Signers, in order.
    pub signers: Vec<SignerInput>,
    /// Security level.
    pub level: AuthenticationLevel,
    /// Portal: the deadline.
    pub deadline: Option<Deadline>,
    /// Our reference (no personal data).
    pub reference: Option<String>,
    /// Direct: where the signer returns.
    pub exit_url: Option<String>,
    /// Send a signed copy to each citizen signer's digital mailbox.
    pub send_copy: bool,
    /// Portal: the day the order starts (08:00 local time); now when `None`.
    pub activation_date: Option<chrono::NaiveDate>,
    /// What identifies the signers in the signed documents.
    pub identifier: Option<kommunepost_core::signing::model::IdentifierInSignedDocuments>,
}

pub use kommunepost_core::signing::summary::{SigningSummary, SummaryDocument, SummarySigner};

/// An order with its timeline, for the detail page.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SigningDetail {
    /// The order.
    pub order: SigningOrder,
    /// What happened, oldest first: (time, text).
    pub events: Vec<TimelineItem>,
    /// The documents' titles, in order.
    pub documents: Vec<String>,
    /// The deadline is within the reminder time.
    pub deadline_near: bool,
    /// Sandbox: the signing page where signers sign by hand.
    pub signing_page: Option<String>,
}

/// One event.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct TimelineItem {
    /// When.
    pub at: String,
    /// What.
    pub text: String,
}

/// A PDF for the viewer.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct SigningPdf {
    /// Title.
    pub title: String,
    /// The PDF, base64.
    pub pdf_base64: String,
}

impl From<TrackError> for CommandError {
    fn from(error: TrackError) -> Self {
        let code = match &error {
            TrackError::Store(e) => return CommandError::from(clone_store_error(e)),
            TrackError::Order(_) => ErrorCode::SigningNotPossible,
            TrackError::Service(e) => signing_code(e),
        };
        CommandError::explained(code, &error)
    }
}

fn clone_store_error(
    error: &kommunepost_core::store::StoreError,
) -> kommunepost_core::store::StoreError {
    kommunepost_core::store::StoreError::Invalid(error.to_string())
}

fn signing_code(error: &SigningError) -> ErrorCode {
    match error {
        SigningError::Job(_) => ErrorCode::InvalidSigningOrder,
        SigningError::Config(_) => ErrorCode::NoCredentials,
        SigningError::ServerIdentity(_) => ErrorCode::UntrustedServer,
        SigningError::TooLateToCancel => ErrorCode::SigningNotPossible,
        SigningError::Refused { .. } | SigningError::Http { .. } => ErrorCode::ServiceRefused,
        _ => ErrorCode::ServiceUnavailable,
    }
}

impl From<SigningError> for CommandError {
    fn from(error: SigningError) -> Self {
        CommandError::explained(signing_code(&error), &error)
    }
}

impl AppState {
    /// The signing client of the current environment (built once; the sandbox's own, or the
    /// enterprise certificate from the OS credential store with the settings' CA bundle).
    pub async fn signing_client(&self) -> Result<(Environment, Arc<SigningClient>), CommandError> {
        let environment = self.settings().environment;
        let mut cached = self.signing.lock().await;
        if let Some((env, client)) = cached.as_ref()
            && *env == environment
        {
            return Ok((*env, client.clone()));
        }
        let client = Arc::new(self.with_services(environment, |s| s.signing()).await?);
        *cached = Some((environment, client.clone()));
        Ok((environment, client))
    }

    /// The polling queue for new orders (core's rule: the settings' name, else the store's).
    fn polling_queue(&self) -> Result<String, CommandError> {
        Ok(kommunepost_core::signing::summary::polling_queue(
            &self.settings().signing.polling_queue,
            &*self.session().store()?,
        )?)
    }

    fn tracker(
        &self,
        environment: Environment,
        client: Arc<SigningClient>,
    ) -> Result<SigningTracker, CommandError> {
        Ok(SigningTracker::new(
            client,
            self.session().store()?,
            environment.as_str(),
        ))
    }

    fn signing_input(&self, form: &SigningForm) -> Result<OrderInput, CommandError> {
        let mut documents = Vec::new();
        // A sensitive letter among the documents, with its public title if it has one.
        let mut sensitive: Option<Option<String>> = None;
        for source in &form.documents {
            documents.push(match source {
                SigningDocumentSource::File { title, bytes } => DocumentInput {
                    title: title.clone(),
                    bytes: bytes.clone(),
                },
                SigningDocumentSource::Draft { id } => {
                    let draft = self.session().store()?.get_draft(id)?;
                    if draft.letter.sensitive {
                        let public = draft.letter.case.public_title.trim();
                        sensitive = Some(Some(public.to_owned()).filter(|p| !p.is_empty()));
                    }
                    if draft.kind != kommunepost_core::store::DraftKind::Letter {
                        return Err(CommandError::new(
                            ErrorCode::InvalidSigningOrder,
                            format!(
                                "«{}» is a mass mailing; choose a single letter",
                                draft.title
                            ),
                        )
                        .with_detail(
                            Problem::new(ProblemKey::SigningNeedsSingleLetter)
                                .with("title", &draft.title),
                        ));
                    }
                    let preview = crate::commands::letter_preview::render_preview(
                        self,
                        crate::commands::letters::DraftForm::from(draft),
                        None,
                    )?;
                    DocumentInput {
                        title: preview.title,
                        bytes: STANDARD
                            .decode(preview.pdf_base64)
                            .map_err(|e| CommandError::new(ErrorCode::Internal, e))?,
                    }
                }
            });
        }
        let mut input = OrderInput {
            flow: form.flow,
            title: form.title.clone(),
            nonsensitive_title: form.nonsensitive_title.clone(),
            description: form.description.clone(),
            documents,
            signers: form.signers.clone(),
            level: form.level,
            deadline: form.deadline,
            reference: form.reference.clone(),
            exit_url: form.exit_url.clone(),
            // 08:00 Norwegian time on the chosen day.
            activation: form
                .activation_date
                .map(|date| kommunepost_core::norway::at(date, 8, 0)),
            identifier: form.identifier,
        };
        if let Some(public_title) = sensitive {
            input.make_sensitive(public_title.as_deref());
        }
        Ok(input)
    }

    /// The job the form describes, for the current environment's sender and queue, with the
    /// signers' names; and the client to send it with.
    async fn job_for(
        &self,
        form: &SigningForm,
    ) -> Result<
        (
            Environment,
            Arc<SigningClient>,
            kommunepost_core::signing::Job,
            Vec<String>,
        ),
        CommandError,
    > {
        let input = self.signing_input(form)?;
        let (environment, client) = self.signing_client().await?;
        let (job, names) = input
            .to_job(client.sender(), &self.polling_queue()?, self.clock().now())
            .map_err(|e| CommandError::explained(ErrorCode::InvalidSigningOrder, &e))?;
        Ok((environment, client, job, names))
    }

    /// What would be sent: every document through the preflight, the signers and how they
    /// are notified, the deadline (core's summary). Nothing leaves.
    pub async fn signing_summary(
        &self,
        form: &SigningForm,
    ) -> Result<SigningSummary, CommandError> {
        let (environment, _client, job, names) = self.job_for(form).await?;
        kommunepost_core::signing::summary::summarise(&job, &names, environment, self.clock().now())
            .map_err(|e| CommandError::explained(ErrorCode::InvalidAttachment, &e))
    }

    /// Keeps the order in the store (audited: fødselsnumre go to the service) and sends it.
    /// The order is kept even when sending fails; the error says why.
    pub async fn create_signing_order(
        &self,
        form: &SigningForm,
    ) -> Result<SigningOrder, CommandError> {
        let (environment, client, job, names) = self.job_for(form).await?;
        Ok(self
            .tracker(environment, client)?
            .create_order(job, names, form.send_copy, &os_user())
            .await?)
    }

    /// The order with its timeline.
    pub async fn signing_detail(&self, id: &str) -> Result<SigningDetail, CommandError> {
        let store = self.session().store()?;
        let order = store.signing_order(id)?;
        let events = store
            .signing_events(id)?
            .into_iter()
            .map(|(at, text)| TimelineItem { at, text })
            .collect();
        let documents = store
            .signing_documents(id)?
            .into_iter()
            .map(|(title, _, _)| title)
            .collect();
        let reminder = chrono::Duration::hours(i64::from(self.settings().signing.reminder_hours));
        let deadline_near = order.state == OrderState::Active
            && order
                .deadline
                .as_deref()
                .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                .is_some_and(|d| d.with_timezone(&Utc) <= self.clock().now() + reminder);
        let signing_page = if order.environment == "sandbox" {
            self.sandbox_signing_page().await
        } else {
            None
        };
        Ok(SigningDetail {
            order,
            events,
            documents,
            deadline_near,
            signing_page,
        })
    }

    /// Cancels an active portal order.
    pub async fn cancel_signing_order(&self, id: &str) -> Result<SigningOrder, CommandError> {
        let (environment, client) = self.signing_client().await?;
        self.tracker(environment, client)?.cancel(id).await?;
        Ok(self.session().store()?.signing_order(id)?)
    }

    /// A fresh one-time signing link for a direct order's waiting signer.
    pub async fn signer_link(&self, id: &str, position: u32) -> Result<String, CommandError> {
        let (environment, client) = self.signing_client().await?;
        Ok(self
            .tracker(environment, client)?
            .signer_link(id, position)
            .await?)
    }

    /// Fetches the signed results now (also a partial PAdES once someone signed).
    pub async fn download_signed(&self, id: &str) -> Result<SigningOrder, CommandError> {
        let (environment, client) = self.signing_client().await?;
        Ok(self.tracker(environment, client)?.download(id).await?)
    }

    /// An order's document `index`, for the read-only preview.
    pub fn signing_document(&self, id: &str, index: u32) -> Result<SigningPdf, CommandError> {
        let documents = self.session().store()?.signing_documents(id)?;
        let (title, _, bytes) = documents
            .into_iter()
            .nth(index as usize)
            .ok_or_else(|| CommandError::new(ErrorCode::Internal, "no such document"))?;
        Ok(SigningPdf {
            title,
            pdf_base64: STANDARD.encode(bytes),
        })
    }

    /// The signed PDF (PAdES), for the viewer.
    pub fn signed_pdf(&self, id: &str) -> Result<SigningPdf, CommandError> {
        let store = self.session().store()?;
        let order = store.signing_order(id)?;
        let pdf = store.signing_pades(id)?.ok_or_else(|| {
            CommandError::new(
                ErrorCode::SigningNotPossible,
                "the signed document is not stored yet",
            )
            .with_detail(Problem::new(ProblemKey::SigningNotCompleted))
        })?;
        Ok(SigningPdf {
            title: order.title,
            pdf_base64: STANDARD.encode(pdf),
        })
    }

    /// Writes the signed PDF and each signer's XAdES to Downloads (the clerk asked to);
    /// returns the paths.
    pub fn export_signed(&self, id: &str) -> Result<Vec<String>, CommandError> {
        let store = self.session().store()?;
        let order = store.signing_order(id)?;
        let pdf = store.signing_pades(id)?.ok_or_else(|| {
            CommandError::new(
                ErrorCode::SigningNotPossible,
                "the signed document is not stored yet",
            )
            .with_detail(Problem::new(ProblemKey::SigningNotCompleted))
        })?;
        let stem = kommunepost_core::signing::model::file_name_for(0, &order.title, "pdf")
            .trim_start_matches("0000_")
            .trim_end_matches(".pdf")
            .to_owned();
        let stamp = kommunepost_core::norway::local(self.clock().now()).format("%Y-%m-%d-%H%M");
        let mut written = Vec::new();
        let mut write = |name: String, bytes: &[u8]| {
            let path = kommunepost_core::paths::export_file(&self.paths().export_dir, &name, bytes)
                .map_err(|e| {
                    CommandError::new(ErrorCode::Internal, format!("writing {name}: {e}"))
                        .with_detail(Problem::new(ProblemKey::FileWriteFailed).with("name", &name))
                })?;
            written.push(path.display().to_string());
            Ok::<_, CommandError>(())
        };
        write(format!("signert-{stem}-{stamp}.pdf"), &pdf)?;
        for s in &order.signers {
            if let Some(xades) = store.signing_xades(id, s.position)? {
                write(
                    format!("signert-{stem}-{stamp}-xades-{}.xml", s.position + 1),
                    &xades,
                )?;
            }
        }
        Ok(written)
    }

    /// One background round of signing orders (core's, once for app and CLI). Only the holder
    /// of the store's worker lock calls this.
    pub async fn signing_round(&self) -> Result<RoundReport, CommandError> {
        let store = self.session().store()?;
        let environment = self.settings().environment;
        if !background::signing_work(&store, environment.as_str())? {
            return Ok(RoundReport::default());
        }
        if environment == Environment::Sandbox {
            // The sandbox starts when first needed; orders made in an earlier sandbox cannot
            // be followed in this one and are closed before it is asked.
            self.ensure_sandbox().await?;
            if let Some(started) = self.sandbox_started().await {
                store.close_earlier_sandbox_orders(started)?;
            }
            if !background::signing_work(&store, environment.as_str())? {
                return Ok(RoundReport::default());
            }
        }
        drop(store);
        let (environment, client) = self.signing_client().await?;
        let tracker = self.tracker(environment, client)?;
        let store = self.session().store()?;
        let hold = chrono::Duration::minutes(i64::from(self.settings().dispatch.hold_minutes));
        Ok(background::signing_round(&tracker, &store, environment.as_str(), hold).await?)
    }
}
