//! A SvarUt REST v2 stand-in: checks what the real one checks (Maskinporten token with
//! `ks:fiks`, `IntegrasjonId`/`IntegrasjonPassord`, the account, the multipart shape, file
//! names and order, required fields and limits, print rules), answers with SvarUt's error JSON,
//! and routes each forsendelse through the population as SvarUt does — digital mailbox,
//! Altinn, or print — with statuses that progress on the sandbox clock (`svarut-dpi.md` §2.5).
//! Every accepted forsendelse is recorded, so tests can count duplicates.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use kommunepost_core::clock::Clock;
use kommunepost_core::jws;
use kommunepost_core::svarut::model::{Forsendelse, Status};
use openssl::pkey::{PKey, Private, Public};
use openssl::x509::X509;
use serde_json::json;

use crate::multipart::{Part, parse_multipart};
use crate::population::{KrrStatus, Population};

/// Faults to inject.
#[derive(Debug, Clone, Copy, Default)]
pub struct SvarUtFaults {
    /// Delay before every answer.
    pub latency: Duration,
    /// Every n-th send fails with 503 before anything is stored (0: never).
    pub fail_every: usize,
    /// Every n-th send is stored, then the answer is withheld for `stall` (a client timeout
    /// with the outcome unknown; 0: never).
    pub stall_every: usize,
    /// How long a stalled answer is withheld.
    pub stall: Duration,
    /// Every n-th request of any kind is refused with 429 Too Many Requests (0: never).
    pub rate_limit_every: usize,
    /// Every n-th send is stored, then the connection breaks off in the middle of the answer
    /// (the client sees a dropped connection with the outcome unknown; 0: never).
    pub drop_every: usize,
}

/// How a forsendelse is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Digital mailbox (DPI).
    Sdp,
    /// Notified through Altinn; read, or printed after the read deadline.
    Altinn {
        /// Read before the deadline.
        read: bool,
    },
    /// Printed.
    Print,
    /// To an organisation's receiving system (SvarInn): waits, then fetched.
    SvarInn,
    /// Digital delivery only (`kunDigitalLevering`) to someone who cannot be reached
    /// digitally: `SENDT_DIGITALT`, then `IKKE_LEVERT`.
    NotDelivered,
    /// A document that is not what its mime type says: the forsendelse file cannot be built,
    /// `AVVIST`.
    Rejected,
}

/// An accepted forsendelse.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// SvarUt's id.
    pub id: String,
    /// The metadata.
    pub forsendelse: Forsendelse,
    /// File names and sizes as received (encrypted, for an encrypted forsendelse), in order.
    pub files: Vec<(String, usize)>,
    /// When it was received.
    pub at: DateTime<Utc>,
    /// How it goes.
    pub channel: Channel,
    /// The files as decrypted by the stand-in, for an encrypted forsendelse (`kryptert`);
    /// empty otherwise.
    pub decrypted: Vec<Vec<u8>>,
}

/// A forsendelse id that carries its receipt time and channel (a version-8 UUID: 48 bits of
/// milliseconds, the channel in the version nibble's byte, a marker, then random bits), so a
/// sandbox started later — another `kommunepost` run — still answers its status and events.
pub fn encode_id(at: DateTime<Utc>, channel: Channel, random: [u8; 16]) -> String {
    let millis = at.timestamp_millis().max(0) as u64;
    let mut bytes = random;
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = 0x80
        | match channel {
            Channel::Sdp => 0,
            Channel::Altinn { read: true } => 1,
            Channel::Altinn { read: false } => 2,
            Channel::Print => 3,
            Channel::SvarInn => 4,
            Channel::NotDelivered => 5,
            Channel::Rejected => 6,
        };
    bytes[7] = ID_MARKER;
    bytes[8] = 0x80 | (bytes[8] & 0x3f);
    uuid::Uuid::from_bytes(bytes).to_string()
}

const ID_MARKER: u8 = 0x5b;

/// The receipt time and channel of an id made by [`encode_id`].
pub fn decode_id(id: &str) -> Option<(DateTime<Utc>, Channel)> {
    let bytes = *uuid::Uuid::parse_str(id).ok()?.as_bytes();
    if bytes[6] >> 4 != 8 || bytes[7] != ID_MARKER {
        return None;
    }
    let mut millis = [0u8; 8];
    millis[2..].copy_from_slice(&bytes[..6]);
    let at = DateTime::from_timestamp_millis(i64::try_from(u64::from_be_bytes(millis)).ok()?)?;
    let channel = match bytes[6] & 0x0f {
        0 => Channel::Sdp,
        1 => Channel::Altinn { read: true },
        2 => Channel::Altinn { read: false },
        3 => Channel::Print,
        4 => Channel::SvarInn,
        5 => Channel::NotDelivered,
        6 => Channel::Rejected,
        _ => return None,
    };
    Some((at, channel))
}

/// The read deadline for Altinn before print (per account in the real SvarUt; §2.1).
pub const LESEFRIST: chrono::Duration = chrono::Duration::days(2);

impl Accepted {
    /// The statuses so far at `now`, with their times and event texts. `speed` runs the
    /// progression faster than real time (1: as SvarUt; 3600: an hour per second), so a demo
    /// or a test sees a letter printed without waiting a day.
    pub fn history(
        &self,
        now: DateTime<Utc>,
        speed: u32,
    ) -> Vec<(DateTime<Utc>, Status, &'static str)> {
        let s = chrono::Duration::seconds;
        let mut steps = vec![
            (s(0), Status::Mottatt, "Mottatt, og tildelt forsendelse-id"),
            (s(5), Status::Akseptert, "Akseptert for ekspedering"),
        ];
        match self.channel {
            Channel::Sdp => {
                steps.push((s(30), Status::SendtSdp, "Sendt til digital postkasse"));
                steps.push((s(120), Status::LevertSdp, "Levert til digital postkasse"));
            }
            Channel::Altinn { read } => {
                steps.push((s(60), Status::Varslet, "Varslet i Altinn"));
                if read {
                    steps.push((s(3600), Status::Lest, "Lest av mottaker"));
                } else {
                    steps.push((LESEFRIST, Status::SendtPrint, "Lesefrist utløpt."));
                    steps.push((
                        LESEFRIST + chrono::Duration::days(1),
                        Status::Printet,
                        "Printet",
                    ));
                }
            }
            Channel::Print => {
                steps.push((s(60), Status::SendtPrint, "Sendt til print"));
                steps.push((s(86_400), Status::Printet, "Printet"));
            }
            Channel::SvarInn => {
                steps.push((
                    s(30),
                    Status::KlarForMottak,
                    "Klar for mottak i mottakers system",
                ));
                steps.push((s(600), Status::Lest, "Lest av mottakers system"));
            }
            Channel::NotDelivered => {
                steps.push((s(30), Status::SendtDigitalt, "Sendt digitalt"));
                steps.push((
                    LESEFRIST,
                    Status::IkkeLevert,
                    "Ikke levert: mottaker kan ikke nås digitalt",
                ));
            }
            Channel::Rejected => {
                steps.truncate(1);
                steps.push((
                    s(5),
                    Status::Avvist,
                    "Avvist: forsendelsesfilen kunne ikke lages",
                ));
            }
        }
        let speed = i32::try_from(speed.max(1)).unwrap_or(i32::MAX);
        steps
            .into_iter()
            .map(|(offset, status, text)| (self.at + offset / speed, status, text))
            .filter(|(at, _, _)| *at <= now)
            .collect()
    }
}

/// The certificate files are encrypted for, and its key.
type CmsKey = (X509, PKey<Private>);

/// The stand-in.
pub struct SvarUtDouble {
    population: Arc<Population>,
    token_key: PKey<Public>,
    issuer: String,
    pub(crate) clock: Arc<dyn Clock>,
    konto_id: String,
    integrasjon_id: String,
    integrasjon_passord: String,
    accepted: Mutex<Vec<Accepted>>,
    pub(crate) faults: Mutex<SvarUtFaults>,
    pub(crate) sends: AtomicUsize,
    requests: AtomicUsize,
    waiting: AtomicUsize,
    most_waiting: AtomicUsize,
    speed: AtomicU32,
    /// The stand-in's own certificate and key for encrypted sending, made when first asked for
    /// (and anew after [`SvarUtDouble::rotate_key`]).
    cms: Mutex<Option<Arc<CmsKey>>>,
    /// The last token whose signature checked out, with its claims: a client sends the same
    /// token until it expires, and the same bytes verify the same way every time (its issuer,
    /// expiry and scope are still checked on every request).
    verified: Mutex<Option<(String, serde_json::Value)>>,
}

impl std::fmt::Debug for SvarUtDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SvarUtDouble")
            .field("konto_id", &self.konto_id)
            .finish_non_exhaustive()
    }
}

pub(crate) fn error(status: StatusCode, message: &str, path: &str, now: DateTime<Utc>) -> Response {
    (
        status,
        Json(json!({
            "timestamp": now.timestamp_millis(),
            "status": status.as_u16(),
            "error": status.canonical_reason().unwrap_or(""),
            "errorId": uuid::Uuid::new_v4().to_string(),
            "path": path,
            "originalPath": path,
            "message": message,
        })),
    )
        .into_response()
}

pub(crate) fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string()
}

impl SvarUtDouble {
    /// A stand-in for the account `konto_id`, accepting the integration given.
    pub fn new(
        population: Arc<Population>,
        token_key: PKey<Public>,
        issuer: String,
        clock: Arc<dyn Clock>,
        konto_id: String,
        integrasjon_id: String,
        integrasjon_passord: String,
    ) -> Self {
        Self {
            population,
            token_key,
            issuer,
            clock,
            konto_id,
            integrasjon_id,
            integrasjon_passord,
            accepted: Mutex::new(Vec::new()),
            faults: Mutex::new(SvarUtFaults::default()),
            sends: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            most_waiting: AtomicUsize::new(0),
            speed: AtomicU32::new(1),
            cms: Mutex::new(None),
            verified: Mutex::new(None),
        }
    }

    /// The certificate and key SvarUt's files are encrypted for: an RSA-2048 self-signed
    /// certificate, valid a year, made on first use (so a sandbox that never sees an
    /// encrypted letter never pays for the key).
    fn cms(&self) -> Arc<CmsKey> {
        let mut slot = self.cms.lock().expect("not poisoned");
        slot.get_or_insert_with(|| {
            let make = || -> Result<(X509, PKey<Private>), openssl::error::ErrorStack> {
                let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048)?)?;
                let mut name = openssl::x509::X509NameBuilder::new()?;
                name.append_entry_by_text("O", "KS (sandkasse)")?;
                name.append_entry_by_text("CN", "SvarUt forsendelse (sandkasse)")?;
                let name = name.build();
                let mut builder = X509::builder()?;
                builder.set_version(2)?;
                let mut serial = openssl::bn::BigNum::new()?;
                serial.rand(64, openssl::bn::MsbOption::MAYBE_ZERO, false)?;
                let serial = serial.to_asn1_integer()?;
                builder.set_serial_number(&serial)?;
                builder.set_subject_name(&name)?;
                builder.set_issuer_name(&name)?;
                builder.set_pubkey(&key)?;
                // Valid from a day before the sandbox's now, as the test CA's are: a client
                // whose clock was read just before the key was made must not find it "not yet
                // valid".
                let now = self.clock.now().timestamp();
                let from = openssl::asn1::Asn1Time::from_unix(now - 86_400)?;
                builder.set_not_before(&from)?;
                let to = openssl::asn1::Asn1Time::from_unix(now + 365 * 86_400)?;
                builder.set_not_after(&to)?;
                builder.sign(&key, openssl::hash::MessageDigest::sha256())?;
                Ok((builder.build(), key))
            };
            Arc::new(make().expect("OpenSSL makes an RSA key and certificate"))
        })
        .clone()
    }

    /// SvarUt changes its key: a new one is made when next asked for (files encrypted for the
    /// old one no longer open).
    pub fn rotate_key(&self) {
        *self.cms.lock().expect("not poisoned") = None;
    }

    /// The certificate SvarUt's files are encrypted for, as PEM (what
    /// `GET /forsendelse/publickey/hent` serves).
    pub fn public_key_pem(&self) -> Vec<u8> {
        self.cms().0.to_pem().expect("a certificate encodes as PEM")
    }

    /// Decrypts a file sent encrypted (DER CMS EnvelopedData for this stand-in's key), as
    /// SvarUt does to print or deliver it.
    pub fn decrypt(&self, der: &[u8]) -> Result<Vec<u8>, String> {
        let pair = self.cms();
        let (cert, key) = (&pair.0, &pair.1);
        let cms = openssl::cms::CmsContentInfo::from_der(der)
            .map_err(|_| "er ikke CMS (EnvelopedData)".to_owned())?;
        cms.decrypt(key, cert)
            .map_err(|_| "kan ikke dekrypteres med SvarUts nøkkel".to_owned())
    }

    /// Sets the faults.
    pub fn set_faults(&self, faults: SvarUtFaults) {
        *self.faults.lock().expect("not poisoned") = faults;
    }

    /// `ForsendelseStatus` for each id it knows, as of `now` (v2 and v3 answer alike).
    pub(crate) fn statuser(
        &self,
        ids: &[serde_json::Value],
        now: DateTime<Utc>,
    ) -> Vec<serde_json::Value> {
        ids.iter()
            .filter_map(|id| id.as_str())
            .filter_map(|id| self.find(id))
            .filter_map(|a| {
                a.history(now, self.speed()).last().map(|(at, status, _)| {
                    json!({ "id": a.id, "sisteStatusEndring": iso(*at), "status": status.as_str() })
                })
            })
            .collect()
    }

    /// Runs the status progression `speed` times faster than real time (1: as SvarUt).
    pub fn set_speed(&self, speed: u32) {
        self.speed.store(speed.max(1), Ordering::SeqCst);
    }

    /// How much faster than real time statuses progress.
    pub fn speed(&self) -> u32 {
        self.speed.load(Ordering::SeqCst)
    }

    /// Send requests received so far (accepted, refused or faulted), v2 and v3.
    pub fn send_requests(&self) -> usize {
        self.sends.load(Ordering::SeqCst)
    }

    /// The most requests that were under way at once (counted while a `latency` fault is set):
    /// how many a client keeps in flight.
    pub fn most_in_flight(&self) -> usize {
        self.most_waiting.load(Ordering::SeqCst)
    }

    /// Every forsendelse accepted so far.
    pub fn accepted(&self) -> Vec<Accepted> {
        self.accepted.lock().expect("not poisoned").clone()
    }

    /// A forsendelse this stand-in accepted, or one an earlier sandbox did (from its id).
    pub(crate) fn find(&self, id: &str) -> Option<Accepted> {
        if let Some(found) = self
            .accepted
            .lock()
            .expect("not poisoned")
            .iter()
            .find(|a| a.id == id)
        {
            return Some(found.clone());
        }
        let (at, channel) = decode_id(id)?;
        Some(Accepted {
            id: id.to_owned(),
            forsendelse: Forsendelse::default(),
            files: Vec::new(),
            at,
            channel,
            decrypted: Vec::new(),
        })
    }

    /// The REST v2 routes, under `/api` (v3's are [`crate::svarut_v3::router`]).
    pub fn router(self: Arc<Self>) -> Router {
        Router::new()
            .route(
                "/api/v2/kontoer/{konto}/forsendelser",
                post(send).get(by_ekstern_ref),
            )
            .route("/api/v2/kontoer/{konto}/forsendelser/", post(send))
            .route(
                "/api/v2/kontoer/{konto}/forsendelser/status-sok",
                post(status_sok),
            )
            .route("/api/v2/forsendelser/{id}/hendelser", get(hendelser))
            .route("/api/v2/mottakersystem", get(mottakersystem))
            .route("/forsendelse/publickey/hent", get(public_key))
            .with_state(self)
    }

    /// The claims of `token` if its signature is Maskinporten's (see `verified`).
    fn verified_claims(&self, token: &str) -> Option<serde_json::Value> {
        let verified = || {
            self.verified
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some((known, claims)) = verified().as_ref()
            && known == token
        {
            return Some(claims.clone());
        }
        // Checked without the lock, so other requests need not wait on it.
        let decoded = jws::decode(token).ok()?;
        decoded.verify(&self.token_key).ok()?;
        *verified() = Some((token.to_owned(), decoded.claims.clone()));
        Some(decoded.claims)
    }

    /// Token, integration and account, as SvarUt checks them (§1.3).
    fn authorise(
        &self,
        headers: &HeaderMap,
        konto: Option<&str>,
    ) -> Result<(), (StatusCode, String)> {
        let now = self.clock.now();
        let bad_token = || {
            (
                StatusCode::UNAUTHORIZED,
                "Klarte ikke å validere access_token".to_owned(),
            )
        };
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(bad_token)?;
        let claims = self.verified_claims(token).ok_or_else(bad_token)?;
        if claims["iss"].as_str() != Some(self.issuer.as_str())
            || claims["exp"].as_i64().unwrap_or(0) <= now.timestamp()
            || !claims["scope"]
                .as_str()
                .unwrap_or("")
                .split_whitespace()
                .any(|s| s == "ks:fiks")
        {
            return Err(bad_token());
        }
        let id = headers
            .get("IntegrasjonId")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let password = headers
            .get("IntegrasjonPassord")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if id != self.integrasjon_id || password != self.integrasjon_passord {
            return Err((
                StatusCode::UNAUTHORIZED,
                format!("Autentisering feilet for integrasjon med id {id}"),
            ));
        }
        if konto.is_some_and(|k| k != self.konto_id) {
            return Err((
                StatusCode::FORBIDDEN,
                "Integrasjonen har ikke tilgang til kontoen".to_owned(),
            ));
        }
        Ok(())
    }

    /// How SvarUt would deliver to this recipient.
    fn route(&self, forsendelse: &Forsendelse, files: &[Part]) -> Channel {
        let declared_pdf = forsendelse
            .dokumenter
            .iter()
            .zip(files)
            .any(|(d, f)| d.mime_type == "application/pdf" && !f.body.starts_with(b"%PDF-"));
        if declared_pdf {
            return Channel::Rejected;
        }
        let channel = self.route_recipient(forsendelse);
        if forsendelse.kun_digital_levering && channel == Channel::Print {
            return Channel::NotDelivered;
        }
        channel
    }

    fn route_recipient(&self, forsendelse: &Forsendelse) -> Channel {
        let Some(id) = forsendelse.mottaker.digital_id.as_deref() else {
            return Channel::Print;
        };
        // Some organisations read in Altinn, others let the deadline pass (by their number).
        let read = id.bytes().map(u32::from).sum::<u32>() % 3 != 0;
        if id.len() == 9 {
            let svarinn = self
                .population
                .organisations
                .iter()
                .any(|o| o.orgnr.to_string() == id && o.has_receiving_system);
            return if svarinn {
                Channel::SvarInn
            } else {
                Channel::Altinn { read }
            };
        }
        match self.population.person(id) {
            Some(person) if person.krr.status == KrrStatus::Aktiv && !person.krr.reserved => {
                // SvarUt sees what KRR gives it: with the contact information expired (18
                // months), KRR withholds the mailbox too, and no notice reaches the person in
                // Altinn, so the letter is printed after the read deadline. The tree of §2.1
                // (UNCONFIRMED for expired contact information; the app shows both outcomes).
                let now = self.clock.now();
                let fresh = |point: &Option<crate::population::ContactPoint>| {
                    point.as_ref().is_some_and(|p| {
                        kommunepost_core::routing::is_fresh(
                            Some(p.updated),
                            Some(p.last_verified),
                            now,
                        )
                    })
                };
                let can_notify = fresh(&person.krr.email) || fresh(&person.krr.mobile);
                if person.krr.mailbox.is_some() && can_notify {
                    Channel::Sdp
                } else {
                    Channel::Altinn {
                        read: read && can_notify,
                    }
                }
            }
            // Reserved, deleted, unknown: print (§2.5).
            _ => Channel::Print,
        }
    }
}

/// Checks the forsendelse and its files as SvarUt does; the message is SvarUt-like.
fn validate(forsendelse: &Forsendelse, files: &[Part]) -> Result<(), String> {
    if forsendelse.tittel.trim().is_empty() || forsendelse.tittel.chars().count() > 1000 {
        return Err("tittel må være mellom 1 og 1000 tegn".into());
    }
    if forsendelse.mottaker.navn.trim().is_empty() {
        return Err("mottaker.navn mangler".into());
    }
    if forsendelse
        .ekstern_referanse
        .as_ref()
        .is_some_and(|r| r.chars().count() > 100)
    {
        return Err("eksternReferanse kan ikke være lengre enn 100 tegn".into());
    }
    if forsendelse.lenker.len() > 5 {
        return Err("Maks 5 lenker".into());
    }
    if forsendelse.kun_digital_levering && forsendelse.mottaker.digital_id.is_none() {
        return Err("kunDigitalLevering krever mottaker.digitalId".into());
    }
    if !forsendelse.kun_digital_levering
        && (forsendelse
            .mottaker
            .postnummer
            .as_deref()
            .unwrap_or("")
            .is_empty()
            || forsendelse
                .mottaker
                .poststed
                .as_deref()
                .unwrap_or("")
                .is_empty())
        && forsendelse.mottaker.land.is_none()
    {
        return Err(
            "Postnummer og poststed må fylles ut for forsendelser som kan skrives ut".into(),
        );
    }
    if files.len() != forsendelse.dokumenter.len() {
        return Err(format!(
            "Antall filer ({}) stemmer ikke med antall dokumenter ({})",
            files.len(),
            forsendelse.dokumenter.len()
        ));
    }
    if forsendelse.dokumenter.is_empty() {
        return Err("Forsendelsen har ingen dokumenter".into());
    }
    let mut names: Vec<String> = Vec::new();
    for (dokument, file) in forsendelse.dokumenter.iter().zip(files) {
        if file.filename.as_deref() != Some(dokument.filnavn.as_str()) {
            return Err(format!(
                "Filnavn {:?} stemmer ikke med dokumentet {:?} på samme plass",
                file.filename.as_deref().unwrap_or(""),
                dokument.filnavn
            ));
        }
        if dokument.filnavn.chars().count() > 226
            || dokument
                .filnavn
                .contains(['*', ':', '"', '\\', '/', '<', '>', '|', '?'])
        {
            return Err(format!("Ugyldig filnavn {:?}", dokument.filnavn));
        }
        let lower = dokument.filnavn.to_lowercase();
        if names.contains(&lower) {
            return Err(format!(
                "Filnavnet {:?} er brukt to ganger",
                dokument.filnavn
            ));
        }
        names.push(lower);
        let pdf = dokument.mime_type == "application/pdf";
        if !pdf && !forsendelse.kun_digital_levering && !dokument.skal_ekskluderes_fra_utskrift {
            return Err(format!(
                "{} kan ikke skrives ut; bare application/pdf kan sendes til print",
                dokument.filnavn
            ));
        }
        if pdf && !file.body.starts_with(b"%PDF-") {
            return Err(format!("{} er ikke en gyldig PDF", dokument.filnavn));
        }
    }
    if forsendelse
        .dokumenter
        .iter()
        .filter(|d| d.skal_signeres)
        .count()
        > 1
    {
        return Err("Bare ett dokument kan signeres".into());
    }
    Ok(())
}

/// Latency, and a 429 for every n-th request when asked for.
async fn pause(double: &SvarUtDouble) -> Option<Response> {
    let faults = *double.faults.lock().expect("not poisoned");
    if !faults.latency.is_zero() {
        // Requests waiting here at once: how many a client has in flight.
        let now_waiting = double.waiting.fetch_add(1, Ordering::SeqCst) + 1;
        double.most_waiting.fetch_max(now_waiting, Ordering::SeqCst);
        tokio::time::sleep(faults.latency).await;
        double.waiting.fetch_sub(1, Ordering::SeqCst);
    }
    let n = double.requests.fetch_add(1, Ordering::SeqCst) + 1;
    if faults.rate_limit_every > 0 && n.is_multiple_of(faults.rate_limit_every) {
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "For mange forespørsler",
            "",
            double.clock.now(),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return Some(response);
    }
    None
}

/// What every request goes through first: latency and rate-limit faults, then the token,
/// integration and account checks. The request's time, or the refusal.
pub(crate) async fn begin(
    double: &SvarUtDouble,
    headers: &HeaderMap,
    konto: Option<&str>,
    path: &str,
) -> Result<DateTime<Utc>, Response> {
    if let Some(refused) = pause(double).await {
        return Err(refused);
    }
    let now = double.clock.now();
    double
        .authorise(headers, konto)
        .map_err(|(status, message)| error(status, &message, path, now))?;
    Ok(now)
}

/// A send request's common part, v2 and v3: faults, token and account, the multipart body
/// with the `forsendelse` part first. The request's time, its number, the faults in force,
/// the `forsendelse` JSON and the files.
pub(crate) struct Received {
    pub now: DateTime<Utc>,
    pub n: usize,
    pub faults: SvarUtFaults,
    pub json: Bytes,
    pub files: Vec<Part>,
}

pub(crate) async fn receive(
    double: &SvarUtDouble,
    headers: &HeaderMap,
    konto: &str,
    path: &str,
    body: &Bytes,
) -> Result<Received, Response> {
    let now = begin(double, headers, Some(konto), path).await?;
    let n = double.sends.fetch_add(1, Ordering::SeqCst) + 1;
    let faults = *double.faults.lock().expect("not poisoned");
    if faults.fail_every > 0 && n.is_multiple_of(faults.fail_every) {
        return Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "Tjenesten er midlertidig utilgjengelig",
            path,
            now,
        ));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut parts = parse_multipart(content_type, body)
        .map_err(|message| error(StatusCode::BAD_REQUEST, &message, path, now))?;
    if parts.is_empty() {
        return Err(error(StatusCode::BAD_REQUEST, "Tom forespørsel", path, now));
    }
    let first = parts.remove(0);
    if first.name.as_deref() != Some("forsendelse") {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Første del må hete forsendelse",
            path,
            now,
        ));
    }
    Ok(Received {
        now,
        n,
        faults,
        json: Bytes::from(first.body),
        files: parts,
    })
}

async fn send(
    State(double): State<Arc<SvarUtDouble>>,
    Path(konto): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/api/v2/kontoer/{konto}/forsendelser");
    let received = match receive(&double, &headers, &konto, &path, &body).await {
        Ok(received) => received,
        Err(refused) => return refused,
    };
    let forsendelse: Forsendelse = match serde_json::from_slice(&received.json) {
        Ok(f) => f,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("Ugyldig forsendelse: {e}"),
                &path,
                received.now,
            );
        }
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

/// Validates, routes and records a forsendelse (v2, or v3 read into the v2 model), then
/// answers `{"id": …}` — or, with the faults asked for, stalls or drops the answer.
pub(crate) async fn accept(
    double: &SvarUtDouble,
    forsendelse: Forsendelse,
    files: &[Part],
    path: &str,
    now: DateTime<Utc>,
    n: usize,
    faults: SvarUtFaults,
) -> Response {
    // Level 4 needs encrypted files (svarut-dpi.md §1.13); encrypted files must open with
    // SvarUt's key, and are checked and routed as what they hold.
    if forsendelse.krev_niva4_innlogging && !forsendelse.kryptert {
        return error(
            StatusCode::BAD_REQUEST,
            "Forsendelser som krever innlogging på nivå 4 (krevNiva4Innlogging/HOYESTE) må være kryptert",
            path,
            now,
        );
    }
    // The files as they arrived (sizes are recorded as received: encrypted, when encrypted).
    let received: Vec<(String, usize)> = files
        .iter()
        .map(|f| (f.filename.clone().unwrap_or_default(), f.body.len()))
        .collect();
    let mut decrypted = Vec::new();
    let opened: Vec<Part>;
    let files = if forsendelse.kryptert {
        let mut parts = Vec::with_capacity(files.len());
        for file in files {
            match double.decrypt(&file.body) {
                Ok(plain) => parts.push(Part {
                    name: file.name.clone(),
                    filename: file.filename.clone(),
                    content_type: file.content_type.clone(),
                    body: plain,
                }),
                Err(reason) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        &format!(
                            "Dokumentet «{}» {reason}",
                            file.filename.as_deref().unwrap_or("uten navn")
                        ),
                        path,
                        now,
                    );
                }
            }
        }
        decrypted = parts.iter().map(|p| p.body.clone()).collect();
        opened = parts;
        &opened[..]
    } else {
        files
    };
    if let Err(message) = validate(&forsendelse, files) {
        return error(StatusCode::BAD_REQUEST, &message, path, now);
    }
    let channel = double.route(&forsendelse, files);
    let accepted = Accepted {
        id: encode_id(now, channel, *uuid::Uuid::new_v4().as_bytes()),
        channel,
        files: received,
        forsendelse,
        at: now,
        decrypted,
    };
    let id = accepted.id.clone();
    double.accepted.lock().expect("not poisoned").push(accepted);
    if faults.stall_every > 0 && n.is_multiple_of(faults.stall_every) {
        // Stored, but the answer never arrives in time: the client must look it up.
        tokio::time::sleep(faults.stall).await;
    }
    if faults.drop_every > 0 && n.is_multiple_of(faults.drop_every) {
        // Stored, then the connection breaks off mid-answer: headers out, the body fails.
        let broken = futures_util::stream::once(async {
            Err::<Bytes, std::io::Error>(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "sandbox: connection dropped",
            ))
        });
        return Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "application/json")
            .body(axum::body::Body::from_stream(broken))
            .expect("a valid response");
    }
    (StatusCode::OK, Json(json!({ "id": id }))).into_response()
}

/// `GET /forsendelse/publickey/hent`: the certificate to encrypt files for (PEM; public, no
/// credentials), beside the API as SvarUt serves it.
async fn public_key(State(double): State<Arc<SvarUtDouble>>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/x-pem-file")],
        double.public_key_pem(),
    )
        .into_response()
}

#[derive(serde::Deserialize)]
struct MottakersystemQuery {
    organisasjonsnummer: Option<String>,
}

/// `GET /api/v2/mottakersystem?organisasjonsnummer=…`: the population's organisations with a
/// receiving system have one (SvarInn, level 3, type "Post").
async fn mottakersystem(
    State(double): State<Arc<SvarUtDouble>>,
    Query(query): Query<MottakersystemQuery>,
    headers: HeaderMap,
) -> Response {
    let path = "/api/v2/mottakersystem";
    let now = match begin(&double, &headers, None, path).await {
        Ok(now) => now,
        Err(refused) => return refused,
    };
    let Some(orgnr) = query
        .organisasjonsnummer
        .filter(|o| o.len() == 9 && o.bytes().all(|b| b.is_ascii_digit()))
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "organisasjonsnummer må være 9 siffer",
            path,
            now,
        );
    };
    let systems: Vec<serde_json::Value> = double
        .population
        .organisations
        .iter()
        .filter(|o| o.orgnr.to_string() == orgnr && o.has_receiving_system)
        .map(|o| {
            json!({
                "id": format!("svarinn-{orgnr}"),
                "navn": format!("{} sak/arkiv", o.name),
                "organisasjonsnummer": orgnr,
                "forsendelseType": "Post",
                "niva": 3,
            })
        })
        .collect();
    Json(json!({ "mottakersystemer": systems })).into_response()
}

#[derive(serde::Deserialize)]
struct EksternRef {
    #[serde(rename = "eksternRef")]
    ekstern_ref: Option<String>,
}

async fn by_ekstern_ref(
    State(double): State<Arc<SvarUtDouble>>,
    Path(konto): Path<String>,
    Query(query): Query<EksternRef>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/api/v2/kontoer/{konto}/forsendelser");
    let now = match begin(&double, &headers, Some(&konto), &path).await {
        Ok(now) => now,
        Err(refused) => return refused,
    };
    let Some(wanted) = query.ekstern_ref else {
        return error(StatusCode::BAD_REQUEST, "eksternRef mangler", &path, now);
    };
    let ids: Vec<String> = double
        .accepted
        .lock()
        .expect("not poisoned")
        .iter()
        .filter(|a| a.forsendelse.ekstern_referanse.as_deref() == Some(wanted.as_str()))
        .map(|a| a.id.clone())
        .collect();
    Json(json!({ "forsendelseIds": ids })).into_response()
}

async fn status_sok(
    State(double): State<Arc<SvarUtDouble>>,
    Path(konto): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = format!("/api/v2/kontoer/{konto}/forsendelser/status-sok");
    let now = match begin(&double, &headers, Some(&konto), &path).await {
        Ok(now) => now,
        Err(refused) => return refused,
    };
    let Ok(request) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Ugyldig StatusSok", &path, now);
    };
    let Some(ids) = request["forsendelseIds"].as_array() else {
        return error(
            StatusCode::BAD_REQUEST,
            "forsendelseIds mangler",
            &path,
            now,
        );
    };
    Json(json!({ "statuser": double.statuser(ids, now) })).into_response()
}

async fn hendelser(
    State(double): State<Arc<SvarUtDouble>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let path = format!("/api/v2/forsendelser/{id}/hendelser");
    let now = match begin(&double, &headers, None, &path).await {
        Ok(now) => now,
        Err(refused) => return refused,
    };
    // 404 for an unknown id is documented for v1 only (UNCONFIRMED for v2): answered the same.
    let Some(found) = double.find(&id) else {
        return error(StatusCode::NOT_FOUND, "Fant ikke forsendelsen", &path, now);
    };
    let hendelser: Vec<serde_json::Value> = found
        .history(now, double.speed())
        .iter()
        .map(|(at, _, text)| json!({ "tidspunkt": iso(*at), "hendelse": text }))
        .collect();
    Json(json!({ "hendelser": hendelser })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_their_time_and_channel_for_a_later_sandbox() {
        let at = DateTime::from_timestamp_millis(1_796_000_000_123).unwrap();
        for channel in [
            Channel::Sdp,
            Channel::Altinn { read: true },
            Channel::Altinn { read: false },
            Channel::Print,
            Channel::SvarInn,
            Channel::NotDelivered,
            Channel::Rejected,
        ] {
            let id = encode_id(at, channel, [0xAB; 16]);
            let parsed = uuid::Uuid::parse_str(&id).unwrap();
            assert_eq!(parsed.get_version_num(), 8);
            assert_eq!(decode_id(&id), Some((at, channel)));
        }
        assert_eq!(decode_id(&uuid::Uuid::new_v4().to_string()), None);
    }

    fn accepted(channel: Channel) -> Accepted {
        Accepted {
            id: String::new(),
            forsendelse: Forsendelse::default(),
            files: Vec::new(),
            at: DateTime::from_timestamp(1_796_000_000, 0).unwrap(),
            channel,
            decrypted: Vec::new(),
        }
    }

    fn last(a: &Accepted, after: chrono::Duration, speed: u32) -> String {
        a.history(a.at + after, speed)
            .last()
            .map(|(_, s, _)| s.as_str().to_owned())
            .unwrap()
    }

    #[test]
    fn statuses_progress_on_the_clock_and_faster_when_accelerated() {
        let print = accepted(Channel::Print);
        let minute = chrono::Duration::minutes(1);
        assert_eq!(last(&print, minute, 1), "SENDT_PRINT");
        assert_eq!(last(&print, chrono::Duration::days(1), 1), "PRINTET");
        // An hour a second: printed within half a minute.
        assert_eq!(last(&print, chrono::Duration::seconds(25), 3600), "PRINTET");
        let (times, _): (Vec<_>, Vec<_>) = print
            .history(print.at + chrono::Duration::seconds(25), 3600)
            .into_iter()
            .map(|(t, s, _)| (t, s))
            .unzip();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "in order");
        assert_eq!(last(&accepted(Channel::Sdp), minute * 3, 1), "LEVERT_SDP");
        assert_eq!(last(&accepted(Channel::SvarInn), minute * 11, 1), "LEST");
        let failed = accepted(Channel::NotDelivered);
        assert_eq!(last(&failed, minute, 1), "SENDT_DIGITALT");
        assert_eq!(last(&failed, LESEFRIST, 1), "IKKE_LEVERT");
        let rejected = accepted(Channel::Rejected);
        let statuses: Vec<Status> = rejected
            .history(rejected.at + minute, 1)
            .into_iter()
            .map(|(_, s, _)| s)
            .collect();
        assert_eq!(statuses, [Status::Mottatt, Status::Avvist]);
    }
}
