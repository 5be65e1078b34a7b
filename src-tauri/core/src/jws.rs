//! Compact JWS with RS256 (RSASSA-PKCS1-v1_5 with SHA-256), signed and verified by OpenSSL.
//! Used for Maskinporten grants (client) and access tokens (sandbox).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openssl::hash::MessageDigest;
use openssl::pkey::{HasPublic, PKeyRef, Private};
use openssl::sign::{Signer, Verifier};
use serde_json::Value;

/// A JWS could not be made or read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwsError {
    /// Not three base64url parts of JSON.
    #[error("malformed JWS: {0}")]
    Malformed(String),
    /// The algorithm is not RS256/RS384/RS512.
    #[error("unsupported JWS algorithm {0:?}")]
    Algorithm(String),
    /// The signature does not verify.
    #[error("invalid JWS signature")]
    Signature,
    /// OpenSSL failed.
    #[error("signing failed: {0}")]
    Crypto(String),
}

/// Signs `header` and `claims` (JSON objects) with RS256.
pub fn sign_rs256(
    header: &Value,
    claims: &Value,
    key: &PKeyRef<Private>,
) -> Result<String, JwsError> {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let crypto = |e: openssl::error::ErrorStack| JwsError::Crypto(e.to_string());
    let mut signer = Signer::new(MessageDigest::sha256(), key).map_err(crypto)?;
    signer.update(input.as_bytes()).map_err(crypto)?;
    let signature = signer.sign_to_vec().map_err(crypto)?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// A decoded but not yet verified JWS.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The protected header.
    pub header: Value,
    /// The claims.
    pub claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

/// Splits and decodes a compact JWS without checking its signature.
pub fn decode(token: &str) -> Result<Decoded, JwsError> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts[..] else {
        return Err(JwsError::Malformed(format!(
            "{} parts instead of 3",
            parts.len()
        )));
    };
    let json = |part: &str, what: &str| -> Result<Value, JwsError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|e| JwsError::Malformed(format!("{what} is not base64url: {e}")))?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| JwsError::Malformed(format!("{what} is not JSON: {e}")))?;
        if value.is_object() {
            Ok(value)
        } else {
            Err(JwsError::Malformed(format!("{what} is not a JSON object")))
        }
    };
    Ok(Decoded {
        header: json(header, "header")?,
        claims: json(claims, "claims")?,
        signing_input: format!("{header}.{claims}"),
        signature: URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|e| JwsError::Malformed(format!("signature is not base64url: {e}")))?,
    })
}

impl Decoded {
    /// Checks the signature with `key` under the header's `alg` (RS256, RS384 or RS512).
    pub fn verify<T: HasPublic>(&self, key: &PKeyRef<T>) -> Result<(), JwsError> {
        if key.rsa().is_err() {
            return Err(JwsError::Algorithm("RS* with a key that is not RSA".into()));
        }
        let digest = match self.header["alg"].as_str() {
            Some("RS256") => MessageDigest::sha256(),
            Some("RS384") => MessageDigest::sha384(),
            Some("RS512") => MessageDigest::sha512(),
            other => return Err(JwsError::Algorithm(other.unwrap_or("none").to_owned())),
        };
        let crypto = |e: openssl::error::ErrorStack| JwsError::Crypto(e.to_string());
        let mut verifier = Verifier::new(digest, key).map_err(crypto)?;
        verifier
            .update(self.signing_input.as_bytes())
            .map_err(crypto)?;
        match verifier.verify(&self.signature) {
            Ok(true) => Ok(()),
            _ => Err(JwsError::Signature),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use serde_json::json;

    fn key() -> PKey<Private> {
        PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap()
    }

    #[test]
    fn a_signed_token_verifies_with_its_key_and_not_with_another() {
        let (mine, other) = (key(), key());
        let token = sign_rs256(
            &json!({"alg": "RS256"}),
            &json!({"iss": "kommunepost", "n": 1}),
            &mine,
        )
        .unwrap();
        let decoded = decode(&token).unwrap();
        assert_eq!(decoded.claims["iss"], "kommunepost");
        decoded.verify(&mine).unwrap();
        assert_eq!(decoded.verify(&other), Err(JwsError::Signature));
    }

    #[test]
    fn a_changed_payload_fails_verification() {
        let key = key();
        let token = sign_rs256(&json!({"alg": "RS256"}), &json!({"scope": "a"}), &key).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(r#"{"scope":"b"}"#),
            parts[2]
        );
        assert_eq!(
            decode(&forged).unwrap().verify(&key),
            Err(JwsError::Signature)
        );
    }

    #[test]
    fn malformed_tokens_and_unknown_algorithms_are_named() {
        assert!(matches!(decode("a.b"), Err(JwsError::Malformed(_))));
        assert!(matches!(decode("!!.e30.AA"), Err(JwsError::Malformed(_))));
        let key = key();
        let token = sign_rs256(&json!({"alg": "HS256"}), &json!({}), &key).unwrap();
        assert_eq!(
            decode(&token).unwrap().verify(&key),
            Err(JwsError::Algorithm("HS256".into()))
        );
    }
}
