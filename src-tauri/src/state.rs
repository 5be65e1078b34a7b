//! What the app holds while it runs.

use kommunepost_core::problem::{Problem, ProblemKey};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use kommunepost_core::clock::{Clock, SystemClock};
use kommunepost_core::config::{Endpoints, Environment, Settings};
use kommunepost_core::krr::{Cancel, KrrAccess, KrrClient};
use kommunepost_core::paths::{AppPaths, build_identifier};
use kommunepost_core::services::{Overrides, ServiceError, Services};
use kommunepost_core::store::{CredentialStore, OsKeyring, StoreSession};
use kommunepost_core::svarut::SvarUtClient;
use kommunepost_sandbox::{Population, PopulationConfig, SandboxServer};
use serde::Serialize;

use crate::error::{CommandError, ErrorCode};

/// The app's directories: `KOMMUNEPOST_DATA_DIR` when set (tests, portable installs), else the
/// platform's directories for this build's identifier — the same ones the CLI uses.
pub fn resolve_paths() -> AppPaths {
    match std::env::var_os("KOMMUNEPOST_DATA_DIR") {
        Some(dir) if !dir.is_empty() => AppPaths::under(std::path::Path::new(&dir)),
        _ => AppPaths::for_identifier(build_identifier()).unwrap_or_else(|e| {
            // Without a home directory there is nowhere safe to keep data; say so and stop.
            eprintln!("kommunepost: {e}");
            std::process::exit(1)
        }),
    }
}

/// Facts about the running app, for the header and settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct AppInfo {
    /// The app's version.
    pub version: String,
    /// The environment in effect.
    pub environment: Environment,
    /// The bundle identifier (the dev build has its own).
    pub identifier: String,
    /// Where the store lives.
    pub data_dir: String,
    /// The sandbox services' base URL, when running.
    pub sandbox_url: Option<String>,
}

/// The app's state, managed by Tauri.
#[derive(Debug)]
pub struct AppState {
    paths: AppPaths,
    settings: Mutex<Settings>,
    session: Mutex<StoreSession>,
    sandbox: tokio::sync::Mutex<Option<SandboxServer>>,
    sandbox_url: Mutex<Option<String>>,
    clock: Arc<dyn Clock>,
    /// The OS credential store (Maskinporten certificates), or why it cannot be reached.
    pub(crate) credentials:
        Result<Arc<dyn CredentialStore>, kommunepost_core::store::CredentialError>,
    /// The KRR client of the current environment, kept so its token is reused.
    pub(crate) krr: tokio::sync::Mutex<Option<(Environment, Arc<KrrClient>)>>,
    /// Running lookups by id, to cancel them.
    pub(crate) lookups: Mutex<HashMap<String, Cancel>>,
    /// The SvarUt client of the current environment, kept so its token is reused.
    pub(crate) svarut: tokio::sync::Mutex<Option<(Environment, Arc<SvarUtClient>)>>,
    /// The signing client of the current environment.
    pub(crate) signing:
        tokio::sync::Mutex<Option<(Environment, Arc<kommunepost_core::signing::SigningClient>)>>,
    /// When the running sandbox started (its signing service knows only orders made since).
    sandbox_started: Mutex<Option<chrono::DateTime<chrono::Utc>>>,
    /// Told the new [`AppInfo`] when the sandbox starts or stops (the window's pages).
    app_info_listener: Mutex<Option<AppInfoListener>>,
}

/// What is told the new [`AppInfo`] when it changes.
#[derive(Clone)]
struct AppInfoListener(Arc<dyn Fn(AppInfo) + Send + Sync>);

impl std::fmt::Debug for AppInfoListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppInfoListener")
    }
}

impl AppState {
    /// Reads settings and opens (or creates) the store with the OS credential store.
    pub fn start(paths: AppPaths) -> Result<Self, CommandError> {
        let credentials = OsKeyring::new(build_identifier())
            .map(|keyring| Arc::new(keyring) as Arc<dyn CredentialStore>);
        Self::with_credentials(paths, credentials, Arc::new(SystemClock))
    }

    /// Like [`AppState::start`] with a given credential store (tests).
    pub fn with_credentials(
        paths: AppPaths,
        credentials: Result<Arc<dyn CredentialStore>, kommunepost_core::store::CredentialError>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, CommandError> {
        let settings = Settings::load(&paths.settings_file())?;
        let session =
            StoreSession::start(paths.data_dir.clone(), credentials.clone(), clock.clone());
        Ok(Self {
            paths,
            settings: Mutex::new(settings),
            session: Mutex::new(session),
            sandbox: tokio::sync::Mutex::new(None),
            sandbox_url: Mutex::new(None),
            clock,
            credentials,
            krr: tokio::sync::Mutex::new(None),
            lookups: Mutex::new(HashMap::new()),
            svarut: tokio::sync::Mutex::new(None),
            signing: tokio::sync::Mutex::new(None),
            sandbox_started: Mutex::new(None),
            app_info_listener: Mutex::new(None),
        })
    }

    /// The store session.
    pub fn session(&self) -> MutexGuard<'_, StoreSession> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of the settings.
    pub fn settings(&self) -> Settings {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Facts for the header.
    pub fn app_info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            environment: self.settings().environment,
            identifier: build_identifier().to_owned(),
            data_dir: self.paths.data_dir.display().to_string(),
            sandbox_url: self
                .sandbox_url
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }

    /// Calls `listener` with the new [`AppInfo`] whenever the sandbox starts or stops, so the
    /// window shows its address once it runs.
    pub fn on_app_info_change(&self, listener: impl Fn(AppInfo) + Send + Sync + 'static) {
        *self
            .app_info_listener
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(AppInfoListener(Arc::new(listener)));
    }

    fn app_info_changed(&self) {
        let listener = self
            .app_info_listener
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(AppInfoListener(listener)) = listener {
            listener(self.app_info());
        }
    }

    /// Changes the settings and saves them; nothing changes if saving fails.
    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) -> Result<(), CommandError> {
        let mut settings = self.settings.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = settings.clone();
        change(&mut next);
        next.save(&self.paths.settings_file())?;
        *settings = next;
        Ok(())
    }

    /// Saves a new environment and starts or stops the sandbox to match.
    pub async fn set_environment(&self, environment: Environment) -> Result<AppInfo, CommandError> {
        self.update_settings(|settings| settings.environment = environment)?;
        tracing::info!(environment = environment.as_str(), "environment changed");
        *self.krr.lock().await = None;
        *self.svarut.lock().await = None;
        *self.signing.lock().await = None;
        self.ensure_sandbox().await?;
        Ok(self.app_info())
    }

    /// Takes the store's worker lock for the app's background worker (one worker per store),
    /// settling what a worker that died left half done. Refused with who is sending when
    /// another process holds it.
    pub fn acquire_worker_lock(
        &self,
    ) -> Result<kommunepost_core::store::worker_lock::WorkerLock, CommandError> {
        let store = self.session().store()?;
        kommunepost_core::background::take_worker_lock(
            &self.paths.data_dir,
            "kommunepost-app",
            &store,
            self.clock.now(),
        )
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))
    }

    /// Writes an online backup of the store to the export folder, off the window's thread;
    /// returns the file's path.
    pub async fn backup_store(&self) -> Result<String, CommandError> {
        let store = self.session().store()?;
        let stamp = kommunepost_core::norway::local(self.clock.now()).format("%Y-%m-%d-%H%M");
        let dir = self.paths.export_dir.clone();
        let path = tauri::async_runtime::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let mut n = 1;
            loop {
                let name = if n == 1 {
                    format!("kommunepost-sikkerhetskopi-{stamp}.kpdb")
                } else {
                    format!("kommunepost-sikkerhetskopi-{stamp} ({n}).kpdb")
                };
                let path = dir.join(name);
                if !path.exists() {
                    store.backup_to(&path)?;
                    return Ok::<_, kommunepost_core::store::StoreError>(path);
                }
                n += 1;
            }
        })
        .await
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))??;
        tracing::info!("store backup written");
        Ok(path.display().to_string())
    }

    /// Where the app keeps and writes files.
    pub fn paths(&self) -> &AppPaths {
        &self.paths
    }

    /// The clock.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Builds with core's [`Services`] for `environment`: the running sandbox's access in the
    /// sandbox, else the settings and the OS credential store (the app has no overrides).
    /// The sandbox is started here when it is needed and not yet running (see
    /// [`AppState::ensure_sandbox`]).
    pub async fn with_services<T>(
        &self,
        environment: Environment,
        build: impl FnOnce(&Services<'_>) -> Result<T, ServiceError>,
    ) -> Result<T, CommandError> {
        let settings = self.settings();
        if environment == Environment::Sandbox && settings.environment == Environment::Sandbox {
            self.ensure_sandbox().await?;
        }
        let sandbox = match environment {
            Environment::Sandbox => Some(
                self.sandbox
                    .lock()
                    .await
                    .as_ref()
                    .map(|server| server.access(&settings.timeouts))
                    .ok_or_else(|| {
                        CommandError::new(
                            ErrorCode::ServiceUnavailable,
                            "the sandbox services are not running",
                        )
                        .with_detail(Problem::new(ProblemKey::SandboxNotRunning))
                    })?,
            ),
            _ => None,
        };
        let credentials = match (&self.credentials, environment) {
            (Ok(store), _) => Some(store.as_ref()),
            (Err(_), Environment::Sandbox) => None,
            (Err(error), _) => {
                return Err(CommandError::new(
                    ErrorCode::CredentialStore,
                    error.to_string(),
                ));
            }
        };
        let overrides = Overrides::default();
        let services = Services {
            settings: &settings,
            environment,
            credentials,
            sandbox: sandbox.as_ref(),
            overrides: &overrides,
            clock: &self.clock,
        };
        build(&services).map_err(CommandError::from)
    }

    /// The KRR client for the current environment (built once, then reused with its token),
    /// with the environment it was built for.
    pub async fn krr_client(&self) -> Result<(Environment, Arc<KrrClient>), CommandError> {
        let mut cached = self.krr.lock().await;
        if let Some(client) = cached.as_ref() {
            return Ok(client.clone());
        }
        let environment = self.settings().environment;
        let client = self.with_services(environment, |s| s.krr()).await?;
        let client = (environment, Arc::new(client));
        *cached = Some(client.clone());
        Ok(client)
    }

    /// Endpoints and Maskinporten access for `environment`: the sandbox's own client, or the
    /// client id from the settings with the certificate from the OS credential store.
    pub async fn access_for(
        &self,
        environment: Environment,
    ) -> Result<(Endpoints, KrrAccess), CommandError> {
        self.with_services(environment, |s| s.krr_access()).await
    }

    /// What the running sandbox's SvarUt has accepted (empty when no sandbox runs): for the
    /// tests that check what left, and for looking into the sandbox.
    pub async fn sandbox_svarut_accepted(&self) -> Vec<kommunepost_sandbox::svarut::Accepted> {
        self.sandbox
            .lock()
            .await
            .as_ref()
            .map(|server| server.svarut_double.accepted())
            .unwrap_or_default()
    }

    /// The sandbox signing page, while the sandbox runs.
    pub async fn sandbox_signing_page(&self) -> Option<String> {
        self.sandbox
            .lock()
            .await
            .as_ref()
            .map(|server| server.signing_page_url())
    }

    /// When the running sandbox started.
    pub async fn sandbox_started(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        *self
            .sandbox_started
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Runs the sandbox services exactly when the environment is Sandbox. The app does not
    /// start them before its window, nor for an idle worker round: the first command or round
    /// that needs them does (callers wait for each other here), and Innstillinger asks for them
    /// to show their address. The window is told the new [`AppInfo`] when they start or stop.
    pub async fn ensure_sandbox(&self) -> Result<(), CommandError> {
        let settings = self.settings();
        let mut sandbox = self.sandbox.lock().await;
        match (settings.environment, sandbox.is_some()) {
            (Environment::Sandbox, false) => {
                let population = Population::generate(&PopulationConfig {
                    seed: settings.sandbox.seed.into(),
                    persons: settings.sandbox.persons as usize,
                    as_of: self.clock.now(),
                });
                let server =
                    SandboxServer::start(Arc::new(population), self.clock.clone(), 0).await?;
                server
                    .svarut_double
                    .set_speed(settings.sandbox.svarut_speed);
                server
                    .signing_double
                    .set_speed(settings.sandbox.signing_speed);
                let mut signing = server.signing_double.settings();
                signing.auto = settings.sandbox.signing_auto;
                server.signing_double.set_settings(signing);
                *self
                    .sandbox_started
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(self.clock.now());
                // No client of an earlier sandbox is cached: the sandbox stops only when the
                // environment changes, and `set_environment` drops every client first. (The
                // clients' locks are not taken here: a client being built holds its own lock
                // and waits here for the sandbox.)
                *self.sandbox_url.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(server.base_url());
                *sandbox = Some(server);
                tracing::info!("sandbox services running");
                self.app_info_changed();
            }
            (Environment::Test | Environment::Production, true) => {
                if let Some(server) = sandbox.take() {
                    server.stop().await;
                }
                *self.sandbox_url.lock().unwrap_or_else(|p| p.into_inner()) = None;
                self.app_info_changed();
            }
            _ => {}
        }
        Ok(())
    }
}
