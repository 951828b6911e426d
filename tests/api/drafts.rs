//! Drafts through the API, as care software pushes a prepared sheet: started from a stay, a
//! client or a received document with what Renkei knows already filled in, saved as it goes,
//! sent like a document, and seen by no other facility.

use serde_json::{Value, json};

use crate::support::{TestApp, admission_sheet, day, fixture, pointers, spawn_app};

async fn start(app: &TestApp, token: &str, body: &Value) -> crate::support::Answer {
    app.post("/api/v1/drafts", token, body).await
}

#[tokio::test]
async fn a_draft_started_from_a_stay_knows_the_client_the_stay_and_the_writer() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-1)).await;
    let city = app.city();
    let started = start(&app, &city.care_manager, &json!({"kind": "admission_info", "episode_id": stay["id"]})).await;
    assert_eq!(started.status, 201, "{}", started.body);
    let draft = &started.body;
    assert_eq!(draft["kind"], "admission_info");
    let payload = &draft["payload"];
    assert_eq!(payload["patient"]["name"], "連携 花子");
    assert_eq!(payload["patient"]["name_kana"], "レンケイ ハナコ");
    assert_eq!(payload["patient"]["birth_date"], "1940-02-11");
    assert_eq!(payload["patient"]["birth_era"], "昭", "the 元号 is derived, not typed");
    assert_eq!(payload["patient"]["sex"], "女");
    assert!(payload["patient"]["age"].as_i64().is_some_and(|age| age >= 86));
    assert_eq!(payload["care_insurance"]["care_level"], "要介護2", "the client record's care level");
    assert_eq!(payload["header"]["admission_date"], day(-1).as_str());
    assert_eq!(payload["header"]["hospital"]["name"], "連携病院");
    assert_eq!(payload["header"]["care_office"]["name"], "さくら居宅");
    assert_eq!(payload["header"]["care_office"]["phone"], "0157-00-1111", "from the office's contact window");
    assert_eq!(payload["header"]["care_office"]["fax"], "0157-00-2222");

    // The hospital's forms take what they have a place for: a 入院連絡 has 生年月日, no 元号.
    let notice = start(&app, &city.nurse, &json!({"kind": "admission_notice", "episode_id": stay["id"]})).await;
    assert_eq!(notice.status, 201, "{}", notice.body);
    assert_eq!(notice.body["payload"]["patient"]["birth_date"], "1940-02-11");
    assert!(notice.body["payload"]["patient"].get("birth_era").is_none());
    assert!(notice.body["payload"].get("care_insurance").is_none());

    // Read back by its writer; another facility, even of the same kind, gets 404.
    let id = draft["id"].as_str().unwrap();
    let read = app.get(&format!("/api/v1/drafts/{id}"), &city.care_manager).await;
    assert_eq!((read.status, &read.body["payload"]), (200, payload));
    assert_eq!(app.get(&format!("/api/v1/drafts/{id}"), &city.other_care_manager).await.status, 404);
    assert_eq!(app.get(&format!("/api/v1/drafts/{id}"), &city.nurse).await.status, 404);
    let listed = app.get("/api/v1/drafts", &city.care_manager).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1));
    assert_eq!(app.get("/api/v1/drafts", &city.other_care_manager).await.body, json!([]));

    // Thrown away: gone for its writer too, and for nobody else to throw away.
    assert_eq!(app.delete(&format!("/api/v1/drafts/{id}"), &city.other_care_manager).await.status, 404);
    assert_eq!(app.delete(&format!("/api/v1/drafts/{id}"), &city.care_manager).await.status, 204);
    assert_eq!(app.get(&format!("/api/v1/drafts/{id}"), &city.care_manager).await.status, 404);
}

#[tokio::test]
async fn a_draft_is_saved_half_done_refused_at_its_field_and_then_sent_like_a_document() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-1)).await;
    let city = app.city();
    let started = start(&app, &city.care_manager, &json!({"kind": "admission_info", "episode_id": stay["id"]})).await;
    let id = started.body["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/drafts/{id}");

    // Half done (the office's telephone rubbed out): saved as it is, nothing checked yet.
    let mut half = started.body["payload"].clone();
    half["care_insurance"]["care_level"] = json!("要介護3");
    half["header"]["care_office"].as_object_mut().unwrap().remove("phone");
    let saved = app.put(&path, &city.care_manager, &json!({"payload": half})).await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert_eq!(app.get(&path, &city.care_manager).await.body["payload"]["care_insurance"]["care_level"], "要介護3");
    assert_eq!(app.put(&path, &city.other_care_manager, &json!({"payload": {}})).await.status, 404);

    // Sent half done: the missing item named by its pointer, and the draft kept.
    let refused = app.post(&format!("{path}/send"), &city.care_manager, &json!({})).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(pointers(&refused), ["/payload/header/care_office/phone"]);
    assert_eq!(app.count("documents"), 0);
    assert_eq!(app.get(&path, &city.care_manager).await.status, 200, "the draft stays");

    // Completed (the full sheet, about the same person): sent as POST /api/v1/documents would,
    // and the draft is gone.
    let mut full = admission_sheet(&day(-1));
    full["patient"] = half["patient"].clone();
    assert_eq!(app.put(&path, &city.care_manager, &json!({"payload": full})).await.status, 200);
    let sent = app.post(&format!("{path}/send"), &city.care_manager, &json!({})).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["kind"], "admission_info");
    assert_eq!(sent.body["recipient"]["id"], city.hospital.to_string());
    let inbox = app.inbox(&city.nurse, "kind=admission_info").await;
    assert_eq!(inbox.body.as_array().map(Vec::len), Some(1));
    assert_eq!(app.get(&path, &city.care_manager).await.status, 404);
}

#[tokio::test]
async fn a_reply_starts_from_the_received_document_and_only_its_recipient_may_start_one() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-10)).await;
    let city = app.city();
    let proposal = json!({"kind": "discharge_conference", "recipient_facility_id": city.care_office, "episode_id": stay["id"],
                          "payload": fixture("discharge_conference_v1_minimal")});
    let conference = app.send_document(&city.nurse, &proposal).await;
    assert_eq!(conference.status, 201, "{}", conference.body);
    let reply = json!({"kind": "conference_answer", "reply_to_document_id": conference.body["id"]});

    let answer = start(&app, &city.care_manager, &reply).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["episode_id"], stay["id"]);
    assert_eq!(answer.body["recipient_facility_id"], city.hospital.to_string());
    assert_eq!(answer.body["payload"]["respondent"]["office_name"], "さくら居宅");
    assert_eq!(answer.body["payload"]["respondent"]["phone"], "0157-00-1111");
    let sent = app
        .post(&format!("/api/v1/drafts/{}/send", answer.body["id"].as_str().unwrap()), &city.care_manager, &json!({}))
        .await;
    assert_eq!(sent.status, 201, "the prefilled answer (出席) is complete: {}", sent.body);

    assert_eq!(start(&app, &city.other_care_manager, &reply).await.status, 404, "not theirs to read");
    assert_eq!(start(&app, &city.nurse, &reply).await.status, 403, "a nurse does not answer");
    let both =
        json!({"kind": "conference_answer", "episode_id": stay["id"], "reply_to_document_id": conference.body["id"]});
    let refused = start(&app, &city.care_manager, &both).await;
    assert_eq!(refused.status, 422);
    assert_eq!(pointers(&refused), ["/episode_id"]);
}

#[tokio::test]
async fn a_sheet_that_contradicts_the_client_record_is_refused_at_its_field() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-1)).await;
    let city = app.city();
    let mut sheet = admission_sheet(&day(-1));
    sheet["patient"]["birth_date"] = json!("1944-02-11");
    sheet["patient"]["birth_era"] = json!("明");
    sheet["patient"]["name"] = json!("連携　花子"); // a full-width space is the same name
    sheet["patient"]["name_kana"] = json!("レンケイ　ハナコ"); // as is the フリガナ
    let body = json!({"kind": "admission_info", "recipient_facility_id": city.hospital, "episode_id": stay["id"], "payload": sheet});
    let refused = app.send_document(&city.care_manager, &body).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(pointers(&refused), ["/payload/patient/birth_date", "/payload/patient/birth_era"]);
    let keywords: Vec<&str> =
        refused.body["errors"].as_array().unwrap().iter().filter_map(|e| e["keyword"].as_str()).collect();
    assert_eq!(keywords, ["matches_client", "matches_client"]);
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("1940-02-11"), "names the record's date");
    assert_eq!(app.count("documents"), 0);

    // The same through a draft, and once amended: a sent sheet cannot change who the person is.
    sheet["patient"]["birth_date"] = json!("1940-02-11");
    sheet["patient"]["birth_era"] = json!("昭");
    let body = json!({"kind": "admission_info", "recipient_facility_id": city.hospital, "episode_id": stay["id"], "payload": sheet});
    let sent = app.send_document(&city.care_manager, &body).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    sheet["patient"]["sex"] = json!("男");
    let amended = app.amend(&city.care_manager, sent.body["id"].as_str().unwrap(), &json!({"payload": sheet})).await;
    assert_eq!(amended.status, 422);
    assert_eq!(pointers(&amended), ["/payload/patient/sex"]);
}
