//! E-signing orders with the signing service (Posten signering / Digdir eSignering): the job
//! model and limits ([`model`]), the XML we write and read ([`xml`]), the ASiC-E document
//! bundle with its XAdES signature ([`asice`]), the mutual-TLS client ([`client`]) and the
//! tracker that sends orders and keeps their statuses and signed results in the store
//! ([`tracker`]).
//! Facts: `shared/specs/esignering.md`.

pub mod asice;
pub mod client;
mod error;
pub mod model;
pub mod order;
pub mod summary;
pub mod tracker;
mod transport;
pub mod xml;

pub use client::{Poll, Polled, SigningClient, SigningConfig};
pub use error::SigningError;
pub use model::{Flow, Job, JobStatus, SignerStatus, StatusChange};
pub use tracker::{RoundReport, SigningTracker, TrackError, queue_signed_copies};
