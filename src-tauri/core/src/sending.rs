//! Sending a letter, written once for the app and the CLI: prepare the letters of a draft or
//! a mass mailing, show the routing and cost preview (a fresh KRR lookup, audited), and queue
//! them — the mailing, its letters and their first events in one transaction. The adapters
//! parse input and present the result; nothing here is done in both.

use serde::Serialize;

use crate::config::Environment;
use crate::dispatch::{
    DispatchPreview, PrepareError, Prepared, PreparedLetter, PriceTable, RowError, prepare_draft,
    prepare_letters, preview, route_letters,
};
use crate::gate::{self, Destination};
use crate::ident::Fnr;
use crate::krr::{Cancel, KrrClient};
use crate::letters::case::{CaseError, CaseMetadata};
use crate::letters::draft::{DraftLetter, DraftText};
use crate::letters::recipients::read_recipients;
use crate::letters::template::Template;
use crate::lookup::{LookupContext, LookupError};
use crate::mask::text as mask_text;
use crate::store::{
    Draft, EarlierSend, LetterKind, MailingSource, NewLetter, NewMailing, NewSend, Store,
    StoreError,
};
use crate::svarut::SvarUtClient;
use crate::svarut::model::NoarkMetadataFraAvleverendeSaksSystem;

/// A draft as it is sent: from the app's form or from the store.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftToSend {
    /// The letter's title.
    pub title: String,
    /// The single recipient's number.
    pub recipient_fnr: Option<Fnr>,
    /// The single recipient's name.
    pub recipient_name: String,
    /// The body.
    pub body: String,
    /// Template, address, merge values, recipient list and attachments.
    pub letter: DraftLetter,
}

impl From<&Draft> for DraftToSend {
    fn from(draft: &Draft) -> Self {
        Self {
            title: draft.title.clone(),
            recipient_fnr: draft.recipient_fnr.clone(),
            recipient_name: draft.recipient_name.clone().unwrap_or_default(),
            body: draft.body.clone(),
            letter: draft.letter.clone(),
        }
    }
}

/// What is sent: a draft, or a mass mailing made from a template file (the CLI's `mailing
/// create`).
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A draft (a list makes it a mass mailing when it is queued).
    Draft(&'a DraftToSend),
    /// A stored mass mailing, by id.
    Mailing(&'a str),
}

/// Why sending could not go ahead.
#[derive(Debug, thiserror::Error)]
pub enum SendingError {
    /// The draft or its letters cannot be made.
    #[error(transparent)]
    Prepare(#[from] PrepareError),
    /// The mass mailing cannot be sent (made from a draft, or its template or list is broken).
    #[error("{0}")]
    Mailing(String),
    /// Nothing can be queued: every row has a problem.
    #[error("no letter can be made from the draft; see the rows' problems")]
    NothingToSend,
    /// The KRR lookup for the preview failed.
    #[error(transparent)]
    Lookup(#[from] LookupError),
    /// The case metadata cannot be used.
    #[error("the case: {0}")]
    Case(#[from] CaseError),
    /// The same letter or list was sent before and the clerk did not say to send it again.
    #[error(
        "the same letter or recipient list was sent on {} ({} letters, \"{}\"); confirm to send it again",
        .0.at, .0.letters, .0.title
    )]
    SentBefore(EarlierSend),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a draft sends (the letter and its recipients; not the title, so a copy of a sent
/// draft is recognised), and its recipient list alone.
fn draft_fingerprints(draft: &DraftToSend, list: Option<&[u8]>) -> (String, Option<String>) {
    let letter = serde_json::to_vec(&draft.letter).expect("plain data serialises");
    let fnr = draft.recipient_fnr.as_ref().map(Fnr::expose).unwrap_or("");
    (
        hash(&[
            b"draft",
            draft.body.as_bytes(),
            fnr.as_bytes(),
            draft.recipient_name.as_bytes(),
            &letter,
        ]),
        list.map(|list| hash(&[list])),
    )
}

/// A SHA-256 hash in hex.
fn hash(parts: &[&[u8]]) -> String {
    let mut hasher = openssl::sha::Sha256::new();
    for part in parts {
        hasher.update(&(part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finish().iter().map(|b| format!("{b:02x}")).collect()
}

/// The letters made for a source, with what they will be queued as.
#[derive(Debug)]
pub struct Letters {
    /// The title (of the draft or the mailing).
    pub title: String,
    /// The stored mass mailing they belong to (a template mailing).
    mailing: Option<String>,
    /// The draft's letter part and list, when the source is a draft with a list (it becomes
    /// a mass mailing when queued).
    draft_mailing: Option<(DraftLetter, Vec<u8>)>,
    /// The letters that can be sent.
    pub ready: Vec<PreparedLetter>,
    /// Rows that cannot become a letter, or whose number may not leave: (row, reason).
    pub failed: Vec<(usize, RowError)>,
    /// What is sent (the letter and its recipients; not the title, so a copy of a sent draft
    /// is recognised).
    pub fingerprint: String,
    /// The recipient list alone, for a list.
    pub list_fingerprint: Option<String>,
    /// The case the letters are archived in (the draft's, filled from the template and the
    /// settings).
    pub case: CaseMetadata,
    /// The letters' date.
    pub date: chrono::NaiveDate,
    /// Sensitive: level-4 login and encrypted files (the draft's choice, or the template's for
    /// a template mailing; an adapter may set it, as the CLI's `--sensitive` does).
    pub sensitive: bool,
}

/// Makes every letter of `source`, dated `date` (Norwegian date of the injected clock), and
/// applies the one gate: a row whose number may not leave in `environment` is not sent.
/// The case metadata starts from `defaults` (the settings'). Writes nothing.
pub fn prepare(
    store: &Store,
    source: Source<'_>,
    environment: Environment,
    date: chrono::NaiveDate,
    defaults: &CaseMetadata,
) -> Result<Letters, SendingError> {
    let (title, mailing, draft_mailing, (ready, failed), fingerprints, case, sensitive) =
        match source {
            Source::Mailing(id) => {
                let mailing = store.get_mailing(id)?;
                let fingerprints = (
                    hash(&[b"mailing", id.as_bytes()]),
                    Some(hash(&[&mailing.recipients])),
                );
                if mailing.from_draft() {
                    return Err(SendingError::Mailing(format!(
                        "mailing {id} was made from a draft when it was sent; its letters are \
                     already in the outbox"
                    )));
                }
                let template = Template::from_file(mailing.template.as_bytes())
                    .map_err(|e| SendingError::Mailing(format!("the mailing's template: {e}")))?;
                let list = read_recipients(&mailing.recipients).map_err(|e| {
                    SendingError::Mailing(format!("the mailing's recipient list: {e}"))
                })?;
                let case = template.case.or(defaults);
                (
                    mailing.title,
                    Some(mailing.id),
                    None,
                    prepare_letters(&template, &list, date),
                    fingerprints,
                    case,
                    template.sensitive,
                )
            }
            Source::Draft(draft) => {
                let template = match &draft.letter.template_id {
                    Some(id) => Some(store.get_template(id)?.template),
                    None => None,
                };
                let text = DraftText {
                    title: &draft.title,
                    body: &draft.body,
                    recipient_fnr: draft.recipient_fnr.as_ref(),
                    recipient_name: &draft.recipient_name,
                };
                let prepared = prepare_draft(&draft.letter, text, template.as_ref(), date)?;
                let list = draft
                    .letter
                    .recipients_file()
                    .map_err(PrepareError::from)?
                    .map(|list| (draft.letter.clone(), list));
                let fingerprints =
                    draft_fingerprints(draft, list.as_ref().map(|(_, bytes)| bytes.as_slice()));
                let case = draft.letter.case.or(&template
                    .as_ref()
                    .map(|t| t.case.or(defaults))
                    .unwrap_or_else(|| defaults.clone()));
                (
                    draft.title.trim().to_owned(),
                    None,
                    list,
                    prepared,
                    fingerprints,
                    case,
                    draft.letter.sensitive,
                )
            }
        };
    case.validate()?;
    let (fingerprint, list_fingerprint) = fingerprints;
    let (ready, failed) = gated((ready, failed), environment);
    Ok(Letters {
        title,
        mailing,
        draft_mailing,
        ready,
        failed,
        fingerprint,
        list_fingerprint,
        case,
        date,
        sensitive,
    })
}

/// The letters whose numbers may leave in `environment`; the others join the failed rows.
fn gated((letters, mut failed): Prepared, environment: Environment) -> Prepared {
    let mut ready = Vec::with_capacity(letters.len());
    for letter in letters {
        let refused = gate::check(&letter.row.identifier, environment, Destination::SvarUt)
            .and_then(|()| gate::check(&letter.row.identifier, environment, Destination::Krr));
        match refused {
            Ok(()) => ready.push(letter),
            Err(refused) => failed.push((letter.row.row, RowError::from_error(&refused))),
        }
    }
    failed.sort_by_key(|(row, _)| *row);
    (ready, failed)
}

/// A row that will not be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RowFailure {
    /// The list's row (header = 1).
    pub row: u32,
    /// Why (identifiers masked; English: the CLI and the log).
    pub error: String,
    /// Why, for the UI to say in the clerk's language.
    pub problem: crate::problem::Problem,
}

fn row_failures(failed: &[(usize, RowError)]) -> Vec<RowFailure> {
    failed
        .iter()
        .map(|(row, error)| RowFailure {
            row: u32::try_from(*row).unwrap_or(u32::MAX),
            error: mask_text(&error.message),
            problem: error.problem.clone(),
        })
        .collect()
}

/// The routing and cost preview, before the clerk confirms.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct DispatchPlan {
    /// Per recipient and in totals.
    pub preview: DispatchPreview,
    /// Rows that will not be sent.
    pub failed: Vec<RowFailure>,
    /// Minutes the letters wait before they leave.
    pub hold_minutes: u32,
    /// Paper letters go to the office print batch.
    pub print_at_office: bool,
    /// The environment they will be sent in.
    pub environment: Environment,
    /// This preview's key: confirming it queues the letters once; a second confirmation of
    /// the same key queues nothing.
    pub key: String,
    /// The same letter or list sent before in this environment: the clerk is asked first.
    pub earlier: Option<EarlierSend>,
    /// Sensitive: every letter needs level-4 login and leaves encrypted; a letter that goes
    /// to paper is printed by SvarUt all the same.
    pub sensitive: bool,
    /// The title the recipient's notification shows (the public title of a sensitive letter,
    /// when one is given).
    pub notification_title: Option<String>,
}

/// What the preview needs besides the letters.
#[derive(Debug, Clone, Copy)]
pub struct PlanOptions<'a> {
    /// The environment.
    pub environment: Environment,
    /// Who looks up (the audit log's actor).
    pub actor: &'a str,
    /// Now, for the 18-month rule.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The price table.
    pub prices: &'a PriceTable,
    /// Minutes the letters will be held.
    pub hold_minutes: u32,
    /// Paper letters go to the office print batch.
    pub print_at_office: bool,
}

/// Routes the letters by a fresh KRR lookup (written to the audit log first, as every lookup
/// is; the purpose is "Utsending: <title>") and prices them. Nothing is queued: the audit
/// entry of the lookup is the only thing written.
pub async fn plan(
    store: &Store,
    letters: &Letters,
    krr: &KrrClient,
    svarut: Option<&SvarUtClient>,
    options: PlanOptions<'_>,
) -> Result<DispatchPlan, SendingError> {
    let purpose = format!("Utsending: {}", letters.title);
    let inputs = route_letters(
        &letters.ready,
        krr,
        svarut,
        store,
        &LookupContext {
            actor: options.actor,
            environment: options.environment.as_str(),
            purpose: Some(&purpose),
            now: options.now,
        },
        options.environment,
        &Cancel::default(),
    )
    .await?;
    Ok(DispatchPlan {
        preview: preview(inputs, options.prices),
        failed: row_failures(&letters.failed),
        hold_minutes: options.hold_minutes,
        print_at_office: options.print_at_office,
        environment: options.environment,
        key: uuid::Uuid::new_v4().to_string(),
        earlier: store.earlier_send(
            &letters.fingerprint,
            letters.list_fingerprint.as_deref(),
            options.environment.as_str(),
        )?,
        sensitive: letters.sensitive,
        notification_title: letters.notification_title().map(str::to_owned),
    })
}

impl Letters {
    /// The title a sensitive letter's notification shows instead of its own: the public
    /// title, when the case gives one (a mailbox notice must not reveal the content).
    pub fn notification_title(&self) -> Option<&str> {
        Some(self.case.public_title.trim()).filter(|t| self.sensitive && !t.is_empty())
    }
}

/// How a confirmed send is recorded.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// The preview's key ([`DispatchPlan::key`]); a new one when the caller has none (the
    /// CLI's `send --yes`).
    pub key: Option<String>,
    /// The draft it comes from: it becomes read-only.
    pub draft_id: Option<String>,
    /// The clerk confirmed sending again what was sent before.
    pub again: bool,
}

/// What queuing did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Queued {
    /// The mass mailing (a draft with a recipient list, or a template mailing).
    pub mailing_id: Option<String>,
    /// The letters now in the outbox.
    pub letters: Vec<String>,
    /// Rows not sent.
    pub failed: Vec<RowFailure>,
}

/// Puts the letters in the outbox, held `hold`, as `kind`, in `environment`: the mass mailing
/// (for a draft with a list), every letter and their first events in one transaction — all of
/// them or none. KRR is looked up again when each letter leaves.
pub fn queue(
    store: &Store,
    letters: Letters,
    kind: LetterKind,
    hold: chrono::Duration,
    environment: Environment,
    options: SendOptions,
) -> Result<Queued, SendingError> {
    if letters.ready.is_empty() {
        return Err(SendingError::NothingToSend);
    }
    if !options.again
        && let Some(earlier) = store.earlier_send(
            &letters.fingerprint,
            letters.list_fingerprint.as_deref(),
            environment.as_str(),
        )?
    {
        return Err(SendingError::SentBefore(earlier));
    }
    let send = NewSend {
        key: options
            .key
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        fingerprint: letters.fingerprint.clone(),
        list_fingerprint: letters.list_fingerprint.clone(),
        draft_id: options.draft_id,
        title: letters.title.clone(),
        environment: environment.as_str().to_owned(),
    };
    let failed = row_failures(&letters.failed);
    let case = &letters.case;
    let date = letters.date;
    let sensitive = letters.sensitive;
    let notification_title = letters.notification_title().map(str::to_owned);
    let new: Vec<NewLetter> = letters
        .ready
        .into_iter()
        .map(|letter| {
            let mut forsendelse = letter.forsendelse;
            let title = forsendelse.tittel.clone();
            forsendelse.metadata_fra_avleverende_system =
                Some(svarut_metadata(case, &forsendelse.tittel, date));
            if sensitive {
                // Level 4 (v3: sikkerhetsniva HOYESTE) needs encrypted files: the client
                // encrypts them when the letter leaves; the outbox keeps them plain.
                forsendelse.krev_niva4_innlogging = true;
                forsendelse.kryptert = true;
                if let Some(title) = &notification_title {
                    forsendelse.tittel = title.clone();
                    // The letter's file name is its title: the public one here too, so the
                    // real title travels nowhere unencrypted (and file name and title agree,
                    // as SvarUt's archive integrations expect).
                    if let Some(main) = forsendelse.dokumenter.first_mut() {
                        main.filnavn = crate::letters::package::file_name_for(title);
                    }
                }
            }
            NewLetter {
                mailing_id: letters.mailing.clone(),
                recipient_name: letter.row.name.clone(),
                recipient_id: Some(letter.row.identifier.clone()),
                forsendelse,
                documents: letter.documents,
                hold,
                kind,
                pages: letter.pages,
                environment: environment.as_str().to_owned(),
                case: Some(case.clone()),
                title: Some(title),
            }
        })
        .collect();
    let mailing = letters
        .draft_mailing
        .as_ref()
        .map(|(draft, list)| NewMailing {
            title: &letters.title,
            source: MailingSource::Draft(draft),
            recipients: list,
        });
    let (made, ids) = store.enqueue_send(Some(&send), mailing, new)?;
    tracing::info!(
        letters = ids.len(),
        environment = environment.as_str(),
        "letters queued"
    );
    Ok(Queued {
        mailing_id: made.or(letters.mailing),
        letters: ids,
        failed,
    })
}

/// The Noark metadata SvarUt carries to a receiving organisation's archive (v3 sends it to
/// organisations only; v2 with every forsendelse): the case number, an outgoing journal post
/// (`U`), the title the public journal may show, the case officer and the letter's date.
fn svarut_metadata(
    case: &CaseMetadata,
    title: &str,
    date: chrono::NaiveDate,
) -> NoarkMetadataFraAvleverendeSaksSystem {
    let some = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
    NoarkMetadataFraAvleverendeSaksSystem {
        saksaar: case.case_year,
        sakssekvensnummer: case.case_sequence,
        journalposttype: Some("U".into()),
        // A date-time in the spec: the start of the letter's (Norwegian) date.
        dokumentets_dato: Some(
            crate::norway::local(crate::norway::start_of(date))
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        ),
        tittel: some(&case.journal_title(title)),
        saksbehandler: some(&case.case_officer),
        ..NoarkMetadataFraAvleverendeSaksSystem::default()
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    use super::*;
    use crate::clock::SystemClock;

    fn draft() -> DraftToSend {
        let csv = "fodselsnummer;navn;adresselinje1;postnummer;poststed\n\
                   15507600333;Hanne H;Gate 1;7300;ORKANGER\n\
                   30108299920;Ekte Person;Gate 2;7300;ORKANGER\n\
                   20914695016;Tenor Testesen;Gate 3;7300;ORKANGER\n";
        DraftToSend {
            title: "Informasjon".into(),
            recipient_fnr: None,
            recipient_name: String::new(),
            body: "Hei {{navn}}.".into(),
            letter: DraftLetter {
                recipients_csv_base64: Some(base64::engine::general_purpose::STANDARD.encode(csv)),
                ..DraftLetter::default()
            },
        }
    }

    #[test]
    fn queuing_applies_the_one_gate_in_every_environment() {
        let store = Store::open_in_memory(std::sync::Arc::new(SystemClock)).unwrap();
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let draft = draft();
        let reasons = |environment| {
            let letters = prepare(
                &store,
                Source::Draft(&draft),
                environment,
                date,
                &CaseMetadata::default(),
            )
            .unwrap();
            let ready: Vec<String> = letters
                .ready
                .iter()
                .map(|l| l.row.identifier.expose())
                .collect();
            (ready, letters.failed)
        };
        // The H-number never leaves; in the sandbox the others may.
        let (ready, failed) = reasons(Environment::Sandbox);
        assert_eq!(ready, ["30108299920", "20914695016"]);
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].0, 2, "the H-number's row");
        assert!(
            failed[0].1.message.contains("never sent"),
            "{}",
            failed[0].1
        );
        assert_eq!(
            failed[0].1.problem.key,
            crate::problem::ProblemKey::IdentNotInKrr
        );
        // In Test only the synthetic (Tenor) number leaves.
        let (ready, failed) = reasons(Environment::Test);
        assert_eq!(ready, ["20914695016"]);
        assert_eq!(
            failed.iter().map(|(row, _)| *row).collect::<Vec<_>>(),
            [2, 3]
        );
        assert!(
            failed[1].1.message.contains("synthetic test numbers"),
            "{}",
            failed[1].1
        );
        assert_eq!(
            failed[1].1.problem.key,
            crate::problem::ProblemKey::IdentRealInTest
        );
        // Queued in Test: only that letter is in the outbox.
        let letters = prepare(
            &store,
            Source::Draft(&draft),
            Environment::Test,
            date,
            &CaseMetadata::default(),
        )
        .unwrap();
        let send = |again, key: &str| {
            let letters = prepare(
                &store,
                Source::Draft(&draft),
                Environment::Test,
                date,
                &CaseMetadata::default(),
            )
            .unwrap();
            queue(
                &store,
                letters,
                LetterKind::Ordinary,
                chrono::Duration::zero(),
                Environment::Test,
                SendOptions {
                    key: Some(key.to_owned()),
                    draft_id: None,
                    again,
                },
            )
        };
        let queued = send(false, "k1").unwrap();
        assert_eq!(queued.letters.len(), 1);
        assert_eq!(queued.failed.len(), 2);
        assert!(!queued.failed[1].error.contains("30108299920"), "masked");
        // Once means once: the same list again is asked about; the same preview's key
        // confirmed twice queues nothing more.
        match send(false, "k2") {
            Err(SendingError::SentBefore(earlier)) => {
                assert_eq!((earlier.letters, earlier.environment.as_str()), (1, "test"))
            }
            other => panic!("sent again unasked: {other:?}"),
        }
        assert!(matches!(
            send(true, "k1"),
            Err(SendingError::Store(StoreError::AlreadyQueued))
        ));
        assert_eq!(store.list_outbox(None).unwrap().len(), 1);
        assert_eq!(send(true, "k2").unwrap().letters.len(), 1);
        assert_eq!(store.list_outbox(None).unwrap().len(), 2);
        drop(letters);
        let outbox = store.list_outbox(None).unwrap();
        assert_eq!(
            outbox[1]
                .recipient_id
                .as_ref()
                .map(crate::ident::Identifier::expose),
            Some("20914695016".to_owned())
        );
    }
}
