//! Idempotency keys: a client that sends a request again with the same `Idempotency-Key` (after
//! a timeout, a lost connection, a crash) gets the original answer, and nothing is created twice.
//!
//! The key, the request's fingerprint (method, path, SHA-256 of the body) and the answer are
//! stored in the same transaction as the request's own writes: either both exist or neither. A
//! key is the user's own, and is remembered for [`RETENTION_HOURS`]. The same key with a
//! different request is refused (422); two requests with the same key at the same moment are
//! serialised by the database, and the second gets the first one's answer.

pub mod store;

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::calendar;
use crate::db::DbConnection;
use crate::error::AppError;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// A request that carries an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Keyed {
    pub key: String,
    /// Method, path and the SHA-256 of the body, in hex.
    pub fingerprint: String,
}

impl Keyed {
    /// Checks the header's value: 1 to 255 visible ASCII characters (e.g. a UUID).
    pub fn new(key: &str, method: &str, path: &str, body: &[u8]) -> Result<Self, AppError> {
        let key = key.trim();
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(AppError::BadRequest(
                "Idempotency-Key は 1〜255 文字の英数字・記号にしてください（例: UUID）".into(),
            ));
        }
        let digest: String = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
        Ok(Self { key: key.to_owned(), fingerprint: format!("{method} {path} {digest}") })
    }
}

/// The answer to give.
pub enum Answer<T> {
    /// The request was carried out now.
    Fresh(T),
    /// The request was carried out before: its stored answer.
    Replayed(Stored),
}

/// An answer stored with its key.
#[derive(Debug, Clone)]
pub struct Stored {
    pub status: u16,
    pub location: Option<String>,
    /// The JSON body, as first sent.
    pub body: String,
}

/// Runs `work` once per key: with no key, simply runs it; with a key seen before, returns the
/// stored answer without running it; else runs it and stores its answer (`status`, the
/// `location` it gives, the JSON of its value) in the same transaction.
///
/// The key is claimed first (inserted without its answer, or left as it is when it exists): a
/// request with this key that committed before is then answered from its stored answer; on
/// PostgreSQL a request with this key still running makes the claim wait for its commit (the
/// unique key), and then answers the same. The answer is written into the claimed row once the
/// work is done; if the work fails, the transaction takes the claim back with it.
pub fn once<T: Serialize>(
    conn: &mut DbConnection,
    user: Uuid,
    keyed: Option<&Keyed>,
    status: u16,
    location: impl Fn(&T) -> Option<String>,
    work: impl FnOnce(&mut DbConnection) -> Result<T, AppError>,
) -> Result<Answer<T>, AppError> {
    let Some(keyed) = keyed else { return Ok(Answer::Fresh(work(conn)?)) };
    let now = calendar::now();
    if !store::claim(conn, user, keyed, now)? {
        match stored(conn, user, keyed, now)? {
            Some(answer) => return Ok(Answer::Replayed(answer)),
            // Remembered no longer (forgotten just now): the key is free again.
            None if store::claim(conn, user, keyed, now)? => {}
            None => return Err(AppError::Conflict("同じ Idempotency-Key の要求を処理中です".into())),
        }
    }
    let value = work(conn)?;
    let body = serde_json::to_string(&value).map_err(|e| AppError::Unexpected(e.into()))?;
    store::answer(conn, user, &keyed.key, &Stored { status, location: location(&value), body })?;
    Ok(Answer::Fresh(value))
}

/// The stored answer for this user's key, if it is recent; a key reused for another request
/// is refused.
fn stored(conn: &mut DbConnection, user: Uuid, keyed: &Keyed, now: NaiveDateTime) -> Result<Option<Stored>, AppError> {
    let Some((fingerprint, answer, created_at)) = store::find(conn, user, &keyed.key)? else { return Ok(None) };
    if created_at < now - Duration::hours(RETENTION_HOURS) {
        // Forgotten: the key may be used again.
        store::forget(conn, user, &keyed.key)?;
        return Ok(None);
    }
    if answer.status == 0 {
        // Claimed by a request of this very transaction that has not answered: not a replay.
        return Err(AppError::Conflict("同じ Idempotency-Key の要求を処理中です".into()));
    }
    if fingerprint != keyed.fingerprint {
        return Err(AppError::invalid(
            "/",
            "idempotency_key",
            "この Idempotency-Key は別の内容の要求にすでに使われています。新しい要求には新しいキーを使ってください",
        ));
    }
    Ok(Some(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_must_be_short_visible_ascii() {
        for bad in ["", "   ", "キー", "a b", &"x".repeat(256)] {
            assert!(Keyed::new(bad, "POST", "/api/v1/documents", b"{}").is_err(), "{bad:?} accepted");
        }
        let keyed = Keyed::new("0b0e6c1e-2f5a-4a7e-9c55-3f3c8f1f2a10", "POST", "/p", b"{}");
        assert!(keyed.is_ok());
    }

    #[test]
    fn the_fingerprint_covers_method_path_and_body() {
        let of = |method, path, body: &[u8]| Keyed::new("k", method, path, body).map(|k| k.fingerprint).ok();
        assert_ne!(of("POST", "/a", b"{}"), of("POST", "/a", b"{ }"));
        assert_ne!(of("POST", "/a", b"{}"), of("POST", "/b", b"{}"));
        assert_eq!(of("POST", "/a", b"{}"), of("POST", "/a", b"{}"));
    }
}
