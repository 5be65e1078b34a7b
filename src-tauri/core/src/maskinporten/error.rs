//! Maskinporten's errors, each with what the administrator must fix.

use serde::Deserialize;

/// Maskinporten's error body: `{"error", "error_description", "error_uri"}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorBody {
    /// OAuth2 error code (`invalid_grant`, `invalid_scope`, `forbidden`, …).
    #[serde(default)]
    pub error: String,
    /// Text, often with an `MP-nnn`-style reason and a correlation id.
    #[serde(default)]
    pub error_description: String,
}

/// A token could not be had.
#[derive(Debug, thiserror::Error)]
pub enum MaskinportenError {
    /// Maskinporten refused the grant.
    #[error("Maskinporten refused the token request ({error}): {description}. {advice}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// OAuth2 error code.
        error: String,
        /// Maskinporten's description.
        description: String,
        /// What the administrator must fix.
        advice: &'static str,
    },
    /// The grant could not be made (a broken key).
    #[error("could not sign the Maskinporten grant: {0}")]
    Grant(String),
    /// No answer in time.
    #[error("Maskinporten did not answer within {0} seconds")]
    Timeout(u64),
    /// Maskinporten could not be reached.
    #[error("Maskinporten cannot be reached at {url}: {detail}")]
    Network {
        /// The token URL.
        url: String,
        /// Why.
        detail: String,
    },
    /// The answer was not a token.
    #[error("Maskinporten answered with something that is not a token: {0}")]
    Malformed(String),
}

impl MaskinportenError {
    /// Builds the error for a refusal, choosing the advice from the code and text.
    pub fn refused(status: u16, body: ErrorBody) -> Self {
        let advice = advice(&body.error, &body.error_description);
        Self::Refused {
            status,
            error: if body.error.is_empty() {
                format!("HTTP {status}")
            } else {
                body.error
            },
            description: body.error_description,
            advice,
        }
    }
}

/// What to fix, from Maskinporten's code and description (spec §2.7).
fn advice(error: &str, description: &str) -> &'static str {
    let text = description.to_ascii_lowercase();
    match error {
        "invalid_grant" if text.contains("aud") => {
            "The grant's audience is not this Maskinporten: check the Maskinporten issuer for the environment (test and production differ)."
        }
        "invalid_grant" if text.contains("kid") => {
            "The key id (kid) is not registered on this client: register the key in Samarbeidsportalen or use the enterprise certificate."
        }
        "invalid_grant" if text.contains("expired key") => {
            "The registered key has expired: register a new key."
        }
        "invalid_grant" if text.contains("orgno") || text.contains("organization number") => {
            "The certificate belongs to another organisation than the client: use the municipality's own certificate."
        }
        "invalid_grant" if text.contains("certificate") => {
            "The enterprise certificate is not accepted: use a valid certificate for this environment (test certificates in test, production certificates in production)."
        }
        "invalid_grant" if text.contains("used before") => {
            "A grant was reused: this is a program error; try again."
        }
        "invalid_grant"
            if text.contains("expired") || text.contains("issue time") || text.contains("iat") =>
        {
            "The computer's clock is wrong: set the system clock (Maskinporten accepts ±10 seconds)."
        }
        "invalid_grant" => {
            "The client id or certificate is not accepted: check the client id and that the certificate is registered for it."
        }
        "invalid_scope" => {
            "The client lacks a scope it asked for: add the KRR scopes to the client in Samarbeidsportalen."
        }
        "forbidden" => {
            "The organisation has not been granted the scope: ask Digdir for access to KRR."
        }
        "invalid_request" => {
            "The token request was rejected as malformed: check the client settings."
        }
        "invalid_client" => "The client id is unknown: check the client id.",
        _ => "See Maskinporten's description; check the client id, certificate and scopes.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(error: &str, description: &str) -> ErrorBody {
        ErrorBody {
            error: error.into(),
            error_description: description.into(),
        }
    }

    #[test]
    fn each_documented_error_gets_advice_that_names_what_to_fix() {
        let cases = [
            (
                body(
                    "invalid_grant",
                    "Invalid assertion. Client authentication failed. Invalid JWT claim aud",
                ),
                "issuer",
            ),
            (
                body(
                    "invalid_grant",
                    "Invalid assertion. Client authentication failed. Unknown key identifier (kid) for client.",
                ),
                "kid",
            ),
            (
                body(
                    "invalid_grant",
                    "Invalid assertion. Client authentication failed. The JWT is signed with an invalid certificate.",
                ),
                "certificate",
            ),
            (body("invalid_grant", "Grant is used before"), "reused"),
            (body("invalid_grant", "JWT is expired"), "clock"),
            (body("invalid_grant", "Issue time is after now"), "clock"),
            (
                body(
                    "invalid_grant",
                    "Invalid organization number for client. Does not match certificate orgno",
                ),
                "organisation",
            ),
            (
                body(
                    "invalid_scope",
                    "Token request contains invalid scopes for client",
                ),
                "scope",
            ),
            (
                body(
                    "forbidden",
                    "Consumer has not been granted access to the scope krr:global/kontaktinformasjon.read.",
                ),
                "Digdir",
            ),
        ];
        for (body, expected) in cases {
            let message = MaskinportenError::refused(400, body.clone()).to_string();
            assert!(
                message.contains(expected),
                "{}: {message}",
                body.error_description
            );
            assert!(message.contains(&body.error_description));
        }
    }

    #[test]
    fn an_empty_body_still_says_the_status() {
        let message = MaskinportenError::refused(503, ErrorBody::default()).to_string();
        assert!(message.contains("HTTP 503"), "{message}");
    }
}
