//! The audit log for administrators: filtered, newest first, as JSON or as CSV for Excel.

use actix_web::{HttpResponse, get, web};

use super::extract::CurrentUser;
use crate::audit::{self, AuditEntry, AuditFilter, Export};
use crate::error::{AppError, Problem};
use crate::shell::{AppState, blocking};

/// Who read or wrote which client data, and who signed in, when and from where (administrators
/// only). Never the payloads.
#[utoipa::path(tag = "audit", security(("bearer" = [])), params(AuditFilter),
    responses((status = 200, body = Vec<AuditEntry>, description = "JSON, or CSV (UTF-8 with BOM) with format=csv"), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/admin/audit")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<AuditFilter>,
) -> Result<HttpResponse, AppError> {
    let filter = filter.into_inner();
    Ok(match blocking(&state, move |conn, _| audit::export(conn, &user.0, &filter)).await? {
        Export::Entries(entries) => HttpResponse::Ok().json(entries),
        Export::Csv(bytes) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", "attachment; filename=\"renkei-audit.csv\""))
            .body(bytes),
    })
}
