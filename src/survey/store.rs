//! The survey's counting queries: one pass over `episodes` per side, grouped by the breakdown
//! key and the bucket, in SQL that is the same on both engines (day numbers are integers, so
//! day arithmetic is subtraction). Only numbers we computed and fixed words are spliced into the
//! SQL text; nothing from a request is. On SQLite most surveys are answered from daily counts
//! kept at write time instead (`daily`).

pub mod daily;

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::GroupBy;
use super::rules::{RuleSet, WindowMode};
use crate::calendar::day_number;
use crate::db::DbConnection;
use crate::db::schema::facilities;

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

pub struct Counts {
    pub admission: Vec<BucketCount>,
    pub discharge: Vec<BucketCount>,
    pub in_hospital: Vec<KeyCount>,
}

pub(crate) fn key_expression(group_by: Option<GroupBy>, day_column: &str) -> String {
    match group_by {
        None => "''".into(),
        Some(GroupBy::Hospital) => "e.hospital_id".into(),
        Some(GroupBy::CareOffice) => "e.care_office_id".into(),
        Some(GroupBy::Area) => "COALESCE(o.area, '')".into(),
        Some(GroupBy::CareLevel) => "COALESCE(e.care_level, '')".into(),
        Some(GroupBy::Month) => format!("CAST({day_column} AS TEXT)"),
    }
}

/// Whether a stay is left out under the rules.
pub(crate) fn excluded_expression(rules: &RuleSet) -> String {
    let mut parts = vec!["e.excluded".to_owned()];
    if let Some(days) = rules.exclusions.short_stay_max_days {
        parts.push(format!("(e.discharged_day IS NOT NULL AND e.discharged_day - e.admitted_day + 1 <= {days})"));
    }
    if rules.exclusions.planned_respite {
        parts.push("e.planned_respite".into());
    }
    format!("({})", parts.join(" OR "))
}

/// Where the counts come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The daily counts where they can answer (SQLite, see `daily`), else the stays.
    Fastest,
    /// Always the stays themselves: the reference the daily counts are checked against.
    Stays,
}

/// The admission side's bucket of a stay before any exclusion: its first dated admission sheet
/// up to `bound` (day 1 = the admission day), else an undated one, else none.
pub(crate) fn admission_bucket(bound: &str) -> String {
    format!(
        "CASE WHEN e.first_admission_info_day IS NOT NULL AND e.first_admission_info_day <= {bound} THEN \
           CASE WHEN e.first_admission_info_day - e.admitted_day <= 0 THEN 'same_day' \
                WHEN e.first_admission_info_day - e.admitted_day <= 2 THEN 'day_2_3' \
                ELSE 'later' END \
         WHEN e.undated_admission_info THEN 'unknown' \
         ELSE 'none' END"
    )
}

/// The bound of the admission side in period mode: contacts count up to the discharge.
pub(crate) const UNTIL_DISCHARGE: &str = "COALESCE(e.discharged_day, 2147483647)";

const LEAD: &str = "(e.discharged_day - e.first_discharge_contact_day)";

/// The discharge side's bucket of a discharged stay before any exclusion.
pub(crate) fn discharge_bucket() -> String {
    format!(
        "CASE WHEN e.destination = 'death' THEN 'died' \
              WHEN e.first_discharge_contact_day IS NOT NULL THEN \
                CASE WHEN {LEAD} >= 8 THEN '8+' WHEN {LEAD} >= 5 THEN '5-7' WHEN {LEAD} >= 2 THEN '2-4' \
                     WHEN {LEAD} = 1 THEN '1' WHEN {LEAD} = 0 THEN '0' ELSE 'after' END \
              WHEN e.undated_discharge_contact THEN 'unknown' \
              ELSE 'none' END"
    )
}

/// Days between the first discharge contact and the discharge, capped to 0..=61 (-1: after the
/// discharge, or no dated contact): exact for every threshold the handbook schema allows (≤ 60).
pub(crate) fn lead_days() -> String {
    format!(
        "CASE WHEN e.first_discharge_contact_day IS NULL OR {LEAD} < 0 THEN -1 \
              WHEN {LEAD} > {LEAD_CAP} THEN {LEAD_CAP} ELSE {LEAD} END"
    )
}

/// The largest lead the daily counts keep exactly.
pub(crate) const LEAD_CAP: i64 = 61;

/// Counts stays per group and bucket, for both sides.
pub fn count(
    conn: &mut DbConnection,
    rules: &RuleSet,
    window: &Window,
    group_by: Option<GroupBy>,
    source: Source,
) -> QueryResult<Counts> {
    one_snapshot(conn, |conn| {
        if source == Source::Fastest && daily::answers(rules, group_by) {
            daily::count(conn, rules, window, group_by)
        } else {
            count_stays(conn, rules, window, group_by)
        }
    })
}

/// Runs the survey's reads in one snapshot: on PostgreSQL a read-only repeatable-read
/// transaction (each statement would otherwise see the commits made before it), without the JIT,
/// which would first compile each of these one-off scans and at a million stays costs more than
/// it saves. On SQLite a transaction is one snapshot.
fn one_snapshot<T>(conn: &mut DbConnection, read: impl FnOnce(&mut DbConnection) -> QueryResult<T>) -> QueryResult<T> {
    conn.transaction(|conn| {
        if matches!(conn, DbConnection::Postgres(_)) {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(conn)?;
            diesel::sql_query("SET LOCAL jit = off").execute(conn)?;
        }
        read(conn)
    })
}

/// The counts read from the stays themselves.
fn count_stays(
    conn: &mut DbConnection,
    rules: &RuleSet,
    window: &Window,
    group_by: Option<GroupBy>,
) -> QueryResult<Counts> {
    let excluded = excluded_expression(rules);
    // On SQLite a period of more than a year is read by scanning the table (`+column` keeps it
    // off the day indexes): the rows are in no order of dates, and following an index costs a
    // random read per stay, more than reading them all once when many stays are in the period.
    let scan = if matches!(conn, DbConnection::Sqlite(_)) && window.to - window.from > 366 { "+" } else { "" };
    let (admitted, discharged) = (format!("{scan}e.admitted_day"), format!("{scan}e.discharged_day"));
    // The care office's area is needed only to group by it.
    let join = if group_by == Some(GroupBy::Area) { "LEFT JOIN facilities o ON o.id = e.care_office_id" } else { "" };
    let end = window.end();
    let (from, to) = (window.from, window.to);
    // Admission side: contacts count up to the discharge (or the cut-off for stays open then).
    let bound = match window.cutoff {
        None => UNTIL_DISCHARGE.to_owned(),
        Some(_) => format!(
            "CASE WHEN e.discharged_day IS NULL OR e.discharged_day > {end} THEN {end} ELSE e.discharged_day END"
        ),
    };
    // flag: 1 when the stay had not ended by the end (in hospital).
    let admission = format!(
        "SELECT {key} AS key, \
           CASE WHEN {excluded} THEN 'excluded' ELSE {bucket} END AS bucket, \
           CASE WHEN e.discharged_day IS NULL OR e.discharged_day > {end} THEN 1 ELSE 0 END AS flag, \
           COUNT(*) AS n \
         FROM episodes e {join} \
         WHERE e.care_office_id IS NOT NULL AND {admitted} BETWEEN {from} AND {to} \
         GROUP BY 1, 2, 3",
        key = key_expression(group_by, "e.admitted_day"),
        bucket = admission_bucket(&bound),
    );
    let cohort = match window.cutoff {
        None => format!("{discharged} BETWEEN {from} AND {to}"),
        Some(_) => {
            format!("{admitted} BETWEEN {from} AND {to} AND e.discharged_day IS NOT NULL AND e.discharged_day <= {end}")
        }
    };
    let discharge = format!(
        "SELECT {key} AS key, \
           CASE WHEN {excluded} THEN 'excluded' ELSE {bucket} END AS bucket, \
           CASE WHEN e.first_discharge_contact_day IS NOT NULL AND {LEAD} >= {min_days} THEN 1 ELSE 0 END AS flag, \
           COUNT(*) AS n \
         FROM episodes e {join} \
         WHERE e.care_office_id IS NOT NULL AND {cohort} \
         GROUP BY 1, 2, 3",
        key = key_expression(group_by, "e.discharged_day"),
        bucket = discharge_bucket(),
        min_days = rules.discharge_notice_min_days,
    );
    let admission: Vec<BucketCount> = diesel::sql_query(admission).load(conn)?;
    let discharge: Vec<BucketCount> = diesel::sql_query(discharge).load(conn)?;
    let mut in_hospital: BTreeMap<&str, i64> = BTreeMap::new();
    for row in admission.iter().filter(|row| row.flag == 1 && row.bucket != "excluded") {
        *in_hospital.entry(&row.key).or_default() += row.n;
    }
    let in_hospital = in_hospital.into_iter().map(|(key, n)| KeyCount { key: key.to_owned(), n }).collect();
    Ok(Counts { admission, discharge, in_hospital })
}

/// The admission date of the first stay on record.
pub fn first_admission(conn: &mut DbConnection) -> QueryResult<Option<NaiveDate>> {
    use crate::db::schema::episodes;
    let day: Option<i32> = episodes::table.select(diesel::dsl::min(episodes::admitted_day)).first(conn)?;
    Ok(day.map(crate::calendar::from_day_number))
}

/// Public key and label of each group key: facility ids become codes and names, months
/// 2025年4月, an empty area or care level （未設定）.
pub fn labels<'a>(
    conn: &mut DbConnection,
    group_by: GroupBy,
    keys: impl Iterator<Item = &'a String>,
) -> QueryResult<BTreeMap<String, (String, String)>> {
    let keys: Vec<String> = keys.cloned().collect();
    Ok(match group_by {
        GroupBy::Hospital | GroupBy::CareOffice => facilities::table
            .filter(facilities::id.eq_any(&keys))
            .select((facilities::id, facilities::code, facilities::name))
            .load::<(String, String, String)>(conn)?
            .into_iter()
            .map(|(id, code, name)| (id, (code, name)))
            .collect(),
        GroupBy::Month => keys
            .into_iter()
            .map(|key| {
                let label = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d")
                    .map(|d| d.format("%Y年%-m月").to_string())
                    .unwrap_or_else(|_| key.clone());
                (key.clone(), (key, label))
            })
            .collect(),
        GroupBy::Area | GroupBy::CareLevel => keys
            .into_iter()
            .map(|key| {
                let label = if key.is_empty() { "（未設定）".to_owned() } else { key.clone() };
                (key.clone(), (key, label))
            })
            .collect(),
    })
}
