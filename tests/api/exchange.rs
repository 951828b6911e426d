//! The handbook's exchanges beyond the admission sheet and the discharge notice: the hospital's
//! 入院連絡 (to the care manager, or to the 地域包括支援センター when there is none) and its
//! 診療情報提供書(退院時), the care manager's 退院・退所情報記録書, and the 退院前カンファレンス with its
//! answers, each a document with its schema, its contact and its mail.

use renkei::directory::{FacilityKind, Role};
use serde_json::{Value, json};

use crate::support::{Answer, TestApp, day, discharge_record, fixture, pointers, spawn_app};

/// A stay of a known client at the city's hospital, admitted `days_ago`.
async fn stay(app: &TestApp, days_ago: i64) -> Value {
    app.client_of_care_office("0100000001").await;
    app.admission("0100000001", &day(-days_ago)).await
}

/// The 入院連絡 of the example (about 入江 正男, who has no care manager), admitted on a day.
fn admission_notice(admitted_on: &str) -> Value {
    let mut notice = fixture("admission_notice_v1_full");
    notice["admission_date"] = json!(admitted_on);
    notice["admitted_at"] = json!(format!("{admitted_on}T10:00:00+09:00"));
    notice["planned_discharge_date"] = json!(day(10));
    notice
}

/// The same 入院連絡 about 連携 花子, the client of `stay` (a sheet's 患者 is its stay's client).
fn admission_notice_of_hanako(admitted_on: &str) -> Value {
    let mut notice = admission_notice(admitted_on);
    notice["patient"] =
        json!({"name": "連携 花子", "name_kana": "レンケイ ハナコ", "sex": "女", "birth_date": "1940-02-11"});
    notice
}

#[tokio::test]
async fn every_published_kind_is_listed_with_its_japanese_title() {
    let app = spawn_app().await;
    let list = app.get("/api/v1/schemas", "").await;
    let titles: Vec<(String, String)> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["kind"].as_str().unwrap().to_owned(), s["title"].as_str().unwrap().to_owned()))
        .collect();
    for (kind, title) in [
        ("admission_info", "入院時情報提供書"),
        ("discharge_notice", "退院連絡"),
        ("admission_notice", "入院連絡"),
        ("discharge_referral", "診療情報提供書(退院時)"),
        ("discharge_record", "退院・退所情報記録書"),
        ("discharge_conference", "退院前カンファレンス"),
        ("conference_answer", "退院前カンファレンスへの回答"),
    ] {
        assert!(titles.iter().any(|(k, t)| k == kind && t.contains(title)), "{kind} {title} in {titles:?}");
    }
}

#[tokio::test]
async fn an_admission_notice_reaches_the_care_manager_as_a_contact_on_the_stay() {
    let app = spawn_app().await;
    let stay = stay(&app, 1).await;
    let mut notice = admission_notice_of_hanako(&day(-1));
    notice["care_manager"] = json!("あり");
    notice.as_object_mut().unwrap().remove("no_care_manager");
    let body = json!({"kind": "admission_notice", "recipient_facility_id": app.city().care_office, "episode_id": stay["id"], "payload": notice});

    let refused = app.send_document(&app.city().care_manager, &body).await;
    assert_eq!(refused.status, 403, "a care manager does not send the hospital's 入院連絡");

    let sent = app.send_document(&app.city().nurse, &body).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["kind_label"], "入院連絡");
    let inbox = app.inbox(&app.city().care_manager, "kind=admission_notice").await;
    assert_eq!(inbox.body.as_array().unwrap().len(), 1);
    let read = app.document(&app.city().care_manager, sent.body["id"].as_str().unwrap()).await;
    assert_eq!(read.body["payload"]["ward"], notice["ward"]);

    let episode = app.episode(&app.city().care_manager, stay["id"].as_str().unwrap()).await;
    let contact = &episode.body["contacts"][0];
    assert_eq!(
        (contact["direction"].as_str(), contact["kind"].as_str()),
        (Some("hospital_to_cm"), Some("admission_notice"))
    );
    assert_eq!(episode.body["planned_discharge_on"], day(10).as_str(), "the notice's 退院予定日 is the stay's");
}

#[tokio::test]
async fn an_admission_notice_that_contradicts_the_stay_is_refused_and_nothing_is_stored() {
    let app = spawn_app().await;
    let stay = stay(&app, 3).await;
    // The hospital registered the admission three days ago; the notice says yesterday, at a
    // time on another day.
    let mut notice = admission_notice_of_hanako(&day(-1));
    notice["admitted_at"] = json!(format!("{}T10:00:00+09:00", day(-2)));
    let body = json!({"kind": "admission_notice", "recipient_facility_id": app.city().care_office, "episode_id": stay["id"], "payload": notice});
    let refused = app.send_document(&app.city().nurse, &body).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(pointers(&refused), ["/payload/admission_date", "/payload/admitted_at"]);
    assert!(refused.body["errors"][0]["message"].as_str().unwrap().contains("登録された入院日"));
    assert_eq!(app.count("documents"), 0);
    assert_eq!(app.count("contacts"), 0);
}

#[tokio::test]
async fn without_a_care_manager_the_admission_notice_goes_to_the_support_centre() {
    let app = spawn_app().await;
    let centre_user = app.facility_with_user(
        "S1",
        "連携市地域包括支援センター",
        FacilityKind::SupportCenter,
        "連携市",
        "centre@example.jp",
        Role::CareManager,
    );
    let centre = app.facilities(&app.city().nurse, "kind=support_center").await;
    let centre_id = centre.body.as_array().unwrap().iter().find(|f| f["code"] == "S1").unwrap()["id"].clone();
    // A person the hospital registers without a care office.
    let registered = app
        .register_admission(
            &app.city().nurse,
            &json!({"client": {"name": "入江 正男", "name_kana": "イリエ マサオ", "birth_date": "1960-03-15", "sex": "male",
                               "insurance_number": "0100000099"},
                    "admitted_on": day(-1)}),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    assert!(registered.body["care_office"].is_null());

    // To another hospital: refused, saying to whom it goes.
    let notice = admission_notice(&day(-1));
    let to_hospital = json!({"kind": "admission_notice", "recipient_facility_id": app.city().other_hospital, "episode_id": registered.body["id"], "payload": notice});
    let refused = app.send_document(&app.city().nurse, &to_hospital).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body["errors"][0]["message"].as_str().unwrap().contains("地域包括支援センター"),
        "{}",
        refused.body
    );

    let body = json!({"kind": "admission_notice", "recipient_facility_id": centre_id, "episode_id": registered.body["id"], "payload": notice});
    let sent = app.send_document(&app.city().nurse, &body).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let inbox = app.inbox(&centre_user, "kind=admission_notice").await;
    assert_eq!(inbox.body.as_array().unwrap().len(), 1, "{}", inbox.body);
    let read = app.document(&centre_user, sent.body["id"].as_str().unwrap()).await;
    assert_eq!(read.body["payload"]["no_care_manager"]["reason"], "その他");
    // The care office that has nothing to do with this person does not see it.
    let elsewhere = app.document(&app.city().care_manager, sent.body["id"].as_str().unwrap()).await;
    assert_eq!(elsewhere.status, 404);
    let episode = registered.body["id"].as_str().unwrap();
    assert_eq!(app.episode(&app.city().care_manager, episode).await.status, 404);

    // The centre assigns さくら居宅 and its care manager from today.
    let care_manager = app.me(&app.city().care_manager).await.body["user_id"].clone();
    let assignment = format!("/api/v1/episodes/{episode}/care-assignment");
    let refused = app
        .post(
            &assignment,
            &app.city().care_manager,
            &json!({"care_office_id": app.city().care_office, "assigned_on": day(0)}),
        )
        .await;
    assert_eq!(refused.status, 403, "a care office does not assign itself");
    let wrong =
        json!({"care_office_id": app.city().other_hospital, "care_manager_id": care_manager, "assigned_on": day(1)});
    let wrong = app.post(&assignment, &centre_user, &wrong).await;
    assert_eq!(wrong.status, 422);
    assert_eq!(pointers(&wrong), ["/assigned_on", "/care_office_id", "/care_manager_id"]);
    let chosen =
        json!({"care_office_id": app.city().care_office, "care_manager_id": care_manager, "assigned_on": day(0)});
    let assigned = app.post(&assignment, &centre_user, &chosen).await;
    assert_eq!(assigned.status, 200, "{}", assigned.body);
    assert_eq!(assigned.body["care_office"]["code"], "C1");
    assert_eq!(assigned.body["care_assignments"][0]["assigned_on"], day(0).as_str());
    assert_eq!(assigned.body["care_assignments"][0]["assigned_by_facility"]["code"], "S1");

    // From now on the stay is the care office's too: its care manager sees it and writes for it.
    let seen = app.episode(&app.city().care_manager, episode).await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.body["care_manager"]["id"], care_manager);
    let clients = app.clients(&app.city().care_manager).await;
    assert!(
        clients.body.as_array().unwrap().iter().any(|c| c["name"] == "入江 正男"),
        "the client is the office's now"
    );
}

#[tokio::test]
async fn a_discharge_referral_goes_to_the_care_office_and_counts_as_a_discharge_contact() {
    let app = spawn_app().await;
    let stay = stay(&app, 14).await;
    let mut referral = fixture("discharge_referral_v1_full");
    referral["header"]["written_on"] = json!(day(0));
    referral["header"]["admission_date"] = json!(day(-14));
    referral["header"]["planned_discharge_date"] = json!(day(3));
    referral["condition"]["diagnoses"][0]["onset_date"] = json!(day(-14));
    let body = json!({"kind": "discharge_referral", "recipient_facility_id": app.city().care_office, "episode_id": stay["id"], "payload": referral});
    let sent = app.send_document(&app.city().nurse, &body).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let inbox = app.inbox(&app.city().care_manager, "kind=discharge_referral").await;
    assert_eq!(inbox.body.as_array().unwrap().len(), 1);

    let episode = app.episode(&app.city().nurse, stay["id"].as_str().unwrap()).await;
    assert_eq!(episode.body["contacts"][0]["kind"], "discharge_referral");
    assert_eq!(episode.body["planned_discharge_on"], day(3).as_str());

    // A referral written tomorrow, about a disease that starts next year: each date is named.
    referral["header"]["written_on"] = json!(day(1));
    referral["condition"]["diagnoses"][1]["onset_date"] = json!(day(300));
    let body = json!({"kind": "discharge_referral", "recipient_facility_id": app.city().care_office, "episode_id": stay["id"], "payload": referral});
    let refused = app.send_document(&app.city().nurse, &body).await;
    assert_eq!(refused.status, 422);
    assert_eq!(pointers(&refused), ["/payload/header/written_on", "/payload/condition/diagnoses/1/onset_date"]);
}

/// The stay's contacts of `kind`: (date, method), oldest first.
async fn contacts_of_kind(app: &TestApp, token: &str, episode: &str, kind: &str) -> Vec<(String, String)> {
    let episode = app.episode(token, episode).await;
    episode.body["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .map(|c| (c["contacted_on"].as_str().unwrap().to_owned(), c["method"].as_str().unwrap().to_owned()))
        .collect()
}

/// The stay's contacts of kind `discharge_record`: (date, method), oldest first.
async fn interviews_on(app: &TestApp, token: &str, episode: &str) -> Vec<(String, String)> {
    contacts_of_kind(app, token, episode, "discharge_record").await
}

#[tokio::test]
async fn a_discharge_record_kept_by_the_care_office_records_each_interview_and_reaches_nobody() {
    let app = spawn_app().await;
    let stay = stay(&app, 14).await;
    let episode = stay["id"].as_str().unwrap();
    let record = discharge_record(14, &[(3, "電話"), (1, "面談")]);
    let kept = json!({"kind": "discharge_record", "recipient_facility_id": app.city().care_office, "episode_id": episode, "payload": record});
    let refused = app.send_document(&app.city().nurse, &kept).await;
    assert_eq!(refused.status, 403, "the care manager writes the 記録書");

    let sent = app.send_document(&app.city().care_manager, &kept).await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(sent.body["delivery"]["recipients"], 0, "a kept record is mailed to nobody");
    assert_eq!(app.count("outbox"), 0);
    let id = sent.body["id"].as_str().unwrap();
    assert_eq!(
        interviews_on(&app, &app.city().care_manager, episode).await,
        [(day(-3), "phone".to_owned()), (day(-1), "visit".to_owned())],
        "each interview is a contact, on its day, by its method"
    );
    let inbox = app.inbox(&app.city().care_manager, "kind=discharge_record").await;
    assert_eq!(inbox.body.as_array().unwrap().len(), 0, "not in the office's own inbox");
    let outbox = app.outbox(&app.city().care_manager).await;
    assert!(outbox.body.as_array().unwrap().iter().any(|d| d["id"] == id));
    assert_eq!(app.document(&app.city().nurse, id).await.status, 404, "the hospital does not see a kept record");

    // Amended with a conference and a third interview: the contacts follow the rows.
    let amended = discharge_record(14, &[(3, "電話"), (1, "カンファレンス"), (0, "面談")]);
    let answer = app.amend(&app.city().care_manager, id, &json!({"payload": amended})).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(
        interviews_on(&app, &app.city().care_manager, episode).await,
        [(day(-3), "phone".to_owned()), (day(-1), "conference".to_owned()), (day(0), "visit".to_owned())]
    );
    assert_eq!(app.count("outbox"), 0, "nor is its amendment mailed");
}

#[tokio::test]
async fn a_discharge_record_shared_with_the_hospital_reaches_it_and_no_other() {
    let app = spawn_app().await;
    let stay = stay(&app, 14).await;
    let record = discharge_record(14, &[(2, "オンライン")]);
    let to = |hospital| json!({"kind": "discharge_record", "recipient_facility_id": hospital, "episode_id": stay["id"], "payload": record});
    let elsewhere = app.send_document(&app.city().care_manager, &to(app.city().other_hospital)).await;
    assert_eq!(elsewhere.status, 422, "only the stay's hospital: {}", elsewhere.body);

    let shared = app.send_document(&app.city().care_manager, &to(app.city().hospital)).await;
    assert_eq!(shared.status, 201, "{}", shared.body);
    let inbox = app.inbox(&app.city().nurse, "kind=discharge_record").await;
    assert_eq!(inbox.body.as_array().unwrap().len(), 1);
    assert_eq!(app.document(&app.city().other_nurse, shared.body["id"].as_str().unwrap()).await.status, 404);

    // An interview before the admission or in the future is named.
    let wrong = discharge_record(14, &[(20, "電話"), (-1, "面談")]);
    let refused = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "discharge_record", "recipient_facility_id": app.city().care_office, "episode_id": stay["id"], "payload": wrong}),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert_eq!(pointers(&refused), ["/payload/interviews/1/interviewed_on", "/payload/interviews/0/interviewed_on"]);
}

/// The stay's contacts of kind `discharge_conference`: (date, method).
async fn conferences_on(app: &TestApp, episode: &str) -> Vec<(String, String)> {
    contacts_of_kind(app, &app.city().nurse, episode, "discharge_conference").await
}

/// The example conference recorded as held `held_days_ago` (at 14:00), for a stay admitted
/// 20 days ago.
fn conference_held(held_days_ago: i64) -> Value {
    let mut conference = fixture("discharge_conference_v1_full");
    let at = format!("{}T14:00:00+09:00", day(-held_days_ago));
    conference["planned_discharge_date"] = json!(day(-1));
    conference["proposal"]["candidates"] = json!([at]);
    conference["proposal"]["answer_by"] = json!(day(-held_days_ago - 2));
    conference["fixed"]["starts_at"] = json!(at);
    conference["record"]["held_at"] = json!(at);
    conference
}

#[tokio::test]
async fn a_conference_is_proposed_without_a_date_answered_then_held_and_only_the_held_one_counts() {
    let app = spawn_app().await;
    let stay = stay(&app, 20).await;
    let episode = stay["id"].as_str().unwrap();
    let city = app.city();
    let proposal = fixture("discharge_conference_v1_minimal");
    let body = json!({"kind": "discharge_conference", "recipient_facility_id": city.care_office, "episode_id": episode, "payload": proposal});
    let proposed = app.send_document(&city.nurse, &body).await;
    assert_eq!(proposed.status, 201, "日程は調整中 is a proposal too: {}", proposed.body);
    let conference = proposed.body["id"].as_str().unwrap().to_owned();
    assert_eq!(app.inbox(&city.care_manager, "kind=discharge_conference").await.body.as_array().unwrap().len(), 1);
    assert_eq!(conferences_on(&app, episode).await, [], "a proposal is not yet a contact");

    // The care manager answers: another day, which must not be past.
    let mut answer = fixture("conference_answer_v1_full");
    answer["preferred"] = json!([format!("{}T10:00:00+09:00", day(-1))]);
    let reply = json!({"kind": "conference_answer", "recipient_facility_id": city.hospital, "episode_id": episode, "payload": answer});
    let refused = app.send_document(&city.care_manager, &reply).await;
    assert_eq!(refused.status, 422);
    assert_eq!(pointers(&refused), ["/payload/preferred/0"]);
    answer["preferred"] = json!([format!("{}T10:00:00+09:00", day(2))]);
    let reply = json!({"kind": "conference_answer", "recipient_facility_id": city.hospital, "episode_id": episode, "payload": answer});
    assert_eq!(app.send_document(&city.nurse, &reply).await.status, 403, "the hospital does not answer itself");
    let answered = app.send_document(&city.care_manager, &reply).await;
    assert_eq!(answered.status, 201, "{}", answered.body);
    assert_eq!(app.inbox(&city.nurse, "kind=conference_answer").await.body.as_array().unwrap().len(), 1);
    assert_eq!(app.inbox(&city.other_nurse, "kind=conference_answer").await.body.as_array().unwrap().len(), 0);
    assert_eq!(conferences_on(&app, episode).await, [], "nor is an answer");

    // Held: one contact, by conference, on its day; a record dated tomorrow is refused.
    let tomorrow = conference_held(-1);
    let refused = app.amend(&city.nurse, &conference, &json!({"payload": tomorrow})).await;
    assert_eq!(refused.status, 422);
    assert!(pointers(&refused).contains(&"/payload/record/held_at".to_owned()), "{}", refused.body);
    let held = app.amend(&city.nurse, &conference, &json!({"payload": conference_held(9)})).await;
    assert_eq!(held.status, 201, "{}", held.body);
    assert_eq!(conferences_on(&app, episode).await, [(day(-9), "conference".to_owned())]);

    let discharged =
        app.discharge(&city.nurse, episode, &json!({"discharged_on": day(-1), "destination": "home"})).await;
    assert_eq!(discharged.status, 200, "{}", discharged.body);
    let period = format!("from={}&to={}", day(-30), day(0));
    let lead = |survey: &Answer| {
        (survey.body["discharge"]["lead_time"]["8+"].clone(), survey.body["discharge"]["lead_time"]["2-4"].clone())
    };
    assert_eq!(lead(&app.survey(&city.coordinator, &period).await), (json!(1), json!(0)));

    // Its date corrected to three days ago: the stay's first discharge contact moves later too.
    let corrected = app.amend(&city.nurse, &conference, &json!({"payload": conference_held(3)})).await;
    assert_eq!(corrected.status, 201, "{}", corrected.body);
    assert_eq!(conferences_on(&app, episode).await, [(day(-3), "conference".to_owned())]);
    assert_eq!(lead(&app.survey(&city.coordinator, &period).await), (json!(0), json!(1)));
}
