//! Mail sent by the renkei binary's own processes, counted at a real SMTP server
//! (tests/smtp/sink.py): no mail is lost when the service is killed after the commit, none is
//! sent twice when a worker is killed while sending, two `renkei worker`s sharing the database
//! deliver each mail exactly once, and mail goes over STARTTLS or TLS only to a server whose
//! certificate is trusted.

use std::collections::HashSet;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::cli;
use crate::support::smtp::{SmtpSink, TestCertificates};
use crate::support::{Options, TestApp, admission_sheet, day, free_port, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_server_killed_after_the_commit_delivers_the_mail_after_its_restart() {
    let mut sink = SmtpSink::down();
    // The in-test server only seeds the city; a separate process serves and is killed.
    let app = spawn_app().await;
    let port = free_port();
    let env = [("SMTP_URL", sink.url()), ("MAIL_RETRY_SECONDS", "1".into())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut server = cli::start_server(&app.database, port, &env).await;

    let client = app.client_of_care_office("0100000001").await;
    let sent = app
        .client
        .post(format!("http://127.0.0.1:{port}/api/v1/documents"))
        .bearer_auth(&app.city().care_manager)
        .json(
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "client_id": client["id"],
                      "payload": admission_sheet(&day(-1))}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 201);
    server.kill().await.unwrap(); // SIGKILL: no chance to send or to tidy up

    sink.up().await;
    let mut restarted = cli::start_server(&app.database, port, &env).await;
    // A mail held by the killed worker waits for its lease (60 s) to end.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    while sink.mails().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0]["rcpt_tos"], json!(["h1@example.jp"]));
    restarted.kill().await.unwrap();
}

/// Queues `n` mails to the hospital's addresses as sending documents does, ten addresses a time.
fn queue_mails(app: &TestApp, n: usize) {
    let conn = &mut *app.pool.get().unwrap();
    let notifier = renkei::notify::Notifier::new("https://renkei.example.jp");
    let facts = renkei::notify::mail::MailFacts {
        recipient_facility: "連携病院".into(),
        sender_facility: Some("さくら居宅".into()),
        document_kind: Some("入院時情報提供書".into()),
        link: "https://renkei.example.jp/documents/x".into(),
        ..Default::default()
    };
    let about = renkei::notify::About {
        topic: renkei::notify::Topic::DocumentSent,
        document: None,
        episode_id: None,
        reminder_id: None,
    };
    let addresses: Vec<_> = (0..n)
        .map(|i| renkei::notify::recipients::Recipient {
            facility_id: app.city().hospital,
            user_id: None,
            address: format!("ward{i}@h1.example.jp"),
        })
        .collect();
    for batch in addresses.chunks(10) {
        notifier.queue(conn, &about, &facts, batch, renkei::calendar::now()).unwrap();
    }
}

/// `renkei worker` as a process on the test database.
fn worker(app: &TestApp, env: &[(&str, &str)]) -> tokio::process::Child {
    let mut command = cli::command(&app.database);
    command.envs(env.iter().copied()).arg("worker").stdout(std::process::Stdio::null()).spawn().unwrap()
}

/// The outbox as administrators see it.
async fn all_mail(app: &TestApp) -> Vec<Value> {
    app.mail(&app.city().admin, "limit=500").await.body.as_array().unwrap().clone()
}

#[tokio::test]
async fn mail_goes_over_starttls_or_tls_only_to_a_server_whose_certificate_is_trusted() {
    let certificates = TestCertificates::new();
    let (cert, key, ca) = (certificates.path("leaf.pem"), certificates.path("leaf.key"), certificates.path("ca.pem"));
    for (mode, url) in [("--starttls", "smtp://localhost:{port}?tls=required"), ("--tls", "smtps://localhost:{port}")] {
        let sink = SmtpSink::start_with(&[mode, &cert, &key]).await;
        let app = spawn_app().await;
        queue_mails(&app, 1);
        let url = url.replace("{port}", &sink.port.to_string());

        // The system's trust store does not know the test CA: the mail waits, with the reason.
        let mut untrusting = worker(&app, &[("SMTP_URL", &url), ("MAIL_RETRY_SECONDS", "1")]);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while all_mail(&app).await[0]["last_error"].is_null() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        untrusting.kill().await.unwrap();
        let mail = &all_mail(&app).await[0];
        assert_eq!(mail["state"], "queued", "{mode}: {mail}");
        assert!(mail["last_error"].as_str().unwrap().contains("SMTP"), "{mode}: {mail}");
        assert!(sink.mails().is_empty(), "{mode}: nothing went to an unverified server");

        // Trusting the CA (SSL_CERT_FILE, as for a private CA in production), it goes out.
        let mut trusting = worker(&app, &[("SMTP_URL", &url), ("SSL_CERT_FILE", &ca), ("MAIL_RETRY_SECONDS", "1")]);
        let mails = sink.wait_for(1).await;
        trusting.kill().await.unwrap();
        assert_eq!(mails.len(), 1, "{mode}");
        assert_eq!(mails[0]["rcpt_tos"], json!(["ward0@h1.example.jp"]));
    }
}

#[tokio::test]
async fn two_workers_on_one_database_deliver_each_mail_exactly_once() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with(Options::default().env("SMTP_URL", &sink.url())).await;
    const MAILS: usize = 300;
    queue_mails(&app, MAILS);
    let url = sink.url();
    let (mut first, mut second) = (worker(&app, &[("SMTP_URL", &url)]), worker(&app, &[("SMTP_URL", &url)]));
    let mails = sink.wait_for(MAILS).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    first.kill().await.unwrap();
    second.kill().await.unwrap();

    let mails = if sink.mails().len() > mails.len() { sink.mails() } else { mails };
    let ids: HashSet<&str> = mails.iter().map(|m| m["message_id"].as_str().unwrap()).collect();
    assert_eq!(mails.len(), MAILS, "every mail arrived, none twice");
    assert_eq!(ids.len(), MAILS, "each under its own Message-ID");
    let delivered = app.mail(&app.city().admin, "state=delivered&limit=500").await;
    assert_eq!(delivered.body.as_array().unwrap().len(), MAILS);
}

/// A worker killed (SIGKILL) while some mails of its batch are still being sent sends none of
/// those the SMTP server had accepted a second time: each accepted mail is recorded as soon as it
/// is accepted, not when the whole batch is done. Only the mails in flight at the kill go again.
#[tokio::test]
async fn a_worker_killed_while_sending_sends_no_accepted_mail_twice() {
    use diesel::connection::SimpleConnection;
    const MAILS: usize = 10;
    const ACCEPTED: usize = 3;
    let mut sink = SmtpSink::start_with(&["--stall-after", &ACCEPTED.to_string()]).await;
    let app = spawn_app().await;
    queue_mails(&app, MAILS);
    let url = sink.url();
    let mut killed = worker(&app, &[("SMTP_URL", &url)]);
    // Three mails accepted, the other seven hang at the server (it never answers their data).
    let delivered = |app: &TestApp| app.count("outbox WHERE state = 'delivered'");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while (sink.mails().len() < ACCEPTED || delivered(&app) < ACCEPTED as i64) && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sink.mails().len(), ACCEPTED);
    assert_eq!(delivered(&app), ACCEPTED as i64, "the accepted mails are recorded while the others are still sending");
    killed.kill().await.unwrap();

    sink.stop().await;
    sink.set_options(&[]);
    sink.up().await;
    // The hanging mails are held by the killed worker until its lease (60 s) ends: end it now.
    app.pool.get().unwrap().batch_execute("UPDATE outbox SET lease_until = NULL WHERE state = 'sending'").unwrap();
    let mut next = worker(&app, &[("SMTP_URL", &url)]);
    let mails = sink.wait_for(MAILS).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    next.kill().await.unwrap();
    let mails = if sink.mails().len() > mails.len() { sink.mails() } else { mails };
    let ids: HashSet<&str> = mails.iter().map(|m| m["message_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), MAILS, "every mail arrived");
    assert_eq!(mails.len(), MAILS, "none twice: {mails:?}");
}
