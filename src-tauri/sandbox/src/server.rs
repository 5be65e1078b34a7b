//! The sandbox's HTTP server on 127.0.0.1. Service doubles (Maskinporten, KRR, SvarUt,
//! signing) mount their routes here as they arrive; today it serves its health and the
//! synthetic population.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::population::Population;

/// The sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// Binding the port failed.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for (0 = any).
        port: u16,
        /// Why.
        source: std::io::Error,
    },
}

/// A running sandbox. Stops when [`SandboxServer::stop`] is called or when dropped.
#[derive(Debug)]
pub struct SandboxServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SandboxServer {
    /// Starts serving `population` on 127.0.0.1:`port` (0 for a free port). Only the loopback
    /// interface is ever bound: the sandbox is not reachable from other machines.
    pub async fn start(population: Arc<Population>, port: u16) -> Result<Self, SandboxError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| SandboxError::Bind { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { port, source })?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = router(population);
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "sandbox server stopped with an error");
            }
        });
        tracing::info!(%addr, "sandbox started");
        Ok(Self {
            addr,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops serving and waits until the server has shut down.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SandboxServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

fn router(population: Arc<Population>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/population", get(population_all))
        .route("/population/persons/{fnr}", get(population_person))
        .fallback(not_found)
        .with_state(population)
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "services": ["population"] }))
}

async fn population_all(State(population): State<Arc<Population>>) -> Json<Population> {
    Json(population.as_ref().clone())
}

async fn population_person(
    State(population): State<Arc<Population>>,
    Path(fnr): Path<String>,
) -> Response {
    match population.person(&fnr) {
        Some(person) => Json(person).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(
                json!({ "error": "not_found", "message": "no synthetic person with that number" }),
            ),
        )
            .into_response(),
    }
}

async fn not_found(uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": "not_found", "path": uri.path() })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::population::{KrrSituation, PopulationConfig};
    use chrono::{TimeZone, Utc};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn population() -> Arc<Population> {
        Arc::new(Population::generate(&PopulationConfig {
            seed: 11,
            persons: 30,
            as_of: Utc.with_ymd_and_hms(2026, 11, 29, 0, 0, 0).unwrap(),
        }))
    }

    /// A plain HTTP/1.1 GET over a real socket: (status, body).
    async fn get(addr: SocketAddr, path: &str) -> (u16, serde_json::Value) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        let text = String::from_utf8(response).unwrap();
        let status = text[9..12].parse().unwrap();
        let body = text.split_once("\r\n\r\n").unwrap().1;
        (status, serde_json::from_str(body).unwrap())
    }

    #[tokio::test]
    async fn the_server_listens_on_loopback_and_reports_its_health() {
        let server = SandboxServer::start(population(), 0).await.unwrap();
        assert!(server.addr().ip().is_loopback());
        assert!(server.base_url().starts_with("http://127.0.0.1:"));
        let (status, body) = get(server.addr(), "/health").await;
        assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
        server.stop().await;
    }

    #[tokio::test]
    async fn the_population_is_served_with_full_synthetic_numbers() {
        let population = population();
        let reserved = population
            .first_in(KrrSituation::Reserved)
            .unwrap()
            .fnr
            .expose()
            .to_owned();
        let server = SandboxServer::start(population, 0).await.unwrap();
        let (status, body) = get(server.addr(), "/population").await;
        assert_eq!(status, 200);
        assert_eq!(body["persons"].as_array().unwrap().len(), 30);
        let (status, person) = get(server.addr(), &format!("/population/persons/{reserved}")).await;
        assert_eq!(
            (status, person["situation"].as_str()),
            (200, Some("reserved"))
        );
        assert_eq!(person["fnr"].as_str(), Some(reserved.as_str()));
        let (status, error) = get(server.addr(), "/population/persons/01010112345").await;
        assert_eq!((status, error["error"].as_str()), (404, Some("not_found")));
        server.stop().await;
    }

    #[tokio::test]
    async fn unknown_paths_answer_404_in_json() {
        let server = SandboxServer::start(population(), 0).await.unwrap();
        let (status, body) = get(server.addr(), "/nothing/here").await;
        assert_eq!(
            (status, body["path"].as_str()),
            (404, Some("/nothing/here"))
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn a_stopped_server_no_longer_accepts_connections() {
        let server = SandboxServer::start(population(), 0).await.unwrap();
        let addr = server.addr();
        server.stop().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }
}
