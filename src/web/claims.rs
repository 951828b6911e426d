//! The care office's 加算 pages: the month's stays with the tiers their records support (and
//! its CSV for the 請求 staff), and the office's business calendar that the tiers count on.
//! Coordinators see every office's month, without the clients' names.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{Datelike, NaiveDate};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::pages::{PageError, render, render_with, see_other};
use super::visitor::{Posted, SignedIn};
use crate::business_calendar::{CalendarSettings, weekday_names};
use crate::calendar;
use crate::claims::calendar_settings;
use crate::claims::report::{self, ClaimsReport, Period};
use crate::directory::{self, FacilityKind, Role};
use crate::error::AppError;
use crate::shell::{AppState, RequestInfo, blocking};

#[derive(Debug, Deserialize)]
pub struct MonthChoice {
    /// `2026-11`; this month when absent.
    month: Option<String>,
    /// For coordinators: one office.
    office: Option<String>,
}

impl MonthChoice {
    fn period(&self) -> Period {
        let today = calendar::today();
        let first = self
            .month
            .as_deref()
            .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
            .unwrap_or(today);
        Period::month_of(first)
    }

    fn office(&self) -> Option<Uuid> {
        self.office.as_deref().and_then(|o| o.parse().ok())
    }
}

/// One stay as the month's table shows it.
#[derive(Debug, Serialize)]
struct Row {
    episode_id: Uuid,
    client: String,
    office: String,
    hospital: String,
    admitted: String,
    discharged: String,
    admission_tier: String,
    admission_units: u32,
    admission_state: &'static str,
    admission_detail: String,
    discharge_tier: String,
    discharge_units: u32,
    discharge_detail: String,
    record: bool,
}

fn md(date: NaiveDate) -> String {
    format!("{}/{}（{}）", date.month(), date.day(), calendar::weekday(date))
}

fn rows(claims: &ClaimsReport) -> Vec<Row> {
    claims
        .stays
        .iter()
        .map(|stay| {
            let a = &stay.admission_info_addition;
            let d = &stay.discharge_addition;
            let admission_detail = match (a.evidence.first().and_then(|e| e.contacted_on), a.day) {
                (Some(on), Some(day)) => {
                    let methods: Vec<&str> = a.evidence.iter().map(|e| e.method.label()).collect();
                    format!("{}に提供（{}日目・{}）", md(on), day.max(0), methods.join("・"))
                }
                _ => "提供の記録なし".to_owned(),
            };
            let days: Vec<String> = d.information_days.iter().map(|d| md(*d)).collect();
            let mut discharge_detail = if days.is_empty() {
                "情報提供の記録なし".to_owned()
            } else {
                format!("情報を受けた日：{}", days.join("、"))
            };
            if d.conference {
                discharge_detail.push_str("（カンファレンスあり）");
            }
            if stay.discharged_on.is_some() && stay.destination != Some(crate::episodes::Destination::Home) {
                discharge_detail.push_str("。自宅以外への退院のため対象外");
            }
            Row {
                episode_id: stay.episode_id,
                client: stay.client.name.clone().or_else(|| stay.client.reference.clone()).unwrap_or_default(),
                office: stay.care_office.name.clone(),
                hospital: stay.hospital.name.clone(),
                admitted: format!(
                    "{}{}{}",
                    md(stay.admitted_on),
                    stay.admitted_at.map(|t| t.format(" %H:%M").to_string()).unwrap_or_default(),
                    if a.after_hours {
                        "（営業時間外）"
                    } else if !a.business_day {
                        "（休業日）"
                    } else {
                        ""
                    }
                ),
                discharged: match (stay.discharged_on, stay.destination) {
                    (Some(on), Some(to)) => format!("{}・{}", md(on), to.label()),
                    (Some(on), None) => md(on),
                    (None, _) => "入院中".to_owned(),
                },
                admission_tier: a.tier.map_or("—", |t| t.label()).to_owned(),
                admission_units: if a.claimable { a.units } else { 0 },
                admission_state: if a.same_month_claimed {
                    "同月算定済"
                } else if a.claimable {
                    "算定可"
                } else {
                    "算定不可"
                },
                admission_detail,
                discharge_tier: d.tier.map_or("—", |t| t.label()).to_owned(),
                discharge_units: d.units,
                discharge_detail,
                record: d.record,
            }
        })
        .collect()
}

fn month_link(period: Period, months: i32, office: Option<Uuid>) -> String {
    let total = period.from.year() * 12 + period.from.month0() as i32 + months;
    let office = office.map(|o| format!("&office={o}")).unwrap_or_default();
    format!("/claims?month={}-{:02}{office}", total.div_euclid(12), total.rem_euclid(12) + 1)
}

/// The month's stays with their 加算.
#[get("/claims")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: SignedIn,
    choice: web::Query<MonthChoice>,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let (period, asked) = (choice.period(), choice.office());
    let coordinator = principal.role == Role::Coordinator;
    let (claims, offices, calendar) = blocking(&state, move |conn, state| {
        let claims = report::for_principal(conn, &principal, &state.rules, period, asked)?;
        let offices: Vec<(Uuid, String)> = if coordinator {
            directory::list(conn, None)?
                .into_iter()
                .filter(|f| f.kind != FacilityKind::Hospital)
                .map(|f| (f.id, f.name))
                .collect()
        } else {
            vec![]
        };
        let own = (!coordinator).then_some(principal.facility_id).or(asked);
        let calendar = match own {
            Some(office) => Some(calendar_settings::describe(conn, &principal, &state.rules, office)?),
            None => None,
        };
        Ok::<_, AppError>((claims, offices, calendar))
    })
    .await?;
    let total: u32 = claims
        .stays
        .iter()
        .map(|s| {
            (if s.admission_info_addition.claimable { s.admission_info_addition.units } else { 0 })
                + s.discharge_addition.units
        })
        .sum();
    let csv_link = format!(
        "/claims.csv?month={}-{:02}{}",
        period.from.year(),
        period.from.month(),
        asked.map(|o| format!("&office={o}")).unwrap_or_default()
    );
    render(
        "claims/list.html",
        context! {
            ..Value::from_serialize(visitor.frame("/claims")),
            ..context! {
                month => format!("{}年{}月", period.from.year(), period.from.month()),
                months => months(period),
                previous => month_link(period, -1, asked),
                next => month_link(period, 1, asked),
                rows => rows(&claims),
                total,
                csv => csv_link,
                coordinator,
                offices => offices.into_iter().map(|(id, name)| context! { id, name, selected => Some(id) == asked }).collect::<Vec<_>>(),
                calendar,
                can_set_calendar => visitor.principal().role == Role::CareManager,
            }
        },
    )
}

/// The month's 加算 as a CSV for the office's 請求 staff (Excel opens it: UTF-8 with BOM).
#[get("/claims.csv")]
pub async fn download(
    state: web::Data<AppState>,
    visitor: SignedIn,
    choice: web::Query<MonthChoice>,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let (period, asked) = (choice.period(), choice.office());
    let claims =
        blocking(&state, move |conn, state| report::for_principal(conn, &principal, &state.rules, period, asked))
            .await?;
    let body = report::csv_file(&claims)?;
    Ok(HttpResponse::Ok()
        .content_type(crate::spreadsheet::Encoding::Utf8.content_type())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"kasan-{}-{:02}.csv\"", period.from.year(), period.from.month()),
        ))
        .body(body))
}

#[derive(Debug, Deserialize)]
pub struct OfficeChoice {
    office: Option<Uuid>,
}

/// The office whose calendar a visitor sets: a care manager their own, an administrator any.
fn calendar_office(visitor: &SignedIn, asked: Option<Uuid>) -> Result<Uuid, PageError> {
    let principal = visitor.principal();
    match (principal.role, asked) {
        (Role::Admin, Some(office)) => Ok(office),
        (Role::CareManager, None) => Ok(principal.facility_id),
        (Role::CareManager, Some(office)) if office == principal.facility_id => Ok(office),
        _ => Err(AppError::Forbidden("an office's calendar is set by its own staff or an administrator".into()).into()),
    }
}

async fn calendar_page(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    office: Uuid,
    status: actix_web::http::StatusCode,
    typed: Option<(CalendarSettings, std::collections::BTreeMap<String, String>)>,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let (facility, stored) = blocking(state, move |conn, state| {
        Ok::<_, AppError>((
            directory::get(conn, office)?,
            calendar_settings::get(conn, &principal, &state.rules, office)?,
        ))
    })
    .await?;
    let (settings, errors) = typed.unwrap_or((stored.settings(), Default::default()));
    let weekdays: Vec<_> = [chrono::Weekday::Mon, chrono::Weekday::Tue, chrono::Weekday::Wed, chrono::Weekday::Thu]
        .into_iter()
        .chain([chrono::Weekday::Fri, chrono::Weekday::Sat, chrono::Weekday::Sun])
        .map(|day| {
            let (key, name) = weekday_names(day);
            context! { key, name, checked => settings.weekdays.iter().any(|w| w == key) }
        })
        .collect();
    let holidays_from = calendar::today();
    let upcoming = blocking(state, move |conn, _| Ok::<_, AppError>(crate::holidays::load(conn)?)).await?;
    let upcoming: Vec<String> = upcoming
        .between(holidays_from, holidays_from + chrono::Duration::days(120))
        .map(|(d, name)| format!("{}年{}月{}日（{}）{name}", d.year(), d.month(), d.day(), calendar::weekday(d)))
        .collect();
    render_with(
        status,
        "claims/calendar.html",
        context! {
            ..Value::from_serialize(visitor.frame("/claims")),
            ..context! {
                office => office, office_name => facility.name, set => stored.set,
                admin => visitor.principal().role == Role::Admin,
                weekdays, closing_time => settings.closing_time,
                holidays_closed => settings.national_holidays == "closed",
                closed_days => typed_closed_days(&settings.closed_days),
                upcoming, errors,
            }
        },
    )
}

/// The office's business calendar, as a form.
#[get("/claims/calendar")]
pub async fn calendar_form(
    state: web::Data<AppState>,
    visitor: SignedIn,
    choice: web::Query<OfficeChoice>,
) -> Result<HttpResponse, PageError> {
    let office = calendar_office(&visitor, choice.office)?;
    calendar_page(&state, &visitor, office, actix_web::http::StatusCode::OK, None).await
}

/// Saves the office's business calendar; the form again (422) with the reasons by field.
#[post("/claims/calendar")]
pub async fn set_calendar(
    state: web::Data<AppState>,
    posted: Posted,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let asked = posted.fields.get("office").and_then(|o| o.parse().ok());
    let office = calendar_office(&posted.visitor, asked)?;
    let settings = CalendarSettings {
        weekdays: posted.fields.all("weekdays").into_iter().map(str::to_owned).collect(),
        closing_time: posted.fields.get("closing_time").unwrap_or_default().to_owned(),
        national_holidays: if posted.fields.get("holidays_open").is_some() { "open" } else { "closed" }.to_owned(),
        closed_days: posted
            .fields
            .get("closed_days")
            .unwrap_or_default()
            .split(['\n', '、', ',', ' '])
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    let principal = posted.visitor.principal().clone();
    let wanted = settings.clone();
    let saved = crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, state, principal| {
        calendar_settings::set(conn, principal, &state.rules, office, &wanted)
    })
    .await;
    match saved {
        Ok(_) if posted.visitor.principal().role == Role::Admin => {
            Ok(see_other(&format!("/claims/calendar?office={office}&done=1")))
        }
        Ok(_) => Ok(see_other("/claims/calendar?done=1")),
        Err(AppError::Invalid(errors)) => {
            let status = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            calendar_page(&state, &posted.visitor, office, status, Some((settings, by_form_field(&errors)))).await
        }
        Err(error) => Err(error.into()),
    }
}

/// The refusals by the form's field: `/weekdays/2` is the weekdays' field.
fn by_form_field(errors: &[crate::error::FieldError]) -> std::collections::BTreeMap<String, String> {
    let mut fields = std::collections::BTreeMap::new();
    for error in errors {
        let field = error.pointer.trim_start_matches('/').split('/').next().unwrap_or_default().to_owned();
        fields.entry(field).or_insert_with(|| error.message.clone());
    }
    fields
}

/// The closed days as the form shows them: one per line, 12/29〜1/3 rather than 12-29..01-03.
fn typed_closed_days(closed_days: &[String]) -> String {
    closed_days
        .iter()
        .map(|text| crate::business_calendar::ClosedDays::parse(text).map_or_else(|| text.clone(), |d| d.typed()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The months a visitor may choose: the last two years, newest first, and the one shown.
fn months(shown: Period) -> Vec<minijinja::Value> {
    let today = calendar::today();
    let newest = today.year() * 12 + today.month0() as i32;
    let shown = shown.from.year() * 12 + shown.from.month0() as i32;
    let mut all: Vec<i32> = (0..24).map(|back| newest - back).collect();
    if !all.contains(&shown) {
        all.push(shown);
        all.sort_unstable_by(|a, b| b.cmp(a));
    }
    all.into_iter()
        .map(|m| {
            let (year, month) = (m.div_euclid(12), m.rem_euclid(12) + 1);
            context! { value => format!("{year}-{month:02}"), label => format!("{year}年{month}月"), selected => m == shown }
        })
        .collect()
}
