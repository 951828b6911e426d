//! The one way either door changes something: the use case runs in one transaction with its
//! audit entry, once per idempotency key when the request has one (the API's
//! `Idempotency-Key`; a page's form has none, and posting it twice is answered by the use case
//! itself, e.g. 確認 twice changes nothing). On SQLite the writes of requests that arrive
//! together share one commit (`db::group`), each in its own savepoint, each answered after it.

use actix_web::web;
use serde::Serialize;

use super::{AppState, RequestInfo, blocking};
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::idempotency::{self, Answer, Keyed};

/// Who asks for a write, and what its audit entry and stored answer say.
pub struct Write {
    pub principal: Principal,
    pub request: RequestInfo,
    /// The request's idempotency key, if it has one.
    pub keyed: Option<Keyed>,
    /// The status the answer will have (201, 200; a page's redirect is 303).
    pub status: u16,
}

impl Write {
    /// A page's write: no idempotency key, answered by a redirect.
    pub fn page(principal: Principal, request: RequestInfo) -> Self {
        Self { principal, request, keyed: None, status: 303 }
    }
}

/// Runs the use case `work` once per key, in one transaction with its audit entry; the entry
/// names the record the write created (the last segment of `location`) or the route's `{id}`.
/// A request repeated with the same key gets the first one's stored answer.
pub async fn write<T, F>(
    state: &web::Data<AppState>,
    asked: Write,
    location: fn(&T) -> Option<String>,
    work: F,
) -> Result<Answer<T>, AppError>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut DbConnection, &AppState, &Principal) -> Result<T, AppError> + Send + 'static,
{
    let Write { principal, request, keyed, status } = asked;
    let shared = state.clone();
    blocking(state, move |conn, state| {
        // On SQLite, with the writes of the requests that arrive together, in one commit.
        state.commits.write(conn, move |conn| {
            let state: &AppState = &shared;
            let answer = idempotency::once(conn, principal.user_id, keyed.as_ref(), status, location, |conn| {
                work(conn, state, &principal)
            })?;
            if let Answer::Fresh(value) = &answer {
                let mut entry = request.entry(Some(&principal), crate::audit::Action::Write, status);
                if let Some(created) = location(value).and_then(|l| l.rsplit('/').next().map(str::to_owned)) {
                    entry.target = Some(created);
                }
                crate::audit::record(conn, &entry)?;
            }
            Ok(answer)
        })
    })
    .await
}
