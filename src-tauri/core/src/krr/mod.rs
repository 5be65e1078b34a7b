//! KRR, the contact and reservation register (Oppslagstjenesten REST `/personer`).
//!
//! Facts: `shared/specs/krr-maskinporten-identifiers.md` §1. KRR data is kept in memory for
//! the screen only; never stored.

mod client;
mod connect;
mod model;
pub mod time;

pub use client::{
    Cancel, FailedChunk, KrrClient, KrrConfig, KrrError, KrrVersion, LookupReport, MAX_PER_REQUEST,
};
pub use connect::{DEFAULT_PARALLELISM, KrrAccess, connect};
pub use model::{
    DigitalPost, Kontaktinformasjon, KrrPerson, PersonStatus, PersonerRequest, PersonerResponse,
    Reservasjon, Varslingsstatus,
};
