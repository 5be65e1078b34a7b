//! `kommunepost archive list|export|receipt|retry|journal`: the archive outbox, written once
//! in core (`kommunepost_core::archive`); this parses the flags and prints the result.

use std::process::ExitCode;

use kommunepost_core::archive::export::{ExportForm, ExportSelection};
use kommunepost_core::archive::{self, ArchiveError};
use kommunepost_core::clock::{Clock, SystemClock};
use kommunepost_core::store::{ArchivePackage, PackageState};

use crate::cli::ArchiveCommand;
use crate::context::Context;
use crate::error::CliError;

impl From<ArchiveError> for CliError {
    fn from(error: ArchiveError) -> Self {
        match error {
            ArchiveError::Store(error) => Self::Store(error),
            other => Self::Usage(other.to_string()),
        }
    }
}

fn state_text(package: &ArchivePackage) -> String {
    match package.state {
        PackageState::Waiting => match &package.exported_at {
            Some(at) => format!("waiting (exported {at})"),
            None => "waiting".to_owned(),
        },
        PackageState::Archived => format!(
            "archived{}",
            archive::numbers_text(&package.numbers)
                .map(|n| format!(": {n}"))
                .unwrap_or_default()
        ),
        PackageState::Failed => format!(
            "failed: {}",
            package.error.as_deref().unwrap_or("no reason kept")
        ),
    }
}

pub fn run(command: ArchiveCommand, context: &Context) -> Result<ExitCode, CliError> {
    let store = context.open_store(None)?;
    let environment = context.environment.as_str();
    match command {
        ArchiveCommand::List { mailing, json } => {
            let packages = store.archive_packages(environment, mailing.as_deref(), 10_000)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&packages).expect("plain data serialises")
                );
            } else {
                for p in &packages {
                    println!("{}  {}  {}  {}", p.id, p.built_at, p.title, state_text(p));
                }
                if packages.is_empty() {
                    println!("no archive packages in {environment}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ArchiveCommand::Export {
            mailing,
            out,
            zip,
            again,
        } => {
            let form = if zip {
                ExportForm::Zip
            } else {
                ExportForm::Folders
            };
            match archive::export::export(
                &store,
                ExportSelection {
                    environment,
                    mailing_id: mailing.as_deref(),
                    again,
                },
                form,
                &out,
            ) {
                Ok(written) => {
                    for path in written {
                        println!("{}", path.display());
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(ArchiveError::NothingToExport(which)) => {
                    eprintln!("nothing to export: no archive package is waiting{which}");
                    Ok(ExitCode::from(1))
                }
                Err(error) => Err(error.into()),
            }
        }
        ArchiveCommand::Receipt { file } => {
            let bytes = read_capped(&file)?;
            match archive::import_receipt(&store, &bytes) {
                Ok(package) => {
                    println!(
                        "{}  {}  {}",
                        package.id,
                        package.title,
                        state_text(&package)
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(ArchiveError::Refused(message)) => {
                    eprintln!("the archive refused the journal post: {message}");
                    Ok(ExitCode::from(1))
                }
                Err(error) => Err(error.into()),
            }
        }
        ArchiveCommand::Retry { id } => {
            let package =
                archive::retry(&store, &id, &context.settings.archive, SystemClock.now())?;
            println!(
                "{}  {}  {}",
                package.id,
                package.title,
                state_text(&package)
            );
            Ok(ExitCode::SUCCESS)
        }
        ArchiveCommand::Journal { month, out } => {
            let (from, to) = archive::journal::month(month.as_deref(), SystemClock.now())
                .map_err(|e| CliError::Usage(e.to_string()))?;
            let entries = archive::journal::journal(
                &store,
                environment,
                from,
                to,
                &context.settings.archive,
            )?;
            let csv = archive::journal::csv(&entries);
            match out {
                Some(path) => {
                    kommunepost_core::paths::write_atomically(&path, csv.as_bytes()).map_err(
                        |source| CliError::Io {
                            context: format!("writing {}", path.display()),
                            source,
                        },
                    )?;
                    println!("{} letters written to {}", entries.len(), path.display());
                }
                None => print!("{csv}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads a receipt file, refusing one larger than a receipt is.
fn read_capped(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    let io = |source| CliError::Io {
        context: format!("reading {}", path.display()),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(archive::receipt::MAX_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    Ok(bytes)
}
