//! Identifier checks (the lookup screen validates locally before any request).

use kommunepost_core::ident::{IdentCheck, check, split_input};

/// Checks every identifier in pasted text (separated by spaces, commas, semicolons or new
/// lines). Results are masked.
#[tauri::command]
#[specta::specta]
pub fn check_identifiers(text: String) -> Vec<IdentCheck> {
    split_input(&text)
        .iter()
        .map(|input| check(input))
        .collect()
}
