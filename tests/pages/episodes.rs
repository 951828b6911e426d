//! The stays pages as nurses and care managers use them: registering an admission, the
//! timeline with its lead times, a contact recorded by phone, the print view and its mask.

use serde_json::json;

use crate::support::pages::sign_in_page;
use crate::support::{day, spawn_app};

const NUMBER: &str = "1234567890";

#[tokio::test]
async fn registering_an_admission_finds_the_clients_care_office_and_care_manager() {
    let app = spawn_app().await;
    app.client_of_care_office(NUMBER).await;
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;

    // Two numbers a hospital may hold (被保険者番号 and birth date) show nobody: the name is asked for.
    let two_numbers = nurse.get(&format!("/episodes/new?birth_date=1940-02-11&insurance_number={NUMBER}")).await;
    assert_eq!(two_numbers.status, 200);
    assert!(!two_numbers.text().contains("連携 花子") && !two_numbers.text().contains("担当ケアマネジャー</dt>"));
    assert!(two_numbers.text().contains("「氏名」（漢字かフリガナ）を入力してください"), "{}", two_numbers.text());
    let wrong_name = nurse
        .get(&format!("/episodes/new?birth_date=1940-02-11&insurance_number={NUMBER}&name=%E5%88%A5%E4%BA%BA"))
        .await;
    assert!(!wrong_name.text().contains("連携 花子") && !wrong_name.text().contains("担当ケアマネジャー</dt>"));
    let by_number = nurse
        .get(&format!(
            "/episodes/new?birth_date=1940-02-11&insurance_number={NUMBER}&name=%E9%80%A3%E6%90%BA%E8%8A%B1%E5%AD%90"
        ))
        .await;
    assert_eq!(by_number.status, 200);
    assert!(by_number.text().contains("連携 花子") && by_number.text().contains("さくら居宅"), "{}", by_number.text());
    assert!(by_number.text().contains("担当ケアマネジャー</dt><dd>担当者"), "{}", by_number.text());
    let by_name = nurse.get("/episodes/new?birth_date=1940-02-11&name=%E3%82%8C%E3%82%93%E3%81%91%E3%81%84%E3%80%80%E3%81%AF%E3%81%AA%E3%81%93").await;
    assert!(by_name.text().contains("さくら居宅"), "search by name in hiragana: {}", by_name.text());
    let not_born_then = nurse
        .get(&format!(
            "/episodes/new?birth_date=1940-02-12&insurance_number={NUMBER}&name=%E9%80%A3%E6%90%BA%E8%8A%B1%E5%AD%90"
        ))
        .await;
    assert!(!not_born_then.text().contains("さくら居宅</dd>") && not_born_then.text().contains("登録されていません"));

    let admitted_far_ahead = day(100);
    let mut fields = vec![
        ("name", "連携 花子"),
        ("name_kana", "れんけい"),
        ("birth_date", "1940-02-11"),
        ("sex", "female"),
        ("insurance_number", NUMBER),
        ("admitted_on", admitted_far_ahead.as_str()),
    ];
    // Errors next to their fields; what was typed stays.
    let refused = nurse.post("/episodes/new", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("「フリガナ」はカタカナで入力してください"), "{}", refused.text());
    assert!(refused.text().contains("「入院日」は60日より先にできません"), "{}", refused.text());
    assert!(refused.text().contains("value=\"連携 花子\"") && refused.text().contains("value=\"れんけい\""));
    assert_eq!(app.count("episodes"), 0);

    let two_days_ago = day(-2);
    fields[1].1 = "レンケイ ハナコ";
    fields[5].1 = two_days_ago.as_str();
    let registered = nurse.post("/episodes/new", &fields).await;
    assert_eq!(registered.status, 303, "{}", registered.text());
    assert!(registered.location().starts_with("/episodes/") && registered.location().ends_with("?done=registered"));
    let timeline = nurse.get(&registered.location()).await;
    assert!(timeline.text().contains("さくら居宅・担当者"), "{}", timeline.text());
    assert!(timeline.text().contains("入院時情報提供: "), "{}", timeline.text());
    // The care manager now sees the stay of their client.
    let stays = app.episodes(&app.city().care_manager).await;
    assert_eq!(stays.body.as_array().map(Vec::len), Some(1), "{}", stays.body);
    assert_eq!(stays.body[0]["care_manager"]["name"], "担当者");
    let list = nurse.get("/episodes").await;
    assert!(list.text().contains("連携 花子") && list.text().contains("入院中"), "{}", list.text());

    let care_manager = sign_in_page(&app, "cm@c1.example.jp").await;
    let explained = care_manager.get("/episodes/new").await;
    assert!(explained.text().contains("入院時情報提供書"), "{}", explained.text());
}

/// A client of C1 admitted to H1 ten days ago and discharged yesterday: the app and the stay.
async fn discharged_yesterday_after_ten_days() -> (crate::support::TestApp, String) {
    let app = spawn_app().await;
    app.client_of_care_office(NUMBER).await;
    let stay = app.admission(NUMBER, &day(-10)).await;
    let id = stay["id"].as_str().unwrap().to_owned();
    let discharged =
        app.discharge(&app.city().nurse, &id, &json!({"discharged_on": day(-1), "destination": "home"})).await;
    assert_eq!(discharged.status, 200, "{}", discharged.body);
    (app, id)
}

#[tokio::test]
async fn a_phone_contact_shows_on_the_timeline_with_its_lead_time() {
    let (app, id) = discharged_yesterday_after_ten_days().await;
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;

    let before = nurse.get(&format!("/episodes/{id}")).await;
    assert!(before.text().contains("退院5日前ルール: 連絡なし（未達）"), "{}", before.text());
    let four_days_ago = day(-4);
    let recorded = nurse
        .post(
            &format!("/episodes/{id}/contacts"),
            &[("what", "hospital_to_cm:discharge_notice"), ("contacted_on", &four_days_ago), ("method", "phone")],
        )
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.text());
    let timeline = nurse.get(&recorded.location()).await;
    assert!(timeline.text().contains("連絡を記録しました"), "{}", timeline.text());
    assert!(timeline.text().contains("電話・医療機関 → ケアマネジャー"), "{}", timeline.text());
    assert!(timeline.text().contains("退院5日前ルール: 3日前に連絡（未達）"), "{}", timeline.text());

    // A date in the future is refused next to the field, and nothing is stored.
    let contacts = app.count("contacts");
    let tomorrow = day(1);
    let refused = nurse
        .post(
            &format!("/episodes/{id}/contacts"),
            &[("what", "hospital_to_cm:other"), ("contacted_on", &tomorrow), ("method", "fax")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(
        refused.text().contains("contacted_on-error") && refused.text().contains("未来の日付です"),
        "{}",
        refused.text()
    );
    assert_eq!(app.count("contacts"), contacts);

    // The care manager sees the same contact, judged the same way.
    let care_manager = sign_in_page(&app, "cm@c1.example.jp").await;
    let seen = care_manager.get(&format!("/episodes/{id}")).await;
    assert!(seen.text().contains("退院5日前ルール: 3日前に連絡（未達）"), "{}", seen.text());
}

#[tokio::test]
async fn the_nurse_saves_a_planned_discharge_date_and_a_bad_one_is_refused_next_to_the_field() {
    let app = spawn_app().await;
    app.client_of_care_office(NUMBER).await;
    let stay = app.admission(NUMBER, &day(-10)).await;
    let id = stay["id"].as_str().unwrap().to_owned();
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let path = format!("/episodes/{id}/planned-discharge");
    let page = nurse.get(&format!("/episodes/{id}")).await;
    assert!(
        page.text().contains("入院中（退院日未定）") && page.text().contains("退院予定日を保存"),
        "{}",
        page.text()
    );

    let in_a_week = day(7);
    let saved = nurse.post(&path, &[("planned_discharge_on", &in_a_week)]).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    let timeline = nurse.get(&saved.location()).await;
    assert!(
        timeline.text().contains("退院予定日を保存しました。") && timeline.text().contains("（予定）"),
        "{}",
        timeline.text()
    );
    assert!(timeline.text().contains(&format!("value=\"{in_a_week}\"")), "the form shows the date in force");
    let api = app.episode(&app.city().care_manager, &id).await;
    assert_eq!(api.body["planned_discharge_on"], json!(in_a_week));

    let before_admission = day(-11);
    let refused = nurse.post(&path, &[("planned_discharge_on", &before_admission)]).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text().contains("id=\"planned_discharge_on-error\">「退院予定日」が「入院日」より前です"),
        "{}",
        refused.text()
    );
    assert!(refused.text().contains(&format!("value=\"{before_admission}\"")), "what was typed is kept");
    let not_a_date = nurse.post(&path, &[("planned_discharge_on", "来週")]).await;
    assert_eq!(not_a_date.status, 422);
    assert!(not_a_date.text().contains("未定なら空欄"), "{}", not_a_date.text());
    let api = app.episode(&app.city().nurse, &id).await;
    assert_eq!(api.body["planned_discharge_on"], json!(in_a_week), "refused: nothing changed");

    let cleared = nurse.post(&path, &[("planned_discharge_on", "")]).await;
    assert_eq!(cleared.status, 303);
    assert!(nurse.get(&cleared.location()).await.text().contains("入院中（退院日未定）"));

    // The care office sees the stay but has no such form, and cannot post it.
    let care_manager = sign_in_page(&app, "cm@c1.example.jp").await;
    assert!(!care_manager.get(&format!("/episodes/{id}")).await.text().contains("退院予定日を保存"));
    assert_eq!(care_manager.post(&path, &[("planned_discharge_on", &in_a_week)]).await.status, 403);
}

#[tokio::test]
async fn another_facility_gets_404_for_the_timeline_and_the_print_view() {
    let app = spawn_app().await;
    let client = app.client_of_care_office(NUMBER).await;
    let sheet = app.admission_sheet_sent(&client).await;
    let (document, stay) = (sheet["id"].as_str().unwrap(), sheet["episode_id"].as_str().unwrap());
    let other = sign_in_page(&app, "nurse@h2.example.jp").await;
    assert_eq!(other.get(&format!("/episodes/{stay}")).await.status, 404);
    assert_eq!(other.get(&format!("/documents/{document}/print")).await.status, 404);
    assert_eq!(other.get(&format!("/documents/{document}/print?mask=1")).await.status, 404);
    let list = other.get("/episodes").await;
    assert!(!list.text().contains("連携 花子"));
    let refused = other
        .post(
            &format!("/episodes/{stay}/contacts"),
            &[("what", "hospital_to_cm:other"), ("contacted_on", &day(0)), ("method", "phone")],
        )
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(app.count("contacts"), 1, "only the sheet's own contact");
}

#[tokio::test]
async fn the_masked_print_view_hides_the_name_and_printing_counts_as_reading() {
    let app = spawn_app().await;
    let client = app.client_of_care_office(NUMBER).await;
    let sheet = app.admission_sheet_sent(&client).await;
    let document = sheet["id"].as_str().unwrap();
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;

    let plain = nurse.get(&format!("/documents/{document}/print")).await;
    assert_eq!(plain.status, 200);
    assert!(
        plain.text().contains("連携 花子")
            && plain.text().contains(NUMBER)
            && plain.text().contains("/static/print.css")
    );
    assert!(plain.text().contains("送付日時</th><td>令和"), "sent, with its year in 和暦: {}", plain.text());
    let read = app.document(&app.city().care_manager, document).await;
    assert_eq!(read.body["status"], "read", "the recipient printed it");

    let masked = nurse.get(&format!("/documents/{document}/print?mask=1")).await;
    assert_eq!(masked.status, 200);
    for secret in ["連携 花子", "花子", "レンケイ", NUMBER, "0157-98-7654", "連携市連携町", "連携 一郎"]
    {
        let at = masked.text().find(secret).map(|i| masked.text()[..i].chars().rev().take(150).collect::<String>());
        assert!(at.is_none(), "{secret} shows in the masked print view: {at:?}");
    }
    assert!(masked.text().contains("R.H."), "{}", masked.text());
    assert!(masked.text().contains("自由記述の中の本人・家族の氏名"), "the page says what it masks in free text");
}

#[tokio::test]
async fn a_form_posted_without_the_csrf_token_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    app.client_of_care_office(NUMBER).await;
    let stay = app.admission(NUMBER, &day(-3)).await;
    let id = stay["id"].as_str().unwrap();
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let (contacts, episodes) = (app.count("contacts"), app.count("episodes"));
    let today = day(0);
    let forged = nurse
        .post_raw(
            &format!("/episodes/{id}/contacts"),
            &[("what", "hospital_to_cm:discharge_notice"), ("contacted_on", &today), ("method", "phone")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let forged = nurse
        .post_raw(
            "/episodes/new",
            &[
                ("name", "別の 人"),
                ("name_kana", "ベツノ ヒト"),
                ("birth_date", "1950-01-01"),
                ("sex", "male"),
                ("admitted_on", &today),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let forged = nurse
        .post_raw(&format!("/episodes/{id}/discharge"), &[("discharged_on", &today), ("destination", "home")])
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!((app.count("contacts"), app.count("episodes")), (contacts, episodes));
    let stays = app.episode(&app.city().nurse, id).await;
    assert_eq!(stays.body["discharged_on"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_support_centre_assigns_a_care_manager_to_a_patient_who_had_none() {
    use renkei::directory::{FacilityKind, Role};
    let app = spawn_app().await;
    app.facility_with_user(
        "S1",
        "中央地域包括支援センター",
        FacilityKind::SupportCenter,
        "連携市",
        "centre@s1.example.jp",
        Role::CareManager,
    );
    let centre = app.facilities(&app.city().nurse, "kind=support_center").await.body[0]["id"].clone();
    let stay = app
        .register_admission(
            &app.city().nurse,
            &serde_json::json!({"client": {"name": "入江 正男", "name_kana": "イリエ マサオ", "birth_date": "1958-03-15", "sex": "male"},
                                "admitted_on": day(-2)}),
        )
        .await
        .body;
    let mut notice = crate::support::fixture("admission_notice_v1_minimal");
    notice["admission_date"] = serde_json::json!(day(-2));
    notice["patient"] =
        serde_json::json!({"name": "入江 正男", "name_kana": "イリエ マサオ", "sex": "男", "birth_date": "1958-03-15"});
    let sent = app
        .send_document(
            &app.city().nurse,
            &serde_json::json!({"kind": "admission_notice", "recipient_facility_id": centre, "episode_id": stay["id"], "payload": notice}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);

    let visitor = sign_in_page(&app, "centre@s1.example.jp").await;
    let path = format!("/episodes/{}", stay["id"].as_str().unwrap());
    let page = visitor.get(&path).await.text();
    assert!(page.contains("担当の事業所・ケアマネジャーを決める"), "the centre is offered the assignment");
    // The choice names the office and its care manager; the value carries both.
    let value = format!("{}:", app.city().care_office);
    let at = page.find(&value).expect("さくら居宅's care manager is a choice");
    let option = &page[at..at + 120];
    let assignee: String = option.chars().take_while(|c| *c != '"').collect();

    let future =
        visitor.post(&format!("{path}/care-assignment"), &[("assignee", &assignee), ("assigned_on", &day(1))]).await;
    assert_eq!(future.status, 422);
    assert!(future.text().contains("未来の日付です"), "the date's error is shown");
    let done =
        visitor.post(&format!("{path}/care-assignment"), &[("assignee", &assignee), ("assigned_on", &day(0))]).await;
    assert_eq!(done.status, 303, "{}", done.text());
    let page = visitor.get(&done.header("location")).await.text();
    assert!(page.contains("担当を決めました") && page.contains("担当の決定"), "the timeline shows the assignment");
    assert!(page.contains("さくら居宅・担当者"), "{page}");

    // The care manager of さくら居宅 now sees the stay.
    let cm = sign_in_page(&app, "cm@c1.example.jp").await;
    assert_eq!(cm.get(&path).await.status, 200);
}

#[tokio::test]
async fn a_contact_keeps_its_note_and_its_recorder_withdraws_it_with_a_reason_on_the_page() {
    let (app, id) = discharged_yesterday_after_ten_days().await;
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let six_days_ago = day(-6);
    let recorded = nurse
        .post(
            &format!("/episodes/{id}/contacts"),
            &[
                ("what", "hospital_to_cm:discharge_notice"),
                ("contacted_on", &six_days_ago),
                ("note", "退院前日に担当者会議。福祉用具を調整"),
                ("method", "phone"),
            ],
        )
        .await;
    assert_eq!(recorded.status, 303, "{}", recorded.text());
    let page = nurse.get(&format!("/episodes/{id}")).await.text();
    assert!(page.contains("メモ：退院前日に担当者会議。福祉用具を調整"), "{page}");
    assert!(page.contains("退院5日前ルール: 5日前に連絡（達成）"), "{page}");
    let form = page.split("/contacts/").nth(1).expect("a withdrawal form for the nurse's own contact");
    let contact = &form[..36];

    // The care manager reads the note, and cannot withdraw what the hospital recorded.
    let care_manager = sign_in_page(&app, "cm@c1.example.jp").await;
    let seen = care_manager.get(&format!("/episodes/{id}")).await.text();
    assert!(seen.contains("メモ：退院前日に担当者会議") && !seen.contains("/contacts/"), "{seen}");

    let path = format!("/episodes/{id}/contacts/{contact}/withdrawal");
    let bare = nurse.post(&path, &[("correction_reason", "")]).await;
    assert_eq!(bare.status, 422);
    assert!(bare.text().contains(&format!("reason-{contact}-error")), "the error beside the reason: {}", bare.text());
    let withdrawn = nurse.post(&path, &[("correction_reason", "電話がつながらなかったため")]).await;
    assert_eq!(withdrawn.status, 303, "{}", withdrawn.text());
    let page = nurse.get(&withdrawn.location()).await.text();
    assert!(page.contains("連絡の記録を取り消しました"), "{page}");
    assert!(page.contains("取り消し済み") && page.contains("電話がつながらなかったため"), "{page}");
    assert!(page.contains("退院5日前ルール: 連絡なし（未達）"), "counted no more: {page}");
    assert!(!page.contains(&format!("/contacts/{contact}/withdrawal")), "no second withdrawal: {page}");
}
