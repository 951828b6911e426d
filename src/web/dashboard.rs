//! The coordinator's dashboard: the connection survey (docs/survey.md) for a chosen period and
//! grouping, its charts (the same SVG as the HTML report), and the downloads a city hands in:
//! CSV (UTF-8 with BOM or Shift_JIS) and the self-contained HTML report.

use actix_web::{HttpResponse, get, web};
use minijinja::{Value, context};
use serde::Serialize;

use super::pages::{PageError, by_field, render, render_with};
use super::visitor::SignedIn;
use crate::calendar;
use crate::error::AppError;
use crate::shell::{AppState, blocking};
use crate::survey::charts::{self, LEAD_COLOURS, lead_counts, percent};
use crate::survey::choice::{Choice, GROUPINGS};
use crate::survey::periods::{self, wareki};
use crate::survey::report::{Encoding, Format};
use crate::survey::{self, AdmissionFigures, DischargeFigures, GroupBy, SurveyQuery, SurveyResult};

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

/// The dashboard for the chosen period and grouping (the current fiscal year at first).
#[get("/dashboard")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: SignedIn,
    choice: web::Query<Choice>,
) -> Result<HttpResponse, PageError> {
    let choice = choice.into_inner();
    let frame = Value::from_serialize(visitor.frame("/dashboard"));
    let query = choice.read();
    let (principal, wanted) = (visitor.principal().clone(), query.as_ref().ok().cloned());
    let today = crate::calendar::today();
    let dashboard =
        blocking(&state, move |conn, state| survey::dashboard(conn, &principal, &state.rules, wanted.as_ref(), today))
            .await?;
    let shown_year = query.as_ref().ok().and_then(|q| q.fiscal_year);
    let (data, years) = (dashboard.data, dashboard.years);
    let years: Vec<(i32, String)> = years.into_iter().map(|y| (y, fiscal_year_option(y))).collect();
    let in_region = dashboard.region.then_some(GroupBy::Municipality);
    let groupings: Vec<(&str, &str)> =
        GROUPINGS.iter().copied().chain(in_region).map(|g| (<&str>::from(g), g.label())).collect();
    let dates_chosen = choice.dates_chosen();
    let common = context! {
        years, groupings, choice, dates_chosen,
        selected_year => if dates_chosen { None } else { shown_year },
    };
    let query = match query {
        Ok(query) => query,
        Err(errors) => {
            let errors = by_field(&errors);
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
                municipality_name => main.municipality_name.clone(),
                on_time => main.on_time_words(),
                rules_by_municipality => rules_by_municipality(main),
                total => lines.first().map(Value::from_serialize),
                groups => query.group_by.and(lines.get(1..)).map(Value::from_serialize),
                group_label => query.group_by.map(GroupBy::label),
                lead_time => lead_time(&main.discharge),
                admission_timing => admission_timing(&main.admission),
                chart_lead => Value::from_safe_string(charts.lead_time_by_hospital),
                chart_months => Value::from_safe_string(charts.rates_by_month),
                chart_years => Value::from_safe_string(charts.rates_by_fiscal_year),
                beyond_rates => Value::from_safe_string(survey::html::beyond_rates(main)),
                download => download_query(&query),
            }
        },
    )
}

/// The file: a CSV to save (attachment); the HTML report to open in the browser (inline), from
/// where it prints on A4 or is saved.
fn download(rendered: survey::report::Rendered, file_name: String, format: Format) -> HttpResponse {
    let disposition = if format == Format::Html { "inline" } else { "attachment" };
    HttpResponse::Ok()
        .content_type(rendered.content_type)
        .insert_header(("Content-Disposition", format!("{disposition}; filename=\"{file_name}\"")))
        .body(rendered.body)
}

async fn produce(
    state: web::Data<AppState>,
    visitor: SignedIn,
    choice: Choice,
    format: Format,
) -> Result<HttpResponse, PageError> {
    let query = choice.read().map_err(AppError::Invalid);
    let encoding = match choice.encoding.as_deref() {
        Some("shift_jis") => Encoding::ShiftJis,
        _ => Encoding::Utf8,
    };
    let principal = visitor.principal().clone();
    let rendered = blocking(&state, move |conn, state| {
        survey::produce_for(conn, &principal, &state.rules, query, format, encoding)
    })
    .await?;
    let file_name = match encoding {
        Encoding::ShiftJis => rendered.file_name.replace(".csv", "-sjis.csv"),
        Encoding::Utf8 => rendered.file_name.clone(),
    };
    Ok(download(rendered, file_name, format))
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

/// In a region judged by several rule sets, each in words: whose stays, which rules, which
/// admissions (「階上町：退院7日前ルール（退院連絡は7日前まで）、2025年4月9日までの入院」).
fn rules_by_municipality(result: &survey::SurveyResult) -> Vec<String> {
    if result.judged_under.len() < 2 {
        return Vec::new();
    }
    result
        .judged_under
        .iter()
        .map(|under| {
            let whose = under.municipality_name.clone().unwrap_or_else(|| "市町村の登録のない利用者".into());
            let span = match (under.admitted_from, under.admitted_to) {
                (Some(from), Some(to)) => {
                    format!("、{}から{}までの入院", calendar::japanese_date(from), calendar::japanese_date(to))
                }
                (Some(from), None) => format!("、{}以降の入院", calendar::japanese_date(from)),
                (None, Some(to)) => format!("、{}までの入院", calendar::japanese_date(to)),
                (None, None) => String::new(),
            };
            let rules = &under.rules;
            format!("{whose}：{}（退院連絡は{}日前まで）{span}", rules.title, rules.discharge_notice_min_days)
        })
        .collect()
}
