//! Arkiv: the archive outbox (packages waiting for the archive, archived, failed), retrying a
//! package, exporting packages for the archive's import, importing the archive's receipt, the
//! public journal, and the case metadata defaults. Each calls one use case of core's
//! `archive` module, off the window's thread.

use kommunepost_core::archive::export::{ExportForm, ExportSelection};
use kommunepost_core::archive::journal::JournalEntry;
use kommunepost_core::archive::{self, ArchiveError};
use kommunepost_core::config::ArchiveSettings;
use kommunepost_core::problem::{Problem, ProblemKey};
use kommunepost_core::store::ArchivePackage;
use tauri::State;

use crate::error::{CommandError, ErrorCode};
use crate::state::AppState;

/// The most packages the list shows (newest first).
const PACKAGE_LIMIT: usize = 1000;

impl From<ArchiveError> for CommandError {
    fn from(error: ArchiveError) -> Self {
        match error {
            ArchiveError::Store(error) => error.into(),
            ArchiveError::Receipt(_) | ArchiveError::UnknownKey(_) | ArchiveError::Refused(_) => {
                Self::explained(ErrorCode::InvalidArchiveReceipt, &error)
            }
            ArchiveError::NothingToExport(_) => {
                Self::explained(ErrorCode::NothingToArchive, &error)
            }
            ArchiveError::Export { .. } => Self::explained(ErrorCode::Internal, &error),
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| CommandError::new(ErrorCode::Internal, e.to_string()))?
}

impl AppState {
    /// The archive packages of the current environment (of one mass mailing, when given),
    /// newest first.
    pub async fn archive_packages(
        &self,
        mailing_id: Option<String>,
    ) -> Result<Vec<ArchivePackage>, CommandError> {
        let store = self.session().store()?;
        let environment = self.settings().environment;
        blocking(move || {
            Ok(store.archive_packages(
                environment.as_str(),
                mailing_id.as_deref(),
                PACKAGE_LIMIT,
            )?)
        })
        .await
    }

    /// Builds a package again (after a failure or a refusal, or to bring its receipt's status
    /// history up to date).
    pub async fn retry_archive_package(&self, id: String) -> Result<ArchivePackage, CommandError> {
        let store = self.session().store()?;
        let settings = self.settings().archive;
        let now = self.clock().now();
        blocking(move || Ok(archive::retry(&store, &id, &settings, now)?)).await
    }

    /// Exports the waiting packages (of one mass mailing, when given; with `again`, also those
    /// exported before) as folders or ZIPs into `folder` (default: the export folder's `arkiv`).
    /// Returns the paths written.
    pub async fn export_archive(
        &self,
        mailing_id: Option<String>,
        form: ExportForm,
        folder: Option<String>,
        again: bool,
    ) -> Result<Vec<String>, CommandError> {
        let store = self.session().store()?;
        let environment = self.settings().environment;
        let out = match folder.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(folder) => {
                let path = std::path::PathBuf::from(folder);
                if !path.is_absolute() {
                    return Err(CommandError::new(
                        ErrorCode::InvalidSettings,
                        format!(
                            "«{folder}» is not a full folder path (it must start with / or a drive letter)"
                        ),
                    )
                    .with_detail(
                        Problem::new(ProblemKey::FolderNotAbsolute).with("folder", folder),
                    ));
                }
                path
            }
            None => default_folder(self),
        };
        blocking(move || {
            let written = archive::export::export(
                &store,
                ExportSelection {
                    environment: environment.as_str(),
                    mailing_id: mailing_id.as_deref(),
                    again,
                },
                form,
                &out,
            )?;
            Ok(written.iter().map(|p| p.display().to_string()).collect())
        })
        .await
    }

    /// Imports the archive's receipt (`arkivmelding-kvittering.xml`): the package it names is
    /// archived with the archive's journal post and case numbers.
    pub async fn import_archive_receipt(
        &self,
        bytes: Vec<u8>,
    ) -> Result<ArchivePackage, CommandError> {
        let store = self.session().store()?;
        blocking(move || Ok(archive::import_receipt(&store, &bytes)?)).await
    }

    /// The public journal of a month (default: this one): outgoing letters as the journal shows
    /// them.
    pub async fn public_journal(
        &self,
        month: Option<String>,
    ) -> Result<Vec<JournalEntry>, CommandError> {
        let store = self.session().store()?;
        let settings = self.settings();
        let (from, to) = month_range(month.as_deref(), self.clock().now())?;
        blocking(move || {
            Ok(archive::journal::journal(
                &store,
                settings.environment.as_str(),
                from,
                to,
                &settings.archive,
            )?)
        })
        .await
    }

    /// Writes the month's public journal as CSV to the export folder; returns the path.
    pub async fn export_public_journal(
        &self,
        month: Option<String>,
    ) -> Result<String, CommandError> {
        let store = self.session().store()?;
        let settings = self.settings();
        let now = self.clock().now();
        let (from, to) = month_range(month.as_deref(), now)?;
        let dir = self.paths().export_dir.clone();
        blocking(move || {
            let entries = archive::journal::journal(
                &store,
                settings.environment.as_str(),
                from,
                to,
                &settings.archive,
            )?;
            let name = format!(
                "offentlig-journal-{}.csv",
                kommunepost_core::norway::local(from).format("%Y-%m")
            );
            let path = kommunepost_core::paths::export_file(
                &dir,
                &name,
                archive::journal::csv(&entries).as_bytes(),
            )
            .map_err(|e| {
                CommandError::new(ErrorCode::Internal, format!("writing {name}: {e}"))
                    .with_detail(Problem::new(ProblemKey::FileWriteFailed).with("name", &name))
            })?;
            Ok(path.display().to_string())
        })
        .await
    }
}

/// The archive packages of the current environment (of one mass mailing, when given),
/// newest first.
#[tauri::command]
#[specta::specta]
pub async fn archive_packages(
    state: State<'_, AppState>,
    mailing_id: Option<String>,
) -> Result<Vec<ArchivePackage>, CommandError> {
    state.archive_packages(mailing_id).await
}

/// Builds a package again (after a failure or a refusal, or to bring its receipt's status
/// history up to date).
#[tauri::command]
#[specta::specta]
pub async fn retry_archive_package(
    state: State<'_, AppState>,
    id: String,
) -> Result<ArchivePackage, CommandError> {
    state.retry_archive_package(id).await
}

/// Where an export goes unless the clerk names a folder.
fn default_folder(state: &AppState) -> std::path::PathBuf {
    state.paths().export_dir.join("arkiv")
}

/// The folder exports go to unless another is named.
#[tauri::command]
#[specta::specta]
pub fn archive_export_folder(state: State<'_, AppState>) -> String {
    default_folder(&state).display().to_string()
}

/// Exports the waiting packages (of one mass mailing, when given; with `again`, also those
/// exported before) as folders or ZIPs into `folder` (default: the export folder's `arkiv`).
/// Returns the paths written.
#[tauri::command]
#[specta::specta]
pub async fn export_archive(
    state: State<'_, AppState>,
    mailing_id: Option<String>,
    form: ExportForm,
    folder: Option<String>,
    again: bool,
) -> Result<Vec<String>, CommandError> {
    state.export_archive(mailing_id, form, folder, again).await
}

/// Imports the archive's receipt (`arkivmelding-kvittering.xml`): the package it names is
/// archived with the archive's journal post and case numbers.
#[tauri::command]
#[specta::specta]
pub async fn import_archive_receipt(
    state: State<'_, AppState>,
    bytes: Vec<u8>,
) -> Result<ArchivePackage, CommandError> {
    state.import_archive_receipt(bytes).await
}

/// A month (`YYYY-MM`; default this one), Norwegian time: its start and the next month's.
fn month_range(
    month: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>), CommandError> {
    archive::journal::month(month, now)
        .map_err(|e| CommandError::explained(ErrorCode::InvalidSettings, &e))
}

/// The public journal of a month (default: this one): outgoing letters as the journal shows
/// them.
#[tauri::command]
#[specta::specta]
pub async fn public_journal(
    state: State<'_, AppState>,
    month: Option<String>,
) -> Result<Vec<JournalEntry>, CommandError> {
    state.public_journal(month).await
}

/// Writes the month's public journal as CSV to the export folder; returns the path.
#[tauri::command]
#[specta::specta]
pub async fn export_public_journal(
    state: State<'_, AppState>,
    month: Option<String>,
) -> Result<String, CommandError> {
    state.export_public_journal(month).await
}

/// The case metadata defaults every letter starts from.
#[tauri::command]
#[specta::specta]
pub fn archive_settings(state: State<'_, AppState>) -> ArchiveSettings {
    state.settings().archive
}

/// Saves the case metadata defaults; screening needs its legal basis.
#[tauri::command]
#[specta::specta]
pub fn save_archive_settings(
    state: State<'_, AppState>,
    settings: ArchiveSettings,
) -> Result<(), CommandError> {
    settings
        .defaults
        .validate()
        .map_err(|e| CommandError::explained(ErrorCode::InvalidCase, &e))?;
    state.update_settings(|s| s.archive = settings)
}
