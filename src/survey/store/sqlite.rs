//! The pass over the stays on SQLite. SQLite can group rows only by sorting them all first, and
//! evaluates the bucket expressions one virtual-machine step at a time: at a million stays that
//! is most of a breakdown's time. So it hands over each stay's raw columns, and each stay's
//! buckets are worked out here, by the same definitions as the SQL of `super` (which PostgreSQL
//! and the daily counts use; `tests/api/survey_counts.rs` compares the two on both engines).

use std::collections::HashMap;

use diesel::connection::{DefaultLoadingMode, LoadConnection};
use diesel::prelude::*;
use diesel::row::{Field, Row};
use diesel::sql_types::{BigInt, Nullable};
use diesel::sqlite::SqliteValue;

use super::{NO_CHANNEL, Stay, Window, pack};
use crate::db;
use crate::survey::rules::RuleSet;

/// The columns read per stay, in this order, after the group keys: four day numbers, then the
/// stay's flags in one integer (each column handed over costs more than SQLite's arithmetic).
pub(super) const COLUMNS: &str = "e.admitted_day, e.discharged_day, e.first_admission_info_day, \
     e.first_discharge_contact_day, e.undated_admission_info + 2 * e.undated_discharge_contact \
     + 4 * COALESCE(e.destination = 'death', 0) + 8 * e.excluded + 16 * e.planned_respite, \
     e.first_admission_info_method, e.undated_admission_info_method, e.first_discharge_contact_method";

/// A stay's methods as its summary keeps them (ranks): the first day's admission sheets, the
/// undated ones, the first day's discharge contacts.
#[derive(Debug, Clone, Copy, Default)]
struct Methods {
    admission: Option<i32>,
    undated_admission: Option<i32>,
    discharge: Option<i32>,
}

/// Each stay's cell (see `super::pack`) under one survey's rules and window.
struct Cells<'a> {
    rules: &'a RuleSet,
    window: &'a Window,
}

impl Cells<'_> {
    fn excluded(&self, stay: &Stay) -> bool {
        let short = match (self.rules.exclusions.short_stay_max_days, stay.discharged) {
            // K days or less, both ends counted: discharged - admitted + 1 <= K.
            (Some(days), Some(discharged)) => i64::from(discharged - stay.admitted) < days,
            _ => false,
        };
        stay.excluded || short || (self.rules.exclusions.planned_respite && stay.planned_respite)
    }

    /// The admission side's bound: contacts count up to the discharge (or the cut-off for a stay
    /// open then).
    fn admission_bound(&self, stay: &Stay) -> i32 {
        let end = self.window.end();
        match (self.window.cutoff, stay.discharged) {
            (None, discharged) => discharged.unwrap_or(i32::MAX),
            (Some(_), Some(discharged)) if discharged <= end => discharged,
            (Some(_), _) => end,
        }
    }

    fn cell(&self, stay: &Stay, methods: Methods) -> i32 {
        let (from, to, end) = (self.window.from, self.window.to, self.window.end());
        let excluded = self.excluded(stay);
        let in_admission_cohort = (from..=to).contains(&stay.admitted);
        let admission = match (in_admission_cohort, excluded) {
            (false, _) => 0,
            (true, true) => place("excluded"),
            (true, false) => place(stay.admission_bucket(self.admission_bound(stay))),
        };
        let discharge = match stay.discharged {
            Some(discharged)
                if match self.window.cutoff {
                    None => (from..=to).contains(&discharged),
                    Some(_) => in_admission_cohort && discharged <= end,
                } =>
            {
                place(if excluded { "excluded" } else { stay.discharge_bucket(discharged) })
            }
            _ => 0,
        };
        let in_hospital = stay.discharged.is_none_or(|discharged| discharged > end);
        let on_time = match (stay.first_discharge_contact, stay.discharged) {
            (Some(day), Some(discharged)) => i64::from(discharged - day) >= self.rules.discharge_notice_min_days,
            _ => false,
        };
        // The channels: the method of the first counted contact, on the sides where the stay
        // counts as contacted.
        let admitted_by = match (in_admission_cohort && !excluded, stay.first_admission_info) {
            (false, _) => None,
            (true, Some(day)) if day <= self.admission_bound(stay) => Some(methods.admission),
            (true, _) if stay.undated_admission_info => Some(methods.undated_admission),
            (true, _) => None,
        };
        let contacted_by_discharge =
            discharge != 0 && !excluded && !stay.died && lead_days(stay).is_some_and(|lead| lead >= 0);
        let discharged_by = contacted_by_discharge.then_some(methods.discharge);
        let channel = |method: Option<Option<i32>>| method.map_or(NO_CHANNEL, |m| m.unwrap_or(NO_CHANNEL));
        pack(
            admission,
            i32::from(in_hospital),
            discharge,
            i32::from(on_time),
            channel(admitted_by) * 8 + channel(discharged_by),
        )
    }
}

/// Days from the first discharge contact to the discharge, when both are known.
fn lead_days(stay: &Stay) -> Option<i32> {
    Some(stay.discharged? - stay.first_discharge_contact?)
}

/// A bucket's place in `BUCKETS` (0, outside a cohort, for a name not there: never, tested).
fn place(bucket: &str) -> i32 {
    super::place(bucket).unwrap_or(0)
}

/// The place of a key among those seen so far, the key copied the first time only.
fn place_of_key(places: &mut HashMap<String, usize>, key: &str) -> usize {
    match places.get(key) {
        Some(place) => *place,
        None => {
            let place = places.len();
            places.insert(key.to_owned(), place);
            place
        }
    }
}

type Sums = HashMap<(String, String, i32), i64>;

/// Runs `query`, whose rows are (admission key, discharge key, `COLUMNS`…), one per stay, and
/// adds them up by keys and cell. `query` ends in its WHERE clause. When a second connection can
/// see the same snapshot (`db::sqlite_twin_reader`), each reads half of the table's rows, on its
/// own core; `conn` must then be in a transaction that has not read yet.
pub(super) fn add_up(
    conn: &mut SqliteConnection,
    query: &str,
    rules: &RuleSet,
    window: &Window,
    months: bool,
) -> QueryResult<Sums> {
    let Some(mut twin) = db::sqlite_twin_reader(conn)? else {
        return add_up_rows(conn, query, rules, window, months);
    };
    #[derive(QueryableByName)]
    struct Rowids {
        #[diesel(sql_type = Nullable<BigInt>)]
        first: Option<i64>,
        #[diesel(sql_type = Nullable<BigInt>)]
        last: Option<i64>,
    }
    let rowids =
        diesel::sql_query("SELECT min(rowid) AS first, max(rowid) AS last FROM episodes").get_result::<Rowids>(conn)?;
    let (Some(first), Some(last)) = (rowids.first, rowids.last) else { return Ok(Sums::new()) };
    let middle = first + (last - first) / 2;
    let (mine, twins) = std::thread::scope(|scope| {
        let twins =
            scope.spawn(|| add_up_rows(&mut twin, &format!("{query} AND e.rowid > {middle}"), rules, window, months));
        (add_up_rows(conn, &format!("{query} AND e.rowid <= {middle}"), rules, window, months), twins.join())
    });
    let (mut sums, twins) = (mine?, twins.unwrap_or_else(|panic| std::panic::resume_unwind(panic))?);
    for (key, n) in twins {
        *sums.entry(key).or_default() += n;
    }
    Ok(sums)
}

/// `months`: the keys are day numbers to add up by their month ('2025-04').
fn add_up_rows(
    conn: &mut SqliteConnection,
    query: &str,
    rules: &RuleSet,
    window: &Window,
    months: bool,
) -> QueryResult<Sums> {
    let cells = Cells { rules, window };
    let mut admission_keys: HashMap<String, usize> = HashMap::new();
    let mut discharge_keys: HashMap<String, usize> = HashMap::new();
    let mut month_of_day: HashMap<String, String> = HashMap::new();
    let mut month = |day: &str| -> String {
        month_of_day
            .entry(day.to_owned())
            .or_insert_with(|| {
                day.parse::<i32>()
                    .map(|d| crate::calendar::from_day_number(d).format("%Y-%m").to_string())
                    .unwrap_or_default()
            })
            .clone()
    };
    let mut counts: HashMap<(usize, usize, i32), i64> = HashMap::new();
    for row in LoadConnection::<DefaultLoadingMode>::load(conn, diesel::sql_query(query))? {
        let row = row?;
        let value = |column: usize| row.get(column).ok_or_else(|| missing_column(column));
        let (admission_key, discharge_key) = (value(0)?, value(1)?);
        let (mut admission_key, mut discharge_key) = (admission_key.value(), discharge_key.value());
        let (admission_key, discharge_key) = if months {
            let (admitted, discharged) = (month(text(&mut admission_key)), month(text(&mut discharge_key)));
            (place_of_key(&mut admission_keys, &admitted), place_of_key(&mut discharge_keys, &discharged))
        } else {
            (
                place_of_key(&mut admission_keys, text(&mut admission_key)),
                place_of_key(&mut discharge_keys, text(&mut discharge_key)),
            )
        };
        let number = |column: usize| value(column).map(|field| field.value().map(|mut v| v.read_integer()));
        let flags = number(6)?.unwrap_or(0);
        let flag = |bit: i32| flags & bit != 0;
        let stay = Stay {
            admitted: number(2)?.ok_or_else(|| missing_column(2))?,
            discharged: number(3)?,
            first_admission_info: number(4)?,
            first_discharge_contact: number(5)?,
            undated_admission_info: flag(1),
            undated_discharge_contact: flag(2),
            died: flag(4),
            excluded: flag(8),
            planned_respite: flag(16),
        };
        let methods = Methods { admission: number(7)?, undated_admission: number(8)?, discharge: number(9)? };
        *counts.entry((admission_key, discharge_key, cells.cell(&stay, methods))).or_default() += 1;
    }
    let by_place = |places: HashMap<String, usize>| {
        let mut keys = vec![String::new(); places.len()];
        for (key, place) in places {
            if let Some(slot) = keys.get_mut(place) {
                *slot = key;
            }
        }
        keys
    };
    let (admission_keys, discharge_keys) = (by_place(admission_keys), by_place(discharge_keys));
    let key = |keys: &[String], place: usize| keys.get(place).cloned().unwrap_or_default();
    Ok(counts
        .into_iter()
        .map(|((admission, discharge, cell), n)| {
            ((key(&admission_keys, admission), key(&discharge_keys, discharge), cell), n)
        })
        .collect())
}

fn text<'a>(value: &'a mut Option<SqliteValue<'_, '_, '_>>) -> &'a str {
    value.as_mut().map_or("", |value| value.read_text())
}

fn missing_column(column: usize) -> diesel::result::Error {
    diesel::result::Error::DeserializationError(format!("survey row without column {column}").into())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::calendar::from_day_number;
    use crate::survey::rules;
    use diesel::connection::SimpleConnection;

    #[test]
    fn every_bucket_named_here_has_a_place_in_buckets() {
        for bucket in [
            "excluded", "same_day", "day_2_3", "later", "unknown", "none", "died", "8+", "5-7", "2-4", "1", "0",
            "after",
        ] {
            assert!(place(bucket) > 0, "{bucket}");
        }
    }

    /// Every combination of days around a window's edges, contacts before, on and after each
    /// day, flags and destinations: 90,720 stays.
    pub(in crate::survey::store) const GRID: &str = "CREATE TABLE episodes AS
        WITH admitted(v) AS (VALUES (99), (100), (105), (110), (111)),
             stay(v) AS (VALUES (NULL), (0), (1), (3), (6), (12), (20)),
             sheet(v) AS (VALUES (NULL), (-1), (0), (2), (3), (30)),
             notice(v) AS (VALUES (NULL), (70), (9), (8), (5), (4), (1), (0), (-1)),
             undated(a, d) AS (VALUES (0, 0), (0, 1), (1, 0), (1, 1)),
             destination(v) AS (VALUES (NULL), ('home'), ('death')),
             flags(excluded, respite) AS (VALUES (0, 0), (0, 1), (1, 0), (1, 1))
        SELECT admitted.v AS admitted_day, admitted.v + stay.v AS discharged_day,
               admitted.v + sheet.v AS first_admission_info_day, undated.a AS undated_admission_info,
               COALESCE(admitted.v + stay.v, admitted.v + 5) - notice.v AS first_discharge_contact_day,
               undated.d AS undated_discharge_contact, destination.v AS destination,
               flags.excluded AS excluded, flags.respite AS planned_respite, 'office' AS care_office_id,
               NULL AS care_assigned_day, (admitted.v + stay.v) % 7 AS first_admission_info_method,
               CASE WHEN undated.a = 1 THEN ABS(sheet.v) % 7 END AS undated_admission_info_method,
               ABS(notice.v) % 7 AS first_discharge_contact_method
        FROM admitted, stay, sheet, notice, undated, destination, flags";

    #[derive(QueryableByName)]
    struct Cell {
        #[diesel(sql_type = BigInt)]
        stay: i64,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        cell: i32,
    }

    #[test]
    fn each_stay_gets_the_same_cell_here_as_from_the_sql_of_the_other_engines() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap_or_else(|e| panic!("{e}"));
        conn.batch_execute(GRID).unwrap_or_else(|e| panic!("{e}"));
        let default = rules::select("default").unwrap_or_else(|e| panic!("{e}"));
        let mut variants = vec![default.clone()];
        for min_days in [0, 1, 8] {
            variants.push(RuleSet { discharge_notice_min_days: min_days, ..default.clone() });
        }
        let mut respite = default.clone();
        respite.exclusions.planned_respite = true;
        let mut short = default.clone();
        short.exclusions.short_stay_max_days = Some(3);
        variants.extend([respite, short]);
        let windows = [None, Some(110), Some(115)].map(|cutoff| Window {
            from: 100,
            to: 110,
            cutoff: cutoff.map(from_day_number),
        });
        for rules in &variants {
            for window in &windows {
                let sql = super::super::stay_sql(rules, window, "");
                let cohorts = format!("FROM episodes e WHERE ({}) OR ({})", sql.admission_cohort, sql.discharge_cohort);
                let expected: Vec<Cell> =
                    diesel::sql_query(format!("SELECT e.rowid AS stay, {} AS cell {cohorts} ORDER BY 1", sql.cell))
                        .load(&mut conn)
                        .unwrap_or_else(|e| panic!("{e}"));
                let here =
                    add_up_rows(&mut conn, &format!("SELECT e.rowid, '', {COLUMNS} {cohorts}"), rules, window, false)
                        .unwrap_or_else(|e| panic!("{e}"));
                let mut by_cell: HashMap<i32, i64> = HashMap::new();
                for Cell { cell, .. } in &expected {
                    *by_cell.entry(*cell).or_default() += 1;
                }
                assert!(expected.len() > 10_000 && by_cell.len() > 50, "{} cells", by_cell.len());
                for Cell { stay, cell } in &expected {
                    let key = (stay.to_string(), String::new(), *cell);
                    assert_eq!(
                        here.get(&key),
                        Some(&1),
                        "stay {stay}, cell {cell}, rules {}, window {:?}",
                        rules.name(),
                        window.cutoff
                    );
                }
                assert_eq!(here.len(), expected.len());
            }
        }
    }
}
