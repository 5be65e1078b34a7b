use chrono::{Duration, TimeZone};

use super::*;
use crate::krr::{DigitalPost, Kontaktinformasjon};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap()
}

fn active(mailbox: Option<&str>) -> KrrPerson {
    let recent = Some(now() - Duration::days(30));
    KrrPerson {
        personidentifikator: "20914695016".into(),
        status: PersonStatus::Aktiv,
        reservasjon: Some(Reservasjon::Nei),
        reservasjonstidspunkt: None,
        reservasjon_oppdatert: None,
        varslingsstatus: Some(Varslingsstatus::KanVarsles),
        kontaktinformasjon: Some(Kontaktinformasjon {
            epostadresse: Some("ola@eksempel.no".into()),
            epostadresse_oppdatert: recent,
            epostadresse_sist_verifisert: recent,
            mobiltelefonnummer: Some("+4799999999".into()),
            mobiltelefonnummer_oppdatert: recent,
            mobiltelefonnummer_sist_verifisert: recent,
        }),
        digital_post: mailbox.map(|orgnr| DigitalPost {
            postkasseadresse: Some("ola.nordmann#9YDT".into()),
            postkasseleverandoeradresse: Some(orgnr.into()),
        }),
        sertifikat: None,
        spraak: None,
    }
}

#[test]
fn a_citizen_with_a_digipost_mailbox_is_routed_there_and_may_be_notified_both_ways() {
    let decision = route_person(Some(&active(Some(DIGIPOST_ORGNR))), now());
    assert_eq!(decision.route, Route::DigitalPostkasse);
    assert_eq!(decision.provider, Some(MailboxProvider::Digipost));
    assert_eq!(
        decision.notification,
        NotificationChannels {
            email: true,
            sms: true
        }
    );
}

#[test]
fn an_eboks_mailbox_is_recognised_by_its_organisation_number() {
    let decision = route_person(Some(&active(Some(EBOKS_ORGNR))), now());
    assert_eq!(decision.provider, Some(MailboxProvider::Eboks));
}

#[test]
fn a_reserved_citizen_is_routed_to_paper_and_never_notified() {
    let mut person = active(Some(DIGIPOST_ORGNR));
    person.reservasjon = Some(Reservasjon::Ja);
    person.varslingsstatus = Some(Varslingsstatus::KanIkkeVarsles);
    let decision = route_person(Some(&person), now());
    assert_eq!(
        (decision.route, decision.reason),
        (Route::Papir, RouteReason::Reserved)
    );
    assert_eq!(decision.notification, NotificationChannels::default());
}

#[test]
fn deleted_unregistered_and_missing_persons_go_to_paper_with_their_reason() {
    let mut deleted = active(None);
    deleted.status = PersonStatus::Slettet;
    assert_eq!(
        route_person(Some(&deleted), now()).reason,
        RouteReason::Deleted
    );
    let mut unregistered = active(None);
    unregistered.status = PersonStatus::IkkeRegistrert;
    assert_eq!(
        route_person(Some(&unregistered), now()).reason,
        RouteReason::NotRegistered
    );
    assert_eq!(route_person(None, now()).reason, RouteReason::NotRegistered);
    let mut strange = active(None);
    strange.status = PersonStatus::Unknown("NY_STATUS".into());
    assert_eq!(route_person(Some(&strange), now()).route, Route::Papir);
}

#[test]
fn kan_ikke_varsles_goes_to_altinn_unnotified_with_paper_as_the_other_outcome() {
    let mut person = active(None);
    person.varslingsstatus = Some(Varslingsstatus::KanIkkeVarsles);
    let decision = route_person(Some(&person), now());
    assert_eq!(
        (decision.route, decision.reason, decision.alternative),
        (
            Route::Altinn,
            RouteReason::ContactExpired,
            Some(Route::Papir)
        )
    );
    assert_eq!(decision.notification, NotificationChannels::default());
    assert!(decision.route.printed_if_unread());
}

#[test]
fn an_active_citizen_without_a_mailbox_goes_to_altinn_and_may_be_notified() {
    let decision = route_person(Some(&active(None)), now());
    assert_eq!(
        (decision.route, decision.reason, decision.alternative),
        (Route::Altinn, RouteReason::NoMailbox, None)
    );
    assert!(decision.notification.email && decision.notification.sms);
}

#[test]
fn the_18_month_rule_holds_at_the_exact_boundary() {
    let limit = now().checked_sub_months(Months::new(18)).unwrap();
    assert_eq!(limit, Utc.with_ymd_and_hms(2025, 5, 29, 12, 0, 0).unwrap());
    assert!(
        !is_fresh(Some(limit), None, now()),
        "exactly 18 months old is expired"
    );
    assert!(is_fresh(Some(limit + Duration::seconds(1)), None, now()));
    assert!(
        is_fresh(
            Some(limit - Duration::days(400)),
            Some(limit + Duration::seconds(1)),
            now()
        ),
        "a recent verification counts"
    );
    assert!(!is_fresh(None, None, now()));
}

#[test]
fn each_channel_is_judged_on_its_own_dates() {
    let mut person = active(Some(DIGIPOST_ORGNR));
    let old = Some(now() - Duration::days(800));
    let contact = person.kontaktinformasjon.as_mut().unwrap();
    contact.epostadresse_oppdatert = old;
    contact.epostadresse_sist_verifisert = old;
    let channels = notification_channels(&person, now());
    assert_eq!(
        channels,
        NotificationChannels {
            email: false,
            sms: true
        }
    );
}

#[test]
fn organisations_go_to_altinn_and_are_never_treated_as_reserved() {
    let decision = route_organisation();
    assert_eq!(
        (decision.route, decision.reason),
        (Route::Altinn, RouteReason::Organisation)
    );
}

#[test]
fn a_mailbox_without_the_persons_address_is_no_mailbox() {
    let mut person = active(Some(DIGIPOST_ORGNR));
    person.digital_post.as_mut().unwrap().postkasseadresse = None;
    assert_eq!(
        route_person(Some(&person), now()).reason,
        RouteReason::NoMailbox
    );
}

#[test]
fn a_routes_stored_name_is_its_serialised_name_and_reads_back() {
    for route in [
        Route::DigitalPostkasse,
        Route::Papir,
        Route::Altinn,
        Route::Svarinn,
    ] {
        assert_eq!(serde_json::to_value(route).unwrap(), route.name());
        assert_eq!(Route::from_name(route.name()), Some(route));
    }
    assert_eq!(Route::from_name("brevdue"), None);
    assert!(Route::Altinn.printed_if_unread() && !Route::Svarinn.printed_if_unread());
}
