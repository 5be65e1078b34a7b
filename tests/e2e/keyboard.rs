//! Keyboard only (#17): from a new letter through the preview and the send panel to
//! Utsending, with nothing but Tab, Shift+Tab, typing, Enter and Escape. Every element the
//! keyboard reaches on the way shows a visible focus indicator; Escape closes the send panel
//! and the keyboard goes back to the button that opened it.

use fantoccini::Client;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use kommunepost_sandbox::KrrSituation;

use super::walkthrough::check_screen;
use super::{sandbox_population, screenshot, wait_for, wait_for_contains};

/// The most key presses allowed to reach one element.
const MAX_TABS: usize = 400;

/// Presses `keys` (each a key; a modifier is held for the ones after it) on whatever has focus.
async fn press(client: &Client, keys: &[Key]) {
    let mut actions = KeyActions::new("keyboard".into());
    for key in keys {
        actions = actions.then(KeyAction::Down {
            value: char::from(*key),
        });
    }
    for key in keys.iter().rev() {
        actions = actions.then(KeyAction::Up {
            value: char::from(*key),
        });
    }
    client.perform_actions(actions).await.expect("keys pressed");
}

/// Types `text` into whatever has focus.
async fn type_text(client: &Client, text: &str) {
    client
        .active_element()
        .await
        .expect("an element has focus")
        .send_keys(text)
        .await
        .expect("typed");
}

/// Whether the focused element matches `css`; panics when the focused element shows no
/// visible focus indicator (an outline or a box shadow).
async fn focused(client: &Client, css: &str) -> bool {
    let state = client
        .execute(
            "const el = document.activeElement;\
             if (!el || el === document.body) return [false, true, 'body'];\
             const s = getComputedStyle(el);\
             const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';\
             return [el.matches(arguments[0]), visible, el.outerHTML.slice(0, 160)];",
            vec![css.into()],
        )
        .await
        .unwrap();
    let visible = state[1].as_bool().unwrap_or(false);
    assert!(
        visible,
        "the focused element shows no focus indicator: {}",
        state[2]
    );
    state[0].as_bool().unwrap_or(false)
}

/// Tabs (forwards, or backwards with Shift) until `css` has focus.
async fn tab_to(client: &Client, css: &str, backwards: bool) {
    for _ in 0..MAX_TABS {
        if focused(client, css).await {
            return;
        }
        if backwards {
            press(client, &[Key::Shift, Key::Tab]).await;
        } else {
            press(client, &[Key::Tab]).await;
        }
    }
    panic!("{css} was not reached with the keyboard in {MAX_TABS} key presses");
}

/// The keyboard-only path.
pub async fn new_letter_preview_send_and_utsending_by_keyboard(client: &Client) {
    let population = sandbox_population();
    let person = population
        .persons
        .iter()
        .filter(|p| p.situation == KrrSituation::DigitalDigipost)
        .nth(4)
        .unwrap();
    // Start from the top of the page, as after a click elsewhere.
    client
        .execute(
            "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);",
            vec![],
        )
        .await
        .unwrap();
    press(client, &[Key::Tab]).await;
    tab_to(client, "nav [data-section=brev]", false).await;
    press(client, &[Key::Enter]).await;
    wait_for_contains(client, "main h1", "Brev").await;
    tab_to(client, "[data-testid=new-draft]", false).await;
    press(client, &[Key::Enter]).await;
    wait_for(client, "[data-testid=draft-title]").await;
    tab_to(client, "[data-testid=draft-title]", false).await;
    type_text(client, "Brev skrevet med tastaturet").await;
    tab_to(client, "[data-testid=draft-body]", false).await;
    type_text(client, "Hei. Dette brevet er skrevet uten mus.").await;
    for (css, text) in [
        ("#draft-fnr", person.fnr.expose().to_owned()),
        (
            "#draft-name",
            format!("{} {}", person.given_name, person.family_name),
        ),
        ("#draft-address", "Storgata 13".to_owned()),
        ("#draft-postcode", "7300".to_owned()),
        ("#draft-city", "ORKANGER".to_owned()),
    ] {
        tab_to(client, css, false).await;
        type_text(client, &text).await;
    }
    assert!(
        wait_for_contains(client, "[data-testid=draft-status]", "Lagret").await,
        "the letter typed with the keyboard was not saved"
    );

    // The preview, opened with Enter.
    tab_to(client, "[data-testid=preview]", false).await;
    press(client, &[Key::Enter]).await;
    wait_for(client, "[data-testid=pdf-page][data-rendered='1']").await;
    screenshot(client, "37-tastatur-forhandsvisning").await;

    // The send panel: the keyboard goes to it; Escape closes it and goes back to "Send …".
    tab_to(client, "[data-testid=send-open]", true).await;
    press(client, &[Key::Enter]).await;
    wait_for(client, "[data-testid=send-preview]").await;
    assert!(
        focused(client, "#send-title").await,
        "the send panel did not take the keyboard"
    );
    check_screen(client, "Sendepanel (tastatur)").await;
    press(client, &[Key::Escape]).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while client
        .find(fantoccini::Locator::Css("[data-testid=send-dialog]"))
        .await
        .is_ok()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "Escape did not close the send panel"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        focused(client, "[data-testid=send-open]").await,
        "the keyboard did not go back to the button that opened the send panel"
    );
    press(client, &[Key::Enter]).await;
    wait_for(client, "[data-testid=send-preview]").await;
    tab_to(client, "[data-testid=send-confirm]", false).await;
    press(client, &[Key::Enter]).await;
    assert!(
        wait_for_contains(
            client,
            "[data-testid=send-done]",
            "1 brev er lagt i utboksen"
        )
        .await,
        "the letter was not queued by the keyboard"
    );

    // Utsending, reached backwards through the page to the navigation.
    tab_to(client, "nav [data-section=utsending]", true).await;
    press(client, &[Key::Enter]).await;
    wait_for_contains(client, "main h1", "Utsending").await;
    assert!(
        wait_for_contains(
            client,
            "[data-testid=sent-list]",
            "Brev skrevet med tastaturet"
        )
        .await,
        "the letter is not in Utsending"
    );
    screenshot(client, "38-tastatur-utsending").await;
}
