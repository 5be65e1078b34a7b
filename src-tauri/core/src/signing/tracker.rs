//! Orders between the store and the service: sending an order, polling its queues (never
//! before the permitted time, which is kept in the store across restarts), storing each
//! status and the signed results, and only then confirming the status — a status that was
//! not stored is never confirmed, so the service offers it again after its re-queue time.

use crate::problem::Explain;
use std::sync::Arc;

use super::client::{Poll, SigningClient};
use super::error::SigningError;
use super::model::{Flow, SignerStatus, StatusChange};
use crate::mask::text as mask_text;
use crate::store::{LetterKind, NewLetter, OrderState, SigningOrder, Store, StoreError};

/// What went wrong while tracking.
#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    /// The service.
    #[error(transparent)]
    Service(#[from] SigningError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something about the order itself.
    #[error("{0}")]
    Order(String),
}

impl TrackError {
    /// A stable code for the UI and CLI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Service(e) => e.code(),
            Self::Store(_) => "store",
            Self::Order(_) => "signing_order",
        }
    }
}

/// What a round of polling did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RoundReport {
    /// Statuses received and stored.
    pub statuses: usize,
    /// Orders that changed.
    pub changed: Vec<String>,
    /// Orders that finished in this round.
    pub finished: Vec<String>,
    /// Problems that will be retried (downloads, confirmations).
    pub problems: Vec<String>,
}

/// Sends and tracks the orders of one environment.
#[derive(Debug, Clone)]
pub struct SigningTracker {
    client: Arc<SigningClient>,
    store: Arc<Store>,
    environment: String,
}

/// Statuses taken from one queue in one round at most (the queue may be polled again at
/// once after a change; this keeps one round short).
const STATUSES_PER_ROUND: usize = 50;

impl SigningTracker {
    /// A tracker for `environment` (`sandbox`, `test`, `prod`).
    pub fn new(client: Arc<SigningClient>, store: Arc<Store>, environment: &str) -> Self {
        Self {
            client,
            store,
            environment: environment.to_owned(),
        }
    }

    /// The client.
    pub fn client(&self) -> &SigningClient {
        &self.client
    }

    /// The order, if it belongs to this tracker's environment.
    fn order_here(&self, order_id: &str) -> Result<SigningOrder, TrackError> {
        let order = self.store.signing_order(order_id)?;
        if order.environment != self.environment {
            return Err(TrackError::Order(format!(
                "the order belongs to the {} environment",
                order.environment
            )));
        }
        Ok(order)
    }

    /// Creates a signing order, once for app and CLI: every signer's number passes the one
    /// gate ([`crate::gate`]) first; the order is kept in the store (state `sending`, so a crash
    /// from here on leaves it to be settled, never sent twice); the audit log records that
    /// fødselsnumre go to the service (purpose "Signering: <title>"); then it is sent. The
    /// order is kept even when sending fails; the error says why.
    pub async fn create_order(
        &self,
        job: crate::signing::Job,
        signer_names: Vec<String>,
        send_copy: bool,
        actor: &str,
    ) -> Result<SigningOrder, TrackError> {
        let environment = crate::config::Environment::parse(&self.environment)
            .map_err(|e| TrackError::Order(e.to_string()))?;
        let mut people = 0u32;
        for signer in &job.signers {
            if let crate::signing::model::SignerIdentity::Person(fnr) = &signer.identity {
                crate::gate::check_person(fnr, environment, crate::gate::Destination::Signing)
                    .map_err(|refused| {
                        TrackError::Order(format!("signer {}: {refused}", fnr.masked()))
                    })?;
                people += 1;
            }
        }
        let title = job.title.trim().to_owned();
        let order = self.store.create_signing_order(crate::store::NewOrder {
            environment: self.environment.clone(),
            job,
            signer_names,
            send_copy,
        })?;
        self.store.append_audit(&crate::store::NewAuditEntry {
            actor: actor.to_owned(),
            action: "signing_order".into(),
            environment: self.environment.clone(),
            count: people,
            purpose: Some(mask_text(&format!("Signering: {title}"))),
        })?;
        self.send(&order.id).await
    }

    /// Sends a stored order (state `sending`). A refusal, or a service that could not be
    /// reached, leaves it `refused` (nothing was created); an answer that never came or broke
    /// off leaves it `uncertain` (never sent again: a status carrying our reference settles
    /// it).
    pub async fn send(&self, order_id: &str) -> Result<SigningOrder, TrackError> {
        let order = self.order_here(order_id)?;
        if order.state != OrderState::Sending {
            return Err(TrackError::Order("the order has been sent already".into()));
        }
        let job = self.store.signing_job(order_id)?;
        match self.client.create(&job).await {
            Ok(created) => {
                self.store.mark_order_created(order_id, &created)?;
                Ok(self.store.signing_order(order_id)?)
            }
            Err(error) if error.outcome_unknown() => {
                self.store.mark_order_uncertain(
                    order_id,
                    &mask_text(&error.to_string()),
                    &error.problem(),
                )?;
                Err(error.into())
            }
            Err(error) => {
                self.store.mark_order_refused(
                    order_id,
                    &mask_text(&error.to_string()),
                    &error.problem(),
                )?;
                Err(error.into())
            }
        }
    }

    /// Cancels an active portal order. 409 (too late) comes back as
    /// [`SigningError::TooLateToCancel`]; the final status arrives through the queue.
    pub async fn cancel(&self, order_id: &str) -> Result<(), TrackError> {
        let order = self.order_here(order_id)?;
        let url = order
            .cancellation_url
            .filter(|_| order.state == OrderState::Active)
            .ok_or_else(|| {
                TrackError::Order(match order.state {
                    OrderState::Completed | OrderState::Failed | OrderState::Refused => {
                        "the order is finished and cannot be cancelled".into()
                    }
                    _ => "the order is not at the signing service yet, so it cannot be cancelled"
                        .into(),
                })
            })?;
        self.client.cancel(&url).await?;
        self.store.note_order_cancelled(order_id)?;
        Ok(())
    }

    /// Direct flow: a fresh one-time link for a waiting signer (a link works once).
    pub async fn signer_link(&self, order_id: &str, position: u32) -> Result<String, TrackError> {
        let order = self.order_here(order_id)?;
        let signer = order
            .signers
            .iter()
            .find(|s| s.position == position)
            .ok_or_else(|| TrackError::Order("no such signer".into()))?;
        let href = signer
            .href
            .clone()
            .filter(|_| order.state == OrderState::Active && signer.status == "WAITING")
            .ok_or_else(|| TrackError::Order("this signer has no signing link to renew".into()))?;
        let fresh = self.client.new_redirect_url(&href).await?;
        self.store
            .set_signer_redirect(order_id, position, &fresh.redirect_url)?;
        Ok(fresh.redirect_url)
    }

    /// Fetches the signed results now: the PAdES (with the signatures so far, when at least
    /// one signer has signed) and every signer's XAdES.
    pub async fn download(&self, order_id: &str) -> Result<SigningOrder, TrackError> {
        let order = self.order_here(order_id)?;
        if order.pades_url.is_none() && order.signers.iter().all(|s| s.xades_url.is_none()) {
            return Err(TrackError::Order("nobody has signed yet".into()));
        }
        self.fetch_results(&order).await?;
        Ok(self.store.signing_order(order_id)?)
    }

    async fn fetch_results(&self, order: &SigningOrder) -> Result<(), TrackError> {
        if let Some(url) = &order.pades_url {
            let pdf = self.client.download_pades(url).await?;
            if !pdf.starts_with(b"%PDF-") {
                return Err(TrackError::Order("the PAdES is not a PDF".into()));
            }
            self.store.store_pades(&order.id, &pdf)?;
        }
        for signer in &order.signers {
            if let Some(url) = &signer.xades_url
                && !signer.has_xades
            {
                let xml = self.client.download_xades(url).await?;
                self.store.store_xades(&order.id, signer.position, &xml)?;
            }
        }
        Ok(())
    }

    /// One round: every queue with open orders is polled as long as it has statuses and the
    /// service permits; finished orders missing results get them.
    pub async fn round(&self) -> Result<RoundReport, TrackError> {
        let mut report = RoundReport::default();
        for (flow, queue) in self.store.signing_queues_to_poll(&self.environment)? {
            self.poll_queue(flow, queue.as_deref(), &mut report).await?;
        }
        for id in self
            .store
            .signing_orders_missing_results(&self.environment)?
        {
            let order = self.store.signing_order(&id)?;
            if let Err(error) = self.fetch_results(&order).await {
                report
                    .problems
                    .push(format!("{id}: {}", mask_text(&error.to_string())));
            }
        }
        Ok(report)
    }

    async fn poll_queue(
        &self,
        flow: Flow,
        queue: Option<&str>,
        report: &mut RoundReport,
    ) -> Result<(), TrackError> {
        if let Some(at) = self
            .store
            .signing_next_poll(&self.environment, flow, queue)?
        {
            self.client
                .remember_next_permitted_poll(flow, queue, at)
                .await;
        }
        for _ in 0..STATUSES_PER_ROUND {
            let polled = match self.client.poll(flow, queue).await {
                Ok(polled) => polled,
                Err(SigningError::PollTooEarly(_)) => return Ok(()),
                Err(error) => return Err(error.into()),
            };
            self.store.set_signing_next_poll(
                &self.environment,
                flow,
                queue,
                polled.next_permitted,
            )?;
            let Poll::Changed(change) = polled.poll else {
                return Ok(());
            };
            report.statuses += 1;
            self.handle(change, report).await?;
        }
        Ok(())
    }

    async fn handle(
        &self,
        change: StatusChange,
        report: &mut RoundReport,
    ) -> Result<(), TrackError> {
        let Some(id) = self.store.order_for_status(&self.environment, &change)? else {
            // Not an order in this store (another installation or system on the same queue):
            // nothing to keep, and not confirmed — its owner must still get it. The service
            // offers it again after its re-queue time.
            tracing::warn!(
                job = change.job_id,
                "a status for a job this store does not know; left unconfirmed"
            );
            report
                .problems
                .push(format!("job {}: not an order in this store", change.job_id));
            return Ok(());
        };
        let before = self.store.signing_order(&id)?;
        if self.store.record_signing_status(&id, &change)? {
            report.changed.push(id.clone());
        }
        let order = self.store.signing_order(&id)?;
        if change.status.is_final() {
            if before.state.is_open() {
                report.finished.push(id.clone());
            }
            // The results first: a status is confirmed only once everything is stored.
            if let Err(error) = self.fetch_results(&order).await {
                let text = format!(
                    "Kunne ikke hente de signerte dokumentene ennå: {}",
                    mask_text(&error.to_string())
                );
                self.store.note_order_error(&id, &text, &error.problem())?;
                report.problems.push(text);
                return Ok(());
            }
        }
        if let Some(url) = &change.confirmation_url
            && let Err(error) = self.client.confirm(url).await
        {
            report
                .problems
                .push(format!("{id}: confirm: {}", mask_text(&error.to_string())));
        }
        Ok(())
    }
}

/// Queues a signed copy of a completed order to every signer named by fødselsnummer who
/// signed on their own behalf, digital delivery only (they signed digitally, so they are
/// reachable), through the dispatch outbox. Returns how many were queued.
///
/// The service itself forwards the signed document to such signers' mailboxes (§10.5), so
/// this is an option the clerk chooses per order (off by default): for a copy that also goes
/// through the municipality's own dispatch and archive trail.
pub fn queue_signed_copies(
    store: &Store,
    order_id: &str,
    hold: chrono::Duration,
) -> Result<usize, StoreError> {
    use crate::svarut::model::{Adresse, Dokument, Forsendelse};
    let order = store.signing_order(order_id)?;
    if order.state != OrderState::Completed || !order.send_copy || order.copies_sent {
        return Ok(0);
    }
    let Some(pdf) = store.signing_pades(order_id)? else {
        return Ok(0);
    };
    let pages = crate::letters::pdf::guard::load(&pdf)
        .ok()
        .and_then(|d| crate::letters::pdf::guard::pages(&d).ok())
        .map_or(1, |p| u32::try_from(p.len()).unwrap_or(u32::MAX));
    let mut letters = Vec::new();
    for signer in &order.signers {
        let (Some(digits), "person") = (&signer.identifier, signer.kind.as_str()) else {
            continue;
        };
        // Kept as parsed when the order was made; a number that no longer parses gets no copy.
        let Ok(identifier @ crate::ident::Identifier::Person(_)) =
            crate::ident::Identifier::parse(digits)
        else {
            continue;
        };
        if signer.status != SignerStatus::Signed.as_str()
            || signer.on_behalf_of.as_deref() == Some("OTHER")
        {
            continue;
        }
        // An order signed at level 4 (a sensitive letter) sends its copies the same way:
        // level 4, encrypted, and titled without personal data.
        let sensitive = order.level.as_deref() == Some("4");
        let title = match (&order.nonsensitive_title, sensitive) {
            (Some(public), true) if !public.trim().is_empty() => public.trim().to_owned(),
            (_, true) => crate::signing::order::SENSITIVE_NOTIFICATION_TITLE.to_owned(),
            _ => order.title.clone(),
        };
        letters.push(NewLetter {
            mailing_id: None,
            recipient_name: signer.name.clone(),
            recipient_id: Some(identifier.clone()),
            forsendelse: Forsendelse {
                tittel: format!("Signert: {title}"),
                krev_niva4_innlogging: sensitive,
                kryptert: sensitive,
                mottaker: Adresse {
                    navn: signer.name.clone(),
                    digital_id: Some(identifier.expose()),
                    ..Adresse::default()
                },
                avgivende_system: Some("Kommunepost".into()),
                kun_digital_levering: true,
                dokumenter: vec![Dokument {
                    filnavn: "signert.pdf".into(),
                    mime_type: "application/pdf".into(),
                    ..Dokument::default()
                }],
                ..Forsendelse::default()
            },
            documents: vec![pdf.clone()],
            hold,
            kind: LetterKind::Ordinary,
            pages,
            environment: order.environment.clone(),
            // The signed order has its own archive package; the copy is filed with the
            // settings' case metadata.
            case: None,
            title: Some(format!("Signert: {}", order.title)),
        });
    }
    store.enqueue_signed_copies(order_id, letters)
}
