//! Building the Maskinporten and KRR clients for an environment.

use std::sync::Arc;

use super::client::{KrrClient, KrrConfig, KrrError, KrrVersion};
use crate::clock::Clock;
use crate::config::{Endpoints, Timeouts};
use crate::maskinporten::{
    ClientCredential, GrantRequest, MaskinportenClient, MaskinportenConfig, SCOPE_KRR_DIGITALPOST,
    SCOPE_KRR_KONTAKTINFO,
};

/// What a KRR lookup needs besides the endpoints.
#[derive(Debug, Clone)]
pub struct KrrAccess {
    /// The Maskinporten client id.
    pub client_id: String,
    /// The enterprise certificate or registered key.
    pub credential: ClientCredential,
    /// The token endpoint; default: the issuer + `token`.
    pub token_url: Option<String>,
    /// `/rest/v1` or `/rest/v2`.
    pub version: KrrVersion,
}

/// Requests in flight at once for bulk lookups.
pub const DEFAULT_PARALLELISM: usize = 4;

/// The Maskinporten client (both KRR scopes) and the KRR client for `endpoints`.
pub fn connect(
    endpoints: &Endpoints,
    access: KrrAccess,
    timeouts: &Timeouts,
    clock: Arc<dyn Clock>,
) -> Result<(Arc<MaskinportenClient>, KrrClient), KrrError> {
    let issuer = endpoints.maskinporten.clone();
    let token_url = access
        .token_url
        .unwrap_or_else(|| format!("{}/token", issuer.trim_end_matches('/')));
    let tokens = Arc::new(MaskinportenClient::new(
        MaskinportenConfig {
            token_url,
            grant: GrantRequest {
                audience: issuer,
                client_id: access.client_id,
                scopes: vec![
                    SCOPE_KRR_KONTAKTINFO.to_owned(),
                    SCOPE_KRR_DIGITALPOST.to_owned(),
                ],
                resource: None,
                consumer_org: None,
            },
            connect_timeout: timeouts.connect(),
            timeout: timeouts.request(),
        },
        access.credential,
        clock,
    )?);
    let krr = KrrClient::new(
        KrrConfig {
            base_url: endpoints.krr.clone(),
            version: access.version,
            parallelism: DEFAULT_PARALLELISM,
            connect_timeout: timeouts.connect(),
            timeout: timeouts.request(),
        },
        tokens.clone(),
    )?;
    Ok((tokens, krr))
}
