//! Pathway B in the database: the care office (and care manager) a 地域包括支援センター assigns
//! to a stay, and the assignments kept with their dates.

use chrono::NaiveDate;
use diesel::prelude::*;
use uuid::Uuid;

use super::add_parties;
use super::client_of;
use crate::calendar;
use crate::db::schema::episodes;
use crate::db::{DbConnection, new_id, to_uuid};

/// The stay has the assigned care office and care manager from now on, the office takes part
/// in it, the client is theirs if no office holds the client yet, and the assignment is kept.
pub fn assign_care(
    conn: &mut DbConnection,
    id: Uuid,
    assignment: &crate::episodes::assignment::CareAssignment,
    by: Uuid,
) -> QueryResult<()> {
    use crate::db::schema::care_assignments;
    let office = assignment.care_office_id.to_string();
    let manager = assignment.care_manager_id.map(|m| m.to_string());
    // A stay admitted without a care office (pathway B) keeps the earliest assignment's day: it
    // stays outside the rates' cohorts, whose daily counts never held it, and the survey counts
    // the days it took. A stay that had a care office at admission only changes office.
    let day = calendar::day_number(assignment.assigned_on);
    diesel::update(
        episodes::table
            .find(id.to_string())
            .filter(episodes::care_office_id.is_null().or(episodes::care_assigned_day.gt(day))),
    )
    .set(episodes::care_assigned_day.eq(day))
    .execute(conn)?;
    diesel::update(episodes::table.find(id.to_string()))
        .set((
            episodes::care_office_id.eq(Some(&office)),
            episodes::care_manager_id.eq(&manager),
            episodes::updated_at.eq(calendar::now()),
        ))
        .execute(conn)?;
    add_parties(conn, id, &[assignment.care_office_id])?;
    if let Some(client) = client_of(conn, id)? {
        diesel::update(
            crate::db::schema::clients::table
                .find(client.to_string())
                .filter(crate::db::schema::clients::care_office_id.is_null()),
        )
        .set((
            crate::db::schema::clients::care_office_id.eq(Some(&office)),
            crate::db::schema::clients::care_manager_id.eq(&manager),
        ))
        .execute(conn)?;
    }
    diesel::insert_into(care_assignments::table)
        .values((
            care_assignments::id.eq(new_id().to_string()),
            care_assignments::episode_id.eq(id.to_string()),
            care_assignments::care_office_id.eq(&office),
            care_assignments::care_manager_id.eq(&manager),
            care_assignments::assigned_on.eq(assignment.assigned_on),
            care_assignments::assigned_by.eq(by.to_string()),
            care_assignments::created_at.eq(calendar::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The stay's care assignments, oldest first, with the names of those they name.
pub fn assignments_of(
    conn: &mut DbConnection,
    id: Uuid,
) -> QueryResult<Vec<crate::episodes::assignment::AssignmentRecord>> {
    use crate::db::schema::{care_assignments, users};
    let rows: Vec<(String, Option<String>, NaiveDate, String)> = care_assignments::table
        .filter(care_assignments::episode_id.eq(id.to_string()))
        .order((care_assignments::assigned_on, care_assignments::created_at))
        .select((
            care_assignments::care_office_id,
            care_assignments::care_manager_id,
            care_assignments::assigned_on,
            care_assignments::assigned_by,
        ))
        .load(conn)?;
    let mut records = Vec::with_capacity(rows.len());
    for (office, manager, assigned_on, by) in rows {
        let user = |conn: &mut DbConnection, id: &str| -> QueryResult<(crate::directory::UserRef, String)> {
            let (name, facility): (String, String) =
                users::table.find(id).select((users::name, users::facility_id)).first(conn)?;
            Ok((crate::directory::UserRef { id: to_uuid(id)?, name }, facility))
        };
        let facility = |conn: &mut DbConnection, id: &str| -> QueryResult<crate::directory::FacilityRef> {
            crate::directory::store::kind_and_ref(conn, to_uuid(id)?)?
                .map(|(_, r)| r)
                .ok_or(diesel::result::Error::NotFound)
        };
        let (assigned_by, by_facility) = user(conn, &by)?;
        records.push(crate::episodes::assignment::AssignmentRecord {
            care_office: facility(conn, &office)?,
            care_manager: manager.as_deref().map(|m| user(conn, m).map(|(u, _)| u)).transpose()?,
            assigned_on,
            assigned_by,
            assigned_by_facility: facility(conn, &by_facility)?,
        });
    }
    Ok(records)
}
