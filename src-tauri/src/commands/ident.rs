//! Identifier checks (the lookup screen validates locally before any request).

use kommunepost_core::ident::{IdentCheck, check, split_input};

use crate::state::AppState;

/// Checks every identifier in pasted text (separated by spaces, commas, semicolons or new
/// lines). Results are masked.
#[tauri::command]
#[specta::specta]
pub fn check_identifiers(state: tauri::State<'_, AppState>, text: String) -> Vec<IdentCheck> {
    let today = kommunepost_core::norway::date(state.clock().now());
    split_input(&text)
        .iter()
        .map(|input| check(input, today))
        .collect()
}

/// Splits pasted text into identifiers exactly as the checks and lookups do, so the screen can
/// show a masked number in full on request (the numbers are the user's own input).
#[tauri::command]
#[specta::specta]
pub fn split_identifiers(text: String) -> Vec<String> {
    split_input(&text)
}
