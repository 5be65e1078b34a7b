//! Statuses from the signing service's queue, matched to their orders and signers.

use super::*;

impl Store {
    /// The order a status belongs to: by job id, or (an order whose create answer was lost)
    /// by the reference we sent.
    pub fn order_for_status(
        &self,
        environment: &str,
        change: &StatusChange,
    ) -> Result<Option<String>, StoreError> {
        let conn = self.conn();
        let by_job: Option<String> = conn
            .query_row(
                "SELECT id FROM signing_orders WHERE environment = ?1 AND flow = ?2 AND job_id = ?3",
                params![environment, change.flow.as_str(), change.job_id],
                |r| r.get(0),
            )
            .optional()?;
        if by_job.is_some() {
            return Ok(by_job);
        }
        let Some(reference) = &change.reference else {
            return Ok(None);
        };
        let id: Option<String> = conn
            .query_row(
                "SELECT id FROM signing_orders WHERE environment = ?1 AND service_reference = ?2 AND job_id IS NULL AND state IN ('sending', 'uncertain')",
                params![environment, reference],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(id) = &id {
            conn.execute(
                "UPDATE signing_orders SET job_id = ?2, state = 'active', last_error = NULL, last_problem = NULL WHERE id = ?1",
                params![id, change.job_id],
            )?;
        }
        Ok(id)
    }

    /// Stores a status of the order's job (one transaction; an event per change). Returns
    /// whether anything changed.
    pub fn record_signing_status(
        &self,
        id: &str,
        change: &StatusChange,
    ) -> Result<bool, StoreError> {
        let order = self.signing_order(id)?;
        let now = self.clock.now().to_rfc3339();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut changed = false;
        let mut used = Vec::new();
        for status in &change.signatures {
            let signer = order
                .signers
                .iter()
                .find(|s| !used.contains(&s.position) && signer_matches(s, &status.signer))
                .or_else(|| {
                    // A contact signer the service names differently (UNCONFIRMED how it
                    // writes numbers back): the next contact signer not yet matched, in order.
                    matches!(status.signer, SignerRef::Contact { .. })
                        .then(|| {
                            order
                                .signers
                                .iter()
                                .find(|s| s.kind == "contact" && !used.contains(&s.position))
                        })
                        .flatten()
                });
            let Some(signer) = signer else {
                tracing::warn!(
                    order = id,
                    "a status names a signer the order does not have"
                );
                continue;
            };
            used.push(signer.position);
            // In UTC like every other time here, so the timeline sorts as text.
            let since = status.since.with_timezone(&Utc).to_rfc3339();
            if !order.state.is_open() {
                // A finished order's signers keep their statuses; only a result URL is added.
                tx.execute(
                    "UPDATE signing_signers SET xades_url = COALESCE(xades_url, ?3) WHERE order_id = ?1 AND position = ?2",
                    params![id, signer.position, status.xades_url],
                )?;
                continue;
            }
            if signer.status != status.status.as_str() || signer.xades_url != status.xades_url {
                tx.execute(
                    "UPDATE signing_signers SET status = ?3, status_since = ?4, xades_url = COALESCE(?5, xades_url) WHERE order_id = ?1 AND position = ?2",
                    params![id, signer.position, status.status.as_str(), since, status.xades_url],
                )?;
                if signer.status != status.status.as_str() {
                    Self::signing_event(
                        &tx,
                        id,
                        &since,
                        &format!("{} {}", signer.name, signer_status_text(&status.status)),
                    )?;
                }
                changed = true;
            }
        }
        let state = match (&change.status, order.state) {
            // A finished order stays finished, whatever arrives late.
            (_, OrderState::Completed | OrderState::Failed) => order.state,
            (JobStatus::CompletedSuccessfully, _) => OrderState::Completed,
            (JobStatus::Failed, _) => OrderState::Failed,
            _ => OrderState::Active,
        };
        if order.state.is_open()
            && (order.job_status.as_deref() != Some(change.status.as_str()) || order.state != state)
        {
            let text = match state {
                OrderState::Completed => "Alle har signert".to_owned(),
                OrderState::Failed => "Oppdraget ble avsluttet uten alle signaturer".to_owned(),
                _ => format!("Status: {}", change.status.as_str()),
            };
            Self::signing_event(&tx, id, &now, &text)?;
            changed = true;
        }
        tx.execute(
            "UPDATE signing_orders SET state = ?2, job_status = ?3, confirmation_url = ?4, cancellation_url = CASE WHEN ?2 = 'active' THEN cancellation_url ELSE NULL END, delete_documents_url = ?5, pades_url = COALESCE(?6, pades_url), updated_at = ?7 WHERE id = ?1",
            params![
                id,
                state.as_str(),
                // A finished order keeps the status it finished with.
                match (order.state.is_open(), &order.job_status) {
                    (false, Some(kept)) => kept.clone(),
                    _ => change.status.as_str().to_owned(),
                },
                change.confirmation_url,
                change.delete_documents_url,
                change.pades_url,
                now
            ],
        )?;
        tx.commit()?;
        Ok(changed)
    }

    /// A direct signer's new one-time redirect URL.
    pub fn set_signer_redirect(
        &self,
        id: &str,
        position: u32,
        url: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE signing_signers SET redirect_url = ?3 WHERE order_id = ?1 AND position = ?2",
            params![id, position, url],
        )?;
        Ok(())
    }
}
