//! An administrator keeps a facility's contact windows up to date, by clicks.

use super::Browser;
use crate::support::{PASSWORD, spawn_app};

#[tokio::test]
async fn an_admin_changes_a_window_s_phone_number_and_then_removes_the_window() {
    let app = spawn_app().await;
    app.give_password("admin@city.example.jp");
    let browser = Browser::start(&app.address).await;
    browser.sign_in("admin@city.example.jp", PASSWORD).await;
    let facility = format!("/admin/facilities/{}", app.city().hospital);

    browser.open(&facility).await;
    browser.click("details summary").await;
    browser.fill("#window_label", "地域医療連携室").await;
    browser.fill("#window_phone", "0157-44-4444").await;
    browser.click(&format!("form[action='{facility}/windows'] button[type=submit]")).await;
    browser.page_is_clean().await;
    assert!(browser.text("#windows").await.contains("0157-44-4444"));

    browser.click("#windows a[aria-label='地域医療連携室を変更・削除']").await;
    browser.page_is_clean().await;
    assert_eq!(browser.text("h1").await, "連絡窓口「地域医療連携室」の変更");
    browser.fill("#window_phone", "0157-55-5555").await;
    browser.click("form:not([action$='/remove']) button.primary").await;
    browser.page_is_clean().await;
    let changed = format!("{facility}?done=window_changed");
    assert_eq!(browser.path_becomes(&changed).await, changed);
    let windows = browser.text("#windows").await;
    assert!(windows.contains("0157-55-5555") && !windows.contains("0157-44-4444"), "{windows}");

    browser.click("#windows a[aria-label='地域医療連携室を変更・削除']").await;
    // The window's page (the only one with a remove form), once it is there.
    let remove = fantoccini::Locator::Css("form[action$='/remove'] button");
    browser
        .client
        .wait()
        .at_most(std::time::Duration::from_secs(10))
        .for_element(remove)
        .await
        .expect("the window's page");
    browser.click("form[action$='/remove'] button").await;
    let removed = format!("{facility}?done=window_removed");
    assert_eq!(browser.path_becomes(&removed).await, removed);
    browser.page_is_clean().await;
    assert!(!browser.page_text().await.contains("地域医療連携室"));
}
