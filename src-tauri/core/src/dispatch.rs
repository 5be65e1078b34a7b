//! Before sending: where each letter goes, why, which notices apply, what the preflight found,
//! and what it will cost — per recipient and in totals. Nothing is sent from here; the clerk
//! confirms first. The routing comes from a fresh KRR lookup ([`crate::routing`]); prices from
//! a configurable table.

use serde::{Deserialize, Serialize};

use crate::routing::{MailboxProvider, NotificationChannels, Route, RouteReason, RoutingDecision};

/// Prices in NOK excluding VAT. Defaults from Digdir's DPI price model as of 01.01.2024 and
/// Digipost's print example (`rules-and-limits.md` §6.3 [S35][S21]); tiers the sources do not
/// give, and Altinn's price, are UNCONFIRMED defaults — set your contract's prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct PriceTable {
    /// DPI price by message size: (up to bytes, NOK), ascending; above the last, the last.
    pub digital_tiers: Vec<(u32, f64)>,
    /// DPI transport per message (KS Fiks users).
    pub digital_transport: f64,
    /// An Altinn message (UNCONFIRMED: 0 until set).
    pub altinn: f64,
    /// Print and postage, first sheet (Digipost's example: 30.90, postage included).
    pub print_first_sheet: f64,
    /// Each further sheet.
    pub print_extra_sheet: f64,
    /// Postage on top of the print price (0 when the print price includes it).
    pub postage: f64,
}

impl Default for PriceTable {
    fn default() -> Self {
        Self {
            // ≤ 0.1 MB 0.69 and 0.5–1 MB 2.20 are Digdir's; 0.1–0.5 MB is UNCONFIRMED (the
            // higher tier is used, so the estimate errs high).
            digital_tiers: vec![(100_000, 0.69), (1_000_000, 2.20)],
            digital_transport: 0.077,
            altinn: 0.0,
            print_first_sheet: 30.90,
            print_extra_sheet: 1.29,
            postage: 0.0,
        }
    }
}

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
    /// Preflight warnings for this letter.
    pub warnings: Vec<String>,
    /// Estimated cost (NOK).
    pub cost: f64,
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
    /// Altinn.
    pub altinn: ChannelTotal,
    /// Paper.
    pub paper: ChannelTotal,
    /// All letters.
    pub total_cost: f64,
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
        all_paper += prices.cost(Route::Papir, input.bytes, input.pages);
        let total = match route {
            Route::DigitalPostkasse => &mut out.digital,
            Route::Altinn => &mut out.altinn,
            Route::Papir => &mut out.paper,
        };
        total.letters += 1;
        total.cost += cost;
        out.total_cost += cost;
        out.rows.push(PreviewRow {
            recipient: input.recipient,
            route,
            reason: input.decision.reason,
            provider: input.decision.provider,
            notification: input.decision.notification,
            warnings: input.warnings,
            cost,
        });
    }
    out.saving = all_paper - out.total_cost;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decision(route: Route, reason: RouteReason) -> RoutingDecision {
        RoutingDecision {
            route,
            reason,
            provider: None,
            notification: NotificationChannels::default(),
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
            ],
            &PriceTable::default(),
        );
        assert_eq!(
            (p.digital.letters, p.paper.letters, p.altinn.letters),
            (2, 1, 1)
        );
        assert!((p.total_cost - (2.0 * 0.767 + 30.90)).abs() < 1e-9);
        assert!((p.saving - (4.0 * 30.90 - p.total_cost)).abs() < 1e-9);
        assert_eq!(p.rows[2].reason, RouteReason::Reserved);
    }
}
