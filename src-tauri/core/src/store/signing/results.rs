//! The signed results kept in the store (PAdES, each signer's XAdES) and the signed copies queued
//! in the outbox.

use super::*;

impl Store {
    /// Keeps the signed PDF (PAdES).
    pub fn store_pades(&self, id: &str, pdf: &[u8]) -> Result<(), StoreError> {
        let now = self.clock.now().to_rfc3339();
        self.update_order(
            id,
            "pades = ?3, pades_at = ?4",
            &[&pdf, &now],
            "Det signerte dokumentet (PAdES) er lagret",
        )
    }

    /// Keeps a signer's XAdES.
    pub fn store_xades(&self, id: &str, position: u32, xml: &[u8]) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE signing_signers SET xades = ?3 WHERE order_id = ?1 AND position = ?2",
            params![id, position, xml],
        )?;
        Ok(())
    }

    /// The stored PAdES.
    pub fn signing_pades(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT pades FROM signing_orders WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// A signer's stored XAdES.
    pub fn signing_xades(&self, id: &str, position: u32) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT xades FROM signing_signers WHERE order_id = ?1 AND position = ?2",
                params![id, position],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Queues the signed copies of an order in the outbox and marks them queued, in one
    /// transaction and at most once (compare-and-set on `copies_sent`): two workers, or a
    /// crash between the two writes, never queue a copy twice. Returns how many were queued
    /// (0 when they were queued already).
    pub fn enqueue_signed_copies(
        &self,
        id: &str,
        letters: Vec<crate::store::NewLetter>,
    ) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let now_text = now.to_rfc3339();
        // Sealed before the transaction; if the copies were queued already, the pack goes.
        let sealed = self.seal_documents(&letters)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE signing_orders SET copies_sent = 1, updated_at = ?2 WHERE id = ?1 AND copies_sent = 0",
            params![id, now_text],
        )?;
        if changed == 0 {
            return Ok(0);
        }
        let count = letters.len();
        sealed.insert(&tx, letters, now)?;
        Self::signing_event(
            &tx,
            id,
            &now_text,
            &format!("Signert kopi lagt i utboksen til {count} undertegner(e)"),
        )?;
        let committed = tx.commit();
        sealed.kept();
        committed?;
        Ok(count)
    }

    /// Finished orders whose signed results are not all stored yet (retried by the tracker).
    pub fn signing_orders_missing_results(
        &self,
        environment: &str,
    ) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT o.id FROM signing_orders o WHERE o.environment = ?1 AND o.state IN ('completed', 'failed')
               AND ((o.pades_url IS NOT NULL AND o.pades IS NULL)
                 OR EXISTS (SELECT 1 FROM signing_signers s WHERE s.order_id = o.id AND s.xades_url IS NOT NULL AND s.xades IS NULL))",
        )?;
        let rows = statement.query_map([environment], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Completed orders of `environment` whose signed copies are asked for, not yet queued,
    /// with the signed PDF stored.
    pub fn signing_orders_awaiting_copies(
        &self,
        environment: &str,
    ) -> Result<Vec<String>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT id FROM signing_orders WHERE environment = ?1 AND state = 'completed' AND send_copy = 1 AND copies_sent = 0 AND pades IS NOT NULL",
        )?;
        let rows = statement.query_map([environment], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
