//! KS Fiks SvarUt: the REST v2 model and client (`shared/specs/svarut-dpi.md`,
//! `shared/specs/svarut-openapi/`).

pub mod client;
pub mod crypto;
mod error;
pub mod model;
pub mod v3;

pub use client::{
    FilePart, SCOPE_KS_FIKS, SEND_TIMEOUT, SvarUtAccount, SvarUtClient, SvarUtConfig, connect,
    load_integration_password, save_integration_password,
};
pub use error::SvarUtError;
pub use model::{Forsendelse, Status, SvarUtApi};
