//! The survey's daily counts (kept on SQLite at write time) against the stays themselves: after
//! every kind of write, every rule set, period and breakdown gives the same figures from both.
//! On PostgreSQL both sources read the stays, and the same checks run.

use chrono::NaiveDate;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use renkei::db::{self, DbConnection};
use renkei::survey::rules::{self, RuleSet};
use renkei::survey::store::{Source, daily};
use renkei::survey::{Extent, GroupBy, SurveyQuery, compute_extent};
use serde_json::json;

use crate::support::cli::run;
use crate::support::{TestDatabase, admission_sheet, day, fixture, spawn_app};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/survey");

/// The published rule sets, and variants that move every option the daily counts keep.
fn rule_sets() -> Vec<RuleSet> {
    let default = rules::select("default").unwrap();
    let mut all: Vec<RuleSet> = ["default", "seven-days", "paper-survey"].map(|r| rules::select(r).unwrap()).into();
    for min_days in [0, 1, 8, 60] {
        all.push(RuleSet { discharge_notice_min_days: min_days, ..default.clone() });
    }
    let mut respite = default.clone();
    respite.exclusions.planned_respite = true;
    let mut short = default.clone();
    short.exclusions.short_stay_max_days = Some(3);
    all.extend([respite, short]);
    all
}

const GROUPS: [Option<GroupBy>; 6] = [
    None,
    Some(GroupBy::Month),
    Some(GroupBy::Hospital),
    Some(GroupBy::CareOffice),
    Some(GroupBy::Area),
    Some(GroupBy::CareLevel),
];

/// Every rule set, breakdown and period: the same result from the daily counts and the stays.
fn assert_same(conn: &mut DbConnection, periods: &[(NaiveDate, NaiveDate)]) {
    for rules in rule_sets() {
        for &(from, to) in periods {
            for group_by in GROUPS {
                let query = SurveyQuery::new(Some(from), Some(to), None, group_by).unwrap();
                let fast = serde_json::to_value(
                    compute_extent(conn, &rules, &query, Source::Fastest, Extent::RatesOnly).unwrap(),
                )
                .unwrap();
                let stays = serde_json::to_value(
                    compute_extent(conn, &rules, &query, Source::Stays, Extent::RatesOnly).unwrap(),
                )
                .unwrap();
                assert_eq!(fast, stays, "{} {from}..{to} by {group_by:?}", rules.name());
            }
        }
    }
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn around_april_2025() -> Vec<(NaiveDate, NaiveDate)> {
    [
        ("2025-04-01", "2025-04-30"),
        ("2025-04-05", "2025-04-21"),
        ("2025-03-01", "2026-03-31"),
        ("2016-04-01", "2026-03-31"),
    ]
    .map(|(from, to)| (date(from), date(to)))
    .into()
}

async fn import(database: &TestDatabase, table: &str, file: &str) -> String {
    let (code, stdout, stderr) = run(database, &["import", table, file]).await;
    assert_eq!(code, 0, "{table}: {stdout}{stderr}");
    stdout
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn imports_and_re_imports_keep_the_daily_counts_exact() {
    let database = TestDatabase::new();
    for table in ["facilities", "episodes", "contacts"] {
        import(&database, table, &format!("{FIXTURES}/{table}.csv")).await;
    }
    let mut conn = db::establish(&database.url).unwrap();
    assert_same(&mut conn, &around_april_2025());

    // The same files again change nothing.
    for table in ["episodes", "contacts"] {
        assert!(import(&database, table, &format!("{FIXTURES}/{table}.csv")).await.contains("追加 0、更新 0"));
    }
    assert_same(&mut conn, &around_april_2025());

    // A later file: a discharge, a death, a new care office, an exclusion, a stay entering the
    // cohort, a stay moving to another month; then contacts for stays already counted.
    let dir = std::env::temp_dir().join(format!("renkei-counts-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let episodes = write(
        &dir,
        "episodes.csv",
        "episode_ref,client_ref,care_level,care_office,hospital,admitted_on,discharged_on,destination,excluded\n\
         E03,C03,要支援2,K02,H02,2025-04-10,2025-04-25,death,false\n\
         E06,C06,要介護2,K01,H01,2025-04-18,2025-05-02,home,false\n\
         E07,C07,要介護1,K01,H01,2025-04-20,2025-05-10,home,false\n\
         E09,C09,要介護3,K02,H01,2025-04-08,2025-04-15,home,false\n\
         E10,C10,要介護2,K02,H02,2025-03-25,2025-04-05,home,true\n\
         E11,C11,要介護1,K01,H01,2025-03-30,2025-04-04,transfer,false\n\
         E13,C13,要支援1,K02,H02,2025-04-28,,,false\n",
    );
    assert!(import(&database, "episodes", &episodes).await.contains("追加 1、更新 6"));
    assert_same(&mut conn, &around_april_2025());
    let contacts = write(
        &dir,
        "contacts.csv",
        "episode_ref,direction,kind,contacted_on,method\n\
         E06,hospital_to_cm,discharge_notice,2025-04-25,phone\n\
         E09,cm_to_hospital,admission_info,,fax\n\
         E09,cm_to_hospital,admission_info,2025-04-09,fax\n\
         E13,cm_to_hospital,admission_info,2025-04-28,system\n\
         E12,hospital_to_cm,discharge_notice,2025-04-09,phone\n",
    );
    assert!(import(&database, "contacts", &contacts).await.contains("追加 5"));
    assert_same(&mut conn, &around_april_2025());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_generated_decade_gives_the_same_figures_from_the_daily_counts() {
    let database = TestDatabase::new();
    let dir = std::env::temp_dir().join(format!("renkei-counts-{}", uuid::Uuid::new_v4().simple()));
    let (code, _, _) = run(&database, &["generate", "--episodes", "3000", "--output", dir.to_str().unwrap()]).await;
    assert_eq!(code, 0);
    for table in ["facilities", "episodes", "contacts"] {
        import(&database, table, dir.join(format!("{table}.csv")).to_str().unwrap()).await;
    }
    let mut conn = db::establish(&database.url).unwrap();
    let periods: Vec<(NaiveDate, NaiveDate)> =
        [("2016-04-01", "2026-03-31"), ("2020-04-01", "2021-03-31"), ("2019-02-13", "2019-07-02")]
            .map(|(from, to)| (date(from), date(to)))
            .into();
    assert_same(&mut conn, &periods);
    // A few stays more: few enough that they are counted by id rather than all recounted.
    let stays = write(
        &dir,
        "stays.csv",
        "episode_ref,client_ref,care_level,care_office,hospital,admitted_on,discharged_on,destination,excluded
         N0000001,CN1,要介護1,K001,H001,2020-05-01,2020-05-20,home,false
         N0000002,CN2,要介護2,K002,H002,2020-06-03,,,false
",
    );
    assert!(import(&database, "episodes", &stays).await.contains("追加 2"));
    assert_same(&mut conn, &periods);
    // A few contacts more: few enough that each stay's counts are taken off and put back
    // rather than all recounted.
    let more = write(
        &dir,
        "more.csv",
        "episode_ref,direction,kind,contacted_on,method
         E0000001,cm_to_hospital,admission_info,,fax
         E0000002,hospital_to_cm,discharge_notice,2016-04-01,phone
         E0000003,cm_to_hospital,admission_info,2016-04-01,visit
         N0000001,hospital_to_cm,discharge_notice,2020-05-12,phone
",
    );
    assert!(import(&database, "contacts", &more).await.contains("追加 4"));
    assert_same(&mut conn, &periods);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn live_admissions_sends_contacts_and_discharges_keep_the_daily_counts_exact() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let conn = &mut *app.pool.get().unwrap();
    let today = renkei::calendar::today();
    let periods = [
        (today - chrono::Duration::days(30), today),
        (today - chrono::Duration::days(6), today - chrono::Duration::days(2)),
        (today - chrono::Duration::days(400), today),
    ];

    // A care manager's sheet creates the stay and its first contact.
    let sent = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital,
                    "client_id": client["id"], "payload": admission_sheet(&day(-12))}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let episode = sent.body["episode_id"].as_str().unwrap().to_owned();
    assert_same(conn, &periods);

    // A stay registered by the hospital, with no contact yet.
    app.client_of_care_office("0100000002").await;
    let other = app.admission("0100000002", &day(-5)).await["id"].as_str().unwrap().to_owned();
    assert_same(conn, &periods);

    // Contacts recorded by hand, and a discharge notice sent through Renkei.
    let call =
        json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "phone", "contacted_on": day(-8)});
    assert_eq!(app.record_contact(&app.city().nurse, &episode, &call).await.status, 201);
    let late =
        json!({"direction": "cm_to_hospital", "kind": "admission_info", "method": "fax", "contacted_on": day(-1)});
    let answer = app.record_contact(&app.city().care_manager, &other, &late).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let mut notice = fixture("discharge_notice_v1_minimal");
    notice["planned_discharge_date"] = json!(day(1));
    let notice = json!({"kind": "discharge_notice", "recipient_facility_id": app.city().care_office, "episode_id": other, "payload": notice});
    assert_eq!(app.send_document(&app.city().nurse, &notice).await.status, 201);
    assert_same(conn, &periods);

    // Discharges: one home, one a death in hospital.
    for (stay, destination, on) in [(&episode, "home", day(-3)), (&other, "death", day(-1))] {
        let body = json!({"discharged_on": on, "destination": destination});
        let answer = app.discharge(&app.city().nurse, stay, &body).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_same(conn, &periods);
    }

    // Summed (PostgreSQL keeps a delta row per write): the same figures, no fresh rows left.
    daily::compact(conn).unwrap();
    assert_same(conn, &periods);
    if app.database.is_postgres() {
        assert_eq!(app.count("survey_days WHERE NOT compacted"), 0);
    }
}

#[tokio::test]
async fn concurrent_contacts_and_compactions_keep_the_daily_counts_exact() {
    let app = spawn_app().await;
    let today = renkei::calendar::today();
    let mut stays = Vec::new();
    for (number, admitted) in [("0100000001", day(-20)), ("0100000002", day(-10))] {
        app.client_of_care_office(number).await;
        stays.push(app.admission(number, &admitted).await["id"].as_str().unwrap().to_owned());
    }
    // Sheets and notices about the same two stays at once, dated so that each moves the stay to
    // another bucket, while compactions run beside them.
    let compacting = {
        let pool = app.pool.clone();
        tokio::task::spawn_blocking(move || {
            for _ in 0..20 {
                daily::compact(&mut pool.get().unwrap()).unwrap();
            }
        })
    };
    let (app, stays) = (&app, &stays);
    let sends = (0..24).map(move |i| {
        let stay = &stays[i % 2];
        let body = if i % 3 == 0 {
            json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "phone", "contacted_on": day(-1 - (i as i64 % 7))})
        } else {
            json!({"direction": "cm_to_hospital", "kind": "admission_info", "method": "fax", "contacted_on": day(-(i as i64 % 9))})
        };
        let token = if i % 3 == 0 { &app.city().nurse } else { &app.city().care_manager };
        async move { app.record_contact(token, stay, &body).await }
    });
    for answer in futures_util::future::join_all(sends).await {
        assert_eq!(answer.status, 201, "{}", answer.body);
    }
    compacting.await.unwrap();
    let conn = &mut *app.pool.get().unwrap();
    let periods = [(today - chrono::Duration::days(30), today), (today - chrono::Duration::days(12), today)];
    assert_same(conn, &periods);
    daily::compact(conn).unwrap();
    assert_same(conn, &periods);
}

#[tokio::test]
async fn the_migration_counts_the_stays_already_stored() {
    let database = TestDatabase::new();
    for table in ["facilities", "episodes", "contacts"] {
        import(&database, table, &format!("{FIXTURES}/{table}.csv")).await;
    }
    let mut conn = db::establish(&database.url).unwrap();
    let engine = if database.is_postgres() { "postgres" } else { "sqlite" };
    let folder = FileBasedMigrations::from_path(format!("{}/migrations/{engine}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    // Back to before the daily counts (SQLite has kept them since 000003, PostgreSQL since
    // 000007), with the stays still there, then forward again.
    let first = if database.is_postgres() { "2026-11-23-000007" } else { "2026-11-23-000003" };
    let mut reverted = 0;
    loop {
        let version = match &mut conn {
            DbConnection::Sqlite(c) => c.revert_last_migration(folder.clone()).unwrap().to_string(),
            DbConnection::Postgres(c) => c.revert_last_migration(folder.clone()).unwrap().to_string(),
        };
        reverted += 1;
        if version == first.replace('-', "") {
            break;
        }
    }
    assert_eq!(db::run_migrations(&mut conn).unwrap().len(), reverted);
    assert_same(&mut conn, &around_april_2025());
}

/// The indexes, foreign keys and other constraints of the database, as text, sorted.
fn schema(conn: &mut DbConnection) -> Vec<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        line: String,
    }
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') AS line FROM sqlite_master ORDER BY 1"
        }
        DbConnection::Postgres(_) => {
            "SELECT indexdef AS line FROM pg_indexes WHERE schemaname = 'public' \
             UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ': ' || pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1"
        }
    };
    diesel::sql_query(sql).load::<Line>(conn).unwrap().into_iter().map(|l| l.line).collect()
}

/// An import at least as large as what is stored builds the tables' indexes (and on PostgreSQL
/// their foreign keys) once at its end instead of row by row: afterwards the schema is exactly
/// what the migrations made, the references are still enforced, and stays changed by a large
/// file are counted again exactly.
#[tokio::test]
async fn a_large_import_leaves_the_schema_as_the_migrations_made_it() {
    let database = TestDatabase::new();
    import(&database, "facilities", &format!("{FIXTURES}/facilities.csv")).await;
    let mut conn = db::establish(&database.url).unwrap();
    let migrated = schema(&mut conn);
    assert!(migrated.iter().any(|line| line.contains("episodes_admitted_discharged")), "{migrated:#?}");
    let dir = std::env::temp_dir().join(format!("renkei-large-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let header =
        "episode_ref,client_ref,care_level,care_office,hospital,admitted_on,discharged_on,destination,excluded\n";
    let first = write(
        &dir,
        "first.csv",
        &format!(
            "{header}L1,C1,要介護1,K01,H01,2025-04-02,,,false\n\
             L2,C2,要介護2,K02,H02,2025-04-03,,,false\n"
        ),
    );
    assert!(import(&database, "episodes", &first).await.contains("追加 2"));
    // Larger than the table: two stays discharged (one died), two new.
    let second = write(
        &dir,
        "second.csv",
        &format!(
            "{header}L1,C1,要介護1,K01,H01,2025-04-02,2025-04-20,home,false\n\
             L2,C2,要介護2,K02,H02,2025-04-03,2025-04-09,death,false\n\
             L3,C3,要介護3,K01,H02,2025-04-05,2025-04-15,home,false\n\
             L4,C4,,K02,H01,2025-03-28,,,false\n"
        ),
    );
    assert!(import(&database, "episodes", &second).await.contains("追加 2、更新 2"));
    assert_same(&mut conn, &around_april_2025());
    let contacts = write(
        &dir,
        "contacts.csv",
        "episode_ref,direction,kind,contacted_on,method\n\
         L1,cm_to_hospital,admission_info,2025-04-02,fax\n\
         L1,hospital_to_cm,discharge_notice,2025-04-13,phone\n\
         L3,hospital_to_cm,discharge_notice,2025-04-14,phone\n\
         L4,cm_to_hospital,admission_info,,mail\n",
    );
    assert!(import(&database, "contacts", &contacts).await.contains("追加 4"));
    assert_same(&mut conn, &around_april_2025());
    assert_eq!(schema(&mut conn), migrated);
    // A contact of a stay that does not exist is still refused by the database.
    let orphan = diesel::sql_query(
        "INSERT INTO contacts (id, episode_id, direction, kind, method, created_at) \
         VALUES ('x', 'no-such-stay', 'cm_to_hospital', 'admission_info', 'fax', CURRENT_TIMESTAMP)",
    );
    assert!(diesel::RunQueryDsl::execute(orphan, &mut conn).is_err());
    std::fs::remove_dir_all(dir).unwrap();
}
