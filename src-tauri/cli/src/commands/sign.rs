//! `kommunepost sign create|status|cancel|download`: e-signing orders kept in the store and
//! tracked through the signing service. In the sandbox (without `--signing-url`) a local
//! sandbox serves the signing service for the run, so `create` needs `--wait` there.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use kommunepost_core::config::Environment;
use kommunepost_core::lookup::os_user;
use kommunepost_core::signing::model::{
    AuthenticationLevel, IdentifierInSignedDocuments, OnBehalfOf, SignatureType,
};
use kommunepost_core::signing::order::{Deadline, DocumentInput, OrderInput, parse_signer};
use kommunepost_core::signing::{Flow, SigningTracker, TrackError, queue_signed_copies};
use kommunepost_core::store::{SigningOrder, Store};
use serde_json::json;

use super::services::Connection;
use crate::cli::{ServiceArgs, SignCommand};
use crate::context::Context;
use crate::error::CliError;

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Runtime::new().map_err(|source| CliError::Io {
        context: "starting the async runtime".into(),
        source,
    })
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|source| CliError::Io {
        context: format!("reading {}", path.display()),
        source,
    })
}

/// The tracker for this run, and the services' connection (with the local sandbox, if any).
struct Signing<'a> {
    tracker: SigningTracker,
    connection: Connection<'a>,
}

impl Signing<'_> {
    async fn stop(self) {
        self.connection.stop().await;
    }
}

/// In the sandbox without addresses, a local sandbox serves the run (and stops with it).
fn uses_local_sandbox(context: &Context) -> bool {
    context.environment == Environment::Sandbox
        && context.endpoint_flags.svarut.is_none()
        && context.endpoint_flags.krr.is_none()
        && context.endpoint_flags.signing.is_none()
}

async fn connect<'a>(
    context: &'a Context,
    args: &ServiceArgs,
    store: Arc<Store>,
) -> Result<Signing<'a>, CliError> {
    let connection = Connection::open(context, args).await?;
    if let Some(started) = connection.started {
        let closed = store.close_earlier_sandbox_orders(started)?;
        if closed > 0 {
            eprintln!(
                "note: {closed} sandbox order(s) from earlier runs were closed: the sandbox keeps its orders only while it runs"
            );
        }
    }
    let client = connection.signing()?;
    Ok(Signing {
        tracker: SigningTracker::new(Arc::new(client), store, context.environment.as_str()),
        connection,
    })
}

fn find_order(store: &Store, environment: &str, job: &str) -> Result<SigningOrder, CliError> {
    if let Ok(order) = store.signing_order(job) {
        return Ok(order);
    }
    if let Ok(id) = job.parse::<i64>()
        && let Some(order) = store.signing_order_by_job(environment, id)?
    {
        return Ok(order);
    }
    Err(CliError::Usage(format!(
        "no signing order {job} in the store"
    )))
}

fn order_json(order: &SigningOrder, store: &Store) -> serde_json::Value {
    let events: Vec<serde_json::Value> = store
        .signing_events(&order.id)
        .unwrap_or_default()
        .into_iter()
        .map(|(at, text)| json!({ "at": at, "text": text }))
        .collect();
    json!({
        "id": order.id,
        "job_id": order.job_id,
        "environment": order.environment,
        "flow": order.flow,
        "title": order.title,
        "state": order.state,
        "job_status": order.job_status,
        "deadline": order.deadline,
        "has_pades": order.has_pades,
        "last_error": order.last_error,
        "signers": order.signers,
        "events": events,
    })
}

fn print_order(order: &SigningOrder, store: &Store, timeline: bool) {
    println!(
        "{}  job {}  {:?}  {}  {}",
        order.id,
        order.job_id.map_or("-".to_owned(), |j| j.to_string()),
        order.state,
        order.job_status.as_deref().unwrap_or("-"),
        order.title
    );
    for s in &order.signers {
        println!(
            "    {}  {}  {}",
            s.shown_id
                .as_deref()
                .or(s.email.as_deref())
                .or(s.mobile.as_deref())
                .unwrap_or("-"),
            s.name,
            s.status
        );
    }
    if let Some(error) = &order.last_error {
        println!("    error: {error}");
    }
    if timeline {
        for (at, text) in store.signing_events(&order.id).unwrap_or_default() {
            println!("    {at}  {text}");
        }
    }
}

/// Polls until `done` says stop, sleeping until the next permitted poll time between rounds.
async fn wait(
    signing: &Signing<'_>,
    store: &Store,
    environment: &str,
    done: impl Fn(&Store) -> bool,
) -> Result<(), CliError> {
    loop {
        let report = signing.tracker.round().await?;
        for problem in &report.problems {
            eprintln!("note: {problem}");
        }
        for id in &report.changed {
            if let Ok(order) = store.signing_order(id) {
                eprintln!(
                    "{}  {}: {}",
                    Utc::now().format("%H:%M:%S"),
                    order.title,
                    order.job_status.as_deref().unwrap_or("-")
                );
            }
        }
        if done(store) {
            return Ok(());
        }
        let mut next = Utc::now() + chrono::Duration::seconds(30);
        for (flow, queue) in store.signing_queues_to_poll(environment)? {
            if let Some(at) = store.signing_next_poll(environment, flow, queue.as_deref())? {
                next = next.min(at);
            }
        }
        let pause = (next - Utc::now())
            .to_std()
            .unwrap_or_default()
            .max(Duration::from_millis(500));
        tokio::time::sleep(pause).await;
    }
}

fn finished(store: &Store, id: &str) -> bool {
    store.signing_order(id).is_ok_and(|o| {
        !o.state.is_open()
            && (o.pades_url.is_none() || o.has_pades)
            && o.signers
                .iter()
                .all(|s| s.xades_url.is_none() || s.has_xades)
    })
}

fn copies(store: &Store, context: &Context, id: &str) -> Result<(), CliError> {
    let hold = chrono::Duration::minutes(i64::from(context.settings.dispatch.hold_minutes));
    let queued = queue_signed_copies(store, id, hold)?;
    if queued > 0 {
        eprintln!(
            "{queued} signed cop(y/ies) put in the outbox for the signers' digital mailboxes (sent by `kommunepost outbox run` or the app)"
        );
    }
    Ok(())
}

pub fn run(command: SignCommand, context: &Context) -> Result<ExitCode, CliError> {
    let store = Arc::new(context.open_store(None)?);
    let environment = context.environment.as_str().to_owned();
    let runtime = runtime()?;
    match command {
        SignCommand::Create {
            docs,
            signers,
            flow,
            level,
            deadline,
            title,
            nonsensitive_title,
            reference,
            sequential,
            exit_url,
            activation,
            identifier,
            signature_type,
            on_behalf_of_other,
            copy,
            wait: wait_for_it,
            json: as_json,
            service,
        } => {
            if uses_local_sandbox(context) && !wait_for_it {
                return Err(CliError::Usage(
                    "in the sandbox the signing service runs only while this command does: add --wait (or give --signing-url for a running service)".into(),
                ));
            }
            let flow = Flow::parse(&flow)
                .ok_or_else(|| CliError::Usage("--flow is portal or direct".into()))?;
            let level = AuthenticationLevel::parse(&level.to_string())
                .ok_or_else(|| CliError::Usage("--level is 3 or 4".into()))?;
            let deadline = match deadline {
                None => Some(Deadline::Days(context.settings.signing.default_days)),
                Some(text) => Some(match text.parse::<u32>() {
                    Ok(days) => Deadline::Days(days),
                    Err(_) => Deadline::Date(
                        NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
                            CliError::Usage(format!("--deadline {text}: give days or YYYY-MM-DD"))
                        })?,
                    ),
                }),
            };
            let mut documents = Vec::new();
            for path in &docs {
                documents.push(DocumentInput {
                    title: path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "Dokument".into()),
                    bytes: read(path)?,
                });
            }
            let mut parsed = Vec::new();
            for (i, text) in signers.iter().enumerate() {
                let mut signer = parse_signer(text)
                    .map_err(|e| CliError::Usage(format!("--signer: {}", e.reason)))?;
                if sequential {
                    signer.order_group = Some(u8::try_from(i).unwrap_or(9));
                }
                signer.signature_type = match signature_type.as_deref() {
                    None => None,
                    Some("advanced") => Some(SignatureType::Advanced),
                    Some("authenticated") => Some(SignatureType::Authenticated),
                    Some(other) => {
                        return Err(CliError::Usage(format!(
                            "--signature-type {other}: advanced or authenticated"
                        )));
                    }
                };
                if on_behalf_of_other {
                    signer.on_behalf_of = Some(OnBehalfOf::Other);
                }
                parsed.push(signer);
            }
            let input = OrderInput {
                flow,
                title: title.unwrap_or_else(|| documents[0].title.clone()),
                nonsensitive_title,
                description: None,
                documents,
                signers: parsed,
                level,
                deadline: if flow == Flow::Portal { deadline } else { None },
                reference,
                exit_url,
                activation: activation
                    .map(|text| {
                        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
                            // 08:00 Norwegian time on that day.
                            .map(|d| kommunepost_core::norway::at(d, 8, 0))
                            .map_err(|_| {
                                CliError::Usage(format!("--activation {text}: give YYYY-MM-DD"))
                            })
                    })
                    .transpose()?,
                identifier: match identifier.as_deref() {
                    None => None,
                    Some("pin") => {
                        Some(IdentifierInSignedDocuments::PersonalIdentificationNumberAndName)
                    }
                    Some("dob") => Some(IdentifierInSignedDocuments::DateOfBirthAndName),
                    Some("name") => Some(IdentifierInSignedDocuments::Name),
                    Some(other) => {
                        return Err(CliError::Usage(format!(
                            "--identifier {other}: pin, dob or name"
                        )));
                    }
                },
            };
            runtime.block_on(async {
                let signing = connect(context, &service, store.clone()).await?;
                let outcome = async {
                    let (job, names) = input
                        .to_job(
                            signing.tracker.client().sender(),
                            &kommunepost_core::signing::summary::polling_queue(
                                &context.settings.signing.polling_queue,
                                &store,
                            )?,
                            Utc::now(),
                        )
                        .map_err(|e| CliError::Usage(format!("the order: {e}")))?;
                    let sent = signing
                        .tracker
                        .create_order(
                            job,
                            names,
                            copy || context.settings.signing.send_copy,
                            &os_user(),
                        )
                        .await?;
                    let order = sent.clone();
                    if as_json {
                        println!("{}", order_json(&sent, &store));
                    } else {
                        println!("{}", sent.job_id.map_or("-".into(), |j| j.to_string()));
                        for s in &sent.signers {
                            if let Some(url) = &s.redirect_url {
                                eprintln!("{}: {url}", s.name);
                            }
                        }
                        if let Some(page) = signing
                            .connection
                            .sandbox
                            .as_ref()
                            .map(|s| s.signing_page_url())
                        {
                            eprintln!("sandbox signing page: {page}");
                        }
                    }
                    if wait_for_it {
                        let id = order.id.clone();
                        wait(&signing, &store, &environment, |s| finished(s, &id)).await?;
                        copies(&store, context, &order.id)?;
                        let done = store.signing_order(&order.id)?;
                        if !as_json {
                            print_order(&done, &store, false);
                        }
                    }
                    Ok::<_, CliError>(())
                }
                .await;
                signing.stop().await;
                outcome
            })?;
            Ok(ExitCode::SUCCESS)
        }
        SignCommand::Status {
            job,
            wait: wait_for_it,
            json: as_json,
            service,
        } => runtime.block_on(async {
            let order = job
                .as_deref()
                .map(|j| find_order(&store, &environment, j))
                .transpose()?;
            let signing = connect(context, &service, store.clone()).await?;
            let outcome = async {
                match &order {
                    Some(order) if wait_for_it => {
                        let id = order.id.clone();
                        wait(&signing, &store, &environment, |s| finished(s, &id)).await?;
                        copies(&store, context, &id)?;
                    }
                    None if wait_for_it => {
                        let env = environment.clone();
                        wait(&signing, &store, &environment, |s| {
                            s.signing_queues_to_poll(&env).is_ok_and(|q| q.is_empty())
                        })
                        .await?;
                    }
                    _ => {
                        let report = signing.tracker.round().await?;
                        for problem in &report.problems {
                            eprintln!("note: {problem}");
                        }
                    }
                }
                let orders = match &order {
                    Some(order) => vec![store.signing_order(&order.id)?],
                    None => store.list_signing_orders(Some(&environment), 200)?,
                };
                if as_json {
                    let list: Vec<_> = orders.iter().map(|o| order_json(o, &store)).collect();
                    println!("{}", serde_json::Value::Array(list));
                } else {
                    for o in &orders {
                        print_order(o, &store, order.is_some());
                    }
                }
                Ok::<_, CliError>(())
            }
            .await;
            signing.stop().await;
            outcome?;
            Ok(ExitCode::SUCCESS)
        }),
        SignCommand::Cancel { job, service } => runtime.block_on(async {
            let order = find_order(&store, &environment, &job)?;
            let signing = connect(context, &service, store.clone()).await?;
            let outcome = signing.tracker.cancel(&order.id).await;
            signing.stop().await;
            match outcome {
                Ok(()) => {
                    println!(
                        "cancelled {}",
                        order.job_id.map_or(order.id, |j| j.to_string())
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(TrackError::Service(
                    kommunepost_core::signing::SigningError::TooLateToCancel,
                )) => Err(CliError::Usage(
                    "the order is already finished and cannot be cancelled".into(),
                )),
                Err(TrackError::Order(reason)) => Err(CliError::Usage(reason)),
                Err(e) => Err(e.into()),
            }
        }),
        SignCommand::Download { job, out, service } => runtime.block_on(async {
            let mut order = find_order(&store, &environment, &job)?;
            if !order.has_pades
                || order
                    .signers
                    .iter()
                    .any(|s| s.xades_url.is_some() && !s.has_xades)
            {
                let signing = connect(context, &service, store.clone()).await?;
                let outcome = signing.tracker.download(&order.id).await;
                signing.stop().await;
                order = outcome?;
            }
            std::fs::create_dir_all(&out).map_err(|source| CliError::Io {
                context: format!("making {}", out.display()),
                source,
            })?;
            let write = |name: &str, bytes: &[u8]| {
                let path = out.join(name);
                std::fs::write(&path, bytes).map_err(|source| CliError::Io {
                    context: format!("writing {}", path.display()),
                    source,
                })?;
                println!("{}", path.display());
                Ok::<_, CliError>(())
            };
            let Some(pades) = store.signing_pades(&order.id)? else {
                return Err(CliError::Usage(
                    "nobody has signed yet: no signed document".into(),
                ));
            };
            write("signert.pdf", &pades)?;
            for s in &order.signers {
                if let Some(xades) = store.signing_xades(&order.id, s.position)? {
                    write(&format!("xades-{}.xml", s.position + 1), &xades)?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
    }
}
