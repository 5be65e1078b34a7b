//! Local stand-ins for the services Kommunepost talks to, on 127.0.0.1, over real HTTP.
//!
//! * [`population`] – a deterministic synthetic population (Tenor-style test numbers, Norwegian
//!   names and addresses, the KRR situations a clerk meets) and a few organisations.
//! * [`server`] – the services on their ports, started inside the app or by
//!   `kommunepost sandbox serve`.
//! * [`ca`] – a test certificate authority and the sandbox client's enterprise certificate.
//! * [`maskinporten`] – the Maskinporten stand-in (grant validation, access tokens).
//! * [`krr`] – the KRR stand-in (`/rest/v1|v2/personer`) with fault injection.
//! * [`multipart`] – a strict `multipart/form-data` reader for the SvarUt stand-in.
//! * [`svarut`] – the SvarUt REST v2 stand-in: validation, routing through the population,
//!   statuses on the sandbox clock, fault injection.
//! * [`signing`] – the signing service stand-in over mutual TLS: XSD and bundle checks,
//!   simulated signers, polling queues, PAdES/XAdES, and a signing page for people.

pub mod ca;
pub mod krr;
pub mod maskinporten;
pub mod multipart;
pub mod names;
pub mod population;
pub mod server;
pub mod signing;
pub mod svarut;
pub mod svarut_v3;

pub use population::{
    ContactPoint, KrrRecord, KrrSituation, KrrStatus, Mailbox, MailboxProvider, Population,
    PopulationConfig, PostalAddress, SyntheticOrganisation, SyntheticPerson,
};
pub use server::{SANDBOX_ORG_NUMBER, SandboxCredentials, SandboxError, SandboxServer};
