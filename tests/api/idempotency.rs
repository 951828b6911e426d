//! Idempotency-Key: a retried request gets the original answer and creates nothing twice; a
//! key is not reused for another request; a refused request does not use up its key.

use serde_json::{Value, json};

use crate::support::{TestApp, admission_sheet, day, spawn_app};

async fn post_keyed(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> (u16, Option<String>, Value) {
    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let replayed = response.headers().get("Idempotent-Replayed").map(|v| v.to_str().unwrap().to_owned());
    (status, replayed, response.json().await.unwrap())
}

fn sheet_for(app: &TestApp, client: &Value) -> Value {
    json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "client_id": client["id"],
           "payload": admission_sheet(&day(-1))})
}

#[tokio::test]
async fn a_retried_submission_gets_the_original_answer_and_creates_nothing_twice() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let body = sheet_for(&app, &client);
    let key = "8b4f1a52-4d1e-4c67-9d51-4c8d9f0c2e11";

    let (status, replayed, first) = post_keyed(&app, "/api/v1/documents", &app.city().care_manager, key, &body).await;
    assert_eq!((status, replayed), (201, None), "{first}");
    let (status, replayed, again) = post_keyed(&app, "/api/v1/documents", &app.city().care_manager, key, &body).await;
    assert_eq!((status, replayed.as_deref()), (201, Some("true")));
    assert_eq!(again, first, "the original answer, word for word");
    assert_eq!(app.count("documents"), 1);
    assert_eq!(app.count("contacts"), 1);
    assert_eq!(app.count("outbox"), 1, "one mail, not two");

    // Without a key, the same body is a new submission.
    let plain = app.send_document(&app.city().care_manager, &body).await;
    assert_eq!(plain.status, 201);
    assert_ne!(plain.body["id"], first["id"]);
    assert_eq!(app.count("documents"), 2);
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let key = "reused-key-1";
    let (status, _, _) =
        post_keyed(&app, "/api/v1/documents", &app.city().care_manager, key, &sheet_for(&app, &client)).await;
    assert_eq!(status, 201);
    let mut other = sheet_for(&app, &client);
    other["payload"]["header"]["written_on"] = json!(day(0));
    let (status, _, answer) = post_keyed(&app, "/api/v1/documents", &app.city().care_manager, key, &other).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["errors"][0]["keyword"], "idempotency_key");
    assert!(answer["errors"][0]["message"].as_str().unwrap().contains("別の内容の要求"));
    assert_eq!(app.count("documents"), 1);

    // Keys belong to their user: another user's same key is a different key.
    let (status, replayed, _) = post_keyed(
        &app,
        "/api/v1/clients",
        &app.city().other_care_manager,
        key,
        &json!({"name": "別 太郎", "name_kana": "ベツ タロウ", "birth_date": "1938-01-01", "sex": "male"}),
    )
    .await;
    assert_eq!((status, replayed), (201, None));
}

#[tokio::test]
async fn a_refused_request_does_not_use_up_its_key() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let mut broken = sheet_for(&app, &client);
    broken["payload"]["patient"].as_object_mut().unwrap().remove("name");
    let key = "fix-and-retry";
    let (status, _, _) = post_keyed(&app, "/api/v1/documents", &app.city().care_manager, key, &broken).await;
    assert_eq!(status, 422);
    let (status, replayed, _) =
        post_keyed(&app, "/api/v1/documents", &app.city().care_manager, key, &sheet_for(&app, &client)).await;
    assert_eq!((status, replayed), (201, None), "the corrected request goes through under the same key");
    assert_eq!(app.count("documents"), 1);
}

#[tokio::test]
async fn the_same_request_sent_eight_times_at_once_is_carried_out_once() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let body = sheet_for(&app, &client);
    let answers = futures_util::future::join_all(
        (0..8).map(|_| post_keyed(&app, "/api/v1/documents", &app.city().care_manager, "burst", &body)),
    )
    .await;
    let ids: std::collections::HashSet<String> = answers
        .iter()
        .map(|(status, _, answer)| {
            assert_eq!(*status, 201, "{answer}");
            answer["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every answer names the same document");
    assert_eq!(answers.iter().filter(|(_, replayed, _)| replayed.is_none()).count(), 1);
    assert_eq!(app.count("documents"), 1);
}

#[tokio::test]
async fn other_writes_take_keys_too_and_a_malformed_key_is_a_bad_request() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-3)).await;
    let path = format!("/api/v1/episodes/{}/contacts", stay["id"].as_str().unwrap());
    let contact =
        json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "phone", "contacted_on": day(0)});
    for _ in 0..2 {
        let (status, _, _) = post_keyed(&app, &path, &app.city().nurse, "phone-call-1", &contact).await;
        assert_eq!(status, 201);
    }
    assert_eq!(app.count("contacts"), 1, "the phone call is recorded once");

    let (status, _, answer) = post_keyed(&app, &path, &app.city().nurse, "キー", &contact).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["detail"].as_str().unwrap().contains("Idempotency-Key"));
}

#[tokio::test]
async fn requests_arriving_together_each_get_their_own_answer_and_a_refused_one_leaves_nothing() {
    // On SQLite, writes that arrive together share one commit (db::group): one refused request
    // must neither take the others down nor leave anything of itself behind.
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let good = sheet_for(&app, &client);
    let mut broken = sheet_for(&app, &client);
    broken["payload"]["patient"].as_object_mut().unwrap().remove("name");
    let keys: Vec<String> = (0..8).map(|n| format!("together-{n}")).collect();
    let answers = futures_util::future::join_all(keys.iter().enumerate().map(|(n, key)| {
        let body = if n % 2 == 0 { &good } else { &broken };
        post_keyed(&app, "/api/v1/documents", &app.city().care_manager, key, body)
    }))
    .await;
    for (n, (status, replayed, answer)) in answers.iter().enumerate() {
        let expected = if n % 2 == 0 { 201 } else { 422 };
        assert_eq!((*status, replayed.as_deref()), (expected, None), "request {n}: {answer}");
    }
    let ids: std::collections::HashSet<&str> =
        answers.iter().filter_map(|(_, _, answer)| answer["id"].as_str()).collect();
    assert_eq!(ids.len(), 4, "four documents, each its own");
    assert_eq!(app.count("documents"), 4);
    assert_eq!(app.count("contacts"), 4);
    assert_eq!(app.count("outbox"), 4);
    assert_eq!(app.count("idempotency_keys"), 4, "the refused requests' keys are not used up");

    let (status, replayed, _) = post_keyed(&app, "/api/v1/documents", &app.city().care_manager, &keys[1], &good).await;
    assert_eq!((status, replayed), (201, None), "a refused request's key serves its corrected retry");
}
