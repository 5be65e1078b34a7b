//! Polling: the queues to poll, this store's own queue name, when each may be polled next, and
//! the deadlines and sandbox orders the tracker looks after.

use super::*;

impl Store {
    /// Orders of `environment` whose statuses are still awaited: (flow, queue) pairs to poll.
    pub fn signing_queues_to_poll(
        &self,
        environment: &str,
    ) -> Result<Vec<(Flow, Option<String>)>, StoreError> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT DISTINCT flow, polling_queue FROM signing_orders
             WHERE environment = ?1 AND state IN ('uncertain', 'active')",
        )?;
        let rows = statement.query_map([environment], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (flow, queue) = row?;
            if let Some(flow) = Flow::parse(&flow) {
                out.push((flow, queue));
            }
        }
        Ok(out)
    }

    /// This store's own polling queue name (made once, when the store got its signing tables).
    pub fn signing_queue_name(&self) -> Result<String, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT name FROM signing_queue LIMIT 1", [], |r| r.get(0))?)
    }

    /// Active orders whose deadline is within `within` of now: (order, deadline).
    pub fn signing_deadlines_near(
        &self,
        within: chrono::Duration,
    ) -> Result<Vec<(SigningOrder, String)>, StoreError> {
        let limit = (self.clock.now() + within).to_rfc3339();
        let ids: Vec<String> = {
            let conn = self.conn();
            let mut statement = conn.prepare(
                "SELECT id FROM signing_orders WHERE state = 'active' AND deadline IS NOT NULL AND deadline <= ?1 ORDER BY deadline",
            )?;
            statement
                .query_map([limit], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        ids.iter()
            .map(|id| {
                let order = self.signing_order(id)?;
                let deadline = order.deadline.clone().unwrap_or_default();
                Ok((order, deadline))
            })
            .collect()
    }

    /// Closes the sandbox's open orders made before `started`: the sandbox signing service
    /// keeps its jobs only while it runs, so a new one does not know them.
    pub fn close_earlier_sandbox_orders(
        &self,
        started: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let ids: Vec<String> = {
            let conn = self.conn();
            let mut statement = conn.prepare(
                "SELECT id FROM signing_orders WHERE environment = 'sandbox' AND state IN ('sending', 'uncertain', 'active') AND created_at < ?1",
            )?;
            statement
                .query_map([started.to_rfc3339()], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        for id in &ids {
            self.update_order(
                id,
                "state = 'failed', cancellation_url = NULL, last_error = ?3, last_problem = ?4",
                &[
                    &"Sandkassen ble startet på nytt og kjenner ikke lenger oppdraget",
                    &crate::problem::Problem::new(crate::problem::ProblemKey::SandboxRestarted)
                        .to_json(),
                ],
                "Sandkassen ble startet på nytt; oppdraget finnes ikke lenger der",
            )?;
        }
        Ok(ids.len())
    }

    /// When the queue may be polled next, as last told by the service.
    pub fn signing_next_poll(
        &self,
        environment: &str,
        flow: Flow,
        queue: Option<&str>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<String> = self
            .conn()
            .query_row(
                "SELECT next_permitted FROM signing_poll_state WHERE environment = ?1 AND flow = ?2 AND queue = ?3",
                params![environment, flow.as_str(), queue.unwrap_or("")],
                |r| r.get(0),
            )
            .optional()?;
        Ok(at
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// Remembers when the queue may be polled next.
    pub fn set_signing_next_poll(
        &self,
        environment: &str,
        flow: Flow,
        queue: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO signing_poll_state (environment, flow, queue, next_permitted) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (environment, flow, queue) DO UPDATE SET next_permitted = excluded.next_permitted",
            params![environment, flow.as_str(), queue.unwrap_or(""), at.to_rfc3339()],
        )?;
        Ok(())
    }
}
