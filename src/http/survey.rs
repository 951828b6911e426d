//! The connection survey for coordinators.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::Deserialize;

use super::extract::CurrentUser;
use crate::error::{AppError, Problem};
use crate::shell::{AppState, blocking};
use crate::survey::report::{Encoding, Format};
use crate::survey::{self, GroupBy, SurveyQuery, SurveyResult};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SurveyParams {
    /// First day of the period (YYYY-MM-DD); with `to`, or use `fiscal_year`.
    pub from: Option<NaiveDate>,
    /// Last day of the period, included.
    pub to: Option<NaiveDate>,
    /// A fiscal year: 2025 is 令和7年度, 2025-04-01 to 2026-03-31.
    pub fiscal_year: Option<i32>,
    pub group_by: Option<GroupBy>,
    /// Only the stays of this municipality's clients (its code), judged by its rules.
    pub municipality: Option<String>,
    /// json (default), csv or html.
    pub format: Option<Format>,
    /// For csv: utf-8 (with BOM, default) or shift_jis.
    pub encoding: Option<Encoding>,
}

/// Notification rates and lead times for a period (docs/survey.md), under the handbook rules in
/// force. For coordinators and administrators.
#[utoipa::path(tag = "survey", security(("bearer" = [])), params(SurveyParams),
    responses((status = 200, description = "JSON (schemas/survey/v4.json), CSV or HTML, as `format` asks",
                content((SurveyResult = "application/json"), (String = "text/csv"), (String = "text/html"))),
              (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/survey")]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    params: web::Query<SurveyParams>,
) -> Result<HttpResponse, AppError> {
    let params = params.into_inner();
    let query = SurveyQuery::new(params.from, params.to, params.fiscal_year, params.group_by)
        .map(|query| query.of_municipality(params.municipality));
    let format = params.format.unwrap_or(Format::Json);
    let encoding = params.encoding.unwrap_or(Encoding::Utf8);
    let rendered =
        blocking(&state, move |conn, state| survey::produce_for(conn, &user.0, &state.rules, query, format, encoding))
            .await?;
    Ok(HttpResponse::Ok()
        .content_type(rendered.content_type)
        .insert_header(("Content-Disposition", format!("inline; filename=\"{}\"", rendered.file_name)))
        .body(rendered.body))
}
