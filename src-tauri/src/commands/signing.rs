//! Signering: the summary before sending, creating and sending an order, the order list and
//! detail, cancelling, fetching and exporting the signed results, the documents for the
//! read-only preview, and the signing settings.

use kommunepost_core::config::{Environment, SigningSettings};
use kommunepost_core::store::SigningOrder;
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::error::{CommandError, ErrorCode};
use crate::signing::{SigningDetail, SigningForm, SigningPdf, SigningSummary};
use crate::state::AppState;

/// The most orders the list shows (newest first).
const ORDER_LIMIT: u32 = 500;

/// What would be sent: documents through the preflight, signers and how they are notified,
/// the deadline. Nothing leaves.
#[tauri::command]
#[specta::specta]
pub async fn signing_summary(
    state: State<'_, AppState>,
    form: SigningForm,
) -> Result<SigningSummary, CommandError> {
    state.signing_summary(&form).await
}

/// Keeps the order in the store and sends it to the signing service.
#[tauri::command]
#[specta::specta]
pub async fn create_signing_order(
    state: State<'_, AppState>,
    form: SigningForm,
) -> Result<SigningOrder, CommandError> {
    state.create_signing_order(&form).await
}

/// The orders, newest first.
#[tauri::command]
#[specta::specta]
pub fn signing_orders(state: State<'_, AppState>) -> Result<Vec<SigningOrder>, CommandError> {
    let environment = state.settings().environment;
    Ok(state
        .session()
        .store()?
        .list_signing_orders(Some(environment.as_str()), ORDER_LIMIT)?)
}

/// One order with its signers and timeline.
#[tauri::command]
#[specta::specta]
pub async fn signing_detail(
    state: State<'_, AppState>,
    id: String,
) -> Result<SigningDetail, CommandError> {
    state.signing_detail(&id).await
}

/// Cancels an order still waiting for signatures.
#[tauri::command]
#[specta::specta]
pub async fn cancel_signing_order(
    state: State<'_, AppState>,
    id: String,
) -> Result<SigningOrder, CommandError> {
    state.cancel_signing_order(&id).await
}

/// A fresh one-time signing link for a direct order's waiting signer (a link works once).
#[tauri::command]
#[specta::specta]
pub async fn signer_link(
    state: State<'_, AppState>,
    id: String,
    position: u32,
) -> Result<String, CommandError> {
    state.signer_link(&id, position).await
}

/// Fetches the signed results now.
#[tauri::command]
#[specta::specta]
pub async fn fetch_signed_documents(
    state: State<'_, AppState>,
    id: String,
) -> Result<SigningOrder, CommandError> {
    state.download_signed(&id).await
}

/// An order's document, exactly as sent for signing.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn signing_document(
    state: State<'_, AppState>,
    id: String,
    index: u32,
) -> Result<SigningPdf, CommandError> {
    state.signing_document(&id, index)
}

/// The signed PDF (PAdES).
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn signed_document(state: State<'_, AppState>, id: String) -> Result<SigningPdf, CommandError> {
    state.signed_pdf(&id)
}

/// Writes the signed PDF and the XAdES files to the export folder; returns the paths.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn export_signed_documents(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<String>, CommandError> {
    state.export_signed(&id)
}

/// The signing settings of an environment.
#[derive(Debug, Clone, Serialize, Deserialize, specta::Type)]
pub struct SigningSetup {
    /// Which environment (the sandbox has only the common settings).
    pub environment: Environment,
    /// The sender organisation (default: the certificate's).
    pub org: Option<String>,
    /// The CA certificates (PEM) trusted for the service.
    pub ca_pem: Option<String>,
    /// The organisation number expected in the server certificate.
    pub server_orgnr: Option<String>,
    /// Settings for every environment.
    pub common: SigningSettings,
}

/// The signing settings for `environment`.
#[tauri::command]
#[specta::specta]
pub fn signing_setup(state: State<'_, AppState>, environment: Environment) -> SigningSetup {
    let settings = state.settings();
    let env = settings
        .environment_settings(environment)
        .cloned()
        .unwrap_or_default();
    SigningSetup {
        environment,
        org: env.signing_org,
        ca_pem: env.signing_ca_pem,
        server_orgnr: env.signing_server_orgnr,
        common: settings.signing,
    }
}

/// Saves the signing settings; a CA bundle must be PEM certificates and organisation
/// numbers valid.
#[tauri::command]
#[specta::specta]
pub async fn save_signing_setup(
    state: State<'_, AppState>,
    setup: SigningSetup,
) -> Result<(), CommandError> {
    let invalid = |text: String| CommandError::new(ErrorCode::InvalidSettings, text);
    let clean = |v: &Option<String>| {
        v.as_ref()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    for org in [clean(&setup.org), clean(&setup.server_orgnr)]
        .into_iter()
        .flatten()
    {
        kommunepost_core::ident::OrgNr::parse(&org).map_err(|e| invalid(format!("{org}: {e}")))?;
    }
    if let Some(pem) = clean(&setup.ca_pem) {
        kommunepost_core::signing::client::check_ca_bundle(pem.as_bytes())
            .map_err(|e| invalid(e.to_string()))?;
    }
    if setup.common.polling_queue.trim().is_empty() {
        return Err(invalid("the polling queue needs a name".into()));
    }
    state.update_settings(|settings| {
        settings.signing = setup.common.clone();
        if let Some(env) = settings.environment_settings_mut(setup.environment) {
            env.signing_org = clean(&setup.org);
            env.signing_ca_pem = clean(&setup.ca_pem);
            env.signing_server_orgnr = clean(&setup.server_orgnr);
        }
    })?;
    *state.signing.lock().await = None;
    Ok(())
}
