//! Admissions, discharges and contacts recorded outside Renkei.

use serde_json::json;

use crate::support::{day, pointers, spawn_app};

#[tokio::test]
async fn a_hospital_finds_the_care_office_and_care_manager_of_a_known_client() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-1)).await;
    assert_eq!(stay["care_office"]["name"], "さくら居宅");
    assert_eq!(stay["care_manager"]["name"], "担当者");
    assert_eq!(stay["client"]["care_level"], "要介護2");
    // The care office now sees the stay too.
    let seen = app.episode(&app.city().care_manager, stay["id"].as_str().unwrap()).await;
    assert_eq!(seen.status, 200);

    let again = app
        .register_admission(
            &app.city().nurse,
            &json!({"client": {"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female", "insurance_number": "0100000001"},
                    "admitted_on": day(0)}),
        )
        .await;
    assert_eq!(again.status, 409, "a second open stay at the same hospital is refused");
}

#[tokio::test]
async fn a_discharge_before_admission_or_in_the_future_is_refused_and_a_proper_one_recorded() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-10)).await;
    let id = stay["id"].as_str().unwrap();

    for bad in [day(-11), day(1)] {
        let refused = app.discharge(&app.city().nurse, id, &json!({"discharged_on": bad, "destination": "home"})).await;
        assert_eq!(refused.status, 422, "{bad}: {}", refused.body);
        assert_eq!(pointers(&refused), ["/discharged_on"]);
    }
    let by_care_manager =
        app.discharge(&app.city().care_manager, id, &json!({"discharged_on": day(-1), "destination": "home"})).await;
    assert_eq!(by_care_manager.status, 403);
    let recorded =
        app.discharge(&app.city().nurse, id, &json!({"discharged_on": day(-1), "destination": "death"})).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    assert_eq!(recorded.body["destination"], "death");
    let changed = app.discharge(&app.city().nurse, id, &json!({"discharged_on": day(0), "destination": "home"})).await;
    assert_eq!(changed.status, 409, "a recorded discharge is not overwritten");
}

#[tokio::test]
async fn the_hospital_sets_changes_and_clears_the_planned_discharge_while_the_patient_is_in_hospital() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-10)).await;
    let id = stay["id"].as_str().unwrap();
    let planned = |answer: &crate::support::Answer| answer.body["planned_discharge_on"].clone();

    let set = app.plan_discharge(&app.city().nurse, id, &json!({"planned_discharge_on": day(5)})).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(planned(&set), json!(day(5)));
    let moved = app.plan_discharge(&app.city().nurse, id, &json!({"planned_discharge_on": day(8)})).await;
    assert_eq!(planned(&moved), json!(day(8)));

    let before_admission = app.plan_discharge(&app.city().nurse, id, &json!({"planned_discharge_on": day(-11)})).await;
    assert_eq!(before_admission.status, 422, "{}", before_admission.body);
    assert_eq!(pointers(&before_admission), ["/planned_discharge_on"]);
    let next_year = app.plan_discharge(&app.city().nurse, id, &json!({"planned_discharge_on": day(400)})).await;
    assert_eq!(next_year.status, 422, "a mistyped year");
    assert_eq!(pointers(&next_year), ["/planned_discharge_on"]);
    let by_care_manager =
        app.plan_discharge(&app.city().care_manager, id, &json!({"planned_discharge_on": day(2)})).await;
    assert_eq!(by_care_manager.status, 403);
    let seen = app.episode(&app.city().care_manager, id).await;
    assert_eq!(planned(&seen), json!(day(8)), "refused changes store nothing; the care office sees the date");

    let cleared = app.plan_discharge(&app.city().nurse, id, &json!({"planned_discharge_on": null})).await;
    assert_eq!(cleared.status, 200);
    assert_eq!(planned(&cleared), json!(null), "未定 again");

    let discharged =
        app.discharge(&app.city().nurse, id, &json!({"discharged_on": day(0), "destination": "home"})).await;
    assert_eq!(discharged.status, 200);
    let after = app.plan_discharge(&app.city().nurse, id, &json!({"planned_discharge_on": day(3)})).await;
    assert_eq!(after.status, 409, "a stay that ended has no plan to change");
}

#[tokio::test]
async fn a_phone_call_is_recorded_as_a_contact_by_either_party_only() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-4)).await;
    let id = stay["id"].as_str().unwrap();
    let call =
        json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "phone", "contacted_on": day(-1)});

    let recorded = app.record_contact(&app.city().care_manager, id, &call).await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    assert_eq!(recorded.body["method"], "phone");
    let outsider = app.record_contact(&app.city().other_care_manager, id, &call).await;
    assert_eq!(outsider.status, 404);
    let system = app.record_contact(&app.city().nurse, id, &json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "system", "contacted_on": day(-1)})).await;
    assert_eq!(system.status, 422);
    let future = app
        .record_contact(
            &app.city().nurse,
            id,
            &json!({"direction": "hospital_to_cm", "kind": "other", "method": "fax", "contacted_on": day(3)}),
        )
        .await;
    assert_eq!(pointers(&future), ["/contacted_on"]);
    assert_eq!(app.count("contacts"), 1);

    // A time later than now is refused at its field (a call at 10:30 recorded at 07:50); one an
    // hour ago is taken.
    let at = |hours: i64| {
        let at = renkei::calendar::in_japan(renkei::calendar::now()) + chrono::Duration::hours(hours);
        json!({"direction": "hospital_to_cm", "kind": "other", "method": "phone",
               "contacted_on": at.date_naive(), "contacted_at": at.to_rfc3339()})
    };
    let ahead = app.record_contact(&app.city().nurse, id, &at(2)).await;
    assert_eq!(pointers(&ahead), ["/contacted_at"]);
    assert!(ahead.body["errors"][0]["message"].as_str().unwrap().contains("未来"), "{}", ahead.body);
    assert_eq!(app.record_contact(&app.city().nurse, id, &at(-1)).await.status, 201);
    assert_eq!(app.count("contacts"), 2);
}

#[tokio::test]
async fn a_client_with_bad_details_is_refused_field_by_field() {
    let app = spawn_app().await;
    let refused = app
        .register_client(
            &app.city().care_manager,
            &json!({"name": "", "name_kana": "hanako", "birth_date": day(3), "sex": "female", "insurance_number": "12AB", "care_level": "要介護9"}),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(pointers(&refused), ["/name", "/name_kana", "/birth_date", "/insurance_number", "/care_level"]);
    let by_nurse = app
        .register_client(
            &app.city().nurse,
            &json!({"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female"}),
        )
        .await;
    assert_eq!(by_nurse.status, 403);
    assert_eq!(app.count("clients"), 0);
}
