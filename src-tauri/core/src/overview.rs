//! The overview of what was sent: this month's letters by channel and status, the saving
//! against paper, the open exceptions, reminders and print batch; and what the clerk should do
//! about a letter that failed. Read from the store, counted by the database.

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::store::{OutboxLetter, OutboxState, Store, StoreError};

/// What the clerk should do about an exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Advice {
    /// SvarUt refused the forsendelse (validation): correct the letter and send a new one.
    FixLetter,
    /// The integration, account or access is wrong: check the SvarUt settings, then retry.
    CheckSettings,
    /// Digital delivery only, and it failed: send the letter on paper.
    SendOnPaper,
    /// SvarUt could not build the forsendelse from the documents: check them, send anew.
    CheckDocuments,
    /// Something else failed at SvarUt: contact KS Fiks support with the forsendelse id.
    ContactSupport,
}

/// What to do about a failed letter.
pub fn advice_for(letter: &OutboxLetter) -> Advice {
    match letter.status.as_deref() {
        Some("IKKE_LEVERT") => Advice::SendOnPaper,
        Some("AVVIST") => Advice::CheckDocuments,
        Some(_) => Advice::ContactSupport,
        None if letter.last_problem.is_some() => {
            use crate::problem::ProblemKey as K;
            match letter.last_problem.as_ref().map(|p| p.key) {
                Some(
                    K::SvarUtIntegration
                    | K::SvarUtForbidden
                    | K::SvarUtBadToken
                    | K::SvarUtToken
                    | K::MaskinportenRefused
                    | K::KrrForbidden
                    | K::KrrUnauthorized
                    | K::MissingClientId
                    | K::MissingCertificate
                    | K::MissingSvarUtAccount
                    | K::MissingIntegrationPassword,
                ) => Advice::CheckSettings,
                _ => Advice::FixLetter,
            }
        }
        None => {
            let error = letter.last_error.as_deref().unwrap_or("").to_lowercase();
            let settings = ["integrasjon", "konto", "tilgang", "401", "403", "access"];
            if settings.iter().any(|s| error.contains(s)) {
                Advice::CheckSettings
            } else {
                Advice::FixLetter
            }
        }
    }
}

/// Letters by channel this month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
pub struct ChannelStats {
    /// `digital_postkasse`, `altinn`, `papir`, or `unrouted` (not yet sent).
    pub route: String,
    /// All.
    pub total: u32,
    /// Waiting in the outbox.
    pub waiting: u32,
    /// Accepted, on their way.
    pub underway: u32,
    /// Delivered, read or printed.
    pub done: u32,
    /// Failed.
    pub failed: u32,
}

/// A status and how many letters have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct StatusCount {
    /// SvarUt's status as written.
    pub status: String,
    /// Letters.
    pub count: u32,
}

/// The dashboard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, specta::Type)]
pub struct Dashboard {
    /// `YYYY-MM`.
    pub month: String,
    /// Letters queued this month.
    pub letters: u32,
    /// By channel.
    pub channels: Vec<ChannelStats>,
    /// By SvarUt status.
    pub statuses: Vec<StatusCount>,
    /// What the letters that left cost, each priced from the price table on its route, as
    /// the send panel prices it (NOK); an Altinn letter printed after the read deadline
    /// costs both.
    pub cost: f64,
    /// What they would have cost all on paper, less `cost` (NOK).
    pub saving: f64,
    /// Open exceptions.
    pub exceptions: u32,
    /// Unread decisions and advance notices older than 7 days.
    pub reminders: u32,
    /// Letters waiting in the office print batch.
    pub to_print: u32,
}

/// This month's overview (the month in Norway that holds `now`) for `environment`; the letters
/// that left are priced from `prices` on their routes, as the send panel prices them.
pub fn dashboard(
    store: &Store,
    environment: &str,
    prices: &crate::config::PriceTable,
    now: DateTime<Utc>,
) -> Result<Dashboard, StoreError> {
    let here = crate::norway::local(now);
    let start = crate::norway::month_start(now);
    let mut dashboard = Dashboard {
        month: format!("{:04}-{:02}", here.year(), here.month()),
        ..Dashboard::default()
    };
    for (route, status, pages, bytes) in store.letters_sent_since(environment, start)? {
        let paper = prices.cost(crate::routing::Route::Papir, bytes, pages);
        let route = crate::routing::Route::from_name(route.as_deref().unwrap_or(""))
            .unwrap_or(crate::routing::Route::Papir);
        let printed = matches!(status.as_deref(), Some("SENDT_PRINT" | "PRINTET"));
        let mut cost = prices.cost(route, bytes, pages);
        if route != crate::routing::Route::Papir && printed {
            cost += paper;
        }
        dashboard.cost += cost;
        dashboard.saving += paper - cost;
    }
    for (route, state, status, count) in store.letter_counts(environment, start)? {
        dashboard.letters += count;
        let route = route.unwrap_or_else(|| "unrouted".into());
        let index = match dashboard.channels.iter().position(|c| c.route == route) {
            Some(i) => i,
            None => {
                dashboard.channels.push(ChannelStats {
                    route: route.clone(),
                    ..ChannelStats::default()
                });
                dashboard.channels.len() - 1
            }
        };
        let channel = &mut dashboard.channels[index];
        channel.total += count;
        match state {
            OutboxState::Held | OutboxState::Queued | OutboxState::Sending => {
                channel.waiting += count
            }
            OutboxState::Sent => channel.underway += count,
            OutboxState::Final => channel.done += count,
            OutboxState::Failed => channel.failed += count,
            OutboxState::Recalled => {}
        }
        if let Some(status) = status {
            match dashboard.statuses.iter_mut().find(|s| s.status == status) {
                Some(found) => found.count += count,
                None => dashboard.statuses.push(StatusCount { status, count }),
            }
        }
    }
    dashboard.channels.sort_by(|a, b| a.route.cmp(&b.route));
    dashboard
        .statuses
        .sort_by_key(|s| std::cmp::Reverse(s.count));
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    dashboard.exceptions = count(store.exceptions(environment)?.len());
    dashboard.reminders = count(store.unread_reminders(environment)?.len());
    dashboard.to_print = count(store.office_print_batch(environment)?.len());
    Ok(dashboard)
}
