//! `kommunepost sandbox serve|population`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use kommunepost_core::clock::{Clock, SystemClock};
use kommunepost_sandbox::krr::KrrFaults;
use kommunepost_sandbox::svarut::SvarUtFaults;
use kommunepost_sandbox::{Population, PopulationConfig, SandboxServer};

use crate::cli::SandboxCommand;
use crate::context::Context;
use crate::error::CliError;

pub fn run(command: SandboxCommand, context: &Context) -> Result<ExitCode, CliError> {
    let defaults = &context.settings.sandbox;
    let population = |seed: Option<u32>, persons: Option<u32>| {
        Population::generate(&PopulationConfig {
            seed: seed.unwrap_or(defaults.seed).into(),
            persons: persons.unwrap_or(defaults.persons) as usize,
            as_of: SystemClock.now(),
        })
    };
    match command {
        SandboxCommand::Serve {
            port,
            seed,
            persons,
            krr_latency_ms,
            krr_fail_every,
            svarut_speed,
            svarut_latency_ms,
            svarut_fail_every,
            svarut_stall_every,
            svarut_stall_secs,
            svarut_drop_every,
            svarut_rate_limit_every,
            signing_speed,
            signing_manual,
        } => {
            let population = Arc::new(population(seed, persons));
            let runtime = tokio::runtime::Runtime::new().map_err(|source| CliError::Io {
                context: "starting the async runtime".into(),
                source,
            })?;
            runtime.block_on(async {
                let server = SandboxServer::start(population, Arc::new(SystemClock), port).await?;
                server.krr_double.set_faults(KrrFaults {
                    latency: Duration::from_millis(krr_latency_ms),
                    fail_every: krr_fail_every,
                    ..KrrFaults::default()
                });
                server.svarut_double.set_speed(svarut_speed);
                server.svarut_double.set_faults(SvarUtFaults {
                    latency: Duration::from_millis(svarut_latency_ms),
                    fail_every: svarut_fail_every,
                    stall_every: svarut_stall_every,
                    stall: Duration::from_secs(svarut_stall_secs),
                    rate_limit_every: svarut_rate_limit_every,
                    drop_every: svarut_drop_every,
                });
                server
                    .signing_double
                    .set_speed(signing_speed.unwrap_or(defaults.signing_speed));
                let mut signing = server.signing_double.settings();
                signing.auto = defaults.signing_auto && !signing_manual;
                server.signing_double.set_settings(signing);
                let endpoints = server.endpoints();
                println!("{}", server.base_url());
                eprintln!("sandbox serving on {} (Ctrl-C to stop)", server.base_url());
                eprintln!("  maskinporten: {}", endpoints.maskinporten);
                eprintln!("  krr:          {}", endpoints.krr);
                eprintln!("  svarut:       {}", endpoints.svarut);
                eprintln!("  signing:      {} (mutual TLS)", endpoints.signing);
                eprintln!("  signing page: {}", server.signing_page_url());
                tokio::signal::ctrl_c()
                    .await
                    .map_err(|source| CliError::Io {
                        context: "waiting for Ctrl-C".into(),
                        source,
                    })?;
                server.stop().await;
                Ok::<_, CliError>(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        SandboxCommand::Population {
            seed,
            persons,
            json,
        } => {
            let population = population(seed, persons);
            if json {
                let text =
                    serde_json::to_string_pretty(&population).expect("plain data serialises");
                println!("{text}");
            } else {
                for person in &population.persons {
                    println!(
                        "{}  {:<17} {} {}, {} {} {}",
                        person.fnr.expose(),
                        format!("{:?}", person.situation),
                        person.given_name,
                        person.family_name,
                        person.address.street,
                        person.address.postcode,
                        person.address.city
                    );
                }
                for org in &population.organisations {
                    println!("{}  organisation      {}", org.orgnr, org.name);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
