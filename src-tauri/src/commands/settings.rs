//! Maskinporten clients per environment, and the connection test.

use kommunepost_core::config::Environment;
use kommunepost_core::maskinporten::CertificateInfo;
use tauri::State;

use crate::connection::{ClientSetup, ConnectionStep};
use crate::error::CommandError;
use crate::state::AppState;

/// Saves the client id and the enterprise certificate (PKCS#12 bytes and password) for the
/// test or production environment; the certificate goes only to the OS credential store.
#[tauri::command]
#[specta::specta]
pub async fn save_maskinporten_client(
    state: State<'_, AppState>,
    environment: Environment,
    client_id: String,
    pkcs12: Vec<u8>,
    password: String,
) -> Result<CertificateInfo, CommandError> {
    state
        .save_client(environment, &client_id, &pkcs12, &password)
        .await
}

/// What is set up for an environment (`null` when nothing is).
#[tauri::command]
#[specta::specta]
pub async fn maskinporten_client(
    state: State<'_, AppState>,
    environment: Environment,
) -> Result<Option<ClientSetup>, CommandError> {
    state.client_setup(environment).await
}

/// Tests the connection step by step: credentials, Maskinporten token, a one-person lookup.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    state: State<'_, AppState>,
    environment: Environment,
) -> Result<Vec<ConnectionStep>, CommandError> {
    Ok(state.test_connection(environment).await)
}
