//! What went wrong, for the clerk: a key and its parameters, never a sentence. The UI says each
//! key in the clerk's language (bokmål, nynorsk or English: the UI's problem catalogues hold a
//! text for every [`ProblemKey`], and its type check fails when one is missing). The English
//! `Display` of each error stays for the CLI and the log.
//!
//! Parameters are plain text already safe to show: identifiers in them are masked. A parameter
//! whose name ends in `_at` is an RFC 3339 time the UI writes in Norwegian time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A message for the clerk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Problem {
    /// Which message.
    pub key: ProblemKey,
    /// Its values, by name (`{name}` in the texts).
    pub params: BTreeMap<String, String>,
}

impl Problem {
    /// A message without values.
    pub fn new(key: ProblemKey) -> Self {
        Self {
            key,
            params: BTreeMap::new(),
        }
    }

    /// Adds a value (masked: eleven digits never leave here whole).
    pub fn with(mut self, name: &str, value: impl ToString) -> Self {
        self.params
            .insert(name.to_owned(), crate::mask::text(&value.to_string()));
        self
    }
}

impl Problem {
    /// As stored beside an English error text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A stored problem; one this version does not know (written by a newer one) is none, and
    /// the English text stands in.
    pub fn from_json(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }
}

/// Errors that can say what went wrong as a [`Problem`].
pub trait Explain {
    /// The clerk's message.
    fn problem(&self) -> Problem;
}

/// Every message core can give the clerk. The English beside each is what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKey {
    // --- Anything without its own message.
    /// Something went wrong inside Kommunepost; the log says what.
    Internal,

    // --- Identifiers (fødselsnummer, D-nummer, organisasjonsnummer).
    /// No digits were given.
    IdentEmpty,
    /// Character {position} is not a digit.
    IdentNotDigits,
    /// {found} digits: a fødselsnummer has 11, an organisasjonsnummer 9.
    IdentWrongLength,
    /// {found} digits: a fødselsnummer has 11.
    FnrWrongLength,
    /// {found} digits: an organisasjonsnummer has 9.
    OrgnrWrongLength,
    /// The first six digits are not a possible date.
    IdentImpossibleDate,
    /// The control digit (digit {position}) does not match: a typing error?
    IdentWrongCheckDigit,
    /// The birth date is in the future: a typing error?
    IdentFutureBirthDate,
    /// H-, FH- and NAV synthetic numbers are not in KRR or the population register; nothing was sent.
    IdentNotInKrr,
    /// A real person's number cannot be used in the test environment; nothing was sent.
    IdentRealInTest,
    /// A synthetic test number cannot be used in production; nothing was sent.
    IdentSyntheticInProduction,

    // --- A recipient list as a whole.
    /// The file is empty.
    ListEmpty,
    /// The file is {size_mb} MB; a recipient list may be at most {max_mb} MB.
    ListTooLarge,
    /// The list has a header but no recipients under it.
    ListNoRows,
    /// The column «{column}» appears twice in the header.
    ListDuplicateColumn,
    /// The header lacks the columns {columns}.
    ListMissingColumns,
    /// Row {row} cannot be read (an unclosed quote?).
    ListMalformed,

    // --- One row of a recipient list.
    /// The row has {found} fields, the header {expected}: a separator too many or too few?
    RowFieldCount,
    /// Neither fødselsnummer nor organisasjonsnummer is given.
    RowNoIdentifier,
    /// Both fødselsnummer and organisasjonsnummer are given; give one.
    RowBothIdentifiers,
    /// {value} is an organisasjonsnummer, not a fødselsnummer.
    RowOrganisationAsPerson,
    /// {value} is a fødselsnummer, not an organisasjonsnummer.
    RowPersonAsOrganisation,
    /// The name is empty.
    RowNameEmpty,
    /// The address is empty (a letter on paper needs it).
    RowAddressEmpty,
    /// «{value}» is not a Norwegian postnummer (four digits).
    RowPostcodeInvalid,
    /// The poststed is empty.
    RowCityEmpty,

    // --- Templates and their markup.
    /// The file is not a Kommunepost template.
    TemplateNotATemplate,
    /// The template was made by a newer Kommunepost (format {found}); update Kommunepost.
    TemplateTooNew,
    /// The template's {part} is empty.
    TemplatePartEmpty,
    /// The letterhead's organisation number is not valid.
    TemplateOrgNumber,
    /// Line {line}: a merge field is not closed with }} or has no name.
    MarkupField,
    /// Line {line}: the table row has {found} cells, the header {expected}.
    MarkupTableShape,
    /// Line {line}: «{marker}» is opened but not closed.
    MarkupUnclosed,
    /// Line {line}: emphasis is nested too deep.
    MarkupTooDeep,
    /// The text is {found} bytes; at most {max}.
    MarkupTooLarge,
    /// Merge fields without a column or value: {fields}.
    MergeUnknown,
    /// Merge fields with an empty value: {fields}.
    MergeEmpty,

    // --- Drafts.
    /// The recipient list kept with the draft is damaged; import it again.
    DraftListDamaged,
    /// Row {row} is not a usable recipient of the list.
    DraftNoSuchRow,
    /// The attachment {name} is damaged in the draft; attach it again.
    DraftAttachmentDamaged,
    /// The letter needs the recipient's fødselsnummer, name and postal address.
    LetterNoRecipient,
    /// No letter can be made from the draft; see the rows' problems.
    NothingToSend,
    /// The mass mailing cannot be sent: its template or recipient list is damaged.
    MailingBroken,
    /// This letter or list was sent on {sent_at} ({letters} letters, «{title}»); say to send it again.
    SentBefore,
    /// These letters are in the outbox already; nothing was queued again.
    AlreadyQueued,
    /// The letter was sent on {sent_at} and cannot be changed; make a copy to change it.
    DraftSent,

    // --- PDF files (attachments, documents to sign).
    /// The file is empty.
    PdfEmpty,
    /// The file is not a PDF.
    PdfNotPdf,
    /// The PDF is damaged and cannot be read.
    PdfDamaged,
    /// The PDF is password-protected or encrypted; save it again without protection.
    PdfEncrypted,
    /// PDF version {version} is not taken by print and digital mailboxes.
    PdfVersion,
    /// The PDF is {size} bytes; the limit here is {limit} bytes.
    PdfTooLarge,
    /// The PDF has no pages.
    PdfNoPages,
    /// The PDF is too complex to check safely.
    PdfTooComplex,

    // --- The letter's layout.
    /// The address has {found} lines; the envelope window holds at most {max}.
    AddressTooLong,
    /// The address line «{line}» is wider than the envelope window.
    AddressTooWide,
    /// The footer needs more than two lines; shorten it.
    FooterTooLong,
    /// The letterhead reaches down into the envelope window; shorten it.
    LetterheadTooTall,
    /// The logo cannot be read (PNG or JPEG).
    LogoUnreadable,
    /// The logo is a CMYK JPEG; save it as RGB (sRGB).
    LogoCmyk,
    /// The logo is {width} × {height} pixels; at most {max} on each side.
    LogoTooLarge,
    /// The letter has characters the typeface cannot print: {characters}.
    UnsupportedCharacters,
    /// A fødselsnummer would be printed on page 1, where it could show through the window.
    IdentifierOnFirstPage,

    // --- Checks before a letter goes (preflight).
    /// The letter has no title.
    TitleEmpty,
    /// The title has {found} characters; at most {max}.
    TitleTooLong,
    /// The file name has {found} characters; at most {max}.
    NameTooLong,
    /// The file name has characters that are not allowed: {characters}.
    NameForbiddenChars,
    /// Two documents have this name; only the last would be sent.
    NameDuplicate,
    /// The file name must end in .pdf.
    NameNotPdf,
    /// The letter is {size_mb} MB; the channel takes at most {max_mb} MB.
    LetterTooLarge,
    /// The PDF's fonts are not embedded; print may change how it looks.
    FontsNotEmbedded,
    /// Page {page}: the content starts {found} mm from the left edge; print needs at least {min} mm.
    MarginTooSmall,
    /// A page is not A4.
    NotA4,
    /// {found} documents are marked for signing; mark only one.
    SigningCount,
    /// {found} documents; at most {max}.
    TooManyDocuments,

    // --- Case metadata.
    /// A case number needs both the year and the sequence number (e.g. 2026/123).
    CaseHalfNumber,
    /// The case year {year} is not between 1900 and 2999.
    CaseYear,
    /// The case sequence number must be 1 or more.
    CaseSequence,
    /// «{text}» is not a case number; write it as year/number, e.g. 2026/123.
    CaseUnreadable,
    /// A screened letter needs its legal basis (hjemmel).
    CaseNoAuthority,
    /// Say which parts are screened: the title, the recipient or the documents.
    CaseNoParts,
    /// A screened title needs a public title without personal data.
    CaseNoPublicTitle,
    /// The {field} is longer than allowed.
    CaseTooLong,

    // --- Settings and set-up.
    /// «{value}» is not an environment (sandbox, test or prod).
    UnknownEnvironment,
    /// The settings file cannot be read or written.
    SettingsFile,
    /// The settings file is not valid.
    SettingsInvalid,
    /// The {service} address «{url}» cannot be used.
    BadAddress,
    /// The sandbox's services have not started.
    SandboxNotRunning,
    /// No Maskinporten client id is set up for {environment}.
    MissingClientId,
    /// No enterprise certificate or registered key is set up for {environment}.
    MissingCertificate,
    /// No SvarUt account and Fiks integration are set up for {environment}.
    MissingSvarUtAccount,
    /// The Fiks integration's password is not set up for {environment}.
    MissingIntegrationPassword,
    /// The signing service needs the enterprise certificate (.p12) for {environment}.
    MissingSigningCertificate,
    /// The sandbox's addresses are missing.
    MissingSandboxAddresses,
    /// The client for the services could not be made.
    ClientFailed,
    /// The file is not a PKCS#12 (.p12/.pfx) certificate.
    #[serde(rename = "cert_not_pkcs12")]
    CertNotPkcs12,
    /// The certificate password is wrong (or the file uses a cipher that cannot be read).
    CertWrongPassword,
    /// The certificate file holds no private key.
    CertNoKey,
    /// The certificate file holds no certificate.
    CertNoCertificate,
    /// The certificate's key is not an RSA key.
    CertNotRsa,
    /// The key file is not a PEM private key.
    KeyNotPem,

    // --- The store and the OS credential store.
    /// The store is locked; unlock it first.
    StoreLocked,
    /// There is a store here already; it was left as it is.
    StoreExists,
    /// The passphrase or recovery key does not open the store.
    WrongKey,
    /// The store's key is not in the credential store; unlock with the recovery key.
    KeyNotInCredentialStore,
    /// This store is opened another way (passphrase, recovery key or the credential store).
    WrongUnlockMethod,
    /// No credential store can be reached (keyring locked or missing).
    CredentialStoreUnavailable,
    /// The credential store failed.
    CredentialStoreFailed,
    /// The passphrase must have at least {min} characters.
    PassphraseTooShort,
    /// This is not a recovery key (52 letters and digits in groups of four).
    BadRecoveryKey,
    /// The store file is damaged or not a Kommunepost store.
    StoreCorrupt,
    /// The letter's documents are missing or damaged in the store, so it was not sent; make
    /// the letter again.
    LetterDocumentsDamaged,
    /// The store was made by a newer Kommunepost; update Kommunepost.
    StoreTooNew,
    /// It is not in the store (deleted?).
    NotFound,
    /// Another worker took this letter over.
    ClaimLost,
    /// The store could not read or write; the log says why.
    StoreFailed,
    /// Another Kommunepost is sending from this store ({holder}).
    WorkerBusy,

    // --- Maskinporten and KRR.
    /// Maskinporten refused the token ({error}): {description}.
    MaskinportenRefused,
    /// The Maskinporten grant could not be signed with the certificate.
    MaskinportenGrant,
    /// Maskinporten did not answer within {seconds} s.
    MaskinportenTimeout,
    /// Maskinporten cannot be reached at {url}.
    MaskinportenUnreachable,
    /// Maskinporten's answer cannot be read.
    MaskinportenMalformed,
    /// KRR refused the request as invalid.
    KrrBadRequest,
    /// KRR did not accept the access token.
    KrrUnauthorized,
    /// KRR refused access: the client lacks KRR's scopes or belongs to another environment.
    KrrForbidden,
    /// KRR failed (HTTP {status}).
    KrrServer,
    /// KRR did not answer within {seconds} s.
    KrrTimeout,
    /// KRR cannot be reached.
    KrrUnreachable,
    /// KRR's answer cannot be read.
    KrrMalformed,
    /// Cancelled.
    Cancelled,
    /// A lookup of more than ten persons needs a purpose.
    PurposeRequired,

    // --- SvarUt.
    /// SvarUt did not get a Maskinporten token.
    SvarUtToken,
    /// SvarUt did not accept the Maskinporten token.
    SvarUtBadToken,
    /// SvarUt refused the integration; check IntegrasjonId and IntegrasjonPassord.
    SvarUtIntegration,
    /// The integration has no access to this SvarUt account.
    SvarUtForbidden,
    /// SvarUt rejected the letter: {message}.
    SvarUtRejected,
    /// SvarUt does not know it.
    SvarUtNotFound,
    /// SvarUt failed (HTTP {status}).
    SvarUtServer,
    /// SvarUt did not answer within {seconds} s.
    SvarUtTimeout,
    /// SvarUt cannot be reached.
    SvarUtUnreachable,
    /// SvarUt's answer cannot be read.
    SvarUtMalformed,
    /// SvarUt's certificate for encrypted sending cannot be used.
    SvarUtPublicKey,
    /// SvarUt's certificate is not valid now (valid {not_before} to {not_after}).
    SvarUtCertificateExpired,

    // --- The signing service.
    /// The signing order breaks a rule of the service: {field}.
    SigningOrderInvalid,
    /// The signed documents' bundle cannot be read or does not hold.
    SigningBundle,
    /// The signing service settings cannot be used.
    SigningConfig,
    /// The signing service's server certificate is not trusted; nothing was sent.
    SigningServerIdentity,
    /// The signing service did not answer within {seconds} s.
    SigningTimeout,
    /// The signing service cannot be reached.
    SigningUnreachable,
    /// The signing service refused (HTTP {status}, {code}): {message}.
    SigningRefused,
    /// The signing service failed (HTTP {status}).
    SigningHttp,
    /// The signing service's answer cannot be read.
    SigningMalformed,
    /// Statuses may not be fetched again before {until_at}.
    SigningPollTooEarly,
    /// Too many calls to the signing service; wait until {until_at}.
    SigningRateLimited,
    /// The order is finished and cannot be cancelled.
    SigningTooLateToCancel,
    /// The signing service did not accept the status token.
    SigningInvalidToken,
    /// Nothing is signed yet.
    SigningNotCompleted,
    /// The signing order cannot do that now.
    SigningNotPossible,
    /// The program stopped while the order was being sent; its next status shows whether it arrived.
    SigningInterrupted,
    /// The sandbox was started again and no longer knows the order.
    SandboxRestarted,

    // --- The archive.
    /// The receipt is {size} bytes; an archive receipt is at most {max}.
    ReceiptTooLarge,
    /// The file is not readable XML.
    ReceiptNotXml,
    /// The file is nested deeper than an archive receipt is.
    ReceiptTooDeep,
    /// The file is not a Fiks Arkiv receipt (it starts with <{root}>).
    ReceiptWrongDocument,
    /// The receipt names no journal post Kommunepost sent.
    ReceiptNoKey,
    /// The receipt's {field} is not a number.
    ReceiptNotNumber,
    /// The receipt is for a journal post Kommunepost does not have ({key}).
    ArchiveUnknownPost,
    /// The archive refused the journal post: {reason}.
    ArchiveRefused,
    /// Writing the export to {path} failed.
    ArchiveExportFailed,
    /// The archive package could not be made; the log says why. Try again from Arkiv.
    ArchiveBuildFailed,
    /// No archive package is waiting to be exported.
    NothingToArchive,
    /// «{text}» is not a month; write it as YYYY-MM, e.g. 2026-12.
    NotAMonth,

    // --- Checks of what the clerk typed or chose (the UI checks most of them first).
    /// The file {name} could not be written.
    FileWriteFailed,
    /// «{folder}» is not a full folder path (it starts with / or a drive letter).
    FolderNotAbsolute,
    /// «{title}» is a mass mailing; choose a single letter.
    SigningNeedsSingleLetter,
    /// Letters are held at most 24 hours.
    HoldTooLong,
    /// SvarUt sends at a time: 1 to 16.
    InFlightRange,
    /// Prices are amounts of 0 kr or more.
    PriceNegative,
    /// The account id and the integration id are UUIDs, as in the KS Fiks configuration.
    SvarUtIdsNotUuid,
    /// The sandbox has its own SvarUt account.
    SandboxOwnAccount,
    /// A client id is needed, and only for the test and production environments.
    ClientIdNeeded,
    /// A registered key needs its kid.
    KeyNeedsKid,
    /// Choose the letters to print.
    NothingChosen,
    /// «{title}» is not waiting for print at the office.
    NotWaitingForPrint,

    // --- "Test connection".
    /// Client {client}.
    StepCredentialsOk,
    /// A token with the scopes {scopes}.
    StepTokenOk,
    /// KRR at {url} answered.
    StepLookupOk,
    /// SvarUt answered.
    StepSvarUtOk,
    /// The signing service answered.
    StepSigningOk,
}
