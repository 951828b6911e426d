//! Corrections without fear: a discharge recorded by mistake is corrected (another date or
//! destination) or withdrawn by its hospital with a reason; without one the recorded discharge
//! stands (409); every correction is kept on the stay, and the survey's daily counts follow
//! exactly (the same figures as from the stays themselves, on both engines). A contact keeps a
//! note, and one recorded by mistake is withdrawn with a reason by the facility that recorded it:
//! kept on the stay, counted no more.

use serde_json::{Value, json};

use crate::support::{TestApp, day, pointers, spawn_app};

/// The survey of the last 30 days from the daily counts, checked against the stays themselves.
fn survey(app: &TestApp) -> Value {
    use renkei::survey::store::Source;
    let conn = &mut *app.pool.get().unwrap();
    let rules = renkei::survey::rules::select("default").unwrap();
    let query = renkei::survey::SurveyQuery::new(day(-30).parse().ok(), day(0).parse().ok(), None, None).unwrap();
    let mut figures = |source| {
        serde_json::to_value(
            renkei::survey::compute_extent(conn, &rules, &query, source, renkei::survey::Extent::RatesOnly).unwrap(),
        )
    };
    let fast = figures(Source::Fastest).unwrap();
    assert_eq!(fast, figures(Source::Stays).unwrap(), "the daily counts follow the corrections");
    fast
}

#[tokio::test]
async fn a_mistaken_discharge_is_corrected_or_withdrawn_with_a_reason_and_the_survey_follows() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-10)).await;
    let id = stay["id"].as_str().unwrap();
    let notice =
        json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "phone", "contacted_on": day(-6)});
    assert_eq!(app.record_contact(&app.city().nurse, id, &notice).await.status, 201);
    let nurse = &app.city().nurse;
    // Recorded today by mistake (the patient leaves in two days, so no: recorded as yesterday).
    let recorded = app.discharge(nurse, id, &json!({"discharged_on": day(-1), "destination": "home"})).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    assert_eq!(survey(&app)["discharge"]["lead_time"]["5-7"], 1, "notified 5 days ahead of the 1st discharge");

    // Another date without a reason: the recorded discharge stands.
    let bare = app.discharge(nurse, id, &json!({"discharged_on": day(-3), "destination": "facility"})).await;
    assert_eq!(bare.status, 409, "{}", bare.body);
    assert!(bare.body["detail"].as_str().unwrap().contains("訂正の理由"), "{}", bare.body);
    let blank = json!({"discharged_on": day(-3), "destination": "facility", "correction_reason": "  "});
    assert_eq!(app.discharge(nurse, id, &blank).await.status, 409);
    let future = json!({"discharged_on": day(1), "destination": "home", "correction_reason": "日付の誤り"});
    let refused = app.discharge(nurse, id, &future).await;
    assert_eq!((refused.status, pointers(&refused)), (422, vec!["/discharged_on".to_owned()]));
    let by_care_manager = json!({"discharged_on": day(-3), "destination": "home", "correction_reason": "誤り"});
    assert_eq!(app.discharge(&app.city().care_manager, id, &by_care_manager).await.status, 403);
    assert_eq!(app.episode(nurse, id).await.body["discharged_on"], day(-1).as_str(), "nothing changed");

    // With a reason: corrected, kept, and counted anew (notified 3 days ahead now).
    let reason = "退院日を誤って入力したため";
    let corrected = app
        .discharge(
            nurse,
            id,
            &json!({"discharged_on": day(-3), "destination": "facility", "correction_reason": reason}),
        )
        .await;
    assert_eq!(corrected.status, 200, "{}", corrected.body);
    assert_eq!(
        (corrected.body["discharged_on"].as_str(), corrected.body["destination"].as_str()),
        (Some(day(-3).as_str()), Some("facility"))
    );
    let kept = &corrected.body["discharge_corrections"][0];
    assert_eq!(kept["previous_discharged_on"], day(-1).as_str());
    assert_eq!((kept["discharged_on"].as_str(), kept["reason"].as_str()), (Some(day(-3).as_str()), Some(reason)));
    assert_eq!(kept["corrected_by"]["id"], app.me(nurse).await.body["user_id"]);
    let figures = survey(&app);
    assert_eq!(
        (figures["discharge"]["lead_time"]["5-7"].clone(), figures["discharge"]["lead_time"]["2-4"].clone()),
        (json!(0), json!(1))
    );
    // Posting the discharge as it now stands again changes nothing (a retry).
    let again = app.discharge(nurse, id, &json!({"discharged_on": day(-3), "destination": "facility"})).await;
    assert_eq!((again.status, again.body["discharge_corrections"].as_array().map(Vec::len)), (200, Some(1)));

    // Withdrawn: in hospital again, out of the discharge cohort, both corrections kept.
    let path = format!("/api/v1/episodes/{id}/discharge/withdrawal");
    let no_reason = app.post(&path, nurse, &json!({"correction_reason": ""})).await;
    assert_eq!((no_reason.status, pointers(&no_reason)), (422, vec!["/correction_reason".to_owned()]));
    assert_eq!(app.post(&path, &app.city().other_nurse, &json!({"correction_reason": "誤り"})).await.status, 404);
    let withdrawn = app.post(&path, nurse, &json!({"correction_reason": "まだ入院中の方でした"})).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert_eq!(withdrawn.body["discharged_on"], Value::Null);
    assert_eq!(withdrawn.body["discharge_corrections"][1]["discharged_on"], Value::Null);
    let figures = survey(&app);
    assert_eq!(
        (figures["discharge"]["cohort"].clone(), figures["discharge"]["in_hospital"].clone()),
        (json!(0), json!(1))
    );
    let twice = app.post(&path, nurse, &json!({"correction_reason": "もう一度"})).await;
    assert_eq!(twice.status, 409, "nothing left to withdraw");
    // Discharged again, the proper day.
    let proper = app.discharge(nurse, id, &json!({"discharged_on": day(0), "destination": "home"})).await;
    assert_eq!(proper.status, 200, "{}", proper.body);
    assert_eq!(survey(&app)["discharge"]["lead_time"]["5-7"], 1);
}

#[tokio::test]
async fn a_contact_keeps_its_note_and_one_recorded_by_mistake_is_withdrawn_with_a_reason_and_counts_no_more() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-10)).await;
    let id = stay["id"].as_str().unwrap();
    let nurse = &app.city().nurse;
    let note = "退院後は週2回の訪問介護を再開。\n手すりの追加を退院前に調整する";
    let notice = json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "phone",
                        "contacted_on": day(-6), "note": format!("  {note} ")});
    let kept = app.record_contact(nurse, id, &notice).await;
    assert_eq!(kept.status, 201, "{}", kept.body);
    assert_eq!(kept.body["note"], note, "the note as typed, trimmed");
    let long = json!({"direction": "hospital_to_cm", "kind": "other", "method": "phone", "contacted_on": day(-6),
                      "note": "あ".repeat(1001)});
    let refused = app.record_contact(nurse, id, &long).await;
    assert_eq!((refused.status, pointers(&refused)), (422, vec!["/note".to_owned()]));
    let recorded = app.discharge(nurse, id, &json!({"discharged_on": day(-1), "destination": "home"})).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    assert_eq!(survey(&app)["discharge"]["lead_time"]["5-7"], 1, "notified 5 days ahead");

    // A call recorded on the wrong stay, earlier: it would count as the first discharge contact.
    let mistaken = json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "fax",
                          "contacted_on": day(-9)});
    let mistaken = app.record_contact(nurse, id, &mistaken).await;
    assert_eq!(mistaken.status, 201);
    assert_eq!(survey(&app)["discharge"]["lead_time"]["5-7"], 0, "now counted 8 days ahead");
    let withdrawal = format!("/api/v1/episodes/{id}/contacts/{}/withdrawal", mistaken.body["id"].as_str().unwrap());

    let bare = app.post(&withdrawal, nurse, &json!({"correction_reason": " "})).await;
    assert_eq!((bare.status, pointers(&bare)), (422, vec!["/correction_reason".to_owned()]));
    let reason = "別の患者さんの入院に記録したため";
    let by_other_party = app.post(&withdrawal, &app.city().care_manager, &json!({"correction_reason": reason})).await;
    assert_eq!(by_other_party.status, 403, "the care office did not record it: {}", by_other_party.body);
    assert_eq!(app.post(&withdrawal, &app.city().other_nurse, &json!({"correction_reason": reason})).await.status, 404);
    assert_eq!(survey(&app)["discharge"]["lead_time"]["5-7"], 0, "nothing changed");

    let withdrawn = app.post(&withdrawal, nurse, &json!({"correction_reason": reason})).await;
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert_eq!(withdrawn.body["withdrawal"]["reason"], reason);
    assert_eq!(survey(&app)["discharge"]["lead_time"]["5-7"], 1, "counted 5 days ahead again");
    assert_eq!(app.post(&withdrawal, nurse, &json!({"correction_reason": reason})).await.status, 409, "once");
    // Nothing deleted: the stay still lists it, marked, with who withdrew it.
    let detail = app.episode(nurse, id).await.body;
    let contacts = detail["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 2, "{detail}");
    let marked = contacts.iter().find(|c| c["id"] == withdrawn.body["id"]).unwrap();
    assert_eq!(marked["withdrawal"]["reason"], reason);
    assert!(marked["withdrawal"]["withdrawn_by"].is_string());

    // A document's contact follows its document: amended, not withdrawn.
    let sheet = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "episode_id": id,
                    "payload": crate::support::admission_sheet(&day(-10))}),
        )
        .await;
    assert_eq!(sheet.status, 201, "{}", sheet.body);
    let sheet = sheet.body;
    let detail = app.episode(nurse, id).await.body;
    let by_document = detail["contacts"].as_array().unwrap().iter().find(|c| c["document_id"] == sheet["id"]);
    let by_document = by_document.unwrap_or_else(|| panic!("{sheet} {detail}"));
    let path = format!("/api/v1/episodes/{id}/contacts/{}/withdrawal", by_document["id"].as_str().unwrap());
    let refused = app.post(&path, &app.city().care_manager, &json!({"correction_reason": reason})).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(refused.body["detail"].as_str().unwrap().contains("書類を訂正"), "{}", refused.body);
}
