//! One module per command group; each function does one command and returns the exit code.

mod archive;
mod audit;
mod config;
mod credentials;
mod ident;
mod krr;
mod letter;
mod render;
mod sandbox;
mod send;
mod services;
mod sign;
mod store;

use std::process::ExitCode;

use crate::cli::Command;
use crate::context::Context;
use crate::error::CliError;

/// Runs a parsed command.
pub fn run(command: Command, context: &Context) -> Result<ExitCode, CliError> {
    match command {
        Command::Ident(command) => ident::run(command),
        Command::Store(command) => store::run(command, context),
        Command::Sandbox(command) => sandbox::run(command, context),
        Command::Config(command) => config::run(command, context),
        Command::Krr(command) => krr::run(command, context),
        Command::Audit(command) => audit::run(command, context),
        Command::Letter(command) => letter::run(command),
        Command::Mailing(command) => send::mailing(command, context),
        Command::Send(args) => send::send(args, context),
        Command::Outbox(command) => send::outbox(command, context),
        Command::Status(args) => send::status(args, context),
        Command::Sign(command) => sign::run(command, context),
        Command::Archive(command) => archive::run(command, context),
    }
}
