//! `kommunepost mailing create`, `send`, `outbox list`, `status`: mass mailings through the
//! outbox and SvarUt. In the sandbox (without address flags) a local sandbox serves KRR and
//! SvarUt for the run; its forsendelse ids carry their time and channel, so a later `status`
//! run's sandbox still answers for them.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use kommunepost_core::clock::{Clock, SystemClock};
use kommunepost_core::config::{Endpoints, Environment};
use kommunepost_core::dispatch::{
    Prepared, prepare_draft, prepare_letters, preview, route_letters,
};
use kommunepost_core::ident::Identifier;
use kommunepost_core::krr::{Cancel, KrrAccess, KrrClient, KrrVersion, connect};
use kommunepost_core::letters::draft::DraftText;
use kommunepost_core::letters::recipients::read_recipients;
use kommunepost_core::letters::template::Template;
use kommunepost_core::lookup::{LookupContext, os_user};
use kommunepost_core::maskinporten::ClientCredential;
use kommunepost_core::outbox::{AuditAs, StepOutcome, Worker};
use kommunepost_core::secret::Secret;
use kommunepost_core::store::{NewLetter, OutboxLetter, OutboxState};
use kommunepost_core::svarut::{SvarUtAccount, SvarUtClient};
use kommunepost_sandbox::{Population, PopulationConfig, SandboxServer};
use serde_json::json;

use crate::cli::{MailingCommand, OutboxCommand, SendArgs, ServiceArgs, StatusArgs};
use crate::context::Context;
use crate::error::CliError;

fn read(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Io {
        context: format!("reading {}", path.display()),
        source,
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new().map_err(|source| CliError::Io {
        context: "starting the async runtime".into(),
        source,
    })
}

pub fn mailing(command: MailingCommand, context: &Context) -> Result<ExitCode, CliError> {
    let MailingCommand::Create {
        template,
        data,
        title,
        json,
    } = command;
    let template_text = String::from_utf8(read(&template)?)
        .map_err(|_| CliError::Usage(format!("{}: not UTF-8 text", template.display())))?;
    Template::from_file(template_text.as_bytes())
        .map_err(|e| CliError::Usage(format!("{}: {e}", template.display())))?;
    let csv = read(&data)?;
    let list =
        read_recipients(&csv).map_err(|e| CliError::Usage(format!("{}: {e}", data.display())))?;
    let store = context.open_store(None)?;
    let id = store.create_mailing(&title, &template_text, &csv)?;
    if json {
        println!(
            "{}",
            json!({ "id": id, "recipients": list.recipients.len(), "problems": list.problems })
        );
    } else {
        println!("{id}");
        eprintln!(
            "{} recipient(s); {} row(s) with problems",
            list.recipients.len(),
            list.problems.len()
        );
        for problem in &list.problems {
            eprintln!("  row {}: {}", problem.row, problem.message);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The clients for this run: KRR and SvarUt, from a local sandbox or from flags.
struct Services {
    krr: KrrClient,
    svarut: SvarUtClient,
    sandbox: Option<SandboxServer>,
}

async fn services(
    context: &Context,
    args: &ServiceArgs,
    clock: Arc<dyn Clock>,
) -> Result<Services, CliError> {
    let timeouts = &context.settings.timeouts;
    if context.environment == Environment::Sandbox && context.endpoint_flags.svarut.is_none() {
        let population = Population::generate(&PopulationConfig {
            seed: context.settings.sandbox.seed.into(),
            persons: context.settings.sandbox.persons as usize,
            as_of: clock.now(),
        });
        let sandbox = SandboxServer::start(Arc::new(population), clock.clone(), 0).await?;
        sandbox
            .svarut_double
            .set_speed(context.settings.sandbox.svarut_speed);
        let credentials = sandbox.credentials();
        let credential = ClientCredential::from_pkcs12(&credentials.pkcs12, &credentials.password)?;
        let endpoints = context.settings.endpoints(
            Environment::Sandbox,
            &context.endpoint_flags,
            Some(&sandbox.endpoints()),
        )?;
        let (_, krr) = connect(
            &endpoints,
            KrrAccess {
                client_id: credentials.client_id.clone(),
                credential: credential.clone(),
                token_url: None,
                version: KrrVersion::V2,
            },
            timeouts,
            clock.clone(),
        )?;
        let svarut = svarut_client(
            &endpoints,
            &credentials.client_id,
            credential,
            None,
            SvarUtAccount {
                konto_id: credentials.svarut_konto_id.clone(),
                integrasjon_id: credentials.integrasjon_id.clone(),
                integrasjon_passord: Secret::new(credentials.integrasjon_passord.clone()),
            },
            context,
            clock,
        )?;
        return Ok(Services {
            krr,
            svarut: with_flag(svarut, args),
            sandbox: Some(sandbox),
        });
    }
    let endpoints =
        context
            .settings
            .endpoints(context.environment, &context.endpoint_flags, None)?;
    let usage = |text: &str| CliError::Usage(text.to_owned());
    let (client_id, credential) = super::credentials::client(&args.maskinporten)?;
    let account = SvarUtAccount {
        konto_id: args.konto_id.clone().ok_or_else(|| {
            usage("give the SvarUt account with --konto-id (or KOMMUNEPOST_KONTO_ID)")
        })?,
        integrasjon_id: args.integrasjon_id.clone().ok_or_else(|| {
            usage("give the Fiks integration with --integrasjon-id (or KOMMUNEPOST_INTEGRASJON_ID)")
        })?,
        integrasjon_passord: Secret::new(super::credentials::first_line_or_env(
            args.integrasjon_passord_file.as_deref(),
            "KOMMUNEPOST_INTEGRASJON_PASSORD",
            "the integration's password",
            "--integrasjon-passord-file",
        )?),
    };
    let (_, krr) = connect(
        &endpoints,
        KrrAccess {
            client_id: client_id.clone(),
            credential: credential.clone(),
            token_url: args.maskinporten.token_url.clone(),
            version: KrrVersion::V2,
        },
        timeouts,
        clock.clone(),
    )?;
    let svarut = svarut_client(
        &endpoints,
        &client_id,
        credential,
        args.maskinporten.token_url.clone(),
        account,
        context,
        clock,
    )?;
    Ok(Services {
        krr,
        svarut: with_flag(svarut, args),
        sandbox: None,
    })
}

/// `--svarut-api` over the settings' flavour.
fn with_flag(svarut: SvarUtClient, args: &ServiceArgs) -> SvarUtClient {
    match args.svarut_api {
        Some(api) => svarut.with_api(api.into()),
        None => svarut,
    }
}

fn svarut_client(
    endpoints: &Endpoints,
    client_id: &str,
    credential: ClientCredential,
    token_url: Option<String>,
    account: SvarUtAccount,
    context: &Context,
    clock: Arc<dyn Clock>,
) -> Result<SvarUtClient, CliError> {
    kommunepost_core::svarut::connect(
        &endpoints.svarut,
        &endpoints.maskinporten,
        token_url,
        client_id,
        credential,
        account,
        &context.settings.timeouts,
        clock,
    )
    .map(|client| client.with_api(context.settings.dispatch.svarut_api))
    .map_err(|e| CliError::Usage(format!("SvarUt: {e}")))
}

/// The letters of a mass mailing, or of a draft saved in the app (a draft with a recipient
/// list becomes a mass mailing here): (title, mailing id, letters, rows not made).
fn letters_to_send(
    args: &SendArgs,
    store: &kommunepost_core::store::Store,
    date: NaiveDate,
) -> Result<(String, Option<String>, Prepared), CliError> {
    if let Some(id) = &args.mailing {
        let mailing = store.get_mailing(id)?;
        if mailing.from_draft() {
            return Err(CliError::Usage(format!(
                "mailing {id} was made from a draft when it was sent; its letters are already in \
                 the outbox (see `outbox list --mailing {id}`)"
            )));
        }
        let template = Template::from_file(mailing.template.as_bytes())
            .map_err(|e| CliError::Usage(format!("the mailing's template: {e}")))?;
        let list = read_recipients(&mailing.recipients)
            .map_err(|e| CliError::Usage(format!("the mailing's recipient list: {e}")))?;
        return Ok((
            mailing.title,
            Some(mailing.id),
            prepare_letters(&template, &list, date),
        ));
    }
    let id = args
        .draft
        .as_deref()
        .ok_or_else(|| CliError::Usage("give --mailing ID or --draft ID".into()))?;
    let draft = store.get_draft(id)?;
    let template = match &draft.letter.template_id {
        Some(template) => Some(store.get_template(template)?.template),
        None => None,
    };
    let name = draft.recipient_name.clone().unwrap_or_default();
    let text = DraftText {
        title: &draft.title,
        body: &draft.body,
        recipient_fnr: draft.recipient_fnr.as_ref(),
        recipient_name: &name,
    };
    let prepared = prepare_draft(&draft.letter, text, template.as_ref(), date)
        .map_err(|e| CliError::Usage(format!("the draft: {e}")))?;
    let mailing = store.create_mailing_for_draft(&draft.title, &draft.letter)?;
    Ok((draft.title.trim().to_owned(), mailing, prepared))
}

pub fn send(args: SendArgs, context: &Context) -> Result<ExitCode, CliError> {
    let store = Arc::new(context.open_store(None)?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let date = match &args.date {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
            CliError::Usage(format!("--date {text:?}: write the date as YYYY-MM-DD"))
        })?,
        None => chrono::Local::now().date_naive(),
    };
    let (title, mailing_id, (letters, failed)) = letters_to_send(&args, &store, date)?;
    let runtime = runtime()?;
    runtime.block_on(async {
        let services = services(context, &args.service, clock.clone()).await?;
        // KRR now, for the preview (written to the audit log first).
        let purpose = format!("Utsending: {title}");
        let inputs = route_letters(
            &letters,
            &services.krr,
            Some(&services.svarut),
            &store,
            &LookupContext {
                actor: &os_user(),
                environment: context.environment.as_str(),
                purpose: Some(&purpose),
                now: clock.now(),
            },
            context.environment,
            &Cancel::default(),
        )
        .await?;
        let shown = preview(inputs, &context.settings.dispatch.prices);
        if args.json {
            println!(
                "{}",
                json!({ "preview": shown, "failed": failed.iter().map(|(row, error)| json!({"row": row, "error": error})).collect::<Vec<_>>() })
            );
        } else {
            for row in &shown.rows {
                println!(
                    "{}: {} ({}), {:.2} kr",
                    row.recipient,
                    serde_json::to_value(row.route).unwrap_or_default().as_str().unwrap_or(""),
                    serde_json::to_value(row.reason).unwrap_or_default().as_str().unwrap_or(""),
                    row.cost
                );
            }
            for (row, error) in &failed {
                println!("row {row}: no letter: {error}");
            }
            println!(
                "{} digital, {} Altinn, {} paper; estimated {:.2} kr (saving {:.2} kr against paper)",
                shown.digital.letters, shown.altinn.letters, shown.paper.letters, shown.total_cost, shown.saving
            );
        }
        if !args.yes {
            eprintln!("nothing was sent; add --yes to put the letters in the outbox");
            if let Some(sandbox) = services.sandbox {
                sandbox.stop().await;
            }
            return Ok(if failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) });
        }
        let hold = args.hold.unwrap_or(context.settings.dispatch.hold_minutes);
        let mut queued = Vec::new();
        for letter in letters {
            let recipient_id = match &letter.row.identifier {
                Identifier::Person(fnr) => fnr.expose().to_owned(),
                Identifier::Organisation(org) => org.to_string(),
            };
            let stored = store.enqueue_letter(NewLetter {
                mailing_id: mailing_id.clone(),
                recipient_name: letter.row.name.clone(),
                recipient_id: Some(recipient_id),
                forsendelse: letter.forsendelse,
                documents: letter.documents,
                hold: chrono::Duration::minutes(i64::from(hold)),
                kind: args.kind.into(),
                pages: letter.pages,
                environment: context.environment.as_str().to_owned(),
            })?;
            queued.push(stored.id);
        }
        eprintln!("{} letter(s) in the outbox, held {hold} minute(s)", queued.len());
        let mut any_failed = !failed.is_empty();
        if args.wait {
            let worker = Worker::new(
                store.clone(),
                Arc::new(services.svarut),
                Some(Arc::new(services.krr)),
                clock.clone(),
                audit_as(context),
            );
            loop {
                match worker.step().await? {
                    StepOutcome::Sent { .. }
                    | StepOutcome::Recovered { .. }
                    | StepOutcome::OfficePrint { .. } => {}
                    StepOutcome::Failed { letter, reason } => {
                        eprintln!("letter {letter}: failed: {reason}");
                    }
                    StepOutcome::RetryLater { error, .. } => {
                        eprintln!("will try again: {error}");
                    }
                    StepOutcome::Idle => {
                        let open = queued
                            .iter()
                            .map(|id| store.get_letter(id))
                            .collect::<Result<Vec<_>, _>>()?
                            .into_iter()
                            .filter(|l| {
                                matches!(
                                    l.state,
                                    OutboxState::Held | OutboxState::Queued | OutboxState::Sending
                                )
                            })
                            .count();
                        if open == 0 {
                            break;
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            let letters: Vec<OutboxLetter> = queued
                .iter()
                .map(|id| store.get_letter(id))
                .collect::<Result<_, _>>()?;
            any_failed |= letters.iter().any(|l| l.state == OutboxState::Failed);
            print_letters(&letters, args.json);
        }
        if let Some(sandbox) = services.sandbox {
            sandbox.stop().await;
        }
        Ok(if any_failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
    })
}

fn audit_as(context: &Context) -> AuditAs {
    AuditAs {
        actor: os_user(),
        environment: context.environment.as_str().to_owned(),
    }
}

fn masked(letter: &OutboxLetter) -> String {
    match letter.recipient_id.as_deref() {
        Some(id) if id.len() == 11 => kommunepost_core::ident::mask_raw(id),
        Some(id) => id.to_owned(),
        None => String::new(),
    }
}

fn print_letters(letters: &[OutboxLetter], as_json: bool) {
    if as_json {
        let rows: Vec<serde_json::Value> = letters
            .iter()
            .map(|l| {
                json!({
                    "id": l.id, "mailing": l.mailing_id, "title": l.title,
                    "recipient": format!("{} ({})", l.recipient_name, masked(l)),
                    "state": l.state, "svarut_id": l.svarut_id, "status": l.status,
                    "status_at": l.status_at, "error": l.last_error,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&rows).expect("plain data serialises")
        );
        return;
    }
    for l in letters {
        println!(
            "{}  {} ({})  {}  {}{}",
            l.id,
            l.recipient_name,
            masked(l),
            serde_json::to_value(l.state)
                .unwrap_or_default()
                .as_str()
                .unwrap_or(""),
            l.status.as_deref().unwrap_or("-"),
            l.last_error
                .as_deref()
                .map(|e| format!("  ({e})"))
                .unwrap_or_default()
        );
    }
}

pub fn outbox(command: OutboxCommand, context: &Context) -> Result<ExitCode, CliError> {
    match command {
        OutboxCommand::List { mailing, json } => {
            let store = context.open_store(None)?;
            print_letters(&store.list_outbox(mailing.as_deref())?, json);
            Ok(ExitCode::SUCCESS)
        }
        OutboxCommand::Run { json, service } => run_outbox(context, &service, json),
    }
}

/// Letters of this environment still to send: held, queued, or with an unknown outcome.
fn waiting(store: &kommunepost_core::store::Store, environment: &str) -> Result<usize, CliError> {
    Ok(store
        .list_outbox(None)?
        .iter()
        .filter(|l| {
            l.environment == environment
                && matches!(
                    l.state,
                    OutboxState::Held | OutboxState::Queued | OutboxState::Sending
                )
        })
        .count())
}

fn run_outbox(context: &Context, service: &ServiceArgs, json: bool) -> Result<ExitCode, CliError> {
    let store = Arc::new(context.open_store(None)?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let environment = context.environment.as_str();
    let (mut sent, mut failed) = (0usize, 0usize);
    runtime()?.block_on(async {
        let services = services(context, service, clock.clone()).await?;
        let worker = Worker::new(
            store.clone(),
            Arc::new(services.svarut),
            Some(Arc::new(services.krr)),
            clock.clone(),
            audit_as(context),
        )
        .print_at_office(context.settings.dispatch.print_at_office);
        loop {
            match worker.step().await? {
                StepOutcome::Sent { letter, .. }
                | StepOutcome::Recovered { letter, .. }
                | StepOutcome::OfficePrint { letter } => {
                    sent += 1;
                    if !json {
                        eprintln!("sent {letter}");
                    }
                }
                StepOutcome::Failed { letter, reason } => {
                    failed += 1;
                    eprintln!("letter {letter}: failed: {reason}");
                }
                StepOutcome::RetryLater { error, .. } => eprintln!("will try again: {error}"),
                StepOutcome::Idle => {
                    if waiting(&store, environment)? == 0 {
                        break;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                        _ = tokio::signal::ctrl_c() => break,
                    }
                }
            }
        }
        if let Err(error) = worker.track().await? {
            eprintln!("SvarUt: {error}");
        }
        if let Some(sandbox) = services.sandbox {
            sandbox.stop().await;
        }
        Ok::<_, CliError>(())
    })?;
    if json {
        println!("{}", json!({ "sent": sent, "failed": failed }));
    } else {
        eprintln!("{sent} sent, {failed} failed");
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn status(args: StatusArgs, context: &Context) -> Result<ExitCode, CliError> {
    let store = Arc::new(context.open_store(None)?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let interval = Duration::from_secs(args.interval.max(1));
    let open = |l: &OutboxLetter| {
        matches!(
            l.state,
            OutboxState::Held | OutboxState::Queued | OutboxState::Sending | OutboxState::Sent
        )
    };
    let letters = runtime()?.block_on(async {
        let services = services(context, &args.service, clock.clone()).await?;
        let worker = Worker::new(
            store.clone(),
            Arc::new(services.svarut),
            None,
            clock.clone(),
            audit_as(context),
        );
        let mut shown: Option<Vec<(Option<String>, OutboxState)>> = None;
        let letters = loop {
            if let Err(error) = worker.track().await? {
                eprintln!("SvarUt: {error}");
            }
            let letters = store.list_outbox(args.mailing.as_deref())?;
            let now: Vec<_> = letters
                .iter()
                .map(|l| (l.status.clone(), l.state))
                .collect();
            if shown.as_ref() != Some(&now) {
                if args.watch && !args.json {
                    println!("-- {}", chrono::Local::now().format("%H:%M:%S"));
                }
                print_letters(&letters, args.json);
                shown = Some(now);
            }
            if !args.watch || !letters.iter().any(open) {
                break letters;
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = tokio::signal::ctrl_c() => break letters,
            }
        };
        if let Some(sandbox) = services.sandbox {
            sandbox.stop().await;
        }
        Ok::<_, CliError>(letters)
    })?;
    Ok(if letters.iter().any(|l| l.state == OutboxState::Failed) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
