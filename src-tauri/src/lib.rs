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

/// The outbox worker in the background: every 2 seconds it sends what is due in the current
/// environment, and every 10 seconds it brings statuses up to date. A locked store or a
/// missing SvarUt setup only waits; letters stay queued until it can send them.
fn spawn_outbox_worker<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut rounds: u64 = 0;
        let mut last_problem = String::new();
        let mut last_signing_problem = String::new();
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            let state = app.state::<state::AppState>();
            let track = rounds.is_multiple_of(5);
            rounds += 1;
            match state.outbox_round(track).await {
                Ok(round) => {
                    if round != dispatch::Round::default() {
                        tracing::info!(
                            sent = round.sent,
                            failed = round.failed,
                            statuses = round.statuses,
                            "outbox round"
                        );
                    }
                    last_problem.clear();
                }
                Err(error) if error.code == error::ErrorCode::StoreLocked => {}
                Err(error) => {
                    // Said once per kind of problem, not every 2 seconds.
                    if error.message != last_problem {
                        tracing::warn!(%error, "the outbox is waiting");
                        last_problem = error.message;
                    }
                }
            }
            // Signing orders: the tracker never polls before the service permits, so asking
            // every round costs nothing while there is nothing to do.
            match state.signing_round().await {
                Ok(0) => {}
                Ok(statuses) => tracing::info!(statuses, "signing round"),
                Err(error) if error.code == error::ErrorCode::StoreLocked => {}
                Err(error) => {
                    if error.message != last_signing_problem {
                        tracing::warn!(%error, "signing statuses are waiting");
                        last_signing_problem = error.message;
                    }
                }
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

    let builder = bindings::builder::<tauri::Wry>();
    let result = tauri::Builder::default()
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let state = state::AppState::start(paths)?;
            // Without the sandbox the app still opens (drafts, settings); lookups say why.
            if let Err(error) = tauri::async_runtime::block_on(state.ensure_sandbox()) {
                tracing::error!(%error, "the sandbox services did not start");
            }
            app.manage(state);
            spawn_outbox_worker(app.handle().clone());
            Ok(())
        })
        .run(context());
    if let Err(error) = result {
        tracing::error!(%error, "the app stopped with an error");
        std::process::exit(1);
    }
}
