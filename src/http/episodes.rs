//! Hospital stays: admission, discharge, and contacts made outside Renkei.

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, get, post, web};
use uuid::Uuid;

use super::extract::{CurrentUser, JsonBody};
use super::write_once;
use crate::contacts::withdrawal::ContactWithdrawal;
use crate::contacts::{self, Contact, NewContact};
use crate::episodes::assignment::CareAssignment;
use crate::episodes::correction::DischargeWithdrawal;
use crate::episodes::{self, Discharge, Episode, NewAdmission, PlannedDischarge};
use crate::error::{AppError, Problem};
use crate::shell::{AppState, RequestInfo, blocking};
use crate::timeline::{self, EpisodeDetail};
use actix_web::http::StatusCode;

/// A hospital registers an admission; a known client (care-insurance number and birth date)
/// brings their care office and care manager.
#[utoipa::path(tag = "episodes", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)")), request_body = NewAdmission,
    responses((status = 201, body = EpisodeDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/episodes", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn register(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    body: JsonBody<NewAdmission>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(admission, keyed) = body;
    let location = |e: &EpisodeDetail| Some(format!("/api/v1/episodes/{}", e.episode.id));
    write_once(&state, user.0, info, keyed, StatusCode::CREATED, location, move |conn, _, principal| {
        timeline::register_admission(conn, principal, admission)
    })
    .await
}

/// The stays the caller's facility takes part in, newest admission first.
#[utoipa::path(tag = "episodes", security(("bearer" = [])), responses((status = 200, body = Vec<Episode>), (status = 401, body = Problem)))]
#[get("/episodes", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn list(state: web::Data<AppState>, user: CurrentUser) -> Result<web::Json<Vec<Episode>>, AppError> {
    Ok(web::Json(blocking(&state, move |conn, _| episodes::list(conn, &user.0)).await?))
}

/// One stay with its documents and contacts.
#[utoipa::path(tag = "episodes", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = EpisodeDetail), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/episodes/{id}", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<EpisodeDetail>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(blocking(&state, move |conn, _| timeline::detail(conn, &user.0, id)).await?))
}

/// The hospital records the discharge (date and destination, death included).
#[utoipa::path(tag = "episodes", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)"), ("id" = Uuid, Path)), request_body = Discharge,
    responses((status = 200, body = EpisodeDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/episodes/{id}/discharge", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn discharge(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    body: JsonBody<Discharge>,
) -> Result<HttpResponse, AppError> {
    let (id, JsonBody(discharge, keyed)) = (id.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        keyed,
        StatusCode::OK,
        |_| None,
        move |conn, _, principal| timeline::record_discharge(conn, principal, id, discharge),
    )
    .await
}

/// The hospital withdraws a discharge recorded by mistake, with a reason: the patient is in
/// hospital again; the correction is kept on the stay (`discharge_corrections`).
#[utoipa::path(tag = "episodes", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)"), ("id" = Uuid, Path)), request_body = DischargeWithdrawal,
    responses((status = 200, body = EpisodeDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/episodes/{id}/discharge/withdrawal", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn withdraw_discharge(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    body: JsonBody<DischargeWithdrawal>,
) -> Result<HttpResponse, AppError> {
    let (id, JsonBody(withdrawal, keyed)) = (id.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        keyed,
        StatusCode::OK,
        |_| None,
        move |conn, _, principal| timeline::withdraw_discharge(conn, principal, id, withdrawal),
    )
    .await
}

/// The hospital sets, changes or clears (null) the planned discharge date of a stay not yet
/// ended; the discharge-notice reminder follows the date in force.
#[utoipa::path(tag = "episodes", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)"), ("id" = Uuid, Path)), request_body = PlannedDischarge,
    responses((status = 200, body = EpisodeDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/episodes/{id}/planned-discharge", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn plan_discharge(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    body: JsonBody<PlannedDischarge>,
) -> Result<HttpResponse, AppError> {
    let (id, JsonBody(plan, keyed)) = (id.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        keyed,
        StatusCode::OK,
        |_| None,
        move |conn, _, principal| timeline::plan_discharge(conn, principal, id, plan),
    )
    .await
}

/// A 地域包括支援センター taking part in the stay assigns its care office and, if known, its care
/// manager (pathway B: a patient without one). The stay, and the client if no office holds
/// them, have them from then on; the assignment is kept with its date.
#[utoipa::path(tag = "episodes", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)"), ("id" = Uuid, Path)), request_body = CareAssignment,
    responses((status = 200, body = EpisodeDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/episodes/{id}/care-assignment", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn assign_care(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    body: JsonBody<CareAssignment>,
) -> Result<HttpResponse, AppError> {
    let (id, JsonBody(assignment, keyed)) = (id.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        keyed,
        StatusCode::OK,
        |_| None,
        move |conn, _, principal| timeline::assign_care(conn, principal, id, assignment),
    )
    .await
}

/// Records a contact made by phone, FAX, visit, mail, video or conference.
#[utoipa::path(tag = "episodes", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)"), ("id" = Uuid, Path)), request_body = NewContact,
    responses((status = 201, body = Contact), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/episodes/{id}/contacts", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn record_contact(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    body: JsonBody<NewContact>,
) -> Result<HttpResponse, AppError> {
    let (id, JsonBody(contact, keyed)) = (id.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        keyed,
        StatusCode::CREATED,
        |_| None,
        move |conn, _, principal| contacts::record(conn, principal, id, contact),
    )
    .await
}

/// Withdraws a contact that the caller's facility recorded by mistake, with a reason: it stays on
/// the stay's record, marked, and counts for nothing (the survey's figures follow).
#[utoipa::path(tag = "episodes", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)"), ("id" = Uuid, Path), ("contact_id" = Uuid, Path)), request_body = ContactWithdrawal,
    responses((status = 200, body = Contact), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/episodes/{id}/contacts/{contact_id}/withdrawal", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn withdraw_contact(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    path: web::Path<(Uuid, Uuid)>,
    body: JsonBody<ContactWithdrawal>,
) -> Result<HttpResponse, AppError> {
    let ((id, contact_id), JsonBody(withdrawal, keyed)) = (path.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        keyed,
        StatusCode::OK,
        |_| None,
        move |conn, _, principal| contacts::withdraw(conn, principal, id, contact_id, &withdrawal),
    )
    .await
}
