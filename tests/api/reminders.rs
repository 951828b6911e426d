//! Reminders decided from the handbook rules, each sent once: the admission sheet due, the
//! discharge notice due, and documents left unacknowledged (the recipient first, then the sender).
//! The reminder pass is run at chosen instants, as the worker runs it once a minute.

use chrono::{Duration, NaiveDateTime};
use serde_json::{Value, json};

use crate::support::{TestApp, day, spawn_app};
use renkei::notify::{self as outbox, Delivery};
use renkei::notify::{Notifier, Topic};
use renkei::reminders::{self, Timing};

fn remind(app: &TestApp, now: NaiveDateTime) -> usize {
    let conn = &mut *app.pool.get().unwrap();
    let rules = renkei::survey::rules::select("default").unwrap();
    let timing =
        Timing { acknowledgement_reminder: Duration::hours(24), acknowledgement_escalation: Duration::hours(72) };
    reminders::run(conn, &Notifier::new("https://renkei.example.jp"), &rules, timing, now).unwrap()
}

fn mails_about(app: &TestApp, topic: Topic) -> Vec<Delivery> {
    let conn = &mut *app.pool.get().unwrap();
    outbox::list(conn, None, 500, 0).unwrap().into_iter().filter(|d| d.topic == topic).collect()
}

fn addresses(mails: &[Delivery]) -> Vec<String> {
    let mut all: Vec<String> = mails.iter().map(|m| m.address.clone()).collect();
    all.sort();
    all
}

/// A time of day in Japan on `date`, as the UTC instant the service keeps.
fn japan(date: chrono::NaiveDate, hour: u32) -> NaiveDateTime {
    date.and_hms_opt(hour, 0, 0).unwrap() - Duration::hours(9)
}

fn subject_of(app: &TestApp, mail: &Delivery) -> String {
    use diesel::prelude::*;
    use renkei::db::schema::outbox as table;
    let conn = &mut *app.pool.get().unwrap();
    table::table.find(mail.id.to_string()).select(table::subject).first(conn).unwrap()
}

#[tokio::test]
async fn a_care_manager_whose_client_was_admitted_is_reminded_once_on_the_deadline_day() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(0)).await;
    let rules = renkei::survey::rules::select("default").unwrap();
    let deadline = rules.admission_info_deadline.last_day(renkei::calendar::today(), today_closed());

    assert_eq!(remind(&app, japan(deadline, 8)), 0, "not before 09:00 on the deadline day");
    assert_eq!(remind(&app, japan(deadline, 10)), 2);
    let mails = mails_about(&app, Topic::AdmissionInfoDue);
    assert_eq!(addresses(&mails), ["c1@example.jp", "cm@c1.example.jp"], "the office's window and the care manager");
    let subject = subject_of(&app, &mails[0]);
    assert!(subject.starts_with("【Renkei】入院時情報提供書の提出期限は") && subject.contains("連携病院"), "{subject}");
    assert!(mails.iter().all(|m| m.state == outbox::MailState::Queued));
    assert_eq!(remind(&app, japan(deadline, 11)), 0, "the same reminder is never sent twice");
    assert_eq!(remind(&app, japan(deadline + Duration::days(1), 10)), 0);
    assert_eq!(mails_about(&app, Topic::AdmissionInfoDue).len(), 2);
    assert!(stay["id"].is_string());
}

/// Whether today is no business day under the default calendar (a weekend, a national holiday,
/// the year end): an admission today then has until tomorrow.
fn today_closed() -> bool {
    let calendar = renkei::business_calendar::BusinessCalendar::default();
    !calendar.is_business_day(renkei::calendar::today(), renkei::holidays::Holidays::carried())
}

#[tokio::test]
async fn the_deadline_follows_the_care_offices_own_business_calendar() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    // The office is closed on today's weekday: an admission today may be answered tomorrow.
    let today = renkei::calendar::today();
    let open: Vec<&str> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .into_iter()
        .filter(|d| *d != today.format("%a").to_string().to_lowercase())
        .collect();
    let calendar = json!({"weekdays": open, "closing_time": "17:30", "national_holidays": "open", "closed_days": []});
    let path = format!("/api/v1/facilities/{}/calendar", app.city().care_office);
    assert_eq!(app.put(&path, &app.city().care_manager, &calendar).await.status, 200);
    app.admission("0100000001", &day(0)).await;
    assert_eq!(remind(&app, japan(today, 10)), 0, "not on a day the office is closed");
    assert_eq!(remind(&app, japan(today + Duration::days(1), 10)), 2, "on its next day");
}

#[tokio::test]
async fn no_reminder_once_the_admission_sheet_or_a_phone_call_was_recorded() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(0)).await;
    let recorded = app
        .record_contact(
            &app.city().care_manager,
            stay["id"].as_str().unwrap(),
            &json!({"direction": "cm_to_hospital", "kind": "admission_info", "method": "phone", "contacted_on": day(0)}),
        )
        .await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let rules = renkei::survey::rules::select("default").unwrap();
    let deadline = rules.admission_info_deadline.last_day(renkei::calendar::today(), today_closed());
    assert_eq!(remind(&app, japan(deadline, 10)), 0);
}

#[tokio::test]
async fn a_hospital_with_a_discharge_within_n_days_and_no_notice_is_reminded_once() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let registered = app
        .register_admission(
            &app.city().nurse,
            &json!({"client": {"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female",
                               "insurance_number": "0100000001"},
                    "admitted_on": day(-10), "planned_discharge_on": day(7)}),
        )
        .await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let today = renkei::calendar::today();

    assert_eq!(remind(&app, japan(today, 10)), 0, "7 days ahead: not yet within 5 days");
    assert_eq!(remind(&app, japan(today + Duration::days(2), 10)), 2, "5 days ahead");
    let mails = mails_about(&app, Topic::DischargeNoticeDue);
    assert_eq!(addresses(&mails), ["h1@example.jp", "nurse@h1.example.jp"], "the hospital's window and the nurse");
    let subject = subject_of(&app, &mails[0]);
    assert!(subject.contains("退院連絡の期限") && subject.contains("退院5日前ルール"), "{subject}");
    assert_eq!(remind(&app, japan(today + Duration::days(3), 10)), 0, "never twice for the same planned date");
}

#[tokio::test]
async fn a_planned_discharge_set_after_admission_brings_the_reminder_and_each_new_date_its_own() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-10)).await;
    let id = stay["id"].as_str().unwrap();
    let today = renkei::calendar::today();
    assert_eq!(remind(&app, japan(today, 10)), 0, "no planned date: nothing to remind of");

    let set = app.plan_discharge(&app.city().nurse, id, &json!({"planned_discharge_on": day(3)})).await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(remind(&app, japan(today, 10)), 2, "3 days ahead, within 5: the window and the nurse");
    assert_eq!(remind(&app, japan(today, 11)), 0, "once for that date");

    app.plan_discharge(&app.city().nurse, id, &json!({"planned_discharge_on": day(4)})).await;
    assert_eq!(remind(&app, japan(today, 12)), 2, "a new planned date is a new occasion");
    app.plan_discharge(&app.city().nurse, id, &json!({"planned_discharge_on": null})).await;
    assert_eq!(remind(&app, japan(today + Duration::days(1), 10)), 0, "未定 again: nothing");
    assert_eq!(mails_about(&app, Topic::DischargeNoticeDue).len(), 4);
}

async fn sent_admission_sheet(app: &TestApp) -> Value {
    let client = app.client_of_care_office("0100000001").await;
    app.admission_sheet_sent(&client).await
}

#[tokio::test]
async fn an_unacknowledged_document_is_reminded_to_the_recipient_then_reported_to_the_sender() {
    let app = spawn_app().await;
    let sent = sent_admission_sheet(&app).await;
    let now = renkei::calendar::now();

    assert_eq!(remind(&app, now + Duration::hours(23)), 0);
    assert_eq!(remind(&app, now + Duration::hours(25)), 1);
    let due = mails_about(&app, Topic::AcknowledgementDue);
    assert_eq!(addresses(&due), ["h1@example.jp"]);
    assert_eq!(due[0].document_id.map(|d| d.to_string()), sent["id"].as_str().map(str::to_owned));
    assert_eq!(remind(&app, now + Duration::hours(30)), 0, "reminded once");

    assert_eq!(remind(&app, now + Duration::hours(73)), 1);
    let overdue = mails_about(&app, Topic::AcknowledgementOverdue);
    assert_eq!(addresses(&overdue), ["cm@c1.example.jp"], "the sender hears of it");
    assert!(subject_of(&app, &overdue[0]).contains("連携病院でまだ確認されていません"));
    assert_eq!(remind(&app, now + Duration::hours(100)), 0, "reported once");

    // The sender sees the reminders among the document's mails.
    let mails = app.deliveries(&app.city().care_manager, sent["id"].as_str().unwrap()).await;
    let topics: Vec<&str> = mails.body.as_array().unwrap().iter().map(|m| m["topic"].as_str().unwrap()).collect();
    assert_eq!(topics, ["document_sent", "acknowledgement_due", "acknowledgement_overdue"]);
}

#[tokio::test]
async fn an_acknowledged_document_is_not_reminded() {
    let app = spawn_app().await;
    let sent = sent_admission_sheet(&app).await;
    let id = sent["id"].as_str().unwrap();
    let acknowledged = app.acknowledge(&app.city().nurse, id).await;
    assert_eq!(acknowledged.status, 200);
    assert_eq!(remind(&app, renkei::calendar::now() + Duration::hours(80)), 0);
}

/// Registers the municipalities of a small region: a city on the deployment's 5-day rule and a
/// town on the 7-day rule, as `renkei import municipalities` would.
fn region(app: &TestApp) {
    use renkei::municipalities::{FROM_THE_START, ImportedMunicipality, Municipality, RulesFrom};
    let entry = |code: &str, name: &str, rules: &str| ImportedMunicipality {
        municipality: Municipality { code: code.into(), name: name.into() },
        rules: Some(RulesFrom { code: code.into(), effective_from: FROM_THE_START, rules: rules.into() }),
    };
    let conn = &mut *app.pool.get().unwrap();
    let rows = [entry("022039", "八戸市", "default"), entry("024465", "階上町", "seven-days")];
    renkei::municipalities::store::import(conn, &rows).unwrap();
}

#[tokio::test]
async fn each_stay_is_reminded_by_its_client_s_municipality_s_rule() {
    let app = spawn_app().await;
    region(&app);
    let nobody = json!({"name": "連携 一郎", "name_kana": "レンケイ イチロウ", "birth_date": "1938-05-01", "sex": "male",
                        "insurance_number": "0100000009", "municipality": "999999"});
    let refused = app.register_client(&app.city().care_manager, &nobody).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["errors"][0]["pointer"], "/municipality");
    assert_eq!(refused.body["errors"][0]["message"], "市町村コード 999999 は登録されていません");
    let mut admitted = Vec::new();
    for (number, name, kana, municipality) in [
        ("0100000001", "連携 花子", "レンケイ ハナコ", "022039"),
        ("0100000002", "階上 ふみ", "ハシカミ フミ", "024465"),
    ] {
        let person = json!({"name": name, "name_kana": kana, "birth_date": "1940-02-11", "sex": "female",
                            "insurance_number": number, "municipality": municipality});
        let client = app.register_client(&app.city().care_manager, &person).await;
        assert_eq!((client.status, client.body["municipality"].as_str()), (201, Some(municipality)), "{}", client.body);
        let stay = app
            .register_admission(
                &app.city().nurse,
                &json!({"client": {"name": name, "name_kana": kana, "birth_date": "1940-02-11", "sex": "female",
                                   "insurance_number": number},
                        "admitted_on": day(-10), "planned_discharge_on": day(7)}),
            )
            .await;
        assert_eq!(stay.status, 201, "{}", stay.body);
        assert_eq!(stay.body["municipality"], municipality, "the stay is of the client's municipality");
        admitted.push(stay.body);
    }
    let today = renkei::calendar::today();
    // Seven days ahead: the town's 7-day rule wants its notice now; the city's 5-day rule not yet.
    assert_eq!(remind(&app, japan(today, 10)), 2, "the town's stay, to the hospital's window and the nurse");
    let town = mails_about(&app, Topic::DischargeNoticeDue);
    assert!(subject_of(&app, &town[0]).contains("退院7日前ルール"));
    assert_eq!(remind(&app, japan(today + Duration::days(1), 10)), 0);
    assert_eq!(remind(&app, japan(today + Duration::days(2), 10)), 2, "the city's stay, five days ahead");
    let all = mails_about(&app, Topic::DischargeNoticeDue);
    let city: Vec<&Delivery> = all.iter().filter(|m| !town.iter().any(|t| t.id == m.id)).collect();
    assert!(city.iter().all(|m| subject_of(&app, m).contains("退院5日前ルール")));

    // One inbox, two handbooks: each stay's page and the stays list judge it by its own.
    let nurse = crate::support::pages::sign_in_page(&app, "nurse@h1.example.jp").await;
    let list = nurse.get("/episodes").await.text();
    assert!(list.contains("退院5日前ルール") && list.contains("退院7日前ルール"), "{list}");
    for (stay, days, title) in [(&admitted[0], 5, "標準ルール"), (&admitted[1], 7, "退院7日前ルール")] {
        let page = nurse.get(&format!("/episodes/{}", stay["id"].as_str().unwrap())).await.text();
        assert!(page.contains(&format!("退院{days}日前ルール: ")), "{page}");
        assert!(page.contains(&format!("判定のルール：{title}")), "{page}");
        assert!(page.contains(&format!("退院予定日の{days}日前になっても")), "{page}");
    }
}
