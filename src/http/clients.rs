//! Clients (利用者) of the caller's facility and of the stays it takes part in.

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, get, post, put, web};
use uuid::Uuid;

use super::extract::{CurrentUser, JsonBody};
use super::write_once;
use crate::clients::care_levels::CareLevelEntry;
use crate::clients::correction::Correction;
use crate::clients::{self, Client, NewClient};
use crate::error::{AppError, Problem};
use crate::shell::{AppState, RequestInfo, blocking};
use actix_web::http::StatusCode;

/// A care manager registers a client of their care office.
#[utoipa::path(tag = "clients", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)")), request_body = NewClient,
    responses((status = 201, body = Client), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/clients", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn register(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    body: JsonBody<NewClient>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(new, keyed) = body;
    let location = |c: &Client| Some(format!("/api/v1/clients/{}", c.id));
    write_once(&state, user.0, info, keyed, StatusCode::CREATED, location, move |conn, _, principal| {
        clients::register(conn, principal, new)
    })
    .await
}

/// The clients the caller's facility may see.
#[utoipa::path(tag = "clients", security(("bearer" = [])), responses((status = 200, body = Vec<Client>), (status = 401, body = Problem)))]
#[get("/clients", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn list(state: web::Data<AppState>, user: CurrentUser) -> Result<web::Json<Vec<Client>>, AppError> {
    Ok(web::Json(blocking(&state, move |conn, _| clients::list(conn, &user.0)).await?))
}

/// One client.
#[utoipa::path(tag = "clients", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Client), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/clients/{id}", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Client>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(blocking(&state, move |conn, _| clients::get(conn, &user.0, id)).await?))
}

/// Corrects a client's record (氏名, フリガナ, 生年月日, 性別, 被保険者番号) with a reason: the care
/// office that keeps it (another facility of the client's stays: 403). The identity before is
/// kept; sheets sent before keep what they said; sheets sent after must agree with the record.
#[utoipa::path(tag = "clients", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and corrects nothing twice (docs/api.md)"), ("id" = Uuid, Path)), request_body = Correction,
    responses((status = 200, body = Client), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[put("/clients/{id}", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn correct(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    body: JsonBody<Correction>,
) -> Result<HttpResponse, AppError> {
    let (id, JsonBody(correction, keyed)) = (id.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        keyed,
        StatusCode::OK,
        |_| None,
        move |conn, _, principal| clients::correction::correct(conn, principal, id, correction),
    )
    .await
}

/// Records the client's 要介護度 from a day on (a new certification, a 区分変更): the care office
/// that keeps the record. Answers the levels on record, the latest first; the client's current
/// level is the latest.
#[utoipa::path(tag = "clients", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and records nothing twice (docs/api.md)"), ("id" = Uuid, Path)), request_body = CareLevelEntry,
    responses((status = 201, body = Vec<CareLevelEntry>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/clients/{id}/care-levels", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn record_care_level(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    body: JsonBody<CareLevelEntry>,
) -> Result<HttpResponse, AppError> {
    let (id, JsonBody(entry, keyed)) = (id.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        keyed,
        StatusCode::CREATED,
        |_| None,
        move |conn, _, principal| clients::care_levels::record(conn, principal, id, entry),
    )
    .await
}
