//! The audit log: every read and write of client data and every sign-in, with who, when, what
//! and from where, never the payloads; append-only; read back and exported by administrators.

use diesel::connection::SimpleConnection;
use serde_json::Value;

use crate::support::spawn_app;

fn find<'a>(entries: &'a [Value], action: &str, route: &str, status: u16) -> Vec<&'a Value> {
    entries.iter().filter(|e| e["action"] == action && e["route"] == route && e["status"] == status).collect()
}

#[tokio::test]
async fn reads_writes_refusals_and_sign_ins_are_logged_without_payloads() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let sent = app.admission_sheet_sent(&client).await;
    let document = sent["id"].as_str().unwrap();
    assert_eq!(app.document(&app.city().nurse, document).await.status, 200);
    assert_eq!(app.document(&app.city().other_nurse, document).await.status, 404);
    assert_eq!(app.acknowledge(&app.city().nurse, document).await.status, 200);
    assert_eq!(app.me("renkei_0000").await.status, 401);

    let log = app.audit(&app.city().admin, "").await;
    assert_eq!(log.status, 200, "{}", log.body);
    let entries = log.body.as_array().unwrap();
    let write = find(entries, "write", "/api/v1/documents", 201);
    assert_eq!(write.len(), 1, "{entries:#?}");
    assert_eq!(write[0]["target_id"], document, "the write names the document it created");
    assert_eq!(write[0]["remote_addr"], "127.0.0.1");
    let reads = find(entries, "read", "/api/v1/documents/{id}", 200);
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0]["target_id"], document);
    let denied = find(entries, "read", "/api/v1/documents/{id}", 404);
    assert_eq!(denied.len(), 1, "another hospital's attempt is logged too");
    assert_ne!(denied[0]["facility_id"], reads[0]["facility_id"]);
    assert_eq!(find(entries, "write", "/api/v1/documents/{id}/acknowledge", 200).len(), 1);
    assert_eq!(find(entries, "write", "/api/v1/clients", 201).len(), 1);
    assert_eq!(entries.iter().filter(|e| e["action"] == "sign_in_failed").count(), 1);
    assert!(entries.iter().filter(|e| e["action"] == "sign_in").count() >= 3, "each token's first use");

    let whole = log.body.to_string();
    for secret in ["連携 花子", "レンケイ", "1940-02-11", "0100000001", "連携町"] {
        assert!(!whole.contains(secret), "the audit log holds no payload ({secret})");
    }

    let csv = app
        .client
        .get(format!("{}/api/v1/admin/audit?format=csv&action=write", app.address))
        .bearer_auth(&app.city().admin)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("\u{feff}日時,利用者ID,事業所ID,操作"), "{text}");
    assert_eq!(text.lines().count(), 1 + 3, "header and the three writes: {text}");

    assert_eq!(app.audit(&app.city().coordinator, "").await.status, 403);
    assert_eq!(app.audit(&app.city().admin, "format=pdf").await.status, 400);
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed_or_emptied() {
    let app = spawn_app().await;
    assert_eq!(app.clients(&app.city().care_manager).await.status, 200);
    let before = app.count("audit_log");
    assert!(before >= 2, "a sign-in and a read");
    let conn = &mut *app.pool.get().unwrap();
    assert!(conn.batch_execute("UPDATE audit_log SET status = 0").is_err(), "no entry can be changed");
    assert!(conn.batch_execute("DELETE FROM audit_log").is_err(), "no entry can be deleted");
    assert_eq!(app.count("audit_log"), before);
}
