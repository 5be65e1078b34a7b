//! The SvarUt REST v2 client: send (multipart), status search, events, lookup by our own
//! reference. Authenticated with a Maskinporten token (scope `ks:fiks`) plus the integration's
//! `IntegrasjonId` / `IntegrasjonPassord` headers (`svarut-dpi.md` §1.3). Base URL, credentials
//! and timeouts are arguments; sending waits up to 16 minutes, because SvarUt itself may take
//! 15 (§1.4, §1.12).

use std::sync::Arc;
use std::time::Duration;

use super::crypto::SvarUtCertificate;
use super::error::SvarUtError;
use super::model::{
    ErrorMessage, Forsendelse, ForsendelseIder, ForsendelseStatus, ForsendelseStatuser, Hendelse,
    Hendelser, SendForsendelseResponse, StatusSok,
};
use crate::maskinporten::MaskinportenClient;
use crate::secret::Secret;

/// The Maskinporten scope SvarUt needs.
pub const SCOPE_KS_FIKS: &str = "ks:fiks";
/// How long a send may take: one minute more than SvarUt's own 15.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(16 * 60);

use super::model::SvarUtApi;

/// Where and as whom to reach SvarUt.
#[derive(Debug, Clone)]
pub struct SvarUtConfig {
    /// E.g. `https://test.svarut.ks.no/api`.
    pub base_url: String,
    /// The account (`kontoId`, a UUID).
    pub konto_id: String,
    /// The Fiks integration's id.
    pub integrasjon_id: String,
    /// The Fiks integration's password (from the OS credential store).
    pub integrasjon_passord: Secret<String>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Timeout for status, events and lookups.
    pub timeout: Duration,
    /// Timeout for a send.
    pub send_timeout: Duration,
    /// Ids per status search (the real limit is UNCONFIRMED: §1.8; 100 is a cautious choice).
    pub status_batch: usize,
    /// REST v2 or v3 for send and status.
    pub api: SvarUtApi,
}

/// A file to send: its bytes go in the part whose filename is the document's `filnavn`.
#[derive(Debug, Clone, Copy)]
pub struct FilePart<'a> {
    /// The bytes.
    pub bytes: &'a [u8],
}

/// The SvarUt client.
#[derive(Debug)]
pub struct SvarUtClient {
    config: SvarUtConfig,
    http: reqwest::Client,
    send_http: reqwest::Client,
    tokens: Arc<MaskinportenClient>,
    /// SvarUt's certificate for encrypted sending, once fetched, and when.
    public_key: std::sync::Mutex<Option<(SvarUtCertificate, chrono::DateTime<chrono::Utc>)>>,
}

/// How long SvarUt's certificate is used before it is fetched again (it is also fetched again
/// after a refused encrypted send, and when it is about to expire).
const PUBLIC_KEY_TTL: Duration = Duration::from_secs(24 * 60 * 60);

fn client(config: &SvarUtConfig, timeout: Duration) -> Result<reqwest::Client, SvarUtError> {
    crate::http::client_builder()
        .connect_timeout(config.connect_timeout)
        .timeout(timeout)
        // A redirect would re-send letters and credentials elsewhere: never follow one.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| SvarUtError::Network(e.to_string()))
}

/// The multipart body of a send: the `forsendelse` JSON first, then one part per document in
/// the order of `dokumenter`, each with `filename` = its `filnavn` (§1.5).
pub fn multipart_body(
    forsendelse: &Forsendelse,
    files: &[FilePart<'_>],
    boundary: &str,
) -> Result<Vec<u8>, SvarUtError> {
    let json =
        serde_json::to_vec(forsendelse).map_err(|e| SvarUtError::Malformed(e.to_string()))?;
    multipart(&json, forsendelse, files, boundary, |i| {
        format!("filer_{i}")
    })
}

/// The v3 multipart body: the v3 JSON first, then the documents (v3 ignores the parts' names
/// and checks the order by `filename`; they are named `dokumenter` as in the schema).
pub fn multipart_body_v3(
    json: &serde_json::Value,
    forsendelse: &Forsendelse,
    files: &[FilePart<'_>],
    boundary: &str,
) -> Result<Vec<u8>, SvarUtError> {
    let json = serde_json::to_vec(json).map_err(|e| SvarUtError::Malformed(e.to_string()))?;
    multipart(&json, forsendelse, files, boundary, |_| {
        "dokumenter".to_owned()
    })
}

fn multipart(
    json: &[u8],
    forsendelse: &Forsendelse,
    files: &[FilePart<'_>],
    boundary: &str,
    part_name: impl Fn(usize) -> String,
) -> Result<Vec<u8>, SvarUtError> {
    if files.len() != forsendelse.dokumenter.len() {
        return Err(SvarUtError::Rejected {
            message: format!(
                "{} documents described, {} files given",
                forsendelse.dokumenter.len(),
                files.len()
            ),
            code: None,
        });
    }
    let mut body =
        Vec::with_capacity(json.len() + files.iter().map(|f| f.bytes.len() + 200).sum::<usize>());
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"forsendelse\"\r\nContent-Type: application/json;charset=UTF-8\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(json);
    body.extend_from_slice(b"\r\n");
    for (i, (file, dokument)) in files.iter().zip(&forsendelse.dokumenter).enumerate() {
        // File names are checked to hold no quote or backslash (preflight), so they go as is.
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
                part_name(i),
                dokument.filnavn.replace(['"', '\\', '\r', '\n'], "_"),
                dokument.mime_type
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok(body)
}

impl SvarUtClient {
    /// A client for `config`, authenticated by `tokens` (which must ask for `ks:fiks`).
    pub fn new(config: SvarUtConfig, tokens: Arc<MaskinportenClient>) -> Result<Self, SvarUtError> {
        Ok(Self {
            http: client(&config, config.timeout)?,
            send_http: client(&config, config.send_timeout)?,
            config,
            tokens,
            public_key: std::sync::Mutex::new(None),
        })
    }

    /// The same client using REST `api` for send and status.
    pub fn with_api(mut self, api: SvarUtApi) -> Self {
        self.config.api = api;
        self
    }

    /// The same client with another send timeout (SvarUt itself may take 15 minutes; a
    /// shorter one is for tests and benchmarks that provoke an unknown outcome).
    pub fn with_send_timeout(mut self, timeout: Duration) -> Result<Self, SvarUtError> {
        self.config.send_timeout = timeout;
        self.send_http = client(&self.config, timeout)?;
        Ok(self)
    }

    /// The longest a send can take before this client gives up: connecting plus the send
    /// timeout. A worker's claim on a letter outlasts it.
    pub fn send_timeout(&self) -> Duration {
        self.config.connect_timeout + self.config.send_timeout
    }

    /// The REST flavour in use.
    pub fn api(&self) -> SvarUtApi {
        self.config.api
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    async fn authorised(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, SvarUtError> {
        let token = self.tokens.token().await?;
        Ok(request
            .bearer_auth(token.token.expose())
            .header("IntegrasjonId", &self.config.integrasjon_id)
            .header(
                "IntegrasjonPassord",
                self.config.integrasjon_passord.expose(),
            )
            .header(reqwest::header::ACCEPT, "application/json"))
    }

    /// Where SvarUt serves its public certificate: `…/forsendelse/publickey/hent` beside the
    /// REST API (`https://svarut.ks.no/api` → `https://svarut.ks.no/forsendelse/publickey/hent`).
    pub fn public_key_url(&self) -> String {
        let base = self.config.base_url.trim_end_matches('/');
        let host = base.strip_suffix("/api").unwrap_or(base);
        format!("{host}/forsendelse/publickey/hent")
    }

    /// SvarUt's certificate for encrypted sending: the one fetched before while it is fresh
    /// and valid for another hour, else fetched now (no credentials: the key is public).
    /// Validity and freshness are read on the injected clock (the one its tokens use).
    pub async fn public_key(&self) -> Result<SvarUtCertificate, SvarUtError> {
        Ok(self.public_key_and_origin().await?.0)
    }

    /// The certificate, and whether it came from the cache (not fetched now).
    async fn public_key_and_origin(&self) -> Result<(SvarUtCertificate, bool), SvarUtError> {
        let now = self.tokens.clock().now();
        let ttl = chrono::Duration::from_std(PUBLIC_KEY_TTL).unwrap_or(chrono::Duration::days(1));
        if let Some((cert, fetched)) = self
            .public_key
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            && now - *fetched < ttl
            && cert.not_after > now + chrono::Duration::hours(1)
        {
            return Ok((cert.clone(), true));
        }
        let response = self
            .http
            .get(self.public_key_url())
            .send()
            .await
            .map_err(|e| {
                SvarUtError::PublicKey(if e.is_timeout() {
                    format!("no answer within {} s", self.config.timeout.as_secs())
                } else {
                    e.to_string()
                })
            })?;
        let status = response.status().as_u16();
        let bytes = crate::http::read_capped(response, super::crypto::MAX_CERTIFICATE_BYTES)
            .await
            .map_err(|e| SvarUtError::PublicKey(e.to_string()))?;
        if status != 200 {
            return Err(SvarUtError::PublicKey(format!(
                "{} answered {status}",
                self.public_key_url()
            )));
        }
        let cert = SvarUtCertificate::read(&bytes, now)
            .map_err(|e| SvarUtError::PublicKey(e.to_string()))?;
        *self.public_key.lock().unwrap_or_else(|p| p.into_inner()) = Some((cert.clone(), now));
        Ok((cert, false))
    }

    /// Forgets the fetched certificate: the next encrypted send fetches it again.
    pub fn forget_public_key(&self) {
        *self.public_key.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Sends a forsendelse; returns SvarUt's id. On [`SvarUtError::outcome_unknown`] the
    /// caller must look it up by `eksternReferanse` before sending it again. With `kryptert`,
    /// each file is encrypted for SvarUt's certificate here, in memory, just before it leaves.
    /// UNCONFIRMED whether SvarUt wants an encrypted file's `mimeType` changed: the parts keep
    /// their file names and `application/pdf`, as for a plain send (the tolerant reading of
    /// `svarut-dpi.md` §1.14, which describes only the encryption).
    pub async fn send(
        &self,
        forsendelse: &Forsendelse,
        files: &[FilePart<'_>],
    ) -> Result<String, SvarUtError> {
        if !forsendelse.kryptert {
            return self.send_parts(forsendelse, files).await;
        }
        let (cert, cached) = self.public_key_and_origin().await?;
        let result = self.send_encrypted(forsendelse, files, &cert).await;
        if !matches!(result, Err(SvarUtError::Rejected { .. })) {
            return result;
        }
        // Refused (400: nothing was accepted). Perhaps SvarUt changed its key: fetch it again,
        // and when the one used came from the cache, send once more with the new one.
        self.forget_public_key();
        if !cached {
            return result;
        }
        let (fresh, _) = self.public_key_and_origin().await?;
        self.send_encrypted(forsendelse, files, &fresh).await
    }

    /// Encrypts each file for `cert` and sends.
    async fn send_encrypted(
        &self,
        forsendelse: &Forsendelse,
        files: &[FilePart<'_>],
        cert: &SvarUtCertificate,
    ) -> Result<String, SvarUtError> {
        let encrypted = files
            .iter()
            .map(|f| cert.encrypt(f.bytes))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| SvarUtError::PublicKey(e.to_string()))?;
        let parts: Vec<FilePart<'_>> = encrypted.iter().map(|b| FilePart { bytes: b }).collect();
        self.send_parts(forsendelse, &parts).await
    }

    async fn send_parts(
        &self,
        forsendelse: &Forsendelse,
        files: &[FilePart<'_>],
    ) -> Result<String, SvarUtError> {
        let boundary = format!("kommunepost-{}", uuid::Uuid::new_v4().simple());
        let (body, url) = match self.config.api {
            SvarUtApi::V2 => (
                multipart_body(forsendelse, files, &boundary)?,
                self.url(&format!(
                    "/v2/kontoer/{}/forsendelser",
                    self.config.konto_id
                )),
            ),
            SvarUtApi::V3 => {
                let (endpoint, json) = super::v3::to_v3(forsendelse)?;
                (
                    multipart_body_v3(&json, forsendelse, files, &boundary)?,
                    self.url(&format!(
                        "/v3/kontoer/{}/forsendelser/{}",
                        self.config.konto_id,
                        endpoint.path()
                    )),
                )
            }
        };
        let request = self
            .authorised(self.send_http.post(&url))
            .await?
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        let bytes = self.call(request, self.config.send_timeout).await?;
        serde_json::from_slice::<SendForsendelseResponse>(&bytes)
            .map(|r| r.id)
            .map_err(|e| SvarUtError::Malformed(e.to_string()))
    }

    /// The status of each forsendelse, in batches of [`SvarUtConfig::status_batch`].
    pub async fn statuses(&self, ids: &[String]) -> Result<Vec<ForsendelseStatus>, SvarUtError> {
        let url = match self.config.api {
            SvarUtApi::V2 => self.url(&format!(
                "/v2/kontoer/{}/forsendelser/status-sok",
                self.config.konto_id
            )),
            SvarUtApi::V3 => self.url(&format!(
                "/v3/kontoer/{}/forsendelser/status/sok",
                self.config.konto_id
            )),
        };
        let mut all = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(self.config.status_batch.max(1)) {
            let request = self.authorised(self.http.post(&url)).await?;
            let request = match self.config.api {
                SvarUtApi::V2 => request.json(&StatusSok {
                    forsendelse_ids: chunk.to_vec(),
                }),
                // v3 calls the list `id` (svarut-dpi.md §1.7).
                SvarUtApi::V3 => request.json(&serde_json::json!({ "id": chunk })),
            };
            let bytes = self.call(request, self.config.timeout).await?;
            let answer: ForsendelseStatuser = serde_json::from_slice(&bytes)
                .map_err(|e| SvarUtError::Malformed(e.to_string()))?;
            all.extend(answer.statuser);
        }
        Ok(all)
    }

    /// What has happened to a forsendelse, oldest first.
    pub async fn hendelser(&self, id: &str) -> Result<Vec<Hendelse>, SvarUtError> {
        let request = self
            .authorised(
                self.http
                    .get(self.url(&format!("/v2/forsendelser/{id}/hendelser"))),
            )
            .await?;
        let bytes = self.call(request, self.config.timeout).await?;
        serde_json::from_slice::<Hendelser>(&bytes)
            .map(|h| h.hendelser)
            .map_err(|e| SvarUtError::Malformed(e.to_string()))
    }

    /// The organisation's receiving systems (SvarInn), if any: a forsendelse to it goes there
    /// instead of Altinn (`GET /v2/mottakersystem`, stable in both flavours).
    pub async fn mottakersystemer(
        &self,
        organisasjonsnummer: &str,
    ) -> Result<Vec<super::model::Mottakersystem>, SvarUtError> {
        let url = self.url(&format!(
            "/v2/mottakersystem?{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("organisasjonsnummer", organisasjonsnummer)
                .finish()
        ));
        let request = self.authorised(self.http.get(&url)).await?;
        let bytes = self.call(request, self.config.timeout).await?;
        serde_json::from_slice::<super::model::Mottakersystemer>(&bytes)
            .map(|r| r.mottakersystemer)
            .map_err(|e| SvarUtError::Malformed(e.to_string()))
    }

    /// The forsendelser sent with `ekstern_ref` as `eksternReferanse` (not unique in SvarUt;
    /// ours are the letter's id, so at most one is expected).
    pub async fn ids_by_ekstern_ref(&self, ekstern_ref: &str) -> Result<Vec<String>, SvarUtError> {
        let url = self.url(&format!(
            "/v2/kontoer/{}/forsendelser?{}",
            self.config.konto_id,
            form_urlencoded::Serializer::new(String::new())
                .append_pair("eksternRef", ekstern_ref)
                .finish()
        ));
        let request = self.authorised(self.http.get(&url)).await?;
        let bytes = self.call(request, self.config.timeout).await?;
        serde_json::from_slice::<ForsendelseIder>(&bytes)
            .map(|r| r.forsendelse_ids)
            .map_err(|e| SvarUtError::Malformed(e.to_string()))
    }

    async fn call(
        &self,
        request: reqwest::RequestBuilder,
        timeout: Duration,
    ) -> Result<Vec<u8>, SvarUtError> {
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                SvarUtError::Timeout(timeout.as_secs())
            } else {
                SvarUtError::Network(e.to_string())
            }
        };
        let response = request.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let bytes = crate::http::read_capped(response, crate::http::MAX_ANSWER_BYTES)
            .await
            .map_err(|e| match e {
                crate::http::BodyError::Read(e) => transport(e),
                too_large => SvarUtError::Malformed(too_large.to_string()),
            })?;
        if status == 200 {
            return Ok(bytes.to_vec());
        }
        Err(error_for(status, &bytes))
    }
}

/// The error for a non-200 answer: SvarUt's `ErrorMessage` when it sent one, its text otherwise.
pub fn error_for(status: u16, body: &[u8]) -> SvarUtError {
    let parsed: Option<ErrorMessage> = serde_json::from_slice(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|e| e.message.clone())
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(300).collect());
    let message = crate::mask::text(&message);
    match status {
        400 => SvarUtError::Rejected {
            message,
            code: parsed.and_then(|e| e.error_code),
        },
        401 if message.contains("access_token") => SvarUtError::BadToken(message),
        401 => SvarUtError::Integration(message),
        403 => SvarUtError::Forbidden(message),
        404 => SvarUtError::NotFound(message),
        _ => SvarUtError::Server { status, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svarut::model::{Adresse, Dokument};

    #[test]
    fn the_multipart_body_has_the_forsendelse_first_and_files_in_document_order() {
        let forsendelse = Forsendelse {
            tittel: "Vedtak".into(),
            mottaker: Adresse {
                navn: "Åse".into(),
                ..Adresse::default()
            },
            dokumenter: ["vedtak.pdf", "vedlegg æøå.pdf"]
                .iter()
                .map(|n| Dokument {
                    filnavn: (*n).into(),
                    mime_type: "application/pdf".into(),
                    ..Dokument::default()
                })
                .collect(),
            ..Forsendelse::default()
        };
        let body = multipart_body(
            &forsendelse,
            &[FilePart { bytes: b"%PDF-a" }, FilePart { bytes: b"%PDF-b" }],
            "XyZ",
        )
        .unwrap();
        let text = String::from_utf8(body).unwrap();
        let first = text.find("name=\"forsendelse\"").unwrap();
        let a = text.find("filename=\"vedtak.pdf\"").unwrap();
        let b = text.find("filename=\"vedlegg æøå.pdf\"").unwrap();
        assert!(first < a && a < b);
        assert!(text.ends_with("--XyZ--\r\n"));
        assert!(multipart_body(&forsendelse, &[], "XyZ").is_err());
    }

    #[test]
    fn the_two_401s_are_told_apart_and_identifiers_are_masked() {
        let token = error_for(
            401,
            r#"{"message":"Klarte ikke å validere access_token"}"#.as_bytes(),
        );
        assert!(matches!(token, SvarUtError::BadToken(_)));
        let integration = error_for(
            401,
            br#"{"message":"Autentisering feilet for integrasjon med id 5"}"#,
        );
        assert!(matches!(integration, SvarUtError::Integration(_)));
        let rejected = error_for(
            400,
            br#"{"message":"Ugyldig mottaker 20914695016","errorCode":"UGYLDIG"}"#,
        );
        assert_eq!(
            rejected,
            SvarUtError::Rejected {
                message: "Ugyldig mottaker 209146 *****".into(),
                code: Some("UGYLDIG".into())
            }
        );
        assert!(rejected.is_permanent() && !rejected.outcome_unknown());
        assert!(error_for(503, b"busy").outcome_unknown());
    }
}

/// A SvarUt client for `base_url` with its own Maskinporten token client (scope `ks:fiks`,
/// the same enterprise certificate as for KRR).
#[allow(clippy::too_many_arguments)]
pub fn connect(
    base_url: &str,
    maskinporten_issuer: &str,
    token_url: Option<String>,
    client_id: &str,
    credential: crate::maskinporten::ClientCredential,
    account: SvarUtAccount,
    timeouts: &crate::config::Timeouts,
    clock: Arc<dyn crate::clock::Clock>,
) -> Result<SvarUtClient, SvarUtError> {
    use crate::maskinporten::{GrantRequest, MaskinportenConfig};
    let token_url =
        token_url.unwrap_or_else(|| format!("{}/token", maskinporten_issuer.trim_end_matches('/')));
    let tokens = Arc::new(MaskinportenClient::new(
        MaskinportenConfig {
            token_url,
            grant: GrantRequest {
                audience: maskinporten_issuer.to_owned(),
                client_id: client_id.to_owned(),
                scopes: vec![SCOPE_KS_FIKS.to_owned()],
                resource: None,
                consumer_org: None,
            },
            connect_timeout: timeouts.connect(),
            timeout: timeouts.request(),
        },
        credential,
        clock,
    )?);
    SvarUtClient::new(
        SvarUtConfig {
            base_url: base_url.to_owned(),
            konto_id: account.konto_id,
            integrasjon_id: account.integrasjon_id,
            integrasjon_passord: account.integrasjon_passord,
            connect_timeout: timeouts.connect(),
            timeout: timeouts.request(),
            // Never shorter than SvarUt's own 15 minutes plus one.
            send_timeout: SEND_TIMEOUT.max(Duration::from_secs(u64::from(timeouts.send_secs))),
            status_batch: 100,
            api: SvarUtApi::V2,
        },
        tokens,
    )
}

/// The SvarUt account and the Fiks integration that may use it.
#[derive(Debug, Clone)]
pub struct SvarUtAccount {
    /// `kontoId`.
    pub konto_id: String,
    /// `IntegrasjonId`.
    pub integrasjon_id: String,
    /// `IntegrasjonPassord`.
    pub integrasjon_passord: Secret<String>,
}

fn password_account(environment: crate::config::Environment) -> String {
    format!("svarut-integrasjon-passord:{}", environment.as_str())
}

/// Saves the Fiks integration's password for `environment` in the OS credential store.
pub fn save_integration_password(
    store: &dyn crate::store::CredentialStore,
    environment: crate::config::Environment,
    password: &str,
) -> Result<(), crate::store::CredentialError> {
    store.set(&password_account(environment), password)
}

/// The Fiks integration's password for `environment`, if saved.
pub fn load_integration_password(
    store: &dyn crate::store::CredentialStore,
    environment: crate::config::Environment,
) -> Result<Option<Secret<String>>, crate::store::CredentialError> {
    store.get(&password_account(environment))
}
