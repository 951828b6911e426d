//! Stays and their parties in the database.

pub mod import;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::{Destination, Episode};
use crate::calendar;
use crate::clients;
use crate::db::schema::{episode_parties, episodes};
use crate::db::{DbConnection, new_id, to_enum, to_uuid};
use crate::directory::store::{facility_refs, user_refs};
use crate::survey::store::daily::{self, Stays};

mod assignments;
mod corrections;
mod summary;
pub use assignments::{assign_care, assignments_of};
pub use corrections::{add_correction, clear_discharge, corrections_of};
pub use summary::{ContactFirsts, contact_firsts, merge_contact_firsts, replace as replace_contact_firsts, take_in};

pub struct NewEpisode {
    pub client_id: Uuid,
    pub hospital_id: Uuid,
    pub admitted_on: NaiveDate,
    pub admitted_at: Option<NaiveDateTime>,
    pub planned_discharge_on: Option<NaiveDate>,
    /// The care level the sheet or the registration states; else the client's.
    pub care_level_on_sheet: Option<String>,
    pub planned_respite: bool,
    pub created_by: Option<Uuid>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = episodes)]
struct EpisodeRow {
    id: String,
    client_id: Option<String>,
    client_ref: Option<String>,
    hospital_id: String,
    care_office_id: Option<String>,
    care_manager_id: Option<String>,
    care_level: Option<String>,
    admitted_on: NaiveDate,
    admitted_at: Option<NaiveDateTime>,
    planned_discharge_on: Option<NaiveDate>,
    discharged_on: Option<NaiveDate>,
    destination: Option<String>,
    municipality_code: Option<String>,
}

fn to_episodes(conn: &mut DbConnection, rows: Vec<EpisodeRow>) -> QueryResult<Vec<Episode>> {
    let facility_ids: Vec<String> =
        rows.iter().flat_map(|r| [Some(r.hospital_id.clone()), r.care_office_id.clone()]).flatten().collect();
    let user_ids: Vec<String> = rows.iter().filter_map(|r| r.care_manager_id.clone()).collect();
    let facilities = facility_refs(conn, &facility_ids)?;
    let users = user_refs(conn, &user_ids)?;
    rows.into_iter()
        .map(|row| {
            Ok(Episode {
                id: to_uuid(&row.id)?,
                client: row.client_id.as_deref().map(|id| clients::store::get(conn, to_uuid(id)?)).transpose()?,
                client_ref: row.client_ref,
                hospital: facilities.get(&row.hospital_id).cloned().ok_or(diesel::result::Error::NotFound)?,
                care_office: row.care_office_id.and_then(|id| facilities.get(&id).cloned()),
                care_manager: row.care_manager_id.and_then(|id| users.get(&id).cloned()),
                care_level: row.care_level,
                admitted_on: row.admitted_on,
                admitted_at: row.admitted_at.map(calendar::in_japan),
                planned_discharge_on: row.planned_discharge_on,
                discharged_on: row.discharged_on,
                destination: row.destination.as_deref().map(to_enum::<Destination>).transpose()?,
                municipality: row.municipality_code,
            })
        })
        .collect()
}

/// Inserts a stay, copying the client's care office, care manager and care level as they are
/// at admission, and makes the hospital and the care office its parties.
pub fn insert(conn: &mut DbConnection, new: &NewEpisode) -> QueryResult<Uuid> {
    let id = new_id();
    let now = calendar::now();
    let (care_office, care_manager, client_level, municipality) = clients::store::care_of(conn, new.client_id)?;
    diesel::insert_into(episodes::table)
        .values((
            episodes::id.eq(id.to_string()),
            episodes::client_id.eq(Some(new.client_id.to_string())),
            episodes::hospital_id.eq(new.hospital_id.to_string()),
            episodes::care_office_id.eq(&care_office),
            episodes::care_manager_id.eq(care_manager),
            episodes::care_level.eq(new.care_level_on_sheet.clone().or(client_level)),
            episodes::admitted_on.eq(new.admitted_on),
            episodes::admitted_day.eq(calendar::day_number(new.admitted_on)),
            episodes::admitted_at.eq(new.admitted_at),
            episodes::planned_discharge_on.eq(new.planned_discharge_on),
            episodes::excluded.eq(false),
            episodes::planned_respite.eq(new.planned_respite),
            episodes::created_by.eq(new.created_by.map(|u| u.to_string())),
            episodes::created_at.eq(now),
            episodes::updated_at.eq(now),
            episodes::municipality_code.eq(municipality),
        ))
        .execute(conn)?;
    daily::adjust(conn, 1, Stays::One(id))?;
    let office = care_office.as_deref().map(to_uuid).transpose()?;
    add_parties(conn, id, &[Some(new.hospital_id), office].into_iter().flatten().collect::<Vec<_>>())?;
    Ok(id)
}

/// What a document about a stay needs to know of it.
pub struct StayFacts {
    pub hospital: Uuid,
    pub admitted_on: NaiveDate,
    pub client_id: Uuid,
    /// Who the client is, as the record has it.
    pub client: clients::Identity,
    /// The stay's contact summary as stored now (a contact that would not change it need not
    /// read it again).
    pub summary: ContactFirsts,
    /// Whether the other facility asked about takes part in the stay already.
    pub counterpart_is_party: bool,
    /// The stay's 要介護度 now (a sheet that says the same need not write it).
    pub care_level: Option<String>,
}

/// The stay's hospital, admission date, client and contact summary, if `facility` takes part in
/// it, and whether `counterpart` does too (one query).
pub fn stay_for(
    conn: &mut DbConnection,
    episode_id: Uuid,
    facility: Uuid,
    counterpart: Uuid,
) -> QueryResult<Option<StayFacts>> {
    type Row = (
        String,
        String,
        NaiveDate,
        Option<String>,
        Option<String>,
        (String, String, NaiveDate, String),
        summary::SummaryColumns,
    );
    let (facility, counterpart) = (facility.to_string(), counterpart.to_string());
    let rows: Vec<Row> = episodes::table
        .inner_join(episode_parties::table)
        .inner_join(crate::db::schema::clients::table)
        .filter(episodes::id.eq(episode_id.to_string()))
        .filter(episode_parties::facility_id.eq_any([&facility, &counterpart]))
        .select((
            episode_parties::facility_id,
            episodes::hospital_id,
            episodes::admitted_on,
            episodes::client_id,
            episodes::care_level,
            (
                crate::db::schema::clients::name,
                crate::db::schema::clients::name_kana,
                crate::db::schema::clients::birth_date,
                crate::db::schema::clients::sex,
            ),
            summary::SUMMARY_COLUMNS,
        ))
        .load(conn)?;
    let counterpart_is_party = rows.iter().any(|row| row.0 == counterpart);
    // Imported stays have no client (and no parties, so they are not found here anyway).
    let Some((_, hospital, admitted_on, Some(client), care_level, (name, name_kana, birth_date, sex), summary)) =
        rows.into_iter().find(|row| row.0 == facility)
    else {
        return Ok(None);
    };
    Ok(Some(StayFacts {
        hospital: to_uuid(&hospital)?,
        admitted_on,
        client_id: to_uuid(&client)?,
        client: clients::Identity { name, name_kana, birth_date, sex: to_enum(&sex)? },
        summary: ContactFirsts::from(summary),
        counterpart_is_party,
        care_level,
    }))
}

/// Makes each facility a party of the stay; those that already are stay as they are (one
/// statement).
pub fn add_parties(conn: &mut DbConnection, episode_id: Uuid, facilities: &[Uuid]) -> QueryResult<()> {
    let mut wanted: Vec<String> = facilities.iter().map(Uuid::to_string).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let rows: Vec<_> = wanted
        .iter()
        .map(|facility| {
            (episode_parties::episode_id.eq(episode_id.to_string()), episode_parties::facility_id.eq(facility))
        })
        .collect();
    crate::db::insert_or_ignore!(conn, episode_parties::table, rows)?;
    Ok(())
}

pub fn is_party(conn: &mut DbConnection, episode_id: Uuid, facility_id: Uuid) -> QueryResult<bool> {
    let count: i64 = episode_parties::table
        .filter(episode_parties::episode_id.eq(episode_id.to_string()))
        .filter(episode_parties::facility_id.eq(facility_id.to_string()))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> QueryResult<Episode> {
    let row = episodes::table.find(id.to_string()).select(EpisodeRow::as_select()).first(conn)?;
    to_episodes(conn, vec![row])?.pop().ok_or(diesel::result::Error::NotFound)
}

/// The client's stay at this hospital that has no discharge yet.
pub fn open_stay(conn: &mut DbConnection, client_id: Uuid, hospital_id: Uuid) -> QueryResult<Option<Uuid>> {
    episodes::table
        .filter(episodes::client_id.eq(client_id.to_string()))
        .filter(episodes::hospital_id.eq(hospital_id.to_string()))
        .filter(episodes::discharged_on.is_null())
        .select(episodes::id)
        .first::<String>(conn)
        .optional()?
        .map(|id| to_uuid(&id))
        .transpose()
}

pub fn list_visible(conn: &mut DbConnection, facility: Uuid) -> QueryResult<Vec<Episode>> {
    let rows = episodes::table
        .inner_join(episode_parties::table)
        .filter(episode_parties::facility_id.eq(facility.to_string()))
        .order((episodes::admitted_on.desc(), episodes::id.desc()))
        .select(EpisodeRow::as_select())
        .load(conn)?;
    to_episodes(conn, rows)
}

/// The stays this facility takes part in: in hospital first (newest admission first), then those
/// discharged on `discharged_since` or later (all when `None`), newest discharge first.
pub fn list_in_hospital_first(
    conn: &mut DbConnection,
    facility: Uuid,
    discharged_since: Option<NaiveDate>,
) -> QueryResult<Vec<Episode>> {
    let mut query = episodes::table
        .inner_join(episode_parties::table)
        .filter(episode_parties::facility_id.eq(facility.to_string()))
        .select(EpisodeRow::as_select())
        .into_boxed();
    if let Some(since) = discharged_since {
        query = query.filter(episodes::discharged_on.is_null().or(episodes::discharged_on.ge(since)));
    }
    let rows = query
        .order((
            episodes::discharged_on.is_not_null().asc(),
            episodes::discharged_on.desc(),
            episodes::admitted_on.desc(),
            episodes::id.desc(),
        ))
        .load(conn)?;
    to_episodes(conn, rows)
}

/// The first contacts of each stay this facility takes part in, as the survey summary keeps them.
pub fn contact_summaries(
    conn: &mut DbConnection,
    facility: Uuid,
) -> QueryResult<std::collections::HashMap<Uuid, super::ContactSummary>> {
    /// id, first admission sheet day, undated one, first discharge contact day, undated one.
    type SummaryRow = (String, Option<i32>, bool, Option<i32>, bool);
    let rows: Vec<SummaryRow> = episodes::table
        .inner_join(episode_parties::table)
        .filter(episode_parties::facility_id.eq(facility.to_string()))
        .select((
            episodes::id,
            episodes::first_admission_info_day,
            episodes::undated_admission_info,
            episodes::first_discharge_contact_day,
            episodes::undated_discharge_contact,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, admission, undated_admission, discharge, undated_discharge)| {
            Ok((
                to_uuid(&id)?,
                super::ContactSummary {
                    first_admission_info: admission.map(calendar::from_day_number),
                    undated_admission_info: undated_admission,
                    first_discharge_contact: discharge.map(calendar::from_day_number),
                    undated_discharge_contact: undated_discharge,
                },
            ))
        })
        .collect()
}

pub fn set_discharge(conn: &mut DbConnection, id: Uuid, day: NaiveDate, destination: Destination) -> QueryResult<()> {
    let destination: &'static str = destination.into();
    daily::adjust(conn, -1, Stays::One(id))?;
    diesel::update(episodes::table.find(id.to_string()))
        .set((
            episodes::discharged_on.eq(day),
            episodes::discharged_day.eq(calendar::day_number(day)),
            episodes::destination.eq(destination),
            episodes::updated_at.eq(calendar::now()),
        ))
        .execute(conn)?;
    daily::adjust(conn, 1, Stays::One(id))
}

/// The stay's 要介護度 (as its admission sheet reports it). A level already on the stay writes
/// nothing: on PostgreSQL an update locks the stay's row until commit, and sheets about one stay
/// (a sheet and its corrections, a care office's system resending) would queue on it.
pub fn set_care_level(conn: &mut DbConnection, id: Uuid, level: &str) -> QueryResult<()> {
    diesel::update(
        episodes::table.find(id.to_string()).filter(episodes::care_level.ne(level).or(episodes::care_level.is_null())),
    )
    .set(episodes::care_level.eq(level))
    .execute(conn)?;
    Ok(())
}

pub fn set_planned_discharge(conn: &mut DbConnection, id: Uuid, day: Option<NaiveDate>) -> QueryResult<()> {
    diesel::update(episodes::table.find(id.to_string()))
        .set((episodes::planned_discharge_on.eq(day), episodes::updated_at.eq(calendar::now())))
        .execute(conn)?;
    Ok(())
}

/// The care manager of a stay (at admission), if it has one.
pub fn care_manager_of(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<Uuid>> {
    let manager: Option<Option<String>> =
        episodes::table.find(id.to_string()).select(episodes::care_manager_id).first(conn).optional()?;
    manager.flatten().as_deref().map(to_uuid).transpose()
}

/// A stay of a client with a care office, in hospital, not excluded, without any admission
/// sheet contact: its hospital, care office and care manager, and its admission.
pub struct AwaitingSheet {
    pub id: Uuid,
    pub hospital: Uuid,
    pub care_office: Uuid,
    pub care_manager: Option<Uuid>,
    pub admitted_on: NaiveDate,
    pub admitted_at: Option<NaiveDateTime>,
    /// Whose handbook judges the stay.
    pub municipality: Option<String>,
}

/// The stays awaiting their admission sheet, admitted on `since` or later.
pub fn awaiting_admission_info(conn: &mut DbConnection, since: NaiveDate) -> QueryResult<Vec<AwaitingSheet>> {
    type Row = (String, String, Option<String>, Option<String>, NaiveDate, Option<NaiveDateTime>, Option<String>);
    let rows: Vec<Row> = episodes::table
        .filter(episodes::client_id.is_not_null())
        .filter(episodes::care_office_id.is_not_null())
        .filter(episodes::discharged_on.is_null())
        .filter(episodes::excluded.eq(false))
        .filter(episodes::first_admission_info_day.is_null())
        .filter(episodes::undated_admission_info.eq(false))
        .filter(episodes::admitted_day.ge(calendar::day_number(since)))
        .select((
            episodes::id,
            episodes::hospital_id,
            episodes::care_office_id,
            episodes::care_manager_id,
            episodes::admitted_on,
            episodes::admitted_at,
            episodes::municipality_code,
        ))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(id, hospital, office, manager, admitted_on, admitted_at, municipality)| {
            office.map(|office| (id, hospital, office, manager, admitted_on, admitted_at, municipality))
        })
        .map(|(id, hospital, office, manager, admitted_on, admitted_at, municipality)| {
            Ok(AwaitingSheet {
                id: to_uuid(&id)?,
                hospital: to_uuid(&hospital)?,
                care_office: to_uuid(&office)?,
                care_manager: manager.as_deref().map(to_uuid).transpose()?,
                admitted_on,
                admitted_at,
                municipality,
            })
        })
        .collect()
}

/// A stay of a client with a care office, in hospital, not excluded, without any discharge
/// contact, whose planned discharge is near: its hospital, who registered it, and the date.
pub struct AwaitingNotice {
    pub id: Uuid,
    pub hospital: Uuid,
    pub registered_by: Option<Uuid>,
    pub planned_on: NaiveDate,
    /// Whose handbook judges the stay, from its admission.
    pub admitted_on: NaiveDate,
    pub municipality: Option<String>,
}

/// The stays awaiting a discharge contact whose planned discharge falls between `from` and `to`.
pub fn awaiting_discharge_contact(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<AwaitingNotice>> {
    type Row = (String, String, Option<String>, NaiveDate, NaiveDate, Option<String>);
    let rows: Vec<Row> = episodes::table
        .filter(episodes::client_id.is_not_null())
        .filter(episodes::care_office_id.is_not_null())
        .filter(episodes::discharged_on.is_null())
        .filter(episodes::excluded.eq(false))
        .filter(episodes::first_discharge_contact_day.is_null())
        .filter(episodes::undated_discharge_contact.eq(false))
        .filter(episodes::planned_discharge_on.between(from, to))
        .select((
            episodes::id,
            episodes::hospital_id,
            episodes::created_by,
            episodes::planned_discharge_on.assume_not_null(),
            episodes::admitted_on,
            episodes::municipality_code,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, hospital, registered_by, planned_on, admitted_on, municipality)| {
            Ok(AwaitingNotice {
                id: to_uuid(&id)?,
                hospital: to_uuid(&hospital)?,
                registered_by: registered_by.as_deref().map(to_uuid).transpose()?,
                planned_on,
                admitted_on,
                municipality,
            })
        })
        .collect()
}

/// The client of a stay, if it has one.
pub fn client_of(conn: &mut DbConnection, episode: Uuid) -> QueryResult<Option<Uuid>> {
    let client: Option<Option<String>> =
        episodes::table.find(episode.to_string()).select(episodes::client_id).first(conn).optional()?;
    client.flatten().as_deref().map(to_uuid).transpose()
}
