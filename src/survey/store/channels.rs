//! The channels (北見's 入院連絡の方法): of the stays counted as contacted on each side, how their
//! first counted contact was made. Each stay's contact summary keeps the method of its first
//! day's contacts (and of its undated ones), the first in `Method::FIRST_CONTACT_ORDER` when
//! several share the day, so this is one pass over the stays per side, reading no contacts. Same
//! SQL on both engines; only numbers and fixed words are spliced in.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{LEAD, WITH_CARE_OFFICE, Window, excluded_expression, key_expression, stay_sql};
use crate::channels::Method;
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

/// One group's stays by method (a column per rank), as the query hands them over.
#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    m0: i64,
    #[diesel(sql_type = BigInt)]
    m1: i64,
    #[diesel(sql_type = BigInt)]
    m2: i64,
    #[diesel(sql_type = BigInt)]
    m3: i64,
    #[diesel(sql_type = BigInt)]
    m4: i64,
    #[diesel(sql_type = BigInt)]
    m5: i64,
    #[diesel(sql_type = BigInt)]
    m6: i64,
}

impl Row {
    fn counts(self) -> impl Iterator<Item = ChannelCount> {
        let key = self.key;
        [self.m0, self.m1, self.m2, self.m3, self.m4, self.m5, self.m6]
            .into_iter()
            .zip(0..)
            .filter(|(n, _)| *n != 0)
            .map(move |(n, rank)| ChannelCount { key: key.clone(), rank, n })
    }
}

/// Counts, per side and group key (a database key, as the buckets' counts have it), the
/// contacted stays by the method of their first counted contact.
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
    let admission = side_query(
        group_by,
        "e.admitted_day",
        &format!("{} AND ({dated_in_time} OR e.undated_admission_info)", stays.admission_cohort),
        &format!(
            "CASE WHEN {dated_in_time} THEN e.first_admission_info_method ELSE e.undated_admission_info_method END"
        ),
        &excluded,
    );
    let discharge = side_query(
        group_by,
        if group_by == Some(GroupBy::Month) { "e.discharged_day" } else { "e.admitted_day" },
        &format!(
            "{} AND COALESCE(e.destination, '') <> 'death' \
               AND e.first_discharge_contact_day IS NOT NULL AND {LEAD} >= 0",
            stays.discharge_cohort
        ),
        "e.first_discharge_contact_method",
        &excluded,
    );
    let mut load = |query: String| -> QueryResult<Vec<ChannelCount>> {
        Ok(diesel::sql_query(query).load::<Row>(conn)?.into_iter().flat_map(Row::counts).collect())
    };
    Ok(ChannelCounts { admission: load(admission)?, discharge: load(discharge)? })
}

/// One side's query: the contacted stays of each group, a column per method. Without a
/// breakdown there is no GROUP BY at all: one pass, no sort (SQLite groups by sorting).
fn side_query(group_by: Option<GroupBy>, day: &str, contacted: &str, method: &str, excluded: &str) -> String {
    let columns: Vec<String> = Method::FIRST_CONTACT_ORDER
        .iter()
        .map(|m| format!("COALESCE(SUM(CASE WHEN {method} = {rank} THEN 1 ELSE 0 END), 0) AS m{rank}", rank = m.rank()))
        .collect();
    let grouped = if group_by.is_some() { " GROUP BY 1" } else { "" };
    format!(
        "SELECT {key} AS key, {columns} FROM episodes e \
         WHERE {WITH_CARE_OFFICE} AND {contacted} AND NOT {excluded}{grouped}",
        key = key_expression(group_by, day),
        columns = columns.join(", "),
    )
}
