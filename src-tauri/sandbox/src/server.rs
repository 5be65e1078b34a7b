//! The sandbox's HTTP services on 127.0.0.1: a control service (health, the synthetic
//! population) and the service doubles (Maskinporten, KRR; SvarUt and signing arrive later),
//! each on its own port.

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

use std::collections::HashMap;

use kommunepost_core::clock::Clock;
use kommunepost_core::config::Endpoints;
use kommunepost_core::maskinporten::{SCOPE_KRR_DIGITALPOST, SCOPE_KRR_KONTAKTINFO};
use openssl::pkey::PKey;

use crate::ca::TestCa;
use crate::krr::KrrDouble;
use crate::maskinporten::{MaskinportenDouble, RegisteredClient};
use crate::population::Population;
use crate::signing::SigningDouble;
use crate::svarut::SvarUtDouble;

/// The sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// Binding a port failed.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for (0 = any).
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// The test CA or a key could not be made.
    #[error("cannot make the sandbox certificates: {0}")]
    Certificates(String),
}

/// The client the sandbox registers with its Maskinporten, for the app and the CLI to use in
/// the Sandbox environment (so it works without credentials) and for tests.
#[derive(Clone)]
pub struct SandboxCredentials {
    /// Client id of the certificate client.
    pub client_id: String,
    /// The municipality's organisation number (in the certificate).
    pub org_number: String,
    /// The enterprise certificate with key and chain, PKCS#12.
    pub pkcs12: Vec<u8>,
    /// Its password.
    pub password: String,
    /// Client id of a second client that uses a registered key (`kid`).
    pub kid_client_id: String,
    /// The registered key's id.
    pub kid: String,
    /// The registered key, PEM (PKCS#8).
    pub kid_private_pem: Vec<u8>,
    /// The test CA's certificate, PEM.
    pub ca_pem: Vec<u8>,
    /// The SvarUt account (`kontoId`).
    pub svarut_konto_id: String,
    /// The Fiks integration's id.
    pub integrasjon_id: String,
    /// The Fiks integration's password.
    pub integrasjon_passord: String,
}

impl std::fmt::Debug for SandboxCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxCredentials")
            .field("client_id", &self.client_id)
            .field("org_number", &self.org_number)
            .finish_non_exhaustive()
    }
}

/// KS Fiks's Maskinporten scope (SvarUt).
pub const SCOPE_KS_FIKS: &str = "ks:fiks";

/// Organisation number of the sandbox municipality.
pub const SANDBOX_ORG_NUMBER: &str = "910753614";

/// One service on its own port.
#[derive(Debug)]
struct Service {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Service {
    async fn bind(port: u16) -> Result<(tokio::net::TcpListener, SocketAddr), SandboxError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|source| SandboxError::Bind { port, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Bind { port, source })?;
        Ok((listener, addr))
    }

    fn serve(listener: tokio::net::TcpListener, addr: SocketAddr, app: Router) -> Self {
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "sandbox service stopped with an error");
            }
        });
        Self {
            addr,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    fn serve_tls(
        listener: crate::signing::tls::TlsListener,
        addr: SocketAddr,
        app: Router,
    ) -> Self {
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let service =
                app.into_make_service_with_connect_info::<crate::signing::tls::ClientCertificate>();
            let serve = axum::serve(listener, service).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(error) = serve.await {
                tracing::error!(%error, "sandbox service stopped with an error");
            }
        });
        Self {
            addr,
            shutdown: Some(shutdown),
            task: Some(task),
        }
    }

    async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// The running sandbox: a control service (health, population) and the service doubles,
/// each on its own port on 127.0.0.1. Stops when [`SandboxServer::stop`] is called or when
/// dropped.
#[derive(Debug)]
pub struct SandboxServer {
    control: Service,
    maskinporten: Service,
    krr: Service,
    /// The Maskinporten stand-in (for tests: its issuer and key).
    pub maskinporten_double: Arc<MaskinportenDouble>,
    /// The KRR stand-in (for tests: faults and request counts).
    pub krr_double: Arc<KrrDouble>,
    svarut: Service,
    /// The SvarUt stand-in (for tests: faults and what it accepted).
    pub svarut_double: Arc<SvarUtDouble>,
    signing: Service,
    signing_page: Service,
    /// The signing service stand-in (for tests: behaviours, speed, poll counts).
    pub signing_double: Arc<SigningDouble>,
    credentials: SandboxCredentials,
}

impl SandboxServer {
    /// Starts the sandbox over `population` with time from `clock`; the control service on
    /// `port` (0 for any free port), the doubles on free ports. Only the loopback interface
    /// is ever bound: the sandbox is not reachable from other machines.
    pub async fn start(
        population: Arc<Population>,
        clock: Arc<dyn Clock>,
        port: u16,
    ) -> Result<Self, SandboxError> {
        let certificates =
            |e: openssl::error::ErrorStack| SandboxError::Certificates(e.to_string());
        let ca = TestCa::valid_from(clock.now().timestamp()).map_err(certificates)?;
        let issued = ca
            .issue(SANDBOX_ORG_NUMBER, "Sandkasse kommune", 365)
            .map_err(certificates)?;
        let password = uuid::Uuid::new_v4().to_string();
        let pkcs12 = issued.to_pkcs12(&ca, &password).map_err(certificates)?;
        let kid_key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).map_err(certificates)?)
            .map_err(certificates)?;
        let kid_public =
            PKey::public_key_from_der(&kid_key.public_key_to_der().map_err(certificates)?)
                .map_err(certificates)?;
        let credentials = SandboxCredentials {
            client_id: "kommunepost-sandkasse".into(),
            org_number: SANDBOX_ORG_NUMBER.into(),
            pkcs12,
            password,
            kid_client_id: "kommunepost-sandkasse-nokkel".into(),
            kid: "kommunepost-sandkasse-nokkel-1".into(),
            kid_private_pem: kid_key.private_key_to_pem_pkcs8().map_err(certificates)?,
            ca_pem: ca.certificate().to_pem().map_err(certificates)?,
            svarut_konto_id: uuid::Uuid::new_v4().to_string(),
            integrasjon_id: uuid::Uuid::new_v4().to_string(),
            integrasjon_passord: uuid::Uuid::new_v4().to_string(),
        };
        let scopes = vec![
            SCOPE_KRR_KONTAKTINFO.to_owned(),
            SCOPE_KRR_DIGITALPOST.to_owned(),
        ];
        let clients = HashMap::from([
            (
                credentials.client_id.clone(),
                RegisteredClient {
                    org_number: SANDBOX_ORG_NUMBER.into(),
                    // KS Fiks (SvarUt) too, as a municipality's integration has it.
                    scopes: scopes
                        .iter()
                        .cloned()
                        .chain([SCOPE_KS_FIKS.to_owned()])
                        .collect(),
                    keys: HashMap::new(),
                },
            ),
            (
                credentials.kid_client_id.clone(),
                RegisteredClient {
                    org_number: SANDBOX_ORG_NUMBER.into(),
                    scopes,
                    keys: HashMap::from([(credentials.kid.clone(), kid_public)]),
                },
            ),
        ]);

        let (control_listener, control_addr) = Service::bind(port).await?;
        let (mp_listener, mp_addr) = Service::bind(0).await?;
        let (krr_listener, krr_addr) = Service::bind(0).await?;
        let (svarut_listener, svarut_addr) = Service::bind(0).await?;
        let (signing_listener, signing_addr) = Service::bind(0).await?;
        let (page_listener, page_addr) = Service::bind(0).await?;
        let signing_double = Arc::new(
            SigningDouble::new(
                population.clone(),
                clock.clone(),
                ca.clone(),
                vec![SANDBOX_ORG_NUMBER.to_owned()],
            )
            .map_err(certificates)?,
        );
        signing_double.set_bases(
            format!("https://{signing_addr}/api"),
            format!("http://{page_addr}"),
        );
        let acceptor = crate::signing::tls::acceptor(signing_double.server_certificate(), &ca)
            .map_err(certificates)?;
        let signing_listener = crate::signing::tls::TlsListener::new(signing_listener, acceptor)
            .map_err(|source| SandboxError::Bind { port: 0, source })?;
        let maskinporten_double = Arc::new(MaskinportenDouble::new(
            format!("http://{mp_addr}/"),
            ca,
            clients,
            clock.clone(),
        ));
        let krr_double = Arc::new(KrrDouble::new(
            population.clone(),
            maskinporten_double.public_key(),
            maskinporten_double.issuer().to_owned(),
            clock.clone(),
        ));
        let svarut_double = Arc::new(SvarUtDouble::new(
            population.clone(),
            maskinporten_double.public_key(),
            maskinporten_double.issuer().to_owned(),
            clock,
            credentials.svarut_konto_id.clone(),
            credentials.integrasjon_id.clone(),
            credentials.integrasjon_passord.clone(),
        ));
        let urls = ServiceUrls {
            maskinporten: format!("http://{mp_addr}/"),
            krr: format!("http://{krr_addr}"),
        };
        let server = Self {
            control: Service::serve(control_listener, control_addr, router(population, urls)),
            maskinporten: Service::serve(
                mp_listener,
                mp_addr,
                maskinporten_double.clone().router(),
            ),
            krr: Service::serve(krr_listener, krr_addr, krr_double.clone().router()),
            svarut: Service::serve(
                svarut_listener,
                svarut_addr,
                svarut_double
                    .clone()
                    .router()
                    .merge(crate::svarut_v3::router(svarut_double.clone())),
            ),
            svarut_double,
            signing: Service::serve_tls(
                signing_listener,
                signing_addr,
                signing_double.clone().router(),
            ),
            signing_page: Service::serve(
                page_listener,
                page_addr,
                signing_double.clone().page_router(),
            ),
            signing_double,
            maskinporten_double,
            krr_double,
            credentials,
        };
        tracing::info!(control = %control_addr, maskinporten = %mp_addr, krr = %krr_addr, svarut = %svarut_addr, signing = %signing_addr, signing_page = %page_addr, "sandbox started");
        Ok(server)
    }

    /// The control service: `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.control.addr)
    }

    /// The control service's address.
    pub fn addr(&self) -> SocketAddr {
        self.control.addr
    }

    /// The services' addresses, for the clients.
    pub fn endpoints(&self) -> Endpoints {
        Endpoints {
            maskinporten: format!("http://{}/", self.maskinporten.addr),
            krr: format!("http://{}", self.krr.addr),
            svarut: format!("http://{}/api", self.svarut.addr),
            signing: format!("https://{}/api", self.signing.addr),
        }
    }

    /// What a client of this sandbox needs: its addresses, its own Maskinporten client, SvarUt
    /// account and signing configuration (for [`kommunepost_core::services::Services`]).
    pub fn access(
        &self,
        timeouts: &kommunepost_core::config::Timeouts,
    ) -> kommunepost_core::services::SandboxAccess {
        let credentials = &self.credentials;
        kommunepost_core::services::SandboxAccess {
            endpoints: self.endpoints(),
            client_id: credentials.client_id.clone(),
            credential: kommunepost_core::maskinporten::ClientCredential::from_pkcs12(
                &credentials.pkcs12,
                &credentials.password,
            )
            .expect("the sandbox's own certificate opens with its password"),
            svarut: kommunepost_core::svarut::SvarUtAccount {
                konto_id: credentials.svarut_konto_id.clone(),
                integrasjon_id: credentials.integrasjon_id.clone(),
                integrasjon_passord: kommunepost_core::secret::Secret::new(
                    credentials.integrasjon_passord.clone(),
                ),
            },
            signing: self.signing_config(timeouts),
        }
    }

    /// The sandbox client's credentials.
    pub fn credentials(&self) -> &SandboxCredentials {
        &self.credentials
    }

    /// Stops every service and waits until they have shut down.
    pub async fn stop(mut self) {
        self.control.stop().await;
        self.maskinporten.stop().await;
        self.krr.stop().await;
        self.svarut.stop().await;
        self.signing.stop().await;
        self.signing_page.stop().await;
    }

    /// A signing client configuration as the sandbox municipality: its enterprise
    /// certificate, the sandbox CA as the only trust, Posten's organisation number in the
    /// server certificate.
    pub fn signing_config(
        &self,
        timeouts: &kommunepost_core::config::Timeouts,
    ) -> kommunepost_core::signing::SigningConfig {
        kommunepost_core::signing::SigningConfig {
            base_url: self.endpoints().signing,
            sender: self.credentials.org_number.clone(),
            certificate: self.credentials.pkcs12.clone(),
            certificate_password: kommunepost_core::secret::Secret::new(
                self.credentials.password.clone(),
            ),
            trust_pem: self.credentials.ca_pem.clone(),
            server_org_number: kommunepost_core::signing::client::POSTEN_ORG_NUMBER.to_owned(),
            connect_timeout: timeouts.connect(),
            timeout: timeouts.request(),
            transfer_timeout: timeouts.request().max(std::time::Duration::from_secs(60)),
        }
    }

    /// The sandbox signing page (`http://127.0.0.1:<port>`), where people sign by hand.
    pub fn signing_page_url(&self) -> String {
        self.signing_double.page_base()
    }
}

/// Where the doubles are, for `/health`.
#[derive(Debug, Clone, serde::Serialize)]
struct ServiceUrls {
    maskinporten: String,
    krr: String,
}

#[derive(Clone)]
struct ControlState {
    population: Arc<Population>,
    urls: ServiceUrls,
}

fn router(population: Arc<Population>, urls: ServiceUrls) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/population", get(population_all))
        .route("/population/persons/{fnr}", get(population_person))
        .fallback(not_found)
        .with_state(ControlState { population, urls })
}

async fn health(State(state): State<ControlState>) -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "services": state.urls }))
}

async fn population_all(State(state): State<ControlState>) -> Json<Population> {
    Json(state.population.as_ref().clone())
}

async fn population_person(State(state): State<ControlState>, Path(fnr): Path<String>) -> Response {
    match state.population.person(&fnr) {
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

    fn clock() -> Arc<dyn Clock> {
        Arc::new(kommunepost_core::clock::SystemClock)
    }

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
        let server = SandboxServer::start(population(), clock(), 0)
            .await
            .unwrap();
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
        let server = SandboxServer::start(population, clock(), 0).await.unwrap();
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
        let server = SandboxServer::start(population(), clock(), 0)
            .await
            .unwrap();
        let (status, body) = get(server.addr(), "/nothing/here").await;
        assert_eq!(
            (status, body["path"].as_str()),
            (404, Some("/nothing/here"))
        );
        server.stop().await;
    }

    #[tokio::test]
    async fn a_stopped_server_no_longer_accepts_connections() {
        let server = SandboxServer::start(population(), clock(), 0)
            .await
            .unwrap();
        let addr = server.addr();
        server.stop().await;
        assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    }
}
