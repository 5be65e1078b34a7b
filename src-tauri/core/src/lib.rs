//! Kommunepost's domain logic and application layer, with no dependency on tauri: everything a
//! clerk's job needs works and is tested without a window. Each use case is written once here
//! ([`lookup`], [`sending`], [`background`], [`signing`]); the app and the CLI only parse input,
//! call it, and present the result.
//!
//! | module | what it holds |
//! |---|---|
//! | [`ident`] | fødselsnummer, D-/H-/FH-/synthetic numbers, organisasjonsnummer |
//! | [`krr`] | KRR's request/response model and timestamps |
//! | [`letters`] | the letter body format, merge fields, recipient lists from CSV |
//! | [`gate`] | the one gate every identifier passes before it leaves the machine |
//! | [`lookup`] | a clerk's lookup: local checks, audit entry, KRR, one row per input |
//! | [`routing`] | digital mailbox or paper, with the reason; the 18-month rule |
//! | [`mask`] | the one masking of fødselsnumre in every written form (`010180 *****`) |
//! | [`maskinporten`] | access tokens by JWT grant (x5c or kid), cached |
//! | [`jws`] | RS256 compact JWS, signed and verified by OpenSSL |
//! | [`store`] | the encrypted local store (SQLCipher), its key and migrations |
//! | [`config`] | environments, endpoints and the settings file |
//! | [`overview`] | this month's letters by channel and status, exceptions and what to do |
//! | [`paths`] | where the store, settings and logs live |
//! | [`logging`] | tracing to a rotating file, with identifiers masked |
//! | [`secret`] | a wrapper that keeps secret values out of logs |
//! | [`signing`] | e-signing orders: job model, ASiC-E/XAdES bundle, mutual-TLS client |
//! | [`sending`] | prepare → preview → queue, once for app and CLI |
//! | [`services`] | the KRR, SvarUt and signing clients of an environment, from settings, credential store and overrides |
//! | [`background`] | the worker round (send, track, signing, copies), supervised |
//! | [`clock`] | injected time |
//! | [`norway`] | Norwegian time (Europe/Oslo) for dates, deadlines and months |

pub mod archive;
pub mod background;
pub mod clock;
pub mod config;
pub mod dispatch;
pub mod explain;
pub mod gate;
pub mod http;
pub mod ident;
pub mod jws;
pub mod krr;
pub mod letters;
pub mod logging;
pub mod lookup;
pub mod mask;
pub mod maskinporten;
pub mod norway;
pub mod outbox;
pub mod overview;
pub mod paths;
pub mod problem;
pub mod routing;
pub mod secret;
pub mod sending;
pub mod services;
pub mod signing;
pub mod store;
pub mod svarut;
