//! E-signing orders with the signing service (Posten signering / Digdir eSignering): the job
//! model and limits ([`model`]), the XML we write and read ([`xml`]), the ASiC-E document
//! bundle with its XAdES signature ([`asice`]) and the mutual-TLS client ([`client`]).
//! Facts: `shared/specs/esignering.md`.

pub mod asice;
pub mod client;
pub mod model;
pub mod xml;

pub use client::{Poll, Polled, SigningClient, SigningConfig, SigningError};
pub use model::{Flow, Job, JobStatus, SignerStatus, StatusChange};
