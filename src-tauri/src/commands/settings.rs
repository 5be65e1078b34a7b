//! Maskinporten clients per environment, and the connection test.

use kommunepost_core::config::Environment;
use kommunepost_core::maskinporten::{CertificateInfo, CredentialKind};
use tauri::State;

use crate::connection::{ClientSetup, ConnectionStep};
use crate::error::CommandError;
use crate::state::AppState;

/// Saves the client id and the credential for the test or production environment: an
/// enterprise certificate (PKCS#12 bytes, secret = password) or a registered key (PEM bytes,
/// secret = kid). The credential goes only to the OS credential store.
#[tauri::command]
#[specta::specta]
pub async fn save_maskinporten_client(
    state: State<'_, AppState>,
    environment: Environment,
    client_id: String,
    kind: CredentialKind,
    file: Vec<u8>,
    secret: String,
) -> Result<CertificateInfo, CommandError> {
    state
        .save_client(environment, &client_id, kind, &file, &secret)
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
