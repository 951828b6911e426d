//! Idempotency keys in the database: the key, the request's fingerprint and the stored answer.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use super::{Keyed, Stored};
use crate::db::DbConnection;
use crate::db::schema::idempotency_keys;

/// Claims a key for a request: inserts it with its fingerprint and no answer yet (status 0).
/// False when the key exists (on PostgreSQL, once the transaction that inserted it has ended).
pub fn claim(conn: &mut DbConnection, user: Uuid, keyed: &Keyed, now: NaiveDateTime) -> QueryResult<bool> {
    let row = (
        idempotency_keys::user_id.eq(user.to_string()),
        idempotency_keys::key.eq(&keyed.key),
        idempotency_keys::fingerprint.eq(&keyed.fingerprint),
        idempotency_keys::status.eq(0),
        idempotency_keys::location.eq(None::<String>),
        idempotency_keys::response.eq(""),
        idempotency_keys::created_at.eq(now),
    );
    let inserted = crate::db::insert_or_ignore!(conn, idempotency_keys::table, row)?;
    Ok(inserted == 1)
}

/// Stores the answer of the request that claimed the key.
pub fn answer(conn: &mut DbConnection, user: Uuid, key: &str, answer: &Stored) -> QueryResult<usize> {
    diesel::update(idempotency_keys::table.find((user.to_string(), key)))
        .set((
            idempotency_keys::status.eq(i32::from(answer.status)),
            idempotency_keys::location.eq(&answer.location),
            idempotency_keys::response.eq(&answer.body),
        ))
        .execute(conn)
}

/// Stores a key with its answer at once (the benchmark's raw rows).
pub fn insert(
    conn: &mut DbConnection,
    user: Uuid,
    keyed: &Keyed,
    answer: &Stored,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user.to_string()),
            idempotency_keys::key.eq(&keyed.key),
            idempotency_keys::fingerprint.eq(&keyed.fingerprint),
            idempotency_keys::status.eq(i32::from(answer.status)),
            idempotency_keys::location.eq(&answer.location),
            idempotency_keys::response.eq(&answer.body),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn)
}

/// A user's key: the fingerprint of its request, its answer and when it was stored.
pub fn find(conn: &mut DbConnection, user: Uuid, key: &str) -> QueryResult<Option<(String, Stored, NaiveDateTime)>> {
    let row: Option<(String, i32, Option<String>, String, NaiveDateTime)> = idempotency_keys::table
        .find((user.to_string(), key))
        .select((
            idempotency_keys::fingerprint,
            idempotency_keys::status,
            idempotency_keys::location,
            idempotency_keys::response,
            idempotency_keys::created_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(fingerprint, status, location, body, created_at)| {
        (fingerprint, Stored { status: u16::try_from(status).unwrap_or(200), location, body }, created_at)
    }))
}

/// Forgets a key (past its retention, it may be used again).
pub fn forget(conn: &mut DbConnection, user: Uuid, key: &str) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.find((user.to_string(), key))).execute(conn)
}
