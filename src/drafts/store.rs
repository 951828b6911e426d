//! Drafts in the database; and the previous form of a client to copy forward.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use super::Draft;
use crate::calendar;
use crate::db::schema::drafts;
use crate::db::{DbConnection, to_enum, to_uuid};

#[derive(Queryable, Selectable)]
#[diesel(table_name = drafts)]
struct DraftRow {
    id: String,
    facility_id: String,
    user_id: String,
    kind: String,
    schema_version: i32,
    episode_id: Option<String>,
    client_id: Option<String>,
    recipient_facility_id: Option<String>,
    amends_document_id: Option<String>,
    payload: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn optional_uuid(text: Option<String>) -> QueryResult<Option<Uuid>> {
    text.as_deref().map(to_uuid).transpose()
}

fn to_draft(row: DraftRow) -> QueryResult<Draft> {
    Ok(Draft {
        id: to_uuid(&row.id)?,
        facility_id: to_uuid(&row.facility_id)?,
        user_id: to_uuid(&row.user_id)?,
        kind: to_enum(&row.kind)?,
        schema_version: u32::try_from(row.schema_version).unwrap_or(1),
        episode_id: optional_uuid(row.episode_id)?,
        client_id: optional_uuid(row.client_id)?,
        recipient_facility_id: optional_uuid(row.recipient_facility_id)?,
        amends_document_id: optional_uuid(row.amends_document_id)?,
        payload: serde_json::from_str(&row.payload)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?,
        created_at: calendar::in_japan(row.created_at),
        updated_at: calendar::in_japan(row.updated_at),
    })
}

pub fn insert(conn: &mut DbConnection, draft: &Draft) -> QueryResult<()> {
    let now = calendar::now();
    let text = |id: Option<Uuid>| id.map(|id| id.to_string());
    diesel::insert_into(drafts::table)
        .values((
            drafts::id.eq(draft.id.to_string()),
            drafts::facility_id.eq(draft.facility_id.to_string()),
            drafts::user_id.eq(draft.user_id.to_string()),
            drafts::kind.eq(draft.kind.as_str()),
            drafts::schema_version.eq(i32::try_from(draft.schema_version).unwrap_or(1)),
            drafts::episode_id.eq(text(draft.episode_id)),
            drafts::client_id.eq(text(draft.client_id)),
            drafts::recipient_facility_id.eq(text(draft.recipient_facility_id)),
            drafts::amends_document_id.eq(text(draft.amends_document_id)),
            drafts::payload.eq(draft.payload.to_string()),
            drafts::created_at.eq(now),
            drafts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A draft of the facility.
pub fn find(conn: &mut DbConnection, id: Uuid, facility: Uuid) -> QueryResult<Option<Draft>> {
    drafts::table
        .filter(drafts::id.eq(id.to_string()))
        .filter(drafts::facility_id.eq(facility.to_string()))
        .select(DraftRow::as_select())
        .first(conn)
        .optional()?
        .map(to_draft)
        .transpose()
}

/// The facility's drafts, the most recently saved first.
pub fn list(conn: &mut DbConnection, facility: Uuid) -> QueryResult<Vec<Draft>> {
    drafts::table
        .filter(drafts::facility_id.eq(facility.to_string()))
        .order(drafts::updated_at.desc())
        .limit(200)
        .select(DraftRow::as_select())
        .load(conn)?
        .into_iter()
        .map(to_draft)
        .collect()
}

/// Saves the draft's form and recipient; when it was saved (as it is stored).
pub fn save(
    conn: &mut DbConnection,
    id: Uuid,
    payload: &Value,
    recipient: Option<Uuid>,
) -> QueryResult<chrono::DateTime<chrono::FixedOffset>> {
    let now = calendar::now();
    diesel::update(drafts::table.find(id.to_string()))
        .set((
            drafts::payload.eq(payload.to_string()),
            drafts::recipient_facility_id.eq(recipient.map(|r| r.to_string())),
            drafts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(calendar::in_japan(now))
}

pub fn delete(conn: &mut DbConnection, id: Uuid) -> QueryResult<usize> {
    diesel::delete(drafts::table.find(id.to_string())).execute(conn)
}
