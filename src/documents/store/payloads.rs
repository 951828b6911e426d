//! The current payloads a new draft starts from: the writer's previous document of a kind about
//! the same client (copied forward), and the documents the writer's facility received about the
//! stay (carried into a record).

use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::db::schema::{document_revisions, documents, episodes};
use crate::db::{DbConnection, to_enum, to_uuid};
use crate::forms::DocumentKind;

/// The current payload of the latest document of each of `kinds` that `recipient` received
/// about a stay.
pub fn received_payloads(
    conn: &mut DbConnection,
    episode: Uuid,
    recipient: Uuid,
    kinds: &[DocumentKind],
) -> QueryResult<Vec<(DocumentKind, Value)>> {
    if kinds.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<(String, String)> = documents::table
        .inner_join(
            document_revisions::table.on(document_revisions::document_id
                .eq(documents::id)
                .and(document_revisions::revision.eq(documents::current_revision))),
        )
        .filter(documents::episode_id.eq(episode.to_string()))
        .filter(documents::recipient_facility_id.eq(recipient.to_string()))
        .filter(documents::kind.eq_any(kinds.iter().map(|k| k.as_str())))
        .order(documents::sent_at.desc())
        .select((documents::kind, document_revisions::payload))
        .load(conn)?;
    let mut latest: Vec<(DocumentKind, Value)> = Vec::new();
    for (kind, payload) in rows {
        let kind: DocumentKind = to_enum(&kind)?;
        if latest.iter().all(|(k, _)| *k != kind) {
            let payload = parse_payload(&payload)?;
            latest.push((kind, payload));
        }
    }
    Ok(latest)
}

/// The current payload of the newest document of `kind` that `sender` sent about `client`.
pub fn previous_payload(
    conn: &mut DbConnection,
    client: Uuid,
    sender: Uuid,
    kind: DocumentKind,
) -> QueryResult<Option<(Uuid, Value)>> {
    let found = documents::table
        .inner_join(episodes::table)
        .inner_join(
            document_revisions::table.on(document_revisions::document_id
                .eq(documents::id)
                .and(document_revisions::revision.eq(documents::current_revision))),
        )
        .filter(episodes::client_id.eq(client.to_string()))
        .filter(documents::sender_facility_id.eq(sender.to_string()))
        .filter(documents::kind.eq(kind.as_str()))
        .order(documents::sent_at.desc())
        .select((documents::id, document_revisions::payload))
        .first::<(String, String)>(conn)
        .optional()?;
    found
        .map(|(id, payload)| {
            let payload = parse_payload(&payload)?;
            Ok((to_uuid(&id)?, payload))
        })
        .transpose()
}

/// A stored payload, read back.
pub(super) fn parse_payload(text: &str) -> QueryResult<Value> {
    serde_json::from_str(text).map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
}
