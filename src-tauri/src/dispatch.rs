//! Utsending in the app: the SvarUt client of the current environment, the routing and cost
//! preview of a draft, queuing it, and the background worker that sends and tracks. What
//! crosses to the UI is masked: names and `010180 *****`, never a full fødselsnummer.

use kommunepost_core::problem::{Explain, Problem, ProblemKey};
use std::sync::Arc;

use kommunepost_core::background::{self, RoundReport};
use kommunepost_core::config::{DispatchSettings, Environment};
use kommunepost_core::dispatch::PrepareError;
use kommunepost_core::ident::Fnr;
use kommunepost_core::lookup::os_user;
use kommunepost_core::mask::text as mask_text;
use kommunepost_core::norway;
use kommunepost_core::outbox::{AuditAs, Worker};
pub use kommunepost_core::overview::{
    self, Advice, ChannelStats, Dashboard, StatusCount, advice_for,
};
use kommunepost_core::sending::{self, DraftToSend, Letters, PlanOptions, SendingError, Source};
pub use kommunepost_core::sending::{DispatchPlan, Queued, RowFailure};
use kommunepost_core::store::{LetterKind, OutboxLetter, OutboxState, Store};
use kommunepost_core::svarut::{
    SvarUtClient, load_integration_password, save_integration_password,
};
use serde::{Deserialize, Serialize};

use crate::commands::letters::DraftForm;
use crate::error::{CommandError, ErrorCode};
use crate::state::AppState;

/// The most letters a list on screen shows (newest first); the dashboard counts them all.
pub const LIST_LIMIT: u32 = 500;

/// A letter in a list: the recipient masked, where it went and how far it has come.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct OutboxRow {
    /// The letter's id (also SvarUt's `eksternReferanse`).
    pub id: String,
    /// Its mass mailing.
    pub mailing_id: Option<String>,
    /// Title.
    pub title: String,
    /// Name and masked identifier.
    pub recipient: String,
    /// Decision, advance notice or ordinary.
    pub kind: LetterKind,
    /// Where it is in the outbox.
    pub state: OutboxState,
    /// The channel routed at send time: `digital_postkasse`, `altinn`, `svarinn`, `papir`.
    pub route: Option<String>,
    /// The channel SvarUt's statuses show it took (the first status naming one).
    pub seen_route: Option<String>,
    /// The last SvarUt status (any value, shown as written when unknown).
    pub status: Option<String>,
    /// When that status was set.
    pub status_at: Option<String>,
    /// Queued at (RFC 3339).
    pub created_at: String,
    /// When it may leave (held letters can be recalled until then).
    pub release_at: String,
    /// The last error, identifiers masked (English: the log; the UI shows `last_problem`).
    pub last_error: Option<String>,
    /// The last error, for the UI to say in the clerk's language.
    pub last_problem: Option<Problem>,
    /// Printed at the office instead of through SvarUt.
    pub local_print: bool,
    /// What the clerk did about an exception or reminder.
    pub handled_note: Option<String>,
    /// Pages.
    pub pages: u32,
    /// Sensitive: level-4 login, sent encrypted.
    pub sensitive: bool,
}

impl From<&OutboxLetter> for OutboxRow {
    fn from(letter: &OutboxLetter) -> Self {
        let recipient = match &letter.recipient_id {
            Some(id) => format!("{} ({})", letter.recipient_name, id.masked()),
            None => letter.recipient_name.clone(),
        };
        Self {
            id: letter.id.clone(),
            mailing_id: letter.mailing_id.clone(),
            title: letter.title.clone(),
            recipient,
            kind: letter.kind,
            state: letter.state,
            route: letter.route.clone(),
            seen_route: letter.seen_route.clone(),
            status: letter.status.clone(),
            status_at: letter.status_at.clone(),
            created_at: letter.created_at.to_rfc3339(),
            release_at: letter.release_at.to_rfc3339(),
            last_error: letter.last_error.as_deref().map(mask_text),
            last_problem: letter.last_problem.clone(),
            local_print: letter.local_print,
            handled_note: letter.handled_note.clone(),
            pages: letter.pages,
            sensitive: letter.forsendelse.krev_niva4_innlogging,
        }
    }
}

/// One line of a timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct TimelineEvent {
    /// When (RFC 3339 or as SvarUt wrote it).
    pub at: String,
    /// What happened (as the outbox or SvarUt wrote it).
    pub text: String,
    /// For a failure, what went wrong, for the UI to say in the clerk's language.
    pub problem: Option<Problem>,
}

/// A letter with its timeline.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct LetterDetail {
    /// The letter.
    pub letter: OutboxRow,
    /// What happened in the outbox, oldest first.
    pub events: Vec<TimelineEvent>,
    /// SvarUt's own events (`hendelser`), when it has the letter.
    pub svarut_events: Vec<TimelineEvent>,
    /// Why SvarUt's events could not be fetched.
    pub svarut_error: Option<Problem>,
    /// SvarUt's id.
    pub svarut_id: Option<String>,
    /// The send-time KRR lookup: when, and the routing it gave (as stored).
    pub krr_evidence: Option<String>,
    /// The same, read back for the screen to put in words.
    pub krr_check: Option<kommunepost_core::outbox::KrrCheck>,
    /// What to do, when it failed.
    pub advice: Option<Advice>,
}

/// The SvarUt setup of a real environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SvarUtSetup {
    /// `kontoId`.
    pub konto_id: String,
    /// The Fiks integration's id.
    pub integrasjon_id: String,
    /// Whether its password is in the OS credential store.
    pub has_password: bool,
}

impl From<SendingError> for CommandError {
    fn from(error: SendingError) -> Self {
        match error {
            SendingError::Prepare(error) => error.into(),
            SendingError::Lookup(error) => error.into(),
            SendingError::Store(error) => error.into(),
            SendingError::SentBefore(_) => Self::explained(ErrorCode::AlreadySent, &error),
            SendingError::Case(_) => Self::explained(ErrorCode::InvalidCase, &error),
            SendingError::NothingToSend | SendingError::Mailing(_) => {
                Self::new(ErrorCode::LetterNotReady, mask_text(&error.to_string()))
                    .with_detail(error.problem())
            }
        }
    }
}

impl From<PrepareError> for CommandError {
    fn from(error: PrepareError) -> Self {
        match error {
            PrepareError::Draft(draft) => draft.into(),
            other => Self::explained(ErrorCode::LetterNotReady, &other),
        }
    }
}

impl From<kommunepost_core::svarut::SvarUtError> for CommandError {
    fn from(error: kommunepost_core::svarut::SvarUtError) -> Self {
        let code = if error.is_permanent() {
            ErrorCode::ServiceRefused
        } else {
            ErrorCode::ServiceUnavailable
        };
        Self::new(code, mask_text(&error.to_string())).with_detail(error.problem())
    }
}

impl AppState {
    fn store(&self) -> Result<Arc<Store>, CommandError> {
        Ok(self.session().store()?)
    }

    /// The SvarUt client of the current environment (built once, then reused with its token).
    pub async fn svarut_client(&self) -> Result<(Environment, Arc<SvarUtClient>), CommandError> {
        let mut cached = self.svarut.lock().await;
        let environment = self.settings().environment;
        if let Some((env, client)) = cached.as_ref()
            && *env == environment
        {
            return Ok((*env, client.clone()));
        }
        let client = Arc::new(self.with_services(environment, |s| s.svarut()).await?);
        *cached = Some((environment, client.clone()));
        Ok((environment, client))
    }

    /// Saves the SvarUt account and Fiks integration of a real environment; the password (when
    /// given) only in the OS credential store.
    pub async fn save_svarut_setup(
        &self,
        environment: Environment,
        konto_id: &str,
        integrasjon_id: &str,
        password: Option<&str>,
    ) -> Result<SvarUtSetup, CommandError> {
        let (konto_id, integrasjon_id) = (konto_id.trim(), integrasjon_id.trim());
        let uuid = |text: &str| {
            text.len() == 36
                && text.char_indices().all(|(i, c)| {
                    if matches!(i, 8 | 13 | 18 | 23) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                })
        };
        if environment == Environment::Sandbox {
            return Err(CommandError::new(
                ErrorCode::InvalidSettings,
                "the sandbox has its own SvarUt account",
            )
            .with_detail(Problem::new(ProblemKey::SandboxOwnAccount)));
        }
        if !uuid(konto_id) || !uuid(integrasjon_id) {
            return Err(CommandError::new(
                ErrorCode::InvalidSettings,
                "the account id and the integration id are UUIDs (as in the KS Fiks configuration)",
            )
            .with_detail(Problem::new(ProblemKey::SvarUtIdsNotUuid)));
        }
        if let Some(password) = password.filter(|p| !p.is_empty()) {
            let store = self
                .credentials
                .clone()
                .map_err(|e| CommandError::explained(ErrorCode::CredentialStore, &e))?;
            save_integration_password(store.as_ref(), environment, password)
                .map_err(|e| CommandError::explained(ErrorCode::CredentialStore, &e))?;
        }
        self.update_settings(|settings| {
            if let Some(env) = settings.environment_settings_mut(environment) {
                env.svarut_konto_id = Some(konto_id.to_owned());
                env.integrasjon_id = Some(integrasjon_id.to_owned());
            }
        })?;
        *self.svarut.lock().await = None;
        self.svarut_setup(environment)
    }

    /// The SvarUt setup of a real environment (`None` for the sandbox or when not set up).
    pub fn svarut_setup(&self, environment: Environment) -> Result<SvarUtSetup, CommandError> {
        let settings = self.settings();
        let env = settings
            .environment_settings(environment)
            .cloned()
            .unwrap_or_default();
        let has_password = match &self.credentials {
            Ok(store) => load_integration_password(store.as_ref(), environment)
                .map_err(|e| CommandError::explained(ErrorCode::CredentialStore, &e))?
                .is_some(),
            Err(_) => false,
        };
        Ok(SvarUtSetup {
            konto_id: env.svarut_konto_id.unwrap_or_default(),
            integrasjon_id: env.integrasjon_id.unwrap_or_default(),
            has_password,
        })
    }

    /// Saves hold time, office print and prices.
    pub async fn save_dispatch_settings(
        &self,
        dispatch: DispatchSettings,
    ) -> Result<(), CommandError> {
        if dispatch.hold_minutes > 24 * 60 {
            return Err(CommandError::new(
                ErrorCode::InvalidSettings,
                "hold letters at most 24 hours",
            )
            .with_detail(Problem::new(ProblemKey::HoldTooLong)));
        }
        if !(1..=16).contains(&dispatch.svarut_in_flight) {
            return Err(CommandError::new(
                ErrorCode::InvalidSettings,
                "SvarUt sends in flight: 1 to 16",
            )
            .with_detail(Problem::new(ProblemKey::InFlightRange)));
        }
        let prices = &dispatch.prices;
        let all = [
            prices.digital_transport,
            prices.altinn,
            prices.svarinn,
            prices.print_first_sheet,
            prices.print_extra_sheet,
            prices.postage,
            dispatch.saving_per_letter,
        ];
        if all
            .iter()
            .chain(prices.digital_tiers.iter().map(|(_, kr)| kr))
            .any(|kr| !kr.is_finite() || *kr < 0.0)
        {
            return Err(CommandError::new(
                ErrorCode::InvalidSettings,
                "prices are amounts of 0 kr or more",
            )
            .with_detail(Problem::new(ProblemKey::PriceNegative)));
        }
        self.update_settings(|settings| settings.dispatch = dispatch)?;
        // The REST flavour may have changed: the next use builds the client anew.
        *self.svarut.lock().await = None;
        Ok(())
    }

    fn letters(&self, draft: &DraftForm) -> Result<Letters, CommandError> {
        let recipient_fnr = match draft.recipient_fnr.trim() {
            "" => None,
            text => Some(
                Fnr::parse(text)
                    .map_err(|e| CommandError::explained(ErrorCode::InvalidIdentifier, &e))?,
            ),
        };
        let draft = DraftToSend {
            title: draft.title.clone(),
            recipient_fnr,
            recipient_name: draft.recipient_name.clone(),
            body: draft.body.clone(),
            letter: draft.letter.clone(),
        };
        let store = self.store()?;
        let settings = self.settings();
        Ok(sending::prepare(
            &store,
            Source::Draft(&draft),
            settings.environment,
            norway::date(self.clock().now()),
            &settings.archive.defaults,
        )?)
    }

    /// Makes the draft's letters and routes them with a fresh KRR lookup (audited): the
    /// preview the clerk confirms. Nothing is queued.
    pub async fn dispatch_plan(&self, draft: &DraftForm) -> Result<DispatchPlan, CommandError> {
        let letters = self.letters(draft)?;
        let store = self.store()?;
        let (environment, krr) = self.krr_client().await?;
        // Without a SvarUt setup the preview still shows organisations (as Altinn).
        let svarut = self.svarut_client().await.ok().map(|(_, client)| client);
        let settings = self.settings();
        Ok(sending::plan(
            &store,
            &letters,
            &krr,
            svarut.as_deref(),
            PlanOptions {
                environment,
                actor: &os_user(),
                now: self.clock().now(),
                prices: &settings.dispatch.prices,
                hold_minutes: settings.dispatch.hold_minutes,
                print_at_office: settings.dispatch.print_at_office,
            },
        )
        .await?)
    }

    /// Puts the draft's letters in the outbox, held for the configured time, in one
    /// transaction. KRR is looked up again when each letter leaves.
    pub fn queue_draft(
        &self,
        draft: &DraftForm,
        kind: LetterKind,
        key: &str,
        again: bool,
    ) -> Result<Queued, CommandError> {
        let letters = self.letters(draft)?;
        let settings = self.settings();
        Ok(sending::queue(
            &*self.store()?,
            letters,
            kind,
            chrono::Duration::minutes(i64::from(settings.dispatch.hold_minutes)),
            settings.environment,
            sending::SendOptions {
                key: Some(key.to_owned()),
                draft_id: draft.id.clone(),
                again,
            },
        )?)
    }

    /// One round of the background worker in the current environment: every due letter, then
    /// (with `track`) the statuses of sent ones. Only the holder of the store's worker lock
    /// calls this.
    pub async fn outbox_round(&self, track: bool) -> Result<RoundReport, CommandError> {
        let store = self.store()?;
        let settings = self.settings();
        let current = settings.environment.as_str();
        // Nothing for SvarUt or KRR: no clients are built, and the sandbox is not started for
        // an idle round (it starts when a page or a letter needs it).
        if !background::outbox_work(&store, current, track)? {
            return Ok(background::archive_round(
                &store,
                current,
                &settings.archive,
                self.clock().now(),
            )?);
        }
        let (environment, svarut) = self.svarut_client().await?;
        let (_, krr) = self.krr_client().await?;
        let worker = Worker::new(
            store,
            svarut,
            Some(krr),
            self.clock(),
            AuditAs {
                actor: os_user(),
                environment: environment.as_str().to_owned(),
            },
        )
        .with_dispatch(&settings.dispatch)
        .with_lease(kommunepost_core::outbox::lease_for(&settings.timeouts))
        .with_archive(settings.archive.clone());
        Ok(background::outbox_round(&worker, track).await?)
    }

    /// The newest letters (at most [`LIST_LIMIT`]), of one mass mailing when given.
    pub fn outbox_rows(&self, mailing_id: Option<&str>) -> Result<Vec<OutboxRow>, CommandError> {
        Ok(self
            .store()?
            .recent_letters(self.settings().environment.as_str(), mailing_id, LIST_LIMIT)?
            .iter()
            .map(OutboxRow::from)
            .collect())
    }

    /// A letter with its timeline and, when SvarUt has it, SvarUt's events.
    pub async fn letter_detail(&self, id: &str) -> Result<LetterDetail, CommandError> {
        let store = self.store()?;
        let letter = store.get_letter(id)?;
        let events = store
            .letter_timeline(id)?
            .into_iter()
            .map(|(at, text, problem)| TimelineEvent {
                at,
                text: mask_text(&text),
                problem,
            })
            .collect();
        let (mut svarut_events, mut svarut_error) = (Vec::new(), None);
        if let Some(svarut_id) = &letter.svarut_id
            && letter.environment == self.settings().environment.as_str()
        {
            match self.svarut_client().await {
                Ok((_, client)) => match client.hendelser(svarut_id).await {
                    Ok(found) => {
                        svarut_events = found
                            .into_iter()
                            .map(|h| TimelineEvent {
                                at: h.tidspunkt,
                                text: mask_text(&h.hendelse),
                                problem: None,
                            })
                            .collect();
                    }
                    Err(error) => svarut_error = Some(error.problem()),
                },
                Err(error) => {
                    svarut_error = Some(
                        error
                            .detail
                            .unwrap_or_else(|| Problem::new(ProblemKey::Internal)),
                    )
                }
            }
        }
        Ok(LetterDetail {
            letter: OutboxRow::from(&letter),
            events,
            svarut_events,
            svarut_error,
            svarut_id: letter.svarut_id.clone(),
            krr_evidence: letter.krr_evidence.clone(),
            krr_check: letter
                .krr_evidence
                .as_deref()
                .and_then(kommunepost_core::outbox::krr_check),
            advice: (letter.state == OutboxState::Failed).then(|| advice_for(&letter)),
        })
    }

    /// The exceptions inbox, with what to do for each.
    pub fn exception_rows(&self) -> Result<Vec<(OutboxRow, Advice)>, CommandError> {
        Ok(self
            .store()?
            .exceptions(self.settings().environment.as_str())?
            .iter()
            .map(|l| (OutboxRow::from(l), advice_for(l)))
            .collect())
    }

    /// The dashboard for the current month in Norway (core's overview).
    pub fn dashboard(&self) -> Result<Dashboard, CommandError> {
        let settings = self.settings();
        Ok(overview::dashboard(
            &*self.store()?,
            settings.environment.as_str(),
            &settings.dispatch.prices,
            self.clock().now(),
        )?)
    }

    /// Writes the office print batch (the given letters, in order) as one PDF to the Downloads
    /// folder; returns where. The file holds letters as they would be posted (name and
    /// address, never a fødselsnummer on the first page).
    pub fn export_print_batch(&self, ids: &[String]) -> Result<String, CommandError> {
        if ids.is_empty() {
            return Err(CommandError::new(
                ErrorCode::LetterNotReady,
                "choose the letters to print",
            )
            .with_detail(Problem::new(ProblemKey::NothingChosen)));
        }
        let store = self.store()?;
        let mut documents = Vec::new();
        for id in ids {
            let letter = store.get_letter(id)?;
            if !letter.local_print || letter.state != OutboxState::Sent {
                return Err(CommandError::new(
                    ErrorCode::LetterNotReady,
                    format!("«{}» is not waiting for print at the office", letter.title),
                )
                .with_detail(
                    Problem::new(ProblemKey::NotWaitingForPrint).with("title", &letter.title),
                ));
            }
            documents.extend(store.letter_documents(id)?);
        }
        let (first, rest) = documents.split_first().expect("at least one letter");
        let rest: Vec<&[u8]> = rest.iter().map(Vec::as_slice).collect();
        let merged = kommunepost_core::letters::pdf::append::append(first, &rest)
            .map_err(|e| CommandError::explained(ErrorCode::InvalidAttachment, &e))?;
        let stamp = norway::local(self.clock().now()).format("%Y-%m-%d-%H%M");
        let name = format!("utskrift-{stamp}.pdf");
        let path =
            kommunepost_core::paths::export_file(&self.paths().export_dir, &name, &merged.bytes)
                .map_err(|e| {
                    CommandError::new(ErrorCode::Internal, format!("writing {name}: {e}"))
                        .with_detail(Problem::new(ProblemKey::FileWriteFailed).with("name", &name))
                })?;
        Ok(path.display().to_string())
    }
}
