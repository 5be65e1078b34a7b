//! Unlocking and creating the encrypted store. The commands that derive keys (Argon2id) or
//! talk to the OS credential store (which may wait for an unlock prompt) are async, so they
//! run off the window's main thread.

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

/// The recovery key to show, until the user confirms keeping it; `null` afterwards.
#[tauri::command]
#[specta::specta]
pub fn recovery_key_to_show(state: State<'_, AppState>) -> Option<String> {
    state
        .session()
        .recovery_key_to_show()
        .map(|key| key.expose().to_owned())
}

/// The user has kept the recovery key: it is not shown again.
#[tauri::command]
#[specta::specta]
pub fn confirm_recovery_key(state: State<'_, AppState>) -> Result<(), CommandError> {
    Ok(state.session().confirm_recovery_key()?)
}

/// First run without a credential store: creates a passphrase store; returns the recovery key.
#[tauri::command]
#[specta::specta]
pub async fn create_store_with_passphrase(
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
pub async fn unlock_store(
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
pub async fn unlock_store_with_recovery_key(
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
pub async fn retry_store_unlock(state: State<'_, AppState>) -> Result<StoreState, CommandError> {
    let mut session = state.session();
    session.retry();
    Ok(session.state().clone())
}

/// "Ta sikkerhetskopi": an online backup of the encrypted store to the export folder (the
/// worker may keep running). The file is encrypted with the store's key and opens with the
/// recovery key; `kommunepost store restore FILE` puts it back. Returns where it was written.
#[tauri::command]
#[specta::specta]
pub async fn backup_store(state: State<'_, AppState>) -> Result<String, CommandError> {
    state.backup_store().await
}
