//! The channels (北見's 入院連絡の方法): of the stays counted as contacted on each side, how their
//! first counted contact was made. Each stay's contact summary keeps the method of its first
//! day's contacts (and of its undated ones), the first in `Method::FIRST_CONTACT_ORDER` when
//! several share the day, so this is one pass over the stays per side, reading no contacts. Same
//! SQL on both engines; only numbers and fixed words are spliced in.

use std::collections::HashMap;

use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use super::{LEAD, WITH_CARE_OFFICE, Window, excluded_expression, key_expression, stay_sql};
use crate::db::DbConnection;
use crate::survey::GroupBy;
use crate::survey::rules::RuleSet;

/// Stays of one side and group whose first counted contact was made by the method at `rank`
/// in `Method::FIRST_CONTACT_ORDER`.
#[derive(Debug)]
pub struct ChannelCount {
    pub key: String,
    pub rank: i32,
    pub n: i64,
}

#[derive(Default)]
pub struct ChannelCounts {
    pub admission: Vec<ChannelCount>,
    pub discharge: Vec<ChannelCount>,
}

/// One stay's keys and methods (-1: not counted on that side), or on PostgreSQL a group of
/// them with their number.
#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    admission_key: String,
    #[diesel(sql_type = Text)]
    discharge_key: String,
    #[diesel(sql_type = Nullable<Integer>)]
    admission: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    discharge: Option<i32>,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Counts, per side and group key (a database key, as the buckets' counts have it), the
/// contacted stays by the method of their first counted contact: one pass over the stays
/// contacted on either side. PostgreSQL groups them (a hash aggregate); SQLite, which groups by
/// sorting, hands over one row per stay and they are added up here, as the buckets' pass does.
pub fn count(
    conn: &mut DbConnection,
    rules: &RuleSet,
    window: &Window,
    group_by: Option<GroupBy>,
) -> QueryResult<ChannelCounts> {
    // As for the buckets: a long period is read by scanning the table on SQLite.
    let sqlite = matches!(conn, DbConnection::Sqlite(_));
    let scan = if sqlite && window.to - window.from > 366 { "+" } else { "" };
    let stays = stay_sql(rules, window, scan);
    let excluded = excluded_expression(rules);
    let bound = &stays.admission_bound;
    let dated_in_time = format!("(e.first_admission_info_day IS NOT NULL AND e.first_admission_info_day <= {bound})");
    let admission = format!("({} AND ({dated_in_time} OR e.undated_admission_info))", stays.admission_cohort);
    let discharge = format!(
        "({} AND COALESCE(e.destination, '') <> 'death' \
           AND e.first_discharge_contact_day IS NOT NULL AND {LEAD} >= 0)",
        stays.discharge_cohort
    );
    let discharge_key = match group_by {
        Some(GroupBy::Month) => format!("COALESCE({}, '')", key_expression(group_by, "e.discharged_day")),
        _ => "''".to_owned(),
    };
    let columns = format!(
        "{admission_key} AS admission_key, {discharge_key} AS discharge_key, \
         CASE WHEN {admission} THEN CASE WHEN {dated_in_time} THEN e.first_admission_info_method \
           ELSE e.undated_admission_info_method END ELSE -1 END AS admission, \
         CASE WHEN {discharge} THEN e.first_discharge_contact_method ELSE -1 END AS discharge",
        admission_key = key_expression(group_by, "e.admitted_day"),
    );
    let stays = format!("FROM episodes e WHERE {WITH_CARE_OFFICE} AND NOT {excluded} AND ({admission} OR {discharge})");
    let query = if sqlite {
        format!("SELECT {columns}, 1 AS n {stays}")
    } else {
        format!("SELECT {columns}, COUNT(*) AS n {stays} GROUP BY 1, 2, 3, 4")
    };
    let mut tally: HashMap<(bool, String, i32), i64> = HashMap::new();
    for row in diesel::sql_query(query).load_iter::<Row, DefaultLoadingMode>(conn)? {
        let row = row?;
        if let Some(rank) = row.admission.filter(|r| *r >= 0) {
            *tally.entry((true, row.admission_key.clone(), rank)).or_default() += row.n;
        }
        if let Some(rank) = row.discharge.filter(|r| *r >= 0) {
            let key = if row.discharge_key.is_empty() { row.admission_key } else { row.discharge_key };
            *tally.entry((false, key, rank)).or_default() += row.n;
        }
    }
    let mut counts = ChannelCounts::default();
    for ((admission, key, rank), n) in tally {
        let side = if admission { &mut counts.admission } else { &mut counts.discharge };
        side.push(ChannelCount { key, rank, n });
    }
    Ok(counts)
}
