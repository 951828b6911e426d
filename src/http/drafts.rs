//! Drafts through the API: care software (or a script) starts a form prefilled with what Renkei
//! knows, saves it as it goes, and sends it as `POST /api/v1/documents` would.

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::{CurrentUser, JsonBody};
use super::write_once;
use crate::documents::DocumentSummary;
use crate::drafts::{self, Draft, Start};
use crate::error::{AppError, Problem};
use crate::forms::DocumentKind;
use crate::shell::{AppState, RequestInfo, blocking};

/// What a new draft is about: a stay, a client (for an admission sheet whose stay the hospital
/// has not registered yet), or a document the caller's facility received; one of the three.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartDraft {
    pub kind: DocumentKind,
    pub episode_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    /// A received document this one answers (the stay is that document's).
    pub reply_to_document_id: Option<Uuid>,
    /// Start from the facility's previous document of this kind for the same client, where the
    /// kind allows it (the 入院時情報提供書), leaving out what belongs to the earlier stay.
    #[serde(default)]
    pub copy_previous: bool,
}

/// A draft saved as it stands (not validated until it is sent).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveDraft {
    #[schema(value_type = Object)]
    pub payload: Value,
    /// Where it will go, when the draft lets one be chosen; default: as it was.
    pub recipient_facility_id: Option<Uuid>,
}

/// Starts a draft for the caller's facility, prefilled from the client record (氏名, フリガナ,
/// 生年月日, 性別, 要介護度), the stay (入院日, the other facility), the caller and their
/// facility (name, telephone, FAX), and, for a reply, the document answered.
#[utoipa::path(tag = "drafts", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)")), request_body = StartDraft,
    responses((status = 201, body = Draft), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/drafts", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn start(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    body: JsonBody<StartDraft>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(request, keyed) = body;
    let StartDraft { kind, episode_id, client_id, reply_to_document_id, copy_previous } = request;
    let start = match (episode_id, client_id, reply_to_document_id) {
        (None, None, Some(document_id)) => Start::Reply { kind, document_id, copy_previous },
        (Some(_), None, None) | (None, Some(_), None) => Start::New { kind, episode_id, client_id, copy_previous },
        _ => {
            return Err(AppError::invalid(
                "/episode_id",
                "one_of",
                "episode_id、client_id、reply_to_document_id のどれか一つを指定してください",
            ));
        }
    };
    let location = |d: &Draft| Some(format!("/api/v1/drafts/{}", d.id));
    write_once(&state, user.0, info, keyed, StatusCode::CREATED, location, move |conn, state, principal| {
        drafts::start(conn, &state.schemas, principal, start)
    })
    .await
}

/// The caller's facility's drafts, the most recently saved first.
#[utoipa::path(tag = "drafts", security(("bearer" = [])),
    responses((status = 200, body = Vec<Draft>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/drafts", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn list(state: web::Data<AppState>, user: CurrentUser) -> Result<web::Json<Vec<Draft>>, AppError> {
    Ok(web::Json(blocking(&state, move |conn, _| drafts::list(conn, &user.0)).await?))
}

/// One draft of the caller's facility (another facility's: 404).
#[utoipa::path(tag = "drafts", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Draft), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/drafts/{id}", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Draft>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(blocking(&state, move |conn, _| drafts::get(conn, &user.0, id)).await?))
}

/// Saves a draft as it stands: nothing is validated until it is sent, so a form half filled in
/// is kept as it is.
#[utoipa::path(tag = "drafts", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = SaveDraft,
    responses((status = 200, body = Draft), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[put("/drafts/{id}", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    body: JsonBody<SaveDraft>,
) -> Result<HttpResponse, AppError> {
    let (id, JsonBody(SaveDraft { payload, recipient_facility_id }, _)) = (id.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        None,
        StatusCode::OK,
        |_| None,
        move |conn, _, principal| {
            drafts::save(conn, principal, id, &payload, recipient_facility_id)?;
            drafts::get(conn, principal, id)
        },
    )
    .await
}

/// Throws a draft away (its attached files with it).
#[utoipa::path(tag = "drafts", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[delete("/drafts/{id}", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn discard(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    write_once(
        &state,
        user.0,
        info,
        None,
        StatusCode::NO_CONTENT,
        |_| None,
        move |conn, _, principal| drafts::discard(conn, principal, id),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sends a draft as it was last saved, exactly as `POST /api/v1/documents` would send it (or, for
/// a draft amending a document, as a new revision): validated against its schema and the stay,
/// 422 with every error by pointer (the draft stays as it was), 201 with the document; the draft
/// is then gone.
#[utoipa::path(tag = "drafts", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)"), ("id" = Uuid, Path)),
    responses((status = 201, body = DocumentSummary), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/drafts/{id}/send", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn send(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    keyed: super::extract::IdempotencyKey,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let location = |d: &DocumentSummary| Some(format!("/api/v1/documents/{}", d.id));
    let answer =
        write_once(&state, user.0, info, keyed.0, StatusCode::CREATED, location, move |conn, state, principal| {
            drafts::send(conn, &state.schemas, &state.notifier, principal, id)
        })
        .await?;
    state.notifier.wake();
    Ok(answer)
}
