//! Files attached to documents: a care manager's PDF reaches the hospital byte for byte, no
//! other facility can see it, each download is audited, no mail carries it, and files too large
//! or of another kind are refused with nothing stored.

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::support::app::pdf_file;
use crate::support::{TestApp, admission_sheet, day, spawn_app};

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The statuses of the audit entries `query` finds on `route`, newest first.
async fn statuses(app: &TestApp, query: &str, route: &str) -> Vec<i64> {
    let log = app.audit(&app.city().admin, query).await;
    let entries = log.body.as_array().unwrap();
    entries.iter().filter(|e| e["route"] == route).map(|e| e["status"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn a_care_managers_pdf_reaches_the_hospital_byte_for_byte_and_no_other_facility() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let document = app.admission_sheet_sent(&client).await["id"].as_str().unwrap().to_owned();
    let pdf = pdf_file();
    let name = "お薬手帳 2026年11月.pdf";

    let attached = app.attach(&app.city().care_manager, &document, name, &pdf).await;

    assert_eq!(attached.status, 201, "{}", attached.body);
    assert_eq!(attached.body["file_name"], name);
    assert_eq!(attached.body["content_type"], "application/pdf");
    assert_eq!(attached.body["size"], pdf.len());
    assert_eq!(attached.body["sha256"], sha256(&pdf));
    let id = attached.body["id"].as_str().unwrap();

    // The hospital sees it listed with the document and downloads it as it was sent.
    let opened = app.document(&app.city().nurse, &document).await;
    assert_eq!(opened.body["attachments"][0]["id"], id, "{}", opened.body);
    let listed = app.get(&format!("/api/v1/documents/{document}/attachments"), &app.city().nurse).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body[0]["sha256"], sha256(&pdf));
    let (status, headers, bytes) = app.attachment(&app.city().nurse, &document, id).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, pdf, "byte for byte");
    assert_eq!(sha256(&bytes), attached.body["sha256"].as_str().unwrap());
    assert_eq!(headers["content-type"], "application/pdf");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(
        disposition.contains("filename*=UTF-8''%E3%81%8A%E8%96%AC%E6%89%8B%E5%B8%B3%202026%E5%B9%B411%E6%9C%88.pdf"),
        "the Japanese name, as RFC 5987 writes it: {disposition}"
    );
    assert_eq!(app.attachment(&app.city().care_manager, &document, id).await.2, pdf, "the sender too");

    // Another hospital and another care office: 404 for the file, its list and its document.
    for token in [&app.city().other_nurse, &app.city().other_care_manager] {
        assert_eq!(app.attachment(token, &document, id).await.0, 404);
        assert_eq!(app.get(&format!("/api/v1/documents/{document}/attachments"), token).await.status, 404);
        assert_eq!(app.attach(token, &document, "x.pdf", &pdf).await.status, 404);
    }
    // The recipient reads it but does not add to the sender's document.
    let by_recipient = app.attach(&app.city().nurse, &document, "x.pdf", &pdf).await;
    assert_eq!(by_recipient.status, 403, "{}", by_recipient.body);
    assert_eq!(app.count("attachments"), 1);

    // Each download is audited, and so is the other hospital's attempt.
    let query = format!("target_id={document}&action=read");
    let downloads = statuses(&app, &query, "/api/v1/documents/{id}/attachments/{attachment_id}").await;
    assert_eq!(downloads.iter().filter(|s| **s == 200).count(), 2, "{downloads:?}");
    assert_eq!(downloads.iter().filter(|s| **s == 404).count(), 2, "{downloads:?}");

    // An amendment announces itself by mail; no mail names or carries the file.
    let sheet = admission_sheet(&day(-1));
    let amended = app.amend(&app.city().care_manager, &document, &json!({ "payload": sheet })).await;
    assert_eq!(amended.status, 201, "{}", amended.body);
    assert_eq!(amended.body["attachments"][0]["id"], id, "the files stay with the document");
    app.deliver_pending().await;
    let mails = app.count("outbox");
    assert!(mails >= 2, "{mails}");
    let naming = app.count(
        "outbox WHERE body_text LIKE '%お薬手帳%' OR body_html LIKE '%お薬手帳%' OR subject LIKE '%お薬手帳%' \
         OR body_text LIKE '%.pdf%' OR body_html LIKE '%.pdf%'",
    );
    assert_eq!(naming, 0, "no mail names the file");
}

#[tokio::test]
async fn too_large_a_file_another_kind_or_too_much_for_one_document_is_refused_and_nothing_stored() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let document = app.admission_sheet_sent(&client).await["id"].as_str().unwrap().to_owned();
    let cm = &app.city().care_manager;
    let sized = |size: usize| {
        let mut pdf = pdf_file();
        pdf.resize(size, b' ');
        pdf
    };

    let eleven = app.attach(cm, &document, "大きい.pdf", &sized(11 * 1024 * 1024)).await;
    assert_eq!(eleven.status, 413, "{}", eleven.body);
    assert_eq!(eleven.content_type, "application/problem+json");
    assert_eq!(eleven.body["errors"][0]["pointer"], "/file");
    assert_eq!(eleven.body["detail"], "ファイルが大きすぎます。1ファイル10MBまでです");

    let mut program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    program.extend(std::iter::repeat_n(0u8, 2048));
    let exe = app.attach(cm, &document, "x.pdf", &program).await;
    assert_eq!(exe.status, 415, "{}", exe.body);
    assert_eq!(exe.body["errors"][0]["pointer"], "/file");
    assert_eq!(exe.body["errors"][0]["keyword"], "contentType");
    assert_eq!(app.count("attachments"), 0, "nothing stored");

    let empty = app.attach(cm, &document, "空.pdf", b"").await;
    assert_eq!(empty.status, 422, "{}", empty.body);

    // 10 MiB three times is the most one document holds.
    for n in 1..=3 {
        let answer = app.attach(cm, &document, &format!("{n}.pdf"), &sized(10 * 1024 * 1024)).await;
        assert_eq!(answer.status, 201, "file {n}: {}", answer.body);
    }
    let one_more = app.attach(cm, &document, "4.pdf", &sized(1024)).await;
    assert_eq!(one_more.status, 413, "{}", one_more.body);
    assert_eq!(one_more.body["errors"][0]["keyword"], "maxTotalSize");
    assert_eq!(app.count("attachments"), 3);

    // The refusals are audited as refused writes.
    let refused = statuses(&app, "action=refused", "/api/v1/documents/{id}/attachments").await;
    assert_eq!(refused, vec![413, 422, 415, 413], "newest first");
}
