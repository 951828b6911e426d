//! Notification mail, counted at a real SMTP server (tests/smtp/sink.py): who receives what,
//! that no mail carries patient data, that no mail is lost when the SMTP server is down, that a
//! refused address fails at once and can be retried, and that without a server each mail becomes
//! an .eml file. (The binary's own processes, killed or two at once: binary/mail.rs.)

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::smtp::SmtpSink;
use crate::support::{Options, TestApp, admission_sheet, day, fixture, spawn_app_with};

/// What must never appear in a mail: the seeded client's name, kana, birth date, insurance
/// number and address (the address is in the admission sheet fixture).
const PATIENT_DATA: &[&str] = &["連携 花子", "花子", "レンケイ", "1940-02-11", "0100000001", "連携町"];

fn assert_no_patient_data(mail: &Value) {
    let whole = mail.to_string();
    for secret in PATIENT_DATA {
        assert!(!whole.contains(secret), "a mail carries patient data ({secret}): {whole}");
    }
}

async fn send_discharge_notice(app: &TestApp) -> String {
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-7)).await;
    let mut notice = fixture("discharge_notice_v1_full");
    notice["planned_discharge_date"] = json!(day(5));
    notice["conference"]["candidates"] = json!([format!("{}T16:00:00+09:00", day(2))]);
    let sent = app
        .send_document(
            &app.city().nurse,
            &json!({"kind": "discharge_notice", "recipient_facility_id": app.city().care_office, "episode_id": stay["id"], "payload": notice}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    sent.body["id"].as_str().unwrap().to_owned()
}

async fn send_admission_sheet(app: &TestApp, recipient: uuid::Uuid) -> String {
    let client = app.client_of_care_office("0100000001").await;
    let sent = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": recipient, "client_id": client["id"],
                    "payload": admission_sheet(&day(-1))}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    sent.body["id"].as_str().unwrap().to_owned()
}

/// Polls the sender's view of a document's mails until `done` holds (at most 30 s).
async fn deliveries_until(app: &TestApp, token: &str, document: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let answer = app.deliveries(token, document).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let rows = answer.body.as_array().unwrap().clone();
        if done(&rows) || tokio::time::Instant::now() > deadline {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn all_in(state: &'static str) -> impl Fn(&[Value]) -> bool {
    move |rows| !rows.is_empty() && rows.iter().all(|r| r["state"] == state)
}

#[tokio::test]
async fn a_discharge_notice_is_mailed_to_the_care_office_and_its_care_manager_without_patient_data() {
    let sink = SmtpSink::start().await;
    let app =
        spawn_app_with(Options::default().env("SMTP_URL", &sink.url()).env("PUBLIC_URL", "https://renkei.example.jp"))
            .await;
    let id = send_discharge_notice(&app).await;
    assert_eq!(app.deliver_pending().await, 2);

    let mails = sink.wait_for(2).await;
    let mut recipients: Vec<&str> = mails.iter().map(|m| m["rcpt_tos"][0].as_str().unwrap()).collect();
    recipients.sort_unstable();
    assert_eq!(recipients, ["c1@example.jp", "cm@c1.example.jp"], "the office's window and the client's care manager");
    for mail in &mails {
        assert_eq!(mail["subject"], "【Renkei】退院連絡が届きました（連携病院より）");
        assert!(mail["text"].as_str().unwrap().contains(&format!("https://renkei.example.jp/documents/{id}")));
        assert!(mail["html"].as_str().unwrap().contains(&format!("href=\"https://renkei.example.jp/documents/{id}\"")));
        assert!(mail["message_id"].as_str().unwrap().ends_with("@renkei.example.jp>"), "{}", mail["message_id"]);
        assert_eq!(mail["auto_submitted"], "auto-generated");
        assert_no_patient_data(mail);
    }

    // The sender sees each address's mail 配信済, under the Message-ID the server received.
    let rows = deliveries_until(&app, &app.city().nurse, &id, all_in("delivered")).await;
    assert_eq!(rows.len(), 2);
    let sent_ids: HashSet<&str> = rows.iter().map(|r| r["message_id"].as_str().unwrap()).collect();
    let received_ids: HashSet<&str> = mails.iter().map(|m| m["message_id"].as_str().unwrap()).collect();
    assert_eq!(sent_ids, received_ids);
    assert!(rows.iter().all(|r| r["state_label"] == "配信済" && r["attempts"] == 1));

    // 送信済 → 配信済 → 既読 → 確認済, as the sender's outbox shows it.
    let outbox = app.outbox(&app.city().nurse).await;
    assert_eq!(outbox.body[0]["status_label"], "配信済");
    assert_eq!(outbox.body[0]["delivery"], json!({"recipients": 2, "delivered": 2, "pending": 0, "failed": 0}));
    assert_eq!(app.document(&app.city().care_manager, &id).await.body["status_label"], "既読");
    app.acknowledge(&app.city().care_manager, &id).await;
    let outbox = app.outbox(&app.city().nurse).await;
    assert_eq!(outbox.body[0]["status_label"], "確認済");

    // Another facility sees nothing of it.
    assert_eq!(app.deliveries(&app.city().other_nurse, &id).await.status, 404);
}

#[tokio::test]
async fn with_the_smtp_server_down_sending_succeeds_and_the_mail_goes_out_once_it_is_back() {
    let mut sink = SmtpSink::down();
    let app =
        spawn_app_with(Options::default().env("SMTP_URL", &sink.url()).env("MAIL_RETRY_SECONDS", "1").delivering())
            .await;
    let id = send_admission_sheet(&app, app.city().hospital).await;

    // The care manager's sheet is stored; its mail waits, with the reason shown to the sender.
    let rows = deliveries_until(&app, &app.city().care_manager, &id, |rows| {
        rows.iter().any(|r| r["attempts"].as_i64() >= Some(1) && r["state"] == "queued")
    })
    .await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["state_label"], "送信待ち");
    assert!(rows[0]["last_error"].as_str().is_some_and(|e| e.contains("SMTP")), "{rows:?}");
    let inbox = app.inbox(&app.city().nurse, "").await;
    assert_eq!(inbox.body[0]["id"], id.as_str(), "the document itself is there at once");

    sink.up().await;
    let mails = sink.wait_for(1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["rcpt_tos"], json!(["h1@example.jp"]));
    assert_eq!(mails[0]["subject"], "【Renkei】入院時情報提供書が届きました（さくら居宅より）");
    assert_no_patient_data(&mails[0]);
    let rows = deliveries_until(&app, &app.city().care_manager, &id, all_in("delivered")).await;
    assert!(rows[0]["attempts"].as_i64().unwrap() >= 2, "{rows:?}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(sink.mails().len(), 1, "delivered once, not again");
}

#[tokio::test]
async fn a_refused_address_fails_at_once_the_sender_and_admins_see_it_and_admins_can_retry() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(Options::default().env("SMTP_URL", &sink.url())).await;
    let hospital = {
        let conn = &mut *app.pool.get().unwrap();
        renkei::directory::create_facility(
            conn,
            renkei::directory::NewFacility {
                code: "H9".into(),
                name: "窓口誤登録病院".into(),
                kind: renkei::directory::FacilityKind::Hospital,
                area: None,
                in_city: true,
                contact_windows: vec![renkei::directory::ContactWindow {
                    label: "地域医療連携室".into(),
                    email: Some("refused@h9.example.jp".into()),
                    phone: None,
                    fax: None,
                    hours_note: None,
                }],
            },
        )
        .unwrap()
        .id
    };
    let id = send_admission_sheet(&app, hospital).await;
    assert_eq!(app.deliver_pending().await, 1);

    let rows = deliveries_until(&app, &app.city().care_manager, &id, all_in("failed")).await;
    assert_eq!(rows[0]["state_label"], "配信失敗");
    assert_eq!(rows[0]["attempts"], 1, "a refused mailbox is not retried");
    assert!(rows[0]["last_error"].as_str().unwrap().contains("550"), "{rows:?}");
    let outbox = app.outbox(&app.city().care_manager).await;
    assert_eq!(outbox.body[0]["delivery"]["failed"], 1, "the sender is told someone was not reached");
    assert_eq!(outbox.body[0]["status_label"], "送信済");

    let failed = app.mail(&app.city().admin, "state=failed").await;
    assert_eq!(failed.status, 200, "{}", failed.body);
    assert_eq!(failed.body.as_array().unwrap().len(), 1);
    assert_eq!(failed.body[0]["address"], "refused@h9.example.jp");
    assert_eq!(app.mail(&app.city().nurse, "state=failed").await.status, 403);
    assert_eq!(app.mail(&app.city().admin, "state=lost").await.status, 400);

    let mail = failed.body[0]["id"].as_str().unwrap();
    let retried = app.retry_mail(&app.city().admin, mail).await;
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.body["attempts"], 0);
    assert_eq!(app.deliver_pending().await, 1);
    let rows = deliveries_until(&app, &app.city().care_manager, &id, |rows| {
        rows[0]["attempts"] == 1 && rows[0]["state"] == "failed"
    })
    .await;
    assert_eq!(rows[0]["state"], "failed", "refused again, failed again");
    let again = app.retry_mail(&app.city().admin, &uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(again.status, 404);
    assert!(sink.mails().is_empty());
}

#[tokio::test]
async fn without_an_smtp_server_each_mail_becomes_an_eml_file() {
    let app = spawn_app_with(Options::default().env("PUBLIC_URL", "https://renkei.example.jp")).await;
    let id = send_admission_sheet(&app, app.city().hospital).await;
    assert_eq!(app.deliver_pending().await, 1);
    deliveries_until(&app, &app.city().care_manager, &id, all_in("delivered")).await;
    let files: Vec<_> = std::fs::read_dir(app.database.mail_dir()).unwrap().map(|f| f.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].extension().and_then(|e| e.to_str()), Some("eml"));
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("To: h1@example.jp"), "{text}");
    assert!(text.contains("@renkei.example.jp>"), "a Message-ID: {text}");
}
