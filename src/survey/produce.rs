//! The survey as its readers get it: JSON, CSV and the HTML report for coordinators and
//! administrators, and the dashboard's figures.

use chrono::NaiveDate;

use super::rules::RuleSet;
use super::{Extent, GroupBy, SurveyQuery, SurveyResult, compute, compute_extent, periods, report, store};
use crate::db::DbConnection;
use crate::error::AppError;

/// What the report shows: the survey, and the same period broken down by hospital and by month,
/// and the fiscal years side by side.
pub struct ReportData {
    pub main: SurveyResult,
    pub by_hospital: SurveyResult,
    pub by_month: SurveyResult,
    pub by_fiscal_year: Vec<(String, SurveyResult)>,
}

/// Only coordinators and administrators see the survey.
fn require_statistics(principal: &crate::auth::Principal) -> Result<(), AppError> {
    principal.require(&[crate::directory::Role::Coordinator, crate::directory::Role::Admin], "連絡状況調査の集計")
}

/// What a coordinator may see of the region: a coordinator of a city facility located in a
/// municipality sees that municipality's clients (whether asked or not, and nothing of another
/// municipality); a coordinator of the region (a facility of no municipality) and administrators
/// see any.
fn scoped(
    conn: &mut DbConnection,
    principal: &crate::auth::Principal,
    query: SurveyQuery,
) -> Result<SurveyQuery, AppError> {
    if principal.role != crate::directory::Role::Coordinator {
        return Ok(query);
    }
    let Some(own) = crate::directory::store::municipality_of(conn, principal.facility_id)? else {
        return Ok(query);
    };
    match query.municipality.as_deref() {
        Some(asked) if asked != own => Err(AppError::Forbidden(format!(
            "市町村 {asked} の集計は見られません（{}の集計だけを見られます）",
            principal.facility_name
        ))),
        _ => Ok(query.of_municipality(Some(own))),
    }
}

/// The survey for a coordinator or administrator, in the format asked for. `query` is the period
/// asked for, or why it could not be read (told only to those who may see the survey).
pub fn produce_for(
    conn: &mut DbConnection,
    principal: &crate::auth::Principal,
    rules: &RuleSet,
    query: Result<SurveyQuery, AppError>,
    format: report::Format,
    encoding: report::Encoding,
) -> Result<report::Rendered, AppError> {
    require_statistics(principal)?;
    let query = scoped(conn, principal, query?)?;
    produce(conn, rules, &query, format, encoding)
}

/// The coordinators' dashboard: the report's figures for the period asked (none when the period
/// could not be read), and the fiscal years its menu offers, newest first: from the year of the
/// first stay on record (at most 15 years back) to this one, and the year shown if older.
pub struct Dashboard {
    pub data: Option<ReportData>,
    pub years: Vec<i32>,
    /// Whether the deployment serves several municipalities (the breakdown by municipality is
    /// then offered).
    pub region: bool,
}

pub fn dashboard(
    conn: &mut DbConnection,
    principal: &crate::auth::Principal,
    rules: &RuleSet,
    query: Option<&SurveyQuery>,
    today: NaiveDate,
) -> Result<Dashboard, AppError> {
    require_statistics(principal)?;
    let this_year = periods::fiscal_year_of(today);
    let first = store::first_admission(conn)?.map(periods::fiscal_year_of);
    let oldest = first.unwrap_or(this_year).clamp(this_year - 14, this_year);
    let mut years: Vec<i32> = (oldest..=this_year).rev().collect();
    if let Some(year) = query.and_then(|q| q.fiscal_year).filter(|y| !years.contains(y)) {
        years.push(year);
    }
    let query = query.map(|q| scoped(conn, principal, q.clone())).transpose()?;
    let data = query.map(|q| report_data(conn, rules, &q)).transpose()?;
    let region = !crate::municipalities::store::all(conn)?.is_empty();
    Ok(Dashboard { data, years, region })
}

/// The survey in the format asked for: JSON and CSV need the figures, the HTML report more.
pub fn produce(
    conn: &mut DbConnection,
    rules: &RuleSet,
    query: &SurveyQuery,
    format: report::Format,
    encoding: report::Encoding,
) -> Result<report::Rendered, AppError> {
    match format {
        report::Format::Json => report::json(&compute(conn, rules, query)?),
        report::Format::Csv => report::csv_file(&compute(conn, rules, query)?, encoding),
        report::Format::Html => Ok(report::html(&report_data(conn, rules, query)?)),
    }
}

/// Everything the HTML report shows: the survey, the same period by hospital and by month, and
/// each fiscal year from the first stay on record (at most the last ten) to the period's end.
pub fn report_data(conn: &mut DbConnection, rules: &RuleSet, query: &SurveyQuery) -> Result<ReportData, AppError> {
    let with = |group_by| SurveyQuery { group_by, ..query.clone() };
    let rates = |conn: &mut DbConnection, query: &SurveyQuery| {
        compute_extent(conn, rules, query, store::Source::Fastest, Extent::RatesOnly)
    };
    let main = compute(conn, rules, query)?;
    let by_hospital = rates(conn, &with(Some(GroupBy::Hospital)))?;
    let by_month = rates(conn, &with(Some(GroupBy::Month)))?;
    let last = periods::fiscal_year_of(query.to);
    let first = store::first_admission(conn)?.map_or(last, periods::fiscal_year_of).max(last - 9);
    let mut by_fiscal_year = Vec::new();
    for year in first..=last {
        let year_query = SurveyQuery::new(None, None, Some(year), None)?.of_municipality(query.municipality.clone());
        by_fiscal_year.push((periods::fiscal_year_label(year), rates(conn, &year_query)?));
    }
    Ok(ReportData { main, by_hospital, by_month, by_fiscal_year })
}
