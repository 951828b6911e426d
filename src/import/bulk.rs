//! Many rows at a time on SQLite. diesel prepares a multi-row INSERT anew for every batch whose
//! size it does not know at compile time (parsing thousands of placeholders each time); for a
//! batch of a fixed size (`[T; RUN]`) the statement is prepared once and kept in the
//! connection's statement cache, so each run of rows costs only its binding. PostgreSQL has
//! `COPY` for this.

/// Rows per prepared INSERT: a few hundred parameters, far below SQLite's limit of 32,766.
pub const RUN: usize = 50;

/// Inserts the slice `$rows` into `$table` on the SQLite connection `$conn` in runs of `RUN`
/// rows (and a last, shorter one), giving how many were inserted. A row that breaks a
/// constraint fails the whole call. (A macro: diesel's bounds for a generic function over
/// tables and arrays do not resolve.)
macro_rules! insert_in_runs {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let conn: &mut diesel::sqlite::SqliteConnection = $conn;
        let rows = $rows;
        let mut inserted = 0;
        let (runs, rest) = rows.as_chunks::<{ $crate::import::bulk::RUN }>();
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
