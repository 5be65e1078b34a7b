//! The signing service client (`shared/specs/esignering.md` §2–4, §8): create portal and
//! direct jobs (`multipart/mixed`: job XML + ASiC-E), poll the status queue without ever
//! polling before `X-Next-permitted-poll-time`, confirm, cancel, download PAdES/XAdES, and
//! the direct flow's status query token.
//!
//! Transport ([`super::transport`]) is mutual TLS with the enterprise certificate. The server
//! is trusted only through the configured CA bundle (never the system's roots), and its
//! certificate must carry the expected organisation number (`984661185`, Posten) — both
//! checked in the TLS handshake, before any request is sent. The certificate is "not issued
//! to any specific domain name", so host names are not checked (§2.2), as the official
//! clients do. At most 10 calls a second are made (§2.3); a `DoSFilter` 429 blocks the client
//! for 30 s.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Mutex;

use super::asice::{SigningCertificate, bundle};
use super::error::SigningError;
use super::model::{CreatedJob, DirectSigner, Flow, Job, JobError, StatusChange};
use super::transport::{HttpResponse, Transport};
use super::xml::{
    direct_signer_update_request, job_request, parse_direct_response, parse_direct_signer_response,
    parse_error, parse_portal_response, parse_status,
};
use crate::clock::Clock;
use crate::maskinporten::org_number_of;
use crate::secret::Secret;

/// Posten's organisation number, expected in the service's server certificate.
pub const POSTEN_ORG_NUMBER: &str = "984661185";
/// Calls a second the service allows per organisation.
pub const CALLS_PER_SECOND: usize = 10;
/// How long the service blocks after too many calls.
pub const DOS_BLOCK: Duration = Duration::from_secs(30);
const NEXT_POLL_HEADER: &str = "X-Next-permitted-poll-time";
/// The window the client counts its calls in: a second plus a margin, since the service
/// counts when calls arrive and connections take varying time to set up.
const RATE_WINDOW: Duration = Duration::from_millis(1200);

/// Where and as whom to reach the signing service.
#[derive(Clone)]
pub struct SigningConfig {
    /// API base, e.g. `https://api.difitest.signering.posten.no/api`.
    pub base_url: String,
    /// The sender's organisation number (in every path).
    pub sender: String,
    /// The enterprise certificate, PKCS#12 (from the OS credential store).
    pub certificate: Vec<u8>,
    /// Its password.
    pub certificate_password: Secret<String>,
    /// The CA certificates (PEM) to trust for the service's server certificate.
    pub trust_pem: Vec<u8>,
    /// The organisation number the server certificate must carry.
    pub server_org_number: String,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Timeout for API calls (the official clients use 10 s).
    pub timeout: Duration,
    /// Timeout for creating a job and for downloads (large bodies; 60 s in the official
    /// clients).
    pub transfer_timeout: Duration,
}

impl std::fmt::Debug for SigningConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningConfig")
            .field("base_url", &self.base_url)
            .field("sender", &self.sender)
            .field("server_org_number", &self.server_org_number)
            .finish_non_exhaustive()
    }
}

impl SigningConfig {
    /// The configuration for a real environment (test, production): the service's address,
    /// the enterprise certificate (PKCS#12 and its password, from the OS credential store or
    /// the CLI's flags) and the environment's settings. The sender is the settings' (or
    /// flag's) organisation number, else the certificate's; the CA bundle must be given
    /// (the service's server certificate is an enterprise certificate, not a web one).
    pub fn for_environment(
        base_url: &str,
        settings: &crate::config::EnvironmentSettings,
        certificate: Vec<u8>,
        password: Secret<String>,
        timeouts: &crate::config::Timeouts,
    ) -> Result<Self, SigningError> {
        let credential = SigningCertificate::from_pkcs12(&certificate, password.expose())
            .map_err(|e| SigningError::Config(e.to_string()))?;
        let sender = match &settings.signing_org {
            Some(org) => org.clone(),
            None => credential
                .chain
                .first()
                .and_then(|c| org_number_of(c))
                .ok_or_else(|| {
                    SigningError::Config(
                        "the certificate carries no organisation number; give the sender organisation".into(),
                    )
                })?,
        };
        let trust_pem = settings
            .signing_ca_pem
            .clone()
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| {
                SigningError::Config(
                    "no CA bundle for the signing service: add the Buypass/Commfides CA certificates (PEM) in the settings".into(),
                )
            })?
            .into_bytes();
        Ok(Self {
            base_url: base_url.to_owned(),
            sender,
            certificate,
            certificate_password: password,
            trust_pem,
            server_org_number: settings
                .signing_server_orgnr
                .clone()
                .unwrap_or_else(|| POSTEN_ORG_NUMBER.to_owned()),
            connect_timeout: timeouts.connect(),
            timeout: timeouts.request(),
            transfer_timeout: timeouts.request().max(Duration::from_secs(60)),
        })
    }
}

/// How many certificates a PEM CA bundle holds; an error when it is not PEM or empty.
pub fn check_ca_bundle(pem: &[u8]) -> Result<usize, SigningError> {
    let certificates = openssl::x509::X509::stack_from_pem(pem)
        .map_err(|_| SigningError::Config("the CA bundle is not PEM certificates".into()))?;
    if certificates.is_empty() {
        return Err(SigningError::Config(
            "the CA bundle holds no certificates".into(),
        ));
    }
    Ok(certificates.len())
}

/// The outcome of polling a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// One job's status changed (confirm it once stored).
    Changed(StatusChange),
    /// Nothing new.
    Empty,
    /// The service said it was too early (429); nothing was lost.
    TooEager,
}

/// A poll's outcome and when the queue may be polled next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Polled {
    /// What came.
    pub poll: Poll,
    /// `X-Next-permitted-poll-time`.
    pub next_permitted: DateTime<Utc>,
}

type QueueKey = (Flow, Option<String>);

#[derive(Debug, Default)]
struct Limits {
    calls: VecDeque<tokio::time::Instant>,
    blocked_until: Option<(tokio::time::Instant, DateTime<Utc>)>,
    next_poll: HashMap<QueueKey, DateTime<Utc>>,
}

/// The client. Cheap to share (`Arc`).
pub struct SigningClient {
    config: SigningConfig,
    transport: Transport,
    certificate: SigningCertificate,
    clock: Arc<dyn Clock>,
    limits: Mutex<Limits>,
}

impl std::fmt::Debug for SigningClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn first_chars(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

const XML: &str = "application/xml";

impl SigningClient {
    /// A client for `config`. Fails when the certificate, its password or the CA bundle
    /// cannot be read, or the URL is not HTTPS.
    pub fn new(config: SigningConfig, clock: Arc<dyn Clock>) -> Result<Self, SigningError> {
        if !config.base_url.starts_with("https://") {
            return Err(SigningError::Config(
                "the signing service is reached over HTTPS only (mutual TLS)".into(),
            ));
        }
        let certificate = SigningCertificate::from_pkcs12(
            &config.certificate,
            config.certificate_password.expose(),
        )
        .map_err(|e| SigningError::Config(e.to_string()))?;
        check_ca_bundle(&config.trust_pem)?;
        let anchors = openssl::x509::X509::stack_from_pem(&config.trust_pem)
            .map_err(|_| SigningError::Config("the CA bundle is not PEM certificates".into()))?;
        let transport = Transport::new(
            &certificate,
            &anchors,
            &config.server_org_number,
            config.connect_timeout,
        )?;
        Ok(Self {
            config,
            transport,
            certificate,
            clock,
            limits: Mutex::new(Limits::default()),
        })
    }

    /// The sender's organisation number.
    pub fn sender(&self) -> &str {
        &self.config.sender
    }

    fn root(&self) -> String {
        format!(
            "{}/{}",
            self.config.base_url.trim_end_matches('/'),
            self.config.sender
        )
    }

    /// Waits until a call is allowed: never more than 10 a second, never while blocked.
    async fn throttle(&self) -> Result<(), SigningError> {
        loop {
            let wait = {
                let mut limits = self.limits.lock().await;
                let now = tokio::time::Instant::now();
                if let Some((until, at)) = limits.blocked_until {
                    if now < until {
                        return Err(SigningError::RateLimited(at));
                    }
                    limits.blocked_until = None;
                }
                while limits
                    .calls
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= RATE_WINDOW)
                {
                    limits.calls.pop_front();
                }
                if limits.calls.len() < CALLS_PER_SECOND {
                    limits.calls.push_back(now);
                    return Ok(());
                }
                RATE_WINDOW - now.duration_since(limits.calls[0])
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn block(&self) -> DateTime<Utc> {
        let at = self.clock.now() + chrono::Duration::seconds(DOS_BLOCK.as_secs() as i64);
        self.limits.lock().await.blocked_until =
            Some((tokio::time::Instant::now() + DOS_BLOCK, at));
        at
    }

    /// One call: within the rate limit, over a connection whose server proved its identity
    /// in the handshake. A `DoSFilter` 429 blocks the client for 30 s.
    async fn call(
        &self,
        method: hyper::Method,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<HttpResponse, SigningError> {
        self.throttle().await?;
        let response = self
            .transport
            .send(method, url, headers, body, timeout)
            .await?;
        if response.status == 429 && response.headers.contains_key("DoSFilter") {
            return Err(SigningError::RateLimited(self.block().await));
        }
        Ok(response)
    }

    async fn get(
        &self,
        url: &str,
        accept: &str,
        timeout: Duration,
    ) -> Result<HttpResponse, SigningError> {
        self.call(
            hyper::Method::GET,
            url,
            &[("Accept", accept.to_owned())],
            Vec::new(),
            timeout,
        )
        .await
    }

    fn failure(response: &HttpResponse) -> SigningError {
        let body = response.text();
        match parse_error(&body) {
            Some(error) => SigningError::Refused {
                status: response.status,
                error,
            },
            None => SigningError::Http {
                status: response.status,
                body: first_chars(body.trim(), 300),
            },
        }
    }

    fn success(response: HttpResponse) -> Result<HttpResponse, SigningError> {
        if (200..300).contains(&response.status) {
            Ok(response)
        } else {
            Err(Self::failure(&response))
        }
    }

    /// `GET {base}/{org}`: "You are …" — proves the certificates work both ways.
    pub async fn whoami(&self) -> Result<String, SigningError> {
        let response = self
            .get(&self.root(), "text/plain", self.config.timeout)
            .await?;
        Ok(Self::success(response)?.text())
    }

    /// Creates `job`: checks it, signs the bundle (signing time now) and posts the job XML
    /// and the bundle as `multipart/mixed`.
    pub async fn create(&self, job: &Job) -> Result<CreatedJob, SigningError> {
        job.validate()?;
        if job.sender != self.config.sender {
            return Err(SigningError::Job(JobError {
                field: "sender".into(),
                reason: format!(
                    "the job's sender {} is not the configured sender {}",
                    job.sender, self.config.sender
                ),
            }));
        }
        let bundle = bundle(job, &self.certificate, self.clock.now())?;
        let boundary = format!("kommunepost-{}", uuid::Uuid::new_v4().simple());
        let body = multipart_mixed(&boundary, &job_request(job), &bundle);
        let url = format!("{}/{}/signature-jobs", self.root(), job.flow.as_str());
        let response = self
            .call(
                hyper::Method::POST,
                &url,
                &[
                    ("Accept", XML.to_owned()),
                    (
                        "Content-Type",
                        format!("multipart/mixed; boundary={boundary}"),
                    ),
                ],
                body,
                self.config.transfer_timeout,
            )
            .await?;
        let text = Self::success(response)?.text();
        Ok(match job.flow {
            Flow::Portal => parse_portal_response(&text)?,
            Flow::Direct => parse_direct_response(&text)?,
        })
    }

    /// When `queue` of `flow` may be polled next, as far as this client knows.
    pub async fn next_permitted_poll(
        &self,
        flow: Flow,
        queue: Option<&str>,
    ) -> Option<DateTime<Utc>> {
        self.limits
            .lock()
            .await
            .next_poll
            .get(&(flow, queue.map(str::to_owned)))
            .copied()
    }

    /// Tells the client a next permitted time learnt earlier (e.g. kept in the store by a
    /// previous run), so it does not poll early after a restart.
    pub async fn remember_next_permitted_poll(
        &self,
        flow: Flow,
        queue: Option<&str>,
        at: DateTime<Utc>,
    ) {
        let mut limits = self.limits.lock().await;
        let entry = limits
            .next_poll
            .entry((flow, queue.map(str::to_owned)))
            .or_insert(at);
        *entry = (*entry).max(at);
    }

    /// Polls the status queue of `flow` (`queue` `None`: the default queue). Never calls the
    /// service before the permitted time: returns [`SigningError::PollTooEarly`] instead.
    pub async fn poll(&self, flow: Flow, queue: Option<&str>) -> Result<Polled, SigningError> {
        let key = (flow, queue.map(str::to_owned));
        if let Some(next) = self.limits.lock().await.next_poll.get(&key).copied()
            && self.clock.now() < next
        {
            return Err(SigningError::PollTooEarly(next));
        }
        let mut url = format!("{}/{}/signature-jobs", self.root(), flow.as_str());
        if let Some(queue) = queue {
            url.push_str("?polling_queue=");
            url.extend(form_urlencoded::byte_serialize(queue.as_bytes()));
        }
        let response = self.get(&url, XML, self.config.timeout).await?;
        let next = response
            .header(NEXT_POLL_HEADER)
            .and_then(|v| DateTime::parse_from_rfc3339(v.trim()).ok())
            .map(|t| t.with_timezone(&Utc));
        let poll = match response.status {
            200 => Poll::Changed(parse_status(&response.text())?),
            204 => Poll::Empty,
            429 => Poll::TooEager,
            _ => return Err(Self::failure(&response)),
        };
        // Without the header (UNCONFIRMED that it is ever missing), wait a minute after an
        // empty or refused poll; poll again at once after a change, as the service allows.
        let next_permitted = next.unwrap_or_else(|| match poll {
            Poll::Changed(_) => self.clock.now(),
            _ => self.clock.now() + chrono::Duration::minutes(1),
        });
        self.limits
            .lock()
            .await
            .next_poll
            .insert(key, next_permitted);
        Ok(Polled {
            poll,
            next_permitted,
        })
    }

    async fn post_empty(&self, url: &str) -> Result<HttpResponse, SigningError> {
        self.call(
            hyper::Method::POST,
            url,
            &[("Accept", XML.to_owned())],
            Vec::new(),
            self.config.timeout,
        )
        .await
    }

    /// Confirms a status once it is stored (`POST confirmation-url`, empty body).
    pub async fn confirm(&self, confirmation_url: &str) -> Result<(), SigningError> {
        Self::success(self.post_empty(confirmation_url).await?)?;
        Ok(())
    }

    /// Cancels a portal job (`POST cancellation-url`). 409 → [`SigningError::TooLateToCancel`].
    pub async fn cancel(&self, cancellation_url: &str) -> Result<(), SigningError> {
        let response = self.post_empty(cancellation_url).await?;
        match response.status {
            409 => Err(SigningError::TooLateToCancel),
            _ => Self::success(response).map(|_| ()),
        }
    }

    /// Downloads the PAdES (`pades-url`).
    pub async fn download_pades(&self, url: &str) -> Result<Vec<u8>, SigningError> {
        self.download(url, "application/octet-stream, application/xml")
            .await
    }

    /// Downloads a signer's XAdES (`xades-url`).
    pub async fn download_xades(&self, url: &str) -> Result<Vec<u8>, SigningError> {
        self.download(url, XML).await
    }

    async fn download(&self, url: &str, accept: &str) -> Result<Vec<u8>, SigningError> {
        let response = self.get(url, accept, self.config.transfer_timeout).await?;
        Ok(Self::success(response)?.body.to_vec())
    }

    /// Direct flow: the job's status with the token the signer's browser brought back
    /// (`GET status-url?status_query_token=…`).
    pub async fn direct_status(
        &self,
        status_url: &str,
        token: &str,
    ) -> Result<StatusChange, SigningError> {
        let separator = if status_url.contains('?') { '&' } else { '?' };
        let url = format!(
            "{status_url}{separator}status_query_token={}",
            form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
        );
        let response = self.get(&url, XML, self.config.timeout).await?;
        match response.status {
            200 => Ok(parse_status(&response.text())?),
            403 => Err(SigningError::InvalidStatusQueryToken),
            404 => Err(SigningError::NotCompleted),
            _ => Err(Self::failure(&response)),
        }
    }

    /// Direct flow: a new one-time redirect URL for a signer (`POST` the signer's `href`).
    pub async fn new_redirect_url(&self, signer_href: &str) -> Result<DirectSigner, SigningError> {
        let response = self
            .call(
                hyper::Method::POST,
                signer_href,
                &[("Accept", XML.to_owned()), ("Content-Type", XML.to_owned())],
                direct_signer_update_request().into_bytes(),
                self.config.timeout,
            )
            .await?;
        let text = Self::success(response)?.text();
        Ok(parse_direct_signer_response(&text)?)
    }
}

/// The create request's body: the job XML (`application/xml`), then the bundle
/// (`application/octet-stream`), each with `Content-Disposition: attachment` as the .NET
/// client sends.
pub fn multipart_mixed(boundary: &str, job_xml: &str, bundle: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(bundle.len() + job_xml.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: application/xml\r\nContent-Disposition: attachment\r\n\r\n{job_xml}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"documents.asice\"\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bundle);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}
