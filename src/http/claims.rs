//! The 加算 evidence through the API: a period's stays with their tiers (care managers: their
//! office's; coordinators: all, or one office's), and the care offices' business calendars.

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, get, put, web};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::extract::{CurrentUser, JsonBody};
use super::write_once;
use crate::business_calendar::{CalendarSettings, OfficeCalendar};
use crate::claims::calendar_settings;
use crate::claims::report::{self, ClaimsReport, Period};
use crate::error::{AppError, Problem};
use crate::shell::{AppState, RequestInfo, blocking};

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimsFormat {
    Json,
    /// UTF-8 with BOM, as Excel opens it.
    Csv,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ClaimsParams {
    /// First day of the period (YYYY-MM-DD).
    pub from: NaiveDate,
    /// Last day of the period, included.
    pub to: NaiveDate,
    /// For coordinators: one care office's stays only.
    pub care_office: Option<Uuid>,
    /// json (default) or csv.
    pub format: Option<ClaimsFormat>,
}

/// The 入院時情報連携加算 and 退院・退所加算 that each stay's records support (docs/claims.md):
/// every stay with a care office admitted or discharged in the period, by admission date. Care
/// managers get their office's stays (with the clients' names); coordinators all offices'
/// (without names), or one office's with `care_office`.
#[utoipa::path(tag = "claims", security(("bearer" = [])), params(ClaimsParams),
    responses((status = 200, description = "JSON, or CSV as `format` asks",
                content((ClaimsReport = "application/json"), (String = "text/csv"))),
              (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/claims", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: web::Query<ClaimsParams>,
) -> Result<HttpResponse, AppError> {
    let params = params.into_inner();
    let period = Period::new(params.from, params.to)?;
    let claims = blocking(&state, move |conn, state| {
        report::for_principal(conn, &user.0, &state.rules, period, params.care_office)
    })
    .await?;
    Ok(match params.format.unwrap_or(ClaimsFormat::Json) {
        ClaimsFormat::Json => HttpResponse::Ok().json(claims),
        ClaimsFormat::Csv => {
            let body = report::csv_file(&claims)?;
            HttpResponse::Ok()
                .content_type(crate::spreadsheet::Encoding::Utf8.content_type())
                .insert_header((
                    "Content-Disposition",
                    format!("attachment; filename=\"claims-{}-{}.csv\"", period.from, period.to),
                ))
                .body(body)
        }
    })
}

/// A care office's business calendar (営業日・営業時間): what the 入院時情報連携加算 and the
/// admission-sheet deadline count on. `set` is false while the default applies.
#[utoipa::path(tag = "claims", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = OfficeCalendar), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/facilities/{id}/calendar")]
pub async fn get_calendar(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<OfficeCalendar>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(blocking(&state, move |conn, state| calendar_settings::get(conn, &user.0, &state.rules, id)).await?))
}

/// Sets a care office's business calendar: by the office's own users or an administrator.
#[utoipa::path(tag = "claims", security(("bearer" = [])), params(("id" = Uuid, Path)), request_body = CalendarSettings,
    responses((status = 200, body = OfficeCalendar), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[put("/facilities/{id}/calendar")]
pub async fn set_calendar(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    body: JsonBody<CalendarSettings>,
) -> Result<HttpResponse, AppError> {
    let (id, JsonBody(settings, _)) = (id.into_inner(), body);
    write_once(
        &state,
        user.0,
        info,
        None,
        StatusCode::OK,
        |_| None,
        move |conn, state, principal| calendar_settings::set(conn, principal, &state.rules, id, &settings),
    )
    .await
}
