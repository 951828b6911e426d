//! A client's 要介護度 by date.

use chrono::NaiveDate;
use diesel::prelude::*;
use uuid::Uuid;

use crate::calendar;
use crate::clients::care_levels::CareLevelEntry;
use crate::db::schema::{client_care_levels, clients};
use crate::db::{DbConnection, new_id};

/// Records a level from a day on, and makes the client's current level the latest one's.
pub fn record(
    conn: &mut DbConnection,
    client: Uuid,
    level: &str,
    from: NaiveDate,
    by: Option<Uuid>,
) -> QueryResult<()> {
    diesel::insert_into(client_care_levels::table)
        .values((
            client_care_levels::id.eq(new_id().to_string()),
            client_care_levels::client_id.eq(client.to_string()),
            client_care_levels::care_level.eq(level),
            client_care_levels::valid_from.eq(from),
            client_care_levels::recorded_by.eq(by.map(|u| u.to_string())),
            client_care_levels::recorded_at.eq(calendar::now()),
        ))
        .execute(conn)?;
    let latest: String = client_care_levels::table
        .filter(client_care_levels::client_id.eq(client.to_string()))
        .order((client_care_levels::valid_from.desc(), client_care_levels::recorded_at.desc()))
        .select(client_care_levels::care_level)
        .first(conn)?;
    diesel::update(clients::table.find(client.to_string())).set(clients::care_level.eq(latest)).execute(conn)?;
    Ok(())
}

/// The levels on record, the latest first.
pub fn history(conn: &mut DbConnection, client: Uuid) -> QueryResult<Vec<CareLevelEntry>> {
    let rows: Vec<(String, NaiveDate)> = client_care_levels::table
        .filter(client_care_levels::client_id.eq(client.to_string()))
        .order((client_care_levels::valid_from.desc(), client_care_levels::recorded_at.desc()))
        .select((client_care_levels::care_level, client_care_levels::valid_from))
        .load(conn)?;
    Ok(rows.into_iter().map(|(care_level, valid_from)| CareLevelEntry { care_level, valid_from }).collect())
}
