//! The database: one connection type for SQLite and PostgreSQL, chosen by the URL scheme; the
//! pool; migrations; and the write transaction every use case runs in.

pub mod bulk;
pub mod group;
pub mod schema;

/// Inserts `$rows` (one row or a vector) into `$table` on any engine, leaving out each row that
/// conflicts with one already stored; how many were inserted. (A macro: diesel builds
/// `ON CONFLICT DO NOTHING` per backend, and a generic function's bounds over tables and rows do
/// not resolve.)
macro_rules! insert_or_ignore {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl;
        match $conn {
            $crate::db::DbConnection::Sqlite(c) => {
                diesel::insert_into($table).values($rows).on_conflict_do_nothing().execute(c)
            }
            $crate::db::DbConnection::Postgres(c) => {
                diesel::insert_into($table).values($rows).on_conflict_do_nothing().execute(c)
            }
        }
    }};
}
pub(crate) use insert_or_ignore;

use std::fmt;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// SQLite settings applied to every connection. `synchronous = FULL` makes each commit durable
/// on power loss too (NORMAL in WAL mode may lose the last commits); see docs/operations.md.
/// busy_timeout comes first: switching to WAL needs a lock that other new connections may hold.
/// mmap_size lets reads of a large file (the survey scans every stay of a period) come straight
/// from the kernel's page cache instead of a read call per page. page_size takes effect only when
/// the database is created (before WAL, which fixes it): pages of 16 KiB instead of 4 KiB make a
/// quarter of the reads and writes, and imported a million stays and 3 million contacts 15-25 %
/// faster (docs/performance.md); a database made with 4 KiB pages keeps them.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA page_size = 16384; PRAGMA foreign_keys = ON; \
     PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA mmap_size = 1073741824;";

/// A connection to either engine. Queries written with diesel's DSL run on both unchanged.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// Where the data lives, parsed from `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` (relative to the working directory) or `sqlite:///ABSOLUTE/PATH`.
    Sqlite { path: String },
    /// `postgres://…` or `postgresql://…`, passed to libpq as it is.
    Postgres { url: String },
}

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(Self::Postgres { url: raw.to_owned() });
        }
        if let Some(path) = raw.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// の後にファイルのパスがありません (例: sqlite://renkei.db)".into());
            }
            return Ok(Self::Sqlite { path: path.to_owned() });
        }
        Err("使えるのは sqlite://ファイル名 (例: sqlite://renkei.db) または postgres://… だけです".into())
    }

    pub fn engine(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres { .. } => "postgres",
        }
    }
}

/// Shown in logs and messages: the password of a PostgreSQL URL is hidden.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite { path } => write!(f, "sqlite://{path}"),
            Self::Postgres { url } => match url::Url::parse(url) {
                Ok(mut parsed) if parsed.password().is_some() => {
                    let _ = parsed.set_password(Some("***"));
                    write!(f, "{parsed}")
                }
                _ => f.write_str(url),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Opens one connection of the engine that the URL names, never guessing from its shape.
pub fn establish(url: &DatabaseUrl) -> ConnectionResult<DbConnection> {
    match url {
        DatabaseUrl::Postgres { url } => PgConnection::establish(url).map(DbConnection::Postgres),
        DatabaseUrl::Sqlite { path } => {
            let mut conn = SqliteConnection::establish(path)?;
            conn.batch_execute(SQLITE_PRAGMAS).map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
            Ok(DbConnection::Sqlite(conn))
        }
    }
}

/// The r2d2 manager: like diesel's own, but it opens the engine named by the scheme.
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        establish(&self.url).map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking()
            || <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Builds the pool and checks that the database answers. A SQLite file is first opened alone,
/// which turns it to WAL once and for all: switching modes needs a lock that the pool's
/// connections, opening together, would otherwise contend for.
pub fn pool(url: &DatabaseUrl, max_size: u32) -> Result<Pool, r2d2::PoolError> {
    if matches!(url, DatabaseUrl::Sqlite { .. }) {
        drop(establish(url));
    }
    r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .build(ConnectionManager { url: url.clone() })
}

/// Applies the migrations not yet applied; returns their versions.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// The versions of the migrations this binary carries for the engine of `url`, as diesel
/// records them once applied (`20261123000001`).
pub fn migration_versions(url: &DatabaseUrl) -> Vec<String> {
    use diesel::migration::MigrationSource;
    let versions = match url {
        DatabaseUrl::Postgres { .. } => MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
            .map(|all| all.iter().map(|m| m.name().version().to_string()).collect()),
        DatabaseUrl::Sqlite { .. } => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
            .map(|all| all.iter().map(|m| m.name().version().to_string()).collect()),
    };
    versions.unwrap_or_default()
}

static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `work` in one transaction that intends to write. On SQLite it starts with
/// `BEGIN IMMEDIATE`, so that two writers wait for each other (busy_timeout) instead of one
/// failing when its read turns into a write. Inside another transaction (a use case called by
/// another, or by the write wrapper of the doors), `work` simply runs in it: its error rolls the
/// whole transaction back, as its caller returns it. A caller that goes on after an inner
/// failure uses [`savepoint`] instead.
pub fn write<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if in_transaction(conn).map_err(E::from)? {
        return work(conn);
    }
    transaction(conn, work)
}

/// Runs `work` in a savepoint of the transaction `conn` is in (or in a transaction of its own
/// when it is in none): when it fails, only its own writes are undone, and the caller may go on
/// (a refused send that leaves its draft saved; one request of a group commit; a race on an
/// idempotency key).
pub fn savepoint<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    transaction(conn, work)
}

fn in_transaction(conn: &mut DbConnection) -> QueryResult<bool> {
    type Manager = DbConnection;
    Ok(<Manager as Connection>::TransactionManager::transaction_manager_status_mut(conn).transaction_depth()?.is_some())
}

/// A transaction, or a savepoint inside one.
fn transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Manager = DbConnection;
    let nested = in_transaction(conn).map_err(E::from)?;
    // SQLite has one writer at a time. This process's writers queue on a mutex, in turn, rather
    // than in SQLite's busy handler, which sleeps up to 100 ms between tries. Other processes
    // (an admin command beside the server) still meet busy_timeout.
    let _writer = match conn {
        DbConnection::Sqlite(_) if !nested => {
            Some(SQLITE_WRITER.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
        }
        _ => None,
    };
    match conn {
        DbConnection::Sqlite(c) if !nested => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        _ => <Manager as Connection>::TransactionManager::begin_transaction(conn)?,
    }
    match work(conn) {
        Ok(value) => {
            <Manager as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            <Manager as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(error)
        }
    }
}

/// Opens a second connection to `conn`'s SQLite file whose read transaction sees exactly what
/// `conn`'s sees, so that one survey can read a large table in two halves on two cores. A third
/// connection holds writers off (`BEGIN IMMEDIATE`) only while the two snapshots are taken, a
/// few milliseconds. `conn` must be in its outermost transaction and must not have read in it
/// yet (its first read is taken here). The twin's transaction ends when it is dropped. `None`,
/// and nothing done, when that is not possible without waiting: an in-memory database, another
/// transaction level, a writer at work.
pub fn sqlite_twin_reader(conn: &mut SqliteConnection) -> QueryResult<Option<SqliteConnection>> {
    #[derive(QueryableByName)]
    struct File {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    if AnsiTransactionManager::transaction_manager_status_mut(conn).transaction_depth()?.map(u32::from) != Some(1) {
        return Ok(None);
    }
    let path =
        diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'").get_result::<File>(conn)?.file;
    if path.is_empty() {
        return Ok(None);
    }
    // This process's writers queue on SQLITE_WRITER; one at work means waiting, so not now.
    let Ok(_writer) = SQLITE_WRITER.try_lock() else { return Ok(None) };
    let open = || match establish(&DatabaseUrl::Sqlite { path: path.clone() }) {
        Ok(DbConnection::Sqlite(other)) => Some(other),
        _ => None,
    };
    let (Some(mut lock), Some(mut twin)) = (open(), open()) else { return Ok(None) };
    if lock.batch_execute("PRAGMA busy_timeout = 20; BEGIN IMMEDIATE").is_err() {
        return Ok(None);
    }
    let pin = "SELECT 1 FROM sqlite_schema LIMIT 1";
    let pinned = conn.batch_execute(pin).and_then(|()| twin.batch_execute(&format!("BEGIN; {pin}")));
    lock.batch_execute("ROLLBACK")?;
    pinned?;
    Ok(Some(twin))
}

/// A new identifier: UUIDv7, so that rows sort by creation time.
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// Reads an identifier stored as text.
pub fn to_uuid(text: &str) -> QueryResult<uuid::Uuid> {
    uuid::Uuid::parse_str(text).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}

/// Reads a text column holding one of our enums.
pub fn to_enum<T: std::str::FromStr>(text: &str) -> QueryResult<T> {
    text.parse().map_err(|_| {
        diesel::result::Error::DeserializationError(format!("unknown value {text:?} in an enum column").into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(conn: &mut SqliteConnection) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query("SELECT count(*) AS n FROM t").get_result::<Count>(conn).map_or(-1, |c| c.n)
    }

    #[test]
    fn a_twin_reader_sees_what_its_connection_sees_and_none_is_made_while_a_writer_works() {
        let dir = std::env::temp_dir().join(format!("renkei-twin-{}", new_id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let url = DatabaseUrl::Sqlite { path: dir.join("t.db").to_string_lossy().into_owned() };
        let open = || match establish(&url) {
            Ok(DbConnection::Sqlite(conn)) => conn,
            _ => panic!("cannot open {url}"),
        };
        let (mut reader, mut writer) = (open(), open());
        writer.batch_execute("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1)").unwrap_or_else(|e| panic!("{e}"));
        let twin_count = reader
            .transaction(|reader| {
                let mut twin = sqlite_twin_reader(reader)?.unwrap_or_else(|| panic!("no twin"));
                // A write committed after the snapshots were taken is seen by neither.
                writer.batch_execute("INSERT INTO t VALUES (2)")?;
                assert_eq!(count(reader), 1);
                Ok::<_, diesel::result::Error>(count(&mut twin))
            })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(twin_count, 1);
        assert_eq!(count(&mut reader), 2);
        writer.batch_execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (3)").unwrap_or_else(|e| panic!("{e}"));
        let twin = reader.transaction(|reader| sqlite_twin_reader(reader).map(|twin| twin.is_some()));
        assert_eq!(twin, Ok(false), "a writer at work: no twin, no wait");
        writer.batch_execute("COMMIT").unwrap_or_else(|e| panic!("{e}"));
        let nested =
            reader.transaction(|reader| reader.transaction(|reader| sqlite_twin_reader(reader).map(|t| t.is_some())));
        assert_eq!(nested, Ok(false), "inside a savepoint: no twin");
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn sqlite_and_postgres_urls_are_recognised() {
        assert_eq!(DatabaseUrl::parse("sqlite://renkei.db"), Ok(DatabaseUrl::Sqlite { path: "renkei.db".into() }));
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/renkei/renkei.db"),
            Ok(DatabaseUrl::Sqlite { path: "/var/lib/renkei/renkei.db".into() })
        );
        assert_eq!(DatabaseUrl::parse("postgresql://u@h/db").map(|u| u.engine()), Ok("postgres"));
    }

    #[test]
    fn other_schemes_are_refused() {
        for raw in ["mysql://u@h/db", "renkei.db", "sqlite://", "file:renkei.db"] {
            assert!(DatabaseUrl::parse(raw).is_err(), "{raw} should be refused");
        }
    }

    #[test]
    fn the_password_never_shows() {
        let url = DatabaseUrl::parse("postgres://renkei:s3cret@db.local:5432/renkei").unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{url} {url:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("db.local"));
    }
}
