//! `kommunepost audit verify|list`.

use std::process::ExitCode;

use crate::cli::AuditCommand;
use crate::context::Context;
use crate::error::CliError;

pub fn run(command: AuditCommand, context: &Context) -> Result<ExitCode, CliError> {
    let store = context.open_store(None)?;
    match command {
        AuditCommand::Verify => match store.verify_audit()? {
            Ok(count) => {
                println!("audit log intact: {count} entries verified");
                Ok(ExitCode::SUCCESS)
            }
            Err(broken) => {
                println!("AUDIT LOG ALTERED: {broken}");
                Ok(ExitCode::from(1))
            }
        },
        AuditCommand::List { limit, json } => {
            let entries = store.list_audit(limit)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&entries).expect("plain data serialises")
                );
            } else {
                for e in &entries {
                    println!(
                        "{:>5}  {}  {}  {} {}  {} identifiers  {}",
                        e.seq,
                        e.at,
                        e.actor,
                        e.action,
                        e.environment,
                        e.count,
                        e.purpose.as_deref().unwrap_or("-")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
