//! The `#[tauri::command]` adapters: each takes state, calls core, maps the error.

pub mod app;
pub mod archive;
pub mod dispatch;
pub mod ident;
pub mod krr;
pub mod letter_preview;
pub mod letters;
pub mod settings;
pub mod signing;
pub mod store;
