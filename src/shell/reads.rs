//! The audit of reads: every route that shows or changes client data declares it, naming how its
//! door knows the visitor (`#[get("/inbox", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]`),
//! so that no hand-kept list of paths can forget one. It records every read of such a route,
//! whatever its answer (a 403 or 404 is an attempt worth knowing of), and every refused write,
//! before the answer leaves. The visitor is known before the route's other parts are read: a
//! malformed id in the path answers 404 without waiting for the user, and would otherwise go
//! unaudited.
//! Writes that succeed are audited in their own transaction by [`super::write`]. If the entry
//! cannot be written the answer becomes a 500: nothing is shown unaudited.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, ResponseError};

use super::{RequestInfo, blocking};
use crate::audit::Action;

/// Audits a request to a route that shows or changes client data (the route wraps itself in
/// it with `actix_web::middleware::from_fn`). `Visitor` is the door's extractor of who acts: it
/// is resolved first (not signed in: its answer, e.g. 401, at once) and left in the request's
/// extensions, where the route's own extractor takes it without asking the database again.
pub async fn audit<Visitor>(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error>
where
    Visitor: FromRequest + 'static,
    Visitor::Error: ResponseError + 'static,
{
    match req.extract::<Visitor>().await {
        Ok(visitor) => {
            req.extensions_mut().insert(visitor);
        }
        Err(refused) => return Ok(req.error_response(refused)),
    }
    let response = next.call(req).await?.map_into_boxed_body();
    let request = response.request();
    let status = response.status().as_u16();
    let action = match request.method().as_str() {
        "GET" | "HEAD" => Action::Read,
        _ if status >= 400 => Action::Refused,
        _ => return Ok(response),
    };
    let principal = request.extensions().get::<crate::auth::Principal>().cloned();
    let (Some(principal), Ok(state)) = (principal, super::state_of(request)) else {
        return Ok(response);
    };
    let entry = RequestInfo::of(request).entry(Some(&principal), action, status);
    // On SQLite, in the commit of the writes (and other reads' entries) that arrive together.
    let recorded = blocking(&state, move |conn, state| {
        state.commits.write(conn, move |conn| Ok::<_, crate::error::AppError>(crate::audit::record(conn, &entry)?))
    });
    match recorded.await {
        Ok(()) => Ok(response),
        Err(error) => {
            let (request, _) = response.into_parts();
            Ok(ServiceResponse::new(request, actix_web::ResponseError::error_response(&error)))
        }
    }
}
