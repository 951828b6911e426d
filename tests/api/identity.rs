//! A person's identity is not given away for two numbers: a hospital that types another office's
//! client's 被保険者番号 and birth date with a made-up name links nothing and learns nothing
//! (409, no name, no care office), and the attempt is audited; the right name (or フリガナ) links
//! the stay to the client as before.

use serde_json::json;

use crate::support::{day, spawn_app};

const NUMBER: &str = "0100000001";

fn admission(name: &str, kana: &str) -> serde_json::Value {
    json!({"client": {"name": name, "name_kana": kana, "birth_date": "1940-02-11", "sex": "female",
                      "insurance_number": NUMBER},
           "admitted_on": day(-1)})
}

#[tokio::test]
async fn two_numbers_and_a_made_up_name_link_nothing_and_show_nothing() {
    let app = spawn_app().await;
    let client = app.client_of_care_office(NUMBER).await;
    let client_id = client["id"].as_str().unwrap();

    let guessed = app.register_admission(&app.city().other_nurse, &admission("山田 太郎", "ヤマダ タロウ")).await;
    assert_eq!(guessed.status, 409, "{}", guessed.body);
    let said = guessed.body.to_string();
    for secret in ["連携", "レンケイ", "さくら居宅", "担当者", client_id] {
        assert!(!said.contains(secret), "the refusal tells {secret}: {said}");
    }
    assert_eq!(app.count("episodes"), 0);
    assert_eq!(app.count("clients"), 1, "no second record of the person either");
    assert_eq!(app.get(&format!("/api/v1/clients/{client_id}"), &app.city().other_nurse).await.status, 404);

    let log = app.audit(&app.city().admin, "action=refused").await;
    let attempts: Vec<_> = log
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["route"] == "/api/v1/episodes" && e["status"] == 409)
        .collect();
    assert_eq!(attempts.len(), 1, "the attempt is audited: {}", log.body);

    // The name as the card gives it (spaces or not), or its フリガナ, links the stay.
    let by_kana = app.register_admission(&app.city().other_nurse, &admission("連携花子", "レンケイ ハナコ")).await;
    assert_eq!(by_kana.status, 201, "{}", by_kana.body);
    assert_eq!(by_kana.body["client"]["id"], client_id);
    assert_eq!(by_kana.body["care_office"]["name"], "さくら居宅");
}
