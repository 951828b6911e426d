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

use diesel::connection::DefaultLoadingMode;

use super::{
    BucketCount, Counts, KeyCount, LEAD_CAP, Labels, Stay, UNTIL_DISCHARGE, WITH_CARE_OFFICE, Window, admission_bucket,
    discharge_bucket, excluded_expression, key_expression, lead_days,
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
           AND {WITH_CARE_OFFICE} AND NOT {excluded} \
         GROUP BY 1",
        key = key_expression(group_by, "e.admitted_day"),
        excluded = excluded_expression(rules),
    );
    Ok(Counts {
        admission: diesel::sql_query(side("admission", "0")).load::<BucketCount>(conn)?,
        discharge: diesel::sql_query(side("discharge", &on_time)).load::<BucketCount>(conn)?,
        in_hospital: diesel::sql_query(in_hospital).load::<KeyCount>(conn)?,
        channels: super::ChannelCounts::default(),
    })
}

/// Which stays a write touches.
#[derive(Debug, Clone, Copy)]
pub enum Stays<'a> {
    One(uuid::Uuid),
    Listed(&'a [uuid::Uuid]),
}

impl Stays<'_> {
    /// The SQL condition on `e` (an alias of `episodes`) that selects them: only UUIDs are spliced.
    fn condition(self) -> String {
        match self {
            Self::One(id) => format!("e.id = '{}'", id.hyphenated()),
            Self::Listed(ids) => {
                let ids: Vec<String> = ids.iter().map(|id| format!("'{}'", id.hyphenated())).collect();
                format!("e.id IN ({})", ids.join(", "))
            }
        }
    }
}

/// Adds `sign` (1 or -1) times the counts of `stays` to the daily counts. Call it with -1 before
/// a write that may change what the stays count as, and with 1 after it, in the same
/// transaction. On PostgreSQL, -1 locks the stays until the commit.
pub fn adjust(conn: &mut DbConnection, sign: i8, stays: Stays<'_>) -> QueryResult<()> {
    if matches!(stays, Stays::Listed([])) {
        return Ok(());
    }
    add_counts(conn, sign, &stays.condition(), false)
}

/// `adjust`; on PostgreSQL its rows are marked `compacted` when they are the only rows of their
/// keys (a recount into an empty, locked table), and are otherwise fresh delta rows.
fn add_counts(conn: &mut DbConnection, sign: i8, which: &str, only_rows: bool) -> QueryResult<()> {
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
        (", compacted", if only_rows { ", TRUE" } else { ", FALSE" }, "")
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
             FROM episodes e WHERE {WITH_CARE_OFFICE} {cohort} AND ({which}) \
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

/// The migrations that change which stays the rates count: after one of them is applied, the
/// daily counts are counted again (000019: stays assigned a care office on pathway B leave the
/// cohorts).
const RECOUNT_AFTER: [&str; 1] = ["20261207000019"];

/// Counts every stay again when `applied` (the migrations just applied) holds one that changes
/// which stays count; says whether it did.
pub fn recount_after_migrations(conn: &mut DbConnection, applied: &[String]) -> QueryResult<bool> {
    if !applied.iter().any(|version| RECOUNT_AFTER.contains(&version.as_str())) {
        return Ok(false);
    }
    conn.transaction(recount)?;
    Ok(true)
}

/// Counts every stay again from scratch: for a bulk write that touched a large share of the
/// stays, one pass over all of them costs less than taking off and putting back each one. SQLite
/// can group rows only by sorting them, so there the stays are read once and counted here
/// (`Tally`); PostgreSQL groups them itself (a hash aggregate, faster than handing over a million
/// rows). On PostgreSQL the counts are locked against other writers until the commit (readers go
/// on), since a write committed between the delete and the count would be counted twice; each
/// side's GROUP BY then writes each of its keys once, so the rows are compacted as written
/// (`compact` took a second or more of a million stays to sum them again).
pub fn recount(conn: &mut DbConnection) -> QueryResult<()> {
    use crate::db::schema::episodes::dsl as e;
    if matches!(conn, DbConnection::Postgres(_)) {
        diesel::sql_query("LOCK TABLE survey_days IN SHARE ROW EXCLUSIVE MODE").execute(conn)?;
        diesel::sql_query("DELETE FROM survey_days").execute(conn)?;
        return add_counts(conn, 1, "TRUE", true);
    }
    let mut tally = Tally::default();
    let stays = e::episodes
        .filter(e::care_office_id.is_not_null())
        .filter(e::care_assigned_day.is_null())
        .select((
            e::admitted_day,
            e::discharged_day,
            e::first_admission_info_day,
            e::undated_admission_info,
            e::first_discharge_contact_day,
            e::undated_discharge_contact,
            diesel::dsl::sql::<diesel::sql_types::Bool>("COALESCE(destination = 'death', FALSE)"),
            e::excluded,
            e::planned_respite,
        ))
        .load_iter::<Stay, DefaultLoadingMode>(conn)?;
    for stay in stays {
        tally.add(1, &stay?);
    }
    diesel::sql_query("DELETE FROM survey_days").execute(conn)?;
    tally.write(conn)
}

/// Which side of the survey a daily count is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Admission,
    Discharge,
}

/// A row of the daily counts: side, day, bucket, lead days, marked excluded, planned respite.
type DayKey = (Side, i32, &'static str, i64, bool, bool);

/// The daily counts of some stays with a care office, added up here by the definitions that
/// `adjust` writes in SQL (`Stay`'s methods; a test compares the two), then added to the table.
#[derive(Debug, Default)]
pub struct Tally(foldhash::HashMap<DayKey, i64>);

impl Tally {
    /// Adds `sign` (1 or -1) times one stay that has a care office.
    pub(crate) fn add(&mut self, sign: i64, stay: &Stay) {
        let (excluded, respite) = (stay.excluded, stay.planned_respite);
        let admission = stay.admission_bucket(stay.discharged.unwrap_or(i32::MAX));
        *self.0.entry((Side::Admission, stay.admitted, admission, -1, excluded, respite)).or_default() += sign;
        if let Some(day) = stay.discharged {
            let key = (Side::Discharge, day, stay.discharge_bucket(day), stay.lead_days(day), excluded, respite);
            *self.0.entry(key).or_default() += sign;
        }
    }

    /// Adds the counts to `survey_days`, as `adjust` does: SQLite adds to one row per key,
    /// PostgreSQL appends delta rows and compacts them. Only numbers and fixed words are spliced.
    pub fn write(self, conn: &mut DbConnection) -> QueryResult<()> {
        let postgres = matches!(conn, DbConnection::Postgres(_));
        let rows: Vec<String> = self
            .0
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .map(|((side, day, bucket, lead, excluded, respite), n)| {
                let side = if side == Side::Admission { "admission" } else { "discharge" };
                let fresh = if postgres { ", FALSE" } else { "" };
                format!("('{side}', {day}, '{bucket}', {lead}, {excluded}, {respite}, {n}{fresh})")
            })
            .collect();
        let (compacted, merge) = if postgres {
            (", compacted", "")
        } else {
            (
                "",
                " ON CONFLICT (side, day, bucket, lead_days, marked_excluded, planned_respite) \
                 DO UPDATE SET stays = survey_days.stays + excluded.stays",
            )
        };
        for chunk in rows.chunks(500) {
            diesel::sql_query(format!(
                "INSERT INTO survey_days (side, day, bucket, lead_days, marked_excluded, planned_respite, stays{compacted}) \
                 VALUES {}{merge}",
                chunk.join(", ")
            ))
            .execute(conn)?;
        }
        compact(conn).map(|_| ())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::connection::SimpleConnection;

    #[derive(QueryableByName, Debug, PartialEq)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        side: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        day: i32,
        #[diesel(sql_type = diesel::sql_types::Text)]
        bucket: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        lead_days: i64,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        marked_excluded: bool,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        planned_respite: bool,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        stays: i64,
    }

    fn rows(conn: &mut DbConnection) -> Vec<Row> {
        diesel::sql_query("SELECT * FROM survey_days ORDER BY 1, 2, 3, 4, 5, 6")
            .load(conn)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_recount_here_writes_the_same_daily_counts_as_the_sql_of_adjust() {
        let mut sqlite = diesel::sqlite::SqliteConnection::establish(":memory:").unwrap_or_else(|e| panic!("{e}"));
        sqlite.batch_execute(super::super::sqlite::tests::GRID).unwrap_or_else(|e| panic!("{e}"));
        sqlite
            .batch_execute(
                "CREATE TABLE survey_days (side TEXT NOT NULL, day INTEGER NOT NULL, bucket TEXT NOT NULL, \
                 lead_days INTEGER NOT NULL, marked_excluded BOOLEAN NOT NULL, planned_respite BOOLEAN NOT NULL, \
                 stays INTEGER NOT NULL, \
                 PRIMARY KEY (side, day, bucket, lead_days, marked_excluded, planned_respite)) WITHOUT ROWID",
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let mut conn = DbConnection::Sqlite(sqlite);
        add_counts(&mut conn, 1, "TRUE", false).unwrap_or_else(|e| panic!("{e}"));
        let by_sql = rows(&mut conn);
        recount(&mut conn).unwrap_or_else(|e| panic!("{e}"));
        let here = rows(&mut conn);
        let buckets: std::collections::HashSet<&str> = by_sql.iter().map(|r| r.bucket.as_str()).collect();
        assert!(by_sql.len() > 1000 && buckets.len() == 12, "{} rows, buckets {buckets:?}", by_sql.len());
        assert_eq!(here, by_sql);
    }
}
