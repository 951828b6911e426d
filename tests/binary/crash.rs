//! The service killed with SIGKILL at random moments (after 300 to 700 answered submissions,
//! others in flight) while documents are being sent, and started
//! again: every document answered 201 is stored exactly once, and every mail of every stored
//! document reaches the SMTP server under its Message-ID.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::process::Child;

use diesel::prelude::*;
use serde_json::json;

use crate::support::cli::start_server;
use crate::support::smtp::SmtpSink;
use crate::support::{TestApp, admission_sheet, day, free_port, spawn_app};

const SENDERS: usize = 4;
const KILLS: usize = 4;

/// Sends admission sheets from SENDERS tasks, kills the server with SIGKILL once `kill_after`
/// of them were answered (the others being in flight), and returns the ids answered 201.
async fn send_until_killed(
    app: &TestApp,
    port: u16,
    client: &str,
    mut server: Child,
    kill_after: usize,
) -> Vec<String> {
    let answered_so_far = Arc::new(AtomicUsize::new(0));
    let body = json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "client_id": client,
                      "payload": admission_sheet(&day(-1))});
    let senders: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (http, token, body) = (app.client.clone(), app.city().care_manager.clone(), body.clone());
            let counter = answered_so_far.clone();
            tokio::spawn(async move {
                let mut answered = Vec::new();
                loop {
                    let sent = http
                        .post(format!("http://127.0.0.1:{port}/api/v1/documents"))
                        .bearer_auth(&token)
                        .json(&body)
                        .send()
                        .await;
                    let Ok(response) = sent else { return answered };
                    if response.status().as_u16() != 201 {
                        return answered;
                    }
                    let Ok(summary) = response.json::<serde_json::Value>().await else { return answered };
                    answered.push(summary["id"].as_str().unwrap().to_owned());
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    while answered_so_far.load(Ordering::Relaxed) < kill_after {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill().await.unwrap(); // SIGKILL, in the middle of the senders' requests
    let mut answered = Vec::new();
    for sender in senders {
        answered.extend(sender.await.unwrap());
    }
    answered
}

#[tokio::test]
async fn after_sigkill_under_load_every_answered_document_is_stored_once_and_every_mail_arrives() {
    let sink = SmtpSink::start().await;
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await["id"].as_str().unwrap().to_owned();
    let port = free_port();
    let url = sink.url();
    // The senders go as fast as they can: no rate limit in the way.
    let env = [("SMTP_URL", url.as_str()), ("MAIL_RETRY_SECONDS", "1"), ("RATE_LIMIT_PER_MINUTE", "1000000")];

    let mut answered = Vec::new();
    for _ in 0..KILLS {
        let server = start_server(&app.database, port, &env).await;
        let kill_after = 300 + fastrand::usize(..400);
        answered.extend(send_until_killed(&app, port, &client, server, kill_after).await);
    }
    assert!(answered.len() > 1000, "thousands of submissions under the kills ({} answered)", answered.len());

    // Started once more, the service delivers whatever was left (a mail held by a killed worker
    // waits for its 60-second lease).
    let mut server = start_server(&app.database, port, &env).await;
    let conn = &mut *app.pool.get().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    loop {
        use renkei::db::schema::outbox;
        let waiting: i64 = outbox::table.filter(outbox::state.ne("delivered")).count().get_result(conn).unwrap();
        if waiting == 0 || tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    server.kill().await.unwrap();

    use renkei::db::schema::{documents, outbox};
    let stored: Vec<String> = documents::table.select(documents::id).load(conn).unwrap();
    let stored_set: HashSet<&String> = stored.iter().collect();
    let answered_set: HashSet<&String> = answered.iter().collect();
    assert_eq!(answered_set.len(), answered.len(), "no id answered twice");
    assert!(answered_set.is_subset(&stored_set), "every document answered 201 is stored");
    // A document committed just before its process died was never answered; it is stored anyway.
    assert!(stored.len() - answered.len() <= SENDERS * KILLS, "{} stored, {} answered", stored.len(), answered.len());

    let mails: Vec<(Option<String>, String, String)> =
        outbox::table.select((outbox::document_id, outbox::message_id, outbox::state)).load(conn).unwrap();
    assert_eq!(mails.len(), stored.len(), "one mail per stored document (one address)");
    assert!(mails.iter().all(|(_, _, state)| state == "delivered"), "every mail was delivered");
    let mut arrived: HashMap<String, usize> = HashMap::new();
    for mail in sink.mails() {
        let id = mail["message_id"].as_str().expect("every mail carries a Message-ID").to_owned();
        *arrived.entry(id).or_default() += 1;
    }
    for (document, message_id, _) in &mails {
        assert!(arrived.contains_key(message_id), "the mail of document {document:?} arrived");
    }
    let known: HashSet<&String> = mails.iter().map(|(_, id, _)| id).collect();
    assert!(arrived.keys().all(|id| known.contains(id)), "nothing arrived that Renkei did not send");
    // At least once: a mail may arrive twice only when its process died between the SMTP
    // server's acceptance and the database's record, which follows each acceptance at once: only
    // the mails in flight at a kill (at most a batch of 32; binary/mail.rs checks that the
    // accepted ones are not among them).
    let twice = arrived.values().filter(|n| **n > 1).count();
    assert!(twice <= 32 * KILLS, "{twice} mails arrived more than once");
}
