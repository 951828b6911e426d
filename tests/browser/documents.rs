//! The hospital's side: the inbox, a document, and acknowledging it with one click once opened.

use super::Browser;
use crate::support::{PASSWORD, TestApp, spawn_app};

/// C1's care manager has sent H1 the full admission sheet, and H1's nurse has signed in in
/// Chromium (on the inbox): the server, the browser and the sheet's id.
pub(super) async fn nurse_with_a_sheet() -> (TestApp, Browser, String) {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let sent = app.admission_sheet_sent(&client).await;
    let id = sent["id"].as_str().expect("document id").to_owned();
    app.give_password("nurse@h1.example.jp");
    let browser = Browser::start(&app.address).await;
    browser.sign_in("nurse@h1.example.jp", PASSWORD).await;
    (app, browser, id)
}

#[tokio::test]
async fn a_nurse_signs_in_opens_a_sheet_from_the_inbox_and_acknowledges_it_with_one_click() {
    let (_app, browser, id) = nurse_with_a_sheet().await;
    assert_eq!(browser.path().await, "/inbox");
    let row = browser.text("table.list tbody tr").await;
    assert!(row.contains("連携 花子") && row.contains("さくら居宅"), "the inbox shows the sheet: {row}");
    assert!(row.contains("未読") && !row.contains("確認済"), "a sheet nobody opened is 未読: {row}");
    assert!(!row.contains("確認"), "確認 only from the opened sheet: {row}");
    assert_eq!(browser.text("nav a[href='/inbox'] .count").await, "1", "the menu counts it");
    let class =
        browser.client.find(fantoccini::Locator::Css("table.list tbody tr")).await.expect("row").attr("class").await;
    assert!(class.expect("class").unwrap_or_default().contains("unread"), "and stands out as unread");

    browser.click("table.list tbody tr a[href^='/documents/']").await;
    browser.page_is_clean().await;
    assert_eq!(browser.path().await, format!("/documents/{id}"));
    assert!(browser.text("h1").await.contains("連携 花子"));

    browser.click(".actions button.primary").await;
    browser.page_is_clean().await;
    assert_eq!(browser.path().await, format!("/documents/{id}?acknowledged=1"));
    assert_eq!(browser.text(".facts .status").await, "確認済");
    assert!(browser.text("p.notice").await.contains("確認済にしました"));

    browser.open("/inbox").await;
    assert!(browser.text("table.list tbody tr").await.contains("確認済"), "the inbox shows it acknowledged");
    let menu = browser.text("nav a[href='/inbox']").await;
    assert_eq!(menu, "受信箱", "nothing unread is counted any more");
}
