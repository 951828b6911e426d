//! The outbox as administrators see it: every mail and its delivery state (failed ones first
//! of interest), and sending a failed mail again once its cause is fixed.

use actix_web::{get, post, web};
use uuid::Uuid;

use super::extract::CurrentUser;
use crate::error::{AppError, Problem};
use crate::notify::{self, Delivery, MailFilter};
use crate::shell::{AppState, blocking};

/// Mails in the outbox, newest first (administrators only). Mails carry no patient data.
#[utoipa::path(tag = "mail", security(("bearer" = [])), params(MailFilter),
    responses((status = 200, body = Vec<Delivery>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/admin/mail")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<MailFilter>,
) -> Result<web::Json<Vec<Delivery>>, AppError> {
    let filter = filter.into_inner();
    Ok(web::Json(blocking(&state, move |conn, _| notify::mails(conn, &user.0, &filter)).await?))
}

/// Queues a failed mail again, with a fresh count of attempts (administrators only).
#[utoipa::path(tag = "mail", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Delivery), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/admin/mail/{id}/retry")]
pub async fn retry(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Delivery>, AppError> {
    let id = id.into_inner();
    let delivery = blocking(&state, move |conn, _| notify::retry(conn, &user.0, id)).await?;
    state.notifier.wake();
    Ok(web::Json(delivery))
}
