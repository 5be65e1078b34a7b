//! Answers from the services are read with a cap: a body larger than the cap is an error, not
//! a process that runs out of memory (a broken or hostile server, or something in between).

/// The most a JSON answer (KRR, Maskinporten, SvarUt) may be: 10 000 persons from KRR are far
/// below it.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

/// The most a document from a service (a signed PDF, a status with its XML) may be.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

/// A `reqwest` client builder with the process's one TLS configuration. Each client would
/// otherwise load the system's root certificates into a TLS context of its own (about 0.9 MiB
/// each, measured here; the app holds six or more clients); a shared context costs that once.
/// Should the shared context not be made, the builder makes its own, and reports its error as
/// it does for any client.
pub fn client_builder() -> reqwest::ClientBuilder {
    static TLS: std::sync::OnceLock<Option<native_tls::TlsConnector>> = std::sync::OnceLock::new();
    let shared = TLS.get_or_init(|| match native_tls::TlsConnector::new() {
        Ok(connector) => Some(connector),
        Err(error) => {
            tracing::warn!(%error, "no shared TLS configuration; each client makes its own");
            None
        }
    });
    let builder = reqwest::Client::builder();
    match shared {
        Some(connector) => builder.use_preconfigured_tls(connector.clone()),
        None => builder,
    }
}

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Larger than the cap.
    #[error("the answer is larger than {limit} bytes; it was not read")]
    TooLarge {
        /// The cap.
        limit: usize,
    },
    /// The connection failed while reading.
    #[error(transparent)]
    Read(#[from] reqwest::Error),
}

/// Reads `response`'s body, at most `limit` bytes; a declared or actual larger body is
/// [`BodyError::TooLarge`] (nothing more is read).
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, BodyError> {
    if response
        .content_length()
        .is_some_and(|declared| declared > limit as u64)
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-shot HTTP server on the loopback answering `body` (without a length when `chunked`).
    async fn serve(body: Vec<u8>, declare_length: bool) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = if declare_length {
                format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                )
            } else {
                "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n".to_owned()
            };
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&body).await;
            let _ = socket.shutdown().await;
        });
        format!("http://{addr}/")
    }

    #[tokio::test]
    async fn a_body_over_the_cap_is_refused_declared_or_not() {
        let client = reqwest::Client::new();
        for declare in [true, false] {
            let url = serve(vec![b'x'; 5000], declare).await;
            let response = client.get(&url).send().await.unwrap();
            let error = read_capped(response, 4096).await.unwrap_err();
            assert!(
                matches!(error, BodyError::TooLarge { limit: 4096 }),
                "{error}"
            );
            let url = serve(vec![b'x'; 4000], declare).await;
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(read_capped(response, 4096).await.unwrap().len(), 4000);
        }
    }
}
