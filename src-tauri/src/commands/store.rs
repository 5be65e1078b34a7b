//! Unlocking and creating the encrypted store.

use kommunepost_core::secret::Secret;
use kommunepost_core::store::StoreState;
use tauri::State;

use crate::error::CommandError;
use crate::state::AppState;

/// What the store needs from the user, if anything.
#[tauri::command]
#[specta::specta]
pub fn store_state(state: State<'_, AppState>) -> StoreState {
    state.session().state().clone()
}

/// The recovery key of a store created in this run, once; `null` afterwards.
#[tauri::command]
#[specta::specta]
pub fn take_recovery_key(state: State<'_, AppState>) -> Option<String> {
    state
        .session()
        .take_recovery_key()
        .map(|key| key.expose().to_owned())
}

/// First run without a credential store: creates a passphrase store; returns the recovery key.
#[tauri::command]
#[specta::specta]
pub fn create_store_with_passphrase(
    state: State<'_, AppState>,
    passphrase: String,
) -> Result<String, CommandError> {
    let recovery = state
        .session()
        .create_with_passphrase(Secret::new(passphrase))?;
    Ok(recovery.expose().to_owned())
}

/// Opens a passphrase store.
#[tauri::command]
#[specta::specta]
pub fn unlock_store(
    state: State<'_, AppState>,
    passphrase: String,
) -> Result<StoreState, CommandError> {
    let mut session = state.session();
    session.unlock_with_passphrase(Secret::new(passphrase))?;
    Ok(session.state().clone())
}

/// Opens the store with its recovery key.
#[tauri::command]
#[specta::specta]
pub fn unlock_store_with_recovery_key(
    state: State<'_, AppState>,
    recovery_key: String,
) -> Result<StoreState, CommandError> {
    let mut session = state.session();
    session.unlock_with_recovery_key(Secret::new(recovery_key))?;
    Ok(session.state().clone())
}

/// Tries the OS credential store again.
#[tauri::command]
#[specta::specta]
pub fn retry_store_unlock(state: State<'_, AppState>) -> StoreState {
    let mut session = state.session();
    session.retry();
    session.state().clone()
}
