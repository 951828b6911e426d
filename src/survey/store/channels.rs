//! The channels (北見's 入院連絡の方法): of the stays counted as contacted on each side, how their
//! first counted contact was made. The stay's contact summary says which day that contact was on
//! (or that only undated ones count); the contacts of that day (or the undated ones) are read
//! through their stay's index, and when several share it the method is the first of
//! [`METHODS`]. Same SQL on both engines; only numbers and fixed words are spliced in.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::{LEAD, WITH_CARE_OFFICE, Window, excluded_expression, key_expression, stay_sql};
use crate::db::DbConnection;
use crate::survey::GroupBy;
use crate::survey::rules::RuleSet;

/// The methods in the order that decides between contacts of the same first day.
pub const METHODS: [&str; 7] = ["system", "visit", "conference", "video", "phone", "fax", "mail"];

/// Stays of one side and group whose first counted contact was made by `METHODS[method]`.
#[derive(QueryableByName, Debug)]
pub struct ChannelCount {
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = Integer)]
    pub method: i32,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

#[derive(Default)]
pub struct ChannelCounts {
    pub admission: Vec<ChannelCount>,
    pub discharge: Vec<ChannelCount>,
}

/// A contact's day as the contacts' unique index has it (-1 when undated): matched so, the
/// methods are read from that index alone (it holds the stay, direction, kind, day and method).
const DAY: &str = "COALESCE(c.contacted_day, -1)";

/// The method's place in `METHODS`, as SQL over a contact `c`.
fn method_rank() -> String {
    let whens: Vec<String> = METHODS.iter().enumerate().map(|(rank, m)| format!("WHEN '{m}' THEN {rank}")).collect();
    format!("CASE c.method {} END", whens.join(" "))
}

/// Counts, per side and group key (a database key, as the buckets' counts have it), the
/// contacted stays by the method of their first counted contact.
pub fn count(
    conn: &mut DbConnection,
    rules: &RuleSet,
    window: &Window,
    group_by: Option<GroupBy>,
) -> QueryResult<ChannelCounts> {
    let stays = stay_sql(rules, window, "");
    let excluded = excluded_expression(rules);
    let bound = &stays.admission_bound;
    let dated_in_time = format!("(e.first_admission_info_day IS NOT NULL AND e.first_admission_info_day <= {bound})");
    let admission = side_query(
        &key_expression(group_by, "e.admitted_day"),
        &format!("{} AND ({dated_in_time} OR e.undated_admission_info)", stays.admission_cohort),
        "c.direction = 'cm_to_hospital' AND c.kind = 'admission_info'",
        &format!("{DAY} = CASE WHEN {dated_in_time} THEN e.first_admission_info_day ELSE -1 END"),
        &excluded,
    );
    let discharge_key = if group_by == Some(GroupBy::Month) { "e.discharged_day" } else { "e.admitted_day" };
    let discharge = side_query(
        &key_expression(group_by, discharge_key),
        &format!(
            "{} AND COALESCE(e.destination, '') <> 'death' \
               AND e.first_discharge_contact_day IS NOT NULL AND {LEAD} >= 0",
            stays.discharge_cohort
        ),
        "c.direction = 'hospital_to_cm' \
           AND c.kind IN ('discharge_notice', 'discharge_conference', 'discharge_referral')",
        &format!("{DAY} = e.first_discharge_contact_day"),
        &excluded,
    );
    Ok(ChannelCounts {
        admission: diesel::sql_query(admission).load(conn)?,
        discharge: diesel::sql_query(discharge).load(conn)?,
    })
}

/// One side's query: each contacted stay's best method among its first counted contacts, then
/// the stays per key and method.
fn side_query(key: &str, contacted: &str, counted_contact: &str, first_day: &str, excluded: &str) -> String {
    format!(
        "SELECT s.key AS key, s.method AS method, COUNT(*) AS n FROM ( \
           SELECT e.id AS id, {key} AS key, MIN({rank}) AS method \
           FROM episodes e JOIN contacts c ON c.episode_id = e.id \
           WHERE {WITH_CARE_OFFICE} AND NOT {excluded} AND {contacted} AND {counted_contact} AND {first_day} \
           GROUP BY 1, 2 \
         ) s GROUP BY 1, 2",
        rank = method_rank(),
    )
}
