//! The Maskinporten client against the sandbox's Maskinporten over real HTTP, and the
//! stand-in's refusal of every kind of bad grant.

mod support;

use chrono::Utc;
use kommunepost_core::jws::sign_rs256;
use kommunepost_core::maskinporten::{ClientCredential, MaskinportenError, SCOPE_KRR_KONTAKTINFO};
use openssl::pkey::PKey;
use serde_json::{Value, json};

use support::{Sandbox, sandbox};

/// Posts a hand-made grant and returns (status, body).
async fn post_grant(sandbox: &Sandbox, grant: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(sandbox.token_url())
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", grant),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// A grant from the kid client, with `change` applied to the standard claims.
fn kid_grant(
    sandbox: &Sandbox,
    change: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> String {
    let credentials = sandbox.server.credentials();
    let key = PKey::private_key_from_pem(&credentials.kid_private_pem).unwrap();
    let now = Utc::now().timestamp();
    let mut claims = json!({
        "aud": sandbox.server.endpoints().maskinporten,
        "iss": credentials.kid_client_id,
        "scope": SCOPE_KRR_KONTAKTINFO,
        "iat": now,
        "exp": now + 100,
        "jti": uuid_like(),
    });
    change(claims.as_object_mut().unwrap());
    sign_rs256(
        &json!({"alg": "RS256", "kid": credentials.kid}),
        &claims,
        &key,
    )
    .unwrap()
}

fn uuid_like() -> String {
    format!(
        "jti-{}",
        std::time::SystemTime::UNIX_EPOCH
            .elapsed()
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test]
async fn the_client_gets_a_token_with_the_enterprise_certificate_and_caches_it() {
    let sandbox = sandbox(10).await;
    let client = sandbox.maskinporten();
    let first = client.token().await.unwrap();
    assert!(first.scope.contains(SCOPE_KRR_KONTAKTINFO));
    let second = client.token().await.unwrap();
    assert_eq!(
        first.token.expose(),
        second.token.expose(),
        "cached until shortly before expiry"
    );
    client.invalidate().await;
    let third = client.token().await.unwrap();
    assert_ne!(first.token.expose(), third.token.expose());
}

#[tokio::test]
async fn the_client_gets_a_token_with_a_registered_key() {
    let sandbox = sandbox(10).await;
    let credentials = sandbox.server.credentials().clone();
    let credential =
        ClientCredential::from_pem_key(&credentials.kid_private_pem, &credentials.kid).unwrap();
    let client = sandbox.maskinporten_with(
        credential,
        &credentials.kid_client_id,
        &[SCOPE_KRR_KONTAKTINFO],
    );
    assert_eq!(client.token().await.unwrap().scope, SCOPE_KRR_KONTAKTINFO);
}

#[tokio::test]
async fn the_stand_in_accepts_a_correct_hand_made_grant() {
    let sandbox = sandbox(10).await;
    let (status, body) = post_grant(&sandbox, &kid_grant(&sandbox, |_| {})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 120);
}

#[tokio::test]
async fn the_stand_in_rejects_each_bad_grant_with_maskinportens_error() {
    let sandbox = sandbox(10).await;
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "wrong aud",
            kid_grant(&sandbox, |c| {
                c.insert("aud".into(), json!("https://maskinporten.no/"));
            }),
            "invalid_grant",
            "aud",
        ),
        (
            "token url as aud",
            kid_grant(&sandbox, |c| {
                c.insert(
                    "aud".into(),
                    json!(format!("{}token", c["aud"].as_str().unwrap())),
                );
            }),
            "invalid_grant",
            "aud",
        ),
        (
            "exp too far",
            kid_grant(&sandbox, |c| {
                let iat = c["iat"].as_i64().unwrap();
                c.insert("exp".into(), json!(iat + 121));
            }),
            "invalid_grant",
            "120",
        ),
        (
            "iat in the future",
            kid_grant(&sandbox, |c| {
                let now = c["iat"].as_i64().unwrap();
                c.insert("iat".into(), json!(now + 60));
                c.insert("exp".into(), json!(now + 100));
            }),
            "invalid_grant",
            "Issue time",
        ),
        (
            "expired",
            kid_grant(&sandbox, |c| {
                let now = c["iat"].as_i64().unwrap();
                c.insert("iat".into(), json!(now - 200));
                c.insert("exp".into(), json!(now - 100));
            }),
            "invalid_grant",
            "expired",
        ),
        (
            "extra claim",
            kid_grant(&sandbox, |c| {
                c.insert("sub".into(), json!("noen"));
            }),
            "invalid_request",
            "Invalid assertion",
        ),
        (
            "unknown client",
            kid_grant(&sandbox, |c| {
                c.insert("iss".into(), json!("ukjent-klient"));
            }),
            "invalid_grant",
            "Client not found",
        ),
        (
            "scope not on client",
            kid_grant(&sandbox, |c| {
                c.insert(
                    "scope".into(),
                    json!("folkeregister:deling/offentligutenhjemmel"),
                );
            }),
            "invalid_scope",
            "invalid scopes",
        ),
        (
            "no jti",
            kid_grant(&sandbox, |c| {
                c.remove("jti");
            }),
            "invalid_grant",
            "jti",
        ),
    ];
    for (what, grant, error, text) in cases {
        let (status, body) = post_grant(&sandbox, &grant).await;
        assert_eq!(status, 400, "{what}: {body}");
        assert_eq!(body["error"], error, "{what}: {body}");
        let description = body["error_description"].as_str().unwrap();
        assert!(description.contains(text), "{what}: {description}");
        assert!(description.contains("correlation id"), "{what}");
    }
}

#[tokio::test]
async fn a_reused_grant_is_refused_the_second_time() {
    let sandbox = sandbox(10).await;
    let grant = kid_grant(&sandbox, |_| {});
    assert_eq!(post_grant(&sandbox, &grant).await.0, 200);
    let (status, body) = post_grant(&sandbox, &grant).await;
    assert_eq!(
        (
            status,
            body["error_description"]
                .as_str()
                .unwrap()
                .contains("Grant is used before")
        ),
        (400, true)
    );
}

#[tokio::test]
async fn a_grant_signed_with_the_wrong_key_is_refused() {
    let sandbox = sandbox(10).await;
    let credentials = sandbox.server.credentials();
    let other = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let now = Utc::now().timestamp();
    let claims = json!({"aud": sandbox.server.endpoints().maskinporten, "iss": credentials.kid_client_id,
        "scope": SCOPE_KRR_KONTAKTINFO, "iat": now, "exp": now + 100, "jti": uuid_like()});
    let grant = sign_rs256(
        &json!({"alg": "RS256", "kid": credentials.kid}),
        &claims,
        &other,
    )
    .unwrap();
    let (status, body) = post_grant(&sandbox, &grant).await;
    assert_eq!(status, 400);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("Invalid JWT signature"),
        "{body}"
    );
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_refused_and_the_client_says_what_to_fix() {
    let sandbox = sandbox(10).await;
    let foreign_ca = kommunepost_sandbox::ca::TestCa::new().unwrap();
    let issued = foreign_ca
        .issue(kommunepost_sandbox::SANDBOX_ORG_NUMBER, "Falsk kommune", 30)
        .unwrap();
    let p12 = issued.to_pkcs12(&foreign_ca, "pw").unwrap();
    let credential = ClientCredential::from_pkcs12(&p12, "pw").unwrap();
    let client_id = sandbox.server.credentials().client_id.clone();
    let client = sandbox.maskinporten_with(credential, &client_id, &[SCOPE_KRR_KONTAKTINFO]);
    let error = client.token().await.unwrap_err();
    let MaskinportenError::Refused {
        status,
        error: code,
        advice,
        ..
    } = &error
    else {
        panic!("{error}")
    };
    assert_eq!((*status, code.as_str()), (400, "invalid_grant"));
    assert!(advice.contains("certificate"), "{error}");
}

#[tokio::test]
async fn a_string_x5c_is_refused() {
    let sandbox = sandbox(10).await;
    let credentials = sandbox.server.credentials();
    let key = PKey::private_key_from_pem(&credentials.kid_private_pem).unwrap();
    let now = Utc::now().timestamp();
    let claims = json!({"aud": sandbox.server.endpoints().maskinporten, "iss": credentials.client_id,
        "scope": SCOPE_KRR_KONTAKTINFO, "iat": now, "exp": now + 100, "jti": uuid_like()});
    let grant = sign_rs256(&json!({"alg": "RS256", "x5c": "MIIB"}), &claims, &key).unwrap();
    let (status, body) = post_grant(&sandbox, &grant).await;
    assert_eq!(status, 400);
    assert!(
        body["error_description"].as_str().unwrap().contains("x5c"),
        "{body}"
    );
}

#[tokio::test]
async fn the_token_endpoint_wants_a_form_with_exactly_two_fields() {
    let sandbox = sandbox(10).await;
    let http = reqwest::Client::new();
    let json_body = http
        .post(sandbox.token_url())
        .json(&json!({"grant_type": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status().as_u16(), 400);
    let extra = http
        .post(sandbox.token_url())
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
            ("assertion", "a.b.c"),
            ("client_id", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(extra.status().as_u16(), 400);
}

#[tokio::test]
async fn metadata_and_jwk_are_published() {
    let sandbox = sandbox(10).await;
    let issuer = sandbox.server.endpoints().maskinporten;
    let metadata: Value = reqwest::get(format!("{issuer}.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["issuer"], issuer);
    assert_eq!(metadata["token_endpoint"], format!("{issuer}token"));
    let jwk: Value = reqwest::get(format!("{issuer}jwk"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwk["keys"][0]["kty"], "RSA");
}
