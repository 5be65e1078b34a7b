//! KRR's stand-in: `POST /rest/v1/personer` and `/rest/v2/personer` over the synthetic
//! population. It requires a valid, unexpired access token from the sandbox Maskinporten,
//! returns only what the token's scopes unlock, accepts 1–1000 identifiers, filters contact
//! information for `KAN_IKKE_VARSLES`, and writes KRR's own timestamp format (`+02`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use kommunepost_core::clock::Clock;
use kommunepost_core::jws;
use kommunepost_core::krr::time::format_krr_time;
use kommunepost_core::maskinporten::{SCOPE_KRR_DIGITALPOST, SCOPE_KRR_KONTAKTINFO};
use kommunepost_core::routing::is_fresh;
use openssl::pkey::{PKey, Public};
use serde_json::{Map, Value, json};

use crate::population::{ContactPoint, KrrStatus, Population, SyntheticPerson};

/// Fault injection, changeable while the stand-in runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KrrFaults {
    /// Added to every answer.
    pub latency: Duration,
    /// Every n-th request fails with 500 (0 = never).
    pub fail_every: usize,
    /// The next n requests are answered 401 as if the token had expired.
    pub expire_next_tokens: usize,
    /// The next n requests get a body that is not JSON.
    pub malformed_next: usize,
    /// Omit contact information for `KAN_IKKE_VARSLES` persons (documented behaviour; spec
    /// §1.7 marks it UNCONFIRMED, hence the switch).
    pub keep_contact_when_cannot_notify: bool,
}

/// The stand-in's state.
pub struct KrrDouble {
    population: Arc<Population>,
    token_key: PKey<Public>,
    issuer: String,
    clock: Arc<dyn Clock>,
    faults: Mutex<KrrFaults>,
    requests: AtomicUsize,
    v1_requests: AtomicUsize,
}

impl std::fmt::Debug for KrrDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KrrDouble")
            .field("requests", &self.requests)
            .finish_non_exhaustive()
    }
}

impl KrrDouble {
    /// A stand-in trusting tokens signed with `token_key` by `issuer`.
    pub fn new(
        population: Arc<Population>,
        token_key: PKey<Public>,
        issuer: String,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            population,
            token_key,
            issuer,
            clock,
            faults: Mutex::new(KrrFaults::default()),
            requests: AtomicUsize::new(0),
            v1_requests: AtomicUsize::new(0),
        }
    }

    /// Changes the faults.
    pub fn set_faults(&self, faults: KrrFaults) {
        *self.faults.lock().unwrap_or_else(|p| p.into_inner()) = faults;
    }

    /// Requests received so far (including refused ones).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Requests received on `/rest/v1`.
    pub fn v1_requests(&self) -> usize {
        self.v1_requests.load(Ordering::SeqCst)
    }

    /// The routes.
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route("/rest/{version}/personer", post(personer))
            .with_state(self)
    }

    /// The scopes of a valid bearer token, or the refusal.
    fn authorise(&self, headers: &HeaderMap) -> Result<Vec<String>, (StatusCode, &'static str)> {
        let now = self.clock.now();
        let unauthorised = |why: &'static str| (StatusCode::UNAUTHORIZED, why);
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| unauthorised("Missing bearer token"))?;
        let decoded = jws::decode(token).map_err(|_| unauthorised("Invalid token"))?;
        decoded
            .verify(&self.token_key)
            .map_err(|_| unauthorised("Invalid token signature"))?;
        let claims = &decoded.claims;
        if claims["iss"].as_str() != Some(self.issuer.as_str()) {
            return Err(unauthorised("Token from another issuer"));
        }
        if claims["exp"].as_i64().unwrap_or(0) <= now.timestamp() {
            return Err(unauthorised("Token expired"));
        }
        let scopes: Vec<String> = claims["scope"]
            .as_str()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if !scopes
            .iter()
            .any(|s| s == SCOPE_KRR_KONTAKTINFO || s == SCOPE_KRR_DIGITALPOST)
        {
            return Err((StatusCode::FORBIDDEN, "Token has no KRR scope"));
        }
        Ok(scopes)
    }

    /// One person as KRR would describe them to a token with `scopes`; `None` when KRR would
    /// leave them out.
    fn describe(
        &self,
        id: &str,
        scopes: &[String],
        include_unregistered: bool,
        faults: &KrrFaults,
    ) -> Option<Value> {
        let unregistered = json!({ "personidentifikator": id, "status": "IKKE_REGISTRERT", "varslingsstatus": "KAN_IKKE_VARSLES" });
        let Some(person) = self.population.person(id) else {
            return include_unregistered.then_some(unregistered);
        };
        let krr = &person.krr;
        match krr.status {
            KrrStatus::IkkeRegistrert => return include_unregistered.then_some(unregistered),
            KrrStatus::Slettet => {
                return Some(
                    json!({ "personidentifikator": id, "status": "SLETTET", "varslingsstatus": "KAN_IKKE_VARSLES" }),
                );
            }
            KrrStatus::Aktiv => {}
        }
        let now = self.clock.now();
        let fresh = |point: &Option<ContactPoint>| {
            point
                .as_ref()
                .is_some_and(|p| is_fresh(Some(p.updated), Some(p.last_verified), now))
        };
        let can_notify = !krr.reserved && (fresh(&krr.email) || fresh(&krr.mobile));
        let mut out = Map::new();
        out.insert("personidentifikator".into(), json!(id));
        out.insert(
            "reservasjon".into(),
            json!(if krr.reserved { "JA" } else { "NEI" }),
        );
        if let Some(at) = krr.reserved_at {
            out.insert("reservasjonstidspunkt".into(), json!(format_krr_time(at)));
            out.insert("reservasjon_oppdatert".into(), json!(format_krr_time(at)));
        }
        out.insert("status".into(), json!("AKTIV"));
        let show_details = can_notify || faults.keep_contact_when_cannot_notify;
        if scopes.iter().any(|s| s == SCOPE_KRR_KONTAKTINFO) {
            out.insert(
                "varslingsstatus".into(),
                json!(if can_notify {
                    "KAN_VARSLES"
                } else {
                    "KAN_IKKE_VARSLES"
                }),
            );
            if show_details {
                let contact = contact_info(person);
                if !contact.is_empty() {
                    out.insert("kontaktinformasjon".into(), Value::Object(contact));
                }
            }
            if let Some(language) = krr.language {
                out.insert("spraak".into(), json!(language));
                out.insert(
                    "spraak_oppdatert".into(),
                    json!(format_krr_time(now - chrono::Duration::days(200))),
                );
            }
        }
        if scopes.iter().any(|s| s == SCOPE_KRR_DIGITALPOST)
            && show_details
            && let Some(mailbox) = &krr.mailbox
        {
            out.insert(
                "digital_post".into(),
                json!({
                    "postkasseadresse": mailbox.address,
                    "postkasseleverandoeradresse": mailbox.provider.orgnr(),
                }),
            );
            // The provider's certificate; the same for every user of the provider.
            out.insert(
                "sertifikat".into(),
                json!(format!(
                    "U0FOREtBU1NFLVNFUlRJRklLQVQt{}",
                    mailbox.provider.orgnr()
                )),
            );
        }
        Some(Value::Object(out))
    }
}

fn contact_info(person: &SyntheticPerson) -> Map<String, Value> {
    let mut contact = Map::new();
    for (name, point) in [
        ("epostadresse", &person.krr.email),
        ("mobiltelefonnummer", &person.krr.mobile),
    ] {
        if let Some(point) = point {
            contact.insert(name.into(), json!(point.value));
            contact.insert(
                format!("{name}_oppdatert"),
                json!(format_krr_time(point.updated)),
            );
            contact.insert(
                format!("{name}_sist_verifisert"),
                json!(format_krr_time(point.last_verified)),
            );
        }
    }
    contact
}

/// An error body like the Spring service behind KRR writes (spec §1.8: shape UNCONFIRMED).
fn spring_error(status: StatusCode, message: &str, now: chrono::DateTime<chrono::Utc>) -> Response {
    (
        status,
        Json(json!({
            "timestamp": now.to_rfc3339(),
            "status": status.as_u16(),
            "error": status.canonical_reason().unwrap_or(""),
            "message": message,
        })),
    )
        .into_response()
}

async fn personer(
    State(double): State<Arc<KrrDouble>>,
    Path(version): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let number = double.requests.fetch_add(1, Ordering::SeqCst) + 1;
    let now = double.clock.now();
    if version == "v1" {
        double.v1_requests.fetch_add(1, Ordering::SeqCst);
    }
    let faults = {
        let mut faults = double.faults.lock().unwrap_or_else(|p| p.into_inner());
        let current = faults.clone();
        faults.expire_next_tokens = faults.expire_next_tokens.saturating_sub(1);
        faults.malformed_next = faults.malformed_next.saturating_sub(1);
        current
    };
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if version != "v1" && version != "v2" {
        return spring_error(StatusCode::NOT_FOUND, "No such API version", now);
    }
    if faults.expire_next_tokens > 0 {
        return spring_error(StatusCode::UNAUTHORIZED, "Token expired", now);
    }
    let scopes = match double.authorise(&headers) {
        Ok(scopes) => scopes,
        Err((status, why)) => return spring_error(status, why, now),
    };
    if faults.fail_every > 0 && number % faults.fail_every == 0 {
        return spring_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error (injected)",
            now,
        );
    }
    if faults.malformed_next > 0 {
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"personer\": [ {\"personident",
        )
            .into_response();
    }
    let request: Value = match serde_json::from_str(&body) {
        Ok(value) => value,
        Err(e) => {
            return spring_error(
                StatusCode::BAD_REQUEST,
                &format!("Malformed JSON: {e}"),
                now,
            );
        }
    };
    let Some(ids) = request["personidentifikatorer"].as_array() else {
        return spring_error(
            StatusCode::BAD_REQUEST,
            "personidentifikatorer is required",
            now,
        );
    };
    if ids.is_empty() || ids.len() > 1000 {
        return spring_error(
            StatusCode::BAD_REQUEST,
            "personidentifikatorer must have 1 to 1000 elements",
            now,
        );
    }
    // v1 reports unknown persons (UNCONFIRMED, spec §1.6); v2 only when asked.
    let include_unregistered =
        version == "v1" || request["inkluderIkkeRegistrerte"].as_bool() == Some(true);
    let personer: Vec<Value> = ids
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|id| double.describe(id, &scopes, include_unregistered, &faults))
        .collect();
    Json(json!({ "personer": personer })).into_response()
}
