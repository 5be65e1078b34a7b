//! The app shell: version, environment, sandbox.

use kommunepost_core::config::Environment;
use tauri::State;

use crate::error::CommandError;
use crate::state::{AppInfo, AppState};

/// Version, environment, identifier, data directory and sandbox address.
#[tauri::command]
#[specta::specta]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    state.app_info()
}

/// Starts the sandbox services when the environment is Sandbox and they are not running yet
/// (they start when first needed); the facts with their address.
#[tauri::command]
#[specta::specta]
pub async fn start_sandbox(state: State<'_, AppState>) -> Result<AppInfo, CommandError> {
    state.ensure_sandbox().await?;
    Ok(state.app_info())
}

/// Switches environment (saved in settings); starts or stops the sandbox to match.
#[tauri::command]
#[specta::specta]
pub async fn set_environment(
    state: State<'_, AppState>,
    environment: Environment,
) -> Result<AppInfo, CommandError> {
    state.set_environment(environment).await
}
