//! Kommunepost's domain logic, with no dependency on tauri: everything a clerk's job needs
//! works and is tested without a window.
//!
//! | module | what it holds |
//! |---|---|
//! | [`ident`] | fødselsnummer, D-/H-/FH-/synthetic numbers, organisasjonsnummer |
//! | [`store`] | the encrypted local store (SQLCipher), its key and migrations |
//! | [`config`] | environments, endpoints and the settings file |
//! | [`paths`] | where the store, settings and logs live |
//! | [`logging`] | tracing to a rotating file, with identifiers masked |
//! | [`secret`] | a wrapper that keeps secret values out of logs |
//! | [`clock`] | injected time |

pub mod clock;
pub mod config;
pub mod ident;
pub mod logging;
pub mod paths;
pub mod secret;
pub mod store;
