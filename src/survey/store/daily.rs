//! The daily counts (`survey_days`, SQLite only): per day and side, how many stays with a care
//! office fall in each bucket before the rules' exclusions, with the flags the exclusions and the
//! on-time threshold need. A survey then sums a few rows per day instead of reading every stay:
//! SQLite reads rows one at a time on one core, and a decade of a prefecture is a million stays.
//!
//! Every write that changes what a stay counts as takes its old counts off, writes, and puts its
//! new counts back, in the same transaction (`adjust`). SQLite has one writer at a time, so this
//! is exact. PostgreSQL counts the stays directly: its parallel scans are within the goal, and
//! keeping additive counts there would make concurrent writers queue on them.

use diesel::prelude::*;

use super::{
    BucketCount, Counts, KeyCount, LEAD_CAP, UNTIL_DISCHARGE, Window, admission_bucket, discharge_bucket,
    excluded_expression, key_expression, lead_days,
};
use crate::db::DbConnection;
use crate::survey::GroupBy;
use crate::survey::rules::{RuleSet, WindowMode};

/// Whether the daily counts answer this survey exactly. They do not keep stay lengths, the
/// cut-off of the admission window, nor the facilities and care levels of each stay; those
/// surveys read the stays.
pub fn answers(conn: &DbConnection, rules: &RuleSet, group_by: Option<GroupBy>) -> bool {
    matches!(conn, DbConnection::Sqlite(_))
        && rules.survey_window.mode == WindowMode::Period
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
/// same transaction. Does nothing on PostgreSQL.
pub fn adjust(conn: &mut DbConnection, sign: i8, which: &str) -> QueryResult<()> {
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return Ok(());
    }
    // The day is `+column`: an expression, so that SQLite does not walk the day index (one
    // random read per stay) to save the sort of its GROUP BY.
    let add = |side: &str, day: &str, bucket: String, lead: String, cohort: &str| {
        format!(
            "INSERT INTO survey_days (side, day, bucket, lead_days, marked_excluded, planned_respite, stays) \
             SELECT '{side}', {day}, {bucket}, {lead}, e.excluded, e.planned_respite, {sign} * COUNT(*) \
             FROM episodes e WHERE e.care_office_id IS NOT NULL {cohort} AND ({which}) \
             GROUP BY 2, 3, 4, 5, 6 \
             ON CONFLICT (side, day, bucket, lead_days, marked_excluded, planned_respite) \
             DO UPDATE SET stays = survey_days.stays + excluded.stays"
        )
    };
    let admission = add("admission", "+e.admitted_day", admission_bucket(UNTIL_DISCHARGE), "-1".into(), "");
    let discharge =
        add("discharge", "+e.discharged_day", discharge_bucket(), lead_days(), "AND e.discharged_day IS NOT NULL");
    diesel::sql_query(admission).execute(conn)?;
    diesel::sql_query(discharge).execute(conn)?;
    Ok(())
}

/// Counts every stay again from scratch: for a bulk write that touched a large share of the
/// stays, one pass over all of them costs less than taking off and putting back each one.
pub fn recount(conn: &mut DbConnection) -> QueryResult<()> {
    if matches!(conn, DbConnection::Sqlite(_)) {
        diesel::sql_query("DELETE FROM survey_days").execute(conn)?;
    }
    adjust(conn, 1, "TRUE")
}

/// Where the stays inserted from now on begin: the largest rowid of `episodes` (SQLite gives
/// each new row a larger one), or 0 on PostgreSQL, where nothing is counted.
pub fn mark(conn: &mut DbConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Mark {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        last: i64,
    }
    match conn {
        DbConnection::Sqlite(_) => {
            Ok(diesel::sql_query("SELECT COALESCE(MAX(rowid), 0) AS last FROM episodes").get_result::<Mark>(conn)?.last)
        }
        DbConnection::Postgres(_) => Ok(0),
    }
}

/// Counts the stays inserted since `mark`, in one pass (a bulk import).
pub fn add_inserted_since(conn: &mut DbConnection, mark: i64) -> QueryResult<()> {
    adjust(conn, 1, &format!("e.rowid > {mark}"))
}
