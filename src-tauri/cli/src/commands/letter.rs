//! `kommunepost letter template example|check`, `letter check`, `letter render`.

use std::process::ExitCode;

use kommunepost_core::letters::attachment::{
    DIGIPOST_MAX_BYTES, DPI_MAX_BYTES, SIGNING_MAX_BYTES, check_pdf,
};
use kommunepost_core::letters::template::{Template, example_file};
use serde_json::json;

use crate::cli::{LetterCommand, TemplateCommand};
use crate::error::CliError;

pub fn run(command: LetterCommand) -> Result<ExitCode, CliError> {
    let command = match command {
        LetterCommand::Template(command) => command,
        LetterCommand::Check {
            files,
            channel,
            json,
        } => return check_pdfs(&files, &channel, json),
        LetterCommand::Render {
            template,
            data,
            map,
            out,
            date,
            attach,
            merge_attachments,
            channel,
            json,
        } => {
            return super::render::render(super::render::RenderArgs {
                template,
                data,
                map,
                out,
                date,
                attach,
                merge_attachments,
                channel,
                json,
            });
        }
    };
    match command {
        TemplateCommand::Example { out, language } => {
            let file = if language == "nn" {
                kommunepost_core::letters::template::example_nynorsk_file()
            } else {
                example_file()
            };
            std::fs::write(&out, file).map_err(|source| CliError::Io {
                context: format!("writing {}", out.display()),
                source,
            })?;
            println!("wrote the example template to {}", out.display());
            Ok(ExitCode::SUCCESS)
        }
        TemplateCommand::Check { file } => {
            let bytes = std::fs::read(&file).map_err(|source| CliError::Io {
                context: format!("reading {}", file.display()),
                source,
            })?;
            match Template::from_file(&bytes).and_then(|t| t.fields().map(|f| (t, f))) {
                Ok((template, fields)) => {
                    println!("{}: valid template \"{}\"", file.display(), template.name);
                    println!(
                        "merge fields: {}",
                        if fields.is_empty() {
                            "none".into()
                        } else {
                            fields.join(", ")
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    println!("{}: INVALID: {error}", file.display());
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

fn check_pdfs(
    files: &[std::path::PathBuf],
    channel: &str,
    as_json: bool,
) -> Result<ExitCode, CliError> {
    let limit = match channel {
        "digipost" => DIGIPOST_MAX_BYTES,
        "dpi" => DPI_MAX_BYTES,
        "signing" => SIGNING_MAX_BYTES,
        other => {
            return Err(CliError::Usage(format!(
                "unknown channel {other:?}: use digipost, dpi or signing"
            )));
        }
    };
    let mut all_ok = true;
    let mut report = Vec::new();
    for file in files {
        let result = std::fs::read(file)
            .map_err(|e| format!("cannot read the file: {e}"))
            .and_then(|bytes| check_pdf(&bytes, limit).map_err(|e| e.to_string()));
        all_ok &= result.is_ok();
        if as_json {
            report.push(match &result {
                Ok(info) => json!({ "file": file, "ok": true, "info": info }),
                Err(error) => json!({ "file": file, "ok": false, "error": error }),
            });
        } else {
            match result {
                Ok(info) => {
                    println!(
                        "{}: OK, {} page(s), {} bytes, PDF {}",
                        file.display(),
                        info.pages,
                        info.size_bytes,
                        info.version
                    );
                    for warning in info.warnings {
                        println!("  warning: {warning}");
                    }
                }
                Err(error) => println!("{}: ERROR: {error}", file.display()),
            }
        }
    }
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("plain data serialises")
        );
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
