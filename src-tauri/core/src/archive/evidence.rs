//! Kommunepost's evidence in an archive package, as PDF/A: the dispatch receipt
//! (forsendelseskvittering) of a letter — the channel and why, the KRR check at sending (time,
//! route, reason; never contact details), SvarUt's forsendelse id and the status history so
//! far — and the signing history of a signed agreement.
//!
//! Written in bokmål words, not codes; rendered with the letters' own PDF/A writer, so the
//! archive gets the same file format as the letter.

use chrono::{DateTime, NaiveDate, Utc};

use crate::letters::compose::{Letter, norwegian_date};
use crate::letters::markdown::{Block, Inline};
use crate::letters::pdf::fonts::{Style, font};
use crate::letters::pdf::{RenderError, render};
use crate::letters::template::Letterhead;
use crate::outbox::krr_check;

/// A channel in words.
pub fn route_words(route: &str) -> String {
    match route {
        "digital_postkasse" => "Digital postkasse".into(),
        "altinn" => "Altinn (innboksen til mottakeren)".into(),
        "svarinn" => "Mottakerens eget mottakssystem (SvarInn)".into(),
        "papir" => "Papir (skrevet ut og sendt i posten)".into(),
        other => other.into(),
    }
}

/// A routing reason in words.
pub fn reason_words(reason: &str) -> String {
    match reason {
        "has_mailbox" => "har digital postkasse".into(),
        "reserved" => "reservert mot digital kommunikasjon".into(),
        "not_registered" => "ikke registrert i Kontakt- og reservasjonsregisteret".into(),
        "deleted" => "slettet i Kontakt- og reservasjonsregisteret".into(),
        "no_mailbox" => "ingen digital postkasse".into(),
        "contact_expired" => "kontaktinformasjonen er utgått (18-månedersregelen)".into(),
        "unknown_status" => "ukjent status i registeret".into(),
        "organisation" => "organisasjon".into(),
        "receiving_system" => "organisasjon med eget mottakssystem".into(),
        other => other.into(),
    }
}

/// A SvarUt status in words.
pub fn status_words(status: &str) -> String {
    match status {
        "MOTTATT" => "Mottatt av SvarUt".into(),
        "AKSEPTERT" => "Akseptert".into(),
        "AVVIST" => "Avvist".into(),
        "VARSLET" => "Varslet i Altinn".into(),
        "LEST" => "Lest".into(),
        "SENDT_PRINT" => "Sendt til utskrift".into(),
        "PRINTET" => "Skrevet ut og postlagt".into(),
        "MANUELT_HANDTERT" => "Manuelt håndtert".into(),
        "SENDT_DIGITALT" => "Sendt digitalt".into(),
        "SENDT_SDP" => "Sendt til digital postkasse".into(),
        "LEVERT_SDP" => "Levert i digital postkasse".into(),
        "KLAR_FOR_MOTTAK" => "Klar for mottakers system".into(),
        "IKKE_LEVERT" => "Ikke levert".into(),
        "FEILET_UNDER_MOTTAK" => "Feilet under mottak".into(),
        "SLETTET" => "Slettet hos SvarUt".into(),
        "SENDT_NHN_MOTTAKER" => "Sendt til helsenettet".into(),
        "LEVERT_NHN_MOTTAKER" => "Levert i helsenettet".into(),
        other => format!("Status {other}"),
    }
}

/// A timeline line in words: SvarUt's codes in the stored events are put in words.
fn event_words(text: &str) -> String {
    match text.strip_prefix("Status i SvarUt: ") {
        Some(status) => status_words(status.trim()),
        None => text.to_owned(),
    }
}

/// A time as a Norwegian reads it: "7. desember 2026 kl. 10.15".
pub fn time_words(at: DateTime<Utc>) -> String {
    let local = crate::norway::local(at);
    format!(
        "{} kl. {}",
        norwegian_date(local.date_naive()),
        local.format("%H.%M")
    )
}

fn time_text(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| time_words(t.with_timezone(&Utc)))
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// Text the letters' typeface can print: anything else becomes "?" (a name in a script the
/// typeface lacks must not stop the archive package).
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                ' '
            } else if font(Style::Regular).covers(c) && font(Style::Bold).covers(c) {
                c
            } else {
                '?'
            }
        })
        .collect()
}

fn text(text: &str) -> Vec<Inline> {
    vec![Inline::Text {
        text: printable(text),
    }]
}

fn paragraph(line: &str) -> Block {
    Block::Paragraph {
        content: text(line),
    }
}

fn table(header: [&str; 2], rows: Vec<(String, String)>) -> Block {
    Block::Table {
        header: header.iter().map(|h| text(h)).collect(),
        rows: rows
            .into_iter()
            .map(|(a, b)| vec![text(&a), text(&b)])
            .collect(),
    }
}

fn heading(title: &str) -> Block {
    Block::Heading {
        level: 2,
        content: text(title),
    }
}

/// What the dispatch receipt records.
#[derive(Debug, Clone)]
pub struct DispatchFacts<'a> {
    /// The letter's title.
    pub title: &'a str,
    /// The recipient's name (no identifier: the receipt is read by people).
    pub recipient: &'a str,
    /// Kommunepost's id of the letter.
    pub letter_id: &'a str,
    /// The channel the send-time lookup gave.
    pub route: Option<&'a str>,
    /// The channel SvarUt's statuses show, when it differs.
    pub seen_route: Option<&'a str>,
    /// The stored KRR evidence.
    pub krr_evidence: Option<&'a str>,
    /// SvarUt's forsendelse id.
    pub svarut_id: Option<&'a str>,
    /// Printed at the office instead of through SvarUt.
    pub office_print: bool,
    /// The letter's timeline (time, text).
    pub events: &'a [(String, String)],
    /// The letter's date.
    pub date: NaiveDate,
    /// When the receipt is made.
    pub made_at: DateTime<Utc>,
}

fn receipt_letter(
    title: &str,
    date: NaiveDate,
    body: Vec<Block>,
    made_at: DateTime<Utc>,
) -> Letter {
    Letter {
        letterhead: Letterhead::default(),
        recipient: None,
        date,
        reference: None,
        title: title.to_owned(),
        body,
        closing: String::new(),
        signature: Vec::new(),
        footer: Some(format!(
            "Laget av Kommunepost {} {}",
            env!("CARGO_PKG_VERSION"),
            time_words(made_at)
        )),
        language: crate::letters::template::Language::Nb,
    }
}

/// The dispatch receipt as PDF/A.
pub fn dispatch_receipt(facts: &DispatchFacts<'_>) -> Result<Vec<u8>, RenderError> {
    let mut rows = vec![
        ("Brev".to_owned(), facts.title.to_owned()),
        ("Mottaker".to_owned(), facts.recipient.to_owned()),
        (
            "Kommuneposts referanse".to_owned(),
            facts.letter_id.to_owned(),
        ),
    ];
    let channel = if facts.office_print {
        "Papir (skrevet ut på kontoret)".to_owned()
    } else {
        facts
            .route
            .map(route_words)
            .unwrap_or_else(|| "Ikke registrert".to_owned())
    };
    rows.push(("Kanal".to_owned(), channel));
    if let Some(seen) = facts.seen_route.filter(|s| Some(*s) != facts.route) {
        rows.push(("Kanal ifølge SvarUt".to_owned(), route_words(seen)));
    }
    let check = facts.krr_evidence.and_then(krr_check);
    match &check {
        Some(check) => {
            rows.push(("Oppslag ved utsending".to_owned(), time_text(&check.at)));
            rows.push(("Oppslaget ga".to_owned(), route_words(&check.route)));
            rows.push((
                "Grunn".to_owned(),
                check
                    .reason
                    .as_deref()
                    .map(reason_words)
                    .unwrap_or_else(|| "brevet hadde ingen identifikator".to_owned()),
            ));
        }
        None => rows.push((
            "Oppslag ved utsending".to_owned(),
            "Ikke registrert".to_owned(),
        )),
    }
    rows.push((
        "Forsendelses-ID i SvarUt".to_owned(),
        facts
            .svarut_id
            .unwrap_or(if facts.office_print {
                "ikke sendt gjennom SvarUt"
            } else {
                "ikke tildelt"
            })
            .to_owned(),
    ));
    let history: Vec<(String, String)> = facts
        .events
        .iter()
        .map(|(at, line)| (time_text(at), crate::mask::text(&event_words(line))))
        .collect();
    let body = vec![
        paragraph(
            "Kvitteringen viser hvordan brevet ble sendt: kanalen og hvorfor, oppslaget i \
             Kontakt- og reservasjonsregisteret ved utsending (uten kontaktopplysninger) og \
             statusene fra SvarUt så langt.",
        ),
        table(["Opplysning", "Verdi"], rows),
        heading("Statushistorikk"),
        if history.is_empty() {
            paragraph("Ingen hendelser registrert.")
        } else {
            table(["Tidspunkt", "Hendelse"], history)
        },
    ];
    let letter = receipt_letter("Forsendelseskvittering", facts.date, body, facts.made_at);
    Ok(render(&letter)?.bytes)
}

/// The signing history of an order as PDF/A: the order, each signer's status and the order's
/// timeline.
pub fn signing_history(
    order: &crate::store::SigningOrder,
    events: &[(String, String)],
    made_at: DateTime<Utc>,
) -> Result<Vec<u8>, RenderError> {
    let rows = vec![
        ("Oppdrag".to_owned(), order.title.clone()),
        ("Kommuneposts referanse".to_owned(), order.id.clone()),
        (
            "Sikkerhetsnivå".to_owned(),
            match order.level.as_deref() {
                Some("4") => "4 (høyt)".to_owned(),
                Some("3") => "3 (betydelig)".to_owned(),
                Some(other) => other.to_owned(),
                None => "Ikke oppgitt".to_owned(),
            },
        ),
        ("Opprettet".to_owned(), time_text(&order.created_at)),
    ];
    let signers: Vec<(String, String)> = order
        .signers
        .iter()
        .map(|s| {
            let since = s
                .status_since
                .as_deref()
                .map(|t| format!(" ({})", time_text(t)))
                .unwrap_or_default();
            (
                s.name.clone(),
                format!(
                    "{}{since}",
                    crate::store::signer_status_text(&crate::signing::model::SignerStatus::parse(
                        &s.status
                    ))
                ),
            )
        })
        .collect();
    let history: Vec<(String, String)> = events
        .iter()
        .map(|(at, line)| (time_text(at), crate::mask::text(line)))
        .collect();
    let body = vec![
        paragraph("Historikken viser hvem som signerte dokumentet, og når."),
        table(["Opplysning", "Verdi"], rows),
        heading("Signatarer"),
        table(["Navn", "Status"], signers),
        heading("Hendelser"),
        if history.is_empty() {
            paragraph("Ingen hendelser registrert.")
        } else {
            table(["Tidspunkt", "Hendelse"], history)
        },
    ];
    let letter = receipt_letter(
        "Signeringshistorikk",
        crate::norway::date(made_at),
        body,
        made_at,
    );
    Ok(render(&letter)?.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dispatch_receipt_is_a_pdf_in_words_without_contact_details() {
        let events = vec![
            (
                "2026-12-07T09:00:00+00:00".to_owned(),
                "Lagt i utboksen".to_owned(),
            ),
            (
                "2026-12-07T09:05:00+00:00".to_owned(),
                "Status i SvarUt: LEVERT_SDP".to_owned(),
            ),
        ];
        let facts = DispatchFacts {
            title: "Vedtak om tilskudd",
            recipient: "Kari Nordmann 😀",
            letter_id: "letter-1",
            route: Some("digital_postkasse"),
            seen_route: None,
            krr_evidence: Some("2026-12-07T09:01:00+00:00 KRR: digital_postkasse (has_mailbox)"),
            svarut_id: Some("f-123"),
            office_print: false,
            events: &events,
            date: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            made_at: "2026-12-07T10:00:00Z".parse().unwrap(),
        };
        let pdf = dispatch_receipt(&facts).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert_eq!(
            event_words("Status i SvarUt: LEVERT_SDP"),
            "Levert i digital postkasse"
        );
        assert_eq!(reason_words("has_mailbox"), "har digital postkasse");
        assert_eq!(
            time_words("2026-12-07T09:05:00Z".parse().unwrap()),
            "7. desember 2026 kl. 10.05"
        );
        assert_eq!(printable("Kari 😀"), "Kari ?");
    }
}
