//! `kommunepost`: the headless command over Kommunepost's core, for IT staff and batch jobs.
//!
//! Exit codes: 0 success; 1 the answer is negative (an invalid identifier, a store that cannot
//! be unlocked) or the operation failed; 2 the command line is wrong.

mod cli;
mod commands;
mod context;
mod error;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    let context = match context::Context::from_cli(&cli.global) {
        Ok(context) => context,
        Err(error) => return error.report(),
    };
    let _logs = kommunepost_core::logging::init(
        &context.paths.log_dir,
        "kommunepost-cli",
        cli.global.verbose,
    );
    match commands::run(cli.command, &context) {
        Ok(code) => code,
        Err(error) => error.report(),
    }
}
