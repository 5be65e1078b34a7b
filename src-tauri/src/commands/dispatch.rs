//! Utsending: the routing and cost preview, queuing, the sent list and timelines, the
//! exceptions inbox, reminders, mass mailings, the dashboard, the office print batch and the
//! SvarUt settings.

use kommunepost_core::config::{DispatchSettings, Environment};
use kommunepost_core::store::{LetterKind, MailingProgress};
use serde::Serialize;
use tauri::State;

use crate::commands::letters::DraftForm;
use crate::dispatch::{
    Advice, Dashboard, DispatchPlan, LetterDetail, OutboxRow, Queued, SvarUtSetup,
};
use crate::error::CommandError;
use crate::state::AppState;

/// Makes the draft's letters and shows where each goes, why, its notices, warnings and cost,
/// after a fresh KRR lookup. Nothing leaves.
#[tauri::command]
#[specta::specta]
pub async fn dispatch_preview(
    state: State<'_, AppState>,
    draft: DraftForm,
) -> Result<DispatchPlan, CommandError> {
    state.dispatch_plan(&draft).await
}

/// Puts the draft's letters in the outbox (the clerk confirmed the preview with `key`). They
/// wait the hold time, during which they can be recalled. The same key queues once; the same
/// letter or list sent before is refused unless `again` (the clerk was asked); the draft
/// becomes read-only.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn send_draft(
    state: State<'_, AppState>,
    draft: DraftForm,
    kind: LetterKind,
    key: String,
    again: bool,
) -> Result<Queued, CommandError> {
    state.queue_draft(&draft, kind, &key, again)
}

/// Letters in the outbox and sent, newest first (of one mass mailing when given).
#[tauri::command]
#[specta::specta]
pub fn outbox_letters(
    state: State<'_, AppState>,
    mailing_id: Option<String>,
) -> Result<Vec<OutboxRow>, CommandError> {
    state.outbox_rows(mailing_id.as_deref())
}

/// A letter with its timeline and SvarUt's events.
#[tauri::command]
#[specta::specta]
pub async fn letter_detail(
    state: State<'_, AppState>,
    id: String,
) -> Result<LetterDetail, CommandError> {
    state.letter_detail(&id).await
}

/// Takes a held or queued letter back.
#[tauri::command]
#[specta::specta]
pub fn recall_letter(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    Ok(state.session().store()?.recall_letter(&id)?)
}

/// "Send nå": a held letter leaves on the worker's next round.
#[tauri::command]
#[specta::specta]
pub fn send_letter_now(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    Ok(state.session().store()?.release_now(&id)?)
}

/// "Send nå" for every held letter of a mass mailing; returns how many.
#[tauri::command]
#[specta::specta]
pub fn send_mailing_now(state: State<'_, AppState>, id: String) -> Result<u32, CommandError> {
    let count = state.session().store()?.release_mailing_now(&id)?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// Tries a letter that failed before SvarUt accepted it again.
#[tauri::command]
#[specta::specta]
pub fn retry_letter(state: State<'_, AppState>, id: String) -> Result<(), CommandError> {
    Ok(state.session().store()?.retry_failed(&id)?)
}

/// Marks an exception or reminder as dealt with, saying what was done.
#[tauri::command]
#[specta::specta]
pub fn mark_letter_handled(
    state: State<'_, AppState>,
    id: String,
    note: String,
) -> Result<(), CommandError> {
    Ok(state.session().store()?.mark_handled(&id, &note)?)
}

/// An exception and what to do about it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ExceptionRow {
    /// The letter.
    pub letter: OutboxRow,
    /// What to do.
    pub advice: Advice,
}

/// The exceptions inbox: failed letters not yet dealt with.
#[tauri::command]
#[specta::specta]
pub fn exceptions(state: State<'_, AppState>) -> Result<Vec<ExceptionRow>, CommandError> {
    Ok(state
        .exception_rows()?
        .into_iter()
        .map(|(letter, advice)| ExceptionRow { letter, advice })
        .collect())
}

/// Decisions and advance notices sent digitally more than 7 days ago and not read (eFvf § 8).
#[tauri::command]
#[specta::specta]
pub fn unread_reminders(state: State<'_, AppState>) -> Result<Vec<OutboxRow>, CommandError> {
    Ok(state
        .session()
        .store()?
        .unread_reminders(state.settings().environment.as_str())?
        .iter()
        .map(OutboxRow::from)
        .collect())
}

/// Mass mailings with their progress, newest first.
#[tauri::command]
#[specta::specta]
pub fn mailings(state: State<'_, AppState>) -> Result<Vec<MailingProgress>, CommandError> {
    Ok(state
        .session()
        .store()?
        .list_mailings(state.settings().environment.as_str())?)
}

/// Pauses or resumes a mass mailing.
#[tauri::command]
#[specta::specta]
pub fn pause_mailing(
    state: State<'_, AppState>,
    id: String,
    paused: bool,
) -> Result<MailingProgress, CommandError> {
    let store = state.session().store()?;
    store.set_mailing_paused(&id, paused)?;
    Ok(store.mailing_progress(&id)?)
}

/// Cancels a mass mailing: letters not yet sent are recalled.
#[tauri::command]
#[specta::specta]
pub fn cancel_mailing(
    state: State<'_, AppState>,
    id: String,
) -> Result<MailingProgress, CommandError> {
    let store = state.session().store()?;
    store.cancel_mailing(&id)?;
    Ok(store.mailing_progress(&id)?)
}

/// Letters by channel and status this month, and the saving against paper.
#[tauri::command]
#[specta::specta]
pub fn dispatch_dashboard(state: State<'_, AppState>) -> Result<Dashboard, CommandError> {
    state.dashboard()
}

/// Letters waiting to be printed at the office.
#[tauri::command]
#[specta::specta]
pub fn office_print_batch(state: State<'_, AppState>) -> Result<Vec<OutboxRow>, CommandError> {
    Ok(state
        .session()
        .store()?
        .office_print_batch(state.settings().environment.as_str())?
        .iter()
        .map(OutboxRow::from)
        .collect())
}

/// Writes the chosen letters of the print batch as one PDF to Downloads; returns where.
// Parses or renders a user's file: off the window's main thread.
#[tauri::command(async)]
#[specta::specta]
pub fn export_print_batch(
    state: State<'_, AppState>,
    ids: Vec<String>,
) -> Result<String, CommandError> {
    state.export_print_batch(&ids)
}

/// Marks letters of the print batch as printed.
#[tauri::command]
#[specta::specta]
pub fn mark_printed(state: State<'_, AppState>, ids: Vec<String>) -> Result<(), CommandError> {
    let store = state.session().store()?;
    for id in &ids {
        store.mark_printed_locally(id)?;
    }
    Ok(())
}

/// The dispatch settings (hold time, office print, prices).
#[tauri::command]
#[specta::specta]
pub fn dispatch_settings(state: State<'_, AppState>) -> DispatchSettings {
    state.settings().dispatch
}

/// Saves the dispatch settings.
#[tauri::command]
#[specta::specta]
pub async fn save_dispatch_settings(
    state: State<'_, AppState>,
    settings: DispatchSettings,
) -> Result<(), CommandError> {
    state.save_dispatch_settings(settings).await
}

/// The SvarUt account and integration of a real environment.
#[tauri::command]
#[specta::specta]
pub fn svarut_setup(
    state: State<'_, AppState>,
    environment: Environment,
) -> Result<SvarUtSetup, CommandError> {
    state.svarut_setup(environment)
}

/// Saves the SvarUt account and integration of a real environment; the password (when
/// given) goes only to the OS credential store.
#[tauri::command]
#[specta::specta]
pub async fn save_svarut_setup(
    state: State<'_, AppState>,
    environment: Environment,
    konto_id: String,
    integrasjon_id: String,
    password: Option<String>,
) -> Result<SvarUtSetup, CommandError> {
    state
        .save_svarut_setup(environment, &konto_id, &integrasjon_id, password.as_deref())
        .await
}
