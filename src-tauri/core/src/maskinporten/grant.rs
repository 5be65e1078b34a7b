//! The JWT-bearer grant (RFC 7523) exactly as Maskinporten documents it (spec §2.2–2.3):
//! header `alg` RS256 with `x5c` or `kid`; claims `aud`, `iss`, `scope`, `iat`, `exp`, `jti`,
//! optionally `resource` (as an array) and `consumer_org` — and nothing else, since unknown
//! claims are refused.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::credential::{ClientCredential, KeyId};
use crate::jws::{JwsError, sign_rs256};

/// Seconds between `iat` and `exp`; Maskinporten allows at most 120.
pub const GRANT_LIFETIME_SECS: i64 = 100;

/// What the grant asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRequest {
    /// The Maskinporten issuer (`https://test.maskinporten.no/`), the grant's `aud`.
    pub audience: String,
    /// The client id, the grant's `iss`.
    pub client_id: String,
    /// Scopes, space-separated in the grant.
    pub scopes: Vec<String>,
    /// Optional `resource` (audience-restricted token), sent as an array.
    pub resource: Option<String>,
    /// Optional customer organisation when acting as a supplier.
    pub consumer_org: Option<String>,
}

/// Signs a grant made at `now` with the unique id `jti`.
pub fn make_grant(
    request: &GrantRequest,
    credential: &ClientCredential,
    now: DateTime<Utc>,
    jti: &str,
) -> Result<String, JwsError> {
    let mut header = Map::new();
    header.insert("alg".into(), json!("RS256"));
    match credential.key_id() {
        KeyId::X5c(chain) => header.insert("x5c".into(), json!(chain)),
        KeyId::Kid(kid) => header.insert("kid".into(), json!(kid)),
    };
    let iat = now.timestamp();
    let mut claims = Map::new();
    claims.insert("aud".into(), json!(request.audience));
    claims.insert("iss".into(), json!(request.client_id));
    claims.insert("scope".into(), json!(request.scopes.join(" ")));
    claims.insert("iat".into(), json!(iat));
    claims.insert("exp".into(), json!(iat + GRANT_LIFETIME_SECS));
    claims.insert("jti".into(), json!(jti));
    if let Some(resource) = &request.resource {
        // Docs: "Currently only array supported" (spec §2.3).
        claims.insert("resource".into(), json!([resource]));
    }
    if let Some(org) = &request.consumer_org {
        claims.insert("consumer_org".into(), json!(org));
    }
    sign_rs256(
        &Value::Object(header),
        &Value::Object(claims),
        credential.key(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jws::decode;
    use chrono::TimeZone;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;

    fn request() -> GrantRequest {
        GrantRequest {
            audience: "https://test.maskinporten.no/".into(),
            client_id: "kommunepost-klient".into(),
            scopes: vec![
                "krr:global/kontaktinformasjon.read".into(),
                "krr:global/digitalpost.read".into(),
            ],
            resource: None,
            consumer_org: None,
        }
    }

    #[test]
    fn the_grant_has_exactly_the_documented_claims() {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let pem = key.private_key_to_pem_pkcs8().unwrap();
        let credential = ClientCredential::from_pem_key(&pem, "min-nokkel").unwrap();
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap();
        let token = make_grant(&request(), &credential, now, "id-1").unwrap();

        let decoded = decode(&token).unwrap();
        decoded.verify(&key).unwrap();
        assert_eq!(decoded.header, json!({"alg": "RS256", "kid": "min-nokkel"}));
        let claims = decoded.claims.as_object().unwrap();
        let mut names: Vec<&str> = claims.keys().map(String::as_str).collect();
        names.sort();
        assert_eq!(names, ["aud", "exp", "iat", "iss", "jti", "scope"]);
        assert_eq!(claims["aud"], "https://test.maskinporten.no/");
        assert_eq!(
            claims["scope"],
            "krr:global/kontaktinformasjon.read krr:global/digitalpost.read"
        );
        let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
        assert!(lifetime > 0 && lifetime <= 120);
    }

    #[test]
    fn resource_is_an_array_and_consumer_org_a_string() {
        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let credential =
            ClientCredential::from_pem_key(&key.private_key_to_pem_pkcs8().unwrap(), "k").unwrap();
        let mut request = request();
        request.resource = Some("https://test.kontaktregisteret.no/rest/v2/personer".into());
        request.consumer_org = Some("910753614".into());
        let token = make_grant(&request, &credential, Utc::now(), "id-2").unwrap();
        let claims = decode(&token).unwrap().claims;
        assert_eq!(
            claims["resource"],
            json!(["https://test.kontaktregisteret.no/rest/v2/personer"])
        );
        assert_eq!(claims["consumer_org"], "910753614");
    }
}
