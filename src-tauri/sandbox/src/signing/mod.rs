//! The signing service stand-in (`shared/specs/esignering.md`, guidance in §15): the API over
//! mutual TLS ([`api`]), a small signing page on plain loopback HTTP where a person signs or
//! rejects by hand ([`page`]), and the signed results ([`pades`]).
//!
//! Every create request is checked as the service does: the client certificate (from the
//! sandbox CA; its organisation must be the one in the path), the request and `manifest.xml`
//! against the official XSDs ([`xsd`]), the bundle's digests and XAdES signature against the
//! sandbox CA, and the limits. Signers are played over the sandbox clock, `speed` times faster
//! than real time: by default people in the synthetic population sign, reject or let the
//! deadline pass (a fixed choice per person), reserved people end a job before activation,
//! and people KRR has no usable contact information for (when the job asks for a lookup) too.
//! Statuses go to polling queues with the documented semantics: one item per job, taken off
//! when read, put back if not confirmed within the re-queue time; `X-Next-permitted-poll-time`
//! on every answer; 429 when polled early; 10 calls a second per organisation, else a 30 s
//! `DoSFilter` block.

pub mod api;
pub mod pades;
pub mod page;
pub mod tls;
pub mod xsd;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use kommunepost_core::clock::Clock;
use kommunepost_core::signing::model::{Flow, JobStatus, SignerStatus};

use crate::ca::{EnterpriseCertificate, TestCa};
use crate::population::{KrrSituation, Population};

/// What a simulated signer does once their group is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Signs after this long (sandbox time).
    Sign(Duration),
    /// Rejects after this long.
    Reject(Duration),
    /// Never acts: the deadline passes.
    Ignore,
    /// Waits for a person on the signing page.
    Manual,
}

/// Settings of the stand-in (changeable while it runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningSettings {
    /// Signers act by themselves (`false`: only the signing page moves anything).
    pub auto: bool,
    /// Seconds until an empty queue may be polled again (test: 5–30 s; production: 10 min).
    pub empty_queue_poll_seconds: i64,
    /// Seconds until a status that was read but not confirmed is queued again (10 min).
    pub requeue_seconds: i64,
}

impl Default for SigningSettings {
    fn default() -> Self {
        Self {
            auto: true,
            empty_queue_poll_seconds: 10,
            requeue_seconds: 600,
        }
    }
}

/// Who a sandbox signer is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignerId {
    /// By fødselsnummer.
    Person(String),
    /// Direct: the sender's identifier.
    Custom(String),
    /// Portal: by contact information.
    Contact {
        /// E-mail.
        email: Option<String>,
        /// Mobile.
        mobile: Option<String>,
    },
}

/// A signer in a sandbox job.
#[derive(Debug, Clone)]
pub struct SandboxSigner {
    /// The server's id of the signer (in `href`s).
    pub id: i64,
    /// The id in the signer's XAdES URL.
    pub signature_id: i64,
    /// Who.
    pub who: SignerId,
    /// The name shown on the page and the cover page.
    pub name: String,
    /// Order group.
    pub order: u8,
    /// Asked for a KRR lookup of notifications.
    pub lookup: bool,
    /// On behalf of another.
    pub on_behalf_of_other: bool,
    /// Status now.
    pub status: SignerStatus,
    /// Since when.
    pub since: DateTime<Utc>,
    /// The signing page's token for this signer.
    pub token: String,
    /// What they do.
    pub behaviour: Behaviour,
    /// The signer's XAdES, once signed.
    pub xades: Option<Vec<u8>>,
}

/// A job in the stand-in.
#[derive(Debug, Clone)]
pub struct SandboxJob {
    /// The job id.
    pub id: i64,
    /// Portal or direct.
    pub flow: Flow,
    /// The sender (the organisation in the path).
    pub sender: String,
    /// The sender's reference.
    pub reference: Option<String>,
    /// The polling queue (`None`: default). Direct jobs with `WAIT_FOR_CALLBACK` use none.
    pub queue: Option<String>,
    /// Whether statuses go to the polling queue.
    pub polling: bool,
    /// Title.
    pub title: String,
    /// Non-sensitive title.
    pub nonsensitive_title: Option<String>,
    /// Documents: (title, file name, bytes).
    pub documents: Vec<(String, String, Vec<u8>)>,
    /// Signers.
    pub signers: Vec<SandboxSigner>,
    /// Job status.
    pub status: JobStatus,
    /// Created.
    pub created: DateTime<Utc>,
    /// When the first group is activated.
    pub activation: DateTime<Utc>,
    /// Seconds each group has.
    pub available_seconds: i64,
    /// When the current group was activated (`None` before activation).
    pub group_activated: Option<(u8, DateTime<Utc>)>,
    /// Direct: exit URLs (completion, rejection, error).
    pub exit_urls: Option<(String, String, String)>,
    /// Direct: the status query token given on return.
    pub status_query_token: String,
    /// Required security level.
    pub level: String,
}

impl SandboxJob {
    fn waiting_in(&self, group: u8) -> impl Iterator<Item = usize> + '_ {
        self.signers
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.order == group && s.status == SignerStatus::Waiting)
            .map(|(i, _)| i)
    }
}

#[derive(Debug, Default)]
struct Queue {
    items: VecDeque<i64>,
    next_permitted: Option<DateTime<Utc>>,
}

type QueueKey = (String, Flow, Option<String>);

#[derive(Debug, Default)]
struct State {
    jobs: HashMap<i64, SandboxJob>,
    queues: HashMap<QueueKey, Queue>,
    /// Read but not confirmed: job → when it goes back.
    unconfirmed: HashMap<i64, DateTime<Utc>>,
    behaviours: HashMap<String, Behaviour>,
    calls: HashMap<String, VecDeque<DateTime<Utc>>>,
    blocked: HashMap<String, DateTime<Utc>>,
    early_polls: usize,
    polls: usize,
    created: usize,
    /// Direct flow: one-time redirect tokens → the signer's page token.
    redirects: HashMap<String, String>,
}

/// The stand-in.
pub struct SigningDouble {
    population: Arc<Population>,
    clock: Arc<dyn Clock>,
    ca: TestCa,
    seal: EnterpriseCertificate,
    allowed_senders: Vec<String>,
    state: Mutex<State>,
    settings: Mutex<SigningSettings>,
    speed: AtomicU32,
    next_id: AtomicI64,
    api_base: Mutex<String>,
    page_base: Mutex<String>,
    rate_limit: AtomicBool,
    create_delay_ms: AtomicU64,
}

impl std::fmt::Debug for SigningDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningDouble").finish_non_exhaustive()
    }
}

fn token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

impl SigningDouble {
    /// A stand-in that accepts jobs from `allowed_senders` (client certificates from `ca`).
    pub fn new(
        population: Arc<Population>,
        clock: Arc<dyn Clock>,
        ca: TestCa,
        allowed_senders: Vec<String>,
    ) -> Result<Self, openssl::error::ErrorStack> {
        let seal = ca.issue(
            kommunepost_core::signing::client::POSTEN_ORG_NUMBER,
            "Posten Bring AS",
            3650,
        )?;
        Ok(Self {
            population,
            clock,
            ca,
            seal,
            allowed_senders,
            state: Mutex::new(State::default()),
            settings: Mutex::new(SigningSettings::default()),
            speed: AtomicU32::new(1),
            next_id: AtomicI64::new(1000),
            api_base: Mutex::new(String::new()),
            page_base: Mutex::new(String::new()),
            rate_limit: AtomicBool::new(true),
            create_delay_ms: AtomicU64::new(0),
        })
    }

    /// The server certificate (Posten's organisation number; also the PAdES seal).
    pub fn server_certificate(&self) -> &EnterpriseCertificate {
        &self.seal
    }

    /// The CA.
    pub fn ca(&self) -> &TestCa {
        &self.ca
    }

    pub(crate) fn set_bases(&self, api: String, page: String) {
        *self.api_base.lock().expect("not poisoned") = api;
        *self.page_base.lock().expect("not poisoned") = page;
    }

    /// `https://127.0.0.1:<port>/api`.
    pub fn api_base(&self) -> String {
        self.api_base.lock().expect("not poisoned").clone()
    }

    /// `http://127.0.0.1:<port>`: the signing page.
    pub fn page_base(&self) -> String {
        self.page_base.lock().expect("not poisoned").clone()
    }

    /// Current settings.
    pub fn settings(&self) -> SigningSettings {
        *self.settings.lock().expect("not poisoned")
    }

    /// Changes the settings.
    pub fn set_settings(&self, settings: SigningSettings) {
        *self.settings.lock().expect("not poisoned") = settings;
    }

    /// Plays signers `speed` times faster than real time (deadlines too).
    pub fn set_speed(&self, speed: u32) {
        self.speed.store(speed.max(1), Ordering::SeqCst);
    }

    /// Turns the 10-calls-a-second limit off (for benches) or on.
    pub fn set_rate_limit(&self, on: bool) {
        self.rate_limit.store(on, Ordering::SeqCst);
    }

    /// Fault: a created job's answer is held back this long (the job exists meanwhile), as
    /// when the answer to a create is lost to a timeout.
    pub fn set_create_delay(&self, delay: std::time::Duration) {
        self.create_delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    pub(crate) fn create_delay(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.create_delay_ms.load(Ordering::SeqCst))
    }

    /// Makes the person with `fnr` behave as `behaviour` in jobs created from now on.
    pub fn set_behaviour(&self, fnr: &str, behaviour: Behaviour) {
        self.state
            .lock()
            .expect("not poisoned")
            .behaviours
            .insert(fnr.to_owned(), behaviour);
    }

    /// Polls answered 429 because they came before the permitted time, and all polls.
    pub fn poll_counts(&self) -> (usize, usize) {
        let state = self.state.lock().expect("not poisoned");
        (state.early_polls, state.polls)
    }

    /// Jobs accepted.
    pub fn created_count(&self) -> usize {
        self.state.lock().expect("not poisoned").created
    }

    /// A job as it stands now (after playing the clock forward).
    pub fn job(&self, id: i64) -> Option<SandboxJob> {
        let now = self.clock.now();
        let mut state = self.state.lock().expect("not poisoned");
        self.advance(&mut state, now);
        state.jobs.get(&id).cloned()
    }

    /// Every job, newest first.
    pub fn jobs(&self) -> Vec<SandboxJob> {
        let now = self.clock.now();
        let mut state = self.state.lock().expect("not poisoned");
        self.advance(&mut state, now);
        let mut jobs: Vec<SandboxJob> = state.jobs.values().cloned().collect();
        jobs.sort_by_key(|j| std::cmp::Reverse(j.id));
        jobs
    }

    /// The default behaviour of a person: a fixed choice from their number, so a demo is
    /// the same every time — most sign within hours, one in ten rejects, one in ten never
    /// acts. Signers named only by contact information sign after an hour.
    pub fn behaviour_of(&self, who: &SignerId) -> Behaviour {
        if !self.settings().auto {
            return Behaviour::Manual;
        }
        let SignerId::Person(fnr) = who else {
            return Behaviour::Sign(Duration::hours(1));
        };
        if let Some(b) = self.state.lock().expect("not poisoned").behaviours.get(fnr) {
            return *b;
        }
        let sum: u32 = fnr.bytes().map(|b| u32::from(b - b'0')).sum();
        match sum % 10 {
            0 => Behaviour::Reject(Duration::hours(2)),
            1 => Behaviour::Ignore,
            n => Behaviour::Sign(Duration::hours(i64::from(n % 5) + 1)),
        }
    }

    fn name_of(&self, who: &SignerId) -> String {
        match who {
            SignerId::Person(fnr) => self
                .population
                .person(fnr)
                .map(|p| format!("{} {}", p.given_name, p.family_name))
                .unwrap_or_else(|| "Ukjent person".to_owned()),
            SignerId::Custom(id) => id.clone(),
            SignerId::Contact { email, mobile } => {
                email.clone().or_else(|| mobile.clone()).unwrap_or_default()
            }
        }
    }

    /// Scales a sandbox duration to the clock: `speed` times shorter.
    fn scaled(&self, d: Duration) -> Duration {
        let speed = i64::from(self.speed.load(Ordering::SeqCst).max(1));
        Duration::milliseconds(d.num_milliseconds() / speed)
    }

    fn enqueue(state: &mut State, job: &SandboxJob) {
        if !job.polling {
            return;
        }
        let key = (job.sender.clone(), job.flow, job.queue.clone());
        let queue = state.queues.entry(key).or_default();
        // One item per job (whether the service merges changes is UNCONFIRMED; an item shows
        // the job as it is when read, so merging loses nothing).
        if !queue.items.contains(&job.id) {
            queue.items.push_back(job.id);
        }
        state.unconfirmed.remove(&job.id);
    }

    /// Plays every job forward to `now`: activations, simulated signers, deadlines; and puts
    /// unconfirmed statuses back in their queues when their time is up.
    fn advance(&self, state: &mut State, now: DateTime<Utc>) {
        let ids: Vec<i64> = state.jobs.keys().copied().collect();
        for id in ids {
            while let Some(job) = state.jobs.get_mut(&id) {
                if !self.step(job, now) {
                    break;
                }
                let job = job.clone();
                Self::enqueue(state, &job);
            }
        }
        let due: Vec<i64> = state
            .unconfirmed
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            state.unconfirmed.remove(&id);
            if let Some(job) = state.jobs.get(&id).cloned() {
                Self::enqueue(state, &job);
            }
        }
    }

    /// One event of `job` due by `now`, in time order; whether anything happened.
    fn step(&self, job: &mut SandboxJob, now: DateTime<Utc>) -> bool {
        if job.status != JobStatus::InProgress {
            return false;
        }
        if job.group_activated.is_none() {
            let start = job.activation.max(job.created);
            if start > now {
                return false;
            }
            let first = job.signers.iter().map(|s| s.order).min().unwrap_or(0);
            job.group_activated = Some((first, start));
        }
        let Some((group, activated)) = job.group_activated else {
            return false;
        };
        let deadline = activated + self.scaled(Duration::seconds(job.available_seconds));
        // The earliest simulated action in the active group.
        let next = job
            .waiting_in(group)
            .filter_map(|i| match job.signers[i].behaviour {
                Behaviour::Sign(after) => Some((activated + self.scaled(after), i, true)),
                Behaviour::Reject(after) => Some((activated + self.scaled(after), i, false)),
                Behaviour::Ignore | Behaviour::Manual => None,
            })
            .min_by_key(|(at, i, _)| (*at, *i));
        match next {
            Some((at, i, sign)) if at <= now && at < deadline => {
                self.act(job, i, sign, at);
                true
            }
            _ if deadline <= now => {
                for s in &mut job.signers {
                    if s.status == SignerStatus::Waiting {
                        // UNCONFIRMED which value later groups get; the active group's
                        // signers expire, the others are NOT_APPLICABLE.
                        s.status = if s.order == group {
                            SignerStatus::Expired
                        } else {
                            SignerStatus::NotApplicable
                        };
                        s.since = deadline;
                    }
                }
                job.status = JobStatus::Failed;
                true
            }
            _ => false,
        }
    }

    /// Signer `i` of `job` signs (or rejects) at `at`; the job moves on.
    fn act(&self, job: &mut SandboxJob, i: usize, sign: bool, at: DateTime<Utc>) {
        if sign {
            let documents: Vec<(String, Vec<u8>)> = job
                .documents
                .iter()
                .map(|(_, name, bytes)| (name.clone(), bytes.clone()))
                .collect();
            let xades = self
                .ca
                .issue_person(&job.signers[i].name, 365)
                .map_err(|e| e.to_string())
                .and_then(|cert| pades::xades(&documents, &cert, &self.ca, at));
            match xades {
                Ok(xades) => {
                    job.signers[i].xades = Some(xades);
                    job.signers[i].status = SignerStatus::Signed;
                }
                Err(error) => {
                    tracing::error!(%error, "sandbox signing: cannot make the XAdES");
                    job.signers[i].status = SignerStatus::Failed;
                }
            }
        } else {
            job.signers[i].status = SignerStatus::Rejected;
        }
        job.signers[i].since = at;
        if job.signers[i].status != SignerStatus::Signed {
            for s in &mut job.signers {
                if s.status == SignerStatus::Waiting {
                    s.status = SignerStatus::NotApplicable;
                    s.since = at;
                }
            }
            job.status = JobStatus::Failed;
            return;
        }
        let Some((group, _)) = job.group_activated else {
            return;
        };
        if job.waiting_in(group).next().is_some() {
            return;
        }
        match job
            .signers
            .iter()
            .filter(|s| s.status == SignerStatus::Waiting)
            .map(|s| s.order)
            .min()
        {
            Some(next) => job.group_activated = Some((next, at)),
            None => job.status = JobStatus::CompletedSuccessfully,
        }
    }

    /// A person on the signing page signs or rejects: `token` is the signer's page token.
    /// The job and the signer's index, or why not.
    pub fn act_by_hand(&self, token: &str, sign: bool) -> Result<(i64, usize), String> {
        let now = self.clock.now();
        let mut state = self.state.lock().expect("not poisoned");
        self.advance(&mut state, now);
        let (id, i) = state
            .jobs
            .values()
            .find_map(|j| {
                j.signers
                    .iter()
                    .position(|s| s.token == token)
                    .map(|i| (j.id, i))
            })
            .ok_or("Ukjent lenke")?;
        let job = state.jobs.get_mut(&id).expect("found above");
        if job.status != JobStatus::InProgress {
            return Err("Oppdraget er avsluttet".into());
        }
        if job.signers[i].status != SignerStatus::Waiting {
            return Err("Du har allerede behandlet dette dokumentet".into());
        }
        if job.group_activated.map(|(g, _)| g) != Some(job.signers[i].order) {
            return Err("Det er ikke din tur til å signere ennå".into());
        }
        self.act(job, i, sign, now);
        let job = job.clone();
        Self::enqueue(&mut state, &job);
        Ok((id, i))
    }

    /// The KRR check a public sender's job goes through before activation: reserved people
    /// and people without usable contact information (when a lookup is asked for) end it.
    fn krr_check(&self, signer: &SandboxSigner) -> Option<SignerStatus> {
        let SignerId::Person(fnr) = &signer.who else {
            return None;
        };
        if signer.on_behalf_of_other {
            return None;
        }
        let situation = self.population.person(fnr).map(|p| p.situation);
        // A public sender's job ends before activation when a signer is reserved or not in
        // KRR at all (sheet §8.3; the exact statuses are UNCONFIRMED: RESERVED and
        // CONTACT_INFORMATION_MISSING are the schema's words for it). Contact information
        // older than 18 months only matters when the service is asked to look it up.
        match situation {
            Some(KrrSituation::Reserved) => Some(SignerStatus::Reserved),
            Some(KrrSituation::Deleted | KrrSituation::NotRegistered) | None => {
                Some(SignerStatus::ContactInformationMissing)
            }
            Some(KrrSituation::ContactExpired) if signer.lookup => {
                Some(SignerStatus::ContactInformationMissing)
            }
            _ => None,
        }
    }

    /// Direct flow: a new one-time redirect token for the signer with page token `page`.
    pub(crate) fn new_redirect(&self, page: &str) -> String {
        let one_time = token();
        self.state
            .lock()
            .expect("not poisoned")
            .redirects
            .insert(one_time.clone(), page.to_owned());
        one_time
    }

    /// Uses up a one-time redirect token: the signer's page token, once.
    pub(crate) fn take_redirect(&self, one_time: &str) -> Option<String> {
        self.state
            .lock()
            .expect("not poisoned")
            .redirects
            .remove(one_time)
    }

    pub(crate) fn new_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::SeqCst)
    }

    /// Accepts a checked job: the KRR check, then activation on the clock.
    pub(crate) fn accept(&self, mut job: SandboxJob) -> SandboxJob {
        let mut failed = false;
        for s in &mut job.signers {
            if let Some(status) = self.krr_check(s) {
                s.status = status;
                failed = true;
            }
        }
        if failed {
            for s in &mut job.signers {
                if s.status == SignerStatus::Waiting {
                    s.status = SignerStatus::NotApplicable;
                }
            }
            job.status = JobStatus::Failed;
        }
        let mut state = self.state.lock().expect("not poisoned");
        state.created += 1;
        if failed {
            Self::enqueue(&mut state, &job);
        }
        state.jobs.insert(job.id, job.clone());
        let now = self.clock.now();
        self.advance(&mut state, now);
        state.jobs.get(&job.id).cloned().unwrap_or(job)
    }

    /// Counts a call by `org`: `Err(())` when over 10 a second (and from then on blocked for
    /// 30 s).
    pub(crate) fn count_call(&self, org: &str) -> Result<(), ()> {
        if !self.rate_limit.load(Ordering::SeqCst) {
            return Ok(());
        }
        let now = self.clock.now();
        let mut state = self.state.lock().expect("not poisoned");
        if state.blocked.get(org).is_some_and(|until| *until > now) {
            return Err(());
        }
        let calls = state.calls.entry(org.to_owned()).or_default();
        while calls
            .front()
            .is_some_and(|t| now - *t >= Duration::seconds(1))
        {
            calls.pop_front();
        }
        if calls.len() >= 10 {
            state
                .blocked
                .insert(org.to_owned(), now + Duration::seconds(30));
            return Err(());
        }
        calls.push_back(now);
        Ok(())
    }
}
