//! Sending, receiving, reading, acknowledging and amending documents; refusals store nothing.

use serde_json::json;

use crate::support::{admission_sheet, day, fixture, pointers, spawn_app};

#[tokio::test]
async fn a_care_managers_admission_sheet_reaches_the_hospitals_inbox_and_is_acknowledged() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let admitted = day(-1);

    let sent = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital,
                    "client_id": client["id"], "payload": admission_sheet(&admitted)}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["status_label"], "送信済");
    let id = sent.body["id"].as_str().unwrap().to_owned();

    let inbox = app.inbox(&app.city().nurse, "").await;
    assert_eq!(inbox.body.as_array().unwrap().len(), 1, "{}", inbox.body);
    assert_eq!(inbox.body[0]["id"], id.as_str());
    assert_eq!(inbox.body[0]["kind_label"], "入院時情報提供書");
    assert_eq!(inbox.body[0]["client_name"], "連携 花子");

    // The sheet created the stay, dated by its 入院日, with the care office as a party.
    let episode = app.episode(&app.city().nurse, sent.body["episode_id"].as_str().unwrap()).await;
    assert_eq!(episode.status, 200);
    assert_eq!(episode.body["admitted_on"], admitted.as_str());
    assert_eq!(episode.body["care_office"]["code"], "C1");
    assert_eq!(episode.body["contacts"][0]["kind"], "admission_info");
    assert_eq!(episode.body["contacts"][0]["method"], "system");

    let opened = app.document(&app.city().nurse, &id).await;
    assert_eq!(opened.body["payload"]["patient"]["name"], "連携 花子");
    assert_eq!(opened.body["status_label"], "既読");

    let acknowledged = app.acknowledge(&app.city().nurse, &id).await;
    assert_eq!(acknowledged.status, 200);
    assert_eq!(acknowledged.body["status_label"], "確認済");

    let outbox = app.outbox(&app.city().care_manager).await;
    assert_eq!(outbox.body[0]["status"], "acknowledged");
    assert!(outbox.body[0]["acknowledged_at"].is_string());
}

#[tokio::test]
async fn missing_fields_wrong_choices_and_impossible_dates_are_each_reported_and_nothing_is_stored() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let mut sheet = admission_sheet(&day(-1));
    sheet["patient"].as_object_mut().unwrap().remove("name");
    sheet["care_insurance"].as_object_mut().unwrap().remove("care_level");
    sheet["patient"]["sex"] = json!("不明");
    sheet["header"]["written_on"] = json!("2026-02-30");
    sheet["patient"]["birth_date"] = json!(day(5));
    let before = (app.count("documents"), app.count("episodes"), app.count("contacts"));

    let refused = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "client_id": client["id"], "payload": sheet}),
        )
        .await;

    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.content_type, "application/problem+json");
    let found = pointers(&refused);
    for expected in [
        "/payload/patient/name",
        "/payload/care_insurance/care_level",
        "/payload/patient/sex",
        "/payload/header/written_on",
        "/payload/patient/birth_date",
    ] {
        assert!(found.contains(&expected.to_owned()), "{expected} missing from {found:?}");
    }
    let sex =
        refused.body["errors"].as_array().unwrap().iter().find(|e| e["pointer"] == "/payload/patient/sex").unwrap();
    assert_eq!(sex["message"], "「性別」は次のいずれかを選んでください: 男、女");
    assert_eq!((app.count("documents"), app.count("episodes"), app.count("contacts")), before);
    assert_eq!(app.inbox(&app.city().nurse, "").await.body, json!([]));
}

#[tokio::test]
async fn another_facility_cannot_see_the_document_its_stay_or_its_client() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let sent = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "client_id": client["id"], "payload": admission_sheet(&day(0))}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let document = format!("/api/v1/documents/{}", sent.body["id"].as_str().unwrap());
    let episode = format!("/api/v1/episodes/{}", sent.body["episode_id"].as_str().unwrap());
    let person = format!("/api/v1/clients/{}", client["id"].as_str().unwrap());

    for token in [&app.city().other_nurse, &app.city().other_care_manager] {
        for path in [&document, &episode, &person] {
            let answer = app.get(path, token).await;
            assert_eq!(answer.status, 404, "{path} visible: {}", answer.body);
        }
        assert_eq!(app.inbox(token, "").await.body, json!([]));
        assert_eq!(app.episodes(token).await.body, json!([]));
        assert_eq!(app.clients(token).await.body, json!([]));
        let acknowledge = app.acknowledge(token, sent.body["id"].as_str().unwrap()).await;
        assert_eq!(acknowledge.status, 404, "{}", acknowledge.body);
    }
    // Coordinators and administrators read no client data, even one working at the hospital.
    let hospital_coordinator = {
        let conn = &mut *app.pool.get().unwrap();
        renkei::directory::create_user(
            conn,
            renkei::directory::NewUser {
                facility_code: "H1".into(),
                name: "院内 調整".into(),
                email: "coordinator@h1.example.jp".into(),
                role: renkei::directory::Role::Coordinator,
            },
        )
        .unwrap();
        renkei::auth::issue_token(conn, "coordinator@h1.example.jp", "test").unwrap().secret
    };
    for token in [&app.city().coordinator, &app.city().admin, &hospital_coordinator] {
        for path in [&document, &episode, &person, "/api/v1/documents/inbox", "/api/v1/episodes", "/api/v1/clients"] {
            let answer = app.get(path, token).await;
            assert_eq!(answer.status, 403, "{path}: {}", answer.body);
        }
    }
    assert_eq!(app.get(&document, "").await.status, 401);
    assert_eq!(app.get(&document, "renkei_0000").await.status, 401);
    assert_eq!(app.get(&document, &app.city().nurse).await.status, 200);
}

#[tokio::test]
async fn a_discharge_notice_goes_from_the_hospital_to_the_care_office_and_sets_the_planned_date() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-7)).await;
    assert_eq!(stay["care_office"]["code"], "C1", "a known client brings the care office");
    let episode_id = stay["id"].as_str().unwrap();
    let mut notice = fixture("discharge_notice_v1_full");
    notice["planned_discharge_date"] = json!(day(5));
    notice["conference"]["candidates"] = json!([format!("{}T16:00:00+09:00", day(2))]);

    let refused = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "discharge_notice", "recipient_facility_id": app.city().care_office, "episode_id": episode_id, "payload": notice}),
        )
        .await;
    assert_eq!(refused.status, 403, "a care manager does not send discharge notices");

    let sent = app
        .send_document(
            &app.city().nurse,
            &json!({"kind": "discharge_notice", "recipient_facility_id": app.city().care_office, "episode_id": episode_id, "payload": notice}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let inbox = app.inbox(&app.city().care_manager, "kind=discharge_notice&status=sent").await;
    assert_eq!(inbox.body.as_array().unwrap().len(), 1);
    let episode = app.episode(&app.city().care_manager, episode_id).await;
    assert_eq!(episode.body["planned_discharge_on"], day(5).as_str());
    assert_eq!(episode.body["contacts"][0]["direction"], "hospital_to_cm");
}

#[tokio::test]
async fn a_discharge_notice_planning_discharge_before_the_admission_or_a_year_ahead_is_refused() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-3)).await;
    let mut notice = fixture("discharge_notice_v1_minimal");
    // Before the admission, and a year or more ahead (a mistyped year).
    for planned in [day(-10), day(400)] {
        notice["planned_discharge_date"] = json!(planned);
        let refused = app
            .send_document(
                &app.city().nurse,
                &json!({"kind": "discharge_notice", "recipient_facility_id": app.city().care_office, "episode_id": stay["id"], "payload": notice}),
            )
            .await;
        assert_eq!(refused.status, 422, "{planned}: {}", refused.body);
        assert_eq!(pointers(&refused), ["/payload/planned_discharge_date"]);
    }
    assert_eq!(app.count("documents"), 0);
}

#[tokio::test]
async fn an_amendment_adds_a_revision_and_the_first_stays_readable() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let sheet = admission_sheet(&day(-1));
    let sent = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "client_id": client["id"], "payload": sheet}),
        )
        .await;
    let id = sent.body["id"].as_str().unwrap();
    app.acknowledge(&app.city().nurse, id).await;
    let mut corrected = sheet.clone();
    corrected["care_insurance"]["care_level"] = json!("要介護3");
    corrected["care_insurance"].as_object_mut().unwrap().remove("application_date");

    let amended = app.amend(&app.city().care_manager, id, &json!({"payload": corrected})).await;
    assert_eq!(amended.status, 201, "{}", amended.body);
    assert_eq!(amended.body["revision"], 2);
    assert_eq!(amended.body["status"], "sent", "the new revision waits for a new acknowledgement");
    let first = app.revision(&app.city().nurse, id, 1).await;
    assert_eq!(first.body["payload"]["care_insurance"]["care_level"], sheet["care_insurance"]["care_level"]);
    let current = app.document(&app.city().nurse, id).await;
    assert_eq!(current.body["payload"]["care_insurance"]["care_level"], "要介護3");
    assert_eq!(current.body["revisions"].as_array().unwrap().len(), 2);
    let by_hospital = app.amend(&app.city().nurse, id, &json!({"payload": corrected})).await;
    assert_eq!(by_hospital.status, 403);
}

#[tokio::test]
async fn an_admission_sheet_for_a_registered_stay_must_agree_with_its_admission_date() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-2)).await;
    let refused = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "episode_id": stay["id"], "payload": admission_sheet(&day(-4))}),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(pointers(&refused), ["/payload/header/admission_date"]);
    let to_wrong_hospital = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().other_hospital, "episode_id": stay["id"], "payload": admission_sheet(&day(-2))}),
        )
        .await;
    assert_eq!(to_wrong_hospital.status, 422);
    assert_eq!(app.count("documents"), 0);
}

#[tokio::test]
async fn malformed_bodies_are_told_apart_from_wrong_values() {
    let app = spawn_app().await;
    let raw = app
        .client
        .post(format!("{}/api/v1/documents", app.address))
        .bearer_auth(&app.city().care_manager)
        .header("content-type", "application/json")
        .body("{\"kind\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    let wrong_kind = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "love_letter", "recipient_facility_id": app.city().hospital, "payload": {}}),
        )
        .await;
    assert_eq!(wrong_kind.status, 422);
    assert_eq!(pointers(&wrong_kind), ["/kind"]);
}
