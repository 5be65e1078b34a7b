//! `kommunepost mailing create`, `send`, `outbox list`, `status`: mass mailings through the
//! outbox and SvarUt. In the sandbox (without address flags) a local sandbox serves KRR and
//! SvarUt for the run; its forsendelse ids carry their time and channel, so a later `status`
//! run's sandbox still answers for them.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use kommunepost_core::background::{
    self, RoundReport, TakeLockError, run_rounds, supervised, take_worker_lock,
};
use kommunepost_core::clock::{Clock, SystemClock};
use kommunepost_core::krr::KrrClient;
use kommunepost_core::letters::recipients::read_recipients;
use kommunepost_core::letters::template::Template;
use kommunepost_core::lookup::os_user;
use kommunepost_core::norway;
use kommunepost_core::outbox::{AuditAs, Worker};
use kommunepost_core::sending::{self, DispatchPlan, DraftToSend, PlanOptions, Source};
use kommunepost_core::signing::SigningTracker;
use kommunepost_core::store::{OutboxLetter, OutboxState, Store, StoreError};
use kommunepost_core::svarut::SvarUtClient;
use serde_json::json;

use super::services::Connection;
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
        sensitive,
        json,
    } = command;
    let mut template_text = String::from_utf8(read(&template)?)
        .map_err(|_| CliError::Usage(format!("{}: not UTF-8 text", template.display())))?;
    let mut parsed = Template::from_file(template_text.as_bytes())
        .map_err(|e| CliError::Usage(format!("{}: {e}", template.display())))?;
    if sensitive && !parsed.sensitive {
        // The mailing keeps its template: marked sensitive, its letters are.
        parsed.sensitive = true;
        template_text = parsed.to_file();
    }
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

/// The clients for this run: KRR and SvarUt (built by core from the flags, the settings and
/// the OS credential store), and the local sandbox serving the run, if any.
struct Services<'a> {
    krr: KrrClient,
    svarut: SvarUtClient,
    connection: Connection<'a>,
}

async fn services<'a>(context: &'a Context, args: &ServiceArgs) -> Result<Services<'a>, CliError> {
    let connection = Connection::open(context, args).await?;
    Ok(Services {
        krr: connection.krr()?,
        svarut: connection.svarut()?,
        connection,
    })
}

/// The letters' date: `--date`, else today in Norway.
fn letter_date(args: &SendArgs, clock: &dyn Clock) -> Result<NaiveDate, CliError> {
    match &args.date {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| CliError::Usage(format!("--date {text:?}: write the date as YYYY-MM-DD"))),
        None => Ok(norway::date(clock.now())),
    }
}

pub fn send(args: SendArgs, context: &Context) -> Result<ExitCode, CliError> {
    let store = Arc::new(context.open_store(None)?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let date = letter_date(&args, clock.as_ref())?;
    let draft = match (&args.mailing, &args.draft) {
        (Some(_), None) => None,
        (None, Some(id)) => Some(DraftToSend::from(&store.get_draft(id)?)),
        _ => return Err(CliError::Usage("give --mailing ID or --draft ID".into())),
    };
    let source = match (&args.mailing, &draft) {
        (Some(id), _) => Source::Mailing(id),
        (None, Some(draft)) => Source::Draft(draft),
        (None, None) => unreachable!("checked above"),
    };
    let mut letters = sending::prepare(
        &store,
        source,
        context.environment,
        date,
        &context.settings.archive.defaults,
    )?;
    letters.sensitive |= args.sensitive;
    let runtime = runtime()?;
    runtime.block_on(async {
        let services = services(context, &args.service).await?;
        let settings = &context.settings;
        // KRR now, for the preview (written to the audit log first: the only write without
        // --yes).
        let plan = sending::plan(
            &store,
            &letters,
            &services.krr,
            Some(&services.svarut),
            PlanOptions {
                environment: context.environment,
                actor: &os_user(),
                now: clock.now(),
                prices: &settings.dispatch.prices,
                hold_minutes: args.hold.unwrap_or(settings.dispatch.hold_minutes),
                print_at_office: settings.dispatch.print_at_office,
            },
        )
        .await?;
        print_plan(&plan, args.json);
        if let Some(earlier) = &plan.earlier
            && !args.again
        {
            eprintln!(
                "the same letter or recipient list was sent on {} ({} letter(s), \"{}\"); \
                 add --again to send it again",
                norway::local(
                    chrono::DateTime::parse_from_rfc3339(&earlier.at)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .unwrap_or_else(|_| clock.now())
                )
                .format("%d.%m.%Y %H:%M"),
                earlier.letters,
                earlier.title
            );
        }
        let failed_rows = !plan.failed.is_empty();
        if !args.yes {
            eprintln!("nothing was sent; add --yes to put the letters in the outbox");
            services.connection.stop().await;
            return Ok(if failed_rows {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
        let hold = args.hold.unwrap_or(settings.dispatch.hold_minutes);
        let queued = sending::queue(
            &store,
            letters,
            args.kind.into(),
            chrono::Duration::minutes(i64::from(hold)),
            context.environment,
            sending::SendOptions {
                key: Some(plan.key.clone()),
                draft_id: args.draft.clone(),
                again: args.again,
            },
        )?;
        eprintln!(
            "{} letter(s) in the outbox, held {hold} minute(s)",
            queued.letters.len()
        );
        let mut any_failed = failed_rows;
        if args.wait {
            let worker = Worker::new(
                store.clone(),
                Arc::new(services.svarut),
                Some(Arc::new(services.krr)),
                clock.clone(),
                audit_as(context),
            )
            .with_dispatch(&settings.dispatch)
            .with_lease(kommunepost_core::outbox::lease_for(&settings.timeouts))
            .with_archive(settings.archive.clone());
            let open = |store: &Store| -> Result<usize, StoreError> {
                let mut open = 0;
                for id in &queued.letters {
                    let state = store.get_letter(id)?.state;
                    if matches!(
                        state,
                        OutboxState::Held | OutboxState::Queued | OutboxState::Sending
                    ) {
                        open += 1;
                    }
                }
                Ok(open)
            };
            let failures = work(
                context,
                &store,
                clock.as_ref(),
                Run {
                    program: "kommunepost send --wait",
                    rest: Duration::from_millis(500),
                    quiet: false,
                },
                |_| async {
                    background::outbox_round(&worker, false)
                        .await
                        .map_err(|e| e.to_string())
                },
                |store| Ok(open(store)? > 0),
                &std::sync::Mutex::new(RoundReport::default()),
            )
            .await?;
            let letters: Vec<OutboxLetter> = queued
                .letters
                .iter()
                .map(|id| store.get_letter(id))
                .collect::<Result<_, _>>()?;
            any_failed |= failures > 0 || letters.iter().any(|l| l.state == OutboxState::Failed);
            print_letters(&letters, args.json);
        }
        services.connection.stop().await;
        Ok(if any_failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    })
}

fn print_plan(plan: &DispatchPlan, json: bool) {
    let shown = &plan.preview;
    if json {
        println!(
            "{}",
            json!({
                "preview": shown, "failed": plan.failed, "earlier": plan.earlier,
                "sensitive": plan.sensitive, "notification_title": plan.notification_title
            })
        );
        return;
    }
    for row in &shown.rows {
        println!(
            "{}: {} ({}), {:.2} kr",
            row.recipient,
            serde_json::to_value(row.route)
                .unwrap_or_default()
                .as_str()
                .unwrap_or(""),
            serde_json::to_value(row.reason)
                .unwrap_or_default()
                .as_str()
                .unwrap_or(""),
            row.cost
        );
    }
    for failure in &plan.failed {
        println!("row {}: no letter: {}", failure.row, failure.error);
    }
    println!(
        "{} digital, {} Altinn, {} SvarInn, {} paper; estimated {:.2} kr (saving {:.2} kr \
         against paper; up to {:.2} kr more if Altinn letters are printed after the read deadline)",
        shown.digital.letters,
        shown.altinn.letters,
        shown.svarinn.letters,
        shown.paper.letters,
        shown.total_cost,
        shown.saving,
        shown.if_unread
    );
    if plan.sensitive {
        println!(
            "sensitive: every letter needs level-4 login and leaves encrypted for SvarUt; \
             SvarUt prints the paper copies itself{}",
            plan.notification_title
                .as_deref()
                .map(|t| format!("; notifications show the title {t:?}"))
                .unwrap_or_default()
        );
    }
}

/// How a run of the worker goes: its name for the lock, how long it rests between rounds,
/// and whether its notes are printed.
struct Run<'a> {
    program: &'a str,
    rest: Duration,
    quiet: bool,
}

/// Runs the worker under the store's worker lock (refused when another process holds it):
/// supervised rounds — each failure or panic reported, and the next round runs — while
/// `waiting` says there is work. Every report goes to `counted`. Returns how many rounds
/// failed. Ctrl-C stops between rounds.
async fn work<Fut>(
    context: &Context,
    store: &Store,
    clock: &dyn Clock,
    run: Run<'_>,
    round: impl FnMut(u64) -> Fut,
    waiting: impl Fn(&Store) -> Result<bool, StoreError>,
    counted: &std::sync::Mutex<RoundReport>,
) -> Result<u64, CliError>
where
    Fut: std::future::Future<Output = Result<RoundReport, String>>,
{
    let _lock = take_worker_lock(&context.paths.data_dir, run.program, store, clock.now())?;
    // A round that sent all it may (more letters due) is followed at once by the next.
    let more_due = std::sync::atomic::AtomicBool::new(false);
    // Ctrl-C stops the rounds after the one under way, also when rounds follow without a rest.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let listener = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop.send(true);
        }
    });
    let failures = run_rounds(
        round,
        |outcome| match outcome {
            Ok(report) => {
                more_due.store(report.more_due, std::sync::atomic::Ordering::SeqCst);
                if !run.quiet {
                    for problem in &report.problems {
                        eprintln!("note: {problem}");
                    }
                }
                counted
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .merge(report.clone());
            }
            Err(failure) => {
                more_due.store(false, std::sync::atomic::Ordering::SeqCst);
                eprintln!("kommunepost: a worker round failed: {failure}");
            }
        },
        |_| {
            let mut stopped = stopped.clone();
            let (waiting, more_due, rest) = (&waiting, &more_due, run.rest);
            async move {
                if *stopped.borrow() {
                    return false;
                }
                match waiting(store) {
                    Ok(false) => false,
                    Ok(true) if more_due.load(std::sync::atomic::Ordering::SeqCst) => true,
                    Ok(true) => {
                        tokio::select! {
                            _ = tokio::time::sleep(rest) => true,
                            _ = stopped.changed() => false,
                        }
                    }
                    Err(error) => {
                        eprintln!("kommunepost: the store: {error}");
                        false
                    }
                }
            }
        },
    )
    .await;
    listener.abort();
    Ok(failures)
}

fn audit_as(context: &Context) -> AuditAs {
    AuditAs {
        actor: os_user(),
        environment: context.environment.as_str().to_owned(),
    }
}

fn masked(letter: &OutboxLetter) -> String {
    letter
        .recipient_id
        .as_ref()
        .map(kommunepost_core::ident::Identifier::masked)
        .unwrap_or_default()
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

fn run_outbox(context: &Context, service: &ServiceArgs, json: bool) -> Result<ExitCode, CliError> {
    let store = Arc::new(context.open_store(None)?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let environment = context.environment.as_str();
    let counted = std::sync::Mutex::new(RoundReport::default());
    let failures = runtime()?.block_on(async {
        let services = services(context, service).await?;
        let worker = Worker::new(
            store.clone(),
            Arc::new(services.svarut),
            Some(Arc::new(services.krr)),
            clock.clone(),
            audit_as(context),
        )
        .with_dispatch(&context.settings.dispatch)
        .with_lease(kommunepost_core::outbox::lease_for(
            &context.settings.timeouts,
        ))
        .with_archive(context.settings.archive.clone());
        // Signing orders are tracked in the same rounds (the service is never polled early);
        // not with a sandbox of this run's own, which knows no earlier orders.
        let tracker = match services.connection.sandbox {
            Some(_) => None,
            None if background::signing_work(&store, environment)? => {
                match services.connection.signing() {
                    Ok(client) => Some(SigningTracker::new(
                        Arc::new(client),
                        store.clone(),
                        environment,
                    )),
                    Err(error) => {
                        eprintln!("note: signing orders are not tracked in this run: {error}");
                        None
                    }
                }
            }
            None => None,
        };
        let hold = chrono::Duration::minutes(i64::from(context.settings.dispatch.hold_minutes));
        let failures = work(
            context,
            &store,
            clock.as_ref(),
            Run {
                program: "kommunepost outbox run",
                rest: Duration::from_secs(2),
                quiet: json,
            },
            |round| {
                let (worker, tracker, store) = (&worker, &tracker, &store);
                async move {
                    let mut report = background::outbox_round(worker, round == 0)
                        .await
                        .map_err(|e| e.to_string())?;
                    if let Some(tracker) = tracker {
                        report.merge(
                            background::signing_round(tracker, store, environment, hold)
                                .await
                                .map_err(|e| e.to_string())?,
                        );
                    }
                    Ok::<_, String>(report)
                }
            },
            |store| Ok(store.letters_waiting(environment)? > 0),
            &counted,
        )
        .await?;
        // The statuses of what was sent, once at the end.
        match supervised(worker.track()).await {
            Ok(Err(error)) => eprintln!("SvarUt: {error}"),
            Ok(Ok(_)) => {}
            Err(failure) => eprintln!("kommunepost: tracking failed: {failure}"),
        }
        services.connection.stop().await;
        Ok::<_, CliError>(failures)
    })?;
    let counted = counted.into_inner().unwrap_or_else(|p| p.into_inner());
    if json {
        println!(
            "{}",
            json!({ "sent": counted.sent, "failed": counted.failed })
        );
    } else {
        eprintln!("{} sent, {} failed", counted.sent, counted.failed);
    }
    if failures > 0 {
        return Err(CliError::RoundsFailed(failures));
    }
    Ok(if counted.failed > 0 {
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
        let services = services(context, &args.service).await?;
        let worker = Worker::new(
            store.clone(),
            Arc::new(services.svarut),
            None,
            clock.clone(),
            audit_as(context),
        );
        // Tracking is the worker's: only with the store's worker lock. Without it, the
        // statuses are the ones the running worker stores.
        let lock = match take_worker_lock(
            &context.paths.data_dir,
            "kommunepost status",
            &store,
            clock.now(),
        ) {
            Ok(lock) => Some(lock),
            Err(TakeLockError::Lock(busy)) => {
                eprintln!("note: {busy}; showing the statuses it keeps up to date");
                None
            }
            Err(TakeLockError::Store(error)) => return Err(error.into()),
        };
        let mut shown: Option<Vec<(Option<String>, OutboxState)>> = None;
        let letters = loop {
            if lock.is_some() {
                match supervised(worker.track()).await {
                    Ok(Err(error)) => eprintln!("SvarUt: {error}"),
                    Ok(Ok(_)) => {}
                    Err(failure) => eprintln!("kommunepost: tracking failed: {failure}"),
                }
            }
            let letters = store.list_outbox(args.mailing.as_deref())?;
            let now: Vec<_> = letters
                .iter()
                .map(|l| (l.status.clone(), l.state))
                .collect();
            if shown.as_ref() != Some(&now) {
                if args.watch && !args.json {
                    println!("-- {}", norway::local(clock.now()).format("%H:%M:%S"));
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
        services.connection.stop().await;
        Ok::<_, CliError>(letters)
    })?;
    Ok(if letters.iter().any(|l| l.state == OutboxState::Failed) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
