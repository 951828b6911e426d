//! Many rows at a time on SQLite. diesel prepares a multi-row INSERT anew for every batch whose
//! size it does not know at compile time (parsing thousands of placeholders each time); for a
//! batch of a fixed size (`[T; RUN]`) the statement is prepared once and kept in the
//! connection's statement cache, so each run of rows costs only its binding. PostgreSQL has
//! `COPY` for this.

/// Rows per prepared INSERT: a few thousand parameters (17 per stay), below SQLite's limit of
/// 32,766; 200 rows wrote the stays about 8 % faster than 50 (docs/performance.md).
pub const RUN: usize = 200;

/// Inserts the slice `$rows` into `$table` on the SQLite connection `$conn` in runs of `RUN`
/// rows (and a last, shorter one), giving how many were inserted. A row that breaks a
/// constraint fails the whole call. (A macro: diesel's bounds for a generic function over
/// tables and arrays do not resolve.)
macro_rules! insert_in_runs {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let conn: &mut diesel::sqlite::SqliteConnection = $conn;
        let rows = $rows;
        let mut inserted = 0;
        let (runs, rest) = rows.as_chunks::<{ $crate::db::bulk::RUN }>();
        for run in runs {
            inserted += diesel::insert_into($table).values(run).execute(conn)?;
        }
        if !rest.is_empty() {
            inserted += diesel::insert_into($table).values(rest).execute(conn)?;
        }
        inserted
    }};
}
pub(crate) use insert_in_runs;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::DbConnection;

/// Rows per batch: the checked rows of an import come in batches of this size, and each is
/// looked up and written at once (on PostgreSQL, one COPY). Larger batches cost fewer round trips
/// and statements; beyond about 5,000 rows the gain stops (docs/performance.md). A batch's
/// lookups bind at most this many values, well under SQLite's limit of 32,766.
pub const BATCH: usize = 10_000;

/// What a bulk write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Gives the result of an import's check once every batch is taken: what the check gathered
/// (`V`), or its refusal of the file (`E`).
pub type Verdict<'a, V, E> = Box<dyn FnOnce() -> Result<V, E> + 'a>;

/// On SQLite, a page cache for this connection large enough to hold most of what a million-row
/// import changes (256 MiB instead of 2 MiB), so that fewer pages are spilled to the log and
/// written again before the commit, and statement journals in memory, not in temporary files.
pub fn prepare_for_bulk(conn: &mut DbConnection) -> QueryResult<()> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => c.batch_execute("PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY"),
        DbConnection::Postgres(_) => Ok(()),
    }
}

/// Runs a large import with SQLite's foreign-key checks off (PostgreSQL's are set aside with the
/// indexes, `SetAside`): every reference an import writes, it has just looked up itself (the
/// facilities by code, the stays by episode_ref), and Renkei never deletes facilities, stays or
/// contacts, so the checks could not fail. At a million rows they cost more than the inserts
/// (a lookup of the referenced key per row and reference). SQLite takes this setting only
/// outside a transaction; it is on again afterwards, however the import ended.
pub fn references_checked_here<T, E: From<diesel::result::Error>>(
    conn: &mut DbConnection,
    large: bool,
    import: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    use diesel::connection::SimpleConnection;
    let DbConnection::Sqlite(sqlite) = conn else { return import(conn) };
    if !large {
        return import(conn);
    }
    sqlite.batch_execute("PRAGMA foreign_keys = OFF")?;
    let outcome = import(conn);
    if let DbConnection::Sqlite(sqlite) = conn {
        sqlite.batch_execute("PRAGMA foreign_keys = ON")?;
    }
    outcome
}

/// A table's secondary indexes (and on PostgreSQL its foreign keys and the keys no foreign key
/// points to), dropped for a large import and built again once at its end, in the same
/// transaction: sorting a million keys once costs a fraction of keeping an index up row by row,
/// and a foreign key is checked by one join instead of a trigger per row (PostgreSQL's manual,
/// "Populating a Database"). The definitions are read
/// from the database itself, so they are rebuilt exactly as the migrations made them. If the
/// import fails, the rollback restores everything; a unique index that the new rows would break
/// fails the rebuild, and so the import. Keys that foreign keys point to stay, and on SQLite
/// every key (it cannot drop them); SQLite's foreign-key checks are switched off instead
/// (`references_checked_here`). Indexes the import still reads while it writes (`keep`)
/// stay: without them, each batch's lookup would read the whole table (re-importing 3 million
/// contacts took 170 s instead of 30 s).
///
/// On PostgreSQL dropping takes the table for the transaction: readers of the table (and of the
/// tables its foreign keys point to) wait until the import commits. So only an import at least
/// as large as the table does this (`worth_it`).
#[must_use = "the indexes must be built again"]
pub struct SetAside {
    table: &'static str,
    rebuild: Vec<String>,
    foreign_keys: Vec<String>,
}

/// An index or key found to set aside: its name, and the statements that drop it and build it again.
#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    drop_it: String,
    #[diesel(sql_type = Text)]
    rebuild: String,
}

/// What `SetAside` finds on PostgreSQL, in this order (and builds again in the same order): the
/// primary key and UNIQUE constraints that no foreign key points to (keeping the contacts' key up
/// row by row was half of the server's work in a COPY of 3 million: 2.3 s more than building it
/// at the end), then the indexes behind no constraint. A key that a foreign key points to stays
/// (dropping it would drop that foreign key too). Then the table's foreign keys
/// (`FOREIGN_KEYS_ON_POSTGRES`).
const ON_POSTGRES: [&str; 2] = [
    "SELECT c.conname AS name, format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop_it, \
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS rebuild \
     FROM pg_constraint c WHERE c.conrelid = CAST($1 AS regclass) AND c.contype IN ('p', 'u') \
       AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)",
    "SELECT i.indexrelid::regclass::text AS name, format('DROP INDEX %s', i.indexrelid::regclass) AS drop_it, \
       pg_get_indexdef(i.indexrelid) AS rebuild \
     FROM pg_index i WHERE i.indrelid = CAST($1 AS regclass) \
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
];

/// The foreign keys of a table that `SetAside` finds on PostgreSQL.
const FOREIGN_KEYS_ON_POSTGRES: [&str; 1] = [
    "SELECT c.conname AS name, format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop_it, \
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS rebuild \
     FROM pg_constraint c WHERE c.conrelid = CAST($1 AS regclass) AND c.contype = 'f'",
];

/// What `SetAside` finds on SQLite: the indexes made by `CREATE INDEX` (those behind a primary key
/// or UNIQUE have no SQL of their own, and cannot be dropped).
const ON_SQLITE: [&str; 1] = ["SELECT name, 'DROP INDEX \"' || name || '\"' AS drop_it, sql AS rebuild \
     FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL"];

/// Fresh planner statistics of `table` on PostgreSQL, after an import wrote to it (autovacuum
/// would take them only later; until then a survey may scan where an index would do). A
/// contacts import also rewrites its stays' summaries, but the survey's plans do not turn on
/// those columns, and autovacuum analyzes the stays soon after such an update. SQLite plans
/// without.
pub fn analyze(conn: &mut DbConnection, table: &str) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(_) => diesel::sql_query(format!("ANALYZE {table}")).execute(conn).map(|_| ()),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// Ends an import's writes to `table`: a large import's indexes and keys built again
/// (`SetAside::restore`, which takes the statistics before the foreign keys), or else fresh
/// statistics when rows were written (`wrote`).
pub fn after_writing(
    conn: &mut DbConnection,
    table: &str,
    set_aside: Option<SetAside>,
    wrote: bool,
) -> QueryResult<()> {
    match set_aside {
        Some(set_aside) => set_aside.restore(conn),
        None if wrote => analyze(conn, table),
        None => Ok(()),
    }
}

/// About how many rows `table` holds, enough to choose how to import (instant on both engines):
/// on SQLite its largest rowid; on PostgreSQL the planner's count, which `ANALYZE`, `VACUUM` and
/// index builds keep (every import ends with them), counted only in a table never analyzed.
/// (`COUNT(*)` read all of a million stays' 436 MB: up to 0.8 s of each import.)
pub fn stored_rows(conn: &mut DbConnection, table: &str) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let query = match conn {
        DbConnection::Sqlite(_) => format!("SELECT COALESCE(MAX(rowid), 0) AS n FROM {table}"),
        DbConnection::Postgres(_) => format!(
            "SELECT CASE WHEN c.reltuples >= 0 THEN CAST(c.reltuples AS BIGINT) \
               ELSE (SELECT COUNT(*) FROM {table}) END AS n \
             FROM pg_class c WHERE c.oid = CAST('{table}' AS regclass)"
        ),
    };
    Ok(diesel::sql_query(query).get_result::<Count>(conn)?.n)
}

impl SetAside {
    /// Whether an import of `rows` rows into a table of `stored` rows should set its indexes aside.
    pub fn worth_it(rows: usize, stored: i64) -> bool {
        i64::try_from(rows).unwrap_or(i64::MAX) >= stored.max(1)
    }

    /// Drops `table`'s indexes and keys but those named in `keep`, keeping their definitions.
    pub fn take(conn: &mut DbConnection, table: &'static str, keep: &[&str]) -> QueryResult<Self> {
        let (queries, foreign_keys) = match conn {
            DbConnection::Postgres(_) => (&ON_POSTGRES[..], &FOREIGN_KEYS_ON_POSTGRES[..]),
            DbConnection::Sqlite(_) => (&ON_SQLITE[..], &[][..]),
        };
        let mut drop_found = |queries: &[&str]| -> QueryResult<Vec<String>> {
            let mut rebuild = Vec::new();
            for query in queries {
                for found in diesel::sql_query(*query).bind::<Text, _>(table).load::<Found>(conn)? {
                    if !keep.contains(&found.name.as_str()) {
                        diesel::sql_query(&found.drop_it).execute(conn)?;
                        rebuild.push(found.rebuild);
                    }
                }
            }
            Ok(rebuild)
        };
        let set_aside = Self { table, rebuild: drop_found(queries)?, foreign_keys: drop_found(foreign_keys)? };
        let count = set_aside.rebuild.len() + set_aside.foreign_keys.len();
        tracing::debug!(table, set_aside = count, "import: indexes set aside");
        Ok(set_aside)
    }

    /// Builds the indexes and keys again, and takes the table's statistics (`analyze`) before
    /// its foreign keys are checked: with them, PostgreSQL checks a foreign key that no new row
    /// uses (a contact's document or recorder) in the column's partial index, instead of reading
    /// every row (0.5 s of 3 million contacts).
    pub fn restore(self, conn: &mut DbConnection) -> QueryResult<()> {
        for definition in &self.rebuild {
            diesel::sql_query(definition).execute(conn)?;
        }
        analyze(conn, self.table)?;
        for definition in &self.foreign_keys {
            diesel::sql_query(definition).execute(conn)?;
        }
        tracing::debug!(table = self.table, "import: indexes rebuilt");
        Ok(())
    }
}

/// Short text kept in place, without an allocation of its own: the ids and dates an import
/// writes millions of times. Each row's heap strings are freed by the writing thread, which
/// allocated none of them (the checking thread did): at a million rows, `perf` showed a third of
/// the writing thread's time in the allocator's cross-thread frees and its locks.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Inline<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Inline<N> {
    pub fn as_str(&self) -> &str {
        // Only whole `str`s are written in (`write_str`), so this is always valid UTF-8.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

impl<const N: usize> Default for Inline<N> {
    fn default() -> Self {
        Self { bytes: [0; N], len: 0 }
    }
}

impl<const N: usize> std::fmt::Write for Inline<N> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl<const N: usize> std::fmt::Debug for Inline<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_str().fmt(f)
    }
}

/// Formats `value` in place; None when it does not fit.
fn inline<const N: usize>(value: impl std::fmt::Display) -> Option<Inline<N>> {
    use std::fmt::Write;
    let mut text = Inline::default();
    write!(text, "{value}").ok()?;
    Some(text)
}

/// A new row's id, as text (`db::new_id`, hyphenated), kept in place.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, diesel::AsExpression)]
#[diesel(sql_type = Text)]
pub struct Id(Inline<36>);

impl Id {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The ids of one import's new rows: version 7 UUIDs like `db::new_id`'s, all of the import's
/// millisecond, one after another. `Uuid::now_v7` reads the clock and asks the kernel for random
/// bits at every call: an eighth of the checking thread's time at millions of rows. Here one
/// `now_v7` gives the time and a random start, and each next id adds one to its last 62 bits (the
/// top one of which starts clear, so they never overflow): unique, in the order of the file,
/// and as unlikely to meet another process's ids as `now_v7`'s own.
pub struct Ids(u128);

impl Ids {
    /// The last 62 bits: the random part under the variant bits.
    const COUNTED: u128 = (1 << 62) - 1;

    pub fn new() -> Self {
        Self(crate::db::new_id().as_u128() & !(1 << 61))
    }

    pub fn next_id(&mut self) -> Id {
        let id = uuid::Uuid::from_u128(self.0);
        self.0 = (self.0 & !Self::COUNTED) | ((self.0 + 1) & Self::COUNTED);
        id.into()
    }
}

impl Default for Ids {
    fn default() -> Self {
        Self::new()
    }
}

impl From<uuid::Uuid> for Id {
    fn from(id: uuid::Uuid) -> Self {
        let mut bytes = [0; 36];
        id.hyphenated().encode_lower(&mut bytes);
        Self(Inline { bytes, len: 36 })
    }
}

/// A date or a time as an import binds it. SQLite keeps them as text, and diesel formats each
/// NaiveDate and NaiveDateTime at every bind with chrono's format strings, parsing the format anew
/// each time: at millions of rows, a few percent of the writing thread. These are formatted once,
/// on the checking thread, in diesel's own forms (`%F`; `%F %T%.f`, shared by every row of an
/// import), and bound as borrowed text. PostgreSQL gets chrono's binary form, as before.
#[derive(Debug, Clone, PartialEq, Eq, diesel::AsExpression)]
#[diesel(sql_type = diesel::sql_types::Date)]
pub struct Day {
    pub value: chrono::NaiveDate,
    /// In place (`Inline`): years of four digits take 10 bytes, any year chrono has at most 14.
    text: Inline<16>,
}

impl From<chrono::NaiveDate> for Day {
    fn from(value: chrono::NaiveDate) -> Self {
        use chrono::Datelike;
        // `%F` for years of four digits without chrono's format parser (a few percent of the
        // checking thread); chrono's own for any other year.
        let text = match value.year() {
            year @ 0..=9999 => inline(format_args!("{year:04}-{:02}-{:02}", value.month(), value.day())),
            _ => inline(value.format("%F")),
        };
        Self { value, text: text.unwrap_or_default() }
    }
}

/// See `Day`.
#[derive(Debug, Clone, PartialEq, Eq, diesel::AsExpression)]
#[diesel(sql_type = diesel::sql_types::Timestamp)]
pub struct Stamp {
    pub value: chrono::NaiveDateTime,
    text: std::sync::Arc<str>,
}

impl From<chrono::NaiveDateTime> for Stamp {
    fn from(value: chrono::NaiveDateTime) -> Self {
        Self { value, text: value.format("%F %T%.f").to_string().into() }
    }
}

mod bind {
    use diesel::pg::Pg;
    use diesel::serialize::{self, IsNull, Output, ToSql};
    use diesel::sql_types::{Date, Text, Timestamp};
    use diesel::sqlite::Sqlite;

    use super::{Day, Id, Stamp};

    impl ToSql<Text, Sqlite> for Id {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            out.set_value(self.as_str());
            Ok(IsNull::No)
        }
    }

    impl ToSql<Text, Pg> for Id {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            ToSql::<Text, Pg>::to_sql(self.as_str(), out)
        }
    }

    impl ToSql<Date, Sqlite> for Day {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            out.set_value(self.text.as_str());
            Ok(IsNull::No)
        }
    }

    impl ToSql<Date, Pg> for Day {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            ToSql::<Date, Pg>::to_sql(&self.value, out)
        }
    }

    impl ToSql<Timestamp, Sqlite> for Stamp {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
            out.set_value(&*self.text);
            Ok(IsNull::No)
        }
    }

    impl ToSql<Timestamp, Pg> for Stamp {
        fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
            ToSql::<Timestamp, Pg>::to_sql(&self.value, out)
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::dsl::sql;
    use diesel::prelude::*;
    use diesel::sql_types::{Date, Text, Timestamp};

    use super::{Day, Id, Stamp, inline};

    /// Ids written by an import are read back by the rest of Renkei as its own.
    #[test]
    fn ids_are_written_as_the_rest_of_renkei_writes_them() {
        let id = crate::db::new_id();
        assert_eq!(Id::from(id).as_str(), id.to_string());
        assert_eq!(crate::db::to_uuid(Id::from(id).as_str()).ok(), Some(id));
    }

    /// An import's ids are version 7 UUIDs, all different, in the order they were made.
    #[test]
    fn an_imports_ids_are_new_v7_uuids_in_order() {
        let mut ids = super::Ids::new();
        let made: Vec<uuid::Uuid> = (0..100_000)
            .map(|_| crate::db::to_uuid(ids.next_id().as_str()).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert!(made.iter().all(|id| id.get_version_num() == 7 && id.get_variant() == uuid::Variant::RFC4122));
        assert!(made.windows(2).all(|pair| pair[0] < pair[1]));
        let elsewhere = crate::db::new_id();
        assert!(made[0].as_u128() >> 80 <= elsewhere.as_u128() >> 80, "the time part is the import's");
        let mut second = super::Ids::new();
        assert!(!made.contains(&crate::db::to_uuid(second.next_id().as_str()).unwrap_or_else(|e| panic!("{e}"))));
    }

    /// Text too long for its place is refused whole, never cut short.
    #[test]
    fn text_longer_than_its_place_is_refused() {
        assert_eq!(inline::<5>("12345").map(|t| t.as_str().to_owned()), Some("12345".to_owned()));
        assert!(inline::<4>("12345").is_none());
        let far = chrono::NaiveDate::from_ymd_opt(-262_000, 1, 1).unwrap_or_default();
        assert_eq!(Day::from(far).text.as_str(), far.format("%F").to_string());
    }

    /// SQLite stores what is bound: the import's text must be the one diesel's own binds give,
    /// or stays written by an import would read back (and compare) differently.
    #[test]
    fn dates_and_times_are_stored_as_diesel_stores_them() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap_or_else(|e| panic!("{e}"));
        let date = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        for day in [date(2025, 4, 1), date(999, 12, 31), date(2026, 11, 23)] {
            let ours: String = diesel::select(sql::<Text>("CAST(").bind::<Date, _>(Day::from(day)).sql(" AS TEXT)"))
                .get_result(&mut conn)
                .unwrap_or_else(|e| panic!("{e}"));
            let diesels: String = diesel::select(sql::<Text>("CAST(").bind::<Date, _>(day).sql(" AS TEXT)"))
                .get_result(&mut conn)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(ours, diesels);
        }
        let at = |micros| date(2026, 11, 23).and_hms_micro_opt(9, 5, 7, micros).unwrap_or_default();
        for stamp in [at(0), at(120_000), at(123_456), crate::calendar::now()] {
            let ours: String =
                diesel::select(sql::<Text>("CAST(").bind::<Timestamp, _>(Stamp::from(stamp)).sql(" AS TEXT)"))
                    .get_result(&mut conn)
                    .unwrap_or_else(|e| panic!("{e}"));
            let diesels: String = diesel::select(sql::<Text>("CAST(").bind::<Timestamp, _>(stamp).sql(" AS TEXT)"))
                .get_result(&mut conn)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(ours, diesels);
        }
    }
}
