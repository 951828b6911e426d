//! The outbox as administrators see it: every mail and its delivery state (failed ones first
//! of interest), and sending a failed mail again once its cause is fixed.

use actix_web::{get, post, web};
use serde::Deserialize;
use uuid::Uuid;

use super::extract::CurrentUser;
use crate::directory::Role;
use crate::error::{AppError, Problem};
use crate::notify::outbox::{self, Delivery, MailState};
use crate::shell::{AppState, blocking};

/// Which mails to list.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MailFilter {
    /// queued, sending, delivered or failed; all when absent.
    pub state: Option<MailState>,
    /// At most this many (default 100, at most 500).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Mails in the outbox, newest first (administrators only). Mails carry no patient data.
#[utoipa::path(tag = "mail", security(("bearer" = [])), params(MailFilter),
    responses((status = 200, body = Vec<Delivery>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/admin/mail")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<MailFilter>,
) -> Result<web::Json<Vec<Delivery>>, AppError> {
    user.0.require(&[Role::Admin], "送信メールの一覧")?;
    let filter = filter.into_inner();
    let (limit, offset) = (filter.limit.unwrap_or(100).clamp(1, 500), filter.offset.unwrap_or(0).max(0));
    Ok(web::Json(blocking(&state, move |conn, _| Ok(outbox::list(conn, filter.state, limit, offset)?)).await?))
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
    user.0.require(&[Role::Admin], "メールの再送")?;
    let id = id.into_inner();
    let delivery = blocking(&state, move |conn, _| {
        crate::db::write(conn, |conn| {
            if !outbox::retry(conn, id, crate::calendar::now())? {
                return match outbox::get(conn, id)? {
                    Some(_) => Err(AppError::Conflict("配信失敗のメールだけを再送できます".into())),
                    None => Err(AppError::NotFound("mail")),
                };
            }
            outbox::get(conn, id)?.ok_or(AppError::NotFound("mail"))
        })
    })
    .await?;
    state.notifier.wake();
    Ok(web::Json(delivery))
}
