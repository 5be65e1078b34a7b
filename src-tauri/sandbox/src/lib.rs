//! Local stand-ins for the services Kommunepost talks to, on 127.0.0.1, over real HTTP.
//!
//! * [`population`] – a deterministic synthetic population (Tenor-style test numbers, Norwegian
//!   names and addresses, the KRR situations a clerk meets) and a few organisations.
//! * [`server`] – the HTTP scaffolding the service doubles mount on, started inside the app or by
//!   `kommunepost sandbox serve`.

pub mod names;
pub mod population;
pub mod server;

pub use population::{
    ContactPoint, KrrRecord, KrrSituation, KrrStatus, Mailbox, MailboxProvider, Population,
    PopulationConfig, PostalAddress, SyntheticOrganisation, SyntheticPerson,
};
pub use server::{SandboxError, SandboxServer};
