//! The survey's counting queries: one pass over `episodes` for both sides, each stay's buckets
//! packed in one integer, in SQL that is the same on both engines (day numbers are integers, so
//! day arithmetic is subtraction); PostgreSQL groups the rows, SQLite's are added up in Rust.
//! Only numbers we computed and fixed words are spliced into the SQL text; nothing from a request
//! is. Most surveys are answered from daily counts kept at write time instead (`daily`).

pub mod daily;
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
        // By area or by 市内/市外: by facility here, each facility's group then
        // (`facility_groups`), not joined per stay.
        Some(GroupBy::Hospital | GroupBy::HospitalInCity) => "e.hospital_id".into(),
        Some(GroupBy::CareOffice | GroupBy::Area) => "e.care_office_id".into(),
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

/// Every bucket of either side, and '' for a stay outside a side's cohort.
const BUCKETS: [&str; 14] =
    ["", "excluded", "same_day", "day_2_3", "later", "unknown", "none", "died", "8+", "5-7", "2-4", "1", "0", "after"];

/// How the bucket expressions write a bucket: by its name (the daily counts store names), or by
/// its place in `BUCKETS`, a number being cheaper to hand over a million times than a text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Labels {
    Names,
    Numbers,
}

impl Labels {
    pub(crate) fn of(self, bucket: &str) -> String {
        match self {
            Labels::Names => format!("'{bucket}'"),
            // Every name the expressions write is in BUCKETS (tested); were one not, the query
            // would fail on its NULL rather than count it as another bucket.
            Labels::Numbers => place(bucket).map_or_else(|| "NULL".into(), |p| p.to_string()),
        }
    }
}

/// A bucket's place in `BUCKETS`, the number a cell holds for it.
fn place(bucket: &str) -> Option<i32> {
    BUCKETS.iter().position(|b| *b == bucket).and_then(|p| i32::try_from(p).ok())
}

/// The admission side's bucket of a stay before any exclusion: its first dated admission sheet
/// up to `bound` (day 1 = the admission day), else an undated one, else none.
pub(crate) fn admission_bucket(bound: &str, labels: Labels) -> String {
    let l = |bucket| labels.of(bucket);
    format!(
        "CASE WHEN e.first_admission_info_day IS NOT NULL AND e.first_admission_info_day <= {bound} THEN \
           CASE WHEN e.first_admission_info_day - e.admitted_day <= 0 THEN {same_day} \
                WHEN e.first_admission_info_day - e.admitted_day <= 2 THEN {day_2_3} \
                ELSE {later} END \
         WHEN e.undated_admission_info THEN {unknown} \
         ELSE {none} END",
        same_day = l("same_day"),
        day_2_3 = l("day_2_3"),
        later = l("later"),
        unknown = l("unknown"),
        none = l("none"),
    )
}

/// The bound of the admission side in period mode: contacts count up to the discharge.
pub(crate) const UNTIL_DISCHARGE: &str = "COALESCE(e.discharged_day, 2147483647)";

const LEAD: &str = "(e.discharged_day - e.first_discharge_contact_day)";

/// The discharge side's bucket of a discharged stay before any exclusion.
pub(crate) fn discharge_bucket(labels: Labels) -> String {
    let l = |bucket| labels.of(bucket);
    format!(
        "CASE WHEN e.destination = 'death' THEN {died} \
              WHEN e.first_discharge_contact_day IS NOT NULL THEN \
                CASE WHEN {LEAD} >= 8 THEN {d8} WHEN {LEAD} >= 5 THEN {d5} WHEN {LEAD} >= 2 THEN {d2} \
                     WHEN {LEAD} = 1 THEN {d1} WHEN {LEAD} = 0 THEN {d0} ELSE {after} END \
              WHEN e.undated_discharge_contact THEN {unknown} \
              ELSE {none} END",
        died = l("died"),
        d8 = l("8+"),
        d5 = l("5-7"),
        d2 = l("2-4"),
        d1 = l("1"),
        d0 = l("0"),
        after = l("after"),
        unknown = l("unknown"),
        none = l("none"),
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

/// One stay's columns that decide its buckets (day numbers), read into Rust. Its methods are the
/// definitions of the SQL above (`admission_bucket`, `discharge_bucket`, `lead_days`), for the
/// passes that work out buckets here rather than in the database; tests compare the two. Read
/// from the columns in this order.
#[derive(Debug, Clone, Copy, Default, Queryable)]
pub(crate) struct Stay {
    pub(crate) admitted: i32,
    pub(crate) discharged: Option<i32>,
    pub(crate) first_admission_info: Option<i32>,
    pub(crate) undated_admission_info: bool,
    pub(crate) first_discharge_contact: Option<i32>,
    pub(crate) undated_discharge_contact: bool,
    pub(crate) died: bool,
    pub(crate) excluded: bool,
    pub(crate) planned_respite: bool,
}

impl Stay {
    /// `admission_bucket`: the first dated sheet up to `bound`, else an undated one, else none.
    pub(crate) fn admission_bucket(&self, bound: i32) -> &'static str {
        match self.first_admission_info {
            Some(day) if day <= bound => match day - self.admitted {
                ..=0 => "same_day",
                1..=2 => "day_2_3",
                _ => "later",
            },
            _ if self.undated_admission_info => "unknown",
            _ => "none",
        }
    }

    /// `discharge_bucket` of the stay discharged on `discharged`: death, the first dated
    /// contact's lead, else an undated contact, else none.
    pub(crate) fn discharge_bucket(&self, discharged: i32) -> &'static str {
        if self.died {
            return "died";
        }
        match self.first_discharge_contact {
            Some(day) => match discharged - day {
                8.. => "8+",
                5..=7 => "5-7",
                2..=4 => "2-4",
                1 => "1",
                0 => "0",
                _ => "after",
            },
            None if self.undated_discharge_contact => "unknown",
            None => "none",
        }
    }

    /// `lead_days` of the stay discharged on `discharged`: 0..=`LEAD_CAP`, -1 after or none.
    pub(crate) fn lead_days(&self, discharged: i32) -> i64 {
        match self.first_discharge_contact {
            Some(day) if discharged >= day => i64::from(discharged - day).min(LEAD_CAP),
            _ => -1,
        }
    }
}

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
/// it saves, and with room to group in memory: the planner cannot tell that the buckets are a
/// handful, expects many groups, and with the default 4 MB would sort a million rows on disk
/// instead of hashing them. On SQLite a transaction is one snapshot.
fn one_snapshot<T>(conn: &mut DbConnection, read: impl FnOnce(&mut DbConnection) -> QueryResult<T>) -> QueryResult<T> {
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

fn cell(admission: &str, in_hospital: &str, discharge: &str, on_time: &str) -> String {
    format!("((({admission}) * 16 + ({discharge})) * 2 + ({in_hospital})) * 2 + ({on_time})")
}

/// The cell of `cell`'s SQL, packed in Rust.
fn pack(admission: i32, in_hospital: i32, discharge: i32, on_time: i32) -> i32 {
    ((admission * 16 + discharge) * 2 + in_hospital) * 2 + on_time
}

/// The buckets and flags packed in a cell: (admission, in hospital, discharge, on time).
fn unpack(cell: i32) -> (&'static str, i32, &'static str, i32) {
    let bucket = |place: i32| usize::try_from(place).ok().and_then(|p| BUCKETS.get(p)).copied().unwrap_or("");
    (bucket(cell >> 6), (cell >> 1) & 1, bucket((cell >> 2) & 15), cell & 1)
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
    let cell = cell(
        &in_cohort(&admission_cohort, admission_bucket(&bound, numbers)),
        &format!("CASE WHEN e.discharged_day IS NULL OR e.discharged_day > {end} THEN 1 ELSE 0 END"),
        &in_cohort(&discharge_cohort, discharge_bucket(numbers)),
        &format!(
            "CASE WHEN e.first_discharge_contact_day IS NOT NULL AND {LEAD} >= {} THEN 1 ELSE 0 END",
            rules.discharge_notice_min_days
        ),
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
) -> QueryResult<Counts> {
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    // On SQLite a period of more than a year is read by scanning the table (`+column` keeps it
    // off the day indexes): the rows are in no order of dates, and following an index costs a
    // random read per stay, more than reading them all once when many stays are in the period.
    let scan = if sqlite && window.to - window.from > 366 { "+" } else { "" };
    let StaySql { admission_cohort, discharge_cohort, cell } = stay_sql(rules, window, scan);
    // By month, a stay's discharge may fall in another month than its admission (or in none yet).
    let discharge_key = if group_by == Some(GroupBy::Month) {
        format!("COALESCE({}, '')", key_expression(group_by, "e.discharged_day"))
    } else {
        "''".into()
    };
    let keys = format!(
        "{admission_key} AS admission_key, {discharge_key} AS discharge_key",
        admission_key = key_expression(group_by, "e.admitted_day"),
    );
    let stays = format!(
        "FROM episodes e WHERE e.care_office_id IS NOT NULL AND (({admission_cohort}) OR ({discharge_cohort}))"
    );
    // Identical rows first (a few thousand at most), then each side's counts.
    let rows = match conn {
        DbConnection::Sqlite(conn) => {
            sqlite::add_up(conn, &format!("SELECT {keys}, {} {stays}", sqlite::COLUMNS), rules, window)?
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
    for ((admission_key, discharge_key, cell), n) in rows {
        let (admission_bucket, stays_on, discharge_bucket, on_time) = unpack(cell);
        if !discharge_bucket.is_empty() {
            let key = key(if discharge_key.is_empty() { admission_key.clone() } else { discharge_key });
            *discharge.entry((key, discharge_bucket.to_owned(), on_time)).or_default() += n;
        }
        if !admission_bucket.is_empty() {
            let admission_key = key(admission_key);
            if stays_on == 1 && admission_bucket != "excluded" {
                *in_hospital.entry(admission_key.clone()).or_default() += n;
            }
            *admission.entry((admission_key, admission_bucket.to_owned(), stays_on)).or_default() += n;
        }
    }
    let counts = |side: BTreeMap<(String, String, i32), i64>| {
        side.into_iter().map(|((key, bucket, flag), n)| BucketCount { key, bucket, flag, n }).collect()
    };
    Ok(Counts {
        admission: counts(admission),
        discharge: counts(discharge),
        in_hospital: in_hospital.into_iter().map(|(key, n)| KeyCount { key, n }).collect(),
    })
}

/// 市内 and 市外, the keys of the breakdown by the hospital's place.
const IN_CITY: &str = "市内";
const OUTSIDE_CITY: &str = "市外";

/// For the breakdowns that group facilities, each facility's group by id: its area ('' when it
/// has none), or 市内/市外. `None` for the other breakdowns, whose keys are the groups.
fn facility_groups(conn: &mut DbConnection, group_by: Option<GroupBy>) -> QueryResult<Option<HashMap<String, String>>> {
    let by_area = match group_by {
        Some(GroupBy::Area) => true,
        Some(GroupBy::HospitalInCity) => false,
        _ => return Ok(None),
    };
    let facilities = facilities::table.select((facilities::id, facilities::area, facilities::in_city)).load::<(
        String,
        Option<String>,
        bool,
    )>(conn)?;
    Ok(Some(
        facilities
            .into_iter()
            .map(|(id, area, in_city)| {
                let group = match (by_area, in_city) {
                    (true, _) => area.unwrap_or_default(),
                    (false, true) => IN_CITY.to_owned(),
                    (false, false) => OUTSIDE_CITY.to_owned(),
                };
                (id, group)
            })
            .collect(),
    ))
}

/// The admission date of the first stay on record.
pub fn first_admission(conn: &mut DbConnection) -> QueryResult<Option<NaiveDate>> {
    use crate::db::schema::episodes;
    let day: Option<i32> = episodes::table.select(diesel::dsl::min(episodes::admitted_day)).first(conn)?;
    Ok(day.map(crate::calendar::from_day_number))
}

/// Public key and label of each group key: facility ids become codes and names, months
/// 2025年4月, an empty area or care level （未設定）, 市内 and 市外 become 市内の医療機関 and 市外の医療機関.
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
        GroupBy::HospitalInCity => keys
            .into_iter()
            .map(|key| {
                let label = format!("{key}の医療機関");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bucket_written_as_a_number_is_one_of_buckets() {
        for expression in [admission_bucket(UNTIL_DISCHARGE, Labels::Numbers), discharge_bucket(Labels::Numbers)] {
            assert!(!expression.contains("THEN NULL") && !expression.contains("ELSE NULL"), "{expression}");
            assert!(BUCKETS.iter().all(|b| !expression.contains(&format!("'{b}'"))), "{expression}");
        }
        assert_eq!(Labels::Numbers.of("excluded"), "1");
    }

    #[test]
    fn a_cell_unpacks_into_the_buckets_and_flags_packed_in_it() {
        let place = |bucket| Labels::Numbers.of(bucket).parse::<i32>().unwrap_or(-99);
        for (admission, in_hospital, discharge, on_time) in
            [("", 0, "after", 1), ("same_day", 1, "", 0), ("excluded", 0, "excluded", 0), ("none", 1, "8+", 1)]
        {
            let cell = pack(place(admission), in_hospital, place(discharge), on_time);
            assert_eq!(unpack(cell), (admission, in_hospital, discharge, on_time));
        }
    }
}
