//! Documents and their revisions in the database.

pub mod attachments;
mod listing;
mod payloads;

pub use listing::{Direction, Listing, Order, SortKey, list};
use payloads::parse_payload;
pub use payloads::{previous_payload, received_payloads};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use super::{Document, DocumentStatus, DocumentSummary, RevisionInfo};
use crate::auth::Principal;
use crate::calendar;
use crate::db::schema::{clients, document_revisions, documents, episodes};
use crate::db::{DbConnection, new_id, to_enum, to_uuid};
use crate::directory::store::{facility_refs, user_refs};
use crate::forms::DocumentKind;

pub enum Side {
    Sender,
    Recipient,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = documents)]
struct DocumentRow {
    id: String,
    kind: String,
    episode_id: String,
    sender_facility_id: String,
    sender_user_id: String,
    recipient_facility_id: String,
    current_revision: i32,
    sent_at: NaiveDateTime,
    read_revision: Option<i32>,
    first_read_at: Option<NaiveDateTime>,
    acknowledged_at: Option<NaiveDateTime>,
    acknowledged_revision: Option<i32>,
    delivered_revision: Option<i32>,
}

type SummaryRow = (DocumentRow, String, String, i32);

fn status(row: &DocumentRow) -> DocumentStatus {
    if row.acknowledged_revision == Some(row.current_revision) {
        DocumentStatus::Acknowledged
    } else if row.read_revision == Some(row.current_revision) {
        DocumentStatus::Read
    } else if row.delivered_revision == Some(row.current_revision) {
        DocumentStatus::Delivered
    } else {
        DocumentStatus::Sent
    }
}

fn summaries(conn: &mut DbConnection, rows: Vec<SummaryRow>) -> QueryResult<Vec<DocumentSummary>> {
    let facility_ids: Vec<String> =
        rows.iter().flat_map(|(d, ..)| [d.sender_facility_id.clone(), d.recipient_facility_id.clone()]).collect();
    let user_ids: Vec<String> = rows.iter().map(|(d, ..)| d.sender_user_id.clone()).collect();
    let facilities = facility_refs(conn, &facility_ids)?;
    let users = user_refs(conn, &user_ids)?;
    let revisions: Vec<(String, i32)> = rows.iter().map(|(d, ..)| (d.id.clone(), d.current_revision)).collect();
    let mut deliveries = crate::notify::store::counts(conn, &revisions)?;
    let missing = || diesel::result::Error::NotFound;
    rows.into_iter()
        .map(|(row, client_id, client_name, schema_version)| {
            let status = status(&row);
            let kind: DocumentKind = to_enum(&row.kind)?;
            Ok(DocumentSummary {
                id: to_uuid(&row.id)?,
                kind,
                kind_label: kind.label().to_owned(),
                episode_id: to_uuid(&row.episode_id)?,
                client_id: to_uuid(&client_id)?,
                client_name,
                sender: facilities.get(&row.sender_facility_id).cloned().ok_or_else(missing)?,
                sender_user: users.get(&row.sender_user_id).cloned().ok_or_else(missing)?,
                recipient: facilities.get(&row.recipient_facility_id).cloned().ok_or_else(missing)?,
                revision: row.current_revision,
                schema_version,
                status,
                status_label: if row.sender_facility_id == row.recipient_facility_id {
                    super::KEPT_LABEL.to_owned()
                } else {
                    status.label().to_owned()
                },
                delivery: deliveries.remove(&row.id).unwrap_or_default(),
                sent_at: calendar::in_japan(row.sent_at),
                first_read_at: row.first_read_at.map(calendar::in_japan),
                acknowledged_at: row.acknowledged_at.map(calendar::in_japan),
            })
        })
        .collect()
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// A document's row with its client and the schema version of its current revision.
#[diesel::dsl::auto_type(no_type_alias)]
fn summary_query() -> _ {
    let current_revision: diesel::dsl::And<
        diesel::dsl::Eq<document_revisions::document_id, documents::id>,
        diesel::dsl::Eq<document_revisions::revision, documents::current_revision>,
    > = document_revisions::document_id
        .eq(documents::id)
        .and(document_revisions::revision.eq(documents::current_revision));
    let row: diesel::dsl::AsSelect<DocumentRow, Backend> = DocumentRow::as_select();
    documents::table
        .inner_join(episodes::table.inner_join(clients::table))
        .inner_join(document_revisions::table.on(current_revision))
        .select((row, clients::id, clients::name, document_revisions::schema_version))
}

pub fn summary(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<DocumentSummary>> {
    let rows: Vec<SummaryRow> = summary_query().filter(documents::id.eq(id.to_string())).load(conn)?;
    Ok(summaries(conn, rows)?.pop())
}

/// How many documents the facility received and nobody there has opened yet (in their current
/// revision): the count beside 受信箱 in the menu.
pub fn count_unread(conn: &mut DbConnection, facility: Uuid) -> QueryResult<i64> {
    let current = documents::current_revision.nullable();
    documents::table
        .filter(documents::recipient_facility_id.eq(facility.to_string()))
        .filter(documents::sender_facility_id.ne(documents::recipient_facility_id))
        .filter(documents::read_revision.is_null().or(documents::read_revision.ne(current)))
        .count()
        .get_result(conn)
}

/// The documents of a stay that this facility sent or received.
pub fn summaries_of_episode(
    conn: &mut DbConnection,
    episode: Uuid,
    facility: Uuid,
) -> QueryResult<Vec<DocumentSummary>> {
    let facility = facility.to_string();
    let rows: Vec<SummaryRow> = summary_query()
        .filter(documents::episode_id.eq(episode.to_string()))
        .filter(documents::sender_facility_id.eq(&facility).or(documents::recipient_facility_id.eq(&facility)))
        .order(documents::sent_at)
        .load(conn)?;
    summaries(conn, rows)
}

/// The document with the payload of `revision` (default: the current one).
pub fn document(conn: &mut DbConnection, id: Uuid, revision: Option<i32>) -> QueryResult<Document> {
    let summary = summary(conn, id)?.ok_or(diesel::result::Error::NotFound)?;
    let revisions: Vec<(i32, i32, NaiveDateTime, String, String)> = document_revisions::table
        .filter(document_revisions::document_id.eq(id.to_string()))
        .order(document_revisions::revision)
        .select((
            document_revisions::revision,
            document_revisions::schema_version,
            document_revisions::created_at,
            document_revisions::created_by,
            document_revisions::payload,
        ))
        .load(conn)?;
    let wanted = revision.unwrap_or(summary.revision);
    let authors = user_refs(conn, &revisions.iter().map(|r| r.3.clone()).collect::<Vec<_>>())?;
    let (payload_schema_version, payload) =
        revisions.iter().find(|r| r.0 == wanted).map(|r| (r.1, r.4.clone())).ok_or(diesel::result::Error::NotFound)?;
    let payload: Value = parse_payload(&payload)?;
    let revisions = revisions
        .into_iter()
        .map(|(revision, schema_version, created_at, created_by, _)| {
            Ok(RevisionInfo {
                revision,
                schema_version,
                created_at: calendar::in_japan(created_at),
                created_by: authors.get(&created_by).cloned().ok_or(diesel::result::Error::NotFound)?,
            })
        })
        .collect::<QueryResult<Vec<_>>>()?;
    let attachments = attachments::list(conn, crate::documents::attachments::Owner::Document(id))?;
    Ok(Document { summary, payload_revision: wanted, payload_schema_version, payload, revisions, attachments })
}

#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &mut DbConnection,
    kind: DocumentKind,
    episode_id: Uuid,
    sender: &Principal,
    recipient: Uuid,
    schema_version: u32,
    payload: &Value,
    now: NaiveDateTime,
) -> QueryResult<Uuid> {
    let id = new_id();
    diesel::insert_into(documents::table)
        .values((
            documents::id.eq(id.to_string()),
            documents::kind.eq(kind.as_str()),
            documents::episode_id.eq(episode_id.to_string()),
            documents::sender_facility_id.eq(sender.facility_id.to_string()),
            documents::sender_user_id.eq(sender.user_id.to_string()),
            documents::recipient_facility_id.eq(recipient.to_string()),
            documents::current_revision.eq(1),
            documents::sent_at.eq(now),
        ))
        .execute(conn)?;
    insert_revision(conn, id, 1, schema_version, payload, sender.user_id, now)?;
    Ok(id)
}

fn insert_revision(
    conn: &mut DbConnection,
    id: Uuid,
    revision: i32,
    schema_version: u32,
    payload: &Value,
    author: Uuid,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(document_revisions::table)
        .values((
            document_revisions::document_id.eq(id.to_string()),
            document_revisions::revision.eq(revision),
            document_revisions::schema_version.eq(i32::try_from(schema_version).unwrap_or(i32::MAX)),
            document_revisions::payload.eq(payload.to_string()),
            document_revisions::created_by.eq(author.to_string()),
            document_revisions::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Adds a revision and makes it current; the earlier ones stay as they were.
pub fn add_revision(
    conn: &mut DbConnection,
    id: Uuid,
    revision: i32,
    schema_version: u32,
    payload: &Value,
    author: Uuid,
) -> QueryResult<()> {
    insert_revision(conn, id, revision, schema_version, payload, author, calendar::now())?;
    diesel::update(documents::table.find(id.to_string()))
        .set(documents::current_revision.eq(revision))
        .execute(conn)?;
    Ok(())
}

pub fn mark_read(conn: &mut DbConnection, id: Uuid, revision: i32, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(documents::table.find(id.to_string())).set(documents::read_revision.eq(revision)).execute(conn)?;
    diesel::update(documents::table.find(id.to_string()).filter(documents::first_read_at.is_null()))
        .set(documents::first_read_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn acknowledge(
    conn: &mut DbConnection,
    id: Uuid,
    revision: i32,
    user: Uuid,
    now: NaiveDateTime,
) -> QueryResult<()> {
    mark_read(conn, id, revision, now)?;
    diesel::update(documents::table.find(id.to_string()))
        .set((
            documents::acknowledged_revision.eq(revision),
            documents::acknowledged_at.eq(now),
            documents::acknowledged_by.eq(user.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A document not acknowledged yet, as the reminders need it.
pub struct Unacknowledged {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub episode: Uuid,
    pub sender: Uuid,
    pub sender_user: Uuid,
    pub recipient: Uuid,
    pub revision: i32,
    pub sent_at: NaiveDateTime,
}

/// The documents sent between `from` and `until` (UTC) that nobody acknowledged.
pub fn unacknowledged(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<Vec<Unacknowledged>> {
    type Row = (String, String, String, String, String, String, i32, NaiveDateTime);
    let rows: Vec<Row> = documents::table
        .filter(documents::acknowledged_at.is_null())
        .filter(documents::sender_facility_id.ne(documents::recipient_facility_id))
        .filter(documents::sent_at.ge(from))
        .filter(documents::sent_at.le(until))
        .select((
            documents::id,
            documents::kind,
            documents::episode_id,
            documents::sender_facility_id,
            documents::sender_user_id,
            documents::recipient_facility_id,
            documents::current_revision,
            documents::sent_at,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, kind, episode, sender, sender_user, recipient, revision, sent_at)| {
            Ok(Unacknowledged {
                id: to_uuid(&id)?,
                kind: to_enum(&kind)?,
                episode: to_uuid(&episode)?,
                sender: to_uuid(&sender)?,
                sender_user: to_uuid(&sender_user)?,
                recipient: to_uuid(&recipient)?,
                revision,
                sent_at,
            })
        })
        .collect()
}

/// Marks the announced revisions 配信済 (the mail about each reached the recipient's server):
/// one statement per revision number (all the documents announced in their first revision at
/// once), which leaves a newer delivered revision and the first delivery's time as they are.
pub fn mark_delivered(conn: &mut DbConnection, revisions: &[(Uuid, i32)], now: NaiveDateTime) -> QueryResult<()> {
    use diesel::dsl::case_when;
    use diesel::sql_types::{Nullable, Timestamp};
    let mut by_revision: std::collections::BTreeMap<i32, Vec<String>> = std::collections::BTreeMap::new();
    for (id, revision) in revisions {
        by_revision.entry(*revision).or_default().push(id.to_string());
    }
    for (revision, ids) in by_revision {
        let newer = documents::delivered_revision.is_null().or(documents::delivered_revision.lt(revision));
        diesel::update(
            documents::table
                .filter(documents::id.eq_any(&ids))
                .filter(newer.or(documents::first_delivered_at.is_null())),
        )
        .set((
            documents::delivered_revision.eq(case_when(newer, Some(revision)).otherwise(documents::delivered_revision)),
            documents::first_delivered_at.eq(case_when(
                documents::first_delivered_at.is_null(),
                now.into_sql::<Nullable<Timestamp>>(),
            )
            .otherwise(documents::first_delivered_at)),
        ))
        .execute(conn)?;
    }
    Ok(())
}
