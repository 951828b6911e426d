//! The 退院前カンファレンス in a real browser: the nurse proposes it before a date is known, the
//! care manager answers from the proposal itself, and the nurse records it once held; the stay
//! then shows the conference as its discharge contact.

use super::Browser;
use super::scenario::{set, sign_out, start_draft};
use crate::support::{PASSWORD, day, spawn_app};

#[tokio::test]
async fn a_conference_is_proposed_answered_held_and_recorded() {
    let app = spawn_app().await;
    app.client_of_care_office("0000055555").await;
    let stay = app.admission("0000055555", &day(-10)).await;
    let stay = stay["id"].as_str().expect("stay id").to_owned();
    for email in ["cm@c1.example.jp", "nurse@h1.example.jp"] {
        app.give_password(email);
    }
    let browser = Browser::start(&app.address).await;

    // Proposed with 日程は調整中: no date yet.
    browser.sign_in("nurse@h1.example.jp", PASSWORD).await;
    start_draft(&browser, &stay, "discharge_conference").await;
    browser.fill("#f-contact_person-phone", "0157-00-1234").await;
    browser.click("button[name=action][value=send]").await;
    browser.page_is_clean().await;
    assert!(browser.path().await.ends_with("?sent=1"), "proposed: {}", browser.page_text().await);
    sign_out(&browser).await;

    // The care manager answers from the proposal: her name and office are already there.
    browser.sign_in("cm@c1.example.jp", PASSWORD).await;
    browser.open("/inbox?kind=discharge_conference").await;
    browser.click("table.list tbody a[href^='/documents/']").await;
    browser.page_is_clean().await;
    assert!(browser.page_text().await.contains("日程調整中"));
    browser.click("form[action='/drafts'] button[type=submit]").await;
    browser.page_is_clean().await;
    assert!(browser.page_text().await.contains("退院前カンファレンスへの回答"));
    let name = browser.client.find(fantoccini::Locator::Css("#f-attendance-0-name")).await.expect("attendee");
    assert!(!name.prop("value").await.expect("value").unwrap_or_default().is_empty(), "prefilled");
    browser.click("button[name=action][value=send]").await;
    browser.page_is_clean().await;
    assert!(browser.path().await.ends_with("?sent=1"), "answered: {}", browser.page_text().await);
    sign_out(&browser).await;

    // The nurse reads the answer, then records the conference held two days ago.
    browser.sign_in("nurse@h1.example.jp", PASSWORD).await;
    assert!(browser.text("tbody").await.contains("退院前カンファレンスへの回答"));
    browser.open("/outbox?kind=discharge_conference").await;
    browser.click("table.list tbody a[href^='/documents/']").await;
    browser.click("form[action='/drafts'] button[type=submit]").await;
    browser.page_is_clean().await;
    browser.click("input[name='/stage'][value='開催済']").await;
    set(&browser, "#f-record-held_at", &format!("{}T14:00", day(-2))).await;
    browser.fill("#f-record-place", "2階 面談室").await;
    browser.fill("#f-record-attendees-0-profession", "介護支援専門員").await;
    browser.fill("#f-record-attendees-0-name", "介護 支援子").await;
    browser.fill("#f-record-summary", "退院後は訪問看護で服薬を確認する。").await;
    browser.click("button[name=action][value=send]").await;
    browser.page_is_clean().await;
    assert!(browser.path().await.ends_with("?sent=1"), "recorded: {}", browser.page_text().await);
    let shown = browser.page_text().await;
    assert!(shown.contains("開催済") && shown.contains("介護 支援子"), "{shown}");

    // The stay shows the conference, on its day, as a contact of the discharge.
    browser.open(&format!("/episodes/{stay}")).await;
    let timeline = browser.page_text().await;
    assert!(timeline.contains("退院前カンファレンス"), "{timeline}");
    let contacts = app.episode(&app.city().nurse, &stay).await;
    let conference: Vec<_> = contacts.body["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .filter(|c| c["kind"] == "discharge_conference")
        .map(|c| (c["contacted_on"].as_str().unwrap_or_default().to_owned(), c["method"].clone()))
        .collect();
    assert_eq!(conference, [(day(-2), serde_json::json!("conference"))]);
}
