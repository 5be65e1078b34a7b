//! KRR lookups.

use kommunepost_core::lookup::LookupRow;
use tauri::State;
use tauri::ipc::Channel;

use crate::error::CommandError;
use crate::lookups::LookupProgress;
use crate::state::AppState;

/// Looks the identifiers in `text` up in KRR. Invalid ones are reported and never sent;
/// progress arrives on `on_progress` after each chunk; `cancel_lookup(lookup_id)` stops it.
#[tauri::command]
#[specta::specta]
pub async fn lookup_identifiers(
    state: State<'_, AppState>,
    text: String,
    purpose: Option<String>,
    lookup_id: String,
    on_progress: Channel<LookupProgress>,
) -> Result<Vec<LookupRow>, CommandError> {
    let progress = |p: LookupProgress| {
        if let Err(error) = on_progress.send(p) {
            tracing::warn!(%error, "could not send lookup progress");
        }
    };
    state
        .lookup(&text, purpose.as_deref(), &lookup_id, &progress)
        .await
}

/// Cancels a running lookup; chunks already sent still answer.
#[tauri::command]
#[specta::specta]
pub fn cancel_lookup(state: State<'_, AppState>, lookup_id: String) -> bool {
    state.cancel_lookup(&lookup_id)
}
