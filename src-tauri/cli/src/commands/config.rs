//! `kommunepost config show|set-env`.

use std::process::ExitCode;

use kommunepost_core::config::{ConfigError, Environment};

use crate::cli::ConfigCommand;
use crate::context::Context;
use crate::error::CliError;

pub fn run(command: ConfigCommand, context: &Context) -> Result<ExitCode, CliError> {
    match command {
        ConfigCommand::Show => {
            println!("settings file: {}", context.paths.settings_file().display());
            println!("data dir:      {}", context.paths.data_dir.display());
            println!("log dir:       {}", context.paths.log_dir.display());
            println!("environment:   {}", context.environment.as_str());
            match context
                .settings
                .endpoints(context.environment, &context.endpoint_flags, None)
            {
                Ok(endpoints) => {
                    println!("maskinporten:  {}", endpoints.maskinporten);
                    println!("krr:           {}", endpoints.krr);
                    println!("svarut:        {}", endpoints.svarut);
                    println!("signing:       {}", endpoints.signing);
                }
                Err(ConfigError::SandboxNotRunning) => {
                    println!(
                        "endpoints:     local sandbox services (addresses chosen when they start)"
                    );
                }
                Err(error) => return Err(error.into()),
            }
            Ok(ExitCode::SUCCESS)
        }
        ConfigCommand::SetEnv { environment } => {
            let mut settings = context.settings.clone();
            settings.environment = Environment::parse(&environment)?;
            settings.save(&context.paths.settings_file())?;
            println!("environment set to {}", settings.environment.as_str());
            Ok(ExitCode::SUCCESS)
        }
    }
}
