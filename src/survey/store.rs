//! The survey's counting queries: one pass over `episodes` for both sides, each stay's buckets
//! packed in one integer, in SQL that is the same on both engines (day numbers are integers, so
//! day arithmetic is subtraction); PostgreSQL groups the rows, SQLite's are added up in Rust.
//! Only numbers we computed and fixed words are spliced into the SQL text; nothing from a request
//! is. Most surveys are answered from daily counts kept at write time instead (`daily`).

mod buckets;
pub mod daily;
pub mod exchange;
mod groups;
mod sqlite;

use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::GroupBy;
use super::rules::{RuleSet, WindowMode};
use crate::calendar::day_number;
use crate::db::DbConnection;
pub(crate) use buckets::{
    LEAD, LEAD_CAP, Labels, NO_CHANNEL, Stay, UNTIL_DISCHARGE, WITH_CARE_OFFICE, admission_bucket, discharge_bucket,
    excluded_expression, key_expression, lead_days, pack, place,
};
use buckets::{cell, unpack};
use groups::facility_groups;
pub use groups::{first_admission, labels};

/// The days the survey looks at, under the rules' window mode.
pub struct Window {
    pub(crate) from: i32,
    pub(crate) to: i32,
    /// In admission_window mode: stays are followed to this day.
    pub cutoff: Option<NaiveDate>,
}

impl Window {
    pub fn of(rules: &RuleSet, from: NaiveDate, to: NaiveDate) -> Self {
        let cutoff = match rules.survey_window.mode {
            WindowMode::Period => None,
            WindowMode::AdmissionWindow => Some(to + Duration::days(rules.survey_window.follow_up_days.unwrap_or(0))),
        };
        Self { from: day_number(from), to: day_number(to), cutoff }
    }

    /// The last day whose events count: the cut-off, or the end of the period.
    pub(crate) fn end(&self) -> i32 {
        self.cutoff.map_or(self.to, day_number)
    }
}

#[derive(QueryableByName, Debug)]
pub struct BucketCount {
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = Text)]
    pub bucket: String,
    /// Discharge side: 1 when the first contact was on time.
    #[diesel(sql_type = Integer)]
    pub flag: i32,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Stays of the admission cohort, not excluded, that had not ended by the end (in hospital).
#[derive(QueryableByName, Debug)]
pub struct KeyCount {
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

#[derive(Default)]
pub struct Counts {
    pub admission: Vec<BucketCount>,
    pub discharge: Vec<BucketCount>,
    pub in_hospital: Vec<KeyCount>,
    /// The contacted stays by the method of their first counted contact (always from the stays).
    pub channels: ChannelCounts,
}

impl Counts {
    /// Adds another pass's counts (their rows are added up by group and bucket afterwards).
    pub fn append(&mut self, mut other: Counts) {
        self.admission.append(&mut other.admission);
        self.discharge.append(&mut other.discharge);
        self.in_hospital.append(&mut other.in_hospital);
        self.channels.admission.append(&mut other.channels.admission);
        self.channels.discharge.append(&mut other.channels.discharge);
    }
}

/// Stays of one side and group whose first counted contact was made by the method at `rank`
/// in `Method::FIRST_CONTACT_ORDER`.
#[derive(Debug)]
pub struct ChannelCount {
    pub key: String,
    pub rank: i32,
    pub n: i64,
}

/// The contacted stays of each side by method (empty when the daily counts answered).
#[derive(Debug, Default)]
pub struct ChannelCounts {
    pub admission: Vec<ChannelCount>,
    pub discharge: Vec<ChannelCount>,
}

/// Where the counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The daily counts where they can answer (SQLite, see `daily`), else the stays.
    Fastest,
    /// Always the stays themselves: the reference the daily counts are checked against.
    Stays,
}

/// Counts stays per group and bucket, for both sides, and (`with_channels`) the contacted stays
/// by how they were contacted; only the stays `filter` picks (SQL on `e`, from
/// `judges::Pass`) when it is given. Call it in `one_snapshot`, first (see `sqlite::add_up`).
pub fn count(
    conn: &mut DbConnection,
    rules: &RuleSet,
    window: &Window,
    group_by: Option<GroupBy>,
    source: Source,
    with_channels: bool,
    filter: Option<&str>,
) -> QueryResult<Counts> {
    // The daily counts keep no methods, nor municipalities: the channels and a part of the stays
    // come with the pass over the stays.
    let daily = source == Source::Fastest && !with_channels && filter.is_none() && daily::answers(rules, group_by);
    let counts = if daily {
        daily::count(conn, rules, window, group_by)?
    } else {
        count_stays(conn, rules, window, group_by, filter)?
    };
    if matches!(conn, DbConnection::Postgres(_)) {
        // The room to group suits the pass over the stays. The snapshot's later reads probe a few
        // stays' rows through indexes; with that much memory the planner would rather hash the
        // whole of a table for them (a decade's patients without a care manager: all 3 million
        // contacts read instead of one probe per stay).
        diesel::sql_query("SET LOCAL work_mem TO DEFAULT").execute(conn)?;
    }
    Ok(counts)
}

/// Runs the survey's reads in one snapshot, so that its counts, its figures beyond the rates and
/// its groups' names agree with each other under concurrent writes: on PostgreSQL a read-only
/// repeatable-read transaction (each statement would otherwise see the commits made before it), without the JIT,
/// which would first compile each of these one-off scans and at a million stays costs more than
/// it saves, and with room to group in memory: the planner cannot tell that the buckets are a
/// handful, expects many groups, and with the default 4 MB would sort a million rows on disk
/// instead of hashing them. On SQLite a transaction is one snapshot.
pub fn one_snapshot<T, E: From<diesel::result::Error>>(
    conn: &mut DbConnection,
    read: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    conn.transaction(|conn| {
        if matches!(conn, DbConnection::Postgres(_)) {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(conn)?;
            diesel::sql_query("SET LOCAL jit = off").execute(conn)?;
            diesel::sql_query("SET LOCAL work_mem = '64MB'").execute(conn)?;
        }
        read(conn)
    })
}

/// One row of the pass over the stays: a group's key (the discharge side's too when it differs,
/// by month; else '') and its stays' `cell`, which packs both sides' buckets (their places in
/// `BUCKETS`, 0 outside a side's cohort) and two flags: in hospital at the end, notified on time.
#[derive(QueryableByName)]
struct StayCount {
    #[diesel(sql_type = Text)]
    admission_key: String,
    #[diesel(sql_type = Text)]
    discharge_key: String,
    #[diesel(sql_type = Integer)]
    cell: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The SQL that puts a stay (`e`) in each side's cohort, and its cell.
struct StaySql {
    admission_cohort: String,
    discharge_cohort: String,
    cell: String,
}

/// The cohorts and the cell under the rules and window; `scan` ("+" or "") before the day
/// columns of the cohorts keeps SQLite off their indexes.
fn stay_sql(rules: &RuleSet, window: &Window, scan: &str) -> StaySql {
    let excluded = excluded_expression(rules);
    let (admitted, discharged) = (format!("{scan}e.admitted_day"), format!("{scan}e.discharged_day"));
    let end = window.end();
    let (from, to) = (window.from, window.to);
    // Admission side: contacts count up to the discharge (or the cut-off for stays open then).
    let bound = match window.cutoff {
        None => UNTIL_DISCHARGE.to_owned(),
        Some(_) => format!(
            "CASE WHEN e.discharged_day IS NULL OR e.discharged_day > {end} THEN {end} ELSE e.discharged_day END"
        ),
    };
    let admission_cohort = format!("{admitted} BETWEEN {from} AND {to}");
    let discharge_cohort = match window.cutoff {
        None => format!("{discharged} BETWEEN {from} AND {to}"),
        Some(_) => format!("{admission_cohort} AND e.discharged_day IS NOT NULL AND e.discharged_day <= {end}"),
    };
    let numbers = Labels::Numbers;
    let in_cohort = |cohort: &str, bucket: String| {
        format!(
            "CASE WHEN {cohort} THEN CASE WHEN {excluded} THEN {} ELSE {bucket} END ELSE 0 END",
            numbers.of("excluded")
        )
    };
    // The channels: the method of the first counted contact on each side (`Channels`).
    let none = NO_CHANNEL;
    let admission_channel = format!(
        "CASE WHEN {admission_cohort} AND NOT {excluded} THEN \
           CASE WHEN e.first_admission_info_day IS NOT NULL AND e.first_admission_info_day <= {bound} \
                THEN COALESCE(e.first_admission_info_method, {none}) \
                WHEN e.undated_admission_info THEN COALESCE(e.undated_admission_info_method, {none}) \
                ELSE {none} END \
         ELSE {none} END"
    );
    let discharge_channel = format!(
        "CASE WHEN {discharge_cohort} AND NOT {excluded} AND COALESCE(e.destination, '') <> 'death' \
           AND e.first_discharge_contact_day IS NOT NULL AND {LEAD} >= 0 \
         THEN COALESCE(e.first_discharge_contact_method, {none}) ELSE {none} END"
    );
    let cell = cell(
        &in_cohort(&admission_cohort, admission_bucket(&bound, numbers)),
        &format!("CASE WHEN e.discharged_day IS NULL OR e.discharged_day > {end} THEN 1 ELSE 0 END"),
        &in_cohort(&discharge_cohort, discharge_bucket(numbers)),
        &format!(
            "CASE WHEN e.first_discharge_contact_day IS NOT NULL AND {LEAD} >= {} THEN 1 ELSE 0 END",
            rules.discharge_notice_min_days
        ),
        &format!("({admission_channel}) * 8 + ({discharge_channel})"),
    );
    StaySql { admission_cohort, discharge_cohort, cell }
}

/// The counts read from the stays themselves, both sides in one pass over the stays that are in
/// either cohort. PostgreSQL groups them (a hash aggregate); SQLite, which can group only by
/// sorting every row first, hands over one row per stay and they are added up here, which at a
/// million stays is several times faster.
fn count_stays(
    conn: &mut DbConnection,
    rules: &RuleSet,
    window: &Window,
    group_by: Option<GroupBy>,
    filter: Option<&str>,
) -> QueryResult<Counts> {
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    // On SQLite a period of more than a year is read by scanning the table (`+column` keeps it
    // off the day indexes): the rows are in no order of dates, and following an index costs a
    // random read per stay, more than reading them all once when many stays are in the period.
    let scan = if sqlite && window.to - window.from > 366 { "+" } else { "" };
    let StaySql { admission_cohort, discharge_cohort, cell, .. } = stay_sql(rules, window, scan);
    // By month, a stay's discharge may fall in another month than its admission (or in none yet).
    // By month the keys are months ('2025-04'), not days: a decade of stays would otherwise give
    // a group per pair of admission and discharge days (PostgreSQL names the month itself;
    // SQLite's pass turns each day into its month as it adds up).
    let by_month = group_by == Some(GroupBy::Month);
    let key_of = |day: &str| match (by_month, sqlite) {
        (true, false) => format!("to_char(DATE '1970-01-01' + {day}, 'YYYY-MM')"),
        _ => key_expression(group_by, day),
    };
    let discharge_key = if by_month { format!("COALESCE({}, '')", key_of("e.discharged_day")) } else { "''".into() };
    let keys = format!("{} AS admission_key, {discharge_key} AS discharge_key", key_of("e.admitted_day"));
    let part = filter.map(|filter| format!(" AND ({filter})")).unwrap_or_default();
    let stays =
        format!("FROM episodes e WHERE {WITH_CARE_OFFICE} AND (({admission_cohort}) OR ({discharge_cohort})){part}");
    // Identical rows first (a few thousand at most), then each side's counts.
    let rows = match conn {
        DbConnection::Sqlite(conn) => {
            sqlite::add_up(conn, &format!("SELECT {keys}, {} {stays}", sqlite::COLUMNS), rules, window, by_month)?
        }
        DbConnection::Postgres(_) => {
            let query = format!("SELECT {keys}, {cell} AS cell, COUNT(*) AS n {stays} GROUP BY 1, 2, 3");
            let mut rows = HashMap::new();
            for row in diesel::sql_query(query).load_iter::<StayCount, DefaultLoadingMode>(conn)? {
                let row = row?;
                rows.insert((row.admission_key, row.discharge_key, row.cell), row.n);
            }
            rows
        }
    };
    let facility_group = facility_groups(conn, group_by)?;
    let key = |key: String| match &facility_group {
        Some(groups) => groups.get(&key).cloned().unwrap_or_default(),
        None => key,
    };
    let mut admission: BTreeMap<(String, String, i32), i64> = BTreeMap::new();
    let mut discharge: BTreeMap<(String, String, i32), i64> = BTreeMap::new();
    let mut in_hospital: BTreeMap<String, i64> = BTreeMap::new();
    let mut channels: [BTreeMap<(String, i32), i64>; 2] = Default::default();
    for ((admission_key, discharge_key, cell), n) in rows {
        let (admission_bucket, stays_on, discharge_bucket, on_time, admitted_by, discharged_by) = unpack(cell);
        if !discharge_bucket.is_empty() {
            let key = key(if discharge_key.is_empty() { admission_key.clone() } else { discharge_key });
            if discharged_by != NO_CHANNEL {
                *channels[1].entry((key.clone(), discharged_by)).or_default() += n;
            }
            *discharge.entry((key, discharge_bucket.to_owned(), on_time)).or_default() += n;
        }
        if !admission_bucket.is_empty() {
            let admission_key = key(admission_key);
            if stays_on == 1 && admission_bucket != "excluded" {
                *in_hospital.entry(admission_key.clone()).or_default() += n;
            }
            if admitted_by != NO_CHANNEL {
                *channels[0].entry((admission_key.clone(), admitted_by)).or_default() += n;
            }
            *admission.entry((admission_key, admission_bucket.to_owned(), stays_on)).or_default() += n;
        }
    }
    let [admitted_by, discharged_by] =
        channels.map(|side| side.into_iter().map(|((key, rank), n)| ChannelCount { key, rank, n }).collect());
    let channels = ChannelCounts { admission: admitted_by, discharge: discharged_by };
    let counts = |side: BTreeMap<(String, String, i32), i64>| {
        side.into_iter().map(|((key, bucket, flag), n)| BucketCount { key, bucket, flag, n }).collect()
    };
    Ok(Counts {
        admission: counts(admission),
        discharge: counts(discharge),
        in_hospital: in_hospital.into_iter().map(|(key, n)| KeyCount { key, n }).collect(),
        channels,
    })
}
