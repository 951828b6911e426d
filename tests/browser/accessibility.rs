//! The keyboard alone: the skip link comes first, and signing in needs no mouse.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

use super::Browser;
use crate::support::{PASSWORD, spawn_app};

/// Presses one key on whatever has the focus.
async fn press(browser: &Browser, key: Key) {
    let key = key.chars().next().expect("a key is one character");
    let actions =
        KeyActions::new("keyboard".into()).then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
    browser.client.perform_actions(actions).await.expect("key pressed");
}

async fn typed(browser: &Browser, text: &str) {
    let mut actions = KeyActions::new("keyboard".into());
    for c in text.chars() {
        actions = actions.then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c });
    }
    browser.client.perform_actions(actions).await.expect("typed");
}

/// What has the focus, as `tag#id` or `tag: text`.
async fn focused(browser: &Browser) -> String {
    let value = browser
        .client
        .execute(
            "const e = document.activeElement; return e.id ? e.tagName.toLowerCase() + '#' + e.id : e.tagName.toLowerCase() + ': ' + e.textContent.trim();",
            vec![],
        )
        .await
        .expect("focused element");
    value.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_sign_in_form_is_completed_with_tab_and_enter_only() {
    let app = spawn_app().await;
    app.give_password("nurse@h1.example.jp");
    let browser = Browser::start(&app.address).await;

    browser.open("/login").await;
    assert_eq!(focused(&browser).await, "input#email", "the address field has the focus on arrival");
    typed(&browser, "nurse@h1.example.jp").await;
    press(&browser, Key::Tab).await;
    assert_eq!(focused(&browser).await, "input#password");
    typed(&browser, PASSWORD).await;
    press(&browser, Key::Enter).await;
    browser.settled().await;
    browser.page_is_clean().await;

    assert_eq!(browser.path().await, "/inbox");
    assert_eq!(browser.text(".who-name").await, "担当者");
}

#[tokio::test]
async fn the_skip_link_is_the_first_focusable_element_and_moves_to_the_content() {
    let app = spawn_app().await;
    app.give_password("nurse@h1.example.jp");
    let browser = Browser::start(&app.address).await;

    browser.open("/login").await;
    assert_eq!(first_focusable(&browser).await, "本文へ移動", "on /login");

    browser.sign_in("nurse@h1.example.jp", PASSWORD).await;
    for path in ["/inbox", "/outbox"] {
        browser.open(path).await;
        assert_eq!(first_focusable(&browser).await, "本文へ移動", "on {path}");
        press(&browser, Key::Tab).await;
        assert_eq!(focused(&browser).await, "a: 本文へ移動", "on {path} the first Tab reaches the skip link");
        let shown = browser
            .client
            .execute(
                "const r = document.activeElement.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.top >= 0;",
                vec![],
            )
            .await
            .expect("its box");
        assert_eq!(shown, true, "on {path} the skip link shows once it has the focus");
        press(&browser, Key::Enter).await;
        assert_eq!(focused(&browser).await, "main#main", "on {path} the skip link moves the focus to the content");
    }
}

/// The text of the first element of the page that Tab can reach, in document order.
async fn first_focusable(browser: &Browser) -> String {
    let text = browser
        .client
        .execute(
            "const all = document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]');\
             const first = [...all].find(e => e.tabIndex >= 0 && !e.disabled);\
             return first ? first.textContent.trim() : null;",
            vec![],
        )
        .await
        .expect("first focusable");
    text.as_str().unwrap_or_default().to_owned()
}
