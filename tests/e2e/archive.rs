//! Archive handover in the real window (#15): the clerk sets the case metadata in Brev, sends
//! the letter, sees its package wait in Utsending → Arkiv, exports it for the archive (the
//! package on disk validates against KS's XSDs), imports the archive's receipt, and sees the
//! letter archived with its journal post number.

use std::path::Path;
use std::process::Command;

use fantoccini::{Client, Locator};
use kommunepost_sandbox::KrrSituation;

use super::walkthrough::check_screen;
use super::{
    click, go_to, letter_from_template, sandbox_population, screenshot, type_into, wait_for,
    wait_for_contains, wait_for_xpath,
};

const TITLE: &str = "Vedtak om støttekontakt – sak 2026/123";

/// The receipt the archive sends back for the package `key`.
fn receipt(key: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<arkivmeldingKvittering xmlns="https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/arkivmelding/opprett/kvittering/v1" xmlns:n5mdk="https://ks-no.github.io/standarder/fiks-protokoll/fiks-arkiv/metadatakatalog/v1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <mappeKvittering xsi:type="saksmappeKvittering">
    <systemID>5d2f7a10-93c4-4b8e-a1f6-0c7d9e2b4a31</systemID>
    <opprettetEllerEksisterende>Eksisterende</opprettetEllerEksisterende>
    <saksaar>2026</saksaar>
    <sakssekvensnummer>123</sakssekvensnummer>
  </mappeKvittering>
  <registreringKvittering xsi:type="journalpostKvittering">
    <systemID>a4c3e1f0-2b7d-4c9a-8e65-13f2d0b9c7e8</systemID>
    <referanseEksternNoekkel><n5mdk:fagsystem>Kommunepost</n5mdk:fagsystem><n5mdk:noekkel>{key}</n5mdk:noekkel></referanseEksternNoekkel>
    <opprettetEllerEksisterende>Opprettet</opprettetEllerEksisterende>
    <journalaar>2026</journalaar>
    <journalsekvensnummer>4567</journalsekvensnummer>
    <journalpostnummer>3</journalpostnummer>
  </registreringKvittering>
</arkivmeldingKvittering>
"#
    )
}

fn xmllint(schema: &str, file: &Path) {
    let schemas = std::env::var_os("KOMMUNEPOST_SPECS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/specs"))
        .join("fiks-arkiv-v1");
    let output = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(schemas.join(schema))
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

/// Sets a file on the receipt's (visually hidden) file input, as the clerk's file chooser does.
async fn choose_file(client: &Client, testid: &str, path: &Path, contents: &str) {
    let input = wait_for(client, &format!("[data-testid={testid}]")).await;
    if input.send_keys(&path.display().to_string()).await.is_ok() {
        return;
    }
    // A driver that cannot set files through the input: the same file, handed over by script.
    client
        .execute(
            "const [testid, name, text] = arguments;\
             const input = document.querySelector(`[data-testid=${testid}]`);\
             const files = new DataTransfer();\
             files.items.add(new File([text], name, { type: 'text/xml' }));\
             input.files = files.files;\
             input.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![
                testid.into(),
                path.file_name().unwrap().to_string_lossy().into(),
                contents.into(),
            ],
        )
        .await
        .unwrap();
}

/// Case metadata in Brev, send, Arkiv shows the package waiting, export, the receipt, archived.
pub async fn case_metadata_send_export_and_receipt(client: &Client, data_dir: &Path) {
    let population = sandbox_population();
    let person = population
        .persons
        .iter()
        .filter(|p| p.situation == KrrSituation::DigitalDigipost)
        .nth(2)
        .unwrap();
    let name = format!("{} {}", person.given_name, person.family_name);
    letter_from_template(
        client,
        person,
        "Storgata 11",
        &[
            ("tjeneste", "støttekontakt"),
            ("saksnummer", "2026/123"),
            ("fra_dato", "1. februar 2027"),
            ("belop", "900"),
            ("avdeling", "Helse og omsorg"),
            ("saksbehandler", "Kari Klerk"),
        ],
    )
    .await;

    // Sak og arkiv: the existing case, the case officer, the public title, screened.
    click(client, "[data-testid=case-fields] summary").await;
    type_into(client, "[data-testid=case-number]", "2026/123").await;
    assert!(
        wait_for_contains(client, "[data-testid=case-summary]", "2026/123").await,
        "the case number is not shown in the section's summary"
    );
    type_into(client, "[data-testid=case-officer]", "Kari Klerk").await;
    type_into(
        client,
        "[data-testid=case-public-title]",
        "Vedtak om støttekontakt",
    )
    .await;
    wait_for(client, "[data-testid=case-restriction]")
        .await
        .select_by_value("13")
        .await
        .unwrap();
    let authority = wait_for(client, "[data-testid=case-authority]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(
        authority, "Offl. § 13 jf. fvl. § 13",
        "the legal basis is offered"
    );
    click(client, "[data-testid=case-screen-recipient]").await;
    assert!(
        client
            .find_all(Locator::Css("[data-testid=case-problems] li"))
            .await
            .unwrap()
            .is_empty(),
        "the case metadata has problems"
    );
    assert!(
        wait_for_contains(client, "[data-testid=draft-status]", "Lagret").await,
        "the draft was not saved"
    );
    screenshot(client, "30-brev-sak-og-arkiv").await;
    check_screen(client, "Brev (sak og arkiv)").await;

    click(client, "[data-testid=send-open]").await;
    wait_for(client, "[data-testid=send-preview]").await;
    click(client, "[data-testid=send-confirm]").await;
    assert!(
        wait_for_contains(
            client,
            "[data-testid=send-done]",
            "1 brev er lagt i utboksen"
        )
        .await,
        "the letter was not queued"
    );

    // Utsending → Arkiv: the package waits for the archive once SvarUt has the letter.
    go_to(client, "utsending").await;
    click(client, "[data-testid=tab-archive]").await;
    let row = format!("//tr[@data-testid='archive-row' and contains(., '{TITLE}')]");
    let waiting = wait_for_xpath(client, &format!("{row}[@data-state='waiting']")).await;
    let key = waiting
        .attr("data-package")
        .await
        .unwrap()
        .expect("the row names its package");
    let shown = waiting.text().await.unwrap();
    assert!(shown.contains("Venter på arkivet"), "{shown}");
    assert!(!shown.contains(person.fnr.expose()), "{shown}");
    screenshot(client, "31-utsending-arkiv-venter").await;
    check_screen(client, "Utsending (Arkiv)").await;

    // Export to the default folder: a folder per package, ready for the archive's import.
    click(client, "[data-testid=archive-export]").await;
    assert!(
        wait_for_contains(client, "[data-testid=archive-written]", &key).await,
        "the export did not say where it wrote the package"
    );
    let package = data_dir.join("exports").join("arkiv").join(&key);
    let xml = std::fs::read_to_string(package.join("arkivmelding.xml"))
        .expect("the exported package has its arkivmelding");
    xmllint(
        "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.xsd",
        &package.join("arkivmelding.xml"),
    );
    assert!(xml.contains("<n5mdk:saksaar>2026</n5mdk:saksaar>"), "{xml}");
    assert!(xml.contains("<n5mdk:sakssekvensnummer>123</n5mdk:sakssekvensnummer>"));
    assert!(xml.contains(&format!(
        "<korrespondansepartNavn>{name}</korrespondansepartNavn>"
    )));
    assert!(xml.contains("<offentligTittel>Vedtak om støttekontakt</offentligTittel>"));
    for file in ["hoveddokument.pdf", "forsendelseskvittering.pdf"] {
        assert!(package.join(file).is_file(), "{file} is not in the package");
    }
    screenshot(client, "32-utsending-arkiv-eksportert").await;

    // The archive's receipt: the letter is archived with its journal post number.
    let receipt_file = data_dir.join("kvittering-fra-arkivet.xml");
    let text = receipt(&key);
    std::fs::write(&receipt_file, &text).unwrap();
    xmllint(
        "no.ks.fiks.arkiv.v1.arkivering.arkivmelding.opprett.kvittering.xsd",
        &receipt_file,
    );
    choose_file(client, "archive-receipt", &receipt_file, &text).await;
    assert!(
        wait_for_contains(client, "[data-testid=archive-receipt-notice]", "2026/4567").await,
        "the receipt was not read"
    );
    let archived = wait_for_xpath(client, &format!("{row}[@data-state='archived']"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        archived.contains("journalpost 2026/4567") && archived.contains("sak 2026/123"),
        "{archived}"
    );
    screenshot(client, "33-utsending-arkiv-arkivert").await;
    check_screen(client, "Utsending (Arkiv, arkivert)").await;

    // The public journal shows the public title and screens the recipient.
    let journal = wait_for_xpath(
        client,
        "//tr[@data-testid='journal-row' and contains(., 'Vedtak om støttekontakt') and contains(., '2026/4567')]",
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        journal.contains("Skjermet") && !journal.contains(&name),
        "{journal}"
    );
}
