//! How long a discharge notice takes to reach the care side's mail server: from the moment the
//! service accepts the notice (the outbox row is written in its transaction) to the moment a
//! real SMTP server (tests/smtp/sink.py, python3-aiosmtpd, on loopback) accepts the mail, for
//! every mail, under a steady load of notices sent through the HTTP API, each to two addresses
//! (the care office's window and the client's care manager). The delivery worker runs in the
//! server process, as `renkei serve` runs it.
//! SQLite always; PostgreSQL too when TEST_DATABASE_URL is set:
//!   cargo bench --bench mail_latency
//!   tests/with-postgres.sh cargo bench --bench mail_latency
//! Goal (issue 3): p95 under 2 s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/database.rs"]
mod database;
#[path = "../support/ports.rs"]
mod ports;
mod stays;

use std::collections::HashMap;
use std::io::BufRead;
use std::time::{Duration, Instant};

use database::TestDatabase;
use diesel::prelude::*;
use renkei::app::{self, Application, Delivery};
use renkei::db::{DatabaseUrl, Pool};
use renkei::directory::{self, ContactWindow, FacilityKind, NewFacility, NewUser, Role};
use renkei::settings::Settings;
use serde_json::{Value, json};
use uuid::Uuid;

/// Notices per second, and for how long.
const RATES: &[u32] = &[20, 100, 300];
const SECONDS: u32 = 30;
const STAYS: usize = 16;

struct Setup {
    token: String,
    office: Uuid,
    stays: Vec<Uuid>,
    notice: Value,
}

fn settings_for(database: &TestDatabase, smtp_url: &str) -> Settings {
    let url = match &database.url {
        DatabaseUrl::Postgres { url } => url.clone(),
        DatabaseUrl::Sqlite { path } => format!("sqlite://{path}"),
    };
    Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Ok(url.clone()),
        "BIND_ADDR" => Ok("127.0.0.1:0".into()),
        // The load is the point: no rate limit in the way.
        "RATE_LIMIT_PER_MINUTE" => Ok("1000000".into()),
        "SMTP_URL" => Ok(smtp_url.to_owned()),
        _ => Err(std::env::VarError::NotPresent),
    })
    .unwrap()
}

fn setup(pool: &Pool) -> Setup {
    let conn = &mut *pool.get().unwrap();
    let facility = |conn: &mut renkei::db::DbConnection, code: &str, kind| {
        let window = ContactWindow {
            label: "連携窓口".into(),
            email: Some(format!("{}@bench.example", code.to_lowercase())),
            phone: None,
            fax: None,
            hours_note: None,
        };
        directory::create_facility(
            conn,
            NewFacility {
                code: code.into(),
                name: code.into(),
                kind,
                area: None,
                in_city: true,
                contact_windows: vec![window],
            },
        )
        .unwrap()
    };
    facility(conn, "H", FacilityKind::Hospital);
    let office = facility(conn, "C", FacilityKind::CareOffice).id;
    for (code, email, role) in
        [("H", "nurse@bench.example", Role::DischargeNurse), ("C", "cm@bench.example", Role::CareManager)]
    {
        directory::create_user(
            conn,
            NewUser { facility_code: code.into(), name: "担当".into(), email: email.into(), role },
        )
        .unwrap();
    }
    let principal = |conn: &mut renkei::db::DbConnection, email: &str| {
        let user = directory::store::find_user_by_email(conn, email).unwrap().unwrap();
        renkei::auth::Principal::of_user(conn, user.id).unwrap()
    };
    let (cm, nurse) = (principal(conn, "cm@bench.example"), principal(conn, "nurse@bench.example"));
    let token = renkei::auth::issue_token(conn, "nurse@bench.example", "bench").unwrap().secret;
    let today = renkei::calendar::today();
    let stays = stays::admitted(conn, &cm, &nurse, STAYS, today - chrono::Duration::days(10));
    let path = format!("{}/tests/fixtures/discharge_notice_v1_full.json", env!("CARGO_MANIFEST_DIR"));
    let mut notice: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    notice["planned_discharge_date"] = json!((today + chrono::Duration::days(7)).to_string());
    notice["conference"]["candidates"] = json!([format!("{}T16:00:00+09:00", today + chrono::Duration::days(2))]);
    Setup { token, office, stays, notice }
}

/// Sends `rate` notices a second for SECONDS, each on its own schedule (an open load: a slow
/// answer does not slow the next sender). Returns the API's p95.
async fn load(address: &str, setup: &Setup, rate: u32) -> Duration {
    let http = reqwest::Client::new();
    let started = tokio::time::Instant::now();
    let total = rate * SECONDS;
    let mut tasks = Vec::new();
    for i in 0..total {
        tokio::time::sleep_until(started + Duration::from_secs_f64(f64::from(i) / f64::from(rate))).await;
        let body = json!({"kind": "discharge_notice", "recipient_facility_id": setup.office,
                          "episode_id": setup.stays[i as usize % setup.stays.len()], "payload": setup.notice})
        .to_string();
        let (http, url, token) = (http.clone(), format!("{address}/api/v1/documents"), setup.token.clone());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let answer = http
                .post(url)
                .bearer_auth(token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status().as_u16(), 201);
            sent.elapsed()
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.push(task.await.unwrap());
    }
    latencies.sort();
    latencies[(latencies.len() * 95 / 100).min(latencies.len() - 1)]
}

/// When each mail was queued (seconds since the epoch), by Message-ID; waits until none is left
/// to send.
fn queued_when_all_delivered(pool: &Pool) -> HashMap<String, f64> {
    use renkei::db::schema::outbox;
    let conn = &mut *pool.get().unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let waiting: i64 = outbox::table.filter(outbox::state.ne("delivered")).count().get_result(conn).unwrap();
        if waiting == 0 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let rows: Vec<(String, chrono::NaiveDateTime)> =
        outbox::table.select((outbox::message_id, outbox::created_at)).load(conn).unwrap();
    rows.into_iter().map(|(id, at)| (id, at.and_utc().timestamp_micros() as f64 / 1e6)).collect()
}

fn main() {
    let engines: Vec<(&str, Option<String>)> = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => vec![("SQLite", None), ("PostgreSQL", Some(url))],
        _ => vec![("SQLite", None)],
    };
    println!("| engine | notices/s for {SECONDS} s | mails | accepted → SMTP p50 | p95 | max | API p95 |");
    println!("|---|---|---|---|---|---|---|");
    for (name, url) in engines {
        for &rate in RATES {
            let database = match &url {
                Some(url) => TestDatabase::new_postgres(url),
                None => TestDatabase::new_sqlite(),
            };
            let port = ports::free_port();
            let received = std::env::temp_dir().join(format!("renkei-bench-mail-{}.jsonl", Uuid::now_v7()));
            let mut sink = std::process::Command::new("/usr/bin/python3")
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/sink.py"))
                .arg(port.to_string())
                .arg(&received)
                .arg("--envelope-only")
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("python3-aiosmtpd");
            let mut ready = String::new();
            std::io::BufReader::new(sink.stdout.take().unwrap()).read_line(&mut ready).unwrap();
            assert_eq!(ready.trim(), "ready");

            let settings = settings_for(&database, &format!("smtp://127.0.0.1:{port}"));
            let pool = app::prepare_database(&settings).unwrap();
            let setup = setup(&pool);
            // A runtime per run: dropping it stops this run's server and worker.
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let api_p95 = runtime.block_on(async {
                let application = Application::build(&settings, pool.clone(), Delivery::InProcess).unwrap();
                let address = format!("http://127.0.0.1:{}", application.port());
                tokio::spawn(application.run_until_stopped());
                load(&address, &setup, rate).await
            });
            let queued = queued_when_all_delivered(&pool);
            std::thread::sleep(Duration::from_millis(500));
            let mut latencies: Vec<f64> = std::fs::read_to_string(&received)
                .unwrap()
                .lines()
                .map(|line| serde_json::from_str::<Value>(line).unwrap())
                .filter_map(|mail| {
                    let at = queued.get(mail["message_id"].as_str()?)?;
                    Some(mail["received_at"].as_f64()? - at)
                })
                .collect();
            assert_eq!(latencies.len(), queued.len(), "every mail arrived, once");
            latencies.sort_by(f64::total_cmp);
            let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
            println!(
                "| {name} | {rate} | {} | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms |",
                latencies.len(),
                at(0.5) * 1000.0,
                at(0.95) * 1000.0,
                latencies.last().unwrap() * 1000.0,
                api_p95.as_secs_f64() * 1000.0
            );
            runtime.shutdown_timeout(Duration::from_secs(1));
            let _ = sink.kill();
            let _ = sink.wait();
            let _ = std::fs::remove_file(&received);
        }
    }
}
