//! Facilities, contact windows and users in the database.

pub mod import;

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::{ContactWindow, Facility, FacilityKind, NewFacility, Role, User};
use crate::calendar;
use crate::db::schema::{contact_windows, facilities, users};
use crate::db::{DbConnection, new_id, to_enum, to_uuid};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = facilities)]
struct FacilityRow {
    id: String,
    code: String,
    name: String,
    kind: String,
    area: Option<String>,
    in_city: bool,
    created_at: chrono::NaiveDateTime,
    municipality_code: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = contact_windows)]
struct WindowRow {
    id: String,
    facility_id: String,
    label: String,
    email: Option<String>,
    phone: Option<String>,
    fax: Option<String>,
    hours_note: Option<String>,
    position: i32,
    created_at: chrono::NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    facility_id: String,
    name: String,
    email: String,
    role: String,
    created_at: chrono::NaiveDateTime,
    disabled_at: Option<chrono::NaiveDateTime>,
}

impl UserRow {
    fn into_user(self) -> QueryResult<User> {
        Ok(User {
            id: to_uuid(&self.id)?,
            facility_id: to_uuid(&self.facility_id)?,
            name: self.name,
            email: self.email,
            role: to_enum(&self.role)?,
            created_at: self.created_at,
            disabled_at: self.disabled_at,
        })
    }
}

fn to_facility(row: FacilityRow, windows: Vec<WindowRow>) -> QueryResult<Facility> {
    Ok(Facility {
        id: to_uuid(&row.id)?,
        code: row.code,
        name: row.name,
        kind: to_enum(&row.kind)?,
        area: row.area,
        in_city: row.in_city,
        municipality: row.municipality_code,
        contact_windows: windows.into_iter().map(to_window).collect(),
    })
}

fn to_window(row: WindowRow) -> ContactWindow {
    ContactWindow { label: row.label, email: row.email, phone: row.phone, fax: row.fax, hours_note: row.hours_note }
}

fn windows_of(conn: &mut DbConnection, facility_ids: &[String]) -> QueryResult<Vec<WindowRow>> {
    contact_windows::table
        .filter(contact_windows::facility_id.eq_any(facility_ids))
        .order((contact_windows::facility_id, contact_windows::position))
        .select(WindowRow::as_select())
        .load(conn)
}

fn with_windows(conn: &mut DbConnection, rows: Vec<FacilityRow>) -> QueryResult<Vec<Facility>> {
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut by_facility: HashMap<String, Vec<WindowRow>> = HashMap::new();
    for window in windows_of(conn, &ids)? {
        by_facility.entry(window.facility_id.clone()).or_default().push(window);
    }
    rows.into_iter()
        .map(|row| {
            let windows = by_facility.remove(&row.id).unwrap_or_default();
            to_facility(row, windows)
        })
        .collect()
}

pub fn insert_facility(conn: &mut DbConnection, new: &NewFacility) -> QueryResult<Facility> {
    let now = calendar::now();
    let id = new_id().to_string();
    diesel::insert_into(facilities::table)
        .values(FacilityRow {
            id: id.clone(),
            code: new.code.clone(),
            name: new.name.trim().to_owned(),
            kind: new.kind.as_str().to_owned(),
            area: new.area.clone(),
            in_city: new.in_city,
            created_at: now,
            municipality_code: None,
        })
        .execute(conn)?;
    let facility = to_uuid(&id)?;
    for window in &new.contact_windows {
        insert_window(conn, facility, window)?;
    }
    find(conn, facility)?.ok_or(diesel::result::Error::NotFound)
}

/// Adds a contact window after the facility's others (after the last one, whatever was removed
/// before it).
pub fn insert_window(conn: &mut DbConnection, facility: Uuid, window: &ContactWindow) -> QueryResult<()> {
    let last: Option<i32> = contact_windows::table
        .filter(contact_windows::facility_id.eq(facility.to_string()))
        .select(diesel::dsl::max(contact_windows::position))
        .first(conn)?;
    let row = WindowRow {
        id: new_id().to_string(),
        facility_id: facility.to_string(),
        label: window.label.clone(),
        email: window.email.clone(),
        phone: window.phone.clone(),
        fax: window.fax.clone(),
        hours_note: window.hours_note.clone(),
        position: last.map_or(0, |p| p.saturating_add(1)),
        created_at: calendar::now(),
    };
    diesel::insert_into(contact_windows::table).values(row).execute(conn)?;
    Ok(())
}

/// A facility's windows with their ids, in order.
pub fn windows_with_ids(conn: &mut DbConnection, facility: Uuid) -> QueryResult<Vec<(Uuid, ContactWindow)>> {
    windows_of(conn, &[facility.to_string()])?.into_iter().map(|row| Ok((to_uuid(&row.id)?, to_window(row)))).collect()
}

/// Replaces what a window of the facility says; how many windows changed (0: no such window).
pub fn update_window(conn: &mut DbConnection, facility: Uuid, id: Uuid, window: &ContactWindow) -> QueryResult<usize> {
    diesel::update(
        contact_windows::table
            .filter(contact_windows::id.eq(id.to_string()))
            .filter(contact_windows::facility_id.eq(facility.to_string())),
    )
    .set((
        contact_windows::label.eq(&window.label),
        contact_windows::email.eq(&window.email),
        contact_windows::phone.eq(&window.phone),
        contact_windows::fax.eq(&window.fax),
        contact_windows::hours_note.eq(&window.hours_note),
    ))
    .execute(conn)
}

/// Removes a window of the facility; how many were removed (0: no such window).
pub fn delete_window(conn: &mut DbConnection, facility: Uuid, id: Uuid) -> QueryResult<usize> {
    diesel::delete(
        contact_windows::table
            .filter(contact_windows::id.eq(id.to_string()))
            .filter(contact_windows::facility_id.eq(facility.to_string())),
    )
    .execute(conn)
}

/// True when no facility is registered yet (a fresh installation).
pub fn is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
    let count: i64 = facilities::table.count().get_result(conn)?;
    Ok(count == 0)
}

/// Places a facility in a municipality, or in none.
pub fn set_municipality(conn: &mut DbConnection, id: Uuid, code: Option<&str>) -> QueryResult<()> {
    diesel::update(facilities::table.find(id.to_string())).set(facilities::municipality_code.eq(code)).execute(conn)?;
    Ok(())
}

/// The municipality a facility is in, when it is set.
pub fn municipality_of(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<String>> {
    Ok(facilities::table
        .find(id.to_string())
        .select(facilities::municipality_code)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<Facility>> {
    let row = facilities::table.find(id.to_string()).select(FacilityRow::as_select()).first(conn).optional()?;
    Ok(with_windows(conn, row.into_iter().collect())?.pop())
}

pub fn find_by_code(conn: &mut DbConnection, code: &str) -> QueryResult<Option<Facility>> {
    let row =
        facilities::table.filter(facilities::code.eq(code)).select(FacilityRow::as_select()).first(conn).optional()?;
    Ok(with_windows(conn, row.into_iter().collect())?.pop())
}

/// Every facility, by kind then code, optionally of one kind.
pub fn list(conn: &mut DbConnection, kind: Option<FacilityKind>) -> QueryResult<Vec<Facility>> {
    let mut query =
        facilities::table.select(FacilityRow::as_select()).order((facilities::kind, facilities::code)).into_boxed();
    if let Some(kind) = kind {
        query = query.filter(facilities::kind.eq(kind.as_str()));
    }
    let rows = query.load(conn)?;
    with_windows(conn, rows)
}

pub fn insert_user(
    conn: &mut DbConnection,
    facility_id: Uuid,
    name: &str,
    email: &str,
    role: Role,
) -> Result<User, crate::error::AppError> {
    let row = UserRow {
        id: new_id().to_string(),
        facility_id: facility_id.to_string(),
        name: name.to_owned(),
        email: email.to_owned(),
        role: role.as_str().to_owned(),
        created_at: calendar::now(),
        disabled_at: None,
    };
    diesel::insert_into(users::table).values(&row).execute(conn)?;
    Ok(row.into_user()?)
}

pub fn find_user(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<User>> {
    users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_user)
        .transpose()
}

pub fn find_user_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_user)
        .transpose()
}

pub fn users_of(conn: &mut DbConnection, facility_id: Uuid) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::facility_id.eq(facility_id.to_string()))
        .order(users::created_at)
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(UserRow::into_user)
        .collect()
}

/// The facilities with these ids, by id.
pub fn facility_refs(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, super::FacilityRef>> {
    facilities::table
        .filter(facilities::id.eq_any(ids))
        .select((facilities::id, facilities::code, facilities::name))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, name)| Ok((id.clone(), super::FacilityRef { id: to_uuid(&id)?, code, name })))
        .collect()
}

/// The users with these ids, by id.
pub fn user_refs(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, super::UserRef>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(id, name)| Ok((id.clone(), super::UserRef { id: to_uuid(&id)?, name })))
        .collect()
}

/// A facility's kind and how others mention it, in one query without its windows.
pub fn kind_and_ref(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<(FacilityKind, super::FacilityRef)>> {
    facilities::table
        .find(id.to_string())
        .select((facilities::kind, facilities::code, facilities::name))
        .first::<(String, String, String)>(conn)
        .optional()?
        .map(|(kind, code, name)| Ok((to_enum(&kind)?, super::FacilityRef { id, code, name })))
        .transpose()
}

/// The addresses of a facility's contact windows that have one, in the windows' order.
pub fn window_addresses(conn: &mut DbConnection, facility: Uuid) -> QueryResult<Vec<String>> {
    let addresses: Vec<Option<String>> = contact_windows::table
        .filter(contact_windows::facility_id.eq(facility.to_string()))
        .order(contact_windows::position)
        .select(contact_windows::email)
        .load(conn)?;
    Ok(addresses.into_iter().flatten().filter(|a| !a.trim().is_empty()).collect())
}

/// A user's facility, address and role.
pub fn user_address(conn: &mut DbConnection, user: Uuid) -> QueryResult<Option<(Uuid, String, Role)>> {
    users::table
        .find(user.to_string())
        .select((users::facility_id, users::email, users::role))
        .first::<(String, String, String)>(conn)
        .optional()?
        .map(|(facility, address, role)| Ok((to_uuid(&facility)?, address, to_enum(&role)?)))
        .transpose()
}

/// A facility's name.
pub fn facility_name(conn: &mut DbConnection, id: Uuid) -> QueryResult<String> {
    facilities::table.find(id.to_string()).select(facilities::name).first(conn)
}

/// Every facility's id, area and whether it is in the city (the survey's breakdowns by area and
/// by 市内・市外).
pub fn places(conn: &mut DbConnection) -> QueryResult<Vec<(String, Option<String>, bool)>> {
    facilities::table.select((facilities::id, facilities::area, facilities::in_city)).load(conn)
}

/// The code and name of each facility asked for, by id.
pub fn codes_and_names(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, String, String)>> {
    facilities::table
        .filter(facilities::id.eq_any(ids))
        .select((facilities::id, facilities::code, facilities::name))
        .load(conn)
}

/// The user with that address of mail (any case) and their password hash, if they have one.
pub fn password_of(conn: &mut DbConnection, email: &str) -> QueryResult<Option<(Uuid, Option<String>)>> {
    users::table
        .filter(users::email.eq(email.trim().to_lowercase()))
        .select((users::id, users::password_hash))
        .first::<(String, Option<String>)>(conn)
        .optional()?
        .map(|(id, hash)| Ok((to_uuid(&id)?, hash)))
        .transpose()
}

/// Whether the user is disabled.
pub fn is_disabled(conn: &mut DbConnection, user_id: Uuid) -> QueryResult<bool> {
    users::table
        .find(user_id.to_string())
        .select(users::disabled_at.is_not_null())
        .first(conn)
        .optional()
        .map(|d| d.unwrap_or(false))
}

/// Disables a user (`Some(when)`) or enables them again (`None`).
pub fn set_disabled(conn: &mut DbConnection, user_id: Uuid, at: Option<chrono::NaiveDateTime>) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id.to_string())).set(users::disabled_at.eq(at)).execute(conn)
}

pub fn set_password_hash(conn: &mut DbConnection, user_id: Uuid, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id.to_string())).set(users::password_hash.eq(Some(hash))).execute(conn)
}

/// Whether any administrator exists (before one does, the set-up page is open).
pub fn any_admin(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::role.eq(Role::Admin.as_str())))).get_result(conn)
}
