//! Corrections of a stay's discharge in the database: the discharge cleared (withdrawn), and
//! each correction kept with what the stay said before, what it says now, why and who.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use crate::calendar;
use crate::db::schema::{discharge_corrections, episodes};
use crate::db::{DbConnection, new_id, to_enum};
use crate::directory::store::user_refs;
use crate::episodes::Destination;
use crate::episodes::correction::DischargeCorrection;
use crate::survey::store::daily::{self, Stays};

/// The stay is in hospital again: its discharge cleared, its daily counts following.
pub fn clear_discharge(conn: &mut DbConnection, id: Uuid) -> QueryResult<()> {
    daily::adjust(conn, -1, Stays::One(id))?;
    diesel::update(episodes::table.find(id.to_string()))
        .set((
            episodes::discharged_on.eq(None::<NaiveDate>),
            episodes::discharged_day.eq(None::<i32>),
            episodes::destination.eq(None::<String>),
            episodes::updated_at.eq(calendar::now()),
        ))
        .execute(conn)?;
    daily::adjust(conn, 1, Stays::One(id))
}

/// Keeps a correction: the discharge before, the discharge now (none: withdrawn), the reason.
pub fn add_correction(
    conn: &mut DbConnection,
    id: Uuid,
    (previous_on, previous_destination): (NaiveDate, Option<Destination>),
    now: Option<(NaiveDate, Destination)>,
    reason: &str,
    by: Uuid,
) -> QueryResult<()> {
    let name = |d: Destination| -> &'static str { d.into() };
    diesel::insert_into(discharge_corrections::table)
        .values((
            discharge_corrections::id.eq(new_id().to_string()),
            discharge_corrections::episode_id.eq(id.to_string()),
            discharge_corrections::previous_discharged_on.eq(previous_on),
            discharge_corrections::previous_destination.eq(previous_destination.map(name)),
            discharge_corrections::discharged_on.eq(now.map(|(on, _)| on)),
            discharge_corrections::destination.eq(now.map(|(_, d)| name(d))),
            discharge_corrections::reason.eq(reason),
            discharge_corrections::corrected_by.eq(by.to_string()),
            discharge_corrections::corrected_at.eq(calendar::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The stay's corrections of its discharge, oldest first.
pub fn corrections_of(conn: &mut DbConnection, id: Uuid) -> QueryResult<Vec<DischargeCorrection>> {
    type Row = (NaiveDate, Option<String>, Option<NaiveDate>, Option<String>, String, String, NaiveDateTime);
    let rows: Vec<Row> = discharge_corrections::table
        .filter(discharge_corrections::episode_id.eq(id.to_string()))
        .order(discharge_corrections::corrected_at)
        .select((
            discharge_corrections::previous_discharged_on,
            discharge_corrections::previous_destination,
            discharge_corrections::discharged_on,
            discharge_corrections::destination,
            discharge_corrections::reason,
            discharge_corrections::corrected_by,
            discharge_corrections::corrected_at,
        ))
        .load(conn)?;
    let users = user_refs(conn, &rows.iter().map(|r| r.5.clone()).collect::<Vec<_>>())?;
    let destination = |d: Option<String>| d.as_deref().map(to_enum::<Destination>).transpose();
    rows.into_iter()
        .map(|(previous_on, previous, on, now, reason, by, at)| {
            Ok(DischargeCorrection {
                previous_discharged_on: previous_on,
                previous_destination: destination(previous)?,
                discharged_on: on,
                destination: destination(now)?,
                reason,
                corrected_by: users.get(&by).cloned().ok_or(diesel::result::Error::NotFound)?,
                corrected_at: calendar::in_japan(at),
            })
        })
        .collect()
}
