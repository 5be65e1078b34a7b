//! The Maskinporten token client: makes a grant, exchanges it at `/token`, and caches the
//! access token until shortly before it expires.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::credential::ClientCredential;
use super::error::{ErrorBody, MaskinportenError};
use super::grant::{GrantRequest, make_grant};
use crate::clock::Clock;
use crate::secret::Secret;

/// Seconds before expiry at which a cached token is no longer handed out.
pub const EXPIRY_MARGIN_SECS: i64 = 10;
/// The longest a token is kept, whatever `expires_in` says.
pub const MAX_LIFETIME_SECS: i64 = 24 * 3600;

/// Where and how to ask for tokens.
#[derive(Debug, Clone)]
pub struct MaskinportenConfig {
    /// The token endpoint, e.g. `https://test.maskinporten.no/token`.
    pub token_url: String,
    /// What the grant asks for (issuer as `aud`, client id, scopes, …).
    pub grant: GrantRequest,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
}

/// An access token.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The bearer token.
    pub token: Secret<String>,
    /// When it stops being handed out.
    pub usable_until: DateTime<Utc>,
    /// The scopes granted.
    pub scope: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    scope: String,
}

/// Gets and caches Maskinporten access tokens.
#[derive(Debug)]
pub struct MaskinportenClient {
    config: MaskinportenConfig,
    credential: ClientCredential,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    cached: Mutex<Option<AccessToken>>,
}

impl MaskinportenClient {
    /// A client for `config`, signing grants with `credential`.
    pub fn new(
        config: MaskinportenConfig,
        credential: ClientCredential,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, MaskinportenError> {
        let http = crate::http::client_builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            // A redirect would re-send the grant elsewhere: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| MaskinportenError::Network {
                url: config.token_url.clone(),
                detail: e.to_string(),
            })?;
        Ok(Self {
            config,
            credential,
            http,
            clock,
            cached: Mutex::new(None),
        })
    }

    /// The clock its tokens' lifetimes are read on (the injected one).
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// A valid access token: the cached one while it lasts, else a new one.
    pub async fn token(&self) -> Result<AccessToken, MaskinportenError> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && token.usable_until > self.clock.now()
        {
            return Ok(token.clone());
        }
        let token = self.fetch().await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    /// Forgets the cached token (after a 401 from a resource server).
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    #[tracing::instrument(skip(self), fields(url = %self.config.token_url))]
    async fn fetch(&self) -> Result<AccessToken, MaskinportenError> {
        let now = self.clock.now();
        let jti = uuid::Uuid::new_v4().to_string();
        let grant = make_grant(&self.config.grant, &self.credential, now, &jti)
            .map_err(|e| MaskinportenError::Grant(e.to_string()))?;
        let response = self
            .http
            .post(&self.config.token_url)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", grant.as_str()),
            ])
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status();
        let bytes = crate::http::read_capped(response, crate::http::MAX_ANSWER_BYTES)
            .await
            .map_err(|e| match e {
                crate::http::BodyError::Read(e) => self.transport_error(e),
                too_large => MaskinportenError::Malformed(too_large.to_string()),
            })?;
        if !status.is_success() {
            let masked = crate::mask::bytes(&bytes);
            let body: ErrorBody = serde_json::from_slice(&masked).unwrap_or_else(|_| ErrorBody {
                error: String::new(),
                error_description: String::from_utf8_lossy(&masked).chars().take(300).collect(),
            });
            tracing::warn!(status = status.as_u16(), error = %body.error, "token request refused");
            return Err(MaskinportenError::refused(status.as_u16(), body));
        }
        let body: TokenResponse = serde_json::from_slice(&bytes)
            .map_err(|e| MaskinportenError::Malformed(e.to_string()))?;
        // Default lifetime is 120 s (spec §2.5); never trust a token longer than it says, and
        // never longer than a day whatever it says (a hostile number must not overflow).
        let lifetime = body.expires_in.unwrap_or(120).clamp(0, MAX_LIFETIME_SECS);
        tracing::info!(lifetime, scope = %body.scope, "got a Maskinporten token");
        Ok(AccessToken {
            token: Secret::new(body.access_token),
            usable_until: now
                + chrono::Duration::seconds(lifetime.saturating_sub(EXPIRY_MARGIN_SECS).max(0)),
            scope: body.scope,
        })
    }

    fn transport_error(&self, error: reqwest::Error) -> MaskinportenError {
        if error.is_timeout() {
            MaskinportenError::Timeout(self.config.timeout.as_secs())
        } else {
            MaskinportenError::Network {
                url: self.config.token_url.clone(),
                detail: error.to_string(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::maskinporten::GrantRequest;

    /// A token endpoint on the loopback that answers every request with `body`.
    async fn token_endpoint(body: &'static str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 16384];
                let _ = socket.read(&mut request).await;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        format!("http://{addr}/token")
    }

    async fn client(body: &'static str) -> MaskinportenClient {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let credential =
            ClientCredential::from_pem_key(&key.private_key_to_pem_pkcs8().unwrap(), "k").unwrap();
        MaskinportenClient::new(
            MaskinportenConfig {
                token_url: token_endpoint(body).await,
                grant: GrantRequest {
                    audience: "https://test.maskinporten.no/".into(),
                    client_id: "klient".into(),
                    scopes: vec!["krr:global/kontaktinformasjon.read".into()],
                    resource: None,
                    consumer_org: None,
                },
                connect_timeout: Duration::from_secs(5),
                timeout: Duration::from_secs(5),
            },
            credential,
            Arc::new(crate::clock::SystemClock),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_huge_or_negative_expires_in_is_bounded_not_a_panic() {
        for body in [
            r#"{"access_token":"t","token_type":"Bearer","expires_in":9223372036854775807,"scope":"s"}"#,
            r#"{"access_token":"t","token_type":"Bearer","expires_in":-9223372036854775808,"scope":"s"}"#,
        ] {
            let token = client(body).await.token().await.unwrap();
            let lifetime = token.usable_until - chrono::Utc::now();
            assert!(
                lifetime <= chrono::Duration::seconds(MAX_LIFETIME_SECS),
                "{body}"
            );
        }
        // A value that is not a number at all is a clear error.
        let error = client(r#"{"access_token":"t","expires_in":"lenge","scope":"s"}"#)
            .await
            .token()
            .await
            .unwrap_err();
        assert!(matches!(error, MaskinportenError::Malformed(_)), "{error}");
    }
}
