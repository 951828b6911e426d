//! The municipalities of a region: the codes the survey, the client records and the import files
//! name, with the handbook rules each has had in force; kept by administrators.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, put, web};

use super::extract::{CurrentUser, JsonBody};
use super::write_once;
use crate::admin::municipalities::{self, MunicipalityView};
use crate::error::{AppError, Problem};
use crate::municipalities::MunicipalityInput;
use crate::shell::{AppState, RequestInfo, blocking};

/// Every municipality with its rule history (no client data).
#[utoipa::path(tag = "directory", security(("bearer" = [])), responses((status = 200, body = Vec<MunicipalityView>), (status = 401, body = Problem)))]
#[get("/municipalities")]
pub async fn list(
    state: web::Data<AppState>,
    _user: CurrentUser,
) -> Result<web::Json<Vec<MunicipalityView>>, AppError> {
    Ok(web::Json(blocking(&state, move |conn, _| municipalities::list(conn)).await?))
}

/// Registers a municipality by its code, or renames it; `rules` enters that rule set in its
/// history from `rules_from` (none: from the start). Administrators only.
#[utoipa::path(tag = "directory", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer (docs/api.md)"), ("code" = String, Path, description = "The municipality's code (全国地方公共団体コード, e.g. 022039)")), request_body = MunicipalityInput,
    responses((status = 200, body = MunicipalityView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/municipalities/{code}")]
pub async fn save(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    code: web::Path<String>,
    body: JsonBody<MunicipalityInput>,
) -> Result<HttpResponse, AppError> {
    let (code, JsonBody(input, keyed)) = (code.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        keyed,
        StatusCode::OK,
        |_| None,
        move |conn, _, principal| municipalities::save(conn, principal, &code, &input),
    )
    .await
}
