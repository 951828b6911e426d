//! Clients in the database.

pub mod care_levels;
pub mod corrections;

use diesel::prelude::*;
use uuid::Uuid;

use super::{Client, NewClient};
use crate::calendar;
use crate::db::schema::{clients, episode_parties, episodes};
use crate::db::{DbConnection, new_id, to_enum, to_uuid};
use crate::directory::store::{facility_refs, user_refs};

#[derive(Queryable, Selectable)]
#[diesel(table_name = clients)]
struct ClientRow {
    id: String,
    name: String,
    name_kana: String,
    birth_date: chrono::NaiveDate,
    sex: String,
    insurance_number: Option<String>,
    care_level: Option<String>,
    care_office_id: Option<String>,
    care_manager_id: Option<String>,
    municipality_code: Option<String>,
}

fn to_clients(conn: &mut DbConnection, rows: Vec<ClientRow>) -> QueryResult<Vec<Client>> {
    let offices: Vec<String> = rows.iter().filter_map(|r| r.care_office_id.clone()).collect();
    let managers: Vec<String> = rows.iter().filter_map(|r| r.care_manager_id.clone()).collect();
    let offices = facility_refs(conn, &offices)?;
    let managers = user_refs(conn, &managers)?;
    rows.into_iter()
        .map(|row| {
            Ok(Client {
                id: to_uuid(&row.id)?,
                name: row.name,
                name_kana: row.name_kana,
                birth_date: row.birth_date,
                sex: to_enum(&row.sex)?,
                insurance_number: row.insurance_number,
                care_level: row.care_level,
                care_office: row.care_office_id.and_then(|id| offices.get(&id).cloned()),
                care_manager: row.care_manager_id.and_then(|id| managers.get(&id).cloned()),
                municipality: row.municipality_code,
            })
        })
        .collect()
}

pub fn insert(
    conn: &mut DbConnection,
    new: &NewClient,
    care_office: Option<Uuid>,
    care_manager: Option<Uuid>,
) -> QueryResult<Uuid> {
    let id = new_id();
    let sex: &'static str = new.sex.into();
    // Insured where the care office is, unless the registration says otherwise.
    let municipality = match (&new.municipality, care_office) {
        (Some(code), _) => Some(code.clone()),
        (None, Some(office)) => crate::directory::store::municipality_of(conn, office)?,
        (None, None) => None,
    };
    diesel::insert_into(clients::table)
        .values((
            clients::id.eq(id.to_string()),
            clients::name.eq(new.name.trim()),
            clients::name_kana.eq(new.name_kana.trim()),
            clients::birth_date.eq(new.birth_date),
            clients::sex.eq(sex),
            clients::insurance_number.eq(&new.insurance_number),
            clients::care_level.eq(&new.care_level),
            clients::care_office_id.eq(care_office.map(|u| u.to_string())),
            clients::care_manager_id.eq(care_manager.map(|u| u.to_string())),
            clients::municipality_code.eq(municipality),
            clients::created_at.eq(calendar::now()),
        ))
        .execute(conn)?;
    Ok(id)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> QueryResult<Client> {
    let row = clients::table.find(id.to_string()).select(ClientRow::as_select()).first(conn)?;
    to_clients(conn, vec![row])?.pop().ok_or(diesel::result::Error::NotFound)
}

pub fn name_of(conn: &mut DbConnection, id: Uuid) -> QueryResult<String> {
    clients::table.find(id.to_string()).select(clients::name).first(conn)
}

/// Who the client is, as the record has it (what a sheet's 患者 must agree with).
pub fn identity_of(conn: &mut DbConnection, id: Uuid) -> QueryResult<crate::clients::Identity> {
    let (name, name_kana, birth_date, sex): (String, String, chrono::NaiveDate, String) = clients::table
        .find(id.to_string())
        .select((clients::name, clients::name_kana, clients::birth_date, clients::sex))
        .first(conn)?;
    Ok(crate::clients::Identity { name, name_kana, birth_date, sex: to_enum(&sex)? })
}

/// The client with this care-insurance number, optionally only among one office's clients.
pub fn find_by_insurance_number(
    conn: &mut DbConnection,
    number: &str,
    care_office: Option<Uuid>,
) -> QueryResult<Option<Uuid>> {
    let mut query = clients::table.filter(clients::insurance_number.eq(number)).select(clients::id).into_boxed();
    if let Some(office) = care_office {
        query = query.filter(clients::care_office_id.eq(office.to_string()));
    }
    query.first::<String>(conn).optional()?.map(|id| to_uuid(&id)).transpose()
}

/// The client with this care-insurance number and birth date: how a hospital identifies a
/// patient's care manager from the 介護保険証.
/// The clients with this 被保険者番号 and birth date (oldest first): their ids, names and kana.
pub fn with_number(
    conn: &mut DbConnection,
    number: &str,
    birth_date: chrono::NaiveDate,
) -> QueryResult<Vec<(Uuid, String, String)>> {
    clients::table
        .filter(clients::insurance_number.eq(number))
        .filter(clients::birth_date.eq(birth_date))
        .order(clients::created_at)
        .select((clients::id, clients::name, clients::name_kana))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, kana)| Ok((to_uuid(&id)?, name, kana)))
        .collect()
}

/// The clients born on this day (how a hospital narrows its search for a patient).
pub fn born_on(conn: &mut DbConnection, birth_date: chrono::NaiveDate) -> QueryResult<Vec<Client>> {
    let rows = clients::table
        .filter(clients::birth_date.eq(birth_date))
        .order((clients::name_kana, clients::id))
        .limit(500)
        .select(ClientRow::as_select())
        .load(conn)?;
    to_clients(conn, rows)
}

/// The client's care office and care manager now, copied onto a new stay.
/// What a new stay takes from its client: care office, care manager, 要介護度, municipality.
pub type CareOf = (Option<String>, Option<String>, Option<String>, Option<String>);

pub fn care_of(conn: &mut DbConnection, id: Uuid) -> QueryResult<CareOf> {
    clients::table
        .find(id.to_string())
        .select((clients::care_office_id, clients::care_manager_id, clients::care_level, clients::municipality_code))
        .first(conn)
}

pub fn is_visible(conn: &mut DbConnection, id: Uuid, facility: Uuid) -> QueryResult<bool> {
    let own: i64 = clients::table
        .filter(clients::id.eq(id.to_string()))
        .filter(clients::care_office_id.eq(facility.to_string()))
        .count()
        .get_result(conn)?;
    if own > 0 {
        return Ok(true);
    }
    let through_stay: i64 = episodes::table
        .inner_join(episode_parties::table)
        .filter(episodes::client_id.eq(id.to_string()))
        .filter(episode_parties::facility_id.eq(facility.to_string()))
        .count()
        .get_result(conn)?;
    Ok(through_stay > 0)
}

pub fn list_visible(conn: &mut DbConnection, facility: Uuid) -> QueryResult<Vec<Client>> {
    let through_stays = episodes::table
        .inner_join(episode_parties::table)
        .filter(episode_parties::facility_id.eq(facility.to_string()))
        .select(episodes::client_id);
    let rows = clients::table
        .filter(clients::care_office_id.eq(facility.to_string()).or(clients::id.nullable().eq_any(through_stays)))
        .order((clients::name_kana, clients::id))
        .select(ClientRow::as_select())
        .load(conn)?;
    to_clients(conn, rows)
}
