//! Durable submissions per second: 8 concurrent clients send full admission sheets through the
//! HTTP API, each with its own Idempotency-Key (token check, schema validation, visibility
//! checks, one transaction, 201 only after the commit), while the server's delivery worker sends
//! their mail (to `.eml` files, as `serve --demo` does); next to the raw rate of the same rows
//! (document, revision with the same payload, contact, outbox row, audit row, idempotency key)
//! written by 8 threads straight through the stores, one durable commit each, in the same run,
//! each half on a fresh database, in alternating rounds.
//! SQLite always; PostgreSQL too when TEST_DATABASE_URL is set:
//!   cargo bench --bench submissions
//!   tests/with-postgres.sh cargo bench --bench submissions
//! BENCH_ROUNDS (default 3), BENCH_SENDS per client (default 250), BENCH_ENGINE (SQLite or
//! PostgreSQL alone), BENCH_PHASE (api or raw alone; tests/bench-submissions-wrk.sh uses raw).
//! Goal (issue 26): submissions at 50 % or more of the raw rate.
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
/// Submissions per client (`BENCH_SENDS` overrides it, e.g. to profile a longer run).
const PER_CLIENT: usize = 250;

fn per_client() -> usize {
    std::env::var("BENCH_SENDS").ok().and_then(|n| n.parse().ok()).unwrap_or(PER_CLIENT)
}

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
        "MAIL_DIR" => Ok(database.mail_dir().display().to_string()),
        _ => Err(std::env::VarError::NotPresent),
    })
    .unwrap();
    let pool = app::prepare_database(&settings).unwrap();
    let conn = &mut *pool.get().unwrap();
    // Each facility has one contact window with an address: a sheet is announced by one mail.
    let facility = |conn: &mut db::DbConnection, code: &str, kind| {
        directory::create_facility(
            conn,
            NewFacility {
                code: code.into(),
                name: code.into(),
                kind,
                area: None,
                in_city: true,
                contact_windows: vec![directory::ContactWindow {
                    label: "連携室".into(),
                    email: Some(format!("{}@bench.example", code.to_lowercase())),
                    phone: None,
                    fax: None,
                    hours_note: None,
                }],
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
                        .header("Idempotency-Key", Uuid::now_v7().to_string())
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

/// The same rows, written by 8 threads in one durable transaction each, straight through the
/// stores (no HTTP, no token, no validation, no lookups): document, revision, contact, the outbox
/// row of its mail (rendered once beforehand), the audit row, the idempotency key. Per second.
fn raw_inserts(setup: &Setup, per_client: usize) -> f64 {
    let facts = renkei::notify::mail::MailFacts {
        recipient_facility: "H".into(),
        sender_facility: Some("C".into()),
        document_kind: Some("入院時情報提供書".into()),
        link: "http://127.0.0.1/documents/x".into(),
        ..Default::default()
    };
    let mail = renkei::notify::mail::render(renkei::notify::Topic::DocumentSent, &facts).unwrap();
    let recipients = [renkei::notify::recipients::Recipient {
        facility_id: setup.hospital,
        user_id: None,
        address: "h@bench.example".into(),
    }];
    let body = setup.sheet.to_string();
    // Each stay's contact summary as the first sheet sets it (the API's warm-up sends do the
    // same): the sheets measured then leave it as it is, and the send path does not read it.
    let summary = renkei::episodes::store::ContactFirsts {
        admission: Some(renkei::calendar::day_number(renkei::calendar::today())),
        ..Default::default()
    };
    {
        let conn = &mut *setup.pool.get().unwrap();
        for episode in &setup.episodes {
            renkei::episodes::store::take_in(conn, &[(*episode, summary)]).unwrap();
        }
    }
    let started = Instant::now();
    std::thread::scope(|scope| {
        for episode in &setup.episodes {
            let (mail, recipients, body) = (&mail, &recipients, &body);
            scope.spawn(move || {
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
                                note: None,
                                stay_summary: Some(summary),
                            },
                        )?;
                        let about = renkei::notify::About {
                            topic: renkei::notify::Topic::DocumentSent,
                            document: Some((id, 1)),
                            episode_id: Some(*episode),
                            reminder_id: None,
                        };
                        renkei::notify::store::enqueue(conn, &about, mail, recipients, "bench.example", now)?;
                        renkei::audit::record(
                            conn,
                            &renkei::audit::Entry {
                                user: Some(setup.sender.user_id),
                                facility: Some(setup.sender.facility_id),
                                action: renkei::audit::Action::Write,
                                method: "POST".into(),
                                route: "/api/v1/documents".into(),
                                target: Some(id.to_string()),
                                status: 201,
                                origin: renkei::audit::Origin::default(),
                            },
                        )?;
                        let keyed = renkei::idempotency::Keyed::new(
                            &Uuid::now_v7().to_string(),
                            "POST",
                            "/api/v1/documents",
                            body.as_bytes(),
                        )
                        .unwrap();
                        let answer = renkei::idempotency::Stored {
                            status: 201,
                            location: Some(format!("/api/v1/documents/{id}")),
                            body: "{}".into(),
                        };
                        renkei::idempotency::store::insert(conn, setup.sender.user_id, &keyed, &answer, now)?;
                        Ok::<_, diesel::result::Error>(())
                    })
                    .unwrap();
                }
            });
        }
    });
    (setup.episodes.len() * per_client) as f64 / started.elapsed().as_secs_f64()
}

/// Waits until the delivery worker has sent every queued mail.
fn drained(pool: &Pool) {
    use diesel::prelude::*;
    use renkei::db::schema::outbox;
    let conn = &mut *pool.get().unwrap();
    for _ in 0..600 {
        let waiting: i64 = outbox::table.filter(outbox::state.ne("delivered")).count().get_result(conn).unwrap();
        if waiting == 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the worker did not deliver the API's mail within a minute");
}

/// One round: the API on a fresh database, with the server's delivery worker sending its mail,
/// then the raw rows on another fresh database with nothing else running (the rate of the
/// writes alone, one durable commit each). Sends/s, p50, p95, raw transactions/s.
fn round(runtime: &tokio::runtime::Runtime, fresh: &dyn Fn() -> TestDatabase) -> (f64, Duration, Duration, f64) {
    let phase = std::env::var("BENCH_PHASE").unwrap_or_default();
    let (api, p50, p95) =
        if phase == "raw" { (f64::NAN, Duration::ZERO, Duration::ZERO) } else { api_round(runtime, fresh) };
    let raw = if phase == "api" {
        f64::NAN
    } else {
        let raw_database = fresh();
        let (_, raw_setup) = setup(&raw_database);
        raw_inserts(&raw_setup, per_client())
    };
    (api, p50, p95, raw)
}

/// The API part of a round: sends/s, p50, p95.
fn api_round(runtime: &tokio::runtime::Runtime, fresh: &dyn Fn() -> TestDatabase) -> (f64, Duration, Duration) {
    let database = fresh();
    let (settings, api_setup) = setup(&database);
    runtime.block_on(async {
        let application =
            Application::build(&settings, api_setup.pool.clone(), renkei::app::Delivery::InProcess).unwrap();
        let address = format!("http://127.0.0.1:{}", application.port());
        let server = application.handle();
        let serving = tokio::spawn(application.run_until_stopped());
        through_the_api(&address, &api_setup, 10).await; // warm-up
        let measured = through_the_api(&address, &api_setup, per_client()).await;
        drained(&api_setup.pool);
        server.stop(true).await;
        let _ = serving.await;
        measured
    })
}

fn main() {
    let mut engines: Vec<(&str, Option<String>)> = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => vec![("SQLite", None), ("PostgreSQL", Some(url))],
        _ => vec![("SQLite", None)],
    };
    // BENCH_ENGINE=PostgreSQL (or SQLite) runs one engine alone, e.g. under a profiler.
    if let Ok(only) = std::env::var("BENCH_ENGINE") {
        engines.retain(|(name, _)| *name == only);
    }
    // On a shared machine both rates drift by a third between minutes: each round compares an
    // API run with the raw run right after it, and the median round's ratio is the figure.
    let rounds: usize = std::env::var("BENCH_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(3);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    println!(
        "| engine | round | submissions/s (API, {CLIENTS} clients) | p50 | p95 | raw transactions/s (same rows, {CLIENTS} threads) | API / raw |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, url) in engines {
        let fresh = || match &url {
            Some(url) => TestDatabase::new_postgres(url),
            None => TestDatabase::new_sqlite(),
        };
        let mut ratios = Vec::new();
        for number in 1..=rounds {
            let (api, p50, p95, raw) = round(&runtime, &fresh);
            ratios.push(api / raw);
            println!(
                "| {name} | {number} | {api:.0} | {:.1} ms | {:.1} ms | {raw:.0} | {:.0} % |",
                p50.as_secs_f64() * 1000.0,
                p95.as_secs_f64() * 1000.0,
                100.0 * api / raw
            );
        }
        ratios.sort_by(f64::total_cmp);
        println!("| {name} | median | | | | | {:.0} % |", 100.0 * ratios[ratios.len() / 2]);
    }
}
