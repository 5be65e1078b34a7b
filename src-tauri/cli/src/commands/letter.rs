//! `kommunepost letter template example|check`.

use std::process::ExitCode;

use kommunepost_core::letters::template::{Template, example_file};

use crate::cli::{LetterCommand, TemplateCommand};
use crate::error::CliError;

pub fn run(command: LetterCommand) -> Result<ExitCode, CliError> {
    let LetterCommand::Template(command) = command;
    match command {
        TemplateCommand::Example { out } => {
            std::fs::write(&out, example_file()).map_err(|source| CliError::Io {
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
