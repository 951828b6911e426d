//! The discharge on the stay's page: recording asks for confirmation first and stores nothing
//! until confirmed; a mistaken discharge is corrected or withdrawn with a reason (refused next
//! to the field without one), and each correction is listed on the stay.

use serde_json::Value;

use crate::support::pages::sign_in_page;
use crate::support::{day, spawn_app};

const NUMBER: &str = "1234567890";

#[tokio::test]
async fn the_nurse_confirms_a_discharge_then_corrects_and_withdraws_it_with_reasons() {
    let app = spawn_app().await;
    app.client_of_care_office(NUMBER).await;
    let stay = app.admission(NUMBER, &day(-10)).await;
    let id = stay["id"].as_str().unwrap().to_owned();
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let path = format!("/episodes/{id}/discharge");
    let discharged_on = || async { app.episode(&app.city().nurse, &id).await.body["discharged_on"].clone() };

    // First the confirmation, with what follows; nothing is stored yet.
    let yesterday = day(-1);
    let asked = nurse.post(&path, &[("discharged_on", &yesterday), ("destination", "home")]).await;
    assert_eq!(asked.status, 200, "{}", asked.text());
    let text = asked.text();
    assert!(text.contains("この内容で退院を記録しますか") && text.contains("自宅"), "{text}");
    assert!(text.contains("さくら居宅にも見えるようになります") && text.contains("メールは送られません"), "{text}");
    assert_eq!(discharged_on().await, Value::Null, "not recorded before it is confirmed");
    let confirmed =
        nurse.post(&path, &[("discharged_on", &yesterday), ("destination", "home"), ("confirmed", "1")]).await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.text());
    let page = nurse.get(&confirmed.location()).await;
    assert!(page.text().contains("退院を記録しました。") && page.text().contains("退院の記録を訂正する"));
    assert_eq!(discharged_on().await, yesterday.as_str());

    // A correction without a reason is refused next to the field; with one it is made and listed.
    let three_days_ago = day(-3);
    let bare = nurse
        .post(&path, &[("correcting", "1"), ("discharged_on", &three_days_ago), ("destination", "facility")])
        .await;
    assert_eq!(bare.status, 422);
    assert!(bare.text().contains("id=\"correction_reason-error\">「訂正の理由」を入力してください"), "{}", bare.text());
    assert!(bare.text().contains(&format!("value=\"{three_days_ago}\"")), "what was typed is kept");
    assert_eq!(discharged_on().await, yesterday.as_str(), "nothing changed");
    let fields = [
        ("correcting", "1"),
        ("discharged_on", three_days_ago.as_str()),
        ("destination", "facility"),
        ("correction_reason", "退院日の入力誤り"),
    ];
    let corrected = nurse.post(&path, &fields).await;
    assert_eq!(corrected.status, 303, "{}", corrected.text());
    let page = nurse.get(&corrected.location()).await;
    assert!(page.text().contains("退院の記録を訂正しました。"), "{}", page.text());
    assert!(
        page.text().contains("（自宅） →")
            && page.text().contains("（施設）")
            && page.text().contains("理由：退院日の入力誤り")
    );
    assert_eq!(discharged_on().await, three_days_ago.as_str());

    // Withdrawn with a reason: in hospital again, the form to record the discharge back.
    let withdrawal = format!("/episodes/{id}/discharge/withdrawal");
    let bare = nurse.post(&withdrawal, &[]).await;
    assert_eq!(bare.status, 422);
    assert!(bare.text().contains("id=\"withdrawal_reason-error\""), "{}", bare.text());
    let withdrawn = nurse.post(&withdrawal, &[("withdrawal_reason", "別の方の退院でした")]).await;
    assert_eq!(withdrawn.status, 303, "{}", withdrawn.text());
    let page = nurse.get(&withdrawn.location()).await;
    assert!(
        page.text().contains("退院の記録を取り消しました。") && page.text().contains("→ 入院中"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("退院を記録する（確認へ）"), "it can be recorded again");
    assert_eq!(discharged_on().await, Value::Null);

    // The care manager sees the stay and its corrections, but no form to change them.
    let care_manager = sign_in_page(&app, "cm@c1.example.jp").await;
    let seen = care_manager.get(&format!("/episodes/{id}")).await;
    assert!(seen.text().contains("理由：別の方の退院でした") && !seen.text().contains("退院の記録を訂正する"));
}
