//! The contact summary of each stay (`episodes.first_admission_info_day`, …): the first dated
//! contact of each side of the survey and whether undated ones exist, which the survey reads
//! instead of the contacts. The contacts feature works out what its contacts add
//! (`ContactFirsts`); this store merges it in. Contacts are added far more often than replaced,
//! so a summary mostly moves one way (an earlier first day, an undated contact seen); when a
//! document's rows are amended, its stay's summary is replaced whole (`replace`).

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::episodes;
use crate::db::{DbConnection, to_uuid};
use crate::survey::store::daily::{self, Stays};

/// A stay's contact summary from some of its contacts (an import's). The methods are ranks in
/// `Method::FIRST_CONTACT_ORDER`: the first among the contacts of the first day (or among the
/// undated ones), for the survey's channels.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ContactFirsts {
    pub admission: Option<i32>,
    pub admission_method: Option<i32>,
    pub undated_admission: bool,
    pub undated_admission_method: Option<i32>,
    pub discharge: Option<i32>,
    pub discharge_method: Option<i32>,
    pub undated_discharge: bool,
}

/// The smaller of two ranks, either missing.
fn first_rank(a: Option<i32>, b: Option<i32>) -> Option<i32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The earlier of two (first day, method) pairs; on the same day, the first method.
fn earlier(a: (Option<i32>, Option<i32>), b: (Option<i32>, Option<i32>)) -> (Option<i32>, Option<i32>) {
    match (a.0, b.0) {
        (Some(x), Some(y)) if x == y => (Some(x), first_rank(a.1, b.1)),
        (Some(x), Some(y)) if y < x => b,
        (Some(_), _) => a,
        (None, _) => b,
    }
}

impl ContactFirsts {
    /// The summary with `other`'s contacts taken in too: the earlier first days (the first
    /// method on a shared day), either's undated contacts.
    pub fn merged(self, other: Self) -> Self {
        let (admission, admission_method) =
            earlier((self.admission, self.admission_method), (other.admission, other.admission_method));
        let (discharge, discharge_method) =
            earlier((self.discharge, self.discharge_method), (other.discharge, other.discharge_method));
        Self {
            admission,
            admission_method,
            undated_admission: self.undated_admission || other.undated_admission,
            undated_admission_method: first_rank(self.undated_admission_method, other.undated_admission_method),
            discharge,
            discharge_method,
            undated_discharge: self.undated_discharge || other.undated_discharge,
        }
    }

    fn values(&self, id: &Uuid) -> String {
        let number = |d: Option<i32>| d.map_or_else(|| "CAST(NULL AS INTEGER)".to_owned(), |d| d.to_string());
        format!(
            "('{}', {}, {}, {}, {}, {}, {}, {})",
            id.hyphenated(),
            number(self.admission),
            number(self.admission_method),
            i32::from(self.undated_admission),
            number(self.undated_admission_method),
            number(self.discharge),
            number(self.discharge_method),
            i32::from(self.undated_discharge)
        )
    }
}

/// The summary's columns as read with a stay: first admission sheet day and method, undated one
/// and its method, first discharge contact day and method, undated one.
pub type SummaryColumns = (Option<i32>, Option<i32>, bool, Option<i32>, Option<i32>, Option<i32>, bool);

/// The summary's columns, in `SummaryColumns`'s order.
pub const SUMMARY_COLUMNS: (
    episodes::first_admission_info_day,
    episodes::first_admission_info_method,
    episodes::undated_admission_info,
    episodes::undated_admission_info_method,
    episodes::first_discharge_contact_day,
    episodes::first_discharge_contact_method,
    episodes::undated_discharge_contact,
) = (
    episodes::first_admission_info_day,
    episodes::first_admission_info_method,
    episodes::undated_admission_info,
    episodes::undated_admission_info_method,
    episodes::first_discharge_contact_day,
    episodes::first_discharge_contact_method,
    episodes::undated_discharge_contact,
);

impl From<SummaryColumns> for ContactFirsts {
    fn from(
        (
            admission,
            admission_method,
            undated_admission,
            undated_admission_method,
            discharge,
            discharge_method,
            undated_discharge,
        ): SummaryColumns,
    ) -> Self {
        Self {
            admission,
            admission_method,
            undated_admission,
            undated_admission_method,
            discharge,
            discharge_method,
            undated_discharge,
        }
    }
}

/// Stays per statement when `merge_contact_firsts` binds them as arrays (PostgreSQL).
const MERGED_PER_ARRAY_STATEMENT: usize = 10_000;

/// Stays per statement when `merge_contact_firsts` splices them in (SQLite).
const MERGED_PER_SPLICED_STATEMENT: usize = 500;

/// Merges contacts just added (summed up per stay) into their stays' summaries, updating only
/// the stays whose summary changes: merging contacts already counted changes nothing. The
/// survey's daily counts are not touched (see `take_in`, `daily::recount`).
/// On SQLite one statement per few hundred stays, only UUIDs and numbers spliced in; on PostgreSQL
/// one prepared statement per 10,000 stays, bound as arrays (parsing and planning a statement of
/// a few hundred spliced rows cost as much as its updates).
pub fn merge_contact_firsts(conn: &mut DbConnection, firsts: &[(Uuid, ContactFirsts)]) -> QueryResult<usize> {
    let earlier = |new: &str, old: &str| format!("({new} IS NOT NULL AND ({old} IS NULL OR {new} < {old}))");
    let (admission, discharge) = (
        earlier("s.admission", "episodes.first_admission_info_day"),
        earlier("s.discharge", "episodes.first_discharge_contact_day"),
    );
    // Another method on the stay's first day (or among its undated contacts) that comes first.
    let better = |day: &str, old_day: &str, method: &str, old: &str| {
        format!("({day} = {old_day} AND {method} IS NOT NULL AND ({old} IS NULL OR {method} < {old}))")
    };
    let (admission_method, discharge_method) = (
        better(
            "s.admission",
            "episodes.first_admission_info_day",
            "s.admission_method",
            "episodes.first_admission_info_method",
        ),
        better(
            "s.discharge",
            "episodes.first_discharge_contact_day",
            "s.discharge_method",
            "episodes.first_discharge_contact_method",
        ),
    );
    let undated_method = earlier("s.undated_admission_method", "episodes.undated_admission_info_method");
    let update = |from: &str| {
        format!(
            "UPDATE episodes SET \
               first_admission_info_day = CASE WHEN {admission} THEN s.admission ELSE episodes.first_admission_info_day END, \
               first_admission_info_method = CASE WHEN {admission} OR {admission_method} THEN s.admission_method \
                 ELSE episodes.first_admission_info_method END, \
               undated_admission_info = (episodes.undated_admission_info OR s.undated_admission), \
               undated_admission_info_method = CASE WHEN {undated_method} THEN s.undated_admission_method \
                 ELSE episodes.undated_admission_info_method END, \
               first_discharge_contact_day = \
                 CASE WHEN {discharge} THEN s.discharge ELSE episodes.first_discharge_contact_day END, \
               first_discharge_contact_method = CASE WHEN {discharge} OR {discharge_method} THEN s.discharge_method \
                 ELSE episodes.first_discharge_contact_method END, \
               undated_discharge_contact = (episodes.undated_discharge_contact OR s.undated_discharge) \
             FROM {from} \
             WHERE episodes.id = s.id AND ({admission} OR {discharge} OR {admission_method} OR {discharge_method} \
               OR {undated_method} \
               OR (s.undated_admission AND NOT episodes.undated_admission_info) \
               OR (s.undated_discharge AND NOT episodes.undated_discharge_contact))"
        )
    };
    let mut updated = 0;
    match conn {
        DbConnection::Postgres(pg) => {
            use diesel::sql_types::{Array, Bool, Integer, Nullable, Text};
            let statement = update(
                "unnest($1, $2, $3, $4, $5, $6, $7, $8) AS s(id, admission, admission_method, undated_admission, \
                   undated_admission_method, discharge, discharge_method, undated_discharge)",
            );
            for chunk in firsts.chunks(MERGED_PER_ARRAY_STATEMENT) {
                let column = |f: fn(&ContactFirsts) -> Option<i32>| chunk.iter().map(|(_, c)| f(c)).collect::<Vec<_>>();
                let flag = |f: fn(&ContactFirsts) -> bool| chunk.iter().map(|(_, c)| f(c)).collect::<Vec<_>>();
                updated += diesel::sql_query(&statement)
                    .bind::<Array<Text>, _>(chunk.iter().map(|(id, _)| id.hyphenated().to_string()).collect::<Vec<_>>())
                    .bind::<Array<Nullable<Integer>>, _>(column(|c| c.admission))
                    .bind::<Array<Nullable<Integer>>, _>(column(|c| c.admission_method))
                    .bind::<Array<Bool>, _>(flag(|c| c.undated_admission))
                    .bind::<Array<Nullable<Integer>>, _>(column(|c| c.undated_admission_method))
                    .bind::<Array<Nullable<Integer>>, _>(column(|c| c.discharge))
                    .bind::<Array<Nullable<Integer>>, _>(column(|c| c.discharge_method))
                    .bind::<Array<Bool>, _>(flag(|c| c.undated_discharge))
                    .execute(pg)?;
            }
        }
        DbConnection::Sqlite(_) => {
            for chunk in firsts.chunks(MERGED_PER_SPLICED_STATEMENT) {
                let values: Vec<String> = chunk.iter().map(|(id, f)| f.values(id)).collect();
                let from = format!(
                    "(SELECT column1 AS id, column2 AS admission, column3 AS admission_method, \
                       column4 = 1 AS undated_admission, column5 AS undated_admission_method, column6 AS discharge, \
                       column7 AS discharge_method, column8 = 1 AS undated_discharge FROM (VALUES {})) AS s",
                    values.join(", ")
                );
                updated += diesel::sql_query(update(&from)).execute(conn)?;
            }
        }
    }
    Ok(updated)
}

/// The stored summaries of these stays.
pub fn contact_firsts(conn: &mut DbConnection, ids: &[Uuid]) -> QueryResult<HashMap<Uuid, ContactFirsts>> {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let rows: Vec<(String, SummaryColumns)> =
        episodes::table.filter(episodes::id.eq_any(&ids)).select((episodes::id, SUMMARY_COLUMNS)).load(conn)?;
    rows.into_iter().map(|(id, columns)| Ok((to_uuid(&id)?, ContactFirsts::from(columns)))).collect()
}

/// Takes contacts just recorded (summed up per stay by the contacts feature) into their stays'
/// summaries; the survey's daily counts of the stays whose summary changes follow in the same
/// transaction. A summary that would not change (contacts only ever make it earlier) is left
/// alone without touching the counts: on PostgreSQL, taking a stay's counts off locks it, and
/// the merge then reads its summary as the last writer left it.
pub fn take_in(conn: &mut DbConnection, firsts: &[(Uuid, ContactFirsts)]) -> QueryResult<()> {
    let ids: Vec<Uuid> = firsts.iter().map(|(id, _)| *id).collect();
    let stored = contact_firsts(conn, &ids)?;
    let changing: Vec<(Uuid, ContactFirsts)> =
        firsts.iter().filter(|(id, new)| stored.get(id).is_some_and(|old| old.merged(*new) != *old)).copied().collect();
    if changing.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = changing.iter().map(|(id, _)| *id).collect();
    daily::adjust(conn, -1, Stays::Listed(&ids))?;
    merge_contact_firsts(conn, &changing)?;
    daily::adjust(conn, 1, Stays::Listed(&ids))
}

/// Replaces a stay's summary with `firsts` (worked out again from all its contacts, after some
/// were replaced), its daily counts following in the same transaction. An unchanged summary is
/// left alone.
pub fn replace(conn: &mut DbConnection, episode: Uuid, firsts: ContactFirsts) -> QueryResult<()> {
    let stored = contact_firsts(conn, &[episode])?;
    if stored.get(&episode).is_none_or(|old| *old == firsts) {
        return Ok(());
    }
    daily::adjust(conn, -1, Stays::Listed(&[episode]))?;
    diesel::update(episodes::table.find(episode.to_string()))
        .set((
            episodes::first_admission_info_day.eq(firsts.admission),
            episodes::first_admission_info_method.eq(firsts.admission_method),
            episodes::undated_admission_info.eq(firsts.undated_admission),
            episodes::undated_admission_info_method.eq(firsts.undated_admission_method),
            episodes::first_discharge_contact_day.eq(firsts.discharge),
            episodes::first_discharge_contact_method.eq(firsts.discharge_method),
            episodes::undated_discharge_contact.eq(firsts.undated_discharge),
        ))
        .execute(conn)?;
    daily::adjust(conn, 1, Stays::Listed(&[episode]))
}
