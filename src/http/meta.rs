//! Health, the OpenAPI document, the published schemas, the caller, and the directory.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::extract::CurrentUser;
use crate::directory::{Facility, FacilityKind, Role};
use crate::error::{AppError, Problem};
use crate::forms::DocumentKind;
use crate::shell::{AppState, blocking};

/// 200 when the database answers.
#[utoipa::path(tag = "meta", responses((status = 200, description = "The database answers"), (status = 503, description = "The database does not answer")))]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let answered = blocking(&state, |conn, _| {
        use diesel::connection::SimpleConnection;
        conn.batch_execute("SELECT 1").map_err(AppError::from)
    })
    .await;
    match answered {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(_) => HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "database unavailable"})),
    }
}

/// This document.
#[utoipa::path(tag = "meta", responses((status = 200, description = "The OpenAPI 3.1 document")))]
#[get("/api/openapi.json")]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(state.openapi.clone())
}

#[derive(Serialize, ToSchema)]
pub struct SchemaInfo {
    pub kind: DocumentKind,
    pub version: u32,
    /// The schema's `$id`.
    pub id: String,
    pub title: String,
    /// Where to fetch it.
    pub url: String,
    /// Whether new documents of this kind are written under this version by default.
    pub latest: bool,
}

/// The published form schemas (JSON Schema 2020-12).
#[utoipa::path(tag = "schemas", responses((status = 200, body = Vec<SchemaInfo>)))]
#[get("/schemas")]
pub async fn list_schemas(state: web::Data<AppState>) -> web::Json<Vec<SchemaInfo>> {
    let schemas = &state.schemas;
    web::Json(
        schemas
            .all()
            .iter()
            .map(|s| SchemaInfo {
                kind: s.kind,
                version: s.version,
                id: s.id.clone(),
                title: s.title.clone(),
                url: format!("/api/v1/schemas/{}/{}", s.kind.as_str(), s.version),
                latest: schemas.latest(s.kind).is_some_and(|l| l.version == s.version),
            })
            .collect(),
    )
}

/// One schema, exactly as published.
#[utoipa::path(
    tag = "schemas",
    params(("kind" = DocumentKind, Path), ("version" = u32, Path)),
    responses((status = 200, description = "The JSON Schema", content_type = "application/schema+json"), (status = 404, body = Problem))
)]
#[get("/schemas/{kind}/{version}")]
pub async fn get_schema(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (kind, version) = path.into_inner();
    let version =
        version.strip_prefix('v').unwrap_or(&version).parse::<u32>().map_err(|_| AppError::NotFound("schema"))?;
    let kind: DocumentKind = kind.parse().map_err(|_| AppError::NotFound("schema"))?;
    let schema = state.schemas.get(kind, version).ok_or(AppError::NotFound("schema"))?;
    Ok(HttpResponse::Ok().content_type("application/schema+json").json(&schema.document))
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: Uuid,
    pub role: Role,
    pub role_label: String,
    pub facility: Facility,
}

/// Who the token belongs to.
#[utoipa::path(tag = "directory", security(("bearer" = [])), responses((status = 200, body = Me), (status = 401, body = Problem)))]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> Result<web::Json<Me>, AppError> {
    let principal = user.0;
    let facility = blocking(&state, move |conn, _| crate::directory::get(conn, principal.facility_id)).await?;
    Ok(web::Json(Me {
        user_id: principal.user_id,
        role: principal.role,
        role_label: principal.role.label().into(),
        facility,
    }))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FacilityFilter {
    /// Only facilities of this kind.
    pub kind: Option<FacilityKind>,
}

/// The facility directory with contact windows (no client data).
#[utoipa::path(tag = "directory", security(("bearer" = [])), params(FacilityFilter), responses((status = 200, body = Vec<Facility>), (status = 401, body = Problem)))]
#[get("/facilities")]
pub async fn list_facilities(
    state: web::Data<AppState>,
    _user: CurrentUser,
    filter: web::Query<FacilityFilter>,
) -> Result<web::Json<Vec<Facility>>, AppError> {
    let kind = filter.into_inner().kind;
    Ok(web::Json(blocking(&state, move |conn, _| crate::directory::list(conn, kind)).await?))
}
