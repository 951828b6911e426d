//! Contacts in the database.

pub mod import;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::{Contact, ContactKind, Direction, Method, Withdrawal};
use crate::calendar;
use crate::db::schema::{contacts, users};
use crate::db::{DbConnection, new_id, to_enum, to_uuid};
use crate::episodes::store::ContactFirsts;

#[derive(Debug, Clone)]
pub struct ContactRecord {
    pub episode_id: Uuid,
    pub direction: Direction,
    pub kind: ContactKind,
    pub method: Method,
    pub contacted_on: Option<NaiveDate>,
    pub contacted_at: Option<NaiveDateTime>,
    pub document_id: Option<Uuid>,
    pub recorded_by: Option<Uuid>,
    pub note: Option<String>,
    /// The stay's contact summary, when the caller read it in this transaction: a contact that
    /// would not change it is then not taken in (nothing is read again).
    pub stay_summary: Option<ContactFirsts>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = contacts)]
struct ContactRow {
    id: String,
    episode_id: String,
    direction: String,
    kind: String,
    method: String,
    contacted_on: Option<NaiveDate>,
    contacted_at: Option<NaiveDateTime>,
    document_id: Option<String>,
    recorded_by: Option<String>,
    created_at: NaiveDateTime,
    note: Option<String>,
    withdrawn_at: Option<NaiveDateTime>,
    withdrawn_by: Option<String>,
    withdrawal_reason: Option<String>,
}

/// A contact's row and the facility of the user who recorded it by hand.
type RecordedRow = (ContactRow, Option<String>);

/// Contacts with the facility of whoever recorded them.
#[diesel::dsl::auto_type(no_type_alias)]
fn with_recorder() -> _ {
    let recorder: diesel::dsl::Eq<contacts::recorded_by, diesel::dsl::Nullable<users::id>> =
        contacts::recorded_by.eq(users::id.nullable());
    let row: diesel::dsl::AsSelect<ContactRow, Backend> = ContactRow::as_select();
    contacts::table.left_join(users::table.on(recorder)).select((row, users::facility_id.nullable()))
}

type Backend = <DbConnection as diesel::Connection>::Backend;

impl ContactRow {
    fn into_contact((row, recorder): RecordedRow) -> QueryResult<Contact> {
        row.with_recorder(recorder)
    }

    fn with_recorder(self, recorder: Option<String>) -> QueryResult<Contact> {
        Ok(Contact {
            id: to_uuid(&self.id)?,
            episode_id: to_uuid(&self.episode_id)?,
            direction: to_enum(&self.direction)?,
            kind: to_enum(&self.kind)?,
            method: to_enum(&self.method)?,
            contacted_on: self.contacted_on,
            contacted_at: self.contacted_at.map(calendar::in_japan),
            document_id: self.document_id.as_deref().map(to_uuid).transpose()?,
            recorded_by: self.recorded_by.as_deref().map(to_uuid).transpose()?,
            recorded_by_facility: recorder.as_deref().map(to_uuid).transpose()?,
            created_at: calendar::in_japan(self.created_at),
            note: self.note,
            withdrawal: match (self.withdrawn_at, self.withdrawn_by, self.withdrawal_reason) {
                (Some(at), Some(by), Some(reason)) => {
                    Some(Withdrawal { reason, withdrawn_by: to_uuid(&by)?, withdrawn_at: calendar::in_japan(at) })
                }
                _ => None,
            },
        })
    }
}

pub fn insert(conn: &mut DbConnection, record: &ContactRecord) -> QueryResult<Uuid> {
    let id = new_id();
    let direction: &'static str = record.direction.into();
    let kind: &'static str = record.kind.into();
    let method: &'static str = record.method.into();
    diesel::insert_into(contacts::table)
        .values((
            contacts::id.eq(id.to_string()),
            contacts::episode_id.eq(record.episode_id.to_string()),
            contacts::direction.eq(direction),
            contacts::kind.eq(kind),
            contacts::method.eq(method),
            contacts::contacted_on.eq(record.contacted_on),
            contacts::contacted_day.eq(record.contacted_on.map(calendar::day_number)),
            contacts::contacted_at.eq(record.contacted_at),
            contacts::document_id.eq(record.document_id.map(|u| u.to_string())),
            contacts::recorded_by.eq(record.recorded_by.map(|u| u.to_string())),
            contacts::created_at.eq(calendar::now()),
            contacts::note.eq(record.note.as_deref()),
        ))
        .execute(conn)?;
    let firsts = super::SummarySide::firsts(
        record.direction,
        record.kind,
        record.contacted_on.map(calendar::day_number),
        record.method,
    );
    let unchanged = record.stay_summary.is_some_and(|stored| stored.merged(firsts) == stored);
    if firsts != ContactFirsts::default() && !unchanged {
        crate::episodes::store::take_in(conn, &[(record.episode_id, firsts)])?;
    }
    Ok(id)
}

/// Removes the contacts a document's rows recorded (before its amendment records them again).
pub fn delete_of_document(conn: &mut DbConnection, document_id: Uuid) -> QueryResult<usize> {
    diesel::delete(contacts::table.filter(contacts::document_id.eq(document_id.to_string()))).execute(conn)
}

/// The contact summary of a stay worked out from all its contacts but the withdrawn.
pub fn firsts_of_episode(conn: &mut DbConnection, episode_id: Uuid) -> QueryResult<ContactFirsts> {
    Ok(super::firsts_of(&of_episode(conn, episode_id)?))
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> QueryResult<Contact> {
    ContactRow::into_contact(with_recorder().filter(contacts::id.eq(id.to_string())).first(conn)?)
}

/// Marks a contact withdrawn, unless it was already: whether it was marked now.
pub fn mark_withdrawn(conn: &mut DbConnection, id: Uuid, by: Uuid, reason: &str) -> QueryResult<bool> {
    let marked = diesel::update(contacts::table.find(id.to_string()).filter(contacts::withdrawn_at.is_null()))
        .set((
            contacts::withdrawn_at.eq(calendar::now()),
            contacts::withdrawn_by.eq(by.to_string()),
            contacts::withdrawal_reason.eq(reason),
        ))
        .execute(conn)?;
    Ok(marked == 1)
}

/// The contacts of a stay, oldest first (the withdrawn too, marked).
pub fn of_episode(conn: &mut DbConnection, episode_id: Uuid) -> QueryResult<Vec<Contact>> {
    with_recorder()
        .filter(contacts::episode_id.eq(episode_id.to_string()))
        .order((contacts::contacted_on, contacts::created_at))
        .load::<RecordedRow>(conn)?
        .into_iter()
        .map(ContactRow::into_contact)
        .collect()
}
