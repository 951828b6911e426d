//! The offices' business calendars in the database: one row per office that set its own.

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::{BusinessCalendar, CalendarSettings};
use crate::calendar;
use crate::db::DbConnection;
use crate::db::schema::business_calendars;

type Row = (String, String, String, String, String);

fn read(row: Row) -> Option<(Uuid, BusinessCalendar)> {
    let (facility, weekdays, closing_time, national_holidays, closed_days) = row;
    let settings = CalendarSettings {
        weekdays: weekdays.split_whitespace().map(str::to_owned).collect(),
        closing_time,
        national_holidays,
        closed_days: closed_days.split_whitespace().map(str::to_owned).collect(),
    };
    Some((facility.parse().ok()?, settings.read().ok()?))
}

fn columns() -> (
    business_calendars::facility_id,
    business_calendars::weekdays,
    business_calendars::closing_time,
    business_calendars::national_holidays,
    business_calendars::closed_days,
) {
    (
        business_calendars::facility_id,
        business_calendars::weekdays,
        business_calendars::closing_time,
        business_calendars::national_holidays,
        business_calendars::closed_days,
    )
}

/// Every calendar an office set.
pub fn all(conn: &mut DbConnection) -> QueryResult<HashMap<Uuid, BusinessCalendar>> {
    Ok(business_calendars::table.select(columns()).load::<Row>(conn)?.into_iter().filter_map(read).collect())
}

/// The calendar `office` set, if any.
pub fn of(conn: &mut DbConnection, office: Uuid) -> QueryResult<Option<BusinessCalendar>> {
    Ok(business_calendars::table
        .find(office.to_string())
        .select(columns())
        .first::<Row>(conn)
        .optional()?
        .and_then(read)
        .map(|(_, calendar)| calendar))
}

/// Sets `office`'s calendar (replacing the one it had).
pub fn save(conn: &mut DbConnection, office: Uuid, calendar: &BusinessCalendar, by: Option<Uuid>) -> QueryResult<()> {
    let settings = calendar.settings();
    diesel::delete(business_calendars::table.find(office.to_string())).execute(conn)?;
    diesel::insert_into(business_calendars::table)
        .values((
            business_calendars::facility_id.eq(office.to_string()),
            business_calendars::weekdays.eq(settings.weekdays.join(" ")),
            business_calendars::closing_time.eq(settings.closing_time),
            business_calendars::national_holidays.eq(settings.national_holidays),
            business_calendars::closed_days.eq(settings.closed_days.join(" ")),
            business_calendars::updated_by.eq(by.map(|u| u.to_string())),
            business_calendars::updated_at.eq(calendar::now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Removes `office`'s calendar: the default applies again.
pub fn reset(conn: &mut DbConnection, office: Uuid) -> QueryResult<usize> {
    diesel::delete(business_calendars::table.find(office.to_string())).execute(conn)
}
