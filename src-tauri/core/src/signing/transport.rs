//! The signing client's HTTPS: mutual TLS over OpenSSL with the server's identity checked
//! *during the handshake* — the chain against the configured CA bundle only (never the
//! system's roots), then the organisation number in the server certificate (`984661185`,
//! Posten). A server that fails either never receives a byte of the request. Host names are
//! not checked: the service's certificate is an enterprise certificate naming no host
//! (`shared/specs/esignering.md` §2.2). TLS 1.2 or newer; HTTP/1.1 through hyper; one
//! connection per request (the service allows 10 calls a second; a handshake per call is
//! cheap next to that).

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode, SslVersion};
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use tokio_openssl::SslStream;

use super::asice::SigningCertificate;
use super::error::SigningError;
use crate::maskinporten::org_number_of;

/// An answer.
#[derive(Debug)]
pub(crate) struct HttpResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers.
    pub headers: hyper::HeaderMap,
    /// Body.
    pub body: Bytes,
}

impl HttpResponse {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Mutual-TLS HTTPS to one service.
pub(crate) struct Transport {
    connector: SslConnector,
    server_org_number: String,
    connect_timeout: Duration,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("server_org_number", &self.server_org_number)
            .finish_non_exhaustive()
    }
}

fn config_error(e: impl std::fmt::Display) -> SigningError {
    SigningError::Config(e.to_string())
}

impl Transport {
    /// A transport presenting `certificate` and trusting only `anchors`.
    pub fn new(
        certificate: &SigningCertificate,
        anchors: &[X509],
        server_org_number: &str,
        connect_timeout: Duration,
    ) -> Result<Self, SigningError> {
        let leaf = certificate.chain.first().ok_or_else(|| {
            SigningError::Config("the certificate file holds no certificate".into())
        })?;
        let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(config_error)?;
        builder
            .set_min_proto_version(Some(SslVersion::TLS1_2))
            .map_err(config_error)?;
        builder.set_certificate(leaf).map_err(config_error)?;
        builder
            .set_private_key(&certificate.key)
            .map_err(config_error)?;
        builder.check_private_key().map_err(|_| {
            SigningError::Config("the certificate's key does not belong to it".into())
        })?;
        for ca in certificate.chain.iter().skip(1) {
            builder
                .add_extra_chain_cert(ca.clone())
                .map_err(config_error)?;
        }
        let mut store = X509StoreBuilder::new().map_err(config_error)?;
        for anchor in anchors {
            store.add_cert(anchor.clone()).map_err(config_error)?;
        }
        builder.set_cert_store(store.build());
        builder.set_verify(SslVerifyMode::PEER);
        Ok(Self {
            connector: builder.build(),
            server_org_number: server_org_number.to_owned(),
            connect_timeout,
        })
    }

    /// Sends one request and reads the whole answer, within `timeout` (connecting within the
    /// connect timeout).
    pub async fn send(
        &self,
        method: hyper::Method,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<HttpResponse, SigningError> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| SigningError::Config(format!("{url} is not an address: {e}")))?;
        if parsed.scheme() != "https" {
            return Err(SigningError::Config(
                "the signing service is reached over HTTPS only (mutual TLS)".into(),
            ));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| SigningError::Config(format!("{url} has no host")))?
            .to_owned();
        let port = parsed.port_or_known_default().unwrap_or(443);
        let stream = tokio::time::timeout(self.connect_timeout, self.connect(&host, port))
            .await
            .map_err(|_| {
                SigningError::Unreachable(format!(
                    "no connection within {} seconds",
                    self.connect_timeout.as_secs()
                ))
            })??;

        let path = match parsed.query() {
            Some(query) => format!("{}?{query}", parsed.path()),
            None => parsed.path().to_owned(),
        };
        let authority = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.clone(),
        };
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, authority)
            .header(
                hyper::header::USER_AGENT,
                concat!("kommunepost/", env!("CARGO_PKG_VERSION")),
            )
            .header(hyper::header::CONTENT_LENGTH, body.len());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| SigningError::Config(e.to_string()))?;

        let exchange = async {
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(|e| SigningError::Network(e.to_string()))?;
            let driver = tokio::spawn(async move {
                let _ = connection.await;
            });
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| SigningError::Network(e.to_string()))?;
            let (parts, body) = response.into_parts();
            // Capped: a larger answer is an error, never read whole.
            let body = http_body_util::Limited::new(body, crate::http::MAX_DOCUMENT_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<http_body_util::LengthLimitError>() {
                        SigningError::Network(format!(
                            "the answer is larger than {} bytes; it was not read",
                            crate::http::MAX_DOCUMENT_BYTES
                        ))
                    } else {
                        SigningError::Network(e.to_string())
                    }
                })?
                .to_bytes();
            driver.abort();
            Ok(HttpResponse {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| SigningError::Timeout(timeout.as_secs()))?
    }

    /// TCP, then the TLS handshake with the chain and the organisation number checked.
    async fn connect(
        &self,
        host: &str,
        port: u16,
    ) -> Result<SslStream<tokio::net::TcpStream>, SigningError> {
        let tcp = tokio::net::TcpStream::connect((host, port))
            .await
            .map_err(|e| SigningError::Unreachable(format!("{host}:{port}: {e}")))?;
        let mut config = self.connector.configure().map_err(config_error)?;
        // Identity is the organisation number, not a host name (§2.2).
        config.set_verify_hostname(false);
        let refused: Arc<Mutex<Option<String>>> = Arc::default();
        let seen = refused.clone();
        let expected = self.server_org_number.clone();
        config.set_verify_callback(SslVerifyMode::PEER, move |chain_ok, context| {
            if !chain_ok || context.error_depth() != 0 {
                return chain_ok;
            }
            let org = context.current_cert().and_then(org_number_of);
            if org.as_deref() == Some(expected.as_str()) {
                return true;
            }
            *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(match org {
                Some(org) => format!("it belongs to organisation {org}, not {expected}"),
                None => "it carries no organisation number".to_owned(),
            });
            false
        });
        let ssl = config.into_ssl(host).map_err(config_error)?;
        let mut stream = SslStream::new(ssl, tcp).map_err(config_error)?;
        match Pin::new(&mut stream).connect().await {
            Ok(()) => Ok(stream),
            Err(error) => {
                if let Some(reason) = refused.lock().unwrap_or_else(|p| p.into_inner()).take() {
                    return Err(SigningError::ServerIdentity(reason));
                }
                let verify = stream.ssl().verify_result();
                let reason = if verify == openssl::x509::X509VerifyResult::OK {
                    error.to_string()
                } else {
                    format!(
                        "the server certificate is not trusted: {}",
                        verify.error_string()
                    )
                };
                Err(SigningError::Unreachable(format!(
                    "{host}:{port}: {reason}"
                )))
            }
        }
    }
}
