//! The SvarUt client against the sandbox's SvarUt over HTTP: the multipart it sends is taken
//! apart and checked by the stand-in, statuses progress on the sandbox clock, a lost answer is
//! found again by our reference, and each refusal has its own error.

mod support;

use std::time::Duration;

use kommunepost_core::svarut::model::{Adresse, Dokument, Forsendelse, Status};
use kommunepost_core::svarut::{FilePart, SvarUtError};
use kommunepost_sandbox::KrrSituation;
use kommunepost_sandbox::svarut::SvarUtFaults;
use support::{fixed_clock, sandbox_with_clock};

fn letter(digital_id: Option<&str>, reference: &str) -> Forsendelse {
    Forsendelse {
        tittel: "Vedtak om skoleskyss".into(),
        mottaker: Adresse {
            navn: "Åse Ødegård".into(),
            digital_id: digital_id.map(str::to_owned),
            adresselinje1: Some("Storgata 1".into()),
            postnummer: Some("7300".into()),
            poststed: Some("ORKANGER".into()),
            ..Adresse::default()
        },
        avgivende_system: Some("Kommunepost".into()),
        ekstern_referanse: Some(reference.into()),
        dokumenter: vec![
            Dokument {
                filnavn: "Vedtak om skoleskyss.pdf".into(),
                mime_type: "application/pdf".into(),
                ..Dokument::default()
            },
            Dokument {
                filnavn: "vedlegg æøå.pdf".into(),
                mime_type: "application/pdf".into(),
                ..Dokument::default()
            },
        ],
        ..Forsendelse::default()
    }
}

const PDF: &[u8] = b"%PDF-1.7\n%%EOF\n";

#[tokio::test]
async fn a_letter_is_accepted_with_its_files_in_order_and_routed_by_the_population() {
    let clock = fixed_clock();
    let sandbox = sandbox_with_clock(200, clock.clone()).await;
    let client = sandbox.svarut();
    let digital = sandbox
        .population
        .first_in(KrrSituation::DigitalDigipost)
        .unwrap()
        .fnr
        .expose()
        .to_owned();
    let reserved = sandbox
        .population
        .first_in(KrrSituation::Reserved)
        .unwrap()
        .fnr
        .expose()
        .to_owned();

    let files = [FilePart { bytes: PDF }, FilePart { bytes: PDF }];
    let a = client
        .send(&letter(Some(&digital), "brev-1"), &files)
        .await
        .unwrap();
    let b = client
        .send(&letter(Some(&reserved), "brev-2"), &files)
        .await
        .unwrap();
    let c = client.send(&letter(None, "brev-3"), &files).await.unwrap();
    let accepted = sandbox.server.svarut_double.accepted();
    assert_eq!(accepted.len(), 3);
    assert_eq!(
        accepted[0]
            .files
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["Vedtak om skoleskyss.pdf", "vedlegg æøå.pdf"]
    );

    // Statuses progress on the clock: digital mailbox, print for the reserved and for no id.
    let status = |statuses: &[kommunepost_core::svarut::model::ForsendelseStatus], id: &str| {
        statuses
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.status.clone())
            .unwrap()
    };
    let ids = vec![a.clone(), b.clone(), c.clone()];
    let now = client.statuses(&ids).await.unwrap();
    assert_eq!(now.len(), 3, "batches of two, all answered");
    assert_eq!(status(&now, &a), Status::Mottatt);
    clock.advance(chrono::Duration::minutes(5));
    let later = client.statuses(&ids).await.unwrap();
    assert_eq!(status(&later, &a), Status::LevertSdp);
    assert_eq!(status(&later, &b), Status::SendtPrint);
    clock.advance(chrono::Duration::days(2));
    let final_ = client.statuses(&ids).await.unwrap();
    assert_eq!(status(&final_, &b), Status::Printet);
    assert_eq!(status(&final_, &c), Status::Printet);
    assert!(final_.iter().all(|s| s.status.is_final()));

    let events = client.hendelser(&a).await.unwrap();
    assert_eq!(
        events.first().unwrap().hendelse,
        "Mottatt, og tildelt forsendelse-id"
    );
    assert_eq!(events.len(), 4);

    assert_eq!(client.ids_by_ekstern_ref("brev-2").await.unwrap(), [b]);
    assert!(
        client
            .ids_by_ekstern_ref("ukjent")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_lost_answer_is_found_again_by_our_reference_instead_of_sending_twice() {
    let sandbox = sandbox_with_clock(50, fixed_clock()).await;
    sandbox.server.svarut_double.set_faults(SvarUtFaults {
        stall_every: 1,
        stall: Duration::from_secs(3),
        ..SvarUtFaults::default()
    });
    let client = sandbox.svarut_with(
        &sandbox.server.credentials().integrasjon_passord.clone(),
        Duration::from_millis(500),
    );
    let files = [FilePart { bytes: PDF }, FilePart { bytes: PDF }];
    let error = client
        .send(&letter(None, "brev-42"), &files)
        .await
        .unwrap_err();
    assert!(error.outcome_unknown(), "{error:?}");
    // The forsendelse did arrive; the lookup finds it, so it is not sent again.
    sandbox
        .server
        .svarut_double
        .set_faults(SvarUtFaults::default());
    let found = client.ids_by_ekstern_ref("brev-42").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(sandbox.server.svarut_double.accepted().len(), 1);
}

#[tokio::test]
async fn refusals_have_their_own_errors() {
    let sandbox = sandbox_with_clock(50, fixed_clock()).await;
    let files = [FilePart { bytes: PDF }, FilePart { bytes: PDF }];

    let wrong_password = sandbox.svarut_with("feil", Duration::from_secs(5));
    let error = wrong_password
        .send(&letter(None, "x"), &files)
        .await
        .unwrap_err();
    assert!(matches!(error, SvarUtError::Integration(_)), "{error:?}");
    assert!(error.is_permanent());

    let client = sandbox.svarut();
    let mut no_address = letter(None, "y");
    no_address.mottaker.postnummer = None;
    let error = client.send(&no_address, &files).await.unwrap_err();
    let SvarUtError::Rejected { message, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(message.contains("Postnummer og poststed"), "{message}");

    let mut same_names = letter(None, "z");
    same_names.dokumenter[1].filnavn = "VEDTAK OM SKOLESKYSS.pdf".into();
    let error = client.send(&same_names, &files).await.unwrap_err();
    assert!(error.to_string().contains("brukt to ganger"), "{error}");

    let not_pdf = [FilePart { bytes: PDF }, FilePart { bytes: b"GIF89a" }];
    let error = client.send(&letter(None, "w"), &not_pdf).await.unwrap_err();
    assert!(error.to_string().contains("ikke en gyldig PDF"), "{error}");
    assert!(sandbox.server.svarut_double.accepted().is_empty());

    sandbox.server.svarut_double.set_faults(SvarUtFaults {
        fail_every: 1,
        ..SvarUtFaults::default()
    });
    let error = client.send(&letter(None, "v"), &files).await.unwrap_err();
    assert!(matches!(error, SvarUtError::Server { status: 503, .. }));
    assert!(error.outcome_unknown() && !error.is_permanent());

    sandbox.server.svarut_double.set_faults(SvarUtFaults {
        rate_limit_every: 1,
        ..SvarUtFaults::default()
    });
    let error = client.statuses(&["x".to_owned()]).await.unwrap_err();
    assert!(
        matches!(error, SvarUtError::Server { status: 429, .. }),
        "{error:?}"
    );
    assert!(!error.is_permanent(), "a rate limit is waited out");
}

#[tokio::test]
async fn the_multipart_shape_is_checked_by_the_stand_in() {
    // A hand-made request whose file name does not match its document is refused.
    let sandbox = sandbox_with_clock(10, fixed_clock()).await;
    let client = sandbox.svarut();
    let mut forsendelse = letter(None, "m");
    forsendelse.dokumenter.truncate(1);
    let error = client
        .send(
            &forsendelse,
            &[FilePart { bytes: PDF }, FilePart { bytes: PDF }],
        )
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("1 documents described, 2 files given"),
        "{error}"
    );
    let body = kommunepost_core::svarut::client::multipart_body(
        &forsendelse,
        &[FilePart { bytes: PDF }],
        "B",
    )
    .unwrap();
    let renamed = String::from_utf8_lossy(&body).replace(
        "filename=\"Vedtak om skoleskyss.pdf\"",
        "filename=\"annet.pdf\"",
    );
    let credentials = sandbox.server.credentials();
    let token = sandbox.svarut_token().await;
    let response = reqwest::Client::new()
        .post(format!(
            "{}/v2/kontoer/{}/forsendelser",
            sandbox.server.endpoints().svarut,
            credentials.svarut_konto_id
        ))
        .bearer_auth(&token)
        .header("IntegrasjonId", &credentials.integrasjon_id)
        .header("IntegrasjonPassord", &credentials.integrasjon_passord)
        .header("Content-Type", "multipart/form-data; boundary=B")
        .body(renamed.into_bytes())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("stemmer ikke med dokumentet"),
        "{body}"
    );
    assert!(body["errorId"].is_string() && body["timestamp"].is_i64());
}

#[tokio::test]
async fn a_sandbox_started_later_still_answers_for_an_earlier_forsendelse() {
    let clock = fixed_clock();
    let first = sandbox_with_clock(50, clock.clone()).await;
    let id = first
        .svarut()
        .send(
            &letter(None, "brev-9"),
            &[FilePart { bytes: PDF }, FilePart { bytes: PDF }],
        )
        .await
        .unwrap();
    first.server.stop().await;

    // Another run of the program: a new sandbox, which never saw the forsendelse.
    clock.advance(chrono::Duration::days(2));
    let second = sandbox_with_clock(50, clock.clone()).await;
    let statuses = second
        .svarut()
        .statuses(std::slice::from_ref(&id))
        .await
        .unwrap();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].status, Status::Printet);
    assert_eq!(
        second
            .svarut()
            .hendelser(&id)
            .await
            .unwrap()
            .last()
            .unwrap()
            .hendelse,
        "Printet"
    );
}

/// A level-4 letter: `kryptert` and `krevNiva4Innlogging` (v2) or `sikkerhetsniva: HOYESTE`
/// (v3). The client encrypts each file for the stand-in's certificate (fetched from
/// `/forsendelse/publickey/hent`); the stand-in decrypts every file to exactly the bytes sent.
#[tokio::test]
async fn an_encrypted_level_4_letter_is_decrypted_by_the_stand_in_to_the_same_bytes() {
    use kommunepost_core::svarut::SvarUtApi;
    let sandbox = sandbox_with_clock(10, fixed_clock()).await;
    let pem = reqwest::get(sandbox.svarut().public_key_url())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(pem.starts_with(b"-----BEGIN CERTIFICATE-----"));
    let attachment = b"%PDF-1.7\n% vedlegg\n%%EOF\n";
    for (api, reference) in [(SvarUtApi::V2, "enc-v2"), (SvarUtApi::V3, "enc-v3")] {
        let client = sandbox.svarut().with_api(api);
        let mut forsendelse = letter(Some("20914695016"), reference);
        forsendelse.kryptert = true;
        forsendelse.krev_niva4_innlogging = true;
        let id = client
            .send(
                &forsendelse,
                &[FilePart { bytes: PDF }, FilePart { bytes: attachment }],
            )
            .await
            .unwrap();
        let accepted = sandbox
            .server
            .svarut_double
            .accepted()
            .into_iter()
            .find(|a| a.id == id)
            .unwrap();
        assert!(accepted.forsendelse.kryptert && accepted.forsendelse.krev_niva4_innlogging);
        assert_eq!(
            accepted.decrypted,
            [PDF.to_vec(), attachment.to_vec()],
            "{api:?}"
        );
        // What travelled was not the plain file.
        assert_ne!(accepted.files[0].1, PDF.len());
    }
    // A plain letter is unchanged: no encryption, the file as it is.
    let id = sandbox
        .svarut()
        .send(
            &letter(Some("20914695016"), "plain"),
            &[FilePart { bytes: PDF }, FilePart { bytes: attachment }],
        )
        .await
        .unwrap();
    let plain = sandbox
        .server
        .svarut_double
        .accepted()
        .into_iter()
        .find(|a| a.id == id)
        .unwrap();
    assert!(!plain.forsendelse.kryptert && plain.decrypted.is_empty());
    assert_eq!(plain.files[0].1, PDF.len());
}

/// Refused with SvarUt's error JSON: level 4 without encryption, and an encrypted file that
/// does not open with SvarUt's key (tampered in transit).
#[tokio::test]
async fn level_4_without_encryption_and_a_tampered_file_are_refused() {
    use kommunepost_core::svarut::crypto::SvarUtCertificate;
    let sandbox = sandbox_with_clock(10, fixed_clock()).await;
    let credentials = sandbox.server.credentials();
    let token = sandbox.svarut_token().await;
    let post = |body: Vec<u8>| {
        let token = token.clone();
        let url = format!(
            "{}/v2/kontoer/{}/forsendelser",
            sandbox.server.endpoints().svarut,
            credentials.svarut_konto_id
        );
        let credentials = credentials.clone();
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("IntegrasjonId", &credentials.integrasjon_id)
                .header("IntegrasjonPassord", &credentials.integrasjon_passord)
                .header("Content-Type", "multipart/form-data; boundary=B")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    let mut forsendelse = letter(Some("20914695016"), "tampered");
    forsendelse.dokumenter.truncate(1);
    forsendelse.krev_niva4_innlogging = true;
    let unencrypted = kommunepost_core::svarut::client::multipart_body(
        &forsendelse,
        &[FilePart { bytes: PDF }],
        "B",
    )
    .unwrap();
    let (status, body) = post(unencrypted).await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("må være kryptert"),
        "{body}"
    );
    assert!(body["errorId"].is_string());

    let pem = reqwest::get(sandbox.svarut().public_key_url())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let cert = SvarUtCertificate::read(&pem, chrono::Utc::now()).unwrap();
    let mut encrypted = cert.encrypt(PDF).unwrap();
    let last = encrypted.len() - 1;
    encrypted[last] ^= 0x55;
    forsendelse.kryptert = true;
    let tampered = kommunepost_core::svarut::client::multipart_body(
        &forsendelse,
        &[FilePart { bytes: &encrypted }],
        "B",
    )
    .unwrap();
    let (status, body) = post(tampered).await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("kan ikke dekrypteres med SvarUts nøkkel"),
        "{body}"
    );
    let garbage = kommunepost_core::svarut::client::multipart_body(
        &forsendelse,
        &[FilePart { bytes: PDF }],
        "B",
    )
    .unwrap();
    let (status, body) = post(garbage).await;
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("er ikke CMS"),
        "{body}"
    );
    assert!(sandbox.server.svarut_double.accepted().is_empty());
}

/// SvarUt changes its key: the next encrypted send with the cached certificate is refused
/// (nothing accepted), so the client fetches the new certificate and sends once more.
#[tokio::test]
async fn after_svarut_changes_its_key_the_client_fetches_it_again_and_the_letter_is_accepted() {
    let sandbox = sandbox_with_clock(10, fixed_clock()).await;
    let client = sandbox.svarut();
    let send = |reference: &'static str| {
        let client = &client;
        async move {
            let mut forsendelse = letter(Some("20914695016"), reference);
            forsendelse.dokumenter.truncate(1);
            forsendelse.kryptert = true;
            forsendelse.krev_niva4_innlogging = true;
            client.send(&forsendelse, &[FilePart { bytes: PDF }]).await
        }
    };
    send("before").await.unwrap();
    sandbox.server.svarut_double.rotate_key();
    let id = send("after").await.unwrap();
    let accepted = sandbox.server.svarut_double.accepted();
    assert_eq!(
        accepted.len(),
        2,
        "one refused request, then the same letter accepted once"
    );
    let after = accepted.iter().find(|a| a.id == id).unwrap();
    assert_eq!(after.decrypted, [PDF.to_vec()]);
    // The refused attempt was counted as a request and accepted nothing.
    assert_eq!(sandbox.server.svarut_double.send_requests(), 3);
}

#[tokio::test]
async fn a_token_altered_after_a_good_one_was_accepted_is_still_refused() {
    let sandbox = sandbox_with_clock(10, fixed_clock()).await;
    let credentials = sandbox.server.credentials();
    let good = sandbox.svarut_token().await;
    let ask = |token: String| {
        let url = format!(
            "{}/v2/kontoer/{}/forsendelser/status-sok",
            sandbox.server.endpoints().svarut,
            credentials.svarut_konto_id
        );
        let credentials = credentials.clone();
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("IntegrasjonId", &credentials.integrasjon_id)
                .header("IntegrasjonPassord", &credentials.integrasjon_passord)
                .json(&serde_json::json!({ "forsendelseIder": [] }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_ne!(ask(good.clone()).await, 401, "the good token is accepted");
    // The same claims with another signature, and other claims under the good signature.
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut forged = parts.clone();
    let middle = forged[2].remove(10);
    forged[2].insert(10, if middle == 'A' { 'B' } else { 'A' });
    assert_eq!(ask(forged.join(".")).await, 401);
    // Another issuer in the payload, under the good token's signature.
    let payload =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &parts[1])
            .unwrap();
    let mut claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    claims["iss"] = serde_json::json!("https://other.example/");
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&claims).unwrap(),
    );
    assert_eq!(ask(parts.join(".")).await, 401);
    // The good issuer again, but another expiry: the signature no longer fits.
    claims["iss"] = serde_json::from_slice::<serde_json::Value>(&payload).unwrap()["iss"].clone();
    claims["exp"] = serde_json::json!(claims["exp"].as_i64().unwrap() + 3600);
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&claims).unwrap(),
    );
    assert_eq!(ask(parts.join(".")).await, 401);
    assert_ne!(ask(good).await, 401, "and the good one still is");
}
