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

/// The clients' names as a list shows them, top to bottom.
fn names_in_order(html: &str, names: &[&str]) -> Vec<String> {
    let mut found: Vec<(usize, String)> =
        names.iter().filter_map(|n| html.find(&format!(">{n}</a>")).map(|at| (at, (*n).to_owned()))).collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

#[tokio::test]
async fn the_inbox_sorts_by_any_column_in_the_query_on_the_page_and_through_the_api() {
    let app = spawn_app().await;
    let cm = &app.city().care_manager;
    let mut sent = Vec::new();
    // Sent in this order: 上田, 青木, 加藤; in 五十音順: 青木 (アオキ), 上田 (ウエダ), 加藤 (カトウ).
    for (name, kana, number) in [
        ("上田 一", "ウエダ ハジメ", "0100000011"),
        ("青木 二郎", "アオキ ジロウ", "0100000012"),
        ("加藤 三子", "カトウ ミツコ", "0100000013"),
    ] {
        let client = app
            .register_client(
                cm,
                &serde_json::json!({"name": name, "name_kana": kana, "birth_date": "1940-02-11",
                                                     "sex": "female", "insurance_number": number}),
            )
            .await;
        assert_eq!(client.status, 201, "{}", client.body);
        let mut sheet = crate::support::admission_sheet(&crate::support::day(-1));
        sheet["patient"]["name"] = name.into();
        sheet["patient"]["name_kana"] = kana.into();
        let sent_one = app
            .send_document(
                cm,
                &serde_json::json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital,
                                                   "client_id": client.body["id"], "payload": sheet}),
            )
            .await;
        assert_eq!(sent_one.status, 201, "{}", sent_one.body);
        sent.push(sent_one.body["id"].as_str().unwrap().to_owned());
    }
    let nurse = &app.city().nurse;
    // 青木's sheet read, 加藤's acknowledged, 上田's not opened.
    assert_eq!(app.get(&format!("/api/v1/documents/{}", sent[1]), nurse).await.status, 200);
    assert_eq!(app.get(&format!("/api/v1/documents/{}", sent[2]), nurse).await.status, 200);
    let acknowledged =
        app.post(&format!("/api/v1/documents/{}/acknowledge", sent[2]), nurse, &serde_json::json!({})).await;
    assert_eq!(acknowledged.status, 200, "{}", acknowledged.body);

    let api_order = |query: &'static str| {
        let app = &app;
        async move {
            let answer = app.get(&format!("/api/v1/documents/inbox?{query}"), nurse).await;
            assert_eq!(answer.status, 200, "{query}: {}", answer.body);
            answer
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["client_name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let (ueda, aoki, kato) = ("上田 一", "青木 二郎", "加藤 三子");
    assert_eq!(api_order("sort=client").await, [aoki, ueda, kato]);
    assert_eq!(api_order("sort=client&direction=desc").await, [kato, ueda, aoki]);
    assert_eq!(api_order("sort=status").await, [ueda, aoki, kato], "unread, read, acknowledged");
    assert_eq!(api_order("sort=sent_at&direction=asc").await, [ueda, aoki, kato]);
    assert_eq!(api_order("sort=sent_at").await, [kato, aoki, ueda], "the time: newest first unless asked");
    assert_eq!(api_order("sort=client&limit=1&offset=1").await, [ueda], "paged after sorting");
    assert_eq!(app.get("/api/v1/documents/inbox?sort=name", nurse).await.status, 400, "an unknown column is refused");

    let page = sign_in_page(&app, "nurse@h1.example.jp").await;
    let names = [ueda, aoki, kato];
    let by_client = page.get("/inbox?sort=client").await.text();
    assert_eq!(names_in_order(&by_client, &names), [aoki, ueda, kato]);
    assert!(by_client.contains("aria-sort=\"ascending\""), "the sorted column says so");
    assert!(by_client.contains("inbox?sort=-client\""), "pressed again, it turns round: {by_client}");
    let reversed = page.get("/inbox?sort=-client").await.text();
    assert_eq!(names_in_order(&reversed, &names), [kato, ueda, aoki]);
    // A filter keeps the order, and the order keeps the filter.
    let filtered = page.get("/inbox?sort=-client&client=%E3%82%A2%E3%82%AA%E3%82%AD").await.text();
    assert_eq!(names_in_order(&filtered, &names), [aoki]);
    assert!(filtered.contains("inbox?client=%E3%82%A2%E3%82%AA%E3%82%AD&amp;sort=client\""), "{filtered}");
    // The default: unread first.
    assert_eq!(names_in_order(&page.get("/inbox").await.text(), &names)[0], ueda);
}
