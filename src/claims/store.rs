//! What the 加算 read from the database: the stays of a period (and the other stays of their
//! clients in the same months), their contacts, and whether each has a 退院・退所情報記録書.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::{Evidence, StayFacts};
use crate::db::schema::{clients, contacts, documents, episodes, facilities};
use crate::db::{DbConnection, to_enum, to_uuid};
use crate::directory::FacilityRef;

/// Ids per query: well under both engines' limit of bound parameters.
const CHUNK: usize = 500;

/// A stay as the claims list shows it.
#[derive(Debug, Clone)]
pub struct StayRow {
    pub id: Uuid,
    pub episode_ref: Option<String>,
    pub client_id: Option<Uuid>,
    pub client_ref: Option<String>,
    pub care_office_id: Uuid,
    pub hospital_id: Uuid,
    pub admitted_on: NaiveDate,
    pub admitted_at: Option<NaiveDateTime>,
    pub discharged_on: Option<NaiveDate>,
    pub destination: Option<String>,
}

impl StayRow {
    /// The client, as the once-a-month rule tells clients apart.
    pub fn client_key(&self) -> Option<String> {
        match (&self.client_id, &self.client_ref) {
            (Some(id), _) => Some(format!("id:{id}")),
            (None, Some(reference)) => Some(format!("ref:{reference}")),
            (None, None) => None,
        }
    }
}

type Row = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    NaiveDate,
    Option<NaiveDateTime>,
    Option<NaiveDate>,
    Option<String>,
);

macro_rules! stay_columns {
    () => {
        (
            episodes::id,
            episodes::external_ref,
            episodes::client_id,
            episodes::client_ref,
            episodes::care_office_id,
            episodes::hospital_id,
            episodes::admitted_on,
            episodes::admitted_at,
            episodes::discharged_on,
            episodes::destination,
        )
    };
}

fn read(row: Row) -> QueryResult<Option<StayRow>> {
    let (
        id,
        episode_ref,
        client_id,
        client_ref,
        office,
        hospital,
        admitted_on,
        admitted_at,
        discharged_on,
        destination,
    ) = row;
    let Some(office) = office else { return Ok(None) };
    Ok(Some(StayRow {
        id: to_uuid(&id)?,
        episode_ref,
        client_id: client_id.as_deref().map(to_uuid).transpose()?,
        client_ref,
        care_office_id: to_uuid(&office)?,
        hospital_id: to_uuid(&hospital)?,
        admitted_on,
        admitted_at,
        discharged_on,
        destination,
    }))
}

/// The stays with a care office (`office`, or any) admitted or discharged from `from` to `to`,
/// by admission date.
pub fn stays_in(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
    office: Option<Uuid>,
) -> QueryResult<Vec<StayRow>> {
    let mut query = episodes::table
        .filter(episodes::care_office_id.is_not_null())
        .filter(episodes::admitted_on.between(from, to).or(episodes::discharged_on.between(from, to)))
        .select(stay_columns!())
        .order((episodes::admitted_on, episodes::id))
        .into_boxed();
    if let Some(office) = office {
        query = query.filter(episodes::care_office_id.eq(office.to_string()));
    }
    query.load::<Row>(conn)?.into_iter().filter_map(|r| read(r).transpose()).collect()
}

/// The stays of these clients (by id and by the import's reference) admitted from `from` to
/// `to`, with a care office.
pub fn stays_of_clients(
    conn: &mut DbConnection,
    client_ids: &[String],
    client_refs: &[String],
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<StayRow>> {
    let mut found = Vec::new();
    let base = || {
        episodes::table
            .filter(episodes::care_office_id.is_not_null())
            .filter(episodes::admitted_on.between(from, to))
            .select(stay_columns!())
    };
    for chunk in client_ids.chunks(CHUNK) {
        found.extend(base().filter(episodes::client_id.eq_any(chunk)).load::<Row>(conn)?);
    }
    for chunk in client_refs.chunks(CHUNK) {
        found.extend(
            base()
                .filter(episodes::client_id.is_null())
                .filter(episodes::client_ref.eq_any(chunk))
                .load::<Row>(conn)?,
        );
    }
    found.into_iter().filter_map(|r| read(r).transpose()).collect()
}

type ContactRow = (String, String, String, String, String, Option<NaiveDate>, Option<String>);

/// The contacts of these stays, by stay.
pub fn contacts_of(conn: &mut DbConnection, stays: &[Uuid]) -> QueryResult<HashMap<Uuid, Vec<Evidence>>> {
    let mut by_stay: HashMap<Uuid, Vec<Evidence>> = HashMap::new();
    let ids: Vec<String> = stays.iter().map(Uuid::to_string).collect();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<ContactRow> = contacts::table
            .filter(contacts::episode_id.eq_any(chunk))
            // A withdrawn contact is evidence of nothing.
            .filter(contacts::withdrawn_at.is_null())
            .order((contacts::contacted_on, contacts::created_at, contacts::id))
            .select((
                contacts::id,
                contacts::episode_id,
                contacts::direction,
                contacts::kind,
                contacts::method,
                contacts::contacted_on,
                contacts::document_id,
            ))
            .load(conn)?;
        for (id, episode, direction, kind, method, contacted_on, document_id) in rows {
            by_stay.entry(to_uuid(&episode)?).or_default().push(Evidence {
                contact_id: to_uuid(&id)?,
                direction: to_enum(&direction)?,
                kind: to_enum(&kind)?,
                method: to_enum(&method)?,
                contacted_on,
                document_id: document_id.as_deref().map(to_uuid).transpose()?,
            });
        }
    }
    Ok(by_stay)
}

/// Which of these stays have a 退院・退所情報記録書.
pub fn with_record(conn: &mut DbConnection, stays: &[Uuid]) -> QueryResult<HashSet<Uuid>> {
    let ids: Vec<String> = stays.iter().map(Uuid::to_string).collect();
    let mut found = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<String> = documents::table
            .filter(documents::kind.eq("discharge_record"))
            .filter(documents::episode_id.eq_any(chunk))
            .select(documents::episode_id)
            .load(conn)?;
        for id in rows {
            found.insert(to_uuid(&id)?);
        }
    }
    Ok(found)
}

/// The facilities, by id.
pub fn facilities(conn: &mut DbConnection) -> QueryResult<HashMap<Uuid, FacilityRef>> {
    facilities::table
        .select((facilities::id, facilities::code, facilities::name))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, code, name)| Ok((to_uuid(&id)?, FacilityRef { id: to_uuid(&id)?, code, name })))
        .collect()
}

/// The names of these clients.
pub fn client_names(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<Uuid, String>> {
    let mut names = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for (id, name) in clients::table
            .filter(clients::id.eq_any(chunk))
            .select((clients::id, clients::name))
            .load::<(String, String)>(conn)?
        {
            names.insert(to_uuid(&id)?, name);
        }
    }
    Ok(names)
}

/// The facts the rules read of a stay, its contacts given.
pub fn facts(stay: &StayRow, contacts: Vec<Evidence>, record: bool) -> StayFacts {
    StayFacts {
        episode_id: stay.id,
        client_key: stay.client_key(),
        admitted_on: stay.admitted_on,
        admitted_at: stay.admitted_at,
        discharged_on: stay.discharged_on,
        destination: stay.destination.as_deref().and_then(|d| d.parse().ok()),
        contacts,
        record,
    }
}
