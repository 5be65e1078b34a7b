//! The clerk's walk-through of #14 in the real window: once means once, the 25-recipient
//! mailing from the example template (the preview's channel is Utsending's for every recipient
//! situation of the sandbox), switching environment with confirmation, and no raw status code
//! or ISO timestamp on any screen visited.

use std::time::Duration;

use fantoccini::{Client, Locator};
use kommunepost_sandbox::KrrSituation;

use super::{
    click, go_to, paste_recipients, sandbox_population, screenshot, type_into, wait_for,
    wait_for_all_texts, wait_for_contains, wait_for_xpath,
};

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

/// Every screen visited: no visible text holds a raw status code or an ISO timestamp, and axe
/// finds no serious or critical WCAG 2.1 A/AA violation.
pub async fn check_screen(client: &Client, screen: &str) {
    let text: String = client
        .execute("return document.body.innerText;", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let iso = iso_timestamp_in(&text);
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
    super::accessibility::assert_no_serious_violations(client, screen).await;
}

/// The first `YYYY-MM-DDTHH:MM` or `YYYY-MM` month in `text`, if any (not inside an id).
fn iso_timestamp_in(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    for i in 0..chars.len() {
        let digits = |from: usize, n: usize| {
            (from..from + n).all(|j| chars.get(j).is_some_and(|c| c.is_ascii_digit()))
        };
        let at = |j: usize, c: char| chars.get(j) == Some(&c);
        // Standing alone: not part of an id such as a UUID ("…-4552-80c8-…").
        let start = i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '-');
        if start && digits(i, 4) && at(i + 4, '-') && digits(i + 5, 2) {
            let next = chars.get(i + 7);
            // A month "2026-12" alone, or a date with a time.
            if next.is_none_or(|c| !c.is_ascii_alphanumeric() && *c != '-')
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
pub async fn a_sent_draft_is_not_sent_again_unasked(client: &Client) {
    go_to(client, "brev").await;
    wait_for_xpath(
        client,
        "//*[@data-testid='draft-list']//button[contains(., 'Vedtak om bostøtte')]",
    )
    .await
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
    check_screen(client, "Brev (sendt utkast)").await;

    // Its copy may be changed; sending it names the earlier send and asks first.
    click(client, "[data-testid=copy-sent]").await;
    click(client, "[data-testid=send-open]").await;
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
    check_screen(client, "Brev (send igjen)").await;
    wait_for_xpath(
        client,
        "//*[@data-testid='send-dialog']//button[normalize-space(.)='Avbryt']",
    )
    .await
    .click()
    .await
    .unwrap();
}

/// A single vedtak from the example template: the template brings its text and its kind, the
/// clerk fills in the recipient and the merge fields, and sends it as a vedtak.
pub async fn single_vedtak_from_the_example_template(client: &Client) {
    let population = sandbox_population();
    let person = population
        .persons
        .iter()
        .filter(|p| p.situation == KrrSituation::DigitalEboks)
        .nth(1)
        .unwrap();
    go_to(client, "brev").await;
    wait_for_xpath(
        client,
        "//button[normalize-space(.)='Legg til eksempelmal']",
    )
    .await
    .click()
    .await
    .unwrap();
    click(client, "[data-testid=new-from-template]").await;
    let title = wait_for(client, "[data-testid=draft-title]")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(title, "Vedtak om {{tjeneste}} – sak {{saksnummer}}");
    assert!(
        wait_for_contains(client, "[data-testid=draft-kind]", "Vedtak").await,
        "the template's kind is not shown"
    );
    type_into(client, "#draft-fnr", person.fnr.expose()).await;
    type_into(
        client,
        "#draft-name",
        &format!("{} {}", person.given_name, person.family_name),
    )
    .await;
    type_into(client, "#draft-address", "Storgata 9").await;
    type_into(client, "#draft-postcode", "7300").await;
    type_into(client, "#draft-city", "ORKANGER").await;
    for (field, value) in [
        ("tjeneste", "praktisk bistand"),
        ("saksnummer", "2026/77"),
        ("fra_dato", "1. januar 2027"),
        ("belop", "1200"),
        ("avdeling", "Helse og omsorg"),
        ("saksbehandler", "Kari Klerk"),
    ] {
        type_into(client, &format!("#field-{field}"), value).await;
    }
    assert!(
        wait_for_contains(client, "[data-testid=draft-status]", "Lagret").await,
        "the vedtak was not saved"
    );
    click(client, "[data-testid=send-open]").await;
    wait_for(client, "[data-testid=send-preview]").await;
    let kind = wait_for(client, "[data-testid=send-kind]")
        .await
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kind.as_deref(), Some("vedtak"));
    let routes = client
        .find_all(Locator::Css("[data-testid=send-preview] tbody tr"))
        .await
        .unwrap();
    assert_eq!(routes.len(), 1);
    assert_eq!(
        routes[0].attr("data-route").await.unwrap().as_deref(),
        Some("digital_postkasse")
    );
    screenshot(client, "16a-brev-vedtak").await;
    check_screen(client, "Sendepanel (vedtak)").await;
    click(client, "[data-testid=send-confirm]").await;
    assert!(
        wait_for_contains(
            client,
            "[data-testid=send-done]",
            "1 brev er lagt i utboksen"
        )
        .await,
        "the vedtak was not queued"
    );
}

/// The 25-recipient mailing: the example template starts the letter, the list has the
/// headings people use ("Fnr", "Org.nr", "Adresse", "Postnr", "Sted"), the signature's values
/// are shared values; every recipient situation of the sandbox is in it (the nine of persons,
/// and organisations with and without a receiving system), and the preview's channel is the
/// channel Utsending shows for each.
pub async fn mass_mailing_from_the_example_template(client: &Client) {
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
        if people.len() == 23 {
            break;
        }
        if !people.iter().any(|p| p.fnr == person.fnr) {
            people.push(person);
        }
    }
    let mut csv =
        String::from("Fnr;Org.nr;Navn;Adresse;Postnr;Sted;tjeneste;saksnummer;fra_dato;belop\n");
    for (i, p) in people.iter().enumerate() {
        csv.push_str(&format!(
            "{};;{} {};Storgata {};7300;ORKANGER;skoleskyss;2026/{};1. januar 2027;{}\n",
            p.fnr.expose(),
            p.given_name,
            p.family_name,
            i + 1,
            100 + i,
            500 + i
        ));
    }
    for (i, receiving) in [true, false].into_iter().enumerate() {
        let org = population
            .organisations
            .iter()
            .find(|o| o.has_receiving_system == receiving)
            .unwrap();
        csv.push_str(&format!(
            ";{};{};Rådhusgata {};7300;ORKANGER;skoleskyss;2026/{};1. januar 2027;0\n",
            org.orgnr,
            org.name,
            i + 1,
            200 + i
        ));
    }

    go_to(client, "brev").await;
    click(client, "[data-testid=new-from-template]").await;
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
    check_screen(client, "Brev (masseutsending)").await;

    click(client, "[data-testid=send-open]").await;
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
    check_screen(client, "Sendepanel").await;
    click(client, "[data-testid=send-confirm]").await;
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
    go_to(client, "utsending").await;
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
    check_screen(client, "Utsending").await;
}

/// Switching environment asks first and shows the readiness checklist; the lists then show
/// only the chosen environment's letters.
pub async fn switch_to_test_and_back_with_confirmation(client: &Client) {
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
    click(client, "[data-testid=env-confirm-yes]").await;
    assert!(
        wait_for_contains(client, "[data-testid=environment-badge]", "Test").await,
        "the environment did not change to Test"
    );
    go_to(client, "utsending").await;
    assert!(
        client
            .find_all(Locator::Css("[data-testid=sent-list] tr[data-letter]"))
            .await
            .unwrap()
            .is_empty(),
        "Test shows the sandbox's letters"
    );
    screenshot(client, "22-utsending-test").await;
    check_screen(client, "Utsending (Test)").await;
    choose_environment(client, "sandbox").await;
    wait_for(client, "[data-testid=env-confirm]").await;
    click(client, "[data-testid=env-confirm-yes]").await;
    assert!(
        wait_for_contains(client, "[data-testid=environment-badge]", "Sandkasse").await,
        "the environment did not change back to Sandkasse"
    );
}

/// Picks an environment in the app's environment chooser.
async fn choose_environment(client: &Client, environment: &str) {
    go_to(client, "innstillinger").await;
    wait_for(
        client,
        &format!("input[name=environment][value={environment}]"),
    )
    .await
    .click()
    .await
    .unwrap();
}

#[test]
fn timestamps_and_months_are_found_and_ids_are_not() {
    assert!(iso_timestamp_in("Sendt 2026-12-07T10:15:00+00:00").is_some());
    assert!(iso_timestamp_in("Denne måneden (2026-12)").is_some());
    assert!(iso_timestamp_in("/exports/arkiv/0e1c2f3a-4552-80c8-8267-39ab12cd34ef").is_none());
    assert!(iso_timestamp_in("7. desember 2026 kl. 10.15").is_none());
}
