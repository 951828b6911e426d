//! A draft typed halfway survives the tab: typed into in Chromium, saved in the background,
//! and there again when the draft is opened anew, also when the page was left at once; a long
//! text field counts its characters against its limit.

use super::Browser;
use super::scenario::start_draft;
use crate::support::{PASSWORD, TestApp, day, spawn_app};

/// The value of an input of the page.
async fn value_of(browser: &Browser, css: &str) -> String {
    let field = browser.client.find(fantoccini::Locator::Css(css)).await.expect("the field");
    field.prop("value").await.expect("its value").unwrap_or_default()
}

/// A care manager writing a new 入院時情報提供書 in Chromium, for a stay admitted yesterday.
async fn writing_a_sheet() -> (TestApp, Browser) {
    let app = spawn_app().await;
    app.client_of_care_office("0000055555").await;
    let stay = app.admission("0000055555", &day(-1)).await;
    let stay = stay["id"].as_str().expect("stay id").to_owned();
    app.give_password("cm@c1.example.jp");
    let browser = Browser::start(&app.address).await;
    browser.sign_in("cm@c1.example.jp", PASSWORD).await;
    start_draft(&browser, &stay, "admission_info").await;
    (app, browser)
}

#[tokio::test]
async fn what_is_typed_in_a_draft_is_kept_without_pressing_save() {
    let (_app, browser) = writing_a_sheet().await;
    let draft = browser.path().await;

    // Typed, then left alone: saved a few seconds later, and the page says when.
    browser.fill("#f-patient-phone", "0157-12-3456").await;
    let status = browser
        .client
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(fantoccini::Locator::XPath("//*[@id='autosave-status'][contains(., '自動保存しました')]"))
        .await;
    assert!(status.is_ok(), "the status says it was saved: {}", browser.text("#autosave-status").await);
    browser.open("/drafts").await;
    browser.open(&draft).await;
    assert_eq!(value_of(&browser, "#f-patient-phone").await, "0157-12-3456");

    // A long text shows how much of its limit is used.
    browser.fill("#f-intentions-life_history", "連携市生まれ").await;
    assert_eq!(browser.text("#f-intentions-life_history-counter").await, "6 / 2000 文字");

    // Typed and left at once (the tab closed, the tablet put away): saved as the page goes.
    browser.fill("#f-patient-address", "連携市本町1番地").await;
    browser.open("/drafts").await;
    let mut kept = String::new();
    for _ in 0..20 {
        browser.open(&draft).await;
        kept = value_of(&browser, "#f-patient-address").await;
        if !kept.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(kept, "連携市本町1番地");
}

#[tokio::test]
async fn the_table_of_contents_shows_each_section_s_state_as_it_is_typed() {
    let (_app, browser) = writing_a_sheet().await;

    let contents = browser.text("#rf-contents").await;
    assert!(contents.contains("住環境") && contents.contains("かかりつけ医"), "every section listed: {contents}");
    let housing = "[data-section-state='f-housing']";
    assert_eq!(browser.text(housing).await, "未記入");
    browser.fill("#f-housing-notes", "玄関に段差あり").await;
    assert_eq!(browser.text(housing).await, "済", "answered, and it requires nothing more");
    browser.fill("#f-housing-notes", "").await;
    assert_eq!(browser.text(housing).await, "未記入");

    // The contents lead to the section.
    browser.click("#rf-contents a[href='#f-housing']").await;
    assert!(browser.client.current_url().await.expect("url").as_str().ends_with("#f-housing"));
}
