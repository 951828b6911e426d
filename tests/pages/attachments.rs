//! Attaching a file from a document's page, and the files listed, downloaded and printed.

use renkei::forms::DocumentKind;
use renkei::web::form;

use crate::support::app::pdf_file;
use crate::support::pages::sign_in_page;
use crate::support::{admission_sheet, day, spawn_app};

#[tokio::test]
async fn the_sender_attaches_a_pdf_from_the_page_and_the_hospital_downloads_and_prints_its_name() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let document = app.admission_sheet_sent(&client).await["id"].as_str().unwrap().to_owned();
    let page = format!("/documents/{document}");
    let care_manager = sign_in_page(&app, "cm@c1.example.jp").await;

    let form = care_manager.get(&page).await.text();
    assert!(form.contains("enctype=\"multipart/form-data\""), "{form}");
    assert!(form.contains("name=\"file\"") && form.contains("accept=\"application/pdf,image/jpeg,image/png"), "{form}");
    assert!(form.contains("1ファイル10MBまで"));

    let refused = care_manager.post_file(&format!("{page}/attachments"), &[], "紹介状.pdf", &pdf_file()).await;
    assert_eq!(refused.status, 403, "no CSRF token");
    let program = care_manager
        .post_file(&format!("{page}/attachments"), &[("csrf", &care_manager.csrf)], "x.pdf", b"MZ\x90\x00\x03")
        .await;
    assert_eq!(program.status, 415);
    assert!(program.text().contains("PDF・JPEG・PNG"), "{}", program.text());
    assert_eq!(app.count("attachments"), 0);

    let pdf = pdf_file();
    let attached = care_manager
        .post_file(&format!("{page}/attachments"), &[("csrf", &care_manager.csrf)], "紹介状.pdf", &pdf)
        .await;
    assert_eq!(attached.status, 303, "{}", attached.text());
    assert_eq!(attached.location(), format!("{page}?attached=1#attachments"));
    assert!(care_manager.get(&attached.location()).await.text().contains("ファイルを添付しました"));

    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let shown = nurse.get(&page).await.text();
    assert!(shown.contains("紹介状.pdf"), "{shown}");
    assert!(!shown.contains("name=\"file\""), "the recipient attaches nothing");
    let id = app.document(&app.city().nurse, &document).await.body["attachments"][0]["id"].as_str().unwrap().to_owned();
    let link = format!("{page}/attachments/{id}");
    assert!(shown.contains(&format!("href=\"{link}\"")), "{shown}");
    let downloaded = nurse.get(&link).await;
    assert_eq!(downloaded.status, 200);
    assert_eq!(downloaded.bytes, pdf);
    assert_eq!(downloaded.header("x-content-type-options"), "nosniff");

    let printed = nurse.get(&format!("{page}/print")).await.text();
    assert!(printed.contains("紹介状.pdf（PDF・5 KB）"), "{printed}");
    let masked = nurse.get(&format!("{page}/print?mask=1")).await.text();
    assert!(!masked.contains("紹介状") && masked.contains("添付ファイル1（PDF・5 KB）"), "{masked}");

    let stranger = sign_in_page(&app, "nurse@h2.example.jp").await;
    assert_eq!(stranger.get(&link).await.status, 404);
}

#[tokio::test]
async fn a_file_attached_to_a_draft_goes_with_the_sheet_and_a_discarded_draft_takes_its_files_along() {
    let app = spawn_app().await;
    app.client_of_care_office("0000012345").await;
    let stay = app.admission("0000012345", &day(-1)).await;
    let cm = sign_in_page(&app, "cm@c1.example.jp").await;
    let start = [("kind", "admission_info"), ("episode", stay["id"].as_str().unwrap())];
    let draft = cm.post("/drafts", &start).await.header("location");
    let pdf = pdf_file();

    let attached = cm.post_file(&format!("{draft}/attachments"), &[("csrf", &cm.csrf)], "写真.pdf", &pdf).await;
    assert_eq!(attached.status, 303, "{}", attached.text());
    let html = cm.get(&draft).await.text();
    assert!(html.contains("写真.pdf"), "{html}");
    let other_office = sign_in_page(&app, "cm@c2.example.jp").await;
    assert_eq!(
        other_office
            .post_file(&format!("{draft}/attachments"), &[("csrf", &other_office.csrf)], "x.pdf", &pdf)
            .await
            .status,
        404
    );

    // Sent: the document has the file, and the hospital downloads it as it was attached.
    let schemas = renkei::documents::exchange::schema_registry().unwrap();
    let schema = &schemas.latest(DocumentKind::AdmissionInfo).unwrap().document;
    let mut fields = form::pairs(&form::view(schema, Some(&admission_sheet(&day(-1))), &[], ""));
    fields.push(("recipient".into(), app.city().hospital.to_string()));
    fields.push(("action".into(), "send".into()));
    let posted: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let sent = cm.post(&draft, &posted).await;
    assert_eq!(sent.status, 303, "{}", sent.text());
    let document = sent.header("location").trim_start_matches("/documents/").trim_end_matches("?sent=1").to_owned();
    let opened = app.document(&app.city().nurse, &document).await;
    assert_eq!(opened.body["attachments"][0]["file_name"], "写真.pdf", "{}", opened.body);
    let id = opened.body["attachments"][0]["id"].as_str().unwrap();
    assert_eq!(app.attachment(&app.city().nurse, &document, id).await.2, pdf);

    // A draft thrown away takes its files along.
    let second = cm.post("/drafts", &start).await.header("location");
    let attached = cm.post_file(&format!("{second}/attachments"), &[("csrf", &cm.csrf)], "下書き.pdf", &pdf).await;
    assert_eq!(attached.status, 303);
    assert_eq!(app.count("attachments"), 2);
    assert_eq!(cm.post(&second, &[("action", "discard")]).await.status, 303);
    assert_eq!(app.count("attachments"), 1);
}
