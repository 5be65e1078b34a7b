//! End-to-end: drives the real app window through tauri-driver and WebKitWebDriver.
//!
//! Needs a display (Xvfb), `tauri-driver` on PATH and `/usr/bin/WebKitWebDriver`; the README's
//! test command provides all three. Screenshots of every section go to
//! `tests/e2e/output/` (or `KOMMUNEPOST_E2E_OUTPUT`).

mod accessibility;
mod archive;
mod driver;
mod keyboard;
mod sensitive;
mod walkthrough;

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, Locator};

use driver::TauriDriver;
use kommunepost_core::config::Settings;
use kommunepost_sandbox::{KrrSituation, Population, PopulationConfig};
use walkthrough::{
    a_sent_draft_is_not_sent_again_unasked, check_screen, mass_mailing_from_the_example_template,
    single_vedtak_from_the_example_template, switch_to_test_and_back_with_confirmation,
};

const TIMEOUT: Duration = Duration::from_secs(30);

fn output_dir() -> PathBuf {
    let dir = std::env::var_os("KOMMUNEPOST_E2E_OUTPUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/output"));
    std::fs::create_dir_all(&dir).expect("create the screenshot folder");
    dir
}

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    wait_for_element(client, Locator::Css(css), css).await
}

/// Waits for the element at `xpath` (for a button found by its text).
async fn wait_for_xpath(client: &Client, xpath: &str) -> fantoccini::elements::Element {
    wait_for_element(client, Locator::XPath(xpath), xpath).await
}

async fn wait_for_element(
    client: &Client,
    locator: Locator<'_>,
    css: &str,
) -> fantoccini::elements::Element {
    match client.wait().at_most(TIMEOUT).for_element(locator).await {
        Ok(element) => element,
        Err(e) => {
            // Keep what the window showed, to see why.
            if let Ok(png) = client.screenshot().await {
                let _ = std::fs::write(output_dir().join("failure.png"), png);
            }
            let source = client.source().await.unwrap_or_default();
            panic!("{css} did not appear: {e}\npage source:\n{source}");
        }
    }
}

/// Waits until the element's text equals `expected`, and returns it.
async fn wait_for_text(client: &Client, css: &str, expected: &str) -> String {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let text = match client.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.trim() == expected || std::time::Instant::now() > deadline {
            return text.trim().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The app's sandbox population: the same seed and size as the default settings.
fn sandbox_population() -> Population {
    let settings = Settings::default();
    Population::generate(&PopulationConfig {
        seed: settings.sandbox.seed.into(),
        persons: settings.sandbox.persons as usize,
        as_of: chrono::Utc::now(),
    })
}

/// Waits until the element's text contains `expected`.
async fn wait_for_contains(client: &Client, css: &str, expected: &str) -> bool {
    let deadline = std::time::Instant::now() + TIMEOUT;
    while std::time::Instant::now() < deadline {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && element.text().await.unwrap_or_default().contains(expected)
        {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Waits until `count` elements match and returns their texts.
async fn wait_for_all_texts(client: &Client, css: &str, count: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let elements = client.find_all(Locator::Css(css)).await.unwrap_or_default();
        if elements.len() == count || std::time::Instant::now() > deadline {
            let mut texts = Vec::new();
            for element in elements {
                texts.push(element.text().await.unwrap_or_default().trim().to_owned());
            }
            return texts;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A screenshot after two animation frames, so the picture shows the new DOM.
async fn screenshot(client: &Client, name: &str) {
    client
        .execute_async(
            "const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done()));",
            vec![],
        )
        .await
        .expect("wait for frames");
    let png = client.screenshot().await.expect("screenshot");
    let path = output_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).expect("write screenshot");
    eprintln!("screenshot: {}", path.display());
}

/// Pastes a recipient list as from Excel and uses it.
async fn paste_recipients(client: &Client, csv: &str) {
    wait_for(client, "[data-testid=recipients-paste]").await;
    client
        .execute(
            "const area = document.querySelector('[data-testid=recipients-paste]');\
             area.value = arguments[0];\
             area.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![serde_json::json!(csv)],
        )
        .await
        .unwrap();
    click(client, "[data-testid=recipients-use]").await;
}

async fn check_identifier(client: &Client, number: &str, expected: &str) {
    let input = wait_for(client, "[data-testid=ident-input]").await;
    input.clear().await.expect("clear");
    input.send_keys(number).await.expect("type");
    client
        .find(Locator::Css("[data-testid=ident-check]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let text = wait_for_text(client, "[data-testid=ident-result]", expected).await;
    assert_eq!(text, expected, "result for {number} as Rust reported it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_window_shows_every_section_and_checks_identifiers_through_rust() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    // Letters leave at once, and the sandbox's SvarUt runs two hours a second, so a printed
    // letter is seen within the test. Sandbox signers act only on the signing page.
    let settings_file = kommunepost_core::paths::AppPaths::under(data_dir.path()).settings_file();
    std::fs::create_dir_all(settings_file.parent().unwrap()).unwrap();
    std::fs::write(
        &settings_file,
        "[sandbox]\nsvarut_speed = 7200\nsigning_auto = false\n\n[dispatch]\nhold_minutes = 0\n",
    )
    .unwrap();
    let driver = TauriDriver::start(data_dir.path()).await;
    let client = driver.session(env!("CARGO_BIN_EXE_kommunepost-app")).await;

    first_run(&client).await;

    let badge = wait_for_text(
        &client,
        "[data-testid=environment-badge]",
        "Miljø: Sandkasse",
    )
    .await;
    assert!(badge.ends_with("Sandkasse"), "environment badge: {badge}");

    let sections = [
        ("oppslag", "Oppslag i Kontakt- og reservasjonsregisteret"),
        ("brev", "Brev"),
        ("utsending", "Utsending"),
        ("signering", "Signering"),
        ("innstillinger", "Innstillinger"),
    ];
    for (i, (section, title)) in sections.iter().enumerate() {
        wait_for(&client, &format!("nav [data-section={section}]"))
            .await
            .click()
            .await
            .unwrap();
        let heading = wait_for_text(&client, "main h1", title).await;
        assert_eq!(heading, *title, "heading of {section}");
        screenshot(&client, &format!("{:02}-{section}", i + 1)).await;
        accessibility::assert_no_serious_violations(&client, title).await;
    }

    let sandbox_url = wait_for(&client, "[data-testid=sandbox-url]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        sandbox_url.starts_with("http://127.0.0.1:"),
        "sandbox url: {sandbox_url}"
    );

    // "Test tilkobling" in the sandbox: every step passes.
    click(&client, "[data-testid=test-connection-sandbox]").await;
    let steps = wait_for_all_texts(&client, "[data-testid=connection-steps-sandbox] li", 5).await;
    assert_eq!(steps.len(), 5, "{steps:?}");
    assert!(steps.iter().all(|s| s.contains(": OK")), "{steps:?}");
    screenshot(&client, "08-innstillinger-test-tilkobling").await;
    check_screen(&client, "Innstillinger").await;

    go_to(&client, "oppslag").await;
    check_identifier(
        &client,
        "20914695016",
        "Gyldig syntetisk fødselsnummer (Tenor)",
    )
    .await;
    check_identifier(
        &client,
        "20914695017",
        "Ugyldig: feil kontrollsiffer (siffer 11)",
    )
    .await;
    screenshot(&client, "06-oppslag-invalid").await;
    check_identifier(
        &client,
        "13013491571",
        "Ugyldig: fødselsdatoen er i fremtiden",
    )
    .await;
    check_identifier(
        &client,
        "2091469501",
        "Ugyldig: feil lengde – 10 siffer (fødselsnummer har 11, organisasjonsnummer 9)",
    )
    .await;

    // A KRR lookup in the sandbox: three synthetic persons and one invalid number.
    let population = sandbox_population();
    let person = |situation| {
        population
            .first_in(situation)
            .unwrap()
            .fnr
            .expose()
            .to_owned()
    };
    let numbers = [
        person(KrrSituation::DigitalDigipost),
        person(KrrSituation::Reserved),
        person(KrrSituation::ContactExpired),
        "2091469501".to_owned(),
    ];
    let input = wait_for(&client, "[data-testid=ident-input]").await;
    input.clear().await.unwrap();
    input.send_keys(&numbers.join(" ")).await.unwrap();
    client
        .find(Locator::Css("[data-testid=lookup]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let badges = wait_for_all_texts(&client, "[data-testid=lookup-badge]", 4).await;
    assert_eq!(
        badges,
        [
            "Digital postkasse – Digipost",
            "Reservert – sendes på papir",
            "Kontaktinfo utgått – Altinn uten varsel, trolig papir etter lesefristen",
            "Ugyldig: feil lengde – 10 siffer (fødselsnummer har 11, organisasjonsnummer 9)",
        ]
    );
    let page = client.source().await.unwrap();
    assert!(
        !page.contains(&numbers[1]),
        "a full number is on the screen without being asked for"
    );
    client
        .execute(
            "document.querySelector('[data-testid=lookup-results]').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&client, "07-oppslag-krr").await;
    check_screen(&client, "Oppslag").await;

    // Brev: a draft is autosaved while typing and is still there after a restart.
    go_to(&client, "brev").await;
    click(&client, "[data-testid=new-draft]").await;
    wait_for(&client, "[data-testid=draft-title]")
        .await
        .send_keys("Vedtak om skoleskyss")
        .await
        .unwrap();
    let saved =
        wait_for_contains(&client, "[data-testid=draft-list]", "Vedtak om skoleskyss").await;
    assert!(saved, "the draft was not saved");
    screenshot(&client, "09-brev-utkast").await;

    // A letter with merge fields to every row of a three-row list, pasted as from Excel.
    wait_for(&client, "[data-testid=draft-body]")
        .await
        .send_keys("Hei {{navn}}. Du har fått skoleskyss fra {{dato}}.")
        .await
        .unwrap();
    let csv = "fodselsnummer\tnavn\tadresselinje1\tpostnummer\tpoststed\tdato\n\
               20914695016\tÅse Ødegård\tStorgata 1\t7300\tORKANGER\t1. januar\n\
               30910099686\tLiv Li\tStorgata 2\t7300\tORKANGER\t2. januar\n\
               01813048589\tPer <img src=x onerror=document.title=1>Pål\tStorgata 3\t7300\tORKANGER\t3. januar\n";
    paste_recipients(&client, csv).await;
    assert!(
        wait_for_contains(&client, "[data-testid=recipient-report]", "3 av 3 rader").await,
        "the list was not read"
    );
    let report = wait_for(&client, "[data-testid=recipient-report]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        report.contains("209146 *****") && !report.contains("95016"),
        "{report}"
    );
    // Text in the webview is text: a name with markup is shown as written, and nothing runs.
    assert!(
        report.contains("Per <img src=x onerror=document.title=1>Pål"),
        "{report}"
    );
    let injected = client
        .find_all(Locator::Css("[data-testid=recipient-report] img"))
        .await
        .unwrap();
    assert!(injected.is_empty(), "markup in a name became an element");
    let title = client.title().await.unwrap();
    assert_ne!(title, "1", "a script in a name ran");

    // Page 1 as the recipient sees it: the PDF drawn by pdf.js, the envelope window over it.
    click(&client, "[data-testid=preview]").await;
    wait_for(&client, "[data-testid=pdf-page][data-rendered='1']").await;
    wait_for(&client, "[data-testid=envelope-window]").await;
    assert_eq!(
        wait_for_text(&client, "[data-testid=viewer-page]", "Side 1 av 1").await,
        "Side 1 av 1"
    );
    let summary = wait_for(&client, "[data-testid=preview-summary]")
        .await
        .text()
        .await
        .unwrap();
    assert!(summary.contains("Åse Ødegård (209146 *****)"), "{summary}");
    wait_for(&client, "[data-testid=preflight-ok]").await;
    // The canvas holds a drawn page: some of its pixels are dark (text), most are white.
    let dark: serde_json::Value = client
        .execute(
            "const c = document.querySelector('[data-testid=pdf-page] canvas');\
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;\
             let dark = 0; for (let i = 0; i < d.length; i += 4) { if (d[i] < 100) dark++; }\
             return [c.width, dark];",
            vec![],
        )
        .await
        .unwrap();
    let (width, dark) = (dark[0].as_u64().unwrap(), dark[1].as_u64().unwrap());
    assert!(
        width > 300 && dark > 500,
        "canvas {width} px wide, {dark} dark pixels"
    );
    screenshot(&client, "10-brev-forhandsvisning").await;
    // The autosave has run (the list and body are in the draft) before the window closes.
    assert!(
        wait_for_contains(&client, "[data-testid=draft-status]", "Lagret").await,
        "the draft was not saved"
    );
    client.close().await.expect("close the session");

    let client = driver.session(env!("CARGO_BIN_EXE_kommunepost-app")).await;
    go_to(&client, "brev").await;
    let kept = wait_for_contains(&client, "[data-testid=draft-list]", "Vedtak om skoleskyss").await;
    assert!(kept, "the draft was lost when the app restarted");
    wait_for_xpath(
        &client,
        "//*[@data-testid='draft-list']//button[contains(., 'Vedtak om skoleskyss')]",
    )
    .await
    .click()
    .await
    .unwrap();
    assert!(
        wait_for_contains(&client, "[data-testid=recipient-report]", "3 av 3 rader").await,
        "the recipient list was not kept with the draft"
    );
    let body = wait_for(&client, "[data-testid=draft-body]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(body, "Hei {{navn}}. Du har fått skoleskyss fra {{dato}}.");

    send_to_three_channels_and_watch_the_statuses(&client).await;
    a_sent_draft_is_not_sent_again_unasked(&client).await;
    single_vedtak_from_the_example_template(&client).await;
    mass_mailing_from_the_example_template(&client).await;
    sign_by_hand_and_open_the_signed_pdf(&client).await;
    archive::case_metadata_send_export_and_receipt(&client, data_dir.path()).await;
    sensitive::a_sensitive_letter_shows_level_4_in_the_preview_and_in_utsending(&client).await;
    keyboard::new_letter_preview_send_and_utsending_by_keyboard(&client).await;
    switch_to_test_and_back_with_confirmation(&client).await;
    client.close().await.expect("close the session");
    driver.stop();
    accessibility::print_totals();

    // The app made its store in the test's data directory, encrypted.
    let db =
        std::fs::read(data_dir.path().join("kommunepost.db")).expect("the app created its store");
    assert!(
        !db.windows(15).any(|w| w == b"SQLite format 3"),
        "the store file is not encrypted"
    );
}

/// The first run of an app with a new data directory: the store is created and its recovery
/// key shown once (or, where this machine has no credential store, a passphrase is asked for);
/// the key is acknowledged.
async fn first_run(client: &Client) {
    let first = wait_for(client, "[data-testid=recovery-key], #new-pass").await;
    if first.attr("id").await.unwrap().as_deref() == Some("new-pass") {
        first.send_keys("e2e passordfrase 2026").await.unwrap();
        client
            .find(Locator::Css("#new-pass-2"))
            .await
            .unwrap()
            .send_keys("e2e passordfrase 2026")
            .await
            .unwrap();
        client
            .find(Locator::Css("form button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    let key = wait_for(client, "[data-testid=recovery-key]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        key.trim().split('-').count(),
        13,
        "recovery key shown: {key}"
    );
    screenshot(client, "00-recovery-key").await;
    accessibility::assert_no_serious_violations(client, "Gjenopprettingsnøkkel").await;
    client
        .find(Locator::Css("[data-testid=recovery-ack]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The installed package: `.ci/package` installs the `.deb` and runs this with
/// `KOMMUNEPOST_INSTALLED_APP` set to the program it installed. Its window opens in Sandkasse,
/// with the release build's (production) identifier.
#[tokio::test]
#[ignore = "run by .ci/package against the installed .deb"]
async fn the_installed_app_opens_its_window_in_sandkasse() {
    let installed = std::env::var("KOMMUNEPOST_INSTALLED_APP")
        .expect("KOMMUNEPOST_INSTALLED_APP names the installed program");
    let data_dir = tempfile::tempdir().expect("temp dir");
    let driver = TauriDriver::start(data_dir.path()).await;
    let client = driver.session(&installed).await;
    first_run(&client).await;
    let badge = wait_for_text(
        &client,
        "[data-testid=environment-badge]",
        "Miljø: Sandkasse",
    )
    .await;
    assert!(badge.ends_with("Sandkasse"), "environment badge: {badge}");
    // A release build: the production identifier (development builds add `.dev`).
    go_to(&client, "innstillinger").await;
    wait_for_xpath(
        &client,
        &format!(
            "//dd[normalize-space(.)='{}']",
            kommunepost_core::paths::RELEASE_IDENTIFIER
        ),
    )
    .await;
    screenshot(&client, "installed-app").await;
    client.close().await.expect("close the session");
    driver.stop();
    assert!(
        data_dir.path().join("kommunepost.db").is_file(),
        "the installed app created its store"
    );
}

/// Utsending: a letter to three recipients of the sandbox — one with a digital mailbox, one
/// reserved, one organisation — previewed with its routing, sent, and followed until SvarUt
/// says delivered, printed and read.
async fn send_to_three_channels_and_watch_the_statuses(client: &Client) {
    let population = sandbox_population();
    let person = |situation| population.first_in(situation).unwrap();
    let digital = person(KrrSituation::DigitalDigipost);
    let reserved = person(KrrSituation::Reserved);
    // An organisation without its own receiving system that reads in Altinn.
    let org = population
        .organisations
        .iter()
        .find(|o| {
            let id = o.orgnr.to_string();
            !o.has_receiving_system && id.bytes().map(u32::from).sum::<u32>() % 3 != 0
        })
        .expect("a reading organisation");
    let csv = format!(
        "fodselsnummer\torganisasjonsnummer\tnavn\tadresselinje1\tpostnummer\tpoststed\n\
         {}\t\t{} {}\tStorgata 1\t7300\tORKANGER\n\
         {}\t\t{} {}\tStorgata 2\t7300\tORKANGER\n\
         \t{}\t{}\tRådhusgata 1\t7300\tORKANGER\n",
        digital.fnr.expose(),
        digital.given_name,
        digital.family_name,
        reserved.fnr.expose(),
        reserved.given_name,
        reserved.family_name,
        org.orgnr,
        org.name
    );
    click(client, "[data-testid=new-draft]").await;
    wait_for(client, "[data-testid=draft-title]")
        .await
        .send_keys("Vedtak om bostøtte")
        .await
        .unwrap();
    wait_for(client, "[data-testid=draft-body]")
        .await
        .send_keys("Hei {{navn}}. Du har fått bostøtte.")
        .await
        .unwrap();
    paste_recipients(client, &csv).await;
    assert!(
        wait_for_contains(client, "[data-testid=recipient-report]", "3 av 3 rader").await,
        "the list was not read"
    );

    // The preview: KRR is asked, each recipient's channel shown; nothing is sent yet.
    click(client, "[data-testid=send-open]").await;
    wait_for(client, "[data-testid=send-preview]").await;
    let mut routes = Vec::new();
    for row in client
        .find_all(Locator::Css("[data-testid=send-preview] tbody tr"))
        .await
        .unwrap()
    {
        routes.push(row.attr("data-route").await.unwrap().unwrap_or_default());
    }
    assert_eq!(routes, ["digital_postkasse", "papir", "altinn"]);
    let preview = wait_for(client, "[data-testid=send-dialog]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        preview.contains("Digital postkasse – Digipost"),
        "{preview}"
    );
    assert!(preview.contains("Reservert – sendes på papir"), "{preview}");
    assert!(preview.contains("Organisasjon – Altinn"), "{preview}");
    assert!(
        !preview.contains(digital.fnr.expose()),
        "a full number in the preview"
    );
    screenshot(client, "11-utsending-forhandsvisning").await;
    click(client, "[data-testid=send-confirm]").await;
    if !wait_for_contains(
        client,
        "[data-testid=send-done]",
        "3 brev er lagt i utboksen",
    )
    .await
    {
        let dialog = client
            .find(Locator::Css("[data-testid=send-dialog]"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap_or_default();
        panic!("the letters were not queued:\n{dialog}");
    }

    // Utsending: the background worker sends them; the statuses reach their end.
    go_to(client, "utsending").await;
    for (route, status) in [
        ("digital_postkasse", "LEVERT_SDP"),
        ("altinn", "LEST"),
        ("papir", "PRINTET"),
    ] {
        let css = format!("[data-testid=sent-list] tr[data-route={route}][data-status={status}]");
        let reached = client
            .wait()
            .at_most(Duration::from_secs(120))
            .for_element(Locator::Css(&css))
            .await;
        if reached.is_err() {
            screenshot(client, "failure-utsending").await;
            let list = client
                .find(Locator::Css("main"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap_or_default();
            panic!("{route} did not reach {status}:\n{list}");
        }
    }
    let list = wait_for(client, "[data-testid=sent-list]")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("Levert i digital postkasse"), "{list}");
    assert!(list.contains("Skrevet ut og postlagt"), "{list}");
    screenshot(client, "12-utsending-brev").await;
    check_screen(client, "Utsending (brev)").await;

    // The printed letter's timeline, with SvarUt's own events.
    client
        .find(Locator::Css(
            "[data-testid=sent-list] tr[data-route=papir] button",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        wait_for_contains(client, "[data-testid=svarut-events]", "Printet").await,
        "the timeline has no events from SvarUt"
    );
    assert!(
        wait_for_contains(
            client,
            "[data-testid=timeline-krr]",
            "Papir (Reservert – sendes på papir)"
        )
        .await,
        "the send-time KRR lookup is not shown"
    );
    screenshot(client, "13-utsending-tidslinje").await;
    check_screen(client, "Utsending (tidslinje)").await;
}

/// A new letter in Brev from the first template (the example), to `person` at `street`, with
/// the example template's merge fields given.
async fn letter_from_template(
    client: &Client,
    person: &kommunepost_sandbox::SyntheticPerson,
    street: &str,
    fields: &[(&str, &str)],
) {
    go_to(client, "brev").await;
    click(client, "[data-testid=new-from-template]").await;
    wait_for(client, "[data-testid=draft-title]").await;
    type_into(client, "#draft-fnr", person.fnr.expose()).await;
    type_into(
        client,
        "#draft-name",
        &format!("{} {}", person.given_name, person.family_name),
    )
    .await;
    type_into(client, "#draft-address", street).await;
    type_into(client, "#draft-postcode", "7300").await;
    type_into(client, "#draft-city", "ORKANGER").await;
    for (field, value) in fields {
        type_into(client, &format!("#field-{field}"), value).await;
    }
}

/// Opens a section from the navigation.
async fn go_to(client: &Client, section: &str) {
    click(client, &format!("nav [data-section={section}]")).await;
}

/// Clicks the element, once it is there.
async fn click(client: &Client, css: &str) {
    wait_for(client, css).await.click().await.unwrap();
}

async fn type_into(client: &Client, css: &str, text: &str) {
    let field = wait_for(client, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Signering: a letter written in Brev goes to two sandbox signers as a portal order; one
/// signs by hand on the sandbox's signing page (as a signer would in the signing portal); the
/// app's tracker brings the status in; the signed PDF opens in the viewer.
async fn sign_by_hand_and_open_the_signed_pdf(client: &Client) {
    let population = sandbox_population();
    let mut people = population
        .persons
        .iter()
        .filter(|p| p.situation == KrrSituation::DigitalDigipost);
    let (first, second) = (people.next().unwrap(), people.next().unwrap());
    let first_name = format!("{} {}", first.given_name, first.family_name);
    let second_name = format!("{} {}", second.given_name, second.family_name);

    // The letter to be signed, written in Brev to the first signer.
    go_to(client, "brev").await;
    click(client, "[data-testid=new-draft]").await;
    type_into(
        client,
        "[data-testid=draft-title]",
        "Avtale om praktisk bistand",
    )
    .await;
    type_into(
        client,
        "[data-testid=draft-body]",
        "Vi har avtalt praktisk bistand to ganger i uken.",
    )
    .await;
    type_into(client, "#draft-fnr", first.fnr.expose()).await;
    type_into(client, "#draft-name", &first_name).await;
    type_into(client, "#draft-address", "Storgata 1").await;
    type_into(client, "#draft-postcode", "7300").await;
    type_into(client, "#draft-city", "ORKANGER").await;
    assert!(
        wait_for_contains(client, "[data-testid=draft-status]", "Lagret").await,
        "the letter was not saved"
    );

    // The order: the letter, two signers; the summary before anything leaves.
    go_to(client, "signering").await;
    click(client, "[data-testid=signing-tab-new]").await;
    let letters = wait_for(client, "[data-testid=signing-letter]").await;
    let deadline = std::time::Instant::now() + TIMEOUT;
    while letters
        .select_by_label("Avtale om praktisk bistand")
        .await
        .is_err()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the letter is not offered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    click(client, "[data-testid=signing-add-letter]").await;
    type_into(client, "[data-testid=signer-id]", first.fnr.expose()).await;
    type_into(client, "[data-testid=signer-name]", &first_name).await;
    click(client, "[data-testid=signer-add]").await;
    let ids = client
        .find_all(Locator::Css("[data-testid=signer-id]"))
        .await
        .unwrap();
    ids[1].send_keys(second.fnr.expose()).await.unwrap();
    let names = client
        .find_all(Locator::Css("[data-testid=signer-name]"))
        .await
        .unwrap();
    names[1].send_keys(&second_name).await.unwrap();
    click(client, "[data-testid=signing-review]").await;
    let summary = wait_for(client, "[data-testid=summary-signers]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        summary.contains(&first_name) && summary.contains(&second_name),
        "{summary}"
    );
    assert!(
        !summary.contains(first.fnr.expose()),
        "a full number in the summary"
    );
    screenshot(client, "14-signering-oppsummering").await;
    check_screen(client, "Signering (oppsummering)").await;
    click(client, "[data-testid=signing-send]").await;
    assert!(
        wait_for_contains(
            client,
            "[data-testid=signing-notice]",
            "sendt til signering"
        )
        .await,
        "the order was not sent"
    );
    let page = wait_for(client, "[data-testid=signing-page]")
        .await
        .text()
        .await
        .unwrap();
    let page = page[page.find("http://").expect("the signing page's address")..]
        .trim()
        .to_owned();

    // The first signer signs on the sandbox's signing page.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let inbox = http
        .get(format!("{page}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let task = inbox
        .split("<li>")
        .find(|item| item.contains(&first_name))
        .unwrap_or_else(|| panic!("no task for the first signer:\n{inbox}"));
    let start = task.find("/signering/").unwrap();
    let link = &task[start..start + task[start..].find('"').unwrap()];
    let signed = http
        .post(format!("{page}{link}/signer"))
        .send()
        .await
        .unwrap();
    assert!(
        signed.status().is_success(),
        "signing page: {}",
        signed.status()
    );

    // The tracker brings the status in; the second signer still waits.
    let css = "[data-testid=signing-signers-status] tr[data-status=SIGNED]";
    if client
        .wait()
        .at_most(Duration::from_secs(90))
        .for_element(Locator::Css(css))
        .await
        .is_err()
    {
        screenshot(client, "failure-signering").await;
        let main = client
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap_or_default();
        panic!("the signature did not arrive:\n{main}");
    }
    let statuses = wait_for(client, "[data-testid=signing-signers-status]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        statuses.contains("Signert") && statuses.contains("Venter"),
        "{statuses}"
    );
    assert!(
        wait_for_contains(
            client,
            "[data-testid=signing-timeline]",
            &format!("{first_name}: Signert")
        )
        .await,
        "the timeline does not show the signature"
    );

    // The signed PDF (with the signature so far) in the viewer.
    click(client, "[data-testid=signing-fetch]").await;
    click(client, "[data-testid=signing-open-signed]").await;
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        let rendered = wait_for(client, "[data-testid=pdf-page]")
            .await
            .attr("data-rendered")
            .await
            .unwrap()
            .unwrap_or_default();
        if rendered == "1" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the signed PDF was not drawn"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let pages = wait_for(client, "[data-testid=viewer-page]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(pages, "Side 1 av 2", "the cover page and the letter");
    screenshot(client, "15-signering-signert").await;
    check_screen(client, "Signering (signert)").await;
}
