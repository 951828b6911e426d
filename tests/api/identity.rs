//! A person's identity is not given away for two numbers: a hospital that types another office's
//! client's 被保険者番号 and birth date with a made-up name links nothing and learns nothing
//! (409, no name, no care office), and the attempt is audited; the right name (or フリガナ) links
//! the stay to the client as before. A record is corrected once, by the care office that keeps
//! it, and every sheet sent after must agree with it.

use serde_json::json;

use crate::support::{admission_sheet, day, pointers, spawn_app};

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

#[tokio::test]
async fn the_care_office_corrects_a_birth_date_and_the_next_sheet_must_agree_with_it() {
    let app = spawn_app().await;
    let client = app.client_of_care_office(NUMBER).await;
    let path = format!("/api/v1/clients/{}", client["id"].as_str().unwrap());
    let stay = app.admission(NUMBER, &day(-1)).await;
    let city = app.city();
    let corrected = json!({"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-12",
                           "sex": "female", "insurance_number": "０１０００００００１", "reason": "介護保険証で確認"});

    assert_eq!(
        app.put(&path, &city.nurse, &corrected).await.status,
        403,
        "the hospital sees the record, does not keep it"
    );
    assert_eq!(app.put(&path, &city.other_care_manager, &corrected).await.status, 404);
    let mut unexplained = corrected.clone();
    unexplained["reason"] = json!("  ");
    let refused = app.put(&path, &city.care_manager, &unexplained).await;
    assert_eq!((refused.status, pointers(&refused)), (422, vec!["/reason".to_owned()]), "{}", refused.body);
    assert!(refused.body.to_string().contains("訂正の理由"), "in Japanese: {}", refused.body);

    let answer = app.put(&path, &city.care_manager, &corrected).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["birth_date"], "1940-02-12");
    assert_eq!(answer.body["insurance_number"], NUMBER, "full-width digits read as half width");
    assert_eq!(app.count("client_corrections"), 1, "the identity before is kept");
    assert_eq!(app.put(&path, &city.care_manager, &corrected).await.status, 200);
    assert_eq!(app.count("client_corrections"), 1, "the same identity again changes nothing");

    // A sheet with the old birth date is refused at its field; with the record's, it goes.
    let mut sheet = admission_sheet(&day(-1));
    let body = |sheet: &serde_json::Value| json!({"kind": "admission_info", "recipient_facility_id": city.hospital, "episode_id": stay["id"], "payload": sheet});
    let old = app.send_document(&city.care_manager, &body(&sheet)).await;
    assert_eq!(old.status, 422);
    assert!(pointers(&old).contains(&"/payload/patient/birth_date".to_owned()), "{}", old.body);
    sheet["patient"]["birth_date"] = json!("1940-02-12");
    let sent = app.send_document(&city.care_manager, &body(&sheet)).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
}

#[tokio::test]
async fn the_record_keeps_its_care_levels_by_date_and_a_stay_keeps_what_its_sheet_said() {
    let app = spawn_app().await;
    let client = app.client_of_care_office(NUMBER).await;
    let path = format!("/api/v1/clients/{}/care-levels", client["id"].as_str().unwrap());
    let stay = app.admission(NUMBER, &day(-3)).await;
    let city = app.city();
    assert_eq!(stay["care_level"], "要介護2", "registered with the record's level");

    let future = app.post(&path, &city.care_manager, &json!({"care_level": "要介護3", "valid_from": day(1)})).await;
    assert_eq!((future.status, pointers(&future)), (422, vec!["/valid_from".to_owned()]));
    let unknown = app.post(&path, &city.care_manager, &json!({"care_level": "要介護6", "valid_from": day(-1)})).await;
    assert_eq!((unknown.status, pointers(&unknown)), (422, vec!["/care_level".to_owned()]));
    assert_eq!(
        app.post(&path, &city.nurse, &json!({"care_level": "要介護3", "valid_from": day(-1)})).await.status,
        403
    );
    let recorded = app.post(&path, &city.care_manager, &json!({"care_level": "要介護3", "valid_from": day(-10)})).await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let history: Vec<(String, String)> = recorded
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["care_level"].as_str().unwrap().to_owned(), l["valid_from"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(history, [("要介護2".to_owned(), day(0)), ("要介護3".to_owned(), day(-10))], "the latest day first");
    let record = app.get(&format!("/api/v1/clients/{}", client["id"].as_str().unwrap()), &city.care_manager).await;
    assert_eq!(record.body["care_level"], "要介護2", "the level from today on is still the current one");

    // The sheet of the stay says 区分変更: that is the stay's level, which the survey groups by.
    let mut sheet = admission_sheet(&day(-3));
    sheet["care_insurance"]["care_level"] = json!("要介護4");
    let body = json!({"kind": "admission_info", "recipient_facility_id": city.hospital, "episode_id": stay["id"], "payload": sheet});
    let sent = app.send_document(&city.care_manager, &body).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let episode = app.episode(&city.nurse, stay["id"].as_str().unwrap()).await;
    assert_eq!(episode.body["care_level"], "要介護4");
}
