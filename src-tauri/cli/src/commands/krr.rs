//! `kommunepost krr lookup`.

use std::process::ExitCode;
use std::sync::Arc;

use kommunepost_core::clock::{Clock, SystemClock};
use kommunepost_core::ident::split_input;
use kommunepost_core::krr::Cancel;
use kommunepost_core::lookup::{self, LookupContext, LookupRow, Plan, os_user};

use super::services::Connection;
use crate::cli::{KrrCommand, KrrLookupArgs};
use crate::context::Context;
use crate::error::CliError;

pub fn run(command: KrrCommand, context: &Context) -> Result<ExitCode, CliError> {
    let KrrCommand::Lookup(args) = command;
    let inputs = read_inputs(&args)?;
    if inputs.is_empty() {
        return Err(CliError::Usage("no identifiers given".into()));
    }
    let plan = Plan::new(
        &inputs,
        context.environment,
        kommunepost_core::norway::date(chrono::Utc::now()),
    );
    let store = context.open_store(None)?;
    let runtime = tokio::runtime::Runtime::new().map_err(|source| CliError::Io {
        context: "starting the async runtime".into(),
        source,
    })?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let rows = runtime.block_on(async {
        // In the sandbox without address overrides, a local sandbox serves this lookup.
        let connection = Connection::open(context, &args.service).await?;
        let krr = connection.krr()?;
        let progress = |done: usize, total: usize| {
            if total > 1000 {
                eprintln!("looked up {done} of {total}");
            }
        };
        let lookup_context = LookupContext {
            actor: &os_user(),
            environment: context.environment.as_str(),
            purpose: args.purpose.as_deref(),
            now: clock.now(),
        };
        let rows = lookup::run(
            &plan,
            &krr,
            &store,
            &lookup_context,
            &Cancel::default(),
            &progress,
        )
        .await?;
        connection.stop().await;
        Ok::<_, CliError>(rows)
    })?;
    print_rows(&rows, args.json);
    Ok(if rows.iter().all(|r| r.valid && r.error.is_none()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn read_inputs(args: &KrrLookupArgs) -> Result<Vec<String>, CliError> {
    let mut inputs: Vec<String> = args.ids.iter().flat_map(|a| split_input(a)).collect();
    if let Some(file) = &args.file {
        let bytes = std::fs::read(file).map_err(|source| CliError::Io {
            context: format!("reading {}", file.display()),
            source,
        })?;
        let text = String::from_utf8(bytes)
            .map_err(|_| CliError::Usage(format!("{} is not UTF-8 text", file.display())))?;
        let text = text.trim_start_matches('\u{feff}');
        inputs.extend(split_input(text));
    }
    Ok(inputs)
}

fn print_rows(rows: &[LookupRow], json: bool) {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(rows).expect("plain data serialises")
        );
        return;
    }
    for row in rows {
        let value = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        let text = if let Some(problem) = &row.problem {
            format!("INVALID: {}", problem.message)
        } else if let Some(error) = &row.error {
            format!("FAILED: {error}")
        } else {
            let provider = row
                .postkasseleverandoer
                .map(|p| {
                    serde_json::to_value(p)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                })
                .unwrap_or_else(|| "-".into());
            let enum_text = |v: Option<serde_json::Value>| {
                v.and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "-".into())
            };
            format!(
                "{:<15} reservasjon={:<3} postkasse={:<8} {:<16} -> {} ({})",
                value(&row.status),
                value(&row.reservasjon),
                provider,
                value(&row.varslingsstatus),
                enum_text(row.route.and_then(|r| serde_json::to_value(r).ok())),
                enum_text(row.reason.and_then(|r| serde_json::to_value(r).ok())),
            )
        };
        println!("{:<13} {text}", row.identifier);
    }
}
