//! Register lookups from the Oppslag screen: progress on a channel, cancellable by id.

use kommunepost_core::ident::split_input;
use kommunepost_core::krr::Cancel;
use kommunepost_core::lookup::{self, LookupContext, LookupRow, Plan, os_user};
use serde::Serialize;

use crate::error::CommandError;
use crate::state::AppState;

/// Progress of a running lookup, sent after each chunk.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct LookupProgress {
    /// The lookup's id, as the UI gave it.
    pub lookup_id: String,
    /// Persons answered so far.
    pub done: u32,
    /// Persons in all.
    pub total: u32,
}

impl AppState {
    /// Checks every identifier in `text`, looks the valid persons up in KRR (after writing the
    /// audit entry) and returns one row per identifier, in input order.
    pub async fn lookup(
        &self,
        text: &str,
        purpose: Option<&str>,
        lookup_id: &str,
        on_progress: &(dyn Fn(LookupProgress) + Send + Sync),
    ) -> Result<Vec<LookupRow>, CommandError> {
        let inputs = split_input(text);
        let today = kommunepost_core::norway::date(self.clock().now());
        let (environment, krr) = if Plan::new(&inputs, self.settings().environment, today)
            .persons()
            .is_empty()
        {
            (self.settings().environment, None)
        } else {
            let (environment, krr) = self.krr_client().await?;
            (environment, Some(krr))
        };
        let plan = Plan::new(&inputs, environment, today);
        let store = self.session().store()?;
        let now = self.clock().now();
        let Some(krr) = krr.filter(|_| !plan.persons().is_empty()) else {
            return Ok(plan.local_rows(now));
        };
        let cancel = Cancel::default();
        self.lookups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(lookup_id.to_owned(), cancel.clone());
        let progress = |done: usize, total: usize| {
            on_progress(LookupProgress {
                lookup_id: lookup_id.to_owned(),
                done: u32::try_from(done).unwrap_or(u32::MAX),
                total: u32::try_from(total).unwrap_or(u32::MAX),
            });
        };
        // The environment the client was made for, so the audit entry says where the lookup went.
        let context = LookupContext {
            actor: &os_user(),
            environment: environment.as_str(),
            purpose,
            now,
        };
        let result = lookup::run(&plan, &krr, &store, &context, &cancel, &progress).await;
        self.lookups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(lookup_id);
        Ok(result?)
    }

    /// Stops a running lookup before its next chunk; `false` when none runs with that id.
    pub fn cancel_lookup(&self, lookup_id: &str) -> bool {
        match self
            .lookups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(lookup_id)
        {
            Some(cancel) => {
                cancel.cancel();
                true
            }
            None => false,
        }
    }
}
