//! The KRR client: `POST /rest/v2/personer` (or v1) in chunks of at most 1000 identifiers,
//! a bounded number at a time, with a fresh token and one retry after a 401.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};

use super::model::{KrrPerson, PersonerRequest, PersonerResponse};
use crate::ident::Fnr;
use crate::maskinporten::{MaskinportenClient, MaskinportenError};

/// KRR's limit on identifiers per request.
pub const MAX_PER_REQUEST: usize = 1000;

/// Which API version to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KrrVersion {
    /// `/rest/v1/personer`.
    V1,
    /// `/rest/v2/personer` (default).
    #[default]
    V2,
}

/// Where and how to call KRR.
#[derive(Debug, Clone)]
pub struct KrrConfig {
    /// Host, e.g. `https://test.kontaktregisteret.no`.
    pub base_url: String,
    /// API version.
    pub version: KrrVersion,
    /// Requests in flight at once.
    pub parallelism: usize,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
}

/// A lookup failed.
#[derive(Debug, thiserror::Error)]
pub enum KrrError {
    /// No token.
    #[error(transparent)]
    Token(#[from] MaskinportenError),
    /// 400: KRR refused the request.
    #[error("KRR refused the request as invalid (400): {0}")]
    BadRequest(String),
    /// 401 even with a fresh token.
    #[error("KRR did not accept the access token (401), also after fetching a new one: {0}")]
    Unauthorized(String),
    /// 403: the token lacks KRR's scopes, or comes from the wrong Maskinporten.
    #[error(
        "KRR refused access (403): the client lacks KRR's scopes or uses another environment's Maskinporten. {0}"
    )]
    Forbidden(String),
    /// 5xx or another unexpected status.
    #[error("KRR failed (HTTP {status}): {body}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The start of the body.
        body: String,
    },
    /// No answer in time.
    #[error("KRR did not answer within {0} seconds")]
    Timeout(u64),
    /// KRR could not be reached.
    #[error("KRR cannot be reached: {0}")]
    Network(String),
    /// The answer was not KRR's JSON.
    #[error("KRR answered with something that is not a list of persons: {0}")]
    Malformed(String),
    /// The user cancelled before this chunk was sent.
    #[error("cancelled")]
    Cancelled,
}

/// A chunk that failed, to be retried on its own.
#[derive(Debug)]
pub struct FailedChunk {
    /// Position of the chunk (0-based).
    pub index: usize,
    /// Its identifiers.
    pub ids: Vec<Fnr>,
    /// Why it failed.
    pub error: KrrError,
}

/// The outcome of a lookup.
#[derive(Debug, Default)]
pub struct LookupReport {
    /// Persons KRR returned, by identifier.
    pub found: HashMap<String, KrrPerson>,
    /// Identifiers asked for and answered, but not in the answer: not registered.
    pub not_registered: Vec<Fnr>,
    /// Chunks that failed.
    pub failed: Vec<FailedChunk>,
}

/// A chunk's position, identifiers and result.
type ChunkOutcome = (usize, Vec<Fnr>, Result<Vec<KrrPerson>, KrrError>);

/// Lets the caller stop a bulk lookup between chunks.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Asks the lookup to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether stopping was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Calls KRR.
#[derive(Debug)]
pub struct KrrClient {
    config: KrrConfig,
    http: reqwest::Client,
    tokens: Arc<MaskinportenClient>,
    requests: AtomicUsize,
}

impl KrrClient {
    /// A client for `config`, authenticated by `tokens`.
    pub fn new(config: KrrConfig, tokens: Arc<MaskinportenClient>) -> Result<Self, KrrError> {
        let http = crate::http::client_builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            // A redirect would re-send the identifiers elsewhere: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| KrrError::Network(e.to_string()))?;
        Ok(Self {
            config,
            http,
            tokens,
            requests: AtomicUsize::new(0),
        })
    }

    /// HTTP requests sent to KRR so far.
    pub fn requests_made(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    fn url(&self) -> String {
        let version = match self.config.version {
            KrrVersion::V1 => "v1",
            KrrVersion::V2 => "v2",
        };
        format!(
            "{}/rest/{version}/personer",
            self.config.base_url.trim_end_matches('/')
        )
    }

    /// Looks up any number of persons: chunks of 1000, `parallelism` at a time. `progress`
    /// gets (identifiers done, total) after each chunk. A failed chunk does not stop the
    /// others; it is reported for a retry.
    pub async fn lookup(
        &self,
        ids: &[Fnr],
        cancel: &Cancel,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> LookupReport {
        let total = ids.len();
        let done = AtomicUsize::new(0);
        // Owned chunks: the futures must be Send for any caller (a Tauri command among them).
        let chunks: Vec<(usize, Vec<Fnr>)> = ids
            .chunks(MAX_PER_REQUEST)
            .map(<[Fnr]>::to_vec)
            .enumerate()
            .collect();
        let results: Vec<ChunkOutcome> = stream::iter(chunks)
            .map(|(index, chunk)| {
                let done = &done;
                async move {
                    let result = if cancel.is_cancelled() {
                        Err(KrrError::Cancelled)
                    } else {
                        self.lookup_chunk(&chunk).await
                    };
                    let so_far = done.fetch_add(chunk.len(), Ordering::SeqCst) + chunk.len();
                    progress(so_far, total);
                    (index, chunk, result)
                }
            })
            .buffer_unordered(self.config.parallelism.max(1))
            .collect()
            .await;

        let mut report = LookupReport::default();
        for (index, chunk, result) in results {
            match result {
                Ok(persons) => {
                    let mut answered: HashMap<String, KrrPerson> = persons
                        .into_iter()
                        .map(|p| (p.personidentifikator.clone(), p))
                        .collect();
                    for fnr in &chunk {
                        match answered.remove(fnr.expose()) {
                            Some(person) => {
                                report.found.insert(fnr.expose().to_owned(), person);
                            }
                            None => report.not_registered.push(fnr.clone()),
                        }
                    }
                }
                Err(error) => report.failed.push(FailedChunk {
                    index,
                    ids: chunk,
                    error,
                }),
            }
        }
        report.failed.sort_by_key(|f| f.index);
        report
    }

    /// One request for at most 1000 identifiers; after a 401, one retry with a fresh token.
    #[tracing::instrument(skip(self, ids), fields(count = ids.len()))]
    pub async fn lookup_chunk(&self, ids: &[Fnr]) -> Result<Vec<KrrPerson>, KrrError> {
        let raw: Vec<String> = ids.iter().map(|f| f.expose().to_owned()).collect();
        match self.post(&raw).await {
            Err(KrrError::Unauthorized(_)) => {
                tracing::info!("KRR answered 401; fetching a new token and trying once more");
                self.tokens.invalidate().await;
                self.post(&raw).await
            }
            other => other,
        }
    }

    async fn post(&self, ids: &[String]) -> Result<Vec<KrrPerson>, KrrError> {
        let token = self.tokens.token().await?;
        let body = PersonerRequest {
            personidentifikatorer: ids,
            inkluder_ikke_registrerte: match self.config.version {
                KrrVersion::V1 => None,
                KrrVersion::V2 => Some(false),
            },
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = self
            .http
            .post(self.url())
            .bearer_auth(token.token.expose())
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&body)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = response.status().as_u16();
        let bytes = crate::http::read_capped(response, crate::http::MAX_ANSWER_BYTES)
            .await
            .map_err(|e| match e {
                crate::http::BodyError::Read(e) => self.transport_error(e),
                too_large => KrrError::Malformed(too_large.to_string()),
            })?;
        // A service's error text may quote the numbers asked about: masked before it is kept.
        let text = || {
            crate::mask::text(
                &String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(300)
                    .collect::<String>(),
            )
        };
        match status {
            200 => serde_json::from_slice::<PersonerResponse>(&bytes)
                .map(|r| r.personer)
                .map_err(|e| KrrError::Malformed(e.to_string())),
            400 => Err(KrrError::BadRequest(text())),
            401 => Err(KrrError::Unauthorized(text())),
            403 => Err(KrrError::Forbidden(text())),
            _ => Err(KrrError::Server {
                status,
                body: text(),
            }),
        }
    }

    fn transport_error(&self, error: reqwest::Error) -> KrrError {
        if error.is_timeout() {
            KrrError::Timeout(self.config.timeout.as_secs())
        } else {
            KrrError::Network(error.to_string())
        }
    }
}
