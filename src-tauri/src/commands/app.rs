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

/// Switches environment (saved in settings); starts or stops the sandbox to match.
#[tauri::command]
#[specta::specta]
pub async fn set_environment(
    state: State<'_, AppState>,
    environment: Environment,
) -> Result<AppInfo, CommandError> {
    state.set_environment(environment).await
}
