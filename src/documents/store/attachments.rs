//! The files attached to documents and drafts. Lists read the files' facts only; the bytes are
//! read one file at a time, when it is downloaded.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::calendar;
use crate::db::schema::{attachments, documents};
use crate::db::{DbConnection, to_uuid};
use crate::documents::attachments::{Attachment, Checked, Owner};

#[derive(Queryable, Selectable)]
#[diesel(table_name = attachments)]
struct FactsRow {
    id: String,
    file_name: String,
    content_type: String,
    size: i32,
    sha256: String,
    uploaded_at: NaiveDateTime,
}

impl FactsRow {
    fn into_attachment(self) -> QueryResult<Attachment> {
        Ok(Attachment {
            id: to_uuid(&self.id)?,
            file_name: self.file_name,
            content_type: self.content_type,
            size: i64::from(self.size),
            sha256: self.sha256,
            uploaded_at: calendar::in_japan(self.uploaded_at),
        })
    }
}

/// The values of `document_id` and `draft_id` for an owner.
fn columns(owner: Owner) -> (Option<String>, Option<String>) {
    match owner {
        Owner::Document(id) => (Some(id.to_string()), None),
        Owner::Draft(id) => (None, Some(id.to_string())),
    }
}

#[diesel::dsl::auto_type(no_type_alias)]
fn owned_by(owner: Owner) -> _ {
    let document: Option<String> = columns(owner).0;
    let draft: Option<String> = columns(owner).1;
    // One of the two is NULL, which equals nothing: the other names the owner.
    attachments::document_id.eq(document).or(attachments::draft_id.eq(draft))
}

/// The files of a document or draft, in the order they were attached (without their bytes).
pub fn list(conn: &mut DbConnection, owner: Owner) -> QueryResult<Vec<Attachment>> {
    let rows: Vec<FactsRow> = attachments::table
        .filter(owned_by(owner))
        .order((attachments::uploaded_at, attachments::id))
        .select(FactsRow::as_select())
        .load(conn)?;
    rows.into_iter().map(FactsRow::into_attachment).collect()
}

/// The bytes the files of a document or draft take together.
pub fn total_size(conn: &mut DbConnection, owner: Owner) -> QueryResult<i64> {
    let sizes: Vec<i32> = attachments::table.filter(owned_by(owner)).select(attachments::size).load(conn)?;
    Ok(sizes.into_iter().map(i64::from).sum())
}

/// Holds the document's row until the transaction ends (PostgreSQL), so that two files attached
/// at once are counted against the document's limit one after the other. SQLite's writers
/// already take turns.
pub fn lock_document(conn: &mut DbConnection, id: Uuid) -> QueryResult<()> {
    let row = documents::table.filter(documents::id.eq(id.to_string())).select(documents::id);
    match conn {
        DbConnection::Postgres(pg) => row.for_update().first::<String>(pg).map(|_| ()),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

pub fn insert(
    conn: &mut DbConnection,
    id: Uuid,
    owner: Owner,
    file: &Checked,
    by: Uuid,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let (document, draft) = columns(owner);
    diesel::insert_into(attachments::table)
        .values((
            attachments::id.eq(id.to_string()),
            attachments::document_id.eq(document),
            attachments::draft_id.eq(draft),
            attachments::file_name.eq(&file.file_name),
            attachments::content_type.eq(file.kind.mime()),
            attachments::size.eq(i32::try_from(file.bytes.len()).unwrap_or(i32::MAX)),
            attachments::sha256.eq(&file.sha256),
            attachments::bytes.eq(&file.bytes),
            attachments::uploaded_by.eq(by.to_string()),
            attachments::uploaded_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// One file of a document or draft, with its bytes.
pub fn file(conn: &mut DbConnection, owner: Owner, id: Uuid) -> QueryResult<Option<(Attachment, Vec<u8>)>> {
    let row: Option<(FactsRow, Vec<u8>)> = attachments::table
        .filter(owned_by(owner))
        .filter(attachments::id.eq(id.to_string()))
        .select((FactsRow::as_select(), attachments::bytes))
        .first(conn)
        .optional()?;
    row.map(|(facts, bytes)| Ok((facts.into_attachment()?, bytes))).transpose()
}

/// A sent draft's files become the document's.
pub fn move_to_document(conn: &mut DbConnection, draft: Uuid, document: Uuid) -> QueryResult<usize> {
    diesel::update(attachments::table.filter(attachments::draft_id.eq(draft.to_string())))
        .set((attachments::draft_id.eq(None::<String>), attachments::document_id.eq(document.to_string())))
        .execute(conn)
}
