//! Before sending: where each letter goes, why, which notices apply, what the preflight found,
//! and what it will cost — per recipient and in totals. Nothing is sent from here; the clerk
//! confirms first. The routing comes from a fresh KRR lookup ([`crate::routing`]); prices from
//! a configurable table.

use serde::Serialize;

use crate::routing::{MailboxProvider, NotificationChannels, Route, RouteReason, RoutingDecision};

pub use crate::config::PriceTable;

impl PriceTable {
    /// The estimated cost of one letter of `bytes` and `pages` on `route`.
    pub fn cost(&self, route: Route, bytes: u64, pages: u32) -> f64 {
        match route {
            Route::DigitalPostkasse => {
                let tier = self
                    .digital_tiers
                    .iter()
                    .find(|(limit, _)| bytes <= u64::from(*limit))
                    .or(self.digital_tiers.last())
                    .map_or(0.0, |(_, kr)| *kr);
                tier + self.digital_transport
            }
            Route::Altinn => self.altinn,
            Route::Svarinn => self.svarinn,
            Route::Papir => {
                // Printed on both sides is not assumed: one page per sheet.
                let sheets = pages.max(1);
                self.print_first_sheet
                    + f64::from(sheets - 1) * self.print_extra_sheet
                    + self.postage
            }
        }
    }
}

/// One recipient in the preview.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct PreviewRow {
    /// Name and masked identifier.
    pub recipient: String,
    /// Where the letter goes.
    pub route: Route,
    /// Why.
    pub reason: RouteReason,
    /// Digipost or e-Boks, for a digital mailbox.
    pub provider: Option<MailboxProvider>,
    /// Notices that apply.
    pub notification: NotificationChannels,
    /// Where the sources do not settle SvarUt's choice: the other possible channel.
    pub alternative: Option<Route>,
    /// Preflight warnings for this letter.
    pub warnings: Vec<String>,
    /// Estimated cost (NOK) on the route.
    pub cost: f64,
    /// What it costs more if SvarUt prints it after the read deadline (Altinn) or at once
    /// (the alternative): the print price; 0 when it cannot end on paper.
    pub if_printed: f64,
}

/// Totals per channel.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
pub struct ChannelTotal {
    /// Letters.
    pub letters: u32,
    /// Estimated cost (NOK).
    pub cost: f64,
}

/// The whole preview.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
pub struct DispatchPreview {
    /// One per recipient, in order.
    pub rows: Vec<PreviewRow>,
    /// Digital mailbox.
    pub digital: ChannelTotal,
    /// Altinn (printed after the read deadline when not read).
    pub altinn: ChannelTotal,
    /// Organisations' receiving systems (SvarInn).
    pub svarinn: ChannelTotal,
    /// Paper.
    pub paper: ChannelTotal,
    /// All letters.
    pub total_cost: f64,
    /// The most the Altinn letters add if none is read before the read deadline (print).
    pub if_unread: f64,
    /// What the same letters would cost all on paper, less the estimate: the saving.
    pub saving: f64,
}

/// A letter to preview: who, how it was routed, its size and pages, and its warnings.
#[derive(Debug, Clone)]
pub struct PreviewInput {
    /// Name and masked identifier.
    pub recipient: String,
    /// The routing from a fresh KRR lookup (or an organisation's).
    pub decision: RoutingDecision,
    /// Size of everything sent.
    pub bytes: u64,
    /// Pages printed if it goes on paper.
    pub pages: u32,
    /// Preflight warnings.
    pub warnings: Vec<String>,
}

/// Builds the preview.
pub fn preview(inputs: Vec<PreviewInput>, prices: &PriceTable) -> DispatchPreview {
    let mut out = DispatchPreview::default();
    let mut all_paper = 0.0;
    for input in inputs {
        let route = input.decision.route;
        let cost = prices.cost(route, input.bytes, input.pages);
        let paper = prices.cost(Route::Papir, input.bytes, input.pages);
        all_paper += paper;
        let may_print = route.printed_if_unread()
            || (route != Route::Papir && input.decision.alternative == Some(Route::Papir));
        let if_printed = if may_print { paper } else { 0.0 };
        let total = match route {
            Route::DigitalPostkasse => &mut out.digital,
            Route::Altinn => &mut out.altinn,
            Route::Svarinn => &mut out.svarinn,
            Route::Papir => &mut out.paper,
        };
        total.letters += 1;
        total.cost += cost;
        out.total_cost += cost;
        out.if_unread += if_printed;
        out.rows.push(PreviewRow {
            recipient: input.recipient,
            route,
            reason: input.decision.reason,
            provider: input.decision.provider,
            notification: input.decision.notification,
            alternative: input.decision.alternative,
            warnings: input.warnings,
            cost,
            if_printed,
        });
    }
    out.saving = all_paper - out.total_cost;
    out
}

/// The forsendelse for a letter to a recipient-list row: the recipient with `digitalId` and
/// the postal address (for print), the documents in order (the letter first, named by its
/// title), marked from Kommunepost. `eksternReferanse` is set when the letter is queued.
pub fn forsendelse_for(
    title: &str,
    row: &crate::letters::recipients::RecipientRow,
    documents: &[crate::letters::preflight::PackageDocument],
) -> crate::svarut::model::Forsendelse {
    use crate::svarut::model::{Adresse, Dokument, Forsendelse};
    let line = |i: usize| row.address_lines.get(i).cloned();
    Forsendelse {
        tittel: title.to_owned(),
        mottaker: Adresse {
            navn: row.name.clone(),
            digital_id: Some(row.identifier.expose()),
            adresselinje1: line(0),
            adresselinje2: line(1),
            adresselinje3: line(2),
            postnummer: Some(row.postcode.clone()).filter(|p| !p.is_empty()),
            poststed: Some(row.city.clone()).filter(|p| !p.is_empty()),
            land: Some(row.country.clone()).filter(|c| !c.is_empty()),
        },
        avgivende_system: Some("Kommunepost".into()),
        dokumenter: documents
            .iter()
            .map(|d| Dokument {
                filnavn: d.file_name.clone(),
                mime_type: "application/pdf".into(),
                skal_signeres: d.for_signing,
                ..Dokument::default()
            })
            .collect(),
        ..Forsendelse::default()
    }
}

/// A letter made for one row, ready to preview and queue.
#[derive(Debug, Clone)]
pub struct PreparedLetter {
    /// The row.
    pub row: crate::letters::recipients::RecipientRow,
    /// The forsendelse (without `eksternReferanse`).
    pub forsendelse: crate::svarut::model::Forsendelse,
    /// The documents, in order.
    pub documents: Vec<Vec<u8>>,
    /// Pages of the letter.
    pub pages: u32,
    /// Preflight warnings (nothing blocking).
    pub warnings: Vec<String>,
}

/// Makes every row's letter (merge, PDF/A, preflight for print, the strictest channel).
/// Rows that cannot become a letter come back as (row, reason), with the list's own problems.
pub fn prepare_letters(
    template: &crate::letters::template::Template,
    list: &crate::letters::recipients::RecipientList,
    date: chrono::NaiveDate,
) -> Prepared {
    use crate::letters::compose::compose_for;
    prepare_rows(list, |row| {
        let letter = compose_for(template, row, date).map_err(|e| RowError::from_error(&e))?;
        prepare_one(letter, row, &[], AttachmentMode::Separate)
    })
}

use crate::letters::package::AttachmentMode;

fn prepare_rows(
    list: &crate::letters::recipients::RecipientList,
    make: impl Fn(&crate::letters::recipients::RecipientRow) -> Result<PreparedLetter, RowError> + Sync,
) -> Prepared {
    let mut failed: Vec<(usize, RowError)> = list
        .problems
        .iter()
        .map(|p| {
            (
                p.row,
                RowError {
                    message: p.message.clone(),
                    problem: p.problem.clone(),
                },
            )
        })
        .collect();
    // On every core, each thread a contiguous share of the rows, so the letters come back in
    // the list's order.
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 8);
    let share = list.recipients.len().div_ceil(workers).max(1);
    let made: Vec<Vec<(usize, Result<PreparedLetter, RowError>)>> = std::thread::scope(|scope| {
        let make = &make;
        let handles: Vec<_> = list
            .recipients
            .chunks(share)
            .map(|rows| {
                scope.spawn(move || {
                    rows.iter()
                        .map(|row| (row.row, make(row)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a letter worker panicked"))
            .collect()
    });
    let mut ready = Vec::with_capacity(list.recipients.len());
    for (row, result) in made.into_iter().flatten() {
        match result {
            Ok(letter) => ready.push(letter),
            Err(error) => failed.push((row, error)),
        }
    }
    failed.sort_by_key(|(row, _)| *row);
    (ready, failed)
}

/// Why one letter cannot be made: in English (CLI, log) and for the clerk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RowError {
    /// English, identifiers masked.
    pub message: String,
    /// For the UI.
    pub problem: crate::problem::Problem,
}

impl RowError {
    /// From an error that can explain itself.
    pub fn from_error<E: crate::problem::Explain + std::fmt::Display>(error: &E) -> Self {
        Self {
            message: crate::mask::text(&error.to_string()),
            problem: error.problem(),
        }
    }
}

/// One composed letter for `row`: rendered as PDF/A, packaged with the attachments, checked
/// for print (the strictest channel).
fn prepare_one(
    letter: crate::letters::compose::Letter,
    row: &crate::letters::recipients::RecipientRow,
    attachments: &[crate::letters::package::Attachment],
    mode: AttachmentMode,
) -> Result<PreparedLetter, RowError> {
    use crate::letters::package::package;
    use crate::letters::pdf::render;
    use crate::letters::preflight::{PreflightChannel, blocks, preflight, preflight_rendered};
    let rendered = render(&letter).map_err(|e| RowError::from_error(&e))?;
    let pages = u32::try_from(rendered.pages).unwrap_or(u32::MAX);
    let package = package(&letter.title, rendered.bytes, attachments, mode, false)
        .map_err(|e| RowError::from_error(&e))?;
    // A letter merged with attachments is a new file: read it back. Otherwise the letter is
    // our own rendering, checked by construction, and only the attachments are read.
    let problems = if mode == AttachmentMode::Merged && !attachments.is_empty() {
        preflight(&letter.title, &package.documents, PreflightChannel::Papir)
    } else {
        preflight_rendered(&letter.title, &package.documents, PreflightChannel::Papir)
    };
    if blocks(&problems) {
        let messages: Vec<String> = problems.iter().map(|p| p.message.clone()).collect();
        let first = problems
            .iter()
            .find(|p| p.blocking)
            .map(|p| p.problem.clone())
            .unwrap_or_else(|| crate::problem::Problem::new(crate::problem::ProblemKey::Internal));
        return Err(RowError {
            message: crate::mask::text(&format!("preflight: {}", messages.join("; "))),
            problem: first,
        });
    }
    Ok(PreparedLetter {
        row: row.clone(),
        forsendelse: forsendelse_for(&letter.title, row, &package.documents),
        documents: package.documents.into_iter().map(|d| d.bytes).collect(),
        pages,
        warnings: problems.into_iter().map(|p| p.message).collect(),
    })
}

/// The letters made, and the rows that could not become one: (row, reason).
pub type Prepared = (Vec<PreparedLetter>, Vec<(usize, RowError)>);

/// Why a draft cannot be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    /// The draft itself (list, attachments, fields).
    #[error(transparent)]
    Draft(#[from] crate::letters::draft::DraftError),
    /// A single letter needs a recipient that SvarUt can reach.
    #[error("the letter needs the recipient's fødselsnummer, name and postal address")]
    NoRecipient,
    /// The single letter cannot be made.
    #[error("the letter cannot be made: {0}")]
    Letter(RowError),
}

/// Every letter of a draft: one per row of its recipient list, or its single recipient.
/// For a list, rows that cannot become a letter come back as (row, reason).
pub fn prepare_draft(
    draft: &crate::letters::draft::DraftLetter,
    text: crate::letters::draft::DraftText<'_>,
    template: Option<&crate::letters::template::Template>,
    date: chrono::NaiveDate,
) -> Result<Prepared, PrepareError> {
    use crate::ident::Identifier;
    use crate::letters::recipients::RecipientRow;
    let attachments = draft.attachment_files()?;
    if let Some(list) = draft.recipients()? {
        return Ok(prepare_rows(&list, |row| {
            let letter = draft
                .compose(text, template, Some(row.row), date)
                .map_err(|e| RowError::from_error(&e))?;
            prepare_one(letter, row, &attachments, draft.attachment_mode)
        }));
    }
    let fnr = text.recipient_fnr.ok_or(PrepareError::NoRecipient)?;
    let letter = draft.compose(text, template, None, date)?;
    if letter.recipient.is_none() {
        return Err(PrepareError::NoRecipient);
    }
    let row = RecipientRow {
        row: 1,
        identifier: Identifier::Person(fnr.clone()),
        name: text.recipient_name.trim().to_owned(),
        address_lines: draft
            .address_lines
            .iter()
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect(),
        postcode: draft.postcode.trim().to_owned(),
        city: draft.city.trim().to_owned(),
        country: String::new(),
        values: crate::letters::merge::MergeValues::new(Vec::new()),
    };
    let letter = prepare_one(letter, &row, &attachments, draft.attachment_mode)
        .map_err(PrepareError::Letter)?;
    Ok((vec![letter], Vec::new()))
}

/// An organisation's route as SvarUt takes it: to its receiving system (SvarInn) when SvarUt
/// has one registered for it, else Altinn. Without `svarut`, or when SvarUt cannot say, Altinn
/// (SvarUt itself decides at sending). The preview and the worker's send-time routing both
/// ask here.
pub async fn organisation_route(
    svarut: Option<&crate::svarut::SvarUtClient>,
    organisasjonsnummer: &str,
) -> RoutingDecision {
    let Some(svarut) = svarut else {
        return crate::routing::route_organisation();
    };
    match svarut.mottakersystemer(organisasjonsnummer).await {
        Ok(found) if !found.is_empty() => crate::routing::route_receiving_system(),
        Ok(_) => crate::routing::route_organisation(),
        Err(error) => {
            tracing::warn!(%error, "SvarUt's receiving systems could not be read");
            crate::routing::route_organisation()
        }
    }
}

/// Routes prepared letters for the preview: persons by a fresh KRR lookup (written to the
/// audit log first, as every lookup is); organisations to their receiving system (SvarInn)
/// when SvarUt has one registered, else to Altinn. One input per letter. Without `svarut`, or
/// when SvarUt cannot say, organisations show as Altinn (SvarUt itself decides at sending).
pub async fn route_letters(
    letters: &[PreparedLetter],
    krr: &crate::krr::KrrClient,
    svarut: Option<&crate::svarut::SvarUtClient>,
    store: &crate::store::Store,
    context: &crate::lookup::LookupContext<'_>,
    environment: crate::config::Environment,
    cancel: &crate::krr::Cancel,
) -> Result<Vec<PreviewInput>, crate::lookup::LookupError> {
    use crate::ident::Identifier;
    use crate::letters::batch::describe;
    use crate::routing::route_organisation;
    let people: Vec<String> = letters
        .iter()
        .filter_map(|l| match &l.row.identifier {
            Identifier::Person(fnr) => Some(fnr.expose().to_owned()),
            Identifier::Organisation(_) => None,
        })
        .collect();
    let rows = if people.is_empty() {
        Vec::new()
    } else {
        let plan = crate::lookup::Plan::new(&people, environment, crate::norway::date(context.now));
        crate::lookup::run(&plan, krr, store, context, cancel, &|_, _| {}).await?
    };
    let mut organisations = std::collections::HashMap::new();
    for letter in letters {
        if let Identifier::Organisation(org) = &letter.row.identifier {
            let number = org.to_string();
            if let std::collections::hash_map::Entry::Vacant(entry) = organisations.entry(number) {
                let decision = organisation_route(svarut, entry.key()).await;
                entry.insert(decision);
            }
        }
    }
    let mut person_rows = rows.into_iter();
    Ok(letters
        .iter()
        .map(|letter| {
            let decision = match &letter.row.identifier {
                Identifier::Organisation(org) => organisations
                    .get(&org.to_string())
                    .cloned()
                    .unwrap_or_else(route_organisation),
                Identifier::Person(_) => {
                    let row = person_rows.next();
                    RoutingDecision {
                        route: row.as_ref().and_then(|r| r.route).unwrap_or(Route::Papir),
                        reason: row
                            .as_ref()
                            .and_then(|r| r.reason)
                            .unwrap_or(RouteReason::UnknownStatus),
                        provider: row.as_ref().and_then(|r| r.postkasseleverandoer),
                        notification: row
                            .as_ref()
                            .and_then(|r| r.notification)
                            .unwrap_or_default(),
                        alternative: row.as_ref().and_then(|r| r.alternative),
                    }
                }
            };
            PreviewInput {
                recipient: describe(&letter.row),
                decision,
                bytes: letter.documents.iter().map(|d| d.len() as u64).sum(),
                pages: letter.pages,
                warnings: letter.warnings.clone(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rows_forsendelse_has_the_recipient_address_and_documents_in_order() {
        let csv = "fodselsnummer;navn;adresselinje1;adresselinje2;postnummer;poststed\n\
                   20914695016;Åse Ødegård;Storgata 1;Leilighet 2;7300;ORKANGER\n";
        let row = crate::letters::recipients::read_recipients(csv.as_bytes())
            .unwrap()
            .recipients
            .remove(0);
        let documents =
            ["Vedtak.pdf", "vedlegg.pdf"].map(|n| crate::letters::preflight::PackageDocument {
                file_name: n.into(),
                bytes: b"%PDF-".to_vec(),
                for_signing: false,
            });
        let f = forsendelse_for("Vedtak", &row, &documents);
        assert_eq!(f.mottaker.digital_id.as_deref(), Some("20914695016"));
        assert_eq!(f.mottaker.adresselinje2.as_deref(), Some("Leilighet 2"));
        assert_eq!(f.mottaker.postnummer.as_deref(), Some("7300"));
        assert_eq!(f.mottaker.land, None);
        let names: Vec<&str> = f.dokumenter.iter().map(|d| d.filnavn.as_str()).collect();
        assert_eq!(names, ["Vedtak.pdf", "vedlegg.pdf"]);
    }

    fn decision(route: Route, reason: RouteReason) -> RoutingDecision {
        RoutingDecision {
            route,
            reason,
            provider: None,
            notification: NotificationChannels::default(),
            alternative: None,
        }
    }

    #[test]
    fn costs_follow_the_price_table() {
        let prices = PriceTable::default();
        assert!((prices.cost(Route::DigitalPostkasse, 40_000, 1) - 0.767).abs() < 1e-9);
        assert!((prices.cost(Route::DigitalPostkasse, 600_000, 1) - 2.277).abs() < 1e-9);
        assert!((prices.cost(Route::DigitalPostkasse, 9_000_000, 1) - 2.277).abs() < 1e-9);
        assert!((prices.cost(Route::Papir, 40_000, 3) - (30.90 + 2.0 * 1.29)).abs() < 1e-9);
        assert_eq!(prices.cost(Route::Altinn, 40_000, 1), 0.0);
    }

    #[test]
    fn totals_per_channel_and_the_saving_against_paper() {
        let input = |route, reason| PreviewInput {
            recipient: "x".into(),
            decision: decision(route, reason),
            bytes: 40_000,
            pages: 1,
            warnings: vec![],
        };
        let p = preview(
            vec![
                input(Route::DigitalPostkasse, RouteReason::HasMailbox),
                input(Route::DigitalPostkasse, RouteReason::HasMailbox),
                input(Route::Papir, RouteReason::Reserved),
                input(Route::Altinn, RouteReason::Organisation),
                input(Route::Svarinn, RouteReason::ReceivingSystem),
                PreviewInput {
                    decision: RoutingDecision {
                        alternative: Some(Route::Papir),
                        ..decision(Route::Altinn, RouteReason::ContactExpired)
                    },
                    ..input(Route::Altinn, RouteReason::ContactExpired)
                },
            ],
            &PriceTable::default(),
        );
        assert_eq!(
            (
                p.digital.letters,
                p.paper.letters,
                p.altinn.letters,
                p.svarinn.letters
            ),
            (2, 1, 2, 1)
        );
        assert!((p.total_cost - (2.0 * 0.767 + 30.90)).abs() < 1e-9);
        assert!((p.saving - (6.0 * 30.90 - p.total_cost)).abs() < 1e-9);
        assert_eq!(p.rows[2].reason, RouteReason::Reserved);
        // The Altinn letters may end on paper after the read deadline; SvarInn's do not.
        assert_eq!(
            p.rows.iter().map(|r| r.if_printed).collect::<Vec<_>>(),
            [0.0, 0.0, 0.0, 30.90, 0.0, 30.90]
        );
        assert!((p.if_unread - 2.0 * 30.90).abs() < 1e-9);
        assert_eq!(p.rows[5].alternative, Some(Route::Papir));
    }
}
