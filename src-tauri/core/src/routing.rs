//! Where a letter goes, decided as SvarUt decides it (`shared/specs/svarut-dpi.md` §2.1): a
//! person's digital mailbox (Digipost or e-Boks); Altinn, printed after the account's read
//! deadline when not read, for a person in KRR without a mailbox; paper for a reserved, deleted
//! or unknown person; an organisation's receiving system (SvarInn), else Altinn. With the
//! reason, and which notification channels may be used under the 18-month rule. Pure: time is
//! passed in. The preview, the worker's send-time routing and the sandbox's SvarUt all follow
//! this tree, so what the clerk is shown is what happens.
//!
//! Facts: `shared/specs/krr-maskinporten-identifiers.md` §1.5–1.7, `rules-and-limits.md`.

use chrono::{DateTime, Months, Utc};
use serde::Serialize;

use crate::krr::{KrrPerson, PersonStatus, Reservasjon, Varslingsstatus};

/// Organisation number of Posten's Digipost as `postkasseleverandoeradresse`.
pub const DIGIPOST_ORGNR: &str = "984661185";
/// Organisation number of e-Boks as `postkasseleverandoeradresse`.
pub const EBOKS_ORGNR: &str = "922020175";

/// A digital mailbox provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum MailboxProvider {
    /// Digipost (Posten).
    Digipost,
    /// e-Boks.
    Eboks,
    /// A provider this program does not know by its organisation number.
    Other,
}

impl MailboxProvider {
    /// The provider for KRR's `postkasseleverandoeradresse`.
    pub fn from_orgnr(orgnr: &str) -> Self {
        match orgnr {
            DIGIPOST_ORGNR => Self::Digipost,
            EBOKS_ORGNR => Self::Eboks,
            _ => Self::Other,
        }
    }
}

/// The channel a letter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// The person's digital mailbox.
    DigitalPostkasse,
    /// Printed and posted.
    Papir,
    /// Altinn: an organisation, or a person in KRR without a digital mailbox. SvarUt prints it
    /// when it is not read within the account's read deadline.
    Altinn,
    /// An organisation's own receiving system (SvarInn, "mottakersystem").
    Svarinn,
}

impl Route {
    /// Its name as stored and serialised.
    pub fn name(self) -> &'static str {
        match self {
            Self::DigitalPostkasse => "digital_postkasse",
            Self::Papir => "papir",
            Self::Altinn => "altinn",
            Self::Svarinn => "svarinn",
        }
    }

    /// The route for its stored name (`digital_postkasse`, `papir`, `altinn`, `svarinn`).
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::DigitalPostkasse,
            Self::Papir,
            Self::Altinn,
            Self::Svarinn,
        ]
        .into_iter()
        .find(|r| r.name() == name)
    }

    /// Whether SvarUt prints a letter on this route when it is not read within the read
    /// deadline (Altinn; `svarut-dpi.md` §2.1, §2.5 items 2 and 5).
    pub fn printed_if_unread(self) -> bool {
        self == Self::Altinn
    }
}

/// Why the route was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum RouteReason {
    /// The person has a digital mailbox and may be reached there.
    HasMailbox,
    /// Reserved against digital communication (`reservasjon` = `JA`).
    Reserved,
    /// Not in the register (`IKKE_REGISTRERT`, or missing from the answer).
    NotRegistered,
    /// Deleted from the register (`SLETTET`).
    Deleted,
    /// In the register, not reserved, but no digital mailbox.
    NoMailbox,
    /// Contact information expired (`KAN_IKKE_VARSLES` under the 18-month rule).
    ContactExpired,
    /// A status this program does not know; paper is the safe choice.
    UnknownStatus,
    /// An organisation: organisations cannot reserve themselves and receive in Altinn.
    Organisation,
    /// An organisation with its own receiving system (SvarInn): the letter goes straight to it.
    ReceivingSystem,
}

/// Which notification channels may be used for a notice (eForvaltningsforskriften § 8, § 32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, specta::Type)]
pub struct NotificationChannels {
    /// E-mail may be used.
    pub email: bool,
    /// SMS may be used.
    pub sms: bool,
}

/// The routing decision for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RoutingDecision {
    /// The channel.
    pub route: Route,
    /// Why.
    pub reason: RouteReason,
    /// The mailbox provider, for [`Route::DigitalPostkasse`].
    pub provider: Option<MailboxProvider>,
    /// Notification channels usable now.
    pub notification: NotificationChannels,
    /// Where the sources do not settle what SvarUt does, the other possible channel: the
    /// clerk is shown both.
    pub alternative: Option<Route>,
}

/// Decides for a person; `None` means KRR did not return them (not registered).
pub fn route_person(person: Option<&KrrPerson>, now: DateTime<Utc>) -> RoutingDecision {
    let paper = |reason| RoutingDecision {
        route: Route::Papir,
        reason,
        provider: None,
        notification: NotificationChannels::default(),
        alternative: None,
    };
    let Some(person) = person else {
        return paper(RouteReason::NotRegistered);
    };
    match &person.status {
        PersonStatus::Aktiv => {}
        PersonStatus::Slettet => return paper(RouteReason::Deleted),
        PersonStatus::IkkeRegistrert => return paper(RouteReason::NotRegistered),
        PersonStatus::Unknown(_) => return paper(RouteReason::UnknownStatus),
    }
    // A missing reservation is treated as reserved: paper is the channel that never breaks
    // the law (UNCONFIRMED whether KRR ever omits it for an AKTIV person; spec §1.4).
    if person.reservasjon != Some(Reservasjon::Nei) {
        return paper(RouteReason::Reserved);
    }
    let notification = notification_channels(person, now);
    if person.varslingsstatus != Some(Varslingsstatus::KanVarsles) {
        // In KRR, not reserved, but KRR withholds the mailbox and contact details (18-month
        // rule). SvarUt's tree sends "in KRR, no mailbox" to Altinn, where no notice reaches
        // the person, so it is printed after the read deadline. UNCONFIRMED (svarut-dpi.md
        // §2.1 does not settle it): SvarUt may print at once. The clerk is shown both.
        return RoutingDecision {
            route: Route::Altinn,
            reason: RouteReason::ContactExpired,
            provider: None,
            notification,
            alternative: Some(Route::Papir),
        };
    }
    // A mailbox needs both the person's address at the provider and the provider; KRR may send
    // empty strings, which count as absent (spec §1.4).
    let mailbox = person
        .digital_post
        .as_ref()
        .filter(|m| m.postkasseadresse.is_some())
        .and_then(|m| m.postkasseleverandoeradresse.as_deref());
    match mailbox {
        Some(orgnr) => RoutingDecision {
            route: Route::DigitalPostkasse,
            reason: RouteReason::HasMailbox,
            provider: Some(MailboxProvider::from_orgnr(orgnr)),
            notification,
            alternative: None,
        },
        // In KRR without a mailbox (or DPI not enabled): Altinn, then print after the read
        // deadline when not read (svarut-dpi.md §2.1, §2.5 item 2).
        None => RoutingDecision {
            route: Route::Altinn,
            reason: RouteReason::NoMailbox,
            provider: None,
            notification,
            alternative: None,
        },
    }
}

/// An organisation with a receiving system (SvarInn) registered in SvarUt: delivered to that
/// system, counted apart from Altinn.
pub fn route_receiving_system() -> RoutingDecision {
    RoutingDecision {
        route: Route::Svarinn,
        reason: RouteReason::ReceivingSystem,
        provider: None,
        notification: NotificationChannels::default(),
        alternative: None,
    }
}

/// Decides for an organisation: Altinn, never reserved.
pub fn route_organisation() -> RoutingDecision {
    RoutingDecision {
        route: Route::Altinn,
        reason: RouteReason::Organisation,
        provider: None,
        notification: NotificationChannels::default(),
        alternative: None,
    }
}

/// A channel may notify only if the person is active, not reserved, `KAN_VARSLES`, and the
/// later of the channel's two dates is newer than 18 calendar months before `now` (strictly:
/// exactly 18 months old is expired).
pub fn notification_channels(person: &KrrPerson, now: DateTime<Utc>) -> NotificationChannels {
    let eligible = person.status == PersonStatus::Aktiv
        && person.reservasjon == Some(Reservasjon::Nei)
        && person.varslingsstatus == Some(Varslingsstatus::KanVarsles);
    let Some(contact) = person.kontaktinformasjon.as_ref().filter(|_| eligible) else {
        return NotificationChannels::default();
    };
    NotificationChannels {
        email: contact.epostadresse.is_some()
            && is_fresh(
                contact.epostadresse_oppdatert,
                contact.epostadresse_sist_verifisert,
                now,
            ),
        sms: contact.mobiltelefonnummer.is_some()
            && is_fresh(
                contact.mobiltelefonnummer_oppdatert,
                contact.mobiltelefonnummer_sist_verifisert,
                now,
            ),
    }
}

/// The 18-month rule for one channel.
pub fn is_fresh(
    updated: Option<DateTime<Utc>>,
    verified: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let Some(limit) = now.checked_sub_months(Months::new(18)) else {
        return false;
    };
    updated.max(verified).is_some_and(|latest| latest > limit)
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
