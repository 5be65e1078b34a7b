//! A sensitive letter in the real window (#16): the clerk ticks "Sensitivt" in Brev, the send
//! panel says level 4 for the letter, and Utsending marks it once it has left (encrypted: the
//! sandbox's SvarUt decrypts it before it accepts it).

use fantoccini::Client;
use kommunepost_sandbox::KrrSituation;

use super::walkthrough::check_screen;
use super::{
    click, go_to, letter_from_template, sandbox_population, screenshot, type_into, wait_for,
    wait_for_contains, wait_for_xpath,
};

/// Tick "Sensitivt", see level 4 in the preview and in Utsending.
pub async fn a_sensitive_letter_shows_level_4_in_the_preview_and_in_utsending(client: &Client) {
    let population = sandbox_population();
    let person = population
        .persons
        .iter()
        .filter(|p| p.situation == KrrSituation::DigitalDigipost)
        .nth(3)
        .unwrap();
    letter_from_template(
        client,
        person,
        "Storgata 12",
        &[
            ("tjeneste", "avlastning"),
            ("saksnummer", "2026/124"),
            ("fra_dato", "1. mars 2027"),
            ("belop", "0"),
            ("avdeling", "Barneverntjenesten"),
            ("saksbehandler", "Kari Klerk"),
        ],
    )
    .await;
    click(client, "[data-testid=draft-sensitive]").await;
    click(client, "[data-testid=case-fields] summary").await;
    type_into(
        client,
        "[data-testid=case-public-title]",
        "Vedtak fra barneverntjenesten",
    )
    .await;
    assert!(
        wait_for_contains(client, "[data-testid=draft-status]", "Lagret").await,
        "the sensitive letter was not saved"
    );
    screenshot(client, "34-brev-sensitivt").await;

    click(client, "[data-testid=send-open]").await;
    let block = wait_for(client, "[data-testid=send-sensitive]")
        .await
        .text()
        .await
        .unwrap();
    assert!(block.contains("nivå 4"), "{block}");
    assert!(
        block.contains("Vedtak fra barneverntjenesten"),
        "the notification's title is not shown: {block}"
    );
    wait_for(
        client,
        "[data-testid=send-preview] tbody tr [data-testid=send-row-level4]",
    )
    .await;
    screenshot(client, "35-send-sensitivt").await;
    check_screen(client, "Sendepanel (sensitivt)").await;
    click(client, "[data-testid=send-confirm]").await;
    assert!(
        wait_for_contains(
            client,
            "[data-testid=send-done]",
            "1 brev er lagt i utboksen"
        )
        .await,
        "the sensitive letter was not queued"
    );

    go_to(client, "utsending").await;
    click(client, "[data-tab=sent]").await;
    // Accepted by the sandbox's SvarUt (which decrypts it first) and marked level 4.
    wait_for_xpath(
        client,
        "//*[@data-testid='sent-list']//tr[@data-letter][contains(., 'Vedtak om avlastning')][@data-seen-route='digital_postkasse']//*[@data-testid='letter-level4']",
    )
    .await;
    screenshot(client, "36-utsending-sensitivt").await;
    check_screen(client, "Utsending (sensitivt)").await;
}
