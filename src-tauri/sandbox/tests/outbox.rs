//! The outbox and its worker against the sandbox's KRR and SvarUt over HTTP: hold and recall,
//! KRR at send time, exactly once under lost answers, crashes and injected faults, and statuses
//! that reach their final state on an accelerated clock.

mod support;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use kommunepost_core::clock::Clock;
use kommunepost_core::outbox::{AuditAs, StepOutcome, Worker};
use kommunepost_core::store::{NewLetter, OutboxState, Store};
use kommunepost_core::svarut::model::{Adresse, Dokument, Forsendelse};
use kommunepost_sandbox::KrrSituation;
use kommunepost_sandbox::svarut::SvarUtFaults;
use support::{Sandbox, fixed_clock, sandbox_with_clock};

const PDF: &[u8] = b"%PDF-1.7\n%%EOF\n";

fn new_letter(recipient: Option<&str>, hold_minutes: i64) -> NewLetter {
    NewLetter {
        mailing_id: Some("m1".into()),
        recipient_name: "Åse Ødegård".into(),
        recipient_id: recipient.map(|r| kommunepost_core::ident::Identifier::parse(r).unwrap()),
        forsendelse: Forsendelse {
            tittel: "Vedtak om skoleskyss".into(),
            mottaker: Adresse {
                navn: "Åse Ødegård".into(),
                digital_id: recipient.map(str::to_owned),
                adresselinje1: Some("Storgata 1".into()),
                postnummer: Some("7300".into()),
                poststed: Some("ORKANGER".into()),
                ..Adresse::default()
            },
            avgivende_system: Some("Kommunepost".into()),
            dokumenter: vec![Dokument {
                filnavn: "Vedtak om skoleskyss.pdf".into(),
                mime_type: "application/pdf".into(),
                ..Dokument::default()
            }],
            ..Forsendelse::default()
        },
        documents: vec![PDF.to_vec()],
        hold: chrono::Duration::minutes(hold_minutes),
        kind: kommunepost_core::store::LetterKind::Ordinary,
        pages: 1,
        environment: "sandbox".into(),
        case: None,
        title: None,
    }
}

struct Setup {
    sandbox: Sandbox,
    clock: Arc<kommunepost_core::clock::FixedClock>,
    store: Arc<Store>,
}

async fn setup(timeout: Duration) -> (Setup, Worker) {
    let clock = fixed_clock();
    let sandbox = sandbox_with_clock(200, clock.clone()).await;
    let store = Arc::new(Store::open_in_memory(clock.clone()).unwrap());
    let krr = Arc::new(sandbox.krr(sandbox.maskinporten(), Duration::from_secs(10)));
    let svarut = Arc::new(sandbox.svarut_with(
        &sandbox.server.credentials().integrasjon_passord.clone(),
        timeout,
    ));
    let worker = Worker::new(store.clone(), svarut, Some(krr), clock.clone(), audit_as());
    (
        Setup {
            sandbox,
            clock,
            store,
        },
        worker,
    )
}

impl Setup {
    /// The full number of the sandbox's first person in `situation`.
    fn number(&self, situation: KrrSituation) -> String {
        self.sandbox
            .population
            .first_in(situation)
            .unwrap()
            .fnr
            .expose()
            .to_owned()
    }
}

fn worker_for(setup: &Setup, timeout: Duration) -> Worker {
    let krr = Arc::new(
        setup
            .sandbox
            .krr(setup.sandbox.maskinporten(), Duration::from_secs(10)),
    );
    let svarut = Arc::new(
        setup.sandbox.svarut_with(
            &setup
                .sandbox
                .server
                .credentials()
                .integrasjon_passord
                .clone(),
            timeout,
        ),
    );
    Worker::new(
        setup.store.clone(),
        svarut,
        Some(krr),
        setup.clock.clone(),
        audit_as(),
    )
}

fn audit_as() -> AuditAs {
    AuditAs {
        actor: "test".into(),
        environment: "sandbox".into(),
    }
}

#[tokio::test]
async fn a_held_letter_can_be_recalled_and_a_released_one_is_sent_once_and_tracked_to_the_end() {
    let (setup, worker) = setup(Duration::from_secs(10)).await;
    let digital = setup.number(KrrSituation::DigitalDigipost);
    let reserved = setup.number(KrrSituation::Reserved);
    let a = setup
        .store
        .enqueue_letter(new_letter(Some(&digital), 5))
        .unwrap();
    let b = setup
        .store
        .enqueue_letter(new_letter(Some(&reserved), 5))
        .unwrap();
    let c = setup.store.enqueue_letter(new_letter(None, 5)).unwrap();
    assert_eq!(a.state, OutboxState::Held);
    assert_eq!(
        a.forsendelse.ekstern_referanse.as_deref(),
        Some(a.id.as_str())
    );

    // Held: nothing leaves, and the clerk can take one back.
    assert_eq!(worker.step().await.unwrap(), StepOutcome::Idle);
    setup.store.recall_letter(&c.id).unwrap();
    assert!(
        setup.store.release_now(&c.id).is_err(),
        "a recalled letter stays"
    );
    // "Send nå": the clerk does not wait for the hold time.
    setup.store.release_now(&a.id).unwrap();
    assert!(matches!(
        worker.step().await.unwrap(),
        StepOutcome::Sent { letter, .. } if letter == a.id
    ));
    assert_eq!(worker.step().await.unwrap(), StepOutcome::Idle);
    setup.clock.advance(chrono::Duration::minutes(5));
    let mut sent = 1;
    while let StepOutcome::Sent { .. } = worker.step().await.unwrap() {
        sent += 1;
    }
    assert_eq!(sent, 2);
    assert!(
        setup.store.recall_letter(&a.id).is_err(),
        "a sent letter cannot be recalled"
    );
    assert_eq!(setup.sandbox.server.svarut_double.accepted().len(), 2);

    // KRR was asked at send time; only the routing is kept.
    let a = setup.store.get_letter(&a.id).unwrap();
    let evidence = a.krr_evidence.unwrap();
    assert!(
        evidence.contains("KRR: digital_postkasse (has_mailbox)"),
        "{evidence}"
    );
    let b_letter = setup.store.get_letter(&b.id).unwrap();
    assert!(b_letter.krr_evidence.unwrap().contains("papir (reserved)"));
    // Each send-time lookup is in the audit log, and the chain holds.
    let audit = setup.store.list_audit(10).unwrap();
    assert_eq!(audit.len(), 2);
    assert!(
        audit
            .iter()
            .all(|e| e.action == "krr_lookup" && e.count == 1)
    );
    assert_eq!(
        audit[0].purpose.as_deref(),
        Some("Utsending: Vedtak om skoleskyss")
    );

    // Statuses on an accelerated clock: delivered digitally, printed.
    setup.clock.advance(chrono::Duration::minutes(5));
    worker.track().await.unwrap().unwrap();
    assert_eq!(
        setup.store.get_letter(&a.id).unwrap().state,
        OutboxState::Final
    );
    assert_eq!(
        setup.store.get_letter(&a.id).unwrap().status.as_deref(),
        Some("LEVERT_SDP")
    );
    assert_eq!(
        setup.store.get_letter(&b.id).unwrap().status.as_deref(),
        Some("SENDT_PRINT")
    );
    setup.clock.advance(chrono::Duration::days(2));
    worker.track().await.unwrap().unwrap();
    let b = setup.store.get_letter(&b.id).unwrap();
    assert_eq!(
        (b.state, b.status.as_deref()),
        (OutboxState::Final, Some("PRINTET"))
    );
    let timeline: Vec<String> = setup
        .store
        .letter_events(&b.id)
        .unwrap()
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(timeline[0], "Lagt i utboksen");
    assert!(timeline.iter().any(|t| t.starts_with("Mottatt av SvarUt")));
    assert_eq!(timeline.last().unwrap(), "Status i SvarUt: PRINTET");
}

#[tokio::test]
async fn a_worker_killed_after_the_request_left_is_restarted_and_nothing_is_sent_twice() {
    let (setup, worker) = setup(Duration::from_secs(30)).await;
    let letter = setup.store.enqueue_letter(new_letter(None, 0)).unwrap();
    // SvarUt stores the forsendelse and then stalls; the worker is killed while waiting.
    setup.sandbox.server.svarut_double.set_faults(SvarUtFaults {
        stall_every: 1,
        stall: Duration::from_secs(5),
        ..SvarUtFaults::default()
    });
    let killed = tokio::time::timeout(Duration::from_millis(800), worker.step()).await;
    assert!(killed.is_err(), "the step was cut off mid-request");
    drop(worker);
    assert_eq!(
        setup.store.get_letter(&letter.id).unwrap().state,
        OutboxState::Sending
    );
    assert_eq!(setup.sandbox.server.svarut_double.accepted().len(), 1);

    // Restart: a new worker finds the letter by its reference instead of sending it again.
    setup
        .sandbox
        .server
        .svarut_double
        .set_faults(SvarUtFaults::default());
    let restarted = worker_for(&setup, Duration::from_secs(10));
    setup.clock.advance(chrono::Duration::minutes(15));
    let outcome = restarted.step().await.unwrap();
    assert!(
        matches!(outcome, StepOutcome::Recovered { .. }),
        "{outcome:?}"
    );
    assert_eq!(setup.sandbox.server.svarut_double.accepted().len(), 1);
    assert_eq!(
        setup.store.get_letter(&letter.id).unwrap().state,
        OutboxState::Sent
    );
}

#[tokio::test]
async fn with_one_send_in_five_failing_everything_is_delivered_exactly_once() {
    let (setup, worker) = setup(Duration::from_millis(700)).await;
    setup.sandbox.server.svarut_double.set_faults(SvarUtFaults {
        fail_every: 5,
        stall_every: 7,
        stall: Duration::from_secs(2),
        rate_limit_every: 11,
        drop_every: 13,
        ..SvarUtFaults::default()
    });
    let ids: Vec<String> = (0..30)
        .map(|_| setup.store.enqueue_letter(new_letter(None, 0)).unwrap().id)
        .collect();
    let mut steps = 0;
    loop {
        steps += 1;
        assert!(steps < 400, "did not finish");
        match worker.step().await.unwrap() {
            StepOutcome::Idle => {
                let open = ids
                    .iter()
                    .filter(|id| setup.store.get_letter(id).unwrap().state != OutboxState::Sent)
                    .count();
                if open == 0 {
                    break;
                }
                // Retries are due later: let time pass.
                setup.clock.advance(chrono::Duration::minutes(11));
            }
            StepOutcome::Failed { reason, .. } => panic!("no permanent error expected: {reason}"),
            _ => {}
        }
    }
    let accepted = setup.sandbox.server.svarut_double.accepted();
    let references: HashSet<String> = accepted
        .iter()
        .map(|a| a.forsendelse.ekstern_referanse.clone().unwrap())
        .collect();
    assert_eq!(references.len(), 30, "every letter arrived");
    assert_eq!(accepted.len(), 30, "and none twice");
}

#[tokio::test]
async fn a_permanent_refusal_goes_to_the_exceptions_with_the_reason() {
    let (setup, worker) = setup(Duration::from_secs(10)).await;
    let mut bad = new_letter(None, 0);
    bad.forsendelse.mottaker.postnummer = None;
    let letter = setup.store.enqueue_letter(bad).unwrap();
    let outcome = worker.step().await.unwrap();
    assert!(matches!(outcome, StepOutcome::Failed { .. }), "{outcome:?}");
    let letter = setup.store.get_letter(&letter.id).unwrap();
    assert_eq!(letter.state, OutboxState::Failed);
    assert!(
        letter
            .last_error
            .unwrap()
            .contains("Postnummer og poststed")
    );
    assert!(setup.sandbox.server.svarut_double.accepted().is_empty());
}

#[tokio::test]
async fn letters_rendered_from_a_list_travel_through_the_outbox_to_their_channels() {
    use kommunepost_core::dispatch::forsendelse_for;
    use kommunepost_core::letters::compose::compose_for;
    use kommunepost_core::letters::package::{AttachmentMode, package};
    use kommunepost_core::letters::pdf::render;
    use kommunepost_core::letters::recipients::read_recipients;
    use kommunepost_core::letters::template::example;

    let (setup, worker) = setup(Duration::from_secs(10)).await;
    let digital = setup.number(KrrSituation::DigitalDigipost);
    let reserved = setup.number(KrrSituation::Reserved);
    let csv = format!(
        "fodselsnummer;organisasjonsnummer;navn;adresselinje1;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
         {digital};;Digital Dagny;Storgata 1;7300;ORKANGER;bistand;2026/1;1. januar;100;Helse;Kari\n\
         {reserved};;Papir Per;Storgata 2;7300;ORKANGER;bistand;2026/2;1. januar;100;Helse;Kari\n\
         ;991825827;Firma AS;Industriveien 3;7300;ORKANGER;bistand;2026/3;1. januar;100;Helse;Kari\n"
    );
    let list = read_recipients(csv.as_bytes()).unwrap();
    assert!(list.problems.is_empty(), "{:?}", list.problems);
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    for row in &list.recipients {
        let letter = compose_for(&example(), row, date).unwrap();
        let rendered = render(&letter).unwrap();
        let package = package(
            &letter.title,
            rendered.bytes,
            &[],
            AttachmentMode::Separate,
            false,
        )
        .unwrap();
        setup
            .store
            .enqueue_letter(NewLetter {
                mailing_id: Some("m".into()),
                recipient_name: row.name.clone(),
                recipient_id: Some(row.identifier.clone()),
                forsendelse: forsendelse_for(&letter.title, row, &package.documents),
                documents: package.documents.iter().map(|d| d.bytes.clone()).collect(),
                hold: chrono::Duration::zero(),
                kind: kommunepost_core::store::LetterKind::Vedtak,
                pages: 1,
                environment: "sandbox".into(),
                case: None,
                title: None,
            })
            .unwrap();
    }
    while worker.step().await.unwrap() != StepOutcome::Idle {}
    let accepted = setup.sandbox.server.svarut_double.accepted();
    assert_eq!(accepted.len(), 3);
    assert!(
        accepted
            .iter()
            .all(|a| a.files[0].0.starts_with("Vedtak om bistand"))
    );
    setup.clock.advance(chrono::Duration::days(4));
    worker.track().await.unwrap().unwrap();
    let mut statuses: Vec<(String, String)> = setup
        .store
        .list_outbox(Some("m"))
        .unwrap()
        .into_iter()
        .map(|l| (l.recipient_name, l.status.unwrap_or_default()))
        .collect();
    statuses.sort();
    assert_eq!(statuses[0], ("Digital Dagny".into(), "LEVERT_SDP".into()));
    assert!(
        statuses[1].0 == "Firma AS" && ["LEST", "PRINTET"].contains(&statuses[1].1.as_str()),
        "{statuses:?}"
    );
    assert_eq!(statuses[2], ("Papir Per".into(), "PRINTET".into()));
}

#[tokio::test]
async fn a_paused_mailing_waits_and_a_cancelled_one_is_recalled() {
    let (setup, worker) = setup(Duration::from_secs(10)).await;
    let mailing = setup
        .store
        .create_mailing("Skoleskyss", "mal", b"liste")
        .unwrap();
    let letters: Vec<String> = (0..3)
        .map(|_| {
            let mut letter = new_letter(None, 0);
            letter.mailing_id = Some(mailing.clone());
            setup.store.enqueue_letter(letter).unwrap().id
        })
        .collect();
    setup.store.set_mailing_paused(&mailing, true).unwrap();
    assert_eq!(worker.step().await.unwrap(), StepOutcome::Idle);
    setup.store.set_mailing_paused(&mailing, false).unwrap();
    assert!(matches!(
        worker.step().await.unwrap(),
        StepOutcome::Sent { .. }
    ));
    let progress = setup.store.mailing_progress(&mailing).unwrap();
    assert_eq!((progress.total, progress.sent, progress.waiting), (3, 1, 2));
    assert_eq!(
        setup
            .store
            .recent_letters("sandbox", Some(&mailing), 2)
            .unwrap()
            .len(),
        2
    );

    assert_eq!(setup.store.cancel_mailing(&mailing).unwrap(), 2);
    assert_eq!(worker.step().await.unwrap(), StepOutcome::Idle);
    let progress = setup.store.mailing_progress(&mailing).unwrap();
    assert!(progress.cancelled);
    assert_eq!((progress.sent, progress.recalled), (1, 2));
    assert!(setup.store.set_mailing_paused(&mailing, false).is_err());
    // A letter queued in another environment is never sent by this one's worker.
    let mut production = new_letter(None, 0);
    production.environment = "prod".into();
    setup.store.enqueue_letter(production).unwrap();
    assert_eq!(worker.step().await.unwrap(), StepOutcome::Idle);
    assert_eq!(setup.sandbox.server.svarut_double.accepted().len(), 1);
    // The two that had not left are recalled (which one left first is the worker's choice).
    let states: Vec<OutboxState> = letters
        .iter()
        .map(|id| setup.store.get_letter(id).unwrap().state)
        .collect();
    assert_eq!(
        states
            .iter()
            .filter(|s| **s == OutboxState::Recalled)
            .count(),
        2,
        "{states:?}"
    );
}

#[tokio::test]
async fn paper_letters_go_to_the_office_print_batch_when_set_and_are_marked_printed() {
    let (setup, worker) = setup(Duration::from_secs(10)).await;
    let worker = worker.print_at_office(true);
    let reserved = setup.number(KrrSituation::Reserved);
    let digital = setup.number(KrrSituation::DigitalDigipost);
    let paper = setup
        .store
        .enqueue_letter(new_letter(Some(&reserved), 0))
        .unwrap();
    let mailbox = setup
        .store
        .enqueue_letter(new_letter(Some(&digital), 0))
        .unwrap();
    while worker.step().await.unwrap() != StepOutcome::Idle {}
    // Only the digital one went to SvarUt.
    assert_eq!(setup.sandbox.server.svarut_double.accepted().len(), 1);
    let batch = setup.store.office_print_batch("sandbox").unwrap();
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].id, paper.id);
    assert_eq!(batch[0].route.as_deref(), Some("papir"));
    assert_eq!(batch[0].status.as_deref(), Some("TIL_UTSKRIFT"));
    assert!(setup.store.mark_printed_locally(&mailbox.id).is_err());
    setup.store.mark_printed_locally(&paper.id).unwrap();
    let printed = setup.store.get_letter(&paper.id).unwrap();
    assert_eq!(
        (printed.state, printed.status.as_deref()),
        (OutboxState::Final, Some("PRINTET"))
    );
    assert!(
        setup
            .store
            .office_print_batch("sandbox")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        setup
            .store
            .get_letter(&mailbox.id)
            .unwrap()
            .route
            .as_deref(),
        Some("digital_postkasse")
    );
}

#[tokio::test]
async fn exceptions_are_retried_or_marked_handled_and_unread_decisions_are_reminded_after_a_week() {
    let (setup, worker) = setup(Duration::from_secs(10)).await;
    // A send refused for good: in the exceptions; fixed at SvarUt's side, tried again.
    let mut bad = new_letter(None, 0);
    bad.forsendelse.mottaker.postnummer = None;
    let failed = setup.store.enqueue_letter(bad).unwrap();
    worker.step().await.unwrap();
    assert_eq!(setup.store.exceptions("sandbox").unwrap().len(), 1);
    // SvarUt's refusal is kept for the clerk as a key with SvarUt's own words, in the letter
    // and in its timeline's event; the English text stays for the log.
    let refused = setup.store.get_letter(&failed.id).unwrap();
    let problem = refused.last_problem.clone().expect("the clerk's message");
    assert_eq!(
        problem.key,
        kommunepost_core::problem::ProblemKey::SvarUtRejected
    );
    assert!(!problem.params["message"].is_empty());
    assert!(refused.last_error.is_some());
    let timeline = setup.store.letter_timeline(&failed.id).unwrap();
    let (_, text, said) = timeline.last().unwrap();
    assert!(text.starts_with("Feilet: "), "{text}");
    assert_eq!(said.as_ref(), Some(&problem));
    assert!(setup.store.mark_handled(&failed.id, "  ").is_err());
    setup.store.retry_failed(&failed.id).unwrap();
    assert!(setup.store.exceptions("sandbox").unwrap().is_empty());
    worker.step().await.unwrap();
    assert_eq!(
        setup.store.exceptions("sandbox").unwrap().len(),
        1,
        "refused again"
    );
    setup
        .store
        .mark_handled(&failed.id, "Sendt på papir fra arkivet")
        .unwrap();
    assert!(setup.store.exceptions("sandbox").unwrap().is_empty());
    let events = setup.store.letter_events(&failed.id).unwrap();
    assert_eq!(
        events.last().unwrap().1,
        "Håndtert: Sendt på papir fra arkivet"
    );

    // A decision to a digital mailbox: delivered, not read → a reminder after 7 days.
    let digital = setup.number(KrrSituation::DigitalEboks);
    let mut decision = new_letter(Some(&digital), 0);
    decision.kind = kommunepost_core::store::LetterKind::Vedtak;
    let decision = setup.store.enqueue_letter(decision).unwrap();
    let ordinary = setup
        .store
        .enqueue_letter(new_letter(Some(&digital), 0))
        .unwrap();
    while worker.step().await.unwrap() != StepOutcome::Idle {}
    setup.clock.advance(chrono::Duration::days(1));
    worker.track().await.unwrap().unwrap();
    assert!(setup.store.unread_reminders("sandbox").unwrap().is_empty());
    setup.clock.advance(chrono::Duration::days(7));
    worker.track().await.unwrap().unwrap();
    let reminders = setup.store.unread_reminders("sandbox").unwrap();
    assert_eq!(reminders.len(), 1);
    assert_eq!(reminders[0].id, decision.id);
    assert_eq!(reminders[0].status.as_deref(), Some("LEVERT_SDP"));
    assert_ne!(reminders[0].id, ordinary.id);
    setup
        .store
        .mark_handled(&decision.id, "Nytt varsel sendt")
        .unwrap();
    assert!(setup.store.unread_reminders("sandbox").unwrap().is_empty());
}

/// Two workers, each with its own handle on one store file (as two processes have), take
/// letters at the same time: each letter is claimed by one of them, and SvarUt receives every
/// letter exactly once. The claims are what keep them apart here (no worker lock is taken).
#[tokio::test]
async fn two_workers_on_one_store_file_send_every_letter_exactly_once() {
    use kommunepost_core::store::{CreateWith, MemoryCredentials, UnlockWith};
    let clock = fixed_clock();
    let sandbox = sandbox_with_clock(200, clock.clone()).await;
    // SvarUt takes a while per send, so the two workers overlap.
    sandbox.server.svarut_double.set_faults(SvarUtFaults {
        latency: Duration::from_millis(40),
        ..SvarUtFaults::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let credentials = MemoryCredentials::new();
    let (first, _) =
        Store::create(dir.path(), CreateWith::Keyring(&credentials), clock.clone()).unwrap();
    let second = Store::open(dir.path(), UnlockWith::Keyring(&credentials), clock.clone()).unwrap();
    let (first, second) = (Arc::new(first), Arc::new(second));
    let ids: Vec<String> = (0..30)
        .map(|_| first.enqueue_letter(new_letter(None, 0)).unwrap().id)
        .collect();
    let worker = |store: &Arc<Store>| {
        let krr = Arc::new(sandbox.krr(sandbox.maskinporten(), Duration::from_secs(10)));
        let svarut = Arc::new(sandbox.svarut_with(
            &sandbox.server.credentials().integrasjon_passord.clone(),
            Duration::from_secs(10),
        ));
        Worker::new(store.clone(), svarut, Some(krr), clock.clone(), audit_as())
    };
    let (a, b) = (worker(&first), worker(&second));
    assert_ne!(a.id(), b.id());
    let run = |w: Worker| async move {
        let mut sent = Vec::new();
        loop {
            match w.step().await.unwrap() {
                StepOutcome::Idle => break,
                StepOutcome::Sent { letter, .. } => sent.push(letter),
                other => panic!("unexpected {other:?}"),
            }
        }
        sent
    };
    let (sent_a, sent_b) = tokio::join!(run(a), run(b));
    assert!(
        !sent_a.is_empty() && !sent_b.is_empty(),
        "both workers took letters"
    );
    let mut all: Vec<String> = sent_a.into_iter().chain(sent_b).collect();
    all.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(all, expected, "each letter sent by exactly one worker");
    let accepted = sandbox.server.svarut_double.accepted();
    let references: HashSet<String> = accepted
        .iter()
        .map(|a| a.forsendelse.ekstern_referanse.clone().unwrap())
        .collect();
    assert_eq!(references.len(), 30);
    assert_eq!(accepted.len(), 30, "none twice");
    for id in &ids {
        let letter = first.get_letter(id).unwrap();
        assert_eq!(letter.state, OutboxState::Sent);
    }
}

/// A letter claimed by a live worker is not taken by another, nor recalled; once the claim's
/// lease runs out (the worker died), another worker takes it and settles it by its reference.
#[tokio::test]
async fn a_live_claim_keeps_other_workers_and_recalls_off_and_an_expired_one_does_not() {
    let (setup, worker) = setup(Duration::from_secs(10)).await;
    let letter = setup.store.enqueue_letter(new_letter(None, 0)).unwrap();
    let claimed = setup
        .store
        .claim_next_due_letter("sandbox", "a dead worker", chrono::Duration::minutes(20))
        .unwrap()
        .expect("due");
    assert_eq!(claimed.id, letter.id);
    assert_eq!(worker.step().await.unwrap(), StepOutcome::Idle);
    let refused = setup.store.recall_letter(&letter.id).unwrap_err();
    assert!(
        refused.to_string().contains("being sent right now"),
        "{refused}"
    );
    // Only the claim's holder may mark it as being sent.
    let lost = setup
        .store
        .mark_sending(
            &letter.id,
            worker.id(),
            setup.clock.now(),
            None,
            None,
            chrono::Duration::minutes(20),
        )
        .unwrap_err();
    assert!(
        matches!(lost, kommunepost_core::store::StoreError::ClaimLost(_)),
        "{lost}"
    );

    setup.clock.advance(chrono::Duration::minutes(21));
    let outcome = worker.step().await.unwrap();
    assert!(matches!(outcome, StepOutcome::Sent { .. }), "{outcome:?}");
    assert_eq!(setup.sandbox.server.svarut_double.accepted().len(), 1);
}

/// A backup opens with the recovery key, and a store restored from a backup taken before its
/// letters were sent never sends them again: they are looked up by their reference first.
#[tokio::test]
async fn a_restored_backup_opens_with_the_recovery_key_and_sends_nothing_twice() {
    use kommunepost_core::secret::Secret;
    use kommunepost_core::store::{CreateWith, MemoryCredentials, UnlockWith};
    let clock = fixed_clock();
    let sandbox = sandbox_with_clock(200, clock.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let credentials = MemoryCredentials::new();
    let (store, recovery) =
        Store::create(&data, CreateWith::Keyring(&credentials), clock.clone()).unwrap();
    let store = Arc::new(store);
    let letters: Vec<String> = (0..3)
        .map(|_| store.enqueue_letter(new_letter(None, 0)).unwrap().id)
        .collect();
    let backup = dir.path().join("kopi.kpdb");
    store.backup_to(&backup).unwrap();
    assert!(
        store.backup_to(&backup).is_err(),
        "an existing file is not overwritten"
    );

    // The backup is encrypted: it opens with the recovery key, in a directory of its own.
    let elsewhere = dir.path().join("elsewhere");
    kommunepost_core::store::restore(
        &elsewhere,
        &backup,
        UnlockWith::RecoveryKey(Secret::new(recovery.expose().to_owned())),
        clock.clone(),
    )
    .unwrap();
    let opened = Store::open(
        &elsewhere,
        UnlockWith::RecoveryKey(Secret::new(recovery.expose().to_owned())),
        clock.clone(),
    )
    .unwrap();
    assert_eq!(opened.list_outbox(None).unwrap().len(), 3);
    drop(opened);
    let wrong = kommunepost_core::store::restore(
        &dir.path().join("wrong"),
        &backup,
        UnlockWith::RecoveryKey(Secret::new(
            "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA".into(),
        )),
        clock.clone(),
    );
    assert!(wrong.is_err(), "a wrong key restores nothing");

    // The letters leave; then the store is restored from the backup taken before.
    let worker = |store: &Arc<Store>| {
        let krr = Arc::new(sandbox.krr(sandbox.maskinporten(), Duration::from_secs(10)));
        let svarut = Arc::new(sandbox.svarut_with(
            &sandbox.server.credentials().integrasjon_passord.clone(),
            Duration::from_secs(10),
        ));
        Worker::new(store.clone(), svarut, Some(krr), clock.clone(), audit_as())
    };
    let first = worker(&store);
    for _ in 0..3 {
        let outcome = first.step().await.unwrap();
        assert!(matches!(outcome, StepOutcome::Sent { .. }), "{outcome:?}");
    }
    drop(first);
    drop(store);
    let aside = kommunepost_core::store::restore(
        &data,
        &backup,
        UnlockWith::Keyring(&credentials),
        clock.clone(),
    )
    .unwrap();
    assert!(aside.exists(), "the replaced store is kept");
    let restored =
        Arc::new(Store::open(&data, UnlockWith::Keyring(&credentials), clock.clone()).unwrap());
    let second = worker(&restored);
    for _ in 0..3 {
        let outcome = second.step().await.unwrap();
        assert!(
            matches!(outcome, StepOutcome::Recovered { .. }),
            "{outcome:?}"
        );
    }
    assert_eq!(second.step().await.unwrap(), StepOutcome::Idle);
    assert_eq!(
        sandbox.server.svarut_double.accepted().len(),
        3,
        "none twice"
    );
    for id in &letters {
        assert_eq!(restored.get_letter(id).unwrap().state, OutboxState::Sent);
    }
}

/// The worker applies the one gate whatever queued the letter: an H-number never leaves in any
/// environment, and a real person's number never leaves in Test. Neither reaches KRR or SvarUt.
#[tokio::test]
async fn the_worker_sends_no_number_the_environment_may_not_send() {
    let (setup, worker) = setup(Duration::from_secs(10)).await;
    let h_number = setup
        .store
        .enqueue_letter(new_letter(Some("15507600333"), 0))
        .unwrap();
    let outcome = worker.step().await.unwrap();
    match outcome {
        StepOutcome::Failed { letter, reason } => {
            assert_eq!(letter, h_number.id);
            assert!(reason.contains("never sent"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let mut in_test = new_letter(Some("30108299920"), 0);
    in_test.environment = "test".into();
    let real = setup.store.enqueue_letter(in_test).unwrap();
    let krr = Arc::new(
        setup
            .sandbox
            .krr(setup.sandbox.maskinporten(), Duration::from_secs(10)),
    );
    let svarut = Arc::new(
        setup.sandbox.svarut_with(
            &setup
                .sandbox
                .server
                .credentials()
                .integrasjon_passord
                .clone(),
            Duration::from_secs(10),
        ),
    );
    let test_worker = Worker::new(
        setup.store.clone(),
        svarut,
        Some(krr),
        setup.clock.clone(),
        AuditAs {
            actor: "test".into(),
            environment: "test".into(),
        },
    );
    match test_worker.step().await.unwrap() {
        StepOutcome::Failed { letter, reason } => {
            assert_eq!(letter, real.id);
            assert!(reason.contains("synthetic test numbers"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(setup.sandbox.server.svarut_double.accepted().is_empty());
    assert!(
        setup.store.list_audit(10).unwrap().is_empty(),
        "no KRR lookup was made"
    );
}

/// A round's letters go with one KRR request for all their persons (one audit entry for it),
/// at most the configured number of SvarUt sends at a time, each letter once; after a send
/// that must wait, no new one starts and the letters not started are free for the next round
/// at once.
#[tokio::test]
async fn a_round_looks_up_its_letters_in_one_krr_request_and_keeps_sends_in_flight_within_the_limit()
 {
    let (setup, worker) = setup(Duration::from_secs(10)).await;
    let worker = worker.with_in_flight(3);
    let people: Vec<String> = setup
        .sandbox
        .population
        .persons
        .iter()
        .take(12)
        .map(|p| p.fnr.expose().to_owned())
        .collect();
    let mut ids = Vec::new();
    for person in &people {
        ids.push(
            setup
                .store
                .enqueue_letter(new_letter(Some(person), 0))
                .unwrap()
                .id,
        );
    }
    let svarut = &setup.sandbox.server.svarut_double;
    svarut.set_faults(SvarUtFaults {
        latency: Duration::from_millis(40),
        ..SvarUtFaults::default()
    });
    let krr_before = setup.sandbox.server.krr_double.requests();
    let audit_before = setup.store.list_audit(100).unwrap().len();
    let outcomes = worker.send_due(100).await.unwrap();
    assert_eq!(outcomes.len(), 12, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, StepOutcome::Sent { .. })),
        "{outcomes:?}"
    );
    assert_eq!(
        setup.sandbox.server.krr_double.requests() - krr_before,
        1,
        "one KRR request for the round's twelve persons"
    );
    let audit = setup.store.list_audit(100).unwrap();
    assert_eq!(audit.len() - audit_before, 1, "one audit entry for it");
    assert_eq!(audit[0].count, 12);
    assert_eq!(
        svarut.most_in_flight(),
        3,
        "never more than three at a time"
    );
    for id in &ids {
        let letter = setup.store.get_letter(id).unwrap();
        assert_eq!(letter.state, OutboxState::Sent);
        assert!(
            letter.krr_evidence.as_deref().unwrap().contains("KRR: "),
            "each letter keeps its own evidence"
        );
    }
    let accepted = svarut.accepted();
    let references: HashSet<_> = accepted
        .iter()
        .map(|a| a.forsendelse.ekstern_referanse.clone().unwrap())
        .collect();
    assert_eq!((accepted.len(), references.len()), (12, 12), "each once");

    // Every send refused for now (503): one refusal only waits its own backoff, but three in
    // a row stop new sends; the letters not started are released (due at once for the next
    // round), none is sent twice.
    for person in &people[..6] {
        setup
            .store
            .enqueue_letter(new_letter(Some(person), 0))
            .unwrap();
    }
    svarut.set_faults(SvarUtFaults {
        fail_every: 1,
        ..SvarUtFaults::default()
    });
    let worker = worker.with_in_flight(1);
    let outcomes = worker.send_due(100).await.unwrap();
    assert_eq!(outcomes.len(), 3, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|o| matches!(
            o,
            StepOutcome::RetryLater {
                slow_down: false,
                ..
            }
        )),
        "{outcomes:?}"
    );
    let released = |setup: &Setup| -> usize {
        let waiting: Vec<_> = setup
            .store
            .list_outbox(None)
            .unwrap()
            .into_iter()
            .filter(|l| l.state == OutboxState::Queued)
            .collect();
        assert!(
            waiting.iter().all(|l| l.claimed_by.is_none()),
            "released for the next round"
        );
        waiting.len()
    };
    assert_eq!(released(&setup), 3);
    // A 429 stops new sends at once.
    svarut.set_faults(SvarUtFaults {
        rate_limit_every: 1,
        ..SvarUtFaults::default()
    });
    let outcomes = worker.send_due(100).await.unwrap();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert!(matches!(
        outcomes[0],
        StepOutcome::RetryLater {
            slow_down: true,
            ..
        }
    ));
    assert_eq!(released(&setup), 2);
    svarut.set_faults(SvarUtFaults::default());
    let outcomes = worker.send_due(100).await.unwrap();
    assert_eq!(
        outcomes.len(),
        2,
        "the released ones go at once: {outcomes:?}"
    );
    assert_eq!(svarut.accepted().len(), 14);
}

/// A round that sent as many letters as it may says more are due, so the app's and the CLI's
/// workers start the next round at once; the last, smaller round and a round stopped by a 429
/// do not.
#[tokio::test]
async fn a_round_that_sent_its_limit_says_more_are_due_and_a_short_or_stopped_one_does_not() {
    let (setup, worker) = setup(Duration::from_secs(10)).await;
    for person in setup.sandbox.population.persons.iter().take(5) {
        setup
            .store
            .enqueue_letter(new_letter(Some(person.fnr.expose()), 0))
            .unwrap();
    }
    let round = |limit| kommunepost_core::background::send_due(&worker, limit);
    let first = round(2).await.unwrap();
    assert_eq!((first.sent, first.more_due), (2, true), "{first:?}");
    let second = round(2).await.unwrap();
    assert_eq!((second.sent, second.more_due), (2, true), "{second:?}");
    let last = round(2).await.unwrap();
    assert_eq!((last.sent, last.more_due), (1, false), "{last:?}");
    let idle = round(2).await.unwrap();
    assert!(!idle.more_due && idle.sent == 0, "{idle:?}");

    for person in setup.sandbox.population.persons.iter().skip(5).take(3) {
        setup
            .store
            .enqueue_letter(new_letter(Some(person.fnr.expose()), 0))
            .unwrap();
    }
    setup.sandbox.server.svarut_double.set_faults(SvarUtFaults {
        rate_limit_every: 1,
        ..SvarUtFaults::default()
    });
    let stopped = round(2).await.unwrap();
    assert!(stopped.retries >= 1 && stopped.sent == 0, "{stopped:?}");
    assert!(
        !stopped.more_due,
        "a round the service slowed is not hurried: {stopped:?}"
    );
}

/// A round claims its letters together, so a mailing paused or cancelled while the round runs
/// must still stop the letters not yet marked `sending`: a paused mailing's claimed letter is
/// released and not sent, a cancelled one's is recalled. Marking renews the claim for the
/// send.
#[tokio::test]
async fn a_mailing_paused_or_cancelled_after_its_letters_were_claimed_sends_none_of_them() {
    let (setup, worker) = setup(Duration::from_secs(10)).await;
    let mailing = setup
        .store
        .create_mailing("Skoleskyss", "mal", b"liste")
        .unwrap();
    let ids: Vec<String> = (0..3)
        .map(|_| {
            let mut letter = new_letter(None, 0);
            letter.mailing_id = Some(mailing.clone());
            setup.store.enqueue_letter(letter).unwrap().id
        })
        .collect();
    let lease = chrono::Duration::minutes(20);
    let claimed = setup
        .store
        .claim_due_letters("sandbox", worker.id(), lease, 10)
        .unwrap();
    assert_eq!(claimed.len(), 3);
    let mark = |id: &str| {
        setup
            .store
            .mark_sending(id, worker.id(), setup.clock.now(), None, None, lease)
    };
    setup.store.set_mailing_paused(&mailing, true).unwrap();
    let withheld = mark(&ids[0]).unwrap_err();
    assert!(
        matches!(withheld, kommunepost_core::store::StoreError::Withheld(_)),
        "{withheld}"
    );
    let letter = setup.store.get_letter(&ids[0]).unwrap();
    assert_eq!(
        (letter.state, letter.claimed_by),
        (OutboxState::Queued, None),
        "released, still waiting"
    );
    // Resumed: marking renews the claim for the whole lease from now.
    setup.store.set_mailing_paused(&mailing, false).unwrap();
    setup.clock.advance(chrono::Duration::minutes(15));
    mark(&ids[1]).unwrap();
    let marked = setup.store.get_letter(&ids[1]).unwrap();
    assert_eq!(marked.state, OutboxState::Sending);
    assert!(
        setup
            .store
            .claim_due_letters("sandbox", "another", lease, 10)
            .unwrap()
            .iter()
            .all(|l| l.id != ids[1]),
        "the renewed claim still holds 15 minutes after the round's claim"
    );
    // Cancelled: the claimed letter that had not left is recalled, not sent.
    setup.store.cancel_mailing(&mailing).unwrap();
    let withheld = mark(&ids[2]).unwrap_err();
    assert!(matches!(
        withheld,
        kommunepost_core::store::StoreError::Withheld(_)
    ));
    assert_eq!(
        setup.store.get_letter(&ids[2]).unwrap().state,
        OutboxState::Recalled
    );
    assert!(setup.sandbox.server.svarut_double.accepted().is_empty());
}

#[tokio::test]
async fn a_letter_whose_documents_are_gone_fails_with_its_own_problem_and_the_others_are_sent() {
    let (setup, dir, worker) = setup_on_disk().await;
    let lost = setup.store.enqueue_letter(new_letter(None, 0)).unwrap();
    let only = packs_beside(dir.path());
    assert_eq!(only.len(), 1);
    std::fs::remove_file(&only[0]).unwrap();
    let kept = setup.store.enqueue_letter(new_letter(None, 0)).unwrap();

    let round = kommunepost_core::background::send_due(&worker, 10)
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed), (1, 1), "{round:?}");
    let lost = setup.store.get_letter(&lost.id).unwrap();
    assert_eq!(lost.state, OutboxState::Failed);
    assert_eq!(
        lost.last_problem.unwrap().key,
        kommunepost_core::problem::ProblemKey::LetterDocumentsDamaged
    );
    assert!(lost.last_error.unwrap().contains("missing"));
    assert_eq!(
        setup.store.get_letter(&kept.id).unwrap().state,
        OutboxState::Sent
    );
    let accepted = setup.sandbox.server.svarut_double.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(
        accepted[0].forsendelse.ekstern_referanse.as_deref(),
        Some(kept.id.as_str())
    );
}

/// A setup whose store is on disk (its documents in packs beside the database, in the
/// directory returned), and a worker for it.
async fn setup_on_disk() -> (Setup, tempfile::TempDir, Worker) {
    let (mut setup, _) = setup(Duration::from_secs(10)).await;
    let dir = tempfile::tempdir().unwrap();
    let credentials = kommunepost_core::store::MemoryCredentials::new();
    setup.store = Arc::new(
        Store::create(
            dir.path(),
            kommunepost_core::store::CreateWith::Keyring(&credentials),
            setup.clock.clone(),
        )
        .unwrap()
        .0,
    );
    let worker = worker_for(&setup, Duration::from_secs(10));
    (setup, dir, worker)
}

/// The pack files beside the store in `dir` (every generation).
fn packs_beside(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir.join("kommunepost.documents"))
        .unwrap()
        .flat_map(|g| std::fs::read_dir(g.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .collect()
}

#[tokio::test]
async fn a_pack_the_disk_cannot_read_now_holds_back_only_its_letter_until_it_can() {
    let (setup, dir, worker) = setup_on_disk().await;
    let waiting = setup.store.enqueue_letter(new_letter(None, 0)).unwrap();
    let pack = packs_beside(dir.path()).remove(0);
    // Unreadable for now (a directory where the file was: not missing, not damaged, and a
    // read fails as a failing disk's does).
    let away = dir.path().join("away.kpd");
    std::fs::rename(&pack, &away).unwrap();
    std::fs::create_dir(&pack).unwrap();
    let other = setup.store.enqueue_letter(new_letter(None, 0)).unwrap();

    let round = kommunepost_core::background::send_due(&worker, 10)
        .await
        .unwrap();
    assert_eq!(
        (round.sent, round.failed, round.retries),
        (1, 0, 1),
        "{round:?}"
    );
    let held = setup.store.get_letter(&waiting.id).unwrap();
    assert_eq!(held.state, OutboxState::Queued);
    assert!(held.last_error.is_some());
    assert_eq!(
        setup.store.get_letter(&other.id).unwrap().state,
        OutboxState::Sent
    );

    // The disk reads again: the letter leaves at its next attempt, once.
    std::fs::remove_dir(&pack).unwrap();
    std::fs::rename(&away, &pack).unwrap();
    setup.clock.advance(chrono::Duration::hours(2));
    let round = kommunepost_core::background::send_due(&worker, 10)
        .await
        .unwrap();
    assert_eq!(round.sent, 1, "{round:?}");
    assert_eq!(
        setup.store.get_letter(&waiting.id).unwrap().state,
        OutboxState::Sent
    );
    assert_eq!(setup.sandbox.server.svarut_double.accepted().len(), 2);
}
