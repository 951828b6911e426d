//! The contact summary of each stay (`episodes.first_admission_info_day`, …): the first dated
//! contact of each side of the survey and whether undated ones exist, which the survey reads
//! instead of the contacts. Contacts are only ever added, so a summary only moves one way: an
//! earlier first day, an undated contact seen.

use diesel::prelude::*;
use strum::VariantArray;
use uuid::Uuid;

use crate::contacts::{ContactKind, Direction, SummarySide};
use crate::db::DbConnection;
use crate::survey::store::daily;

/// Which stays a write touches.
pub enum Stays<'a> {
    One(Uuid),
    Listed(&'a [Uuid]),
}

impl Stays<'_> {
    /// The SQL condition that selects them by `column` (`e.id`, `c.episode_id`). The only
    /// values spliced in are UUIDs and a batch tag we made ourselves.
    pub fn condition(&self, column: &str) -> String {
        match self {
            Self::One(id) => format!("{column} = '{}'", id.hyphenated()),
            Self::Listed(ids) => {
                let ids: Vec<String> = ids.iter().map(|id| format!("'{}'", id.hyphenated())).collect();
                format!("{column} IN ({})", ids.join(", "))
            }
        }
    }
}

/// Recomputes, from the contacts, the first dated CM → hospital admission sheet contact and the
/// first dated hospital → CM discharge contact of the stays, and whether undated ones exist.
/// The survey reads only these columns, so it never scans contacts. One pass over the stays'
/// contacts, grouped by stay, the same SQL on both engines; the survey's daily counts follow.
pub fn refresh_contact_summary(conn: &mut DbConnection, stays: Stays<'_>) -> QueryResult<usize> {
    daily::adjust(conn, -1, &stays.condition("e.id"))?;
    let updated = update_contact_summary(conn, &stays)?;
    daily::adjust(conn, 1, &stays.condition("e.id"))?;
    Ok(updated)
}

fn update_contact_summary(conn: &mut DbConnection, stays: &Stays<'_>) -> QueryResult<usize> {
    let (admission, discharge) = (counts_for(SummarySide::Admission), counts_for(SummarySide::Discharge));
    let first = |side: &str| format!("MIN(CASE WHEN {side} THEN c.contacted_day END)");
    let undated = |side: &str| format!("MAX(CASE WHEN {side} AND c.contacted_day IS NULL THEN 1 ELSE 0 END) = 1");
    diesel::sql_query(format!(
        "UPDATE episodes SET first_admission_info_day = s.first_admission, undated_admission_info = s.undated_admission, \
           first_discharge_contact_day = s.first_discharge, undated_discharge_contact = s.undated_discharge \
         FROM (SELECT c.episode_id, {} AS first_admission, {} AS undated_admission, \
                 {} AS first_discharge, {} AS undated_discharge \
               FROM contacts c WHERE {} GROUP BY c.episode_id) AS s \
         WHERE episodes.id = s.episode_id",
        first(&admission),
        undated(&admission),
        first(&discharge),
        undated(&discharge),
        stays.condition("c.episode_id"),
    ))
    .execute(conn)
}

/// The SQL condition on `c` (an alias of `contacts`) of the contacts that count for `side`:
/// made from `SummarySide::of`, so that SQL and Rust agree.
fn counts_for(side: SummarySide) -> String {
    let pairs: Vec<String> = Direction::VARIANTS
        .iter()
        .flat_map(|&direction| ContactKind::VARIANTS.iter().map(move |&kind| (direction, kind)))
        .filter(|&(direction, kind)| SummarySide::of(direction, kind) == Some(side))
        .map(|(direction, kind)| {
            format!("(c.direction = '{}' AND c.kind = '{}')", <&str>::from(direction), <&str>::from(kind))
        })
        .collect();
    format!("({})", pairs.join(" OR "))
}

/// A stay's contact summary from some of its contacts (an import's).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ContactFirsts {
    pub admission: Option<i32>,
    pub undated_admission: bool,
    pub discharge: Option<i32>,
    pub undated_discharge: bool,
}

impl ContactFirsts {
    /// Takes in one contact, dated by day number or undated.
    pub fn add(&mut self, direction: Direction, kind: ContactKind, day: Option<i32>) {
        let (first, undated) = match SummarySide::of(direction, kind) {
            Some(SummarySide::Admission) => (&mut self.admission, &mut self.undated_admission),
            Some(SummarySide::Discharge) => (&mut self.discharge, &mut self.undated_discharge),
            None => return,
        };
        match day {
            Some(day) => *first = Some(first.map_or(day, |f| f.min(day))),
            None => *undated = true,
        }
    }

    fn values(&self, id: &Uuid) -> String {
        let day = |d: Option<i32>| d.map_or_else(|| "CAST(NULL AS INTEGER)".to_owned(), |d| d.to_string());
        format!(
            "('{}', {}, {}, {}, {})",
            id.hyphenated(),
            day(self.admission),
            i32::from(self.undated_admission),
            day(self.discharge),
            i32::from(self.undated_discharge)
        )
    }
}

/// Stays per statement when `merge_contact_firsts` binds them as arrays (PostgreSQL).
const MERGED_PER_ARRAY_STATEMENT: usize = 10_000;

/// Stays per statement when `merge_contact_firsts` splices them in (SQLite).
const MERGED_PER_SPLICED_STATEMENT: usize = 500;

/// Merges contacts just added (summed up per stay) into their stays' summaries, updating only
/// the stays whose summary changes: merging contacts already counted changes nothing. The
/// survey's daily counts are not touched (see `refresh_contact_summary`, `daily::recount`).
/// On SQLite one statement per few hundred stays, only UUIDs and numbers spliced in; on PostgreSQL
/// one prepared statement per 10,000 stays, bound as arrays (parsing and planning a statement of
/// a few hundred spliced rows cost as much as its updates).
pub fn merge_contact_firsts(conn: &mut DbConnection, firsts: &[(Uuid, ContactFirsts)]) -> QueryResult<usize> {
    let earlier = |new: &str, old: &str| format!("({new} IS NOT NULL AND ({old} IS NULL OR {new} < {old}))");
    let (admission, discharge) = (
        earlier("s.admission", "episodes.first_admission_info_day"),
        earlier("s.discharge", "episodes.first_discharge_contact_day"),
    );
    let update = |from: &str| {
        format!(
            "UPDATE episodes SET \
               first_admission_info_day = CASE WHEN {admission} THEN s.admission ELSE episodes.first_admission_info_day END, \
               undated_admission_info = (episodes.undated_admission_info OR s.undated_admission), \
               first_discharge_contact_day = \
                 CASE WHEN {discharge} THEN s.discharge ELSE episodes.first_discharge_contact_day END, \
               undated_discharge_contact = (episodes.undated_discharge_contact OR s.undated_discharge) \
             FROM {from} \
             WHERE episodes.id = s.id AND ({admission} OR {discharge} \
               OR (s.undated_admission AND NOT episodes.undated_admission_info) \
               OR (s.undated_discharge AND NOT episodes.undated_discharge_contact))"
        )
    };
    let mut updated = 0;
    match conn {
        DbConnection::Postgres(pg) => {
            use diesel::sql_types::{Array, Bool, Integer, Nullable, Text};
            let statement = update(
                "unnest($1, $2, $3, $4, $5) AS s(id, admission, undated_admission, discharge, undated_discharge)",
            );
            for chunk in firsts.chunks(MERGED_PER_ARRAY_STATEMENT) {
                let column = |f: fn(&ContactFirsts) -> Option<i32>| chunk.iter().map(|(_, c)| f(c)).collect::<Vec<_>>();
                let flag = |f: fn(&ContactFirsts) -> bool| chunk.iter().map(|(_, c)| f(c)).collect::<Vec<_>>();
                updated += diesel::sql_query(&statement)
                    .bind::<Array<Text>, _>(chunk.iter().map(|(id, _)| id.hyphenated().to_string()).collect::<Vec<_>>())
                    .bind::<Array<Nullable<Integer>>, _>(column(|c| c.admission))
                    .bind::<Array<Bool>, _>(flag(|c| c.undated_admission))
                    .bind::<Array<Nullable<Integer>>, _>(column(|c| c.discharge))
                    .bind::<Array<Bool>, _>(flag(|c| c.undated_discharge))
                    .execute(pg)?;
            }
        }
        DbConnection::Sqlite(_) => {
            for chunk in firsts.chunks(MERGED_PER_SPLICED_STATEMENT) {
                let values: Vec<String> = chunk.iter().map(|(id, f)| f.values(id)).collect();
                let from = format!(
                    "(SELECT column1 AS id, column2 AS admission, column3 = 1 AS undated_admission, \
                       column4 AS discharge, column5 = 1 AS undated_discharge FROM (VALUES {})) AS s",
                    values.join(", ")
                );
                updated += diesel::sql_query(update(&from)).execute(conn)?;
            }
        }
    }
    Ok(updated)
}
