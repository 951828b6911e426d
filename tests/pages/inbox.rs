//! The inbox a nurse trusts: a sheet nobody opened says 未読 and is counted beside 受信箱 on every
//! page; a client is found by 漢字 or フリガナ however the カナ is typed; 確認 is pressed from the
//! opened sheet, not from the list.

use crate::support::pages::sign_in_page;
use crate::support::spawn_app;

fn rows(html: &str) -> usize {
    html.matches("<tr class=").count()
}

#[tokio::test]
async fn an_unopened_sheet_is_unread_counted_in_the_menu_and_found_by_kana_however_typed() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let sent = app.admission_sheet_sent(&client).await;
    let id = sent["id"].as_str().unwrap();
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;

    let inbox = nurse.get("/inbox").await.text();
    assert!(inbox.contains("status-unread\">未読"), "{inbox}");
    assert!(!inbox.contains("/acknowledge"), "no 確認 from the list");
    let stays = nurse.get("/episodes").await.text();
    assert!(stays.contains("aria-label=\"未読 1 件\">1</span>"), "counted on every page: {stays}");

    for typed in ["連携", "連携花子", "レンケイ", "れんけい　はなこ", "ﾚﾝｹｲ", "ﾚﾝｹｲﾊﾅｺ", "レンケイハナコ"]
    {
        let query: String = url::form_urlencoded::byte_serialize(typed.as_bytes()).collect();
        let found = nurse.get(&format!("/inbox?client={query}")).await.text();
        assert_eq!(rows(&found), 1, "{typed} finds 連携 花子");
    }
    for typed in ["アオバ", "青葉", "%", "_"] {
        let query: String = url::form_urlencoded::byte_serialize(typed.as_bytes()).collect();
        assert_eq!(rows(&nurse.get(&format!("/inbox?client={query}")).await.text()), 0, "{typed} finds nobody");
    }

    // Opened: 既読, and no longer counted; the care manager's outbox says 既読 too.
    assert_eq!(nurse.get(&format!("/documents/{id}")).await.status, 200);
    let inbox = nurse.get("/inbox").await.text();
    assert!(inbox.contains(">既読<") && !inbox.contains("class=\"count\""), "{inbox}");
    let cm = sign_in_page(&app, "cm@c1.example.jp").await;
    assert!(cm.get("/outbox").await.text().contains(">既読<"));
}
