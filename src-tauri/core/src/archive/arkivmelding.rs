//! `arkivmelding.xml` for Fiks Arkiv V1 `no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett`:
//! one journal post, linked to an existing case by its number or to a new case (a `saksmappe`
//! in the same message, found again by its external key so every letter of a mass mailing lands
//! in the one case).
//!
//! The element order, the namespaces and the codes follow KS's XSDs (`../shared/specs/
//! fiks-arkiv-v1/`, tested against them in `tests/archive.rs`) and KS's V1 code lists:
//! journalposttype `U` (utgående), journalstatus `E` (ekspedert) for a sent letter and `F`
//! (ferdigstilt) for a signed agreement, `H`/`V` for main document and attachments,
//! variantformat `A` (arkivformat) and format `RA-PDF` for files that claim PDF/A, `P`
//! (produksjonsformat) for any that do not, korrespondanseparttype
//! `EM` (mottaker) and `IA` (intern avsender: the case officer and unit, which the schema
//! allows on a journal post only through a party).
//!
//! UNCONFIRMED (archive-dependent): the `tilgangsrestriksjon` codes are each archive's own (KS
//! has no code list; `13` is the usual one), whether an archive accepts journalstatus `E`/`F`
//! from a sending system, and `RA-PDF` versus a PRONOM id as the format. The schema has no
//! `skjermingMetadata`: screening is `skjerming` on the journal post (and on the documents
//! when they are screened), the public title, and `erSkjermet` on the party.

use chrono::{DateTime, NaiveDate, Utc};

use crate::ident::Identifier;
use crate::letters::case::{CaseMetadata, ScreenedPart};

/// The message namespace.
pub const NAMESPACE: &str =
    "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/opprett/v1";
/// The metadata catalogue's namespace.
pub const METADATA_NAMESPACE: &str =
    "https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1";
/// The name `arkivmelding` and `referanseEksternNoekkel` give the sending system.
pub const SYSTEM: &str = "Kommunepost";

/// What a document is in the journal post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentRole {
    /// The letter (or the signed agreement).
    Main,
    /// An attachment the recipient got.
    Attachment,
    /// Kommunepost's evidence: the dispatch receipt or the signing history.
    Evidence,
}

/// A file of the package.
#[derive(Debug, Clone)]
pub struct PackageDocument {
    /// Its title in the archive.
    pub title: String,
    /// The file name the recipient saw.
    pub original_name: String,
    /// Its name in the package (ASCII, unique).
    pub file: String,
    /// Its role.
    pub role: DocumentRole,
    /// Noark `dokumenttype` code.
    pub document_type: String,
    /// The bytes (for the checksum and size).
    pub bytes: Vec<u8>,
}

impl PackageDocument {
    /// Whether the file says it is PDF/A (`pdfaid:part` in readable XMP). A file whose claim
    /// cannot be read (compressed metadata) counts as not PDF/A: the archive then gets it as a
    /// production format, never a false archive-format claim.
    pub fn claims_pdf_a(&self) -> bool {
        let needle = b"<pdfaid:part>";
        let attribute = b"pdfaid:part=";
        self.bytes.windows(needle.len()).any(|w| w == needle)
            || self.bytes.windows(attribute.len()).any(|w| w == attribute)
    }
}

/// A correspondence party: a recipient, or a signer.
#[derive(Debug, Clone)]
pub struct Party {
    /// Name.
    pub name: String,
    /// Fødselsnummer / D-nummer or organisasjonsnummer.
    pub identifier: Option<Identifier>,
    /// Street lines.
    pub address_lines: Vec<String>,
    /// Postnummer.
    pub postcode: Option<String>,
    /// Poststed.
    pub city: Option<String>,
    /// Country code (ISO 3166 alpha-2) when known and not Norway.
    pub country: Option<String>,
}

/// One journal post to hand over.
#[derive(Debug, Clone)]
pub struct JournalPost {
    /// Our key for it (the letter's or order's id; the archive recognises a second delivery).
    pub key: String,
    /// Our key for the new case (the mass mailing's or the letter's id), when no case number
    /// is given.
    pub case_key: String,
    /// The new case's title when no case number is given.
    pub case_title: String,
    /// The archive part new cases are filed in (empty: the archive decides).
    pub archive_part: String,
    /// Case metadata (resolved).
    pub case: CaseMetadata,
    /// The title.
    pub title: String,
    /// `E` (ekspedert: a sent letter) or `F` (ferdigstilt: a signed agreement).
    pub status: &'static str,
    /// The document's date (Norwegian).
    pub date: NaiveDate,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// Who it went to.
    pub recipients: Vec<Party>,
    /// The files: the main document first.
    pub documents: Vec<PackageDocument>,
}

/// Why a journal post cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArkivmeldingError {
    /// The schema's required text is empty.
    #[error("the {0} is empty")]
    Empty(&'static str),
    /// No main document.
    #[error("the package has no main document")]
    NoMainDocument,
    /// Two files with the same name in the package.
    #[error("two files are named {0} in the package")]
    DuplicateFile(String),
    /// The case metadata is not usable.
    #[error(transparent)]
    Case(#[from] crate::letters::case::CaseError),
}

/// A small XML writer: escaped text, no attributes beyond what is written here.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn open_typed(&mut self, name: &str, xsi_type: &str) {
        self.indent();
        self.out
            .push_str(&format!("<{name} xsi:type=\"{xsi_type}\">\n"));
        self.depth += 1;
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// A leaf only when `text` is not blank.
    fn some(&mut self, name: &str, text: &str) {
        if !text.trim().is_empty() {
            self.leaf(name, text.trim());
        }
    }

    /// A code element: `<name><n5mdk:kode>…</n5mdk:kode><n5mdk:beskrivelse>…</…></name>`.
    fn code(&mut self, name: &str, code: &str, description: &str) {
        self.open(name);
        self.leaf("n5mdk:kode", code);
        if !description.is_empty() {
            self.leaf("n5mdk:beskrivelse", description);
        }
        self.close(name);
    }

    fn external_key(&mut self, name: &str, prefix: &str, key: &str) {
        self.open(name);
        self.leaf(&format!("{prefix}fagsystem"), SYSTEM);
        self.leaf(&format!("{prefix}noekkel"), key);
        self.close(name);
    }

    fn names(&mut self, name: &str, value: &str) {
        self.open(name);
        self.leaf("n5mdk:navn", value.trim());
        self.close(name);
    }
}

/// Escapes text for element content; characters XML 1.0 cannot carry are left out.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// The code and description of a `tilgangsrestriksjon` Kommunepost offers (others are
/// written as given, without a description).
fn restriction_description(code: &str) -> &'static str {
    match code {
        "13" => "Taushetsplikt",
        "14" => "Organinterne dokument",
        "15" => "Innhentet til saksførebuing",
        "16" => "Unntak for visse saker",
        "17" => "Rikets sikkerhet",
        "18" => "Unntak for visse forhandlingsdokumenter",
        "19" => "Unntak for visse forhandlingsdokumenter",
        "20" => "Unntak for visse kontroll- og reguleringstiltak",
        "21" => "Unntak for visse forhandlingsdokumenter",
        "22" => "Unntak av hensyn til kommunens forretningsdrift",
        "23" => "Unntak av hensyn til forhandlingsposisjon",
        "24" => "Unntak av hensyn til kontroll- og reguleringstiltak",
        "25" => "Personalsaker",
        "26" => "Eksamen, offentlige anskaffelser",
        _ => "",
    }
}

/// The `dokumenttype` descriptions of the codes Kommunepost writes.
fn document_type_description(code: &str) -> &'static str {
    match code {
        "KORR" => "Korrespondanse",
        "VEDTAK" => "Vedtak",
        "VEDLEGG" => "Vedlegg",
        "DOKUMENT" => "Dokument",
        "AVTALE" => "Avtale",
        "B" => "Brev",
        _ => "",
    }
}

fn screening(xml: &mut Xml, case: &CaseMetadata) {
    let code = case.screening.restriction.trim();
    xml.open("skjerming");
    xml.code("tilgangsrestriksjon", code, restriction_description(code));
    xml.leaf("skjermingshjemmel", case.screening.authority.trim());
    xml.close("skjerming");
}

/// SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    openssl::sha::sha256(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Writes the arkivmelding for one journal post. `antallFiler` counts the documents (not
/// `arkivmelding.xml`).
pub fn write(post: &JournalPost) -> Result<Vec<u8>, ArkivmeldingError> {
    post.case.validate()?;
    if post.title.trim().is_empty() {
        return Err(ArkivmeldingError::Empty("title"));
    }
    if post.documents.first().map(|d| d.role) != Some(DocumentRole::Main) {
        return Err(ArkivmeldingError::NoMainDocument);
    }
    let mut names = std::collections::HashSet::new();
    for document in &post.documents {
        if !names.insert(document.file.as_str()) {
            return Err(ArkivmeldingError::DuplicateFile(document.file.clone()));
        }
    }
    let case = &post.case;
    let mut xml = Xml {
        out: String::with_capacity(8 * 1024),
        depth: 1,
    };
    xml.out
        .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.out.push_str(&format!(
        "<arkivmelding xmlns=\"{NAMESPACE}\" xmlns:n5mdk=\"{METADATA_NAMESPACE}\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
    ));
    xml.leaf("system", SYSTEM);
    xml.leaf("antallFiler", &post.documents.len().to_string());

    let existing = case.case_number();
    if existing.is_none() {
        // A new case, found again by its key: every letter of a mailing lands in it.
        let title = if case.new_case_title.trim().is_empty() {
            post.case_title.trim()
        } else {
            case.new_case_title.trim()
        };
        if title.is_empty() {
            return Err(ArkivmeldingError::Empty("case title"));
        }
        xml.open_typed("mappe", "saksmappe");
        xml.leaf("tittel", title);
        if case.screening.screens(ScreenedPart::Title) {
            xml.leaf("offentligTittel", &case.journal_title(title));
        }
        if !post.archive_part.trim().is_empty() {
            xml.code("arkivdel", post.archive_part.trim(), "");
        }
        xml.external_key("referanseEksternNoekkel", "n5mdk:", &post.case_key);
        if !case.unit.trim().is_empty() {
            xml.names("administrativEnhet", &case.unit);
        }
        if !case.case_officer.trim().is_empty() {
            xml.names("saksansvarlig", &case.case_officer);
        }
        xml.close("mappe");
    }

    xml.open_typed("registrering", "journalpost");
    xml.open("referanseForelderMappe");
    match existing {
        Some((year, sequence)) => {
            xml.open("n5mdk:saksnummer");
            xml.leaf("n5mdk:saksaar", &year.to_string());
            xml.leaf("n5mdk:sakssekvensnummer", &sequence.to_string());
            xml.close("n5mdk:saksnummer");
        }
        None => xml.external_key("n5mdk:referanseEksternNoekkel", "n5mdk:", &post.case_key),
    }
    xml.close("referanseForelderMappe");
    if case.screening.is_screened() {
        screening(&mut xml, case);
    }
    for (number, document) in post.documents.iter().enumerate() {
        xml.open("dokumentbeskrivelse");
        let kind = document.document_type.trim();
        xml.code("dokumenttype", kind, document_type_description(kind));
        xml.code("dokumentstatus", "F", "Dokumentet er ferdigstilt");
        xml.leaf("tittel", non_empty(&document.title, "Dokument"));
        let (role, role_text) = match document.role {
            DocumentRole::Main => ("H", "Hoveddokument"),
            DocumentRole::Attachment | DocumentRole::Evidence => ("V", "Vedlegg"),
        };
        xml.code("tilknyttetRegistreringSom", role, role_text);
        xml.leaf("dokumentnummer", &(number + 1).to_string());
        if case.screening.screens(ScreenedPart::Documents) {
            screening(&mut xml, case);
        }
        xml.open("dokumentobjekt");
        xml.leaf("versjonsnummer", "1");
        if document.claims_pdf_a() {
            xml.code("variantformat", "A", "Arkivformat");
            xml.code("format", "RA-PDF", "PDF/A");
        } else {
            // An attachment that is not PDF/A (or a letter merged with one): production
            // format. UNCONFIRMED: "PDF" as the format code for plain PDF (KS's list has
            // RA-PDF for PDF/A; archives may expect a PRONOM id instead).
            xml.code("variantformat", "P", "Produksjonsformat");
            xml.code("format", "PDF", "PDF");
        }
        xml.leaf("mimeType", "application/pdf");
        xml.leaf(
            "filnavn",
            non_empty(&document.original_name, &document.file),
        );
        xml.leaf("referanseDokumentfil", &document.file);
        xml.leaf("sjekksum", &sha256_hex(&document.bytes));
        xml.leaf("sjekksumAlgoritme", "SHA256");
        xml.leaf(
            "filstoerrelse",
            &i32::try_from(document.bytes.len())
                .unwrap_or(i32::MAX)
                .to_string(),
        );
        xml.close("dokumentobjekt");
        xml.close("dokumentbeskrivelse");
    }
    xml.leaf("tittel", post.title.trim());
    if case.screening.is_screened() || !case.public_title.trim().is_empty() {
        xml.leaf("offentligTittel", &case.journal_title(&post.title));
    }
    for party in &post.recipients {
        write_party(&mut xml, party, case);
    }
    if !case.case_officer.trim().is_empty() || !case.unit.trim().is_empty() {
        xml.open("korrespondansepart");
        xml.code("korrespondanseparttype", "IA", "Intern avsender");
        xml.leaf("erBehandlingsansvarlig", "true");
        xml.leaf(
            "korrespondansepartNavn",
            non_empty(&case.case_officer, &case.unit),
        );
        if !case.unit.trim().is_empty() {
            xml.names("administrativEnhet", &case.unit);
        }
        if !case.case_officer.trim().is_empty() {
            xml.names("saksbehandler", &case.case_officer);
        }
        xml.close("korrespondansepart");
    }
    xml.external_key("referanseEksternNoekkel", "n5mdk:", &post.key);
    xml.code("journalposttype", "U", "Utgående dokument");
    let status_text = if post.status == "E" {
        "Ekspedert"
    } else {
        "Ferdigstilt fra saksbehandler"
    };
    xml.code("journalstatus", post.status, status_text);
    let date = post.date.format("%Y-%m-%d").to_string();
    xml.leaf("journaldato", &date);
    xml.leaf("dokumentetsDato", &date);
    if let Some(sent) = post.sent_at {
        xml.leaf(
            "sendtDato",
            &crate::norway::local(sent).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        );
    }
    xml.leaf(
        "antallVedlegg",
        &post.documents.len().saturating_sub(1).to_string(),
    );
    xml.close("registrering");
    xml.out.push_str("</arkivmelding>\n");
    Ok(xml.out.into_bytes())
}

fn non_empty<'a>(text: &'a str, otherwise: &'a str) -> &'a str {
    if text.trim().is_empty() {
        otherwise.trim()
    } else {
        text.trim()
    }
}

/// A recipient. A person's fødselsnummer goes in `personid`, the one place the schema has
/// for it, and the party is marked `erSkjermet`: the entry carries a national identity number,
/// which no public journal may show. (UNCONFIRMED how each archive applies `erSkjermet`; it
/// may hide the name in its public journal as well, which errs on the safe side.)
fn write_party(xml: &mut Xml, party: &Party, case: &CaseMetadata) {
    xml.open("korrespondansepart");
    xml.code("korrespondanseparttype", "EM", "Mottaker");
    xml.leaf(
        "korrespondansepartNavn",
        non_empty(&party.name, "Ukjent mottaker"),
    );
    let person = matches!(party.identifier, Some(Identifier::Person(_)));
    match &party.identifier {
        Some(Identifier::Person(fnr)) => xml.leaf("personid", fnr.expose()),
        Some(Identifier::Organisation(orgnr)) => xml.leaf("organisasjonid", orgnr.as_str()),
        None => {}
    }
    for line in &party.address_lines {
        xml.some("postadresse", line);
    }
    if let Some(postcode) = &party.postcode {
        xml.some("postnummer", postcode);
    }
    if let Some(city) = &party.city {
        xml.some("poststed", city);
    }
    if let Some(country) = party.country.as_deref().map(str::trim)
        && country.len() == 2
        && country.chars().all(|c| c.is_ascii_alphabetic())
    {
        xml.code("landkode", &country.to_ascii_uppercase(), "");
    }
    if person || case.screening.screens(ScreenedPart::Recipient) {
        xml.leaf("erSkjermet", "true");
    }
    if person {
        xml.leaf("erPersonnavn", "true");
    }
    xml.close("korrespondansepart");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_file_that_claims_pdf_a_is_declared_archive_format() {
        let document = |bytes: &[u8]| PackageDocument {
            title: "Vedlegg".into(),
            original_name: "vedlegg.pdf".into(),
            file: "vedlegg-1.pdf".into(),
            role: DocumentRole::Attachment,
            document_type: "VEDLEGG".into(),
            bytes: bytes.to_vec(),
        };
        assert!(document(b"%PDF-1.7 ... <pdfaid:part>2</pdfaid:part> ...").claims_pdf_a());
        assert!(document(b"%PDF-1.7 ... pdfaid:part=\"2\" ...").claims_pdf_a());
        assert!(!document(b"%PDF-1.7 plain").claims_pdf_a());
    }

    #[test]
    fn text_is_escaped_and_control_characters_left_out() {
        let mut out = String::new();
        escape_into(&mut out, "A & B <c> \"d\"\u{1}\te");
        assert_eq!(out, "A &amp; B &lt;c&gt; &quot;d&quot;\te");
    }
}
