//! Sensitive letters through the app's state against the sandbox, in SvarUt v2 and v3: a mass
//! mailing of three (digital mailbox, reserved → paper, organisation) marked sensitive leaves
//! with level 4 and encrypted files; the stand-in decrypts every file to exactly the letter
//! the outbox keeps (the one the preview showed); notifications carry the public title; a plain
//! letter is unchanged; a sensitive letter sent for signing is signed at level 4.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use kommunepost_app::commands::letters::DraftForm;
use kommunepost_app::signing::{SigningDocumentSource, SigningForm};
use kommunepost_app::state::AppState;
use kommunepost_core::clock::SystemClock;
use kommunepost_core::config::Settings;
use kommunepost_core::ident::Fnr;
use kommunepost_core::paths::AppPaths;
use kommunepost_core::signing::Flow;
use kommunepost_core::signing::model::AuthenticationLevel;
use kommunepost_core::signing::order::{Deadline, SignerInput};
use kommunepost_core::store::{
    CredentialStore, DraftInput, DraftKind, LetterKind, MemoryCredentials, OutboxState,
};
use kommunepost_core::svarut::SvarUtApi;
use kommunepost_sandbox::{KrrSituation, Population, PopulationConfig};
use serde_json::json;

fn population() -> Population {
    let settings = Settings::default();
    Population::generate(&PopulationConfig {
        seed: settings.sandbox.seed.into(),
        persons: settings.sandbox.persons as usize,
        as_of: chrono::Utc::now(),
    })
}

async fn sandbox_state(dir: &std::path::Path, api: SvarUtApi) -> AppState {
    let credentials: Arc<dyn CredentialStore> = Arc::new(MemoryCredentials::new());
    let state =
        AppState::with_credentials(AppPaths::under(dir), Ok(credentials), Arc::new(SystemClock))
            .unwrap();
    state
        .update_settings(|s| {
            s.sandbox.svarut_speed = 36_000;
            s.sandbox.signing_speed = 36_000;
            s.dispatch.hold_minutes = 0;
            s.dispatch.svarut_api = api;
        })
        .unwrap();
    state.ensure_sandbox().await.unwrap();
    state
}

fn mailing(sensitive: bool) -> DraftForm {
    let population = population();
    let person = |situation| {
        let p = population.first_in(situation).unwrap();
        (
            p.fnr.expose().to_owned(),
            format!("{} {}", p.given_name, p.family_name),
        )
    };
    let (digital, digital_name) = person(KrrSituation::DigitalDigipost);
    let (reserved, reserved_name) = person(KrrSituation::Reserved);
    let org = population
        .organisations
        .iter()
        .find(|o| !o.has_receiving_system)
        .unwrap();
    let csv = format!(
        "fodselsnummer;organisasjonsnummer;navn;adresselinje1;postnummer;poststed\n\
         {digital};;{digital_name};Storgata 1;7300;ORKANGER\n\
         {reserved};;{reserved_name};Storgata 2;7300;ORKANGER\n\
         ;{};{};Rådhusgata 1;7300;ORKANGER\n",
        org.orgnr, org.name
    );
    serde_json::from_value(json!({
        "id": null, "title": "Vedtak om barnevernstiltak for {{navn}}", "recipient_fnr": "",
        "recipient_name": "", "body": "Hei {{navn}}, her er vedtaket.",
        "letter": {
            "template_id": null, "address_lines": [], "postcode": "", "city": "", "fields": [],
            "recipients_csv_base64": base64::engine::general_purpose::STANDARD.encode(csv),
            "recipients_file_name": "liste.csv", "column_map": [], "attachments": [],
            "attachment_mode": "separate", "sensitive": sensitive,
            "case": { "public_title": "Vedtak fra kommunen" }
        }
    }))
    .unwrap()
}

async fn send_and_wait(state: &AppState, draft: &DraftForm) -> Vec<String> {
    let plan = state.dispatch_plan(draft).await.unwrap();
    let queued = state
        .queue_draft(draft, LetterKind::Vedtak, &plan.key, false)
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        state.outbox_round(true).await.unwrap();
        let rows = state.outbox_rows(queued.mailing_id.as_deref()).unwrap();
        if rows
            .iter()
            .all(|r| matches!(r.state, OutboxState::Sent | OutboxState::Final))
        {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{rows:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    queued.letters
}

#[tokio::test]
async fn a_sensitive_mailing_leaves_at_level_4_encrypted_in_v2_and_v3_and_a_plain_one_does_not() {
    for api in [SvarUtApi::V2, SvarUtApi::V3] {
        let dir = tempfile::tempdir().unwrap();
        let state = sandbox_state(dir.path(), api).await;
        let draft = mailing(true);

        let plan = state.dispatch_plan(&draft).await.unwrap();
        assert!(plan.sensitive, "{api:?}");
        assert_eq!(
            plan.notification_title.as_deref(),
            Some("Vedtak fra kommunen")
        );
        let routes: Vec<&str> = plan.preview.rows.iter().map(|r| r.route.name()).collect();
        assert_eq!(routes, ["digital_postkasse", "papir", "altinn"], "{api:?}");

        let letters = send_and_wait(&state, &draft).await;
        let store = state.session().store().unwrap();
        let accepted = state.sandbox_svarut_accepted().await;
        assert_eq!(accepted.len(), 3, "{api:?}");
        for id in &letters {
            let letter = store.get_letter(id).unwrap();
            let sent = accepted
                .iter()
                .find(|a| a.id == letter.svarut_id.clone().unwrap())
                .unwrap();
            // Level 4 and encrypted, as the stand-in read them from v2 or v3.
            assert!(sent.forsendelse.kryptert && sent.forsendelse.krev_niva4_innlogging);
            // The notification shows the public title, and the file is named by it; lists and
            // the archive keep the letter's own.
            assert_eq!(sent.forsendelse.tittel, "Vedtak fra kommunen");
            assert_eq!(
                sent.forsendelse.dokumenter[0].filnavn,
                "Vedtak fra kommunen.pdf"
            );
            assert!(letter.title.starts_with("Vedtak om barnevernstiltak for "));
            // Decrypted by the stand-in to exactly the letter kept in the outbox.
            let kept = store.letter_documents(id).unwrap();
            assert_eq!(sent.decrypted, kept, "{api:?}");
            assert!(kept[0].starts_with(b"%PDF-"));
            assert_ne!(sent.files[0].1, kept[0].len(), "sent encrypted");
        }
        let rows = state.outbox_rows(None).unwrap();
        assert!(rows.iter().all(|r| r.sensitive));
        // The reserved person's letter is printed by SvarUt all the same.
        assert!(rows.iter().any(|r| r.route.as_deref() == Some("papir")));
    }

    // A plain mailing is unchanged: not encrypted, no level 4, its own title.
    let dir = tempfile::tempdir().unwrap();
    let state = sandbox_state(dir.path(), SvarUtApi::V2).await;
    let draft = mailing(false);
    let plan = state.dispatch_plan(&draft).await.unwrap();
    assert!(!plan.sensitive && plan.notification_title.is_none());
    send_and_wait(&state, &draft).await;
    for sent in state.sandbox_svarut_accepted().await {
        assert!(!sent.forsendelse.kryptert && !sent.forsendelse.krev_niva4_innlogging);
        assert!(sent.decrypted.is_empty());
        assert!(
            sent.forsendelse
                .tittel
                .starts_with("Vedtak om barnevernstiltak for ")
        );
    }
    assert!(
        state
            .outbox_rows(None)
            .unwrap()
            .iter()
            .all(|r| !r.sensitive)
    );
}

#[tokio::test]
async fn a_sensitive_letter_sent_for_signing_is_signed_at_level_4_with_a_non_sensitive_title() {
    let dir = tempfile::tempdir().unwrap();
    let state = sandbox_state(dir.path(), SvarUtApi::V2).await;
    let person = population()
        .persons
        .into_iter()
        .find(|p| p.situation == KrrSituation::DigitalDigipost)
        .unwrap();
    let name = format!("{} {}", person.given_name, person.family_name);
    let letter = serde_json::from_value(json!({
        "template_id": null, "address_lines": ["Storgata 1"], "postcode": "7300",
        "city": "ORKANGER", "fields": [], "recipients_csv_base64": null,
        "recipients_file_name": null, "column_map": [], "attachments": [],
        "attachment_mode": "separate", "sensitive": true,
        "case": { "public_title": "Avtale fra kommunen" }
    }))
    .unwrap();
    let draft = state
        .session()
        .store()
        .unwrap()
        .upsert_draft(DraftInput {
            id: None,
            kind: DraftKind::Letter,
            title: "Avtale om tiltak i hjemmet".into(),
            recipient_fnr: Some(Fnr::parse(person.fnr.expose()).unwrap()),
            recipient_name: Some(name.clone()),
            body: "Vi har avtalt tiltak i hjemmet.".into(),
            letter,
        })
        .unwrap()
        .id;
    let order = state
        .create_signing_order(&SigningForm {
            flow: Flow::Portal,
            title: "Avtale om tiltak i hjemmet".into(),
            nonsensitive_title: None,
            description: None,
            documents: vec![SigningDocumentSource::Draft { id: draft }],
            signers: vec![SignerInput {
                fnr: Some(person.fnr.expose().to_owned()),
                name,
                email: None,
                mobile: None,
                sms_from_krr: true,
                order_group: None,
                signature_type: None,
                on_behalf_of: None,
            }],
            // The clerk chose level 3; the sensitive letter makes it 4.
            level: AuthenticationLevel::Three,
            deadline: Some(Deadline::Days(7)),
            reference: None,
            exit_url: None,
            send_copy: true,
            activation_date: None,
            identifier: None,
        })
        .await
        .unwrap();
    assert_eq!(order.level.as_deref(), Some("4"), "{order:?}");
    assert_eq!(
        order.nonsensitive_title.as_deref(),
        Some("Avtale fra kommunen")
    );
    // The signed copy goes the same way: level 4, encrypted, titled without personal data.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let store = state.session().store().unwrap();
    let copy = loop {
        state.signing_round().await.unwrap();
        if let Some(copy) = store.list_outbox(None).unwrap().into_iter().next() {
            break copy;
        }
        assert!(tokio::time::Instant::now() < deadline, "no signed copy");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(copy.forsendelse.kryptert && copy.forsendelse.krev_niva4_innlogging);
    assert_eq!(copy.forsendelse.tittel, "Signert: Avtale fra kommunen");
    assert_eq!(copy.title, "Signert: Avtale om tiltak i hjemmet");
}
