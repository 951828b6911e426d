//! Migrations: the same names for both engines, and every one reverts and re-applies.

use diesel::migration::MigrationSource;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use renkei::db::{self, DbConnection};

use crate::support::TestDatabase;

fn names(engine: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(format!("{}/migrations/{engine}", env!("CARGO_MANIFEST_DIR")))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_engines_have_the_same_migrations() {
    assert!(!names("sqlite").is_empty());
    assert_eq!(names("sqlite"), names("postgres"));
}

#[test]
fn every_migration_reverts_and_applies_again() {
    let database = TestDatabase::new();
    let engine = if database.is_postgres() { "postgres" } else { "sqlite" };
    let mut conn = db::establish(&database.url).unwrap();
    let applied = db::run_migrations(&mut conn).unwrap();
    assert_eq!(applied.len(), names(engine).len());
    let folder = FileBasedMigrations::from_path(format!("{}/migrations/{engine}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let count = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&folder).map(|m| m.len()).unwrap_or_default();
    assert_eq!(count, applied.len());
    match &mut conn {
        DbConnection::Sqlite(c) => {
            c.revert_all_migrations(folder).unwrap();
        }
        DbConnection::Postgres(c) => {
            c.revert_all_migrations(folder).unwrap();
        }
    }
    assert_eq!(db::run_migrations(&mut conn).unwrap(), applied, "down.sql leaves the database as it was");
    assert!(renkei::directory::store::is_empty(&mut conn).unwrap());
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut DbConnection, sql: &str) -> i64 {
    use diesel::RunQueryDsl;
    diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
}

/// The migration that replaced the imported contacts' text key by their occurrence number keeps
/// what was imported before it, both ways: after going back and forth, importing the same
/// files again (a contact written twice included) adds nothing.
#[tokio::test]
async fn imported_contacts_keep_their_identity_through_the_narrow_contacts_migration() {
    use crate::support::cli::run;
    let database = TestDatabase::new();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/survey");
    let dir = std::env::temp_dir().join(format!("renkei-migrate-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let twice = dir.join("twice.csv");
    std::fs::write(
        &twice,
        "episode_ref,direction,kind,contacted_on,method\nE07,cm_to_hospital,admission_info,,fax\n\
         E07,cm_to_hospital,admission_info,,fax\n",
    )
    .unwrap();
    let files = [
        ("facilities", format!("{fixtures}/facilities.csv")),
        ("episodes", format!("{fixtures}/episodes.csv")),
        ("contacts", format!("{fixtures}/contacts.csv")),
        ("contacts", twice.display().to_string()),
    ];
    for (table, file) in &files {
        let (code, stdout, stderr) = run(&database, &["import", table, file]).await;
        assert_eq!(code, 0, "{stdout}{stderr}");
    }
    let mut conn = db::establish(&database.url).unwrap();
    let contacts = count(&mut conn, "SELECT COUNT(*) AS n FROM contacts");
    let engine = if database.is_postgres() { "postgres" } else { "sqlite" };
    let folder = FileBasedMigrations::from_path(format!("{}/migrations/{engine}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    // Back to before the narrow contacts migration (reverting the later ones on the way).
    let mut revert_last = || match &mut conn {
        DbConnection::Sqlite(c) => c.revert_last_migration(folder.clone()).unwrap().to_string(),
        DbConnection::Postgres(c) => c.revert_last_migration(folder.clone()).unwrap().to_string(),
    };
    while !revert_last().ends_with("000008") {}
    assert_eq!(
        count(&mut conn, "SELECT COUNT(DISTINCT import_key) AS n FROM contacts"),
        contacts,
        "every imported contact has its own key again"
    );
    db::run_migrations(&mut conn).unwrap();
    assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM contacts WHERE import_seq = 2"), 1);
    for (table, file) in &files {
        let (code, stdout, _) = run(&database, &["import", table, file]).await;
        assert_eq!(code, 0);
        assert!(stdout.contains("追加 0、更新 0"), "{table}: {stdout}");
    }
    assert_eq!(count(&mut conn, "SELECT COUNT(*) AS n FROM contacts"), contacts);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The migrations that let documents be of every kind rebuild the table on SQLite: documents
/// already sent, with their revisions, contacts and mail pointing at them, go back and forth
/// through them unchanged.
#[tokio::test]
async fn documents_already_sent_keep_their_revisions_contacts_and_mail_through_the_kinds_migrations() {
    use crate::support::{admission_sheet, day, spawn_app};
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let sheet = app.admission_sheet_sent(&client).await;
    let amended = app
        .amend(
            &app.city().care_manager,
            sheet["id"].as_str().unwrap(),
            &serde_json::json!({"payload": admission_sheet(&day(-1))}),
        )
        .await;
    assert_eq!(amended.status, 201, "{}", amended.body);
    let mut conn = db::establish(&app.database.url).unwrap();
    let tables = ["documents", "document_revisions", "contacts", "outbox"];
    let before: Vec<i64> = tables.iter().map(|t| count(&mut conn, &format!("SELECT COUNT(*) AS n FROM {t}"))).collect();
    let engine = if app.database.is_postgres() { "postgres" } else { "sqlite" };
    let folder = FileBasedMigrations::from_path(format!("{}/migrations/{engine}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut revert_last = || match &mut conn {
        DbConnection::Sqlite(c) => c.revert_last_migration(folder.clone()).unwrap().to_string(),
        DbConnection::Postgres(c) => c.revert_last_migration(folder.clone()).unwrap().to_string(),
    };
    while !revert_last().ends_with("000014") {}
    db::run_migrations(&mut conn).unwrap();
    let after: Vec<i64> = tables.iter().map(|t| count(&mut conn, &format!("SELECT COUNT(*) AS n FROM {t}"))).collect();
    assert_eq!(after, before);
    if !app.database.is_postgres() {
        assert_eq!(
            count(&mut conn, "SELECT COUNT(*) AS n FROM pragma_foreign_key_check"),
            0,
            "no reference is left dangling"
        );
    }
    let read = app.document(&app.city().nurse, sheet["id"].as_str().unwrap()).await;
    assert_eq!((read.status, read.body["revision"].as_i64()), (200, Some(2)));
}
