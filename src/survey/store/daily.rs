//! The daily counts (`survey_days`): per day and side, how many stays with a care office fall in
//! each bucket before the rules' exclusions, with the flags the exclusions and the on-time
//! threshold need. A survey then sums a few rows per day instead of reading every stay: a decade
//! of a prefecture is a million stays.
//!
//! Every write that changes what a stay counts as takes its old counts off, writes, and puts its
//! new counts back, in the same transaction (`adjust`). SQLite has one writer at a time and adds
//! to one row per key. PostgreSQL has concurrent writers, so there a write only INSERTs delta
//! rows (no row of the table is ever updated, so writers never queue on a hot count), after
//! locking the stays it takes off (so two writers of one stay take off what the other put back);
//! `compact` replaces each day's rows by their sums now and then. A survey sums the rows either
//! way.

use diesel::prelude::*;

use super::{
    BucketCount, Counts, KeyCount, LEAD_CAP, Labels, UNTIL_DISCHARGE, Window, admission_bucket, discharge_bucket,
    excluded_expression, key_expression, lead_days,
};
use crate::db::DbConnection;
use crate::survey::GroupBy;
use crate::survey::rules::{RuleSet, WindowMode};

/// Whether the daily counts answer this survey exactly. They do not keep stay lengths, the
/// cut-off of the admission window, nor the facilities and care levels of each stay; those
/// surveys read the stays.
pub fn answers(rules: &RuleSet, group_by: Option<GroupBy>) -> bool {
    rules.survey_window.mode == WindowMode::Period
        && rules.exclusions.short_stay_max_days.is_none()
        && (0..=LEAD_CAP).contains(&rules.discharge_notice_min_days)
        && matches!(group_by, None | Some(GroupBy::Month))
}

/// The survey's counts from the daily counts; the stays still in hospital at the end of the
/// period come from the stays themselves (an index range, reading only those rows).
pub fn count(
    conn: &mut DbConnection,
    rules: &RuleSet,
    window: &Window,
    group_by: Option<GroupBy>,
) -> QueryResult<Counts> {
    let (from, to) = (window.from, window.to);
    let excluded =
        if rules.exclusions.planned_respite { "s.marked_excluded OR s.planned_respite" } else { "s.marked_excluded" };
    let key = if group_by == Some(GroupBy::Month) { "CAST(s.day AS TEXT)" } else { "''" };
    let side = |side: &str, flag: &str| {
        format!(
            "SELECT {key} AS key, CASE WHEN {excluded} THEN 'excluded' ELSE s.bucket END AS bucket, \
               {flag} AS flag, SUM(s.stays) AS n \
             FROM survey_days s WHERE s.side = '{side}' AND s.day BETWEEN {from} AND {to} \
             GROUP BY 1, 2, 3 HAVING SUM(s.stays) <> 0"
        )
    };
    let on_time = format!("CASE WHEN s.lead_days >= {} THEN 1 ELSE 0 END", rules.discharge_notice_min_days);
    let in_hospital = format!(
        "SELECT {key} AS key, COUNT(*) AS n FROM episodes e \
         WHERE e.admitted_day BETWEEN {from} AND {to} AND (e.discharged_day IS NULL OR e.discharged_day > {to}) \
           AND e.care_office_id IS NOT NULL AND NOT {excluded} \
         GROUP BY 1",
        key = key_expression(group_by, "e.admitted_day"),
        excluded = excluded_expression(rules),
    );
    Ok(Counts {
        admission: diesel::sql_query(side("admission", "0")).load::<BucketCount>(conn)?,
        discharge: diesel::sql_query(side("discharge", &on_time)).load::<BucketCount>(conn)?,
        in_hospital: diesel::sql_query(in_hospital).load::<KeyCount>(conn)?,
    })
}

/// Adds `sign` (1 or -1) times the counts of the stays that `which` selects (a condition on
/// `e`, an alias of `episodes`, made only of ids and tags we made) to the daily counts. Call it
/// with -1 before a write that may change what the stays count as, and with 1 after it, in the
/// same transaction.
pub fn adjust(conn: &mut DbConnection, sign: i8, which: &str) -> QueryResult<()> {
    let postgres = matches!(conn, DbConnection::Postgres(_));
    // On PostgreSQL, two transactions may write the same stay: the one that takes off its counts
    // first holds it until its commit, so the other then takes off what the first put back. The
    // lock is the one an UPDATE takes; it does not wait for the key-share locks that inserting a
    // contact or document about the stay takes (FOR UPDATE would, and two such writers would
    // deadlock).
    if postgres && sign < 0 {
        diesel::sql_query(format!("SELECT e.id FROM episodes e WHERE {which} ORDER BY e.id FOR NO KEY UPDATE"))
            .execute(conn)?;
    }
    // SQLite adds to one row per key; PostgreSQL appends a fresh delta row (see `compact`).
    let (compacted, fresh, merge) = if postgres {
        (", compacted", ", FALSE", "")
    } else {
        (
            "",
            "",
            "ON CONFLICT (side, day, bucket, lead_days, marked_excluded, planned_respite) \
             DO UPDATE SET stays = survey_days.stays + excluded.stays",
        )
    };
    // The day is `+column`: an expression, so that SQLite does not walk the day index (one
    // random read per stay) to save the sort of its GROUP BY.
    let add = |side: &str, day: &str, bucket: String, lead: String, cohort: &str| {
        format!(
            "INSERT INTO survey_days (side, day, bucket, lead_days, marked_excluded, planned_respite, stays{compacted}) \
             SELECT '{side}', {day}, {bucket}, {lead}, e.excluded, e.planned_respite, {sign} * COUNT(*){fresh} \
             FROM episodes e WHERE e.care_office_id IS NOT NULL {cohort} AND ({which}) \
             GROUP BY 2, 3, 4, 5, 6 {merge}"
        )
    };
    let admission =
        add("admission", "+e.admitted_day", admission_bucket(UNTIL_DISCHARGE, Labels::Names), "-1".into(), "");
    let discharge = add(
        "discharge",
        "+e.discharged_day",
        discharge_bucket(Labels::Names),
        lead_days(),
        "AND e.discharged_day IS NOT NULL",
    );
    diesel::sql_query(admission).execute(conn)?;
    diesel::sql_query(discharge).execute(conn)?;
    Ok(())
}

/// Counts every stay again from scratch: for a bulk write that touched a large share of the
/// stays, one pass over all of them costs less than taking off and putting back each one. On
/// PostgreSQL the counts are locked against other writers until the commit (readers go on), since
/// a write committed between the delete and the count would be counted twice.
pub fn recount(conn: &mut DbConnection) -> QueryResult<()> {
    if matches!(conn, DbConnection::Postgres(_)) {
        diesel::sql_query("LOCK TABLE survey_days IN SHARE ROW EXCLUSIVE MODE").execute(conn)?;
    }
    diesel::sql_query("DELETE FROM survey_days").execute(conn)?;
    adjust(conn, 1, "TRUE")?;
    compact(conn).map(|_| ())
}

/// PostgreSQL: replaces the rows of every day that has fresh delta rows by their sums (rows that
/// sum to 0 go), in one statement: rows other writers add meanwhile are not in its snapshot, so
/// they stay, fresh, for the next time; readers see the rows before or after, with the same sums.
/// Writers are never blocked; two compactions at once each sum what the other left. Returns how
/// many summed rows it wrote (0 on SQLite, which keeps one row per key).
pub fn compact(conn: &mut DbConnection) -> QueryResult<usize> {
    if !matches!(conn, DbConnection::Postgres(_)) {
        return Ok(0);
    }
    const KEY: &str = "side, day, bucket, lead_days, marked_excluded, planned_respite";
    diesel::sql_query(format!(
        "WITH fresh AS (SELECT DISTINCT side, day FROM survey_days WHERE NOT compacted), \
              gone AS (DELETE FROM survey_days s USING fresh f WHERE s.side = f.side AND s.day = f.day \
                       RETURNING s.side, s.day, s.bucket, s.lead_days, s.marked_excluded, s.planned_respite, s.stays) \
         INSERT INTO survey_days ({KEY}, stays, compacted) \
         SELECT {KEY}, SUM(stays), TRUE FROM gone GROUP BY {KEY} HAVING SUM(stays) <> 0"
    ))
    .execute(conn)
}

/// Where the stays inserted from now on begin on SQLite: the largest rowid of `episodes` (SQLite
/// gives each new row a larger one). PostgreSQL has no such order: there a bulk import counts
/// each batch of new stays by their ids (`adjust`), and this is `None`.
pub fn mark(conn: &mut DbConnection) -> QueryResult<Option<i64>> {
    match conn {
        DbConnection::Sqlite(_) => Ok(Some(
            diesel::sql_query("SELECT COALESCE(MAX(rowid), 0) AS n FROM episodes").get_result::<Number>(conn)?.n,
        )),
        DbConnection::Postgres(_) => Ok(None),
    }
}

/// How many stays are stored (on SQLite, the largest rowid: close enough, and instant).
pub fn stays(conn: &mut DbConnection) -> QueryResult<i64> {
    match mark(conn)? {
        Some(last) => Ok(last),
        None => Ok(diesel::sql_query("SELECT COUNT(*) AS n FROM episodes").get_result::<Number>(conn)?.n),
    }
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Counts the stays inserted since `mark` (SQLite), in one pass (a bulk import).
pub fn add_inserted_since(conn: &mut DbConnection, mark: Option<i64>) -> QueryResult<()> {
    match mark {
        Some(mark) => adjust(conn, 1, &format!("e.rowid > {mark}")),
        None => Ok(()),
    }
}
