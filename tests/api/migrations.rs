//! Migrations: the same names for both engines, and every one reverts and re-applies.

use diesel::migration::MigrationSource;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};
use renkei::db::{self, DbConnection};

use crate::helpers::TestDatabase;

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
