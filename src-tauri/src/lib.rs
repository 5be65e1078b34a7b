//! The Kommunepost desktop app: windows, commands and events only. Everything a clerk's work
//! needs lives in `kommunepost-core`; each command here is a thin adapter over it.
//!
//! | module | what it holds |
//! |---|---|
//! | [`commands`] | the `#[tauri::command]` adapters, one file per screen area |
//! | [`error`] | `{code, message}`, the only error shape that crosses the IPC boundary |
//! | [`state`] | what the app holds while it runs: settings, the store session, the sandbox |
//! | [`bindings`] | the command list and the generated TypeScript bindings |

pub mod bindings;
pub mod commands;
pub mod connection;
pub mod dispatch;
pub mod error;
pub mod lookups;
pub mod signing;
pub mod state;

use kommunepost_core::paths::build_identifier;
use tauri::{Manager, Runtime};

/// The app's context (configuration, embedded UI, capabilities). Debug builds get their own
/// identifier, and with it their own data directories, so a development build never opens a
/// production store.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    let mut context = tauri::generate_context!();
    context.config_mut().identifier = build_identifier().to_owned();
    context
}

/// Events the app pushes to its pages, so they refresh when something changed instead of
/// polling on timers.
pub mod events {
    /// The outbox changed (letters sent, failed, retried, statuses, signed copies queued).
    pub const OUTBOX_CHANGED: &str = "outbox-changed";
    /// Signing orders changed.
    pub const SIGNING_CHANGED: &str = "signing-changed";
    /// The background work's state for the banner: a message while something is wrong (a
    /// round failed or panicked, another process is sending), `null` when all is well.
    pub const BACKGROUND_STATUS: &str = "background-status";
    /// The app's facts changed (the sandbox started or stopped): the new `AppInfo`.
    pub const APP_INFO_CHANGED: &str = "app-info-changed";
}

/// The background worker: every 2 seconds it sends what is due in the current environment and
/// tracks signing orders; every 10 seconds it brings statuses up to date. A round that sent as
/// many letters as a round may is followed at once by the next. A round with nothing for the
/// services builds no clients, so in the Sandbox the sandbox services start only when a letter
/// or a page needs them, never before the first screen. It runs only while
/// this process holds the store's worker lock (one worker per store); each round is
/// supervised, so an error or a panic is logged and shown in the banner, and the next round
/// runs. A locked store only waits.
fn spawn_background_worker<R: Runtime>(app: tauri::AppHandle<R>) {
    use kommunepost_core::background::{RoundReport, supervised};
    use tauri::Emitter;
    tauri::async_runtime::spawn(async move {
        let track_every = chrono::Duration::seconds(10);
        let mut last_track: Option<chrono::DateTime<chrono::Utc>> = None;
        let mut lock: Option<kommunepost_core::store::worker_lock::WorkerLock> = None;
        let mut shown: Option<String> = None;
        let mut say = |app: &tauri::AppHandle<R>, problem: Option<String>| {
            if problem != shown {
                if let Some(problem) = &problem {
                    tracing::warn!(%problem, "background work");
                }
                let _ = app.emit(events::BACKGROUND_STATUS, problem.clone());
                shown = problem;
            }
        };
        // After a round that sent all it may (more letters due), the next follows at once.
        let mut rest = true;
        loop {
            if rest {
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
            rest = true;
            let state = app.state::<state::AppState>();
            if state.session().store().is_err() {
                continue; // locked or not created yet: nothing to do until the clerk unlocks
            }
            if lock.is_none() {
                match state.acquire_worker_lock() {
                    Ok(held) => lock = Some(held),
                    Err(busy) => {
                        say(&app, Some(busy.message));
                        continue;
                    }
                }
            }
            // Statuses every 10 seconds on the app's clock (the first round too), however
            // quickly rounds follow.
            let now = state.clock().now();
            let track = last_track.is_none_or(|at| now - at >= track_every || now < at);
            if track {
                last_track = Some(now);
            }
            let outcome = supervised(async {
                let mut report: RoundReport = state.outbox_round(track).await?;
                report.merge(state.signing_round().await?);
                Ok::<_, error::CommandError>(report)
            })
            .await;
            match outcome {
                Ok(report) => {
                    rest = !report.more_due;
                    if report.outbox_changed() {
                        tracing::info!(
                            sent = report.sent,
                            failed = report.failed,
                            statuses = report.statuses,
                            copies = report.copies,
                            "outbox round"
                        );
                        let _ = app.emit(events::OUTBOX_CHANGED, ());
                    }
                    if report.signing_changed() {
                        tracing::info!(statuses = report.signing_statuses, "signing round");
                        let _ = app.emit(events::SIGNING_CHANGED, ());
                    }
                    for problem in &report.problems {
                        tracing::info!(%problem, "background round");
                    }
                    say(&app, None);
                }
                Err(failure) => say(&app, Some(failure.to_string())),
            }
        }
    });
}

/// Starts the app.
pub fn run() {
    let paths = state::resolve_paths();
    let _logs =
        kommunepost_core::logging::init(&paths.log_dir, "kommunepost-app", cfg!(debug_assertions));
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        identifier = build_identifier(),
        "starting"
    );

    let result = tauri::Builder::default()
        .invoke_handler(bindings::invoke_handler())
        .setup(move |app| {
            let state = state::AppState::start(paths)?;
            // The sandbox services start when first needed (AppState::with_services, or
            // Innstillinger asking for them); the window is told when they run.
            let handle = app.handle().clone();
            state.on_app_info_change(move |info| {
                use tauri::Emitter;
                let _ = handle.emit(events::APP_INFO_CHANGED, info);
            });
            app.manage(state);
            spawn_background_worker(app.handle().clone());
            Ok(())
        })
        .run(context());
    if let Err(error) = result {
        tracing::error!(%error, "the app stopped with an error");
        std::process::exit(1);
    }
}
