//! A database that exists only for one test or benchmark run: a fresh SQLite file, or a fresh
//! database on the PostgreSQL server named by TEST_DATABASE_URL. Dropped afterwards.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use renkei::db::DatabaseUrl;

/// A database that exists only for one test.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    admin_url: Option<String>,
    name: String,
}

impl TestDatabase {
    /// On PostgreSQL when TEST_DATABASE_URL is set, else on SQLite.
    #[allow(dead_code, reason = "the benchmark picks its engines itself")]
    pub fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => Self::new_postgres(&admin_url),
            _ => Self::new_sqlite(),
        }
    }

    pub fn new_sqlite() -> Self {
        let name = unique_name();
        let path = std::env::temp_dir().join(format!("{name}.db"));
        Self { url: DatabaseUrl::Sqlite { path: path.display().to_string() }, admin_url: None, name }
    }

    /// A new database on the server that `admin_url` reaches.
    pub fn new_postgres(admin_url: &str) -> Self {
        let name = unique_name();
        let mut admin = PgConnection::establish(admin_url).expect("TEST_DATABASE_URL answers");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create test database");
        let mut url = url::Url::parse(admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        Self { url: DatabaseUrl::Postgres { url: url.to_string() }, admin_url: Some(admin_url.to_owned()), name }
    }

    /// A folder for this database's mail files (MAIL_DIR), removed with it.
    #[allow(dead_code, reason = "the benchmarks deliver no mail")]
    pub fn mail_dir(&self) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("{}-mail", self.name))
    }

    #[allow(dead_code, reason = "the benchmark picks its engines itself")]
    pub fn is_postgres(&self) -> bool {
        self.admin_url.is_some()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(std::env::temp_dir().join(format!("{}-mail", self.name)));
        match (&self.admin_url, &self.url) {
            (Some(admin_url), _) => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
                }
            }
            (None, DatabaseUrl::Sqlite { path }) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
            }
            _ => {}
        }
    }
}

fn unique_name() -> String {
    format!("renkei_test_{}", uuid::Uuid::new_v4().simple())
}
