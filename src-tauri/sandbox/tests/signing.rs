//! The signing client against the sandbox signing service over real mutual TLS, and the
//! client's XML and bundles against independent checkers: `xmllint` with the official XSDs,
//! `xmlsec1` for the XAdES signature (both installed by `.ci/install-deps`).

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use kommunepost_core::ident::Fnr;
use kommunepost_core::letters::compose::compose_for;
use kommunepost_core::letters::pdf::render;
use kommunepost_core::letters::recipients::read_recipients;
use kommunepost_core::letters::template::example;
use kommunepost_core::signing::asice::{SigningCertificate, bundle, unzip, verify};
use kommunepost_core::signing::model::{
    AuthenticationLevel, Document, ExitUrls, IdentifierInSignedDocuments, Notifications,
    OnBehalfOf, SignatureType, Signer, SignerIdentity, SignerRef, file_name_for,
};
use kommunepost_core::signing::xml::{job_request, manifest};
use kommunepost_core::signing::{
    Flow, Job, JobStatus, Poll, SignerStatus, SigningClient, SigningError,
};
use kommunepost_sandbox::KrrSituation;
use kommunepost_sandbox::signing::{Behaviour, SigningSettings};

const XSD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/xsd/direct-and-portal.xsd");

fn letter_pdf() -> Vec<u8> {
    const ROW: &str = "fodselsnummer;navn;adresselinje1;adresselinje2;postnummer;poststed;tjeneste;saksnummer;fra_dato;belop;avdeling;saksbehandler\n\
        20914695016;Åse Ødegård;Storgata 1;Leilighet H0201;7300;ORKANGER;praktisk bistand;2026/17;1. januar 2027;1 200;Helse og omsorg;Kari Nordmann\n";
    let mut list = read_recipients(ROW.as_bytes()).unwrap();
    let row = list.recipients.remove(0);
    let letter = compose_for(
        &example(),
        &row,
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
    )
    .unwrap();
    render(&letter).unwrap().bytes
}

fn document(index: usize, title: &str) -> Document {
    Document {
        title: title.to_owned(),
        file_name: file_name_for(index, title, "pdf"),
        mime: "application/pdf".into(),
        bytes: letter_pdf(),
    }
}

fn person(fnr: &str, order: Option<u8>, notifications: Notifications) -> Signer {
    Signer {
        identity: SignerIdentity::Person(Fnr::parse(fnr).unwrap()),
        order,
        signature_type: None,
        on_behalf_of: None,
        notifications: Some(notifications),
    }
}

fn email() -> Notifications {
    Notifications::Explicit {
        email: Some("signer@example.com".into()),
        mobile: None,
    }
}

fn portal_job(sender: &str, signers: Vec<Signer>) -> Job {
    Job {
        flow: Flow::Portal,
        sender: sender.to_owned(),
        title: "Avtale om praktisk bistand".into(),
        nonsensitive_title: Some("Avtale fra kommunen".into()),
        description: Some("Les avtalen og signer.".into()),
        documents: vec![document(0, "Avtale")],
        signers,
        required_authentication: Some(AuthenticationLevel::Four),
        activation_time: None,
        available_seconds: Some(86_400),
        identifier_in_signed_documents: None,
        reference: Some("2026/17-avtale".into()),
        polling_queue: Some("kommunepost".into()),
        exit_urls: None,
    }
}

/// Every shape of request and manifest the client can write.
fn variants(sender: &str, fnr: &str, fnr2: &str) -> Vec<(String, Job)> {
    let mut out = Vec::new();
    let mut full = portal_job(
        sender,
        vec![
            Signer {
                signature_type: Some(SignatureType::Authenticated),
                on_behalf_of: Some(OnBehalfOf::Myself),
                ..person(fnr, Some(0), Notifications::Lookup { sms: true })
            },
            person(fnr2, Some(1), Notifications::Lookup { sms: false }),
            Signer {
                identity: SignerIdentity::ContactInformation,
                order: Some(1),
                signature_type: Some(SignatureType::Advanced),
                on_behalf_of: Some(OnBehalfOf::Other),
                notifications: Some(Notifications::Explicit {
                    email: Some("a&b@example.com".into()),
                    mobile: Some("+4791234567".into()),
                }),
            },
        ],
    );
    full.activation_time = Some(Utc::now());
    full.identifier_in_signed_documents =
        Some(IdentifierInSignedDocuments::PersonalIdentificationNumberAndName);
    full.documents.push(document(1, "Vedlegg <1> & «2»"));
    out.push(("portal, every field".into(), full));
    let mut minimal = portal_job(
        sender,
        vec![person(
            fnr,
            None,
            Notifications::Explicit {
                email: None,
                mobile: Some("91234567".into()),
            },
        )],
    );
    minimal.nonsensitive_title = None;
    minimal.description = None;
    minimal.reference = None;
    minimal.polling_queue = None;
    minimal.available_seconds = None;
    minimal.required_authentication = None;
    out.push(("portal, minimal, sms only".into(), minimal));
    out.push((
        "portal, e-mail only".into(),
        portal_job(sender, vec![person(fnr, None, email())]),
    ));
    let direct = |signers: Vec<Signer>| Job {
        flow: Flow::Direct,
        nonsensitive_title: None,
        available_seconds: None,
        exit_urls: Some(ExitUrls {
            completion_url: "https://kommune.example/ferdig?x=1&y=2".into(),
            rejection_url: "https://kommune.example/avvist".into(),
            error_url: "https://kommune.example/feil".into(),
        }),
        ..portal_job(sender, signers)
    };
    out.push((
        "direct, by fødselsnummer and by identifier".into(),
        direct(vec![
            Signer {
                identity: SignerIdentity::Person(Fnr::parse(fnr).unwrap()),
                order: None,
                signature_type: Some(SignatureType::Advanced),
                on_behalf_of: Some(OnBehalfOf::Myself),
                notifications: None,
            },
            Signer {
                identity: SignerIdentity::Custom("kunde-1234".into()),
                order: None,
                signature_type: None,
                on_behalf_of: None,
                notifications: None,
            },
        ]),
    ));
    let mut direct_minimal = direct(vec![Signer {
        identity: SignerIdentity::Person(Fnr::parse(fnr).unwrap()),
        order: None,
        signature_type: None,
        on_behalf_of: None,
        notifications: None,
    }]);
    direct_minimal.reference = None;
    direct_minimal.polling_queue = None;
    direct_minimal.description = None;
    out.push(("direct, minimal".into(), direct_minimal));
    out
}

fn xmllint(dir: &Path, name: &str, xml: &str) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, xml).unwrap();
    let output = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema", XSD])
        .arg(&path)
        .output()
        .expect("xmllint (apt libxml2-utils)");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn every_request_and_manifest_the_client_writes_is_valid_against_the_official_schemas() {
    let dir = tempfile::tempdir().unwrap();
    for (name, job) in variants("910753614", "20914695016", "01048200229") {
        job.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        xmllint(dir.path(), "request.xml", &job_request(&job))
            .unwrap_or_else(|e| panic!("{name}, request: {e}"));
        xmllint(dir.path(), "manifest.xml", &manifest(&job))
            .unwrap_or_else(|e| panic!("{name}, manifest: {e}"));
    }
    // The check can fail: a manifest with its elements out of order is refused.
    let job = &variants("910753614", "20914695016", "01048200229")[2].1;
    let swapped = manifest(job)
        .replacen("<title>Avtale om praktisk bistand</title>", "", 1)
        .replacen("<documents>", "<documents><title>x</title>", 1);
    assert!(xmllint(dir.path(), "broken.xml", &swapped).is_err());
}

#[test]
fn jobs_that_break_the_services_limits_are_refused_before_anything_is_sent() {
    let base = portal_job("910753614", vec![person("20914695016", None, email())]);
    let mut no_notifications = base.clone();
    no_notifications.signers[0].notifications = None;
    let mut long_title = base.clone();
    long_title.title = "x".repeat(81);
    let mut too_long = base.clone();
    too_long.available_seconds = Some(7_776_001);
    let mut lookup_for_other = base.clone();
    lookup_for_other.signers[0].notifications = Some(Notifications::Lookup { sms: false });
    lookup_for_other.signers[0].on_behalf_of = Some(OnBehalfOf::Other);
    let mut fnr_in_reference = base.clone();
    fnr_in_reference.reference = Some("sak 20914695016".into());
    let mut not_pdf = base.clone();
    not_pdf.documents[0].bytes = b"hello".to_vec();
    let mut eleven = base.clone();
    eleven.signers = (0..11).map(|_| base.signers[0].clone()).collect();
    for (job, field) in [
        (no_notifications, "signers[0]"),
        (long_title, "title"),
        (too_long, "available_seconds"),
        (lookup_for_other, "signers[0]"),
        (fnr_in_reference, "reference"),
        (not_pdf, "documents[0]"),
        (eleven, "signers"),
    ] {
        assert_eq!(job.validate().unwrap_err().field, field);
    }
}

#[tokio::test]
async fn the_bundles_xades_signature_verifies_with_xmlsec1_against_the_sandbox_ca() {
    let sandbox = support::sandbox(20).await;
    let credentials = sandbox.server.credentials();
    let certificate =
        SigningCertificate::from_pkcs12(&credentials.pkcs12, &credentials.password).unwrap();
    let mut job = portal_job(
        &credentials.org_number,
        vec![person("20914695016", None, email())],
    );
    job.documents.push(document(1, "Vedlegg æøå"));
    let zip = bundle(&job, &certificate, Utc::now()).unwrap();
    let files = unzip(&zip).unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "0000_avtale.pdf",
            "0001_vedlegg_aeoeaa.pdf",
            "manifest.xml",
            "META-INF/signatures.xml"
        ]
    );

    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in &files {
        // signatures.xml next to the files, so its relative references resolve.
        let name = name.trim_start_matches("META-INF/");
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    std::fs::write(dir.path().join("ca.pem"), &credentials.ca_pem).unwrap();
    let xmlsec = |dir: &Path| {
        Command::new("xmlsec1")
            .current_dir(dir)
            .args([
                "--verify",
                "--trusted-pem",
                "ca.pem",
                "--id-attr:Id",
                "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
                "signatures.xml",
            ])
            .output()
            .expect("xmlsec1 (apt xmlsec1)")
    };
    let output = xmlsec(dir.path());
    assert!(
        output.status.success(),
        "xmlsec1: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // Our own verifier (the sandbox service's) agrees.
    let ca = openssl::x509::X509::from_pem(&credentials.ca_pem).unwrap();
    verify(&zip, std::slice::from_ref(&ca), Utc::now()).unwrap();

    // A changed document fails both.
    let mut pdf = std::fs::read(dir.path().join("0000_avtale.pdf")).unwrap();
    let last = pdf.len() - 10;
    pdf[last] ^= 1;
    std::fs::write(dir.path().join("0000_avtale.pdf"), &pdf).unwrap();
    assert!(
        !xmlsec(dir.path()).status.success(),
        "xmlsec1 must notice the change"
    );
    let other_ca = kommunepost_sandbox::ca::TestCa::new().unwrap();
    let error = verify(&zip, &[other_ca.certificate().clone()], Utc::now()).unwrap_err();
    assert!(error.to_string().contains("not trusted"), "{error}");
}

async fn poll_until_final(
    client: &SigningClient,
    flow: Flow,
    queue: Option<&str>,
    job_id: i64,
) -> kommunepost_core::signing::StatusChange {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "job {job_id} did not finish"
        );
        if let Some(next) = client.next_permitted_poll(flow, queue).await {
            let wait = (next - Utc::now()).to_std().unwrap_or_default();
            tokio::time::sleep(wait).await;
        }
        let polled = client.poll(flow, queue).await.unwrap();
        if let Poll::Changed(change) = polled.poll {
            client
                .confirm(change.confirmation_url.as_deref().unwrap())
                .await
                .unwrap();
            if change.job_id == job_id && change.status.is_final() {
                return change;
            }
        }
    }
}

fn fast(sandbox: &support::Sandbox) {
    let double = &sandbox.server.signing_double;
    double.set_speed(36_000); // an hour is a tenth of a second; a day 2.4 s
    double.set_settings(SigningSettings {
        empty_queue_poll_seconds: 1,
        ..SigningSettings::default()
    });
}

fn people(sandbox: &support::Sandbox, situation: KrrSituation, n: usize) -> Vec<String> {
    sandbox
        .population
        .persons
        .iter()
        .filter(|p| p.situation == situation)
        .take(n)
        .map(|p| p.fnr.expose().to_owned())
        .collect()
}

#[tokio::test]
async fn a_two_signer_sequential_portal_job_completes_and_its_pades_and_xades_download() {
    let sandbox = support::sandbox(60).await;
    fast(&sandbox);
    let client = sandbox.signing();
    assert_eq!(client.whoami().await.unwrap(), "You are 910753614");
    let [first, second] =
        <[String; 2]>::try_from(people(&sandbox, KrrSituation::DigitalDigipost, 2)).unwrap();
    sandbox
        .server
        .signing_double
        .set_behaviour(&first, Behaviour::Sign(chrono::Duration::hours(2)));
    sandbox
        .server
        .signing_double
        .set_behaviour(&second, Behaviour::Sign(chrono::Duration::hours(1)));
    let job = portal_job(
        "910753614",
        vec![
            person(&first, Some(1), Notifications::Lookup { sms: true }),
            person(&second, Some(2), Notifications::Lookup { sms: false }),
        ],
    );
    let created = client.create(&job).await.unwrap();
    assert!(created.cancellation_url.is_some());

    let done = poll_until_final(&client, Flow::Portal, Some("kommunepost"), created.job_id).await;
    assert_eq!(done.status, JobStatus::CompletedSuccessfully);
    assert_eq!(done.reference.as_deref(), Some("2026/17-avtale"));
    let signed: Vec<_> = done
        .signatures
        .iter()
        .map(|s| (&s.signer, &s.status))
        .collect();
    assert_eq!(
        signed,
        [
            (&SignerRef::Person(first.clone()), &SignerStatus::Signed),
            (&SignerRef::Person(second.clone()), &SignerStatus::Signed)
        ]
    );
    // Sequential: the second group signed after the first, though quicker by itself.
    assert!(done.signatures[1].since > done.signatures[0].since);

    let pades = client
        .download_pades(done.pades_url.as_deref().unwrap())
        .await
        .unwrap();
    assert!(pades.starts_with(b"%PDF-"));
    assert!(
        pades.windows(19).any(|w| w == b"adbe.pkcs7.detached"),
        "a PDF signature"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("signert.pdf"), &pades).unwrap();
    let check = Command::new("qpdf")
        .arg("--check")
        .arg(dir.path().join("signert.pdf"))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    // poppler's pdfsig checks the signature over the byte range (the sandbox CA is not a
    // trusted issuer, as the real service's test seal is not).
    let sig = Command::new("pdfsig")
        .arg(dir.path().join("signert.pdf"))
        .output()
        .unwrap();
    let sig = String::from_utf8_lossy(&sig.stdout);
    assert!(sig.contains("Signature is Valid"), "{sig}");
    assert!(sig.contains("Posten Bring AS"), "{sig}");
    let text = Command::new("pdftotext")
        .arg(dir.path().join("signert.pdf"))
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    let name = sandbox
        .population
        .person(&first)
        .map(|p| p.family_name.clone())
        .unwrap();
    assert!(
        text.contains("Signert av") && text.contains(&name),
        "cover page lists the signers: {text}"
    );
    assert!(
        text.contains("Åse Ødegård"),
        "the original document follows"
    );
    for s in &done.signatures {
        let xades = client
            .download_xades(s.xades_url.as_deref().unwrap())
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&xades).contains("XAdESSignatures"));
    }
    let (early, polls) = sandbox.server.signing_double.poll_counts();
    assert_eq!(
        early, 0,
        "never polled before the permitted time ({polls} polls)"
    );
}

#[tokio::test]
async fn a_rejected_an_expired_a_reserved_and_a_cancelled_job_end_in_the_right_states() {
    let sandbox = support::sandbox(100).await;
    fast(&sandbox);
    let client = sandbox.signing();
    let double = &sandbox.server.signing_double;
    let digital = people(&sandbox, KrrSituation::DigitalDigipost, 6);
    double.set_behaviour(&digital[0], Behaviour::Sign(chrono::Duration::hours(1)));
    double.set_behaviour(&digital[1], Behaviour::Reject(chrono::Duration::hours(2)));
    double.set_behaviour(&digital[2], Behaviour::Sign(chrono::Duration::hours(1)));
    double.set_behaviour(&digital[3], Behaviour::Ignore);
    double.set_behaviour(&digital[4], Behaviour::Manual);
    let queue = Some("kommunepost");

    // Parallel signers: one signs, one rejects → FAILED, the rejecter REJECTED.
    let rejected = client
        .create(&portal_job(
            "910753614",
            vec![
                person(&digital[0], None, email()),
                person(&digital[1], None, email()),
            ],
        ))
        .await
        .unwrap();
    let status = poll_until_final(&client, Flow::Portal, queue, rejected.job_id).await;
    assert_eq!(status.status, JobStatus::Failed);
    assert_eq!(status.signatures[0].status, SignerStatus::Signed);
    assert_eq!(status.signatures[1].status, SignerStatus::Rejected);

    // A later group never reached: the first group lets the one-day deadline pass.
    let expired = client
        .create(&portal_job(
            "910753614",
            vec![
                person(&digital[3], Some(0), email()),
                person(&digital[2], Some(1), email()),
            ],
        ))
        .await
        .unwrap();
    let status = poll_until_final(&client, Flow::Portal, queue, expired.job_id).await;
    assert_eq!(status.status, JobStatus::Failed);
    assert_eq!(status.signatures[0].status, SignerStatus::Expired);
    assert_eq!(status.signatures[1].status, SignerStatus::NotApplicable);
    assert!(status.pades_url.is_none());

    // A reserved signer ends a public sender's job before activation.
    let reserved = people(&sandbox, KrrSituation::Reserved, 1);
    let job = client
        .create(&portal_job(
            "910753614",
            vec![
                person(&reserved[0], None, Notifications::Lookup { sms: false }),
                person(&digital[5], None, email()),
            ],
        ))
        .await
        .unwrap();
    let status = poll_until_final(&client, Flow::Portal, queue, job.job_id).await;
    assert_eq!(status.status, JobStatus::Failed);
    assert_eq!(status.signatures[0].status, SignerStatus::Reserved);

    // No usable contact information in KRR, with a lookup asked for.
    let unreachable = people(&sandbox, KrrSituation::NotRegistered, 1);
    let job = client
        .create(&portal_job(
            "910753614",
            vec![person(
                &unreachable[0],
                None,
                Notifications::Lookup { sms: false },
            )],
        ))
        .await
        .unwrap();
    let status = poll_until_final(&client, Flow::Portal, queue, job.job_id).await;
    assert_eq!(
        status.signatures[0].status,
        SignerStatus::ContactInformationMissing
    );
    // Deleted from KRR: the same, even with an e-mail address given; an expired contact
    // record matters only for a lookup.
    let deleted = people(&sandbox, KrrSituation::Deleted, 1);
    let expired = people(&sandbox, KrrSituation::ContactExpired, 1);
    double.set_behaviour(&expired[0], Behaviour::Sign(chrono::Duration::hours(1)));
    let gone = client
        .create(&portal_job(
            "910753614",
            vec![person(&deleted[0], None, email())],
        ))
        .await
        .unwrap();
    let status = poll_until_final(&client, Flow::Portal, queue, gone.job_id).await;
    assert_eq!(
        status.signatures[0].status,
        SignerStatus::ContactInformationMissing
    );
    let reachable = client
        .create(&portal_job(
            "910753614",
            vec![person(&expired[0], None, email())],
        ))
        .await
        .unwrap();
    let status = poll_until_final(&client, Flow::Portal, queue, reachable.job_id).await;
    assert_eq!(status.status, JobStatus::CompletedSuccessfully);

    // Cancelled while waiting; a second cancel is too late (409).
    let waiting = client
        .create(&portal_job(
            "910753614",
            vec![person(&digital[4], None, email())],
        ))
        .await
        .unwrap();
    let url = waiting.cancellation_url.unwrap();
    client.cancel(&url).await.unwrap();
    let status = poll_until_final(&client, Flow::Portal, queue, waiting.job_id).await;
    assert_eq!(status.status, JobStatus::Failed);
    assert_eq!(status.signatures[0].status, SignerStatus::Cancelled);
    assert!(matches!(
        client.cancel(&url).await,
        Err(SigningError::TooLateToCancel)
    ));
}

#[tokio::test]
async fn polling_waits_for_the_permitted_time_and_an_early_poll_is_answered_429() {
    let sandbox = support::sandbox(20).await;
    sandbox.server.signing_double.set_settings(SigningSettings {
        empty_queue_poll_seconds: 30,
        ..SigningSettings::default()
    });
    let client = sandbox.signing();
    let polled = client.poll(Flow::Portal, None).await.unwrap();
    assert_eq!(polled.poll, Poll::Empty);
    assert!(polled.next_permitted > Utc::now() + chrono::Duration::seconds(25));
    // The client refuses to poll again before then, without calling.
    assert!(matches!(
        client.poll(Flow::Portal, None).await,
        Err(SigningError::PollTooEarly(_))
    ));
    assert_eq!(sandbox.server.signing_double.poll_counts(), (0, 1));
    // Another queue is separate.
    assert_eq!(
        client.poll(Flow::Portal, Some("annen")).await.unwrap().poll,
        Poll::Empty
    );

    // A client that does not know the time (a fresh process) is told by a 429, learns the
    // time from it and holds back from then on.
    let fresh = sandbox.signing();
    let polled = fresh.poll(Flow::Portal, None).await.unwrap();
    assert_eq!(polled.poll, Poll::TooEager);
    assert!(matches!(
        fresh.poll(Flow::Portal, None).await,
        Err(SigningError::PollTooEarly(_))
    ));
    assert_eq!(sandbox.server.signing_double.poll_counts().0, 1);
}

#[tokio::test]
async fn more_than_ten_calls_a_second_are_blocked_for_thirty_seconds() {
    let sandbox = support::sandbox(20).await;
    // Each client keeps itself under the limit; two together go over it.
    let (a, b) = (
        std::sync::Arc::new(sandbox.signing()),
        std::sync::Arc::new(sandbox.signing()),
    );
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..16 {
        let client = if i % 2 == 0 { a.clone() } else { b.clone() };
        calls.spawn(async move { (i % 2, client.whoami().await) });
    }
    let results = calls.join_all().await;
    let blocked: Vec<usize> = results
        .iter()
        .filter(|(_, r)| matches!(r, Err(SigningError::RateLimited(_))))
        .map(|(who, _)| *who)
        .collect();
    assert!(
        blocked.len() >= 6,
        "16 calls in a second: at least 6 refused ({})",
        blocked.len()
    );
    // The client itself now waits out the block instead of calling.
    let blocked_client = if blocked[0] == 0 { &a } else { &b };
    assert!(matches!(
        blocked_client.whoami().await,
        Err(SigningError::RateLimited(_))
    ));
}

#[tokio::test]
async fn the_service_is_trusted_only_with_the_right_ca_and_organisation_number() {
    let sandbox = support::sandbox(20).await;
    let mut wrong_org = sandbox.signing_config();
    wrong_org.server_org_number = "123456785".into();
    let impostor = sandbox.signing_with(wrong_org);
    let error = impostor.whoami().await.unwrap_err();
    assert!(matches!(error, SigningError::ServerIdentity(_)), "{error}");
    // Refused in the handshake: the order with its fødselsnumre and documents never left.
    let job = portal_job("910753614", vec![person("20914695016", None, email())]);
    let error = impostor.create(&job).await.unwrap_err();
    assert!(matches!(error, SigningError::ServerIdentity(_)), "{error}");
    assert_eq!(sandbox.server.signing_double.created_count(), 0);

    let other = kommunepost_sandbox::ca::TestCa::new().unwrap();
    let mut wrong_ca = sandbox.signing_config();
    wrong_ca.trust_pem = other.certificate().to_pem().unwrap();
    let error = sandbox.signing_with(wrong_ca).whoami().await.unwrap_err();
    assert!(matches!(error, SigningError::Unreachable(_)), "{error}");

    // A client certificate from another CA does not get through the handshake.
    let stranger = other.issue("910753614", "Falsk kommune", 30).unwrap();
    let mut wrong_client = sandbox.signing_config();
    wrong_client.certificate = stranger.to_pkcs12(&other, "pw").unwrap();
    wrong_client.certificate_password = kommunepost_core::secret::Secret::new("pw".into());
    let error = sandbox
        .signing_with(wrong_client)
        .whoami()
        .await
        .unwrap_err();
    assert!(matches!(error, SigningError::Unreachable(_)), "{error}");

    // Plain HTTP is refused outright.
    let mut plain = sandbox.signing_config();
    plain.base_url = plain.base_url.replace("https://", "http://");
    assert!(matches!(
        SigningClient::new(plain, sandbox.clock.clone()),
        Err(SigningError::Config(_))
    ));
}

#[tokio::test]
async fn a_direct_job_is_signed_on_the_signing_page_and_its_status_read_with_the_token() {
    let sandbox = support::sandbox(40).await;
    sandbox.server.signing_double.set_settings(SigningSettings {
        auto: false,
        empty_queue_poll_seconds: 1,
        ..SigningSettings::default()
    });
    let client = sandbox.signing();
    let fnr = people(&sandbox, KrrSituation::DigitalEboks, 1).remove(0);
    let job = Job {
        flow: Flow::Direct,
        nonsensitive_title: None,
        available_seconds: None,
        polling_queue: None,
        exit_urls: Some(ExitUrls {
            completion_url: "https://kommune.example/ferdig".into(),
            rejection_url: "https://kommune.example/avvist".into(),
            error_url: "https://kommune.example/feil".into(),
        }),
        signers: vec![Signer {
            identity: SignerIdentity::Person(Fnr::parse(&fnr).unwrap()),
            order: None,
            signature_type: None,
            on_behalf_of: None,
            notifications: None,
        }],
        ..portal_job("910753614", vec![])
    };
    let created = client.create(&job).await.unwrap();
    assert_eq!(created.status_url, None, "polling jobs get no status-url");
    let signer = &created.signers[0];
    assert!(
        signer
            .redirect_url
            .starts_with(&sandbox.server.signing_page_url())
    );
    let renewed = client.new_redirect_url(&signer.href).await.unwrap();
    assert_eq!(renewed.signer, SignerRef::Person(fnr.clone()));
    assert_ne!(
        renewed.redirect_url, signer.redirect_url,
        "a new one-time link"
    );

    // The person follows the link (it works once), signs on the page and is sent back to
    // the completion URL with a token.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let arrived = http.get(&renewed.redirect_url).send().await.unwrap();
    assert_eq!(arrived.status(), 303);
    let task = format!(
        "{}{}",
        sandbox.server.signing_page_url(),
        arrived.headers()["location"].to_str().unwrap()
    );
    let again = http.get(&renewed.redirect_url).send().await.unwrap();
    assert_eq!(again.status(), 410, "a used link does not work twice");
    let page = http.get(&task).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Avtale om praktisk bistand"));
    let back = http.post(format!("{task}/signer")).send().await.unwrap();
    let location = back.headers()["location"].to_str().unwrap().to_owned();
    let token = location
        .strip_prefix("https://kommune.example/ferdig?status_query_token=")
        .expect("completion URL with token");

    let status_url = format!(
        "{}/{}/direct/signature-jobs/{}/status",
        sandbox.server.endpoints().signing,
        "910753614",
        created.job_id
    );
    assert!(matches!(
        client.direct_status(&status_url, "feil").await,
        Err(SigningError::InvalidStatusQueryToken)
    ));
    let status = client.direct_status(&status_url, token).await.unwrap();
    assert_eq!(status.status, JobStatus::CompletedSuccessfully);
    assert!(status.signatures[0].xades_url.is_some());
    // The same change reaches the polling queue.
    let polled = poll_until_final(&client, Flow::Direct, None, created.job_id).await;
    assert_eq!(polled.signatures[0].status, SignerStatus::Signed);
}

fn names(job: &Job) -> Vec<String> {
    (0..job.signers.len())
        .map(|i| format!("Undertegner {}", i + 1))
        .collect()
}

async fn track_until_finished(
    tracker: &kommunepost_core::signing::SigningTracker,
    store: &kommunepost_core::store::Store,
    id: &str,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while store.signing_order(id).unwrap().state.is_open()
        || store.signing_order(id).unwrap().pades_url.is_some()
            && !store.signing_order(id).unwrap().has_pades
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "order {id} did not finish"
        );
        tracker.round().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn an_order_is_kept_in_the_store_tracked_to_completion_and_its_signed_copy_queued() {
    use kommunepost_core::signing::SigningTracker;
    use kommunepost_core::store::{NewOrder, OrderState, Store};
    let sandbox = support::sandbox(60).await;
    fast(&sandbox);
    let store = std::sync::Arc::new(Store::open_in_memory(sandbox.clock.clone()).unwrap());
    let tracker = SigningTracker::new(
        std::sync::Arc::new(sandbox.signing()),
        store.clone(),
        "sandbox",
    );
    let [a, b] =
        <[String; 2]>::try_from(people(&sandbox, KrrSituation::DigitalDigipost, 2)).unwrap();
    sandbox
        .server
        .signing_double
        .set_behaviour(&a, Behaviour::Sign(chrono::Duration::hours(1)));
    sandbox
        .server
        .signing_double
        .set_behaviour(&b, Behaviour::Sign(chrono::Duration::hours(3)));
    let job = portal_job(
        "910753614",
        vec![
            person(&a, Some(0), email()),
            person(&b, Some(1), Notifications::Lookup { sms: true }),
        ],
    );
    let order = store
        .create_signing_order(NewOrder {
            environment: "sandbox".into(),
            signer_names: names(&job),
            job,
            send_copy: true,
        })
        .unwrap();
    assert_eq!(order.state, OrderState::Sending);
    assert!(order.service_reference.starts_with("2026/17-avtale kp-"));
    assert_eq!(
        order.signers[0].shown_id.as_deref(),
        Some(&format!("{} *****", &a[..6])[..])
    );
    let sent = tracker.send(&order.id).await.unwrap();
    assert_eq!(sent.state, OrderState::Active);
    assert!(sent.cancellable);

    track_until_finished(&tracker, &store, &order.id).await;
    let done = store.signing_order(&order.id).unwrap();
    assert_eq!(done.state, OrderState::Completed);
    assert_eq!(done.job_status.as_deref(), Some("COMPLETED_SUCCESSFULLY"));
    assert!(
        done.signers
            .iter()
            .all(|s| s.status == "SIGNED" && s.has_xades)
    );
    let pades = store.signing_pades(&order.id).unwrap().unwrap();
    assert!(pades.starts_with(b"%PDF-"));
    assert!(
        String::from_utf8_lossy(&store.signing_xades(&order.id, 1).unwrap().unwrap())
            .contains("XAdESSignatures")
    );
    let events: Vec<String> = store
        .signing_events(&order.id)
        .unwrap()
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert!(
        events.iter().any(|t| t == "Undertegner 1 har signert"),
        "{events:?}"
    );
    assert!(events.iter().any(|t| t == "Alle har signert"), "{events:?}");
    assert_eq!(
        sandbox.server.signing_double.poll_counts().0,
        0,
        "never early"
    );

    // A signed copy to each citizen signer, through the outbox, digital only.
    let copies =
        kommunepost_core::signing::queue_signed_copies(&store, &order.id, chrono::Duration::zero())
            .unwrap();
    assert_eq!(copies, 2);
    let letters = store.list_outbox(None).unwrap();
    assert_eq!(letters.len(), 2);
    assert!(
        letters
            .iter()
            .all(|l| l.title == "Signert: Avtale om praktisk bistand")
    );
    assert_eq!(
        kommunepost_core::signing::queue_signed_copies(&store, &order.id, chrono::Duration::zero())
            .unwrap(),
        0,
        "only once"
    );
}

#[tokio::test]
async fn an_order_whose_create_answer_was_lost_is_found_again_by_its_reference() {
    use kommunepost_core::signing::{SigningTracker, TrackError};
    use kommunepost_core::store::{NewOrder, OrderState, Store};
    let sandbox = support::sandbox(60).await;
    fast(&sandbox);
    let double = &sandbox.server.signing_double;
    double.set_create_delay(Duration::from_secs(3));
    let store = std::sync::Arc::new(Store::open_in_memory(sandbox.clock.clone()).unwrap());
    let mut config = sandbox.signing_config();
    config.transfer_timeout = Duration::from_secs(1);
    let tracker = SigningTracker::new(
        std::sync::Arc::new(sandbox.signing_with(config)),
        store.clone(),
        "sandbox",
    );
    let fnr = people(&sandbox, KrrSituation::DigitalEboks, 1).remove(0);
    double.set_behaviour(&fnr, Behaviour::Sign(chrono::Duration::hours(1)));
    let job = portal_job("910753614", vec![person(&fnr, None, email())]);
    let order = store
        .create_signing_order(NewOrder {
            environment: "sandbox".into(),
            signer_names: names(&job),
            job,
            send_copy: false,
        })
        .unwrap();
    let error = tracker.send(&order.id).await.unwrap_err();
    assert!(
        matches!(error, TrackError::Service(SigningError::Timeout(_))),
        "{error}"
    );
    assert_eq!(
        store.signing_order(&order.id).unwrap().state,
        OrderState::Uncertain
    );
    assert_eq!(
        double.created_count(),
        1,
        "the job was created though the answer was lost"
    );

    // It is not sent again; its statuses find it by the reference.
    assert!(tracker.send(&order.id).await.is_err());
    track_until_finished(&tracker, &store, &order.id).await;
    let done = store.signing_order(&order.id).unwrap();
    assert_eq!(done.state, OrderState::Completed);
    assert!(done.job_id.is_some());
    assert_eq!(double.created_count(), 1);
}

#[tokio::test]
async fn a_status_for_a_job_not_in_this_store_is_left_for_its_owner_and_a_finished_order_stays_finished()
 {
    use kommunepost_core::signing::SigningTracker;
    use kommunepost_core::store::{NewOrder, OrderState, Store};
    let sandbox = support::sandbox(60).await;
    fast(&sandbox);
    let double = &sandbox.server.signing_double;
    double.set_settings(SigningSettings {
        empty_queue_poll_seconds: 1,
        requeue_seconds: 1,
        ..SigningSettings::default()
    });
    let store = std::sync::Arc::new(Store::open_in_memory(sandbox.clock.clone()).unwrap());
    let queue = store.signing_queue_name().unwrap();
    assert!(
        queue.starts_with("kommunepost-") && queue.len() > 20,
        "a queue of this store's own: {queue}"
    );
    let fnr = people(&sandbox, KrrSituation::DigitalEboks, 2);
    double.set_behaviour(&fnr[0], Behaviour::Sign(chrono::Duration::hours(1)));
    // Ours signs later, so the foreign status is in the queue while ours is still open.
    double.set_behaviour(&fnr[1], Behaviour::Sign(chrono::Duration::hours(20)));

    // Another installation's job on the same queue: seen, not kept, not confirmed.
    let other = sandbox.signing();
    let mut foreign = portal_job("910753614", vec![person(&fnr[0], None, email())]);
    foreign.polling_queue = Some(queue.clone());
    let foreign = other.create(&foreign).await.unwrap();
    let tracker = SigningTracker::new(
        std::sync::Arc::new(sandbox.signing()),
        store.clone(),
        "sandbox",
    );
    let mut job = portal_job("910753614", vec![person(&fnr[1], None, email())]);
    job.polling_queue = Some(queue.clone());
    let order = store
        .create_signing_order(NewOrder {
            environment: "sandbox".into(),
            signer_names: names(&job),
            job,
            send_copy: false,
        })
        .unwrap();
    tracker.send(&order.id).await.unwrap();
    let mut problems = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while store.signing_order(&order.id).unwrap().state.is_open() || problems.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{problems:?} {:?} {:?}",
            store.signing_order(&order.id).unwrap(),
            double.job(foreign.job_id).map(|j| (j.status, j.queue))
        );
        problems.extend(tracker.round().await.unwrap().problems);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&foreign.job_id.to_string())),
        "{problems:?}"
    );
    // Left unconfirmed, the foreign job's status comes round again for its owner.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let again = poll_until_final(&other, Flow::Portal, Some(&queue), foreign.job_id).await;
    assert_eq!(again.status, JobStatus::CompletedSuccessfully);

    // A late status does not reopen the finished order or change its signers.
    let done = store.signing_order(&order.id).unwrap();
    assert_eq!(done.state, OrderState::Completed);
    let mut late = again.clone();
    late.job_id = done.job_id.unwrap();
    late.status = JobStatus::InProgress;
    late.signatures[0].signer = SignerRef::Person(fnr[1].clone());
    late.signatures[0].status = SignerStatus::Waiting;
    store.record_signing_status(&order.id, &late).unwrap();
    let still = store.signing_order(&order.id).unwrap();
    assert_eq!(still.state, OrderState::Completed);
    assert_eq!(still.job_status.as_deref(), Some("COMPLETED_SUCCESSFULLY"));
    assert_eq!(still.signers[0].status, "SIGNED");
}

/// Creating an order applies the one gate to every signer first: an H-number never leaves, a
/// real person's number never goes to the test service. Nothing is kept, audited or sent.
#[tokio::test]
async fn an_order_with_a_number_the_environment_may_not_send_is_refused_and_nothing_is_kept() {
    use kommunepost_core::signing::SigningTracker;
    use kommunepost_core::signing::tracker::TrackError;
    use kommunepost_core::store::Store;
    let sandbox = support::sandbox(60).await;
    let store = std::sync::Arc::new(Store::open_in_memory(sandbox.clock.clone()).unwrap());
    for (environment, number, expected) in [
        ("sandbox", "15507600333", "never sent"),
        ("prod", "15507600333", "never sent"),
        ("test", "30108299920", "synthetic test numbers"),
    ] {
        let tracker = SigningTracker::new(
            std::sync::Arc::new(sandbox.signing()),
            store.clone(),
            environment,
        );
        let job = portal_job("910753614", vec![person(number, Some(0), email())]);
        let names = names(&job);
        match tracker.create_order(job, names, false, "test").await {
            Err(TrackError::Order(message)) => {
                assert!(message.contains(expected), "{environment}: {message}");
                assert!(message.contains(&number[..6]) && !message.contains(number));
            }
            other => panic!("{environment}: {other:?}"),
        }
    }
    assert!(store.list_signing_orders(None, 10).unwrap().is_empty());
    assert!(store.list_audit(10).unwrap().is_empty());
}

/// The tracker cut off at random moments, as a process killed mid-round would be (each store
/// write is its own transaction, so what was written stays and what was not is not), 25 times
/// while two signers sign; then left to finish. Statuses are stored before they are confirmed
/// and signed results before the order counts as done: nothing is lost, nothing is applied
/// twice when the service hands an unconfirmed status out again.
#[tokio::test]
async fn a_tracker_cut_off_at_random_moments_loses_no_status_and_applies_none_twice() {
    use kommunepost_core::signing::SigningTracker;
    use kommunepost_core::store::{NewOrder, OrderState, Store};
    let sandbox = support::sandbox(60).await;
    let double = &sandbox.server.signing_double;
    double.set_speed(36_000);
    double.set_settings(SigningSettings {
        empty_queue_poll_seconds: 1,
        // A status read but not confirmed comes back after a second.
        requeue_seconds: 1,
        ..SigningSettings::default()
    });
    let store = std::sync::Arc::new(Store::open_in_memory(sandbox.clock.clone()).unwrap());
    let tracker = std::sync::Arc::new(SigningTracker::new(
        std::sync::Arc::new(sandbox.signing()),
        store.clone(),
        "sandbox",
    ));
    let [a, b] =
        <[String; 2]>::try_from(people(&sandbox, KrrSituation::DigitalDigipost, 2)).unwrap();
    double.set_behaviour(&a, Behaviour::Sign(chrono::Duration::hours(1)));
    double.set_behaviour(&b, Behaviour::Sign(chrono::Duration::hours(2)));
    let job = portal_job(
        "910753614",
        vec![
            person(&a, Some(0), email()),
            person(&b, Some(1), Notifications::Lookup { sms: true }),
        ],
    );
    let order = store
        .create_signing_order(NewOrder {
            environment: "sandbox".into(),
            signer_names: names(&job),
            job,
            send_copy: false,
        })
        .unwrap();
    tracker.send(&order.id).await.unwrap();

    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..25 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let cut = Duration::from_millis(5 + seed % 120);
        let round = {
            let tracker = tracker.clone();
            tokio::spawn(async move { tracker.round().await })
        };
        tokio::time::sleep(cut).await;
        round.abort();
        let _ = round.await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    track_until_finished(&tracker, &store, &order.id).await;

    let done = store.signing_order(&order.id).unwrap();
    assert_eq!(done.state, OrderState::Completed);
    assert!(
        done.signers
            .iter()
            .all(|s| s.status == "SIGNED" && s.has_xades)
    );
    assert!(
        store
            .signing_pades(&order.id)
            .unwrap()
            .unwrap()
            .starts_with(b"%PDF-")
    );
    let events: Vec<String> = store
        .signing_events(&order.id)
        .unwrap()
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    for once in [
        "Undertegner 1 har signert",
        "Undertegner 2 har signert",
        "Alle har signert",
    ] {
        assert_eq!(
            events.iter().filter(|t| *t == once).count(),
            1,
            "{once}: {events:?}"
        );
    }
}
