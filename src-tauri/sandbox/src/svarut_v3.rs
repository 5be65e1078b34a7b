//! The SvarUt stand-in's REST v3 send and status (`svarut-dpi.md` §1.6.2, the v3 OpenAPI
//! files): `POST /api/v3/kontoer/{konto}/forsendelser/{person|organisasjon|print}` and
//! `…/forsendelser/status/sok` with `{"id": [...]}`. A v3 forsendelse is checked against the
//! v3 schema's required fields and limits, then read into the v2 model and accepted by the
//! same rules, routing and faults as v2 — so both flavours share the record of what arrived.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use kommunepost_core::ident::{Fnr, OrgNr};
use kommunepost_core::svarut::model::{
    Adresse, Dokument, Forsendelse, Lenke, SignaturType, Utskriftskonfigurasjon,
};
use serde_json::{Value, json};

use crate::svarut::{SvarUtDouble, accept, begin, error, receive};

/// The REST v3 routes (send per kind of recipient, status search) of the same stand-in.
pub fn router(double: Arc<SvarUtDouble>) -> axum::Router {
    axum::Router::new()
        .route(
            "/api/v3/kontoer/{konto}/forsendelser/{kind}",
            axum::routing::post(send),
        )
        .route(
            "/api/v3/kontoer/{konto}/forsendelser/status/sok",
            axum::routing::post(status_sok),
        )
        .with_state(double)
}

fn text<'a>(
    value: &'a Value,
    field: &str,
    max: usize,
    required: bool,
) -> Result<Option<&'a str>, String> {
    match value.get(field) {
        None | Some(Value::Null) if required => Err(format!("{field} mangler")),
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Err(format!("{field} kan ikke være tom")),
        Some(Value::String(s)) if s.chars().count() > max => {
            Err(format!("{field} kan ikke være lengre enn {max} tegn"))
        }
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("{field} må være tekst")),
    }
}

/// v3's `Adresse` into the v2 fields.
fn address(value: &Value, into: &mut Adresse) -> Result<(), String> {
    let line = |field| text(value, field, 70, false).map(|s| s.map(str::to_owned));
    into.adresselinje1 = Some(
        text(value, "adresselinje1", 70, true)?
            .unwrap_or_default()
            .to_owned(),
    );
    into.adresselinje2 = line("adresselinje2")?;
    into.adresselinje3 = line("adresselinje3")?;
    into.poststed = Some(
        text(value, "poststed", 70, true)?
            .unwrap_or_default()
            .to_owned(),
    );
    into.postnummer = text(value, "postnummer", 20, false)?.map(str::to_owned);
    if let Some(code) = text(value, "landkode", 2, false)? {
        if code.len() != 2 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            return Err("landkode må være to store bokstaver (ISO 3166-1)".into());
        }
        into.land = Some(code.to_owned());
    }
    Ok(())
}

/// Reads a v3 forsendelse of `kind` into the v2 model, checking what v3 requires.
fn read(kind: &str, v: &Value) -> Result<Forsendelse, String> {
    let tittel = text(v, "tittel", 1000, true)?
        .unwrap_or_default()
        .to_owned();
    let mottaker = v
        .get("mottaker")
        .filter(|m| m.is_object())
        .ok_or("mottaker mangler")?;
    let mut adresse = Adresse {
        navn: text(mottaker, "navn", 100, true)?
            .unwrap_or_default()
            .to_owned(),
        ..Adresse::default()
    };
    match kind {
        "print" => {
            if mottaker.get("digitalId").is_some() {
                return Err("En printforsendelse har ingen digitalId".into());
            }
            address(
                mottaker.get("adresse").ok_or("adresse mangler")?,
                &mut adresse,
            )?;
        }
        "person" | "organisasjon" => {
            let id = text(mottaker, "digitalId", 11, true)?.unwrap_or_default();
            let valid = if kind == "person" {
                Fnr::parse(id).is_ok()
            } else {
                OrgNr::parse(id).is_ok()
            };
            if !valid {
                return Err(format!("digitalId er ikke gyldig for {kind}"));
            }
            adresse.digital_id = Some(id.to_owned());
            if let Some(postal) = mottaker.get("adresse") {
                address(postal, &mut adresse)?;
            }
        }
        _ => return Err(format!("ukjent forsendelsestype {kind}")),
    }
    let dokumenter = v
        .get("dokumenter")
        .and_then(Value::as_array)
        .map(|docs| {
            docs.iter()
                .map(|d| {
                    let mime_type = text(d, "mimeType", 127, true)?
                        .unwrap_or_default()
                        .to_owned();
                    if kind == "print" && mime_type != "application/pdf" {
                        return Err("Kun application/pdf godtas for print".to_owned());
                    }
                    Ok(Dokument {
                        filnavn: text(d, "filnavn", 255, true)?
                            .unwrap_or_default()
                            .to_owned(),
                        mime_type,
                        skal_signeres: d["skalSigneres"].as_bool().unwrap_or(false),
                        dokument_type: d["dokumentType"].as_str().map(str::to_owned),
                        skal_ekskluderes_fra_utskrift: d["skalEkskluderesFraUtskrift"]
                            .as_bool()
                            .unwrap_or(false),
                        giroark_sider: d["giroarkSide"]
                            .as_i64()
                            .and_then(|p| i32::try_from(p).ok())
                            .into_iter()
                            .collect(),
                        ..Dokument::default()
                    })
                })
                .collect::<Result<Vec<_>, String>>()
        })
        .transpose()?
        .unwrap_or_default();
    let sikkerhetsniva = text(v, "sikkerhetsniva", 20, false)?;
    if sikkerhetsniva.is_some_and(|s| s != "BETYDELIG" && s != "HOYESTE") {
        return Err("sikkerhetsniva må være BETYDELIG eller HOYESTE".into());
    }
    let lenker: Vec<Lenke> = match v.get("lenker") {
        Some(value) => serde_json::from_value(value.clone()).map_err(|e| format!("lenker: {e}"))?,
        None => Vec::new(),
    };
    if lenker.len() > 5 {
        return Err("Maks 5 lenker".into());
    }
    let signering = v.get("signering");
    let signatur_type = match signering.map(|s| &s["signaturType"]) {
        Some(kind) => Some(
            serde_json::from_value::<SignaturType>(kind.clone())
                .map_err(|_| "signaturType er ugyldig".to_owned())?,
        ),
        None => None,
    };
    Ok(Forsendelse {
        tittel,
        mottaker: adresse,
        avgivende_system: text(v, "avgivendeSystem", 1000, false)?.map(str::to_owned),
        kun_digital_levering: v["kunDigitalLevering"].as_bool().unwrap_or(false),
        utskriftskonfigurasjon: v
            .get("utskriftskonfigurasjon")
            .map(|u| Utskriftskonfigurasjon {
                utskrift_med_farger: false,
                tosidig: u["tosidig"].as_bool().unwrap_or(false),
            }),
        krev_niva4_innlogging: sikkerhetsniva == Some("HOYESTE"),
        kryptert: v["kryptert"].as_bool().unwrap_or(false),
        dokumenter,
        lenker,
        forsendelsestype: text(v, "forsendelsestype", 100, false)?.map(str::to_owned),
        ekstern_referanse: text(v, "eksternReferanse", 1000, false)?.map(str::to_owned),
        signering_utloper: signering
            .and_then(|s| s["signeringUtloper"].as_str())
            .map(str::to_owned),
        signatur_type,
        ..Forsendelse::default()
    })
}

/// `POST /api/v3/kontoer/{konto}/forsendelser/{person|organisasjon|print}`.
pub(crate) async fn send(
    State(double): State<Arc<SvarUtDouble>>,
    Path((konto, kind)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/api/v3/kontoer/{konto}/forsendelser/{kind}");
    if !matches!(kind.as_str(), "person" | "organisasjon" | "print") {
        // NHN and anything else are not served by the stand-in.
        return error(
            StatusCode::NOT_FOUND,
            "Ukjent endepunkt",
            &path,
            double.clock.now(),
        );
    }
    let received = match receive(&double, &headers, &konto, &path, &body).await {
        Ok(received) => received,
        Err(refused) => return refused,
    };
    let forsendelse = match serde_json::from_slice::<Value>(&received.json)
        .map_err(|e| format!("Ugyldig forsendelse: {e}"))
        .and_then(|v| read(&kind, &v))
    {
        Ok(f) => f,
        Err(message) => return error(StatusCode::BAD_REQUEST, &message, &path, received.now),
    };
    accept(
        &double,
        forsendelse,
        &received.files,
        &path,
        received.now,
        received.n,
        received.faults,
    )
    .await
}

/// `POST /api/v3/kontoer/{konto}/forsendelser/status/sok` with `{"id": [...]}`.
pub(crate) async fn status_sok(
    State(double): State<Arc<SvarUtDouble>>,
    Path(konto): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/api/v3/kontoer/{konto}/forsendelser/status/sok");
    let now = match begin(&double, &headers, Some(&konto), &path).await {
        Ok(now) => now,
        Err(refused) => return refused,
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(ids) = request["id"].as_array() else {
        return error(StatusCode::BAD_REQUEST, "id mangler", &path, now);
    };
    Json(json!({ "statuser": double.statuser(ids, now) })).into_response()
}
