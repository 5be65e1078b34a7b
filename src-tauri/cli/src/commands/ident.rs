//! `kommunepost ident check`.

use std::io::Read;
use std::process::ExitCode;

use kommunepost_core::ident::{IdentCheck, check, split_input};

use crate::cli::IdentCommand;
use crate::error::CliError;

pub fn run(command: IdentCommand) -> Result<ExitCode, CliError> {
    let IdentCommand::Check {
        numbers,
        json,
        reveal,
    } = command;
    let stdin_text;
    let inputs: Vec<String> = if numbers.is_empty() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|source| CliError::Io {
                context: "reading numbers from standard input".into(),
                source,
            })?;
        stdin_text = text;
        split_input(&stdin_text)
    } else {
        numbers.iter().flat_map(|n| split_input(n)).collect()
    };
    if inputs.is_empty() {
        return Err(CliError::Usage("no numbers given".into()));
    }
    let results: Vec<IdentCheck> = inputs
        .iter()
        .map(|input| {
            let mut result = check(input, kommunepost_core::norway::date(chrono::Utc::now()));
            if reveal {
                result.input = input.trim().to_owned();
            }
            result
        })
        .collect();
    if json {
        let text = serde_json::to_string_pretty(&results).expect("plain data serialises");
        println!("{text}");
    } else {
        for result in &results {
            let verdict = if result.valid { "valid  " } else { "INVALID" };
            println!("{}  {verdict}  {}", result.input, result.description);
        }
    }
    Ok(if results.iter().all(|r| r.valid) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
