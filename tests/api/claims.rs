//! The 加算 through the API (docs/claims.md): a care office reads the tiers its records support,
//! with the contacts and documents behind them; a coordinator reads every office's without
//! names; the office's business calendar decides what is after hours. The tiers of random stays
//! full of edge cases are checked against the definitions by tests/claims/oracle.py.

use serde_json::{Value, json};

use crate::support::{Answer, TestApp, day, discharge_record, spawn_app};

async fn claims(app: &TestApp, token: &str, query: &str) -> Answer {
    app.get(&format!("/api/v1/claims?{query}"), token).await
}

fn contact(direction: &str, kind: &str, method: &str, on: &str) -> Value {
    json!({"direction": direction, "kind": kind, "method": method, "contacted_on": on})
}

#[tokio::test]
async fn a_care_office_reads_the_tiers_its_records_support_and_the_evidence_behind_them() {
    let app = spawn_app().await;
    let city = app.city();
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-14)).await;
    let episode = stay["id"].as_str().unwrap();
    // The admission sheet by FAX on the admission day, then again through Renkei (later: not the
    // first, so not the evidence).
    let faxed = app
        .record_contact(&city.care_manager, episode, &contact("cm_to_hospital", "admission_info", "fax", &day(-14)))
        .await;
    assert_eq!(faxed.status, 201, "{}", faxed.body);
    let notice = contact("hospital_to_cm", "discharge_notice", "phone", &day(-5));
    assert_eq!(app.record_contact(&city.nurse, episode, &notice).await.status, 201);
    let noise = contact("cm_to_hospital", "discharge_notice", "phone", &day(-4));
    assert_eq!(app.record_contact(&city.care_manager, episode, &noise).await.status, 201);
    let record = discharge_record(14, &[(3, "電話"), (1, "カンファレンス")]);
    let kept = json!({"kind": "discharge_record", "recipient_facility_id": city.care_office, "episode_id": episode, "payload": record});
    let sent = app.send_document(&city.care_manager, &kept).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let discharged =
        app.discharge(&city.nurse, episode, &json!({"discharged_on": day(-2), "destination": "home"})).await;
    assert_eq!(discharged.status, 200, "{}", discharged.body);

    let period = format!("from={}&to={}", day(-20), day(0));
    let answer = claims(&app, &city.care_manager, &period).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["period"], json!({"from": day(-20), "to": day(0)}));
    let stays = answer.body["stays"].as_array().unwrap();
    assert_eq!(stays.len(), 1);
    let claimed = &stays[0];
    assert_eq!(claimed["episode_id"], episode);
    assert_eq!(claimed["client"]["name"], "連携 花子");
    let admission = &claimed["admission_info_addition"];
    assert_eq!((admission["tier"].as_str(), admission["units"].as_u64()), (Some("I"), Some(250)), "{admission}");
    assert_eq!((admission["claimable"].as_bool(), admission["day"].as_i64()), (Some(true), Some(1)));
    assert_eq!(admission["evidence"].as_array().unwrap().len(), 1);
    assert_eq!(admission["evidence"][0]["method"], "fax");
    assert_eq!(admission["evidence"][0]["contacted_on"], day(-14));
    let discharge = &claimed["discharge_addition"];
    assert_eq!((discharge["tier"].as_str(), discharge["units"].as_u64()), (Some("III"), Some(900)), "{discharge}");
    assert_eq!(discharge["information_days"], json!([day(-5), day(-3), day(-1)]));
    assert_eq!((discharge["conference"].as_bool(), discharge["record"].as_bool()), (Some(true), Some(true)));
    assert!(discharge["evidence"].as_array().unwrap().iter().all(|e| e["direction"] == "hospital_to_cm"));
    assert!(discharge["evidence"].as_array().unwrap().iter().any(|e| e["document_id"] == sent.body["id"]));

    // A coordinator: every office's stays, without the clients' names; one office's on asking.
    let all = claims(&app, &city.coordinator, &period).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["stays"][0]["client"]["name"], Value::Null);
    assert_eq!(all.body["stays"][0]["discharge_addition"]["tier"], "III");
    let other = claims(&app, &city.coordinator, &format!("{period}&care_office={}", city.other_hospital)).await;
    assert_eq!(other.body["stays"], json!([]));
    // Another office sees nothing of it, and may not ask for it; a hospital has no 加算.
    assert_eq!(claims(&app, &city.other_care_manager, &period).await.body["stays"], json!([]));
    let asked = format!("{period}&care_office={}", city.care_office);
    assert_eq!(claims(&app, &city.other_care_manager, &asked).await.status, 403);
    assert_eq!(claims(&app, &city.nurse, &period).await.status, 403);

    // The CSV for the office's 請求 staff: Excel's UTF-8, a header and one row per stay.
    let csv =
        app.client.get(format!("{}/api/v1/claims?{period}&format=csv", app.address)).bearer_auth(&city.care_manager);
    let csv = csv.send().await.unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = csv.bytes().await.unwrap();
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a byte order mark")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].starts_with("連携 花子,") && lines[1].contains("（Ⅰ）,250,算定可") && lines[1].contains("（Ⅲ）,900")
    );

    let backwards = claims(&app, &city.care_manager, &format!("from={}&to={}", day(0), day(-1))).await;
    assert_eq!(backwards.status, 422);
    assert_eq!(backwards.body["errors"][0]["pointer"], "/to");
}

#[tokio::test]
async fn the_office_calendar_decides_what_is_a_day_off_and_after_hours() {
    let app = spawn_app().await;
    let city = app.city();
    app.client_of_care_office("0100000001").await;
    // Saturday 2026-11-21 at 10:00; the sheet by phone on Sunday (day 2).
    let admitted = app
        .register_admission(
            &city.nurse,
            &json!({"client": {"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female",
                               "insurance_number": "0100000001"},
                    "admitted_on": "2026-11-21", "admitted_at": "2026-11-21T10:00:00+09:00"}),
        )
        .await;
    assert_eq!(admitted.status, 201, "{}", admitted.body);
    let episode = admitted.body["id"].as_str().unwrap();
    let phoned = contact("cm_to_hospital", "admission_info", "phone", "2026-11-22");
    assert_eq!(app.record_contact(&city.care_manager, episode, &phoned).await.status, 201);
    let period = "from=2026-11-01&to=2026-11-30";
    let tier = |answer: &Value| answer["stays"][0]["admission_info_addition"].clone();

    let path = format!("/api/v1/facilities/{}/calendar", city.care_office);
    let default = app.get(&path, &city.nurse).await;
    assert_eq!(default.status, 200);
    assert_eq!(default.body["set"], false);
    assert_eq!(default.body["weekdays"], json!(["mon", "tue", "wed", "thu", "fri"]));
    assert_eq!(default.body["closed_days"], json!(["12-29..01-03"]));
    let before = tier(&claims(&app, &city.care_manager, period).await.body);
    assert_eq!(
        (before["tier"].as_str(), before["business_day"].as_bool()),
        (Some("I"), Some(false)),
        "a Saturday: {before}"
    );

    let wrong = json!({"weekdays": ["mon", "someday"], "closing_time": "25:00", "national_holidays": "closed", "closed_days": ["13-01"]});
    let refused = app.put(&path, &city.care_manager, &wrong).await;
    assert_eq!(refused.status, 422);
    let pointers: Vec<&str> =
        refused.body["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/weekdays/1", "/closing_time", "/closed_days/0"]);
    assert_eq!(app.get(&path, &city.nurse).await.body["set"], false, "nothing was stored");

    let saturdays = json!({"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"], "closing_time": "09:30",
                           "national_holidays": "closed", "closed_days": ["12-29..01-03", "2026-08-14"]});
    assert_eq!(app.put(&path, &city.other_care_manager, &saturdays).await.status, 403, "another office's");
    let set = app.put(&path, &city.care_manager, &saturdays).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["set"], true);
    let after = tier(&claims(&app, &city.care_manager, period).await.body);
    assert_eq!(
        (after["tier"].as_str(), after["business_day"].as_bool(), after["after_hours"].as_bool()),
        (Some("I"), Some(true), Some(true)),
        "a business Saturday, after its closing at 09:30: {after}"
    );
    let later = json!({"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"], "closing_time": "18:00",
                       "national_holidays": "closed", "closed_days": []});
    assert_eq!(app.put(&path, &city.care_manager, &later).await.status, 200);
    let within = tier(&claims(&app, &city.care_manager, period).await.body);
    assert_eq!((within["tier"].as_str(), within["after_hours"].as_bool()), (Some("II"), Some(false)), "{within}");
}
