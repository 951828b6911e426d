//! Durable submissions per second: 8 concurrent clients send full admission sheets through the
//! HTTP API (token check, schema validation, visibility checks, one transaction, 201 only after
//! the commit), next to the raw insert rate of the same rows (document, revision, contact) made
//! by 8 threads straight through the store, in the same run, on the same database.
//! SQLite always; PostgreSQL too when TEST_DATABASE_URL is set:
//!   cargo bench --bench submissions
//!   tests/with-postgres.sh cargo bench --bench submissions
//! Goal (issue 2): submissions at 50 % or more of the raw rate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/database.rs"]
mod database;
mod stays;

use std::time::{Duration, Instant};

use database::TestDatabase;
use renkei::app::{self, Application};
use renkei::auth::Principal;
use renkei::contacts::{ContactKind, Direction, Method};
use renkei::db::{self, DatabaseUrl, Pool};
use renkei::directory::{self, FacilityKind, NewFacility, NewUser, Role};
use renkei::forms::DocumentKind;
use renkei::settings::Settings;
use serde_json::{Value, json};
use uuid::Uuid;

const CLIENTS: usize = 8;
const PER_CLIENT: usize = 250;

struct Setup {
    pool: Pool,
    token: String,
    sender: Principal,
    hospital: Uuid,
    episodes: Vec<Uuid>,
    sheet: Value,
}

fn setup(database: &TestDatabase) -> (Settings, Setup) {
    let url = match &database.url {
        DatabaseUrl::Postgres { url } => url.clone(),
        DatabaseUrl::Sqlite { path } => format!("sqlite://{path}"),
    };
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Ok(url.clone()),
        "BIND_ADDR" => Ok("127.0.0.1:0".into()),
        // The load is the point: no rate limit in the way.
        "RATE_LIMIT_PER_MINUTE" => Ok("1000000".into()),
        _ => Err(std::env::VarError::NotPresent),
    })
    .unwrap();
    let pool = app::prepare_database(&settings).unwrap();
    let conn = &mut *pool.get().unwrap();
    let facility = |conn: &mut db::DbConnection, code: &str, kind| {
        directory::create_facility(
            conn,
            NewFacility {
                code: code.into(),
                name: code.into(),
                kind,
                area: None,
                in_city: true,
                contact_windows: vec![],
            },
        )
        .unwrap()
    };
    let hospital = facility(conn, "H", FacilityKind::Hospital);
    facility(conn, "C", FacilityKind::CareOffice);
    for (code, email, role) in
        [("H", "nurse@bench.example", Role::DischargeNurse), ("C", "cm@bench.example", Role::CareManager)]
    {
        directory::create_user(
            conn,
            NewUser { facility_code: code.into(), name: "担当".into(), email: email.into(), role },
        )
        .unwrap();
    }
    let cm = directory::store::find_user_by_email(conn, "cm@bench.example").unwrap().unwrap();
    let nurse = directory::store::find_user_by_email(conn, "nurse@bench.example").unwrap().unwrap();
    let token = renkei::auth::issue_token(conn, "cm@bench.example", "bench").unwrap().secret;
    let sender = Principal::of_user(conn, cm.id).unwrap();
    let nurse = Principal::of_user(conn, nurse.id).unwrap();
    let today = renkei::calendar::today();
    let episodes = stays::admitted(conn, &sender, &nurse, CLIENTS, today);
    let path = format!("{}/tests/fixtures/admission_info_v1_full.json", env!("CARGO_MANIFEST_DIR"));
    let mut sheet: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for pointer in ["/header/written_on", "/header/admission_date", "/header/provided_on"] {
        *sheet.pointer_mut(pointer).unwrap() = json!(today.to_string());
    }
    (settings, Setup { pool: pool.clone(), token, sender, hospital: hospital.id, episodes, sheet })
}

/// Submissions through the API; returns (per second, p50, p95).
async fn through_the_api(address: &str, setup: &Setup, per_client: usize) -> (f64, Duration, Duration) {
    let started = Instant::now();
    let tasks: Vec<_> = setup
        .episodes
        .iter()
        .map(|episode| {
            let http = reqwest::Client::new();
            let url = format!("{address}/api/v1/documents");
            let token = setup.token.clone();
            let body = json!({"kind": "admission_info", "recipient_facility_id": setup.hospital, "episode_id": episode, "payload": setup.sheet})
                .to_string();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(per_client);
                for _ in 0..per_client {
                    let sent = Instant::now();
                    let answer = http
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(answer.status().as_u16(), 201);
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    (latencies.len() as f64 / elapsed.as_secs_f64(), at(0.5), at(0.95))
}

/// The same rows, inserted by 8 threads in one write transaction each; returns per second.
fn raw_inserts(setup: &Setup, per_client: usize) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for episode in &setup.episodes {
            scope.spawn(|| {
                let mut conn = setup.pool.get().unwrap();
                for _ in 0..per_client {
                    db::write(&mut conn, |conn| {
                        let now = renkei::calendar::now();
                        let id = renkei::documents::store::insert(
                            conn,
                            DocumentKind::AdmissionInfo,
                            *episode,
                            &setup.sender,
                            setup.hospital,
                            1,
                            &setup.sheet,
                            now,
                        )?;
                        renkei::contacts::store::insert(
                            conn,
                            &renkei::contacts::store::ContactRecord {
                                episode_id: *episode,
                                direction: Direction::CmToHospital,
                                kind: ContactKind::AdmissionInfo,
                                method: Method::System,
                                contacted_on: Some(renkei::calendar::japan_date(now)),
                                contacted_at: Some(now),
                                document_id: Some(id),
                                recorded_by: Some(setup.sender.user_id),
                            },
                        )?;
                        Ok::<_, diesel::result::Error>(())
                    })
                    .unwrap();
                }
            });
        }
    });
    (setup.episodes.len() * per_client) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let engines: Vec<(&str, Option<String>)> = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => vec![("SQLite", None), ("PostgreSQL", Some(url))],
        _ => vec![("SQLite", None)],
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    println!(
        "| engine | submissions/s (API, {CLIENTS} clients) | p50 | p95 | raw inserts/s (same rows, {CLIENTS} threads) | ratio |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, url) in engines {
        let database = match url {
            Some(url) => TestDatabase::new_postgres(&url),
            None => TestDatabase::new_sqlite(),
        };
        let (settings, setup) = setup(&database);
        let (api, p50, p95) = runtime.block_on(async {
            let application =
                Application::build(&settings, setup.pool.clone(), renkei::app::Delivery::Elsewhere).unwrap();
            let address = format!("http://127.0.0.1:{}", application.port());
            tokio::spawn(application.run_until_stopped());
            through_the_api(&address, &setup, 10).await; // warm-up
            through_the_api(&address, &setup, PER_CLIENT).await
        });
        let raw = raw_inserts(&setup, PER_CLIENT);
        println!(
            "| {name} | {api:.0} | {:.1} ms | {:.1} ms | {raw:.0} | {:.0} % |",
            p50.as_secs_f64() * 1000.0,
            p95.as_secs_f64() * 1000.0,
            100.0 * api / raw
        );
    }
}
