//! End-to-end: drives the real app window through tauri-driver and WebKitWebDriver.
//!
//! Needs a display (Xvfb), `tauri-driver` on PATH and `/usr/bin/WebKitWebDriver`; the README's
//! test command provides all three. Screenshots of every section go to
//! `tests/e2e/output/` (or `KOMMUNEPOST_E2E_OUTPUT`).

mod driver;

use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::{Client, Locator};

use driver::TauriDriver;
use kommunepost_core::config::Settings;
use kommunepost_sandbox::{KrrSituation, Population, PopulationConfig};

const TIMEOUT: Duration = Duration::from_secs(30);

fn output_dir() -> PathBuf {
    let dir = std::env::var_os("KOMMUNEPOST_E2E_OUTPUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/output"));
    std::fs::create_dir_all(&dir).expect("create the screenshot folder");
    dir
}

async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(css))
        .await
    {
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
    wait_for(client, "[data-testid=recipients-use]")
        .await
        .click()
        .await
        .unwrap();
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

    // First run: the store is created, and its recovery key shown once; or, where this machine
    // has no credential store, a passphrase is asked for.
    let first = wait_for(&client, "[data-testid=recovery-key], #new-pass").await;
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
    let key = wait_for(&client, "[data-testid=recovery-key]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        key.trim().split('-').count(),
        13,
        "recovery key shown: {key}"
    );
    screenshot(&client, "00-recovery-key").await;
    client
        .find(Locator::Css("[data-testid=recovery-ack]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

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
    wait_for(&client, "[data-testid=test-connection-sandbox]")
        .await
        .click()
        .await
        .unwrap();
    let steps = wait_for_all_texts(&client, "[data-testid=connection-steps-sandbox] li", 5).await;
    assert_eq!(steps.len(), 5, "{steps:?}");
    assert!(steps.iter().all(|s| s.contains(": OK")), "{steps:?}");
    screenshot(&client, "08-innstillinger-test-tilkobling").await;
    assert_words_not_codes(&client, "Innstillinger").await;

    wait_for(&client, "nav [data-section=oppslag]")
        .await
        .click()
        .await
        .unwrap();
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
    assert_words_not_codes(&client, "Oppslag").await;

    // Brev: a draft is autosaved while typing and is still there after a restart.
    wait_for(&client, "nav [data-section=brev]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&client, "[data-testid=new-draft]")
        .await
        .click()
        .await
        .unwrap();
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
    wait_for(&client, "[data-testid=preview]")
        .await
        .click()
        .await
        .unwrap();
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
    wait_for(&client, "nav [data-section=brev]")
        .await
        .click()
        .await
        .unwrap();
    let kept = wait_for_contains(&client, "[data-testid=draft-list]", "Vedtak om skoleskyss").await;
    assert!(kept, "the draft was lost when the app restarted");
    client
        .find(Locator::XPath(
            "//*[@data-testid='draft-list']//button[contains(., 'Vedtak om skoleskyss')]",
        ))
        .await
        .unwrap()
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
    mass_mailing_from_the_example_template(&client).await;
    sign_by_hand_and_open_the_signed_pdf(&client).await;
    switch_to_test_and_back_with_confirmation(&client).await;
    client.close().await.expect("close the session");
    driver.stop();

    // The app made its store in the test's data directory, encrypted.
    let db =
        std::fs::read(data_dir.path().join("kommunepost.db")).expect("the app created its store");
    assert!(
        !db.windows(15).any(|w| w == b"SQLite format 3"),
        "the store file is not encrypted"
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
    wait_for(client, "[data-testid=new-draft]")
        .await
        .click()
        .await
        .unwrap();
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
    wait_for(client, "[data-testid=send-open]")
        .await
        .click()
        .await
        .unwrap();
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
    wait_for(client, "[data-testid=send-confirm]")
        .await
        .click()
        .await
        .unwrap();
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
    wait_for(client, "nav [data-section=utsending]")
        .await
        .click()
        .await
        .unwrap();
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
    assert_words_not_codes(client, "Utsending (brev)").await;

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
    assert_words_not_codes(client, "Utsending (tidslinje)").await;
}

/// SvarUt's and the signing service's status codes: none may be shown as written.
const RAW_CODES: &[&str] = &[
    "MOTTATT",
    "AKSEPTERT",
    "AVVIST",
    "VARSLET",
    "SENDT_PRINT",
    "PRINTET",
    "MANUELT_HANDTERT",
    "SENDT_DIGITALT",
    "SENDT_SDP",
    "LEVERT_SDP",
    "KLAR_FOR_MOTTAK",
    "IKKE_LEVERT",
    "IN_PROGRESS",
    "COMPLETED_SUCCESSFULLY",
    "FAILED",
    "SIGNED",
    "REJECTED",
    "EXPIRED",
    "WAITING",
    "KAN_VARSLES",
    "KAN_IKKE_VARSLES",
    "IKKE_REGISTRERT",
    "AKTIV",
];

/// No visible text on the current screen holds a raw status code or an ISO timestamp.
async fn assert_words_not_codes(client: &Client, screen: &str) {
    let text: String = client
        .execute("return document.body.innerText;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let iso = regex_lite_iso(&text);
    assert!(
        iso.is_none(),
        "{screen}: an ISO timestamp is shown: {iso:?}"
    );
    for word in text.split(|c: char| !(c.is_ascii_uppercase() || c == '_')) {
        assert!(
            !RAW_CODES.contains(&word),
            "{screen}: the raw code {word} is shown:\n{text}"
        );
    }
}

/// The first `YYYY-MM-DDTHH:MM` or `YYYY-MM` month in `text`, if any.
fn regex_lite_iso(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    for i in 0..chars.len() {
        let digits = |from: usize, n: usize| {
            (from..from + n).all(|j| chars.get(j).is_some_and(|c| c.is_ascii_digit()))
        };
        let at = |j: usize, c: char| chars.get(j) == Some(&c);
        let start = i == 0 || !chars[i - 1].is_ascii_digit();
        if start && digits(i, 4) && at(i + 4, '-') && digits(i + 5, 2) {
            let next = chars.get(i + 7);
            // A month "2026-12" alone, or a date with a time.
            if next.is_none_or(|c| !c.is_ascii_digit() && *c != '-')
                || (at(i + 7, '-') && digits(i + 8, 2) && at(i + 10, 'T'))
            {
                return Some(chars[i..(i + 16).min(chars.len())].iter().collect());
            }
        }
    }
    None
}

/// Once means once: the sent draft is marked sent and read-only; its copy, sent again, names
/// the earlier send and cannot be confirmed until the clerk says so.
async fn a_sent_draft_is_not_sent_again_unasked(client: &Client) {
    wait_for(client, "nav [data-section=brev]")
        .await
        .click()
        .await
        .unwrap();
    client
        .find(Locator::XPath(
            "//*[@data-testid='draft-list']//button[contains(., 'Vedtak om bostøtte')]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let banner = wait_for(client, "[data-testid=sent-banner]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        banner.contains("Sendt ") && banner.contains("(3 brev)"),
        "{banner}"
    );
    assert!(
        client
            .find_all(Locator::Css("[data-testid=send-open]"))
            .await
            .unwrap()
            .is_empty(),
        "a sent draft offers to be sent again"
    );
    let disabled = client
        .execute(
            "return document.querySelector('[data-testid=draft-title]').matches(':disabled');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        disabled,
        serde_json::json!(true),
        "the sent draft is editable"
    );
    screenshot(client, "16-brev-sendt").await;
    assert_words_not_codes(client, "Brev (sendt utkast)").await;

    // Its copy may be changed; sending it names the earlier send and asks first.
    wait_for(client, "[data-testid=copy-sent]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(client, "[data-testid=send-open]")
        .await
        .click()
        .await
        .unwrap();
    let earlier = wait_for(client, "[data-testid=send-earlier]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        earlier.contains("(3 brev, «Vedtak om bostøtte»)"),
        "{earlier}"
    );
    let confirm = wait_for(client, "[data-testid=send-confirm]").await;
    assert_eq!(
        confirm.prop("disabled").await.unwrap().as_deref(),
        Some("true"),
        "a re-send can be confirmed unasked"
    );
    screenshot(client, "17-brev-sendt-for").await;
    assert_words_not_codes(client, "Brev (send igjen)").await;
    client
        .find(Locator::XPath(
            "//*[@data-testid='send-dialog']//button[normalize-space(.)='Avbryt']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The 25-recipient mailing: the example template starts the letter, the list has the
/// headings people use ("Fnr", "Adresse", "Postnr", "Sted"), the signature's values are
/// shared values; every recipient situation of the sandbox is in it, and the preview's channel
/// is the channel Utsending shows for each.
async fn mass_mailing_from_the_example_template(client: &Client) {
    let population = sandbox_population();
    let situations = [
        KrrSituation::DigitalDigipost,
        KrrSituation::DigitalEboks,
        KrrSituation::Reserved,
        KrrSituation::ContactExpired,
        KrrSituation::EmailOnly,
        KrrSituation::MobileOnly,
        KrrSituation::NoMailbox,
        KrrSituation::Deleted,
        KrrSituation::NotRegistered,
    ];
    let mut people: Vec<&kommunepost_sandbox::SyntheticPerson> = situations
        .iter()
        .map(|s| population.first_in(*s).unwrap())
        .collect();
    for person in &population.persons {
        if people.len() == 25 {
            break;
        }
        if !people.iter().any(|p| p.fnr == person.fnr) {
            people.push(person);
        }
    }
    let mut csv = String::from("Fnr;Navn;Adresse;Postnr;Sted;tjeneste;saksnummer;fra_dato;belop\n");
    for (i, p) in people.iter().enumerate() {
        csv.push_str(&format!(
            "{};{} {};Storgata {};7300;ORKANGER;skoleskyss;2026/{};1. januar 2027;{}\n",
            p.fnr.expose(),
            p.given_name,
            p.family_name,
            i + 1,
            100 + i,
            500 + i
        ));
    }

    wait_for(client, "nav [data-section=brev]")
        .await
        .click()
        .await
        .unwrap();
    let add_example = client
        .find(Locator::XPath(
            "//button[normalize-space(.)='Legg til eksempelmal']",
        ))
        .await
        .unwrap();
    add_example.click().await.unwrap();
    wait_for(client, "[data-testid=new-from-template]")
        .await
        .click()
        .await
        .unwrap();
    // The template brings its title and text.
    let title = wait_for(client, "[data-testid=draft-title]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(title, "Vedtak om {{tjeneste}} – sak {{saksnummer}}");
    let body = wait_for(client, "[data-testid=draft-body]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(body.contains("Vi viser til søknaden din"), "{body}");
    assert!(
        wait_for_contains(client, "[data-testid=draft-kind]", "Vedtak").await,
        "the template's kind is not shown"
    );
    paste_recipients(client, &csv).await;
    assert!(
        wait_for_contains(client, "[data-testid=active-list]", "(25 mottakere)").await,
        "the list with common headings was not read"
    );
    // The signature's values are shared by every recipient.
    for (field, value) in [("saksbehandler", "Kari Klerk"), ("avdeling", "Oppvekst")] {
        type_into(
            client,
            &format!("[data-testid=shared-values] input[data-field={field}]"),
            value,
        )
        .await;
    }
    assert!(
        wait_for_contains(client, "[data-testid=draft-status]", "Lagret").await,
        "the shared values were not saved"
    );
    screenshot(client, "18-brev-masseutsending").await;
    assert_words_not_codes(client, "Brev (masseutsending)").await;

    wait_for(client, "[data-testid=send-open]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(client, "[data-testid=send-preview]").await;
    let kind = wait_for(client, "[data-testid=send-kind]")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        kind.as_deref(),
        Some("vedtak"),
        "the send panel starts with the template's kind"
    );
    let mut planned = std::collections::HashMap::new();
    for row in client
        .find_all(Locator::Css("[data-testid=send-preview] tbody tr"))
        .await
        .unwrap()
    {
        let route = row.attr("data-route").await.unwrap().unwrap_or_default();
        // The first cell: "Name (010180 *****)".
        let recipient = row
            .find(Locator::Css("td"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .trim()
            .to_owned();
        planned.insert(recipient, route);
    }
    assert_eq!(planned.len(), 25, "{planned:?}");
    screenshot(client, "19-send-masseutsending").await;
    assert_words_not_codes(client, "Sendepanel").await;
    wait_for(client, "[data-testid=send-confirm]")
        .await
        .click()
        .await
        .unwrap();
    assert!(
        wait_for_contains(
            client,
            "[data-testid=send-done]",
            "25 brev er lagt i utboksen"
        )
        .await,
        "the mailing was not queued"
    );

    // Utsending: each letter's channel is the one the preview showed, and what SvarUt's
    // statuses show agrees.
    wait_for(client, "nav [data-section=utsending]")
        .await
        .click()
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let rows = client
            .find_all(Locator::XPath(
                "//*[@data-testid='sent-list']//tr[@data-letter][contains(., 'skoleskyss')]",
            ))
            .await
            .unwrap();
        let mut seen = Vec::new();
        for row in &rows {
            let route = row.attr("data-route").await.unwrap().unwrap_or_default();
            let observed = row
                .attr("data-seen-route")
                .await
                .unwrap()
                .unwrap_or_default();
            let text = row.text().await.unwrap_or_default();
            seen.push((text, route, observed));
        }
        let settled = seen.len() == 25
            && seen
                .iter()
                .all(|(_, route, observed)| !route.is_empty() && !observed.is_empty());
        if settled || std::time::Instant::now() > deadline {
            assert_eq!(seen.len(), 25, "{seen:?}");
            for (text, route, observed) in &seen {
                let (recipient, preview) = planned
                    .iter()
                    .find(|(recipient, _)| text.contains(recipient.as_str()))
                    .unwrap_or_else(|| panic!("{text} was not in the preview"));
                assert_eq!(
                    route, preview,
                    "{recipient}: Utsending's channel is the preview's"
                );
                if !observed.is_empty() {
                    assert_eq!(observed, route, "{recipient}: SvarUt took another channel");
                }
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    screenshot(client, "20-utsending-masseutsending").await;
    assert_words_not_codes(client, "Utsending").await;
}

/// Switching environment asks first and shows the readiness checklist; the lists then show
/// only the chosen environment's letters.
async fn switch_to_test_and_back_with_confirmation(client: &Client) {
    choose_environment(client, "test").await;
    let dialog = wait_for(client, "[data-testid=env-confirm]").await;
    let checklist = wait_for_all_texts(client, "[data-testid=env-checklist] li", 3).await;
    assert!(
        checklist.iter().any(|s| s.contains("SvarUt"))
            && checklist.iter().any(|s| s.contains("Signering")),
        "{checklist:?}"
    );
    screenshot(client, "21-miljo-bekreft").await;
    drop(dialog);
    wait_for(client, "[data-testid=env-confirm-yes]")
        .await
        .click()
        .await
        .unwrap();
    assert!(
        wait_for_contains(client, "[data-testid=environment-badge]", "Test").await,
        "the environment did not change to Test"
    );
    wait_for(client, "nav [data-section=utsending]")
        .await
        .click()
        .await
        .unwrap();
    assert!(
        client
            .find_all(Locator::Css("[data-testid=sent-list] tr[data-letter]"))
            .await
            .unwrap()
            .is_empty(),
        "Test shows the sandbox's letters"
    );
    screenshot(client, "22-utsending-test").await;
    assert_words_not_codes(client, "Utsending (Test)").await;
    choose_environment(client, "sandbox").await;
    wait_for(client, "[data-testid=env-confirm]").await;
    wait_for(client, "[data-testid=env-confirm-yes]")
        .await
        .click()
        .await
        .unwrap();
    assert!(
        wait_for_contains(client, "[data-testid=environment-badge]", "Sandkasse").await,
        "the environment did not change back to Sandkasse"
    );
}

/// Picks an environment in the app's environment chooser.
async fn choose_environment(client: &Client, environment: &str) {
    wait_for(client, "nav [data-section=innstillinger]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(
        client,
        &format!("input[name=environment][value={environment}]"),
    )
    .await
    .click()
    .await
    .unwrap();
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
    wait_for(client, "nav [data-section=brev]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(client, "[data-testid=new-draft]")
        .await
        .click()
        .await
        .unwrap();
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
    wait_for(client, "nav [data-section=signering]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(client, "[data-testid=signing-tab-new]")
        .await
        .click()
        .await
        .unwrap();
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
    wait_for(client, "[data-testid=signing-add-letter]")
        .await
        .click()
        .await
        .unwrap();
    type_into(client, "[data-testid=signer-id]", first.fnr.expose()).await;
    type_into(client, "[data-testid=signer-name]", &first_name).await;
    wait_for(client, "[data-testid=signer-add]")
        .await
        .click()
        .await
        .unwrap();
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
    wait_for(client, "[data-testid=signing-review]")
        .await
        .click()
        .await
        .unwrap();
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
    assert_words_not_codes(client, "Signering (oppsummering)").await;
    wait_for(client, "[data-testid=signing-send]")
        .await
        .click()
        .await
        .unwrap();
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
            &format!("{first_name} har signert")
        )
        .await,
        "the timeline does not show the signature"
    );

    // The signed PDF (with the signature so far) in the viewer.
    wait_for(client, "[data-testid=signing-fetch]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(client, "[data-testid=signing-open-signed]")
        .await
        .click()
        .await
        .unwrap();
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
    assert_words_not_codes(client, "Signering (signert)").await;
}
