//! Archive handover through the app's state against the sandbox: a mass mailing of three
//! letters (digital mailbox, paper, an organisation) with case metadata and an attachment, and
//! a completed signing order, become Fiks Arkiv packages that validate against KS's official
//! XSDs (`../shared/specs/fiks-arkiv-v1/`, with `xmllint`); each holds the PDF/A letter, its
//! attachment and a PDF/A dispatch receipt, names its recipient and screens the fødselsnummer.
//! Exported as folders and as a ZIP, the archive's receipt imported, the public journal.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use kommunepost_app::commands::letters::DraftForm;
use kommunepost_app::error::ErrorCode;
use kommunepost_app::signing::{SigningDocumentSource, SigningForm};
use kommunepost_app::state::AppState;
use kommunepost_core::archive::export::ExportForm;
use kommunepost_core::clock::SystemClock;
use kommunepost_core::config::Settings;
use kommunepost_core::paths::AppPaths;
use kommunepost_core::signing::Flow;
use kommunepost_core::signing::model::AuthenticationLevel;
use kommunepost_core::signing::order::{Deadline, SignerInput};
use kommunepost_core::store::{
    CredentialStore, LetterKind, MemoryCredentials, OrderState, PackageState,
};
use kommunepost_sandbox::{KrrSituation, Population, PopulationConfig};
use serde_json::json;

/// KS's official Fiks Arkiv V1 schemas, beside this repository (`../shared`).
fn schemas() -> PathBuf {
    let dir = std::env::var_os("KOMMUNEPOST_SPECS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/specs"))
        .join("fiks-arkiv-v1");
    assert!(
        dir.join("metadatakatalog.xsd").is_file(),
        "KS's Fiks Arkiv schemas are not at {} (set KOMMUNEPOST_SPECS to the specs folder)",
        dir.display()
    );
    dir
}

fn xmllint(schema: &str, file: &Path) {
    let output = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schemas().join(schema))
        .arg(file)
        .output()
        .expect("xmllint (apt libxml2-utils)");
    assert!(
        output.status.success(),
        "{} is not valid against {schema}:\n{}",
        file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

const OPPRETT: &str = "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.xsd";
const KVITTERING: &str = "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.kvittering.xsd";

fn population() -> Population {
    let settings = Settings::default();
    Population::generate(&PopulationConfig {
        seed: settings.sandbox.seed.into(),
        persons: settings.sandbox.persons as usize,
        as_of: chrono::Utc::now(),
    })
}

async fn sandbox_state(dir: &Path) -> AppState {
    let credentials: Arc<dyn CredentialStore> = Arc::new(MemoryCredentials::new());
    let state =
        AppState::with_credentials(AppPaths::under(dir), Ok(credentials), Arc::new(SystemClock))
            .unwrap();
    state
        .update_settings(|s| {
            s.sandbox.svarut_speed = 36_000;
            s.sandbox.signing_speed = 36_000;
            s.dispatch.hold_minutes = 0;
            s.archive.defaults.unit = "Servicetorget".into();
        })
        .unwrap();
    state.ensure_sandbox().await.unwrap();
    state
}

/// A one-page PDF/A to attach: a letter rendered by the app itself.
fn attachment_pdf() -> String {
    use kommunepost_core::letters::compose::compose;
    use kommunepost_core::letters::merge::MergeValues;
    let template = kommunepost_core::letters::template::Template {
        title: "Takstgrunnlag".into(),
        body: "Takstgrunnlaget for eiendommen.".into(),
        signature: Default::default(),
        ..kommunepost_core::letters::template::example()
    };
    let letter = compose(
        &template,
        &MergeValues::new(Vec::new()),
        None,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
    )
    .unwrap();
    let pdf = kommunepost_core::letters::pdf::render(&letter)
        .unwrap()
        .bytes;
    base64::engine::general_purpose::STANDARD.encode(pdf)
}

struct Recipients {
    digital: (String, String),
    paper: (String, String),
    org: (String, String),
}

fn three_recipients() -> Recipients {
    let population = population();
    let person = |situation| {
        let p = population.first_in(situation).unwrap();
        (
            p.fnr.expose().to_owned(),
            format!("{} {}", p.given_name, p.family_name),
        )
    };
    let org = population
        .organisations
        .iter()
        .find(|o| !o.has_receiving_system)
        .unwrap();
    Recipients {
        digital: person(KrrSituation::DigitalDigipost),
        paper: person(KrrSituation::Reserved),
        org: (org.orgnr.to_string(), org.name.clone()),
    }
}

fn mailing_draft(to: &Recipients) -> DraftForm {
    let csv = format!(
        "fodselsnummer;organisasjonsnummer;navn;adresselinje1;postnummer;poststed\n\
         {};;{};Storgata 1;7300;ORKANGER\n\
         {};;{};Storgata 2;7300;ORKANGER\n\
         ;{};{};Rådhusgata 1;7300;ORKANGER\n",
        to.digital.0, to.digital.1, to.paper.0, to.paper.1, to.org.0, to.org.1
    );
    serde_json::from_value(json!({
        "id": null, "title": "Eiendomsskatt 2027 for {{navn}}", "recipient_fnr": "", "recipient_name": "",
        "body": "Hei {{navn}}, her er eiendomsskatten for 2027.",
        "letter": {
            "template_id": null, "address_lines": [], "postcode": "", "city": "", "fields": [],
            "recipients_csv_base64": base64::engine::general_purpose::STANDARD.encode(csv),
            "recipients_file_name": "liste.csv", "column_map": [],
            "attachments": [{"file_name": "Takstgrunnlag.pdf", "pdf_base64": attachment_pdf()}],
            "attachment_mode": "separate",
            "case": {
                "case_year": null, "case_sequence": null,
                "new_case_title": "Eiendomsskatt 2027", "document_type": "",
                "case_officer": "Kari Saksbehandler", "unit": "",
                "public_title": "Eiendomsskatt 2027",
                "screening": {"restriction": "13", "authority": "Offl. § 13 jf. fvl. § 13",
                              "parts": ["recipient"]}
            }
        }
    }))
    .unwrap()
}

async fn rounds_until(state: &AppState, done: impl Fn(&AppState) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        state.outbox_round(true).await.unwrap();
        state.signing_round().await.unwrap();
        if done(state) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "rounds did not finish"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, bytes).unwrap();
    let output = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt poppler-utils)");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn a_mailing_and_a_signed_order_become_valid_archive_packages_that_are_exported_and_archived()
{
    let dir = tempfile::tempdir().unwrap();
    let state = sandbox_state(dir.path()).await;
    let to = three_recipients();

    // Half a case number is refused before anything is queued.
    let mut half = mailing_draft(&to);
    half.letter.case.case_year = Some(2026);
    let error = state.dispatch_plan(&half).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidCase, "{error:?}");

    let draft = mailing_draft(&to);
    let plan = state.dispatch_plan(&draft).await.unwrap();
    let queued = state
        .queue_draft(&draft, LetterKind::Ordinary, &plan.key, false)
        .unwrap();
    assert_eq!(queued.letters.len(), 3);
    let mailing = queued.mailing_id.clone().unwrap();
    let store = state.session().store().unwrap();
    // SvarUt carries the case's Noark metadata.
    let first = store.get_letter(&queued.letters[0]).unwrap();
    let metadata = first.forsendelse.metadata_fra_avleverende_system.unwrap();
    assert_eq!(metadata.journalposttype.as_deref(), Some("U"));
    assert_eq!(
        metadata.saksbehandler.as_deref(),
        Some("Kari Saksbehandler")
    );
    assert_eq!(metadata.tittel.as_deref(), Some("Eiendomsskatt 2027"));

    // Sent, accepted: each letter gets its package in the same round.
    rounds_until(&state, |state| {
        let store = state.session().store().unwrap();
        store
            .archive_packages("sandbox", Some(&mailing), 10)
            .unwrap()
            .len()
            == 3
    })
    .await;
    let packages = state.archive_packages(Some(mailing.clone())).await.unwrap();
    assert!(
        packages.iter().all(|p| p.state == PackageState::Waiting),
        "{packages:?}"
    );

    let check = tempfile::tempdir().unwrap();
    for package in &packages {
        let (xml, files) = store.archive_contents(&package.id).unwrap().unwrap();
        let xml = String::from_utf8(xml).unwrap();
        let path = check.path().join(format!("{}.xml", package.id));
        std::fs::write(&path, &xml).unwrap();
        xmllint(OPPRETT, &path);
        // The PDF/A letter, its attachment and the dispatch receipt.
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "hoveddokument.pdf",
                "vedlegg-1.pdf",
                "forsendelseskvittering.pdf"
            ]
        );
        assert!(files.iter().all(|(_, b)| b.starts_with(b"%PDF-")));
        for (name, _) in &files {
            assert!(xml.contains(&format!(
                "<referanseDokumentfil>{name}</referanseDokumentfil>"
            )));
        }
        assert!(xml.contains("<antallFiler>3</antallFiler>"));
        // One case for the mailing: every package names the mailing's key.
        assert!(xml.contains(&format!(
            "<n5mdk:noekkel>utsending-{mailing}</n5mdk:noekkel>"
        )));
        assert!(xml.contains("<tittel>Eiendomsskatt 2027</tittel>"));
        assert!(xml.contains("<n5mdk:kode>13</n5mdk:kode>"));
        // The letter's recipient, and nobody else.
        let letter = store
            .get_letter(package.letter_id.as_deref().unwrap())
            .unwrap();
        assert!(xml.contains(&format!(
            "<korrespondansepartNavn>{}</korrespondansepartNavn>",
            letter.recipient_name
        )));
        let others = [&to.digital, &to.paper, &to.org]
            .into_iter()
            .filter(|(_, name)| *name != letter.recipient_name);
        for (id, name) in others {
            assert!(!xml.contains(name.as_str()) && !xml.contains(id.as_str()));
        }
        let receipt = pdf_text(&files[2].1);
        assert!(receipt.contains("Forsendelseskvittering"), "{receipt}");
        assert!(receipt.contains("Forsendelses-ID i SvarUt"), "{receipt}");
        assert!(
            receipt.contains(letter.svarut_id.as_deref().unwrap()),
            "{receipt}"
        );
        match letter.route.as_deref() {
            Some("digital_postkasse") => {
                // The fødselsnummer only in personid, and the party screened.
                assert_eq!(count(&xml, &to.digital.0), 1);
                assert!(xml.contains(&format!("<personid>{}</personid>", to.digital.0)));
                assert!(xml.contains("<erSkjermet>true</erSkjermet>"));
                assert!(receipt.contains("Digital postkasse"), "{receipt}");
                assert!(receipt.contains("har digital postkasse"), "{receipt}");
            }
            Some("papir") => {
                assert_eq!(count(&xml, &to.paper.0), 1);
                assert!(
                    receipt.contains("reservert mot digital kommunikasjon"),
                    "{receipt}"
                );
            }
            Some("altinn") => {
                assert!(xml.contains(&format!("<organisasjonid>{}</organisasjonid>", to.org.0)));
                assert!(!xml.contains("<personid>"));
            }
            other => panic!("route {other:?}"),
        }
        for (fnr, _) in [&to.digital, &to.paper] {
            assert!(!receipt.contains(fnr.as_str()), "no number in the receipt");
        }
    }

    // A completed signing order: the signed PDF and the signing history.
    let signer = population()
        .persons
        .iter()
        .find(|p| p.situation == KrrSituation::DigitalDigipost && p.fnr.expose() != to.digital.0)
        .map(|p| {
            (
                p.fnr.expose().to_owned(),
                format!("{} {}", p.given_name, p.family_name),
            )
        })
        .unwrap();
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(attachment_pdf())
        .unwrap();
    let order = state
        .create_signing_order(&SigningForm {
            flow: Flow::Portal,
            title: "Avtale om leie av lokaler".into(),
            nonsensitive_title: Some("Avtale fra kommunen".into()),
            description: None,
            documents: vec![SigningDocumentSource::File {
                title: "Avtale".into(),
                bytes: pdf,
            }],
            signers: vec![SignerInput {
                fnr: Some(signer.0.clone()),
                name: signer.1.clone(),
                email: None,
                mobile: None,
                sms_from_krr: true,
                order_group: None,
                signature_type: None,
                on_behalf_of: None,
            }],
            level: AuthenticationLevel::Three,
            deadline: Some(Deadline::Days(7)),
            reference: None,
            exit_url: None,
            send_copy: false,
            activation_date: None,
            identifier: None,
        })
        .await
        .unwrap();
    rounds_until(&state, |state| {
        let store = state.session().store().unwrap();
        store.signing_order(&order.id).unwrap().state == OrderState::Completed
            && store.archive_package(&order.id).is_ok()
    })
    .await;
    let (xml, files) = store.archive_contents(&order.id).unwrap().unwrap();
    let xml = String::from_utf8(xml).unwrap();
    let path = check.path().join("order.xml");
    std::fs::write(&path, &xml).unwrap();
    xmllint(OPPRETT, &path);
    assert_eq!(
        files.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["signert-dokument.pdf", "signeringshistorikk.pdf"]
    );
    assert!(xml.contains("<n5mdk:kode>AVTALE</n5mdk:kode>"));
    assert!(xml.contains("<offentligTittel>Avtale fra kommunen</offentligTittel>"));
    assert_eq!(count(&xml, &signer.0), 1);
    assert!(pdf_text(&files[1].1).contains(&signer.1));

    // Export: a ZIP for the mailing, folders for the rest.
    let out = tempfile::tempdir().unwrap();
    let folder = Some(out.path().display().to_string());
    let zips = state
        .export_archive(
            Some(mailing.clone()),
            ExportForm::Zip,
            folder.clone(),
            false,
        )
        .await
        .unwrap();
    assert_eq!(zips.len(), 1);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zips[0]).unwrap()).unwrap();
    assert_eq!(
        zip.len(),
        3 * 4,
        "three packages of arkivmelding.xml and three files"
    );
    let entry = format!("{}/arkivmelding.xml", packages[0].id);
    assert!(zip.by_name(&entry).is_ok(), "{entry}");
    let folders = state
        .export_archive(None, ExportForm::Folders, folder.clone(), false)
        .await
        .unwrap();
    assert_eq!(folders.len(), 1, "only the order was not exported yet");
    let order_dir = PathBuf::from(&folders[0]);
    assert!(order_dir.join("arkivmelding.xml").is_file());
    assert!(order_dir.join("signert-dokument.pdf").is_file());
    let nothing = state
        .export_archive(None, ExportForm::Folders, folder.clone(), false)
        .await
        .unwrap_err();
    assert_eq!(nothing.code, ErrorCode::NothingToArchive);
    let relative = state
        .export_archive(None, ExportForm::Folders, Some("arkiv".into()), true)
        .await
        .unwrap_err();
    assert_eq!(relative.code, ErrorCode::InvalidSettings);

    // The archive's receipt (valid against KS's schema) archives the package it names.
    let archived = &packages[0];
    let receipt = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<arkivmeldingKvittering xmlns="https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/opprett/kvittering/v1" xmlns:n5mdk="https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <mappeKvittering xsi:type="saksmappeKvittering">
    <systemID>5d2f7a10-93c4-4b8e-a1f6-0c7d9e2b4a31</systemID>
    <referanseEksternNoekkel><n5mdk:fagsystem>Kommunepost</n5mdk:fagsystem><n5mdk:noekkel>utsending-{mailing}</n5mdk:noekkel></referanseEksternNoekkel>
    <opprettetEllerEksisterende>Opprettet</opprettetEllerEksisterende>
    <saksaar>2026</saksaar>
    <sakssekvensnummer>418</sakssekvensnummer>
  </mappeKvittering>
  <registreringKvittering xsi:type="journalpostKvittering">
    <systemID>a4c3e1f0-2b7d-4c9a-8e65-13f2d0b9c7e8</systemID>
    <referanseEksternNoekkel><n5mdk:fagsystem>Kommunepost</n5mdk:fagsystem><n5mdk:noekkel>{}</n5mdk:noekkel></referanseEksternNoekkel>
    <opprettetEllerEksisterende>Opprettet</opprettetEllerEksisterende>
    <journalaar>2026</journalaar>
    <journalsekvensnummer>4567</journalsekvensnummer>
    <journalpostnummer>1</journalpostnummer>
  </registreringKvittering>
</arkivmeldingKvittering>
"#,
        archived.id
    );
    let path = check.path().join("kvittering.xml");
    std::fs::write(&path, &receipt).unwrap();
    xmllint(KVITTERING, &path);
    let done = state
        .import_archive_receipt(receipt.into_bytes())
        .await
        .unwrap();
    assert_eq!(done.state, PackageState::Archived);
    assert_eq!(done.numbers.journal_post().as_deref(), Some("2026/4567"));
    assert_eq!(done.numbers.case().as_deref(), Some("2026/418"));
    let events = store
        .letter_events(archived.letter_id.as_deref().unwrap())
        .unwrap();
    assert!(
        events
            .iter()
            .any(|(_, text)| text == "Arkivert som journalpost 2026/4567 i sak 2026/418"),
        "{events:?}"
    );
    // A file that is not a receipt changes nothing.
    let error = state
        .import_archive_receipt(b"<html/>".to_vec())
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidArchiveReceipt);
    assert_eq!(
        store
            .archive_packages("sandbox", None, 10)
            .unwrap()
            .iter()
            .filter(|p| p.state == PackageState::Archived)
            .count(),
        1
    );

    // The public journal: the public title, the recipient screened, the archive's numbers.
    let journal = state.public_journal(None).await.unwrap();
    assert_eq!(journal.len(), 3, "{journal:?}");
    assert!(journal.iter().all(|e| e.title == "Eiendomsskatt 2027"));
    assert!(journal.iter().all(|e| e.recipient == "Skjermet"));
    assert!(
        journal
            .iter()
            .any(|e| e.journal_post.as_deref() == Some("2026/4567"))
    );
    let csv_path = state.export_public_journal(None).await.unwrap();
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(csv.contains("Offl. § 13 jf. fvl. § 13"));
    for (name, id) in [(&to.digital.1, &to.digital.0), (&to.paper.1, &to.paper.0)] {
        assert!(!csv.contains(name.as_str()) && !csv.contains(id.as_str()));
    }

    // A retry builds a waiting package again; an archived one stays as it is.
    let again = state
        .retry_archive_package(packages[1].id.clone())
        .await
        .unwrap();
    assert_eq!(again.state, PackageState::Waiting);
    let kept = state
        .retry_archive_package(archived.id.clone())
        .await
        .unwrap();
    assert_eq!(kept.state, PackageState::Archived);
}

/// A letter printed at the office is archived once printed; the archive's refusal of a single
/// letter's new case (`sak-<id>`) marks its package failed, with the reason, in its timeline.
#[tokio::test]
async fn an_office_printed_letter_is_archived_and_a_refusal_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let state = sandbox_state(dir.path()).await;
    state
        .update_settings(|s| s.dispatch.print_at_office = true)
        .unwrap();
    let reserved = population()
        .first_in(KrrSituation::Reserved)
        .unwrap()
        .clone();
    let draft: DraftForm = serde_json::from_value(json!({
        "id": null, "title": "Innkalling til møte",
        "recipient_fnr": reserved.fnr.expose(),
        "recipient_name": format!("{} {}", reserved.given_name, reserved.family_name),
        "body": "Du er kalt inn til møte.",
        "letter": {
            "template_id": null, "address_lines": ["Storgata 3"], "postcode": "7300",
            "city": "ORKANGER", "fields": [], "recipients_csv_base64": null,
            "recipients_file_name": null, "column_map": [], "attachments": [],
            "attachment_mode": "separate"
        }
    }))
    .unwrap();
    let plan = state.dispatch_plan(&draft).await.unwrap();
    let queued = state
        .queue_draft(&draft, LetterKind::Ordinary, &plan.key, false)
        .unwrap();
    let id = queued.letters[0].clone();
    let store = state.session().store().unwrap();
    state.outbox_round(true).await.unwrap();
    assert!(
        store.get_letter(&id).unwrap().local_print,
        "printed at the office"
    );
    assert!(
        store.archive_package(&id).is_err(),
        "not archived before it is printed"
    );
    store.mark_printed_locally(&id).unwrap();
    state.outbox_round(true).await.unwrap();
    let package = store.archive_package(&id).unwrap();
    assert_eq!(package.state, PackageState::Waiting);
    let (_, files) = store.archive_contents(&id).unwrap().unwrap();
    let receipt = pdf_text(&files.last().unwrap().1);
    assert!(receipt.contains("skrevet ut på kontoret"), "{receipt}");

    // The archive refuses the journal post of this letter's new case.
    let refusal = format!(
        r#"<arkivmeldingKvittering xmlns="https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/opprett/kvittering/v1" xmlns:n5mdk="https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1" xmlns:feil="https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/feil/feilmelding/v1">
  <mappeKvittering><systemID>5d2f7a10-93c4-4b8e-a1f6-0c7d9e2b4a31</systemID>
    <referanseEksternNoekkel><n5mdk:fagsystem>Kommunepost</n5mdk:fagsystem><n5mdk:noekkel>sak-{id}</n5mdk:noekkel></referanseEksternNoekkel>
    <opprettetEllerEksisterende>Opprettet</opprettetEllerEksisterende></mappeKvittering>
  <registreringFeilet><feil:feilId>1</feil:feilId><feil:feilmelding>Ugyldig arkivdel</feil:feilmelding></registreringFeilet>
</arkivmeldingKvittering>"#
    );
    let error = state
        .import_archive_receipt(refusal.into_bytes())
        .await
        .unwrap_err();
    assert_eq!(error.code, ErrorCode::InvalidArchiveReceipt);
    assert!(
        error.message.contains("Ugyldig arkivdel"),
        "{}",
        error.message
    );
    let detail = error.detail.expect("the clerk's message");
    assert_eq!(
        detail.key,
        kommunepost_core::problem::ProblemKey::ArchiveRefused
    );
    assert_eq!(detail.params["reason"], "Ugyldig arkivdel");
    let package = store.archive_package(&id).unwrap();
    assert_eq!(package.state, PackageState::Failed);
    assert_eq!(package.problem, Some(detail), "kept with the package");
    assert!(
        package
            .error
            .as_deref()
            .unwrap()
            .contains("Ugyldig arkivdel"),
        "{package:?}"
    );
    assert!(
        store
            .letter_events(&id)
            .unwrap()
            .iter()
            .any(|(_, text)| text == "Arkivet avviste pakken: Ugyldig arkivdel")
    );
    // A retry builds it again, waiting for the archive.
    let again = state.retry_archive_package(id.clone()).await.unwrap();
    assert_eq!(again.state, PackageState::Waiting);
}
