//! The coordinator's dashboard: the connection survey (docs/survey.md) for a chosen period and
//! grouping, its charts (the same SVG as the HTML report), and the downloads a city hands in:
//! CSV (UTF-8 with BOM or Shift_JIS) and the self-contained HTML report.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use super::pages::{Frame, PageError, render, render_with};
use super::visitor::SignedIn;
use crate::directory::Role;
use crate::error::{AppError, FieldError};
use crate::shell::{AppState, blocking};
use crate::survey::charts::{self, LEAD_COLOURS, lead_counts, percent};
use crate::survey::periods::{self, wareki};
use crate::survey::report::{Encoding, Format};
use crate::survey::{self, AdmissionFigures, DischargeFigures, GroupBy, SurveyQuery, SurveyResult};

/// What the visitor chose: a fiscal year, or dates; a grouping. Every field is text, so that a
/// blank or mistyped value is answered next to its field rather than with a bare 400.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Choice {
    fiscal_year: Option<String>,
    from: Option<String>,
    to: Option<String>,
    group_by: Option<String>,
    /// For the CSV: `utf-8` (default) or `shift_jis`.
    encoding: Option<String>,
}

const GROUPINGS: [GroupBy; 6] = [
    GroupBy::Hospital,
    GroupBy::CareOffice,
    GroupBy::Month,
    GroupBy::Area,
    GroupBy::CareLevel,
    GroupBy::HospitalInCity,
];

fn blank(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// The survey query the choice means; the current fiscal year when nothing is chosen.
fn query_of(choice: &Choice) -> Result<SurveyQuery, Vec<FieldError>> {
    let mut errors = Vec::new();
    let group_by = match blank(choice.group_by.as_ref()) {
        None => None,
        Some(text) => text.parse::<GroupBy>().map(Some).unwrap_or_else(|_| {
            errors.push(FieldError::new("/group_by", "enum", "集計の区分を一覧から選んでください"));
            None
        }),
    };
    let date = |name: &str, value: Option<&String>, errors: &mut Vec<FieldError>| match blank(value) {
        None => {
            errors.push(FieldError::new(format!("/{name}"), "required", "日付を入力してください"));
            None
        }
        Some(text) => text
            .parse::<NaiveDate>()
            .map_err(|_| {
                errors.push(FieldError::new(format!("/{name}"), "format", "日付は 2025-04-01 の形で入力してください"));
            })
            .ok(),
    };
    let (from, to, fiscal_year) = if blank(choice.from.as_ref()).is_some() || blank(choice.to.as_ref()).is_some() {
        (date("from", choice.from.as_ref(), &mut errors), date("to", choice.to.as_ref(), &mut errors), None)
    } else {
        let year = match blank(choice.fiscal_year.as_ref()) {
            None => Some(periods::fiscal_year_of(crate::calendar::today())),
            Some(text) => text.parse::<i32>().ok().filter(|y| (1900..=2200).contains(y)).or_else(|| {
                errors.push(FieldError::new("/fiscal_year", "enum", "年度を一覧から選んでください"));
                None
            }),
        };
        (None, None, year)
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    SurveyQuery::new(from, to, fiscal_year, group_by).map_err(|error| match error {
        AppError::Invalid(errors) => errors,
        other => vec![FieldError::new("/from", "period", other.to_string())],
    })
}

/// The figures of one line, formatted for the page: rates as 「12.3%」 or 「—」.
#[derive(Debug, Serialize)]
struct Line {
    key: String,
    label: String,
    admission: AdmissionFigures,
    admission_rate: String,
    discharge: DischargeFigures,
    discharge_rate: String,
    on_time_rate: String,
}

fn line(key: &str, label: &str, admission: &AdmissionFigures, discharge: &DischargeFigures) -> Line {
    Line {
        key: key.to_owned(),
        label: label.to_owned(),
        admission: admission.clone(),
        admission_rate: percent(admission.rate),
        discharge: discharge.clone(),
        discharge_rate: percent(discharge.rate),
        on_time_rate: percent(discharge.on_time_rate),
    }
}

/// One bucket of a distribution: its name, count and share of the cohort.
#[derive(Debug, Serialize)]
struct Bucket {
    name: &'static str,
    count: i64,
    share: String,
}

fn share(count: i64, cohort: i64) -> String {
    percent((cohort > 0).then(|| count as f64 / cohort as f64))
}

fn lead_time(discharge: &DischargeFigures) -> Vec<Bucket> {
    lead_counts(discharge)
        .into_iter()
        .zip(LEAD_COLOURS)
        .map(|(count, (name, _))| Bucket { name, count, share: share(count, discharge.cohort) })
        .collect()
}

fn admission_timing(admission: &AdmissionFigures) -> Vec<Bucket> {
    let t = &admission.timing;
    [
        ("入院日まで", t.same_day),
        ("2〜3日目", t.day_2_3),
        ("4日目以降", t.later),
        ("日付不明", t.unknown),
        ("連絡なし", t.none),
    ]
    .into_iter()
    .map(|(name, count)| Bucket { name, count, share: share(count, admission.cohort) })
    .collect()
}

/// 「令和7年度（2025年度）」.
fn fiscal_year_option(year: i32) -> String {
    format!("{}（{year}年度）", periods::fiscal_year_label(year))
}

/// The period as the page names it, in 和暦.
fn period_label(result: &SurveyResult) -> String {
    let days = format!("{}〜{}", wareki(result.period.from), wareki(result.period.to));
    match result.period.fiscal_year {
        Some(year) => format!("{}：{days}", fiscal_year_option(year)),
        None => days,
    }
}

/// The query string of the downloads: the same period and grouping as the page.
fn download_query(query: &SurveyQuery) -> String {
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    pairs.append_pair("from", &query.from.to_string()).append_pair("to", &query.to.to_string());
    if let Some(group_by) = query.group_by {
        pairs.append_pair("group_by", group_by.into());
    }
    pairs.finish()
}

fn require_statistics(visitor: &SignedIn) -> Result<(), AppError> {
    visitor.principal().require(&[Role::Coordinator, Role::Admin], "連絡状況調査の集計")
}

/// The dashboard for the chosen period and grouping (the current fiscal year at first).
#[get("/dashboard")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: SignedIn,
    choice: web::Query<Choice>,
) -> Result<HttpResponse, PageError> {
    require_statistics(&visitor)?;
    let choice = choice.into_inner();
    let frame = Value::from_serialize(Frame::of(&visitor, "/dashboard"));
    let query = query_of(&choice);
    let this_year = periods::fiscal_year_of(crate::calendar::today());
    let wanted = query.as_ref().ok().cloned();
    let (data, first_year) = blocking(&state, move |conn, state| {
        let first = survey::store::first_admission(conn)?.map(periods::fiscal_year_of);
        let data = wanted.map(|q| survey::report_data(conn, &state.rules, &q)).transpose()?;
        Ok((data, first))
    })
    .await?;
    let shown_year = query.as_ref().ok().and_then(|q| q.fiscal_year);
    let oldest = first_year.unwrap_or(this_year).clamp(this_year - 14, this_year);
    let mut years: Vec<i32> = (oldest..=this_year).rev().collect();
    if let Some(year) = shown_year.filter(|y| !years.contains(y)) {
        years.push(year);
    }
    let years: Vec<(i32, String)> = years.into_iter().map(|y| (y, fiscal_year_option(y))).collect();
    let groupings: Vec<(&str, &str)> = GROUPINGS.iter().map(|g| (<&str>::from(*g), g.label())).collect();
    let dates_chosen = blank(choice.from.as_ref()).is_some() || blank(choice.to.as_ref()).is_some();
    let common = context! {
        years, groupings, choice, dates_chosen,
        selected_year => if dates_chosen { None } else { shown_year },
    };
    let query = match query {
        Ok(query) => query,
        Err(errors) => {
            let errors = field_errors(&errors);
            let status = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            return render_with(status, "dashboard/show.html", context! { ..frame, ..common, ..context! { errors } });
        }
    };
    let data = data.ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("dashboard without figures")))?;
    let charts = charts::of(&data);
    let main = &data.main;
    let mut lines = vec![line("", "全体", &main.admission, &main.discharge)];
    lines.extend(main.groups.iter().map(|g| line(&g.key, &g.label, &g.admission, &g.discharge)));
    render(
        "dashboard/show.html",
        context! {
            ..frame,
            ..common,
            ..context! {
                period => period_label(main),
                rules => Value::from_serialize(&main.rules),
                total => lines.first().map(Value::from_serialize),
                groups => query.group_by.and(lines.get(1..)).map(Value::from_serialize),
                group_label => query.group_by.map(GroupBy::label),
                lead_time => lead_time(&main.discharge),
                admission_timing => admission_timing(&main.admission),
                chart_lead => Value::from_safe_string(charts.lead_time_by_hospital),
                chart_months => Value::from_safe_string(charts.rates_by_month),
                chart_years => Value::from_safe_string(charts.rates_by_fiscal_year),
                download => download_query(&query),
            }
        },
    )
}

fn field_errors(errors: &[FieldError]) -> std::collections::HashMap<String, String> {
    errors.iter().map(|e| (e.pointer.trim_start_matches('/').to_owned(), e.message.clone())).collect()
}

fn download(rendered: survey::report::Rendered, file_name: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(rendered.content_type)
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{file_name}\"")))
        .body(rendered.body)
}

async fn produce(
    state: web::Data<AppState>,
    visitor: SignedIn,
    choice: Choice,
    format: Format,
) -> Result<HttpResponse, PageError> {
    require_statistics(&visitor)?;
    let query = query_of(&choice).map_err(AppError::Invalid)?;
    let encoding = match choice.encoding.as_deref() {
        Some("shift_jis") => Encoding::ShiftJis,
        _ => Encoding::Utf8,
    };
    let rendered =
        blocking(&state, move |conn, state| survey::produce(conn, &state.rules, &query, format, encoding)).await?;
    let file_name = match encoding {
        Encoding::ShiftJis => rendered.file_name.replace(".csv", "-sjis.csv"),
        Encoding::Utf8 => rendered.file_name.clone(),
    };
    Ok(download(rendered, file_name))
}

/// The figures as a CSV file that Excel opens (UTF-8 with BOM, or `encoding=shift_jis`).
#[get("/dashboard/survey.csv")]
pub async fn csv(
    state: web::Data<AppState>,
    visitor: SignedIn,
    choice: web::Query<Choice>,
) -> Result<HttpResponse, PageError> {
    produce(state, visitor, choice.into_inner(), Format::Csv).await
}

/// The self-contained HTML report, as a file to keep or hand in (it keeps its own inline style,
/// which the server's default CSP allows for it).
#[get("/dashboard/report.html")]
pub async fn report(
    state: web::Data<AppState>,
    visitor: SignedIn,
    choice: web::Query<Choice>,
) -> Result<HttpResponse, PageError> {
    produce(state, visitor, choice.into_inner(), Format::Html).await
}
