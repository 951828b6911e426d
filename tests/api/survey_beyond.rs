//! The survey's figures beyond the rates through the API (docs/survey.md "Figures beyond the
//! rates"): a patient without a care manager notified to the 地域包括支援センター and assigned a
//! care office is counted apart from the rates; documents are timed from sending to reading
//! and acknowledgement; facilities take part per kind; the channels say how stays were
//! contacted. (The same figures over random imported records: tests/survey/oracle.py.)

use serde_json::{Value, json};

use crate::support::{TestApp, admission_sheet, day, fixture, spawn_app};
use renkei::directory::{FacilityKind, Role};

/// A stay registered by the hospital for a person without a care office.
async fn without_care_office(app: &TestApp, insurance_number: &str, admitted_on: &str) -> String {
    let registered = app
        .register_admission(
            &app.city().nurse,
            &json!({"client": {"name": "入江 正男", "name_kana": "イリエ マサオ", "birth_date": "1960-03-15", "sex": "male",
                               "insurance_number": insurance_number},
                    "admitted_on": admitted_on}),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    registered.body["id"].as_str().unwrap().to_owned()
}

/// Sets a document's times (UTC, `YYYY-MM-DD HH:MM:SS`): Renkei stamps them with the clock.
fn set_times(app: &TestApp, document: &str, sent: &str, read: &str, acknowledged: &str) {
    use diesel::RunQueryDsl;
    let conn = &mut *app.pool.get().unwrap();
    let at = |t: &str| if t.is_empty() { "NULL".to_owned() } else { format!("'{t}'") };
    diesel::sql_query(format!(
        "UPDATE documents SET sent_at = '{sent}', first_read_at = {}, acknowledged_at = {} WHERE id = '{document}'",
        at(read),
        at(acknowledged)
    ))
    .execute(conn)
    .unwrap();
}

fn kind<'a>(list: &'a Value, kind: &str) -> &'a Value {
    list.as_array().unwrap().iter().find(|entry| entry["kind"] == kind).unwrap()
}

#[tokio::test]
async fn a_patient_without_a_care_manager_is_counted_apart_and_documents_are_timed() {
    let app = spawn_app().await;
    let centre = app.facility_with_user(
        "S1",
        "連携市地域包括支援センター",
        FacilityKind::SupportCenter,
        "連携市",
        "centre@example.jp",
        Role::CareManager,
    );
    let centre_id = app.facilities(&app.city().nurse, "kind=support_center").await.body[0]["id"].clone();

    // Pathway B: 入院連絡 to the centre, which assigns さくら居宅 two days after the admission.
    let assigned = without_care_office(&app, "0100000091", &day(-5)).await;
    let mut notice = fixture("admission_notice_v1_full");
    notice["admission_date"] = json!(day(-5));
    notice["admitted_at"] = json!(format!("{}T10:00:00+09:00", day(-5)));
    notice["planned_discharge_date"] = json!(day(10));
    let sent = app
        .send_document(
            &app.city().nurse,
            &json!({"kind": "admission_notice", "recipient_facility_id": centre_id, "episode_id": assigned, "payload": notice}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let notice_id = sent.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.document(&centre, &notice_id).await.status, 200, "the centre reads it");
    assert_eq!(app.acknowledge(&centre, &notice_id).await.status, 200, "and acknowledges it");
    let assignment = json!({"care_office_id": app.city().care_office, "assigned_on": day(-3)});
    let answer = app.post(&format!("/api/v1/episodes/{assigned}/care-assignment"), &centre, &assignment).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    // Another such stay, nobody notified yet.
    without_care_office(&app, "0100000092", &day(-4)).await;

    // Pathway A: one stay whose sheet went through Renkei; another whose sheet came by FAX and
    // whose discharge notice by phone.
    let client = app.client_of_care_office("0100000001").await;
    app.admission("0100000001", &day(-10)).await;
    let sheet = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "client_id": client["id"],
                    "payload": admission_sheet(&day(-10))}),
        )
        .await;
    assert_eq!(sheet.status, 201, "{}", sheet.body);
    let sheet = sheet.body;
    app.client_of_care_office("0100000002").await;
    let stay = app.admission("0100000002", &day(-12)).await;
    let episode = stay["id"].as_str().unwrap();
    for (token, contact) in [
        (
            &app.city().care_manager,
            json!({"direction": "cm_to_hospital", "kind": "admission_info", "method": "fax", "contacted_on": day(-12)}),
        ),
        (
            &app.city().nurse,
            json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "phone", "contacted_on": day(-6)}),
        ),
    ] {
        let recorded = app.record_contact(token, episode, &contact).await;
        assert_eq!(recorded.status, 201, "{}", recorded.body);
    }
    let discharged =
        app.discharge(&app.city().nurse, episode, &json!({"discharged_on": day(-1), "destination": "home"})).await;
    assert_eq!(discharged.status, 200, "{}", discharged.body);

    // Times set as a week would have them: the 入院連絡 read after 90 minutes and acknowledged
    // the next day; the sheet read after 30 minutes, not acknowledged.
    set_times(
        &app,
        &notice_id,
        &format!("{} 01:00:00", day(-5)),
        &format!("{} 02:30:00", day(-5)),
        &format!("{} 03:00:00", day(-4)),
    );
    let sheet_id = sheet["id"].as_str().unwrap();
    set_times(&app, sheet_id, &format!("{} 00:00:00", day(-9)), &format!("{} 00:30:00", day(-9)), "");

    let period = format!("from={}&to={}", day(-30), day(0));
    let result = app.survey(&app.city().coordinator, &period).await;
    assert_eq!(result.status, 200, "{}", result.body);
    let body = &result.body;
    assert_eq!(
        body["without_care_manager"],
        json!({"stays": 2, "admission_notice": 1, "assigned": 1, "median_days_to_assignment": 2.0})
    );
    assert_eq!(body["admission"]["cohort"], 2, "the stays without a care office at admission stay outside");
    assert_eq!(body["discharge"]["cohort"], 1);
    assert_eq!(
        body["admission"]["method"],
        json!({"system": 1, "visit": 0, "conference": 0, "video": 0, "phone": 0, "fax": 1, "mail": 0})
    );
    assert_eq!(body["discharge"]["method"]["phone"], 1);

    let speed = &body["speed"];
    assert_eq!(speed.as_array().unwrap().len(), 7, "every kind of document");
    assert_eq!(
        kind(speed, "admission_notice"),
        &json!({"kind": "admission_notice", "label": "入院連絡", "sent": 1, "read": 1, "acknowledged": 1,
                "hours_to_read": {"median": 1.5, "p90": 1.5}, "hours_to_acknowledgement": {"median": 26.0, "p90": 26.0}})
    );
    let sheets = kind(speed, "admission_info");
    assert_eq!(
        (sheets["sent"].clone(), sheets["read"].clone(), sheets["acknowledged"].clone()),
        (json!(1), json!(1), json!(0))
    );
    assert_eq!(sheets["hours_to_read"]["median"], 0.5);
    assert_eq!(sheets["hours_to_acknowledgement"], json!({"median": null, "p90": null}));

    // Participation: no seeded user has a password until one is given.
    let participation = &body["participation"];
    let centres = kind(participation, "support_center");
    assert_eq!((centres["facilities"].clone(), centres["with_active_user"].clone()), (json!(1), json!(0)));
    assert_eq!(centres["exchanging"], 1, "received the 入院連絡");
    let offices = kind(participation, "care_office");
    assert_eq!(offices["exchanging"], 1, "sent the sheet");
    app.give_password("centre@example.jp");
    let again = app.survey(&app.city().coordinator, &period).await;
    assert_eq!(kind(&again.body["participation"], "support_center")["with_active_user"], 1);

    // Before the documents were sent, nothing was exchanged.
    let earlier = app.survey(&app.city().coordinator, &format!("from={}&to={}", day(-60), day(-31))).await;
    assert!(earlier.body["participation"].as_array().unwrap().iter().all(|k| k["exchanging"] == 0));
    assert!(earlier.body["speed"].as_array().unwrap().iter().all(|k| k["sent"] == 0));

    // The assigned stay's discharge and a late sheet change nothing in the rates, and the daily
    // counts still agree with the stays themselves (they never held the stay).
    let late =
        json!({"direction": "cm_to_hospital", "kind": "admission_info", "method": "phone", "contacted_on": day(0)});
    assert_eq!(app.record_contact(&app.city().care_manager, &assigned, &late).await.status, 201);
    let out =
        app.discharge(&app.city().nurse, &assigned, &json!({"discharged_on": day(0), "destination": "home"})).await;
    assert_eq!(out.status, 200, "{}", out.body);
    let after = app.survey(&app.city().coordinator, &period).await.body;
    assert_eq!(
        (after["admission"].clone(), after["discharge"]["cohort"].clone()),
        (body["admission"].clone(), json!(1))
    );
    let conn = &mut *app.pool.get().unwrap();
    let rules = renkei::survey::rules::select("default").unwrap();
    let (from, to) = (day(-30).parse().ok(), day(0).parse().ok());
    let query = renkei::survey::SurveyQuery::new(from, to, None, None).unwrap();
    let mut figures = |source| {
        serde_json::to_value(
            renkei::survey::compute_extent(conn, &rules, &query, source, renkei::survey::Extent::RatesOnly).unwrap(),
        )
    };
    let fast = figures(renkei::survey::store::Source::Fastest).unwrap();
    assert_eq!(fast, figures(renkei::survey::store::Source::Stays).unwrap());

    // The CSV carries the same figures in tables of their own.
    let csv = app.survey(&app.city().coordinator, &format!("{period}&format=csv")).await;
    let text = csv.body.as_str().unwrap();
    assert!(text.contains("入院連絡,1,1,1,1.5,1.5,26.0,26.0"), "{text}");
    assert!(text.contains("全体,2,1,1,2"), "{text}");
}
