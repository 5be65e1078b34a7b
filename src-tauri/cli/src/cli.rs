//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Kommunepost for IT staff and batch jobs: identifiers, the encrypted store, the sandbox.
#[derive(Debug, Parser)]
#[command(name = "kommunepost", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Data directory (store, settings, logs). Default: the app's own, so the CLI and the app
    /// share one store.
    #[arg(long, global = true, env = "KOMMUNEPOST_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Environment: sandbox, test or prod. Default: the settings file's.
    #[arg(long = "env", global = true, value_name = "ENV")]
    pub environment: Option<String>,
    /// Maskinporten issuer URL (overrides the environment's).
    #[arg(long, global = true, value_name = "URL")]
    pub maskinporten_url: Option<String>,
    /// KRR base URL.
    #[arg(long, global = true, value_name = "URL")]
    pub krr_url: Option<String>,
    /// SvarUt API base URL.
    #[arg(long, global = true, value_name = "URL")]
    pub svarut_url: Option<String>,
    /// Signing API base URL.
    #[arg(long, global = true, value_name = "URL")]
    pub signing_url: Option<String>,
    /// Read the store passphrase from this file (first line). Also KOMMUNEPOST_PASSPHRASE.
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Log to stderr as well as to the log file.
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Norwegian identifiers.
    #[command(subcommand)]
    Ident(IdentCommand),
    /// The encrypted local store.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Local stand-ins for the external services.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Settings and endpoints.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// The contact and reservation register (KRR).
    #[command(subcommand)]
    Krr(KrrCommand),
    /// The audit log in the encrypted store.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Letters: templates, rendering, attachment checks.
    #[command(subcommand)]
    Letter(LetterCommand),
    /// Mass mailings: a template and a recipient list, kept in the store until sent.
    #[command(subcommand)]
    Mailing(MailingCommand),
    /// Shows where each letter of a mass mailing would go and what it costs (KRR is looked up
    /// now); with --yes puts the letters in the outbox, with --wait sends them through SvarUt.
    Send(SendArgs),
    /// The outbox.
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Brings the statuses of sent letters up to date from SvarUt and lists the letters.
    Status(StatusArgs),
    /// E-signing orders through the signing service (Posten signering).
    #[command(subcommand)]
    Sign(SignCommand),
    /// Archive handover (Fiks Arkiv): the packages of sent letters and signed orders, their
    /// export for the archive's import, the archive's receipts and the public journal.
    #[command(subcommand)]
    Archive(ArchiveCommand),
}

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Lists the archive packages of the environment (newest first): waiting for the archive,
    /// archived (with the journal post and case numbers) or failed (with the reason).
    List {
        /// Only this mass mailing's packages.
        #[arg(long)]
        mailing: Option<String>,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Writes the packages waiting for the archive to DIR: a folder per package with
    /// arkivmelding.xml and its files, or with --zip one ZIP per mass mailing. Exit code 1 when
    /// nothing is waiting.
    Export {
        /// Only this mass mailing's packages.
        #[arg(long)]
        mailing: Option<String>,
        /// The folder to write to (created if missing; nothing in it is replaced).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
        /// One ZIP per mass mailing instead of a folder per package.
        #[arg(long)]
        zip: bool,
        /// Also packages exported before (still waiting for their receipt).
        #[arg(long)]
        again: bool,
    },
    /// Imports the archive's receipt (arkivmelding-kvittering.xml): the package it names is
    /// archived with the archive's journal post and case numbers. Exit code 1 if the archive
    /// refused the journal post.
    Receipt {
        /// The receipt file.
        file: std::path::PathBuf,
    },
    /// Builds a package again (after a failure or a refusal).
    Retry {
        /// The package's id (its letter's or order's).
        id: String,
    },
    /// The public journal of a month as CSV (offentlig tittel, date, recipient screened where
    /// the screening says so).
    Journal {
        /// The month, YYYY-MM (default: this month, Norwegian time).
        #[arg(long)]
        month: Option<String>,
        /// Write the CSV here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<std::path::PathBuf>,
    },
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum SignCommand {
    /// Creates a signing order and prints the service's job id. Each PDF passes the same
    /// checks as an attachment (10 MB in all). A signer is a fødselsnummer (notified through
    /// KRR), an e-mail address or a Norwegian mobile number.
    Create {
        /// The PDF documents to sign (1–20).
        #[arg(long = "doc", value_name = "FILE", required = true)]
        docs: Vec<std::path::PathBuf>,
        /// The signers (1–10): fødselsnummer, e-mail or mobile number.
        #[arg(long = "signer", value_name = "ID", required = true)]
        signers: Vec<String>,
        /// portal (signers are notified and sign before the deadline) or direct.
        #[arg(long, default_value = "portal")]
        flow: String,
        /// Security level 3 (MinID) or 4.
        #[arg(long, default_value_t = 4)]
        level: u8,
        /// Portal: the deadline, as a date (YYYY-MM-DD) or a number of days.
        #[arg(long)]
        deadline: Option<String>,
        /// The title (default: the first document's file name).
        #[arg(long)]
        title: Option<String>,
        /// Portal: a title without personal data, used in notifications.
        #[arg(long)]
        nonsensitive_title: Option<String>,
        /// Our reference (no personal data).
        #[arg(long)]
        reference: Option<String>,
        /// Signers sign one after another, in the order given (portal).
        #[arg(long)]
        sequential: bool,
        /// Direct: where the signer returns (completion, rejection and error get
        /// `?status=signed|rejected|error`).
        #[arg(long, value_name = "URL")]
        exit_url: Option<String>,
        /// Portal: the day the order starts (YYYY-MM-DD, 08:00 UTC); default now.
        #[arg(long)]
        activation: Option<String>,
        /// What identifies the signers in the signed documents: pin (fødselsnummer and
        /// name), dob (date of birth and name) or name.
        #[arg(long)]
        identifier: Option<String>,
        /// The signature type for every signer: advanced or authenticated (default: the
        /// service's).
        #[arg(long)]
        signature_type: Option<String>,
        /// The signers sign on behalf of an organisation (no KRR lookup, no copy to their own
        /// mailbox).
        #[arg(long)]
        on_behalf_of_other: bool,
        /// Also send a signed copy through the outbox to each citizen signer (the service
        /// forwards the signed document to those who sign for themselves anyway; default:
        /// the settings').
        #[arg(long)]
        copy: bool,
        /// Poll until the order is finished and its signed documents are stored (required in
        /// the sandbox, which runs only while the command does).
        #[arg(long)]
        wait: bool,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        service: ServiceArgs,
    },
    /// Brings orders up to date from the service (never polling before the permitted time)
    /// and lists them; with --job one order and its timeline.
    Status {
        /// The order (local id or the service's job id).
        #[arg(long)]
        job: Option<String>,
        /// Keep polling until the order (or every open order) is finished and its signed
        /// documents are stored.
        #[arg(long)]
        wait: bool,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        service: ServiceArgs,
    },
    /// Cancels an order still waiting for signatures (portal).
    Cancel {
        /// The order (local id or the service's job id).
        #[arg(long)]
        job: String,
        #[command(flatten)]
        service: ServiceArgs,
    },
    /// Writes an order's signed documents (PAdES, and each signer's XAdES) to a directory;
    /// fetches them first when they are not stored yet.
    Download {
        /// The order (local id or the service's job id).
        #[arg(long)]
        job: String,
        /// The directory (made if missing).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
        #[command(flatten)]
        service: ServiceArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum LetterCommand {
    /// Letter templates.
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Checks PDF attachments: readable, not password-protected, PDF 1.0–1.7, within the
    /// channel's size limit; warns about fonts not embedded and pages that are not A4 portrait.
    /// Exit code 1 if any file cannot be attached.
    Check {
        /// The PDF files.
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// The size limit to check against: digipost (30 MB), dpi (50 MB) or signing (10 MB).
        #[arg(long, default_value = "digipost")]
        channel: String,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Renders one PDF/A letter per valid row of a recipient list into a directory, with a
    /// report (row, recipient, files or the precise error; also written as report.json).
    /// Every letter passes the preflight first. Exit code 1 if any row failed — after the
    /// others are rendered.
    Render {
        /// The template file (see `letter template example`).
        #[arg(long, value_name = "FILE")]
        template: std::path::PathBuf,
        /// The recipient list (CSV: UTF-8 or Windows-1252; `;`, `,` or tab).
        #[arg(long, value_name = "FILE")]
        data: std::path::PathBuf,
        /// A column whose header is not its field's name, e.g. `--map Mottaker=navn`
        /// (repeat for more).
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        /// The directory to write to (created if missing).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
        /// The letters' date, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<String>,
        /// A PDF to attach to every letter (repeat for more).
        #[arg(long, value_name = "FILE")]
        attach: Vec<std::path::PathBuf>,
        /// Merge the attachments after the letter's pages instead of separate documents.
        #[arg(long)]
        merge_attachments: bool,
        /// The channel the preflight checks against: papir (the strictest; default),
        /// digital_postkasse or altinn.
        #[arg(long, default_value = "papir")]
        channel: String,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailingCommand {
    /// Keeps a template and a recipient list as a mass mailing; prints its id. The list is
    /// checked first: rows with problems are reported (they will not get a letter).
    Create {
        /// The template file.
        #[arg(long, value_name = "FILE")]
        template: std::path::PathBuf,
        /// The recipient list (CSV).
        #[arg(long, value_name = "FILE")]
        data: std::path::PathBuf,
        /// A title for lists.
        #[arg(long)]
        title: String,
        /// Sensitive letters: only the recipient may read them, after logging in at level 4
        /// (BankID, Buypass, Commfides); the files leave encrypted for SvarUt.
        #[arg(long)]
        sensitive: bool,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
}

/// The Maskinporten client and enterprise certificate (test and prod; the sandbox brings its
/// own).
#[derive(Debug, Clone, Args)]
pub struct MaskinportenArgs {
    /// Maskinporten client id (test and prod).
    #[arg(long, env = "KOMMUNEPOST_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The enterprise certificate, PKCS#12 (test and prod). Its password comes from
    /// KOMMUNEPOST_CERTIFICATE_PASSWORD or --certificate-password-file.
    #[arg(long, value_name = "FILE.p12")]
    pub certificate: Option<std::path::PathBuf>,
    /// File whose first line is the certificate's password.
    #[arg(long, value_name = "FILE")]
    pub certificate_password_file: Option<std::path::PathBuf>,
    /// Maskinporten's token endpoint (default: the issuer + /token).
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,
    /// Maskinporten's issuer, the grant's `aud` (same as the global --maskinporten-url).
    #[arg(long, value_name = "URL")]
    pub maskinporten_issuer: Option<String>,
}

/// How to reach the services: the same flags for `krr lookup`, `send`, `outbox run`, `status`
/// and `sign`. Each overrides the settings and the OS credential store (test and prod; the
/// local sandbox brings its own).
#[derive(Debug, Clone, Args)]
pub struct ServiceArgs {
    #[command(flatten)]
    pub maskinporten: MaskinportenArgs,
    /// The SvarUt account (`kontoId`).
    #[arg(long, env = "KOMMUNEPOST_KONTO_ID")]
    pub konto_id: Option<String>,
    /// The Fiks integration's id; its password from KOMMUNEPOST_INTEGRASJON_PASSORD or
    /// --integrasjon-passord-file.
    #[arg(long, env = "KOMMUNEPOST_INTEGRASJON_ID")]
    pub integrasjon_id: Option<String>,
    /// File whose first line is the integration's password.
    #[arg(long, value_name = "FILE")]
    pub integrasjon_passord_file: Option<std::path::PathBuf>,
    /// SvarUt's REST flavour for send and status (default: the settings', v2 unless changed).
    #[arg(long, value_enum)]
    pub svarut_api: Option<ApiArg>,
    /// Use KRR's /rest/v1 instead of /rest/v2.
    #[arg(long)]
    pub v1: bool,
    /// The signing sender's organisation number (default: the settings', else the
    /// certificate's).
    #[arg(long, env = "KOMMUNEPOST_ORG")]
    pub org: Option<String>,
    /// The CA certificates to trust for the signing service's server certificate (PEM;
    /// default: the settings').
    #[arg(long, value_name = "FILE.pem")]
    pub signing_ca: Option<std::path::PathBuf>,
    /// The organisation number the signing service's server certificate must carry.
    #[arg(long, value_name = "ORGNR")]
    pub server_orgnr: Option<String>,
}

/// SvarUt's REST flavour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiArg {
    /// REST v2.
    V2,
    /// REST v3.
    V3,
}

impl From<ApiArg> for kommunepost_core::svarut::SvarUtApi {
    fn from(api: ApiArg) -> Self {
        match api {
            ApiArg::V2 => Self::V2,
            ApiArg::V3 => Self::V3,
        }
    }
}

/// What kind of letter is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    /// An ordinary letter.
    Ordinary,
    /// An individual decision (enkeltvedtak).
    Vedtak,
    /// An advance notice (forhåndsvarsel).
    Forhandsvarsel,
}

impl From<KindArg> for kommunepost_core::store::LetterKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Ordinary => Self::Ordinary,
            KindArg::Vedtak => Self::Vedtak,
            KindArg::Forhandsvarsel => Self::Forhandsvarsel,
        }
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["mailing", "draft"])))]
pub struct SendArgs {
    /// The mass mailing (`mailing create` printed its id).
    #[arg(long)]
    pub mailing: Option<String>,
    /// A draft saved in the app (one letter, or one per row of its recipient list).
    #[arg(long)]
    pub draft: Option<String>,
    /// Put the letters in the outbox (without it, only the preview is shown).
    #[arg(long)]
    pub yes: bool,
    /// Send again what was sent before (the same letter or recipient list): without it, such
    /// a send is refused, naming the earlier one.
    #[arg(long)]
    pub again: bool,
    /// Minutes the letters wait in the outbox before they leave (they can be recalled then);
    /// default: the settings' hold time (5 minutes unless changed).
    #[arg(long)]
    pub hold: Option<u32>,
    /// Send now and return when every letter is accepted by SvarUt or has failed for good;
    /// exit code 1 if any failed.
    #[arg(long)]
    pub wait: bool,
    /// A decision or advance notice is followed up when not read within 7 days (eFvf § 8).
    #[arg(long, value_enum, default_value_t = KindArg::Ordinary)]
    pub kind: KindArg,
    /// The letters' date, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub date: Option<String>,
    /// Sensitive letters: level-4 login, the files encrypted for SvarUt (a draft or template
    /// marked sensitive is sensitive without it).
    #[arg(long)]
    pub sensitive: bool,
    /// JSON instead of lines.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub service: ServiceArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only this mass mailing's letters.
    #[arg(long)]
    pub mailing: Option<String>,
    /// Keep checking and print the letters again when a status changes; ends when every
    /// letter has a final status (Ctrl-C stops earlier).
    #[arg(long)]
    pub watch: bool,
    /// Seconds between checks with `--watch`.
    #[arg(long, default_value_t = 30)]
    pub interval: u64,
    /// JSON instead of lines.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub service: ServiceArgs,
}

// Parsed once per run: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Runs the outbox worker: sends every letter due (held ones when their time comes) and
    /// brings statuses up to date, until no letter is waiting. For batch jobs; the app does
    /// the same in the background.
    Run {
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        service: ServiceArgs,
    },
    /// Lists the letters in the outbox (recipients masked).
    List {
        /// Only this mass mailing's letters.
        #[arg(long)]
        mailing: Option<String>,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Writes a complete, documented example template that uses the standard recipient columns.
    Example {
        /// Where to write it (e.g. vedtak.kpmal.toml).
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        /// Bokmål (nb) or nynorsk (nn).
        #[arg(long, default_value = "nb", value_parser = ["nb", "nn"])]
        language: String,
    },
    /// Checks a template file and lists the merge fields it uses; exit code 1 if invalid.
    Check {
        /// The template file.
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum KrrCommand {
    /// Looks persons up in KRR: one line per identifier with status, reservation, mailbox
    /// provider, varslingsstatus and where a letter would go. Invalid identifiers are reported
    /// and never sent. Every lookup is written to the audit log (so the store must exist).
    /// In the sandbox environment a local sandbox is started for the lookup. Exit code 1 if
    /// any identifier is invalid or could not be looked up.
    Lookup(KrrLookupArgs),
}

#[derive(Debug, Args)]
pub struct KrrLookupArgs {
    /// Identifiers (fødselsnumre, D-numre, organisasjonsnumre).
    pub ids: Vec<String>,
    /// Read identifiers from a text or CSV file too (any mix of spaces, commas, semicolons,
    /// tabs and new lines).
    #[arg(long, value_name = "FILE")]
    pub file: Option<std::path::PathBuf>,
    /// Why the lookup is made; required for more than ten persons (audit log).
    #[arg(long)]
    pub purpose: Option<String>,
    /// A JSON array in input order instead of lines.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub service: ServiceArgs,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Checks the audit log's hash chain; exit code 1 if it was altered.
    Verify,
    /// Lists the newest audit entries.
    List {
        /// How many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// JSON instead of lines.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum IdentCommand {
    /// Checks fødselsnumre, D-numre and organisasjonsnumre: one line each with the kind or the
    /// precise reason it is invalid. Exit code 1 if any is invalid. Without numbers, reads them
    /// from standard input (separated by spaces, commas, semicolons or new lines).
    Check {
        /// The numbers.
        numbers: Vec<String>,
        /// One JSON array instead of lines.
        #[arg(long)]
        json: bool,
        /// Show the numbers in full instead of masked (`010180 *****`).
        #[arg(long)]
        reveal: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Creates the store. Its key goes to the OS credential store, or, with a passphrase
    /// (KOMMUNEPOST_PASSPHRASE or --passphrase-file), is derived from it. Prints the recovery
    /// key once.
    Init,
    /// Shows where the store is, how it is unlocked, and whether it opens.
    Status {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Writes an online backup of the encrypted store (the app may be running): one file,
    /// encrypted with the store's key, that opens with the same key or the recovery key.
    Backup {
        /// The backup file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
    /// Replaces the store with a backup (the current one is kept beside it). Letters not known
    /// to be accepted are looked up in SvarUt before anything is sent, so none is sent twice.
    /// Unlocked like the store, or with the recovery key from --recovery-key-file or
    /// KOMMUNEPOST_RECOVERY_KEY. Refused while another process is sending from the store.
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
        /// File whose first line is the recovery key.
        #[arg(long, value_name = "FILE")]
        recovery_key_file: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Starts the sandbox services on 127.0.0.1, prints the base URL, and serves until stopped
    /// (Ctrl-C).
    Serve {
        /// Port (0 = any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Population seed (default: the settings file's).
        #[arg(long)]
        seed: Option<u32>,
        /// Number of synthetic persons (default: the settings file's).
        #[arg(long)]
        persons: Option<u32>,
        /// Fault injection: delay every KRR answer by this many milliseconds.
        #[arg(long, default_value_t = 0)]
        krr_latency_ms: u64,
        /// Fault injection: every n-th KRR request fails with 500 (0 = never).
        #[arg(long, default_value_t = 0)]
        krr_fail_every: usize,
        /// SvarUt statuses progress this many times faster than real time (3600: an hour a
        /// second), so a letter is printed within a minute.
        #[arg(long, default_value_t = 1)]
        svarut_speed: u32,
        /// Fault injection: delay every SvarUt answer by this many milliseconds.
        #[arg(long, default_value_t = 0)]
        svarut_latency_ms: u64,
        /// Fault injection: every n-th SvarUt send fails with 503 before anything is stored.
        #[arg(long, default_value_t = 0)]
        svarut_fail_every: usize,
        /// Fault injection: every n-th SvarUt send is stored, then its answer is withheld for
        /// `--svarut-stall-secs` (the client times out with the outcome unknown).
        #[arg(long, default_value_t = 0)]
        svarut_stall_every: usize,
        /// How long a stalled SvarUt answer is withheld.
        #[arg(long, default_value_t = 60)]
        svarut_stall_secs: u64,
        /// Fault injection: every n-th SvarUt send is stored, then the connection drops.
        #[arg(long, default_value_t = 0)]
        svarut_drop_every: usize,
        /// Fault injection: every n-th SvarUt request is refused with 429.
        #[arg(long, default_value_t = 0)]
        svarut_rate_limit_every: usize,
        /// Sandbox signers act this many times faster than real time (default: the
        /// settings').
        #[arg(long)]
        signing_speed: Option<u32>,
        /// Sandbox signers do nothing by themselves: only the signing page moves orders.
        #[arg(long)]
        signing_manual: bool,
    },
    /// Prints the synthetic population (all invented; numbers are Tenor test numbers).
    Population {
        /// Population seed (default: the settings file's).
        #[arg(long)]
        seed: Option<u32>,
        /// Number of synthetic persons (default: the settings file's).
        #[arg(long)]
        persons: Option<u32>,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Shows the settings file's path, the environment and the endpoints in effect.
    Show,
    /// Sets the environment the app starts in (sandbox, test or prod).
    SetEnv {
        /// sandbox, test or prod.
        environment: String,
    },
}
