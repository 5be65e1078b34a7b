//! Maskinporten's stand-in: `/token`, `/jwk`, `/.well-known/oauth-authorization-server`.
//! It validates grants as the real one does (spec §2.8): form fields, `alg`, exactly one of
//! `kid`/`x5c`, the key or certificate for `iss`, the signature, `aud`, `iat` ±10 s,
//! `exp − iat ≤ 120`, `jti` replay, unknown claims, and scopes; it issues RS256 access tokens.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use kommunepost_core::clock::Clock;
use kommunepost_core::jws::{self, Decoded};
use kommunepost_core::maskinporten::org_number_of;
use openssl::pkey::{PKey, Private, Public};
use openssl::x509::X509;
use serde_json::{Value, json};

use crate::ca::TestCa;

/// Claims a grant may carry (spec §2.3); anything else is refused.
const ALLOWED_CLAIMS: &[&str] = &[
    "aud",
    "iss",
    "iat",
    "exp",
    "jti",
    "scope",
    "resource",
    "pid",
    "consumer_org",
    "iss_onbehalfof",
    "authorization_details",
];

/// A client registered with the stand-in.
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    /// The organisation that owns the client.
    pub org_number: String,
    /// Scopes it may ask for.
    pub scopes: Vec<String>,
    /// Keys registered by `kid`.
    pub keys: HashMap<String, PKey<Public>>,
}

/// The stand-in's state.
pub struct MaskinportenDouble {
    issuer: String,
    signing_key: PKey<Private>,
    kid: String,
    ca: TestCa,
    clients: HashMap<String, RegisteredClient>,
    /// Grant ids seen, with the grant's `exp`: kept until the grant could no longer be valid.
    seen_jti: Mutex<HashMap<String, i64>>,
    clock: Arc<dyn Clock>,
    /// `expires_in` of issued tokens, in seconds.
    pub token_lifetime: i64,
}

impl std::fmt::Debug for MaskinportenDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaskinportenDouble")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// A refusal in Maskinporten's shape.
struct Refusal(StatusCode, &'static str, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let correlation = uuid::Uuid::new_v4();
        (
            self.0,
            Json(json!({
                "error": self.1,
                "error_description": format!("{} (correlation id: {correlation})", self.2),
            })),
        )
            .into_response()
    }
}

fn invalid_grant(text: impl Into<String>) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, "invalid_grant", text.into())
}

fn invalid_request(text: impl Into<String>) -> Refusal {
    Refusal(StatusCode::BAD_REQUEST, "invalid_request", text.into())
}

impl MaskinportenDouble {
    /// A stand-in whose issuer is `issuer` (e.g. `http://127.0.0.1:4000/`).
    pub fn new(
        issuer: String,
        ca: TestCa,
        clients: HashMap<String, RegisteredClient>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let signing_key =
            PKey::from_rsa(openssl::rsa::Rsa::generate(2048).expect("RSA key")).expect("key");
        Self {
            issuer,
            signing_key,
            kid: "sandkasse-maskinporten-1".into(),
            ca,
            clients,
            seen_jti: Mutex::new(HashMap::new()),
            clock,
            token_lifetime: 120,
        }
    }

    /// The issuer, also the `aud` grants must carry.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The public key access tokens are signed with (what `/jwk` publishes).
    pub fn public_key(&self) -> PKey<Public> {
        let der = self.signing_key.public_key_to_der().expect("public key");
        PKey::public_key_from_der(&der).expect("public key")
    }

    /// The routes, to be served at the issuer's address.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/token", post(token))
            .route("/jwk", get(jwk))
            .route("/.well-known/oauth-authorization-server", get(metadata))
            .with_state(self)
    }

    /// Validates a token request's form body and returns the access token response.
    fn exchange(&self, headers: &HeaderMap, body: &str) -> Result<Value, Refusal> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.starts_with("application/x-www-form-urlencoded") {
            return Err(invalid_request(
                "Content-Type must be application/x-www-form-urlencoded",
            ));
        }
        let form: Vec<(String, String)> = parse_form(body);
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if form.len() != 2 || field("grant_type").is_none() || field("assertion").is_none() {
            return Err(invalid_request(
                "The token request must have exactly the fields grant_type and assertion",
            ));
        }
        if field("grant_type") != Some("urn:ietf:params:oauth:grant-type:jwt-bearer") {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant type".into(),
            ));
        }
        let grant = jws::decode(field("assertion").unwrap_or_default())
            .map_err(|e| invalid_grant(format!("Invalid assertion. {e}")))?;
        let (client_id, client) = self.client_of(&grant)?;
        let amr = self.check_signature(&grant, client)?;
        let claims = grant.claims.as_object().expect("decode checks objects");
        if let Some(unknown) = claims
            .keys()
            .find(|k| !ALLOWED_CLAIMS.contains(&k.as_str()))
        {
            return Err(invalid_request(format!(
                "Invalid assertion. Unknown claim '{unknown}' in JWT"
            )));
        }
        if claims.get("aud").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(invalid_grant(
                "Invalid assertion. Client authentication failed. Invalid JWT claim aud",
            ));
        }
        self.check_times(claims)?;
        self.check_jti(claims)?;
        let scopes: Vec<&str> = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split_whitespace()
            .collect();
        if scopes.is_empty() || scopes.iter().any(|s| !client.scopes.iter().any(|c| c == s)) {
            return Err(Refusal(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                "Token request contains invalid scopes for client".into(),
            ));
        }
        let scope = scopes.join(" ");
        Ok(json!({
            "access_token": self.access_token(client_id, client, &scope, amr, claims.get("resource")),
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "scope": scope,
        }))
    }

    fn client_of(&self, grant: &Decoded) -> Result<(&str, &RegisteredClient), Refusal> {
        let iss = grant
            .claims
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or("");
        self.clients
            .get_key_value(iss)
            .map(|(id, client)| (id.as_str(), client))
            .ok_or_else(|| {
                invalid_grant("Invalid assertion. Client authentication failed. Client not found")
            })
    }

    /// Resolves the key by `kid` or `x5c` and verifies the signature; returns `client_amr`.
    fn check_signature(
        &self,
        grant: &Decoded,
        client: &RegisteredClient,
    ) -> Result<&'static str, Refusal> {
        if !matches!(
            grant.header.get("alg").and_then(Value::as_str),
            Some("RS256" | "RS384" | "RS512")
        ) {
            return Err(invalid_grant(
                "Invalid assertion. Unsupported JWT algorithm",
            ));
        }
        let (kid, x5c) = (grant.header.get("kid"), grant.header.get("x5c"));
        let (key, amr) = match (kid, x5c) {
            (Some(kid), None) => {
                let key = kid
                    .as_str()
                    .and_then(|kid| client.keys.get(kid))
                    .ok_or_else(|| invalid_grant("Invalid assertion. Client authentication failed. Unknown key identifier (kid) for client."))?;
                (key.clone(), "private_key_jwt")
            }
            (None, Some(chain)) => {
                let leaf = chain
                    .as_array()
                    .and_then(|certs| certs.first())
                    .and_then(Value::as_str)
                    .and_then(|b64| STANDARD.decode(b64).ok())
                    .and_then(|der| X509::from_der(&der).ok())
                    .ok_or_else(|| invalid_grant("Invalid JWT header x5c"))?;
                if !self.ca.issued(&leaf) || !self.valid_now(&leaf) {
                    return Err(invalid_grant(
                        "Invalid assertion. Client authentication failed. The JWT is signed with an invalid certificate.",
                    ));
                }
                if org_number_of(&leaf).as_deref() != Some(client.org_number.as_str()) {
                    return Err(invalid_grant(
                        "Invalid organization number for client. Does not match certificate orgno",
                    ));
                }
                (
                    leaf.public_key()
                        .map_err(|_| invalid_grant("Invalid JWT header x5c"))?,
                    "virksomhetssertifikat",
                )
            }
            _ => {
                return Err(invalid_grant(
                    "Invalid assertion. Either 'kid' or 'x5c' must be present, not both",
                ));
            }
        };
        grant
            .verify(&key)
            .map_err(|_| invalid_grant("Invalid JWT signature"))?;
        Ok(amr)
    }

    fn valid_now(&self, certificate: &X509) -> bool {
        let now = openssl::asn1::Asn1Time::from_unix(self.clock.now().timestamp()).expect("time");
        certificate.not_before() <= now && certificate.not_after() >= now
    }

    fn check_times(&self, claims: &serde_json::Map<String, Value>) -> Result<(), Refusal> {
        let now = self.clock.now().timestamp();
        let (Some(iat), Some(exp)) = (
            claims.get("iat").and_then(Value::as_i64),
            claims.get("exp").and_then(Value::as_i64),
        ) else {
            return Err(invalid_grant(
                "Invalid assertion. The JWT must have iat and exp",
            ));
        };
        if iat > now + 10 {
            return Err(invalid_grant("Issue time is after now"));
        }
        if iat < now - 10 || exp <= now {
            return Err(invalid_grant("JWT is expired"));
        }
        if exp - iat > 120 {
            return Err(invalid_grant(
                "Invalid assertion. The JWT lifetime (exp - iat) exceeds 120 seconds",
            ));
        }
        Ok(())
    }

    fn check_jti(&self, claims: &serde_json::Map<String, Value>) -> Result<(), Refusal> {
        let jti = claims
            .get("jti")
            .and_then(Value::as_str)
            .filter(|j| !j.is_empty())
            .ok_or_else(|| invalid_grant("Invalid assertion. The JWT must have a jti"))?;
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .unwrap_or(i64::MAX);
        let now = self.clock.now().timestamp();
        let mut seen = self.seen_jti.lock().unwrap_or_else(|p| p.into_inner());
        // Forget grants that have expired: they would be refused as expired anyway.
        seen.retain(|_, seen_exp| *seen_exp + 10 >= now);
        if seen.insert(jti.to_owned(), exp).is_some() {
            return Err(invalid_grant("Grant is used before"));
        }
        Ok(())
    }

    fn access_token(
        &self,
        client_id: &str,
        client: &RegisteredClient,
        scope: &str,
        amr: &str,
        resource: Option<&Value>,
    ) -> String {
        let now = self.clock.now().timestamp();
        let aud = resource
            .and_then(|r| r.as_array().and_then(|a| a.first()).or(Some(r)))
            .and_then(Value::as_str)
            .unwrap_or("unspecified");
        let claims = json!({
            "iss": self.issuer,
            "client_amr": amr,
            "token_type": "Bearer",
            "client_id": client_id,
            "aud": aud,
            "scope": scope,
            "consumer": { "authority": "iso6523-actorid-upis", "ID": format!("0192:{}", client.org_number) },
            "iat": now,
            "exp": now + self.token_lifetime,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        jws::sign_rs256(
            &json!({ "kid": self.kid, "alg": "RS256" }),
            &claims,
            &self.signing_key,
        )
        .expect("signing with our own key")
    }
}

fn parse_form(body: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

async fn token(
    State(double): State<Arc<MaskinportenDouble>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    match double.exchange(&headers, &body) {
        Ok(answer) => Json(answer).into_response(),
        Err(refusal) => refusal.into_response(),
    }
}

async fn jwk(State(double): State<Arc<MaskinportenDouble>>) -> Json<Value> {
    let rsa = double.signing_key.rsa().expect("RSA key");
    Json(json!({ "keys": [{
        "kty": "RSA",
        "kid": double.kid,
        "alg": "RS256",
        "use": "sig",
        "n": URL_SAFE_NO_PAD.encode(rsa.n().to_vec()),
        "e": URL_SAFE_NO_PAD.encode(rsa.e().to_vec()),
    }]}))
}

async fn metadata(State(double): State<Arc<MaskinportenDouble>>) -> Json<Value> {
    let issuer = double.issuer.trim_end_matches('/');
    Json(json!({
        "issuer": double.issuer,
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwk"),
        "grant_types_supported": ["urn:ietf:params:oauth:grant-type:jwt-bearer"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "RS512"],
    }))
}
