//! Registering an admission (`/episodes/new`), for discharge nurses: find the patient among the
//! clients of every care office by birth date and 被保険者番号 or name, see their care office
//! (with its contact windows) and care manager, then register the stay through
//! `episodes::register_admission`. Care managers do not register admissions: their admission
//! sheet creates the stay (`documents::send`), and the page tells them so.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::pages::{Frame, PageError, render_with, see_other};
use super::visitor::{Fields, Posted, SignedIn};
use crate::clients::{self, CARE_LEVELS, Client, NewClient, PatientSearch, Sex};
use crate::directory::{self, Facility, Role};
use crate::episodes::{self, NewAdmission};
use crate::error::AppError;
use crate::shell::RequestInfo;
use crate::shell::{AppState, blocking};

/// The search as typed (`GET /episodes/new?birth_date=…&insurance_number=…&name=…&pick=…`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Search {
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    insurance_number: String,
    #[serde(default)]
    name: String,
    /// The client chosen among the results: their details fill the form.
    #[serde(default, skip_serializing)]
    pick: Option<Uuid>,
}

/// The registration form as typed.
#[derive(Debug, Clone, Default, Serialize)]
struct Form {
    name: String,
    name_kana: String,
    birth_date: String,
    sex: String,
    insurance_number: String,
    care_level: String,
    care_office_id: String,
    admitted_on: String,
    admitted_time: String,
    planned_discharge_on: String,
    planned_respite: bool,
}

/// A client found, with whom to contact.
#[derive(Debug, Serialize)]
struct Found {
    id: Uuid,
    name: String,
    name_kana: String,
    birth_date: String,
    sex: &'static str,
    insurance_number: Option<String>,
    care_level: Option<String>,
    care_office: Option<Facility>,
    care_manager: Option<String>,
}

/// The search, its results and the form.
#[get("/episodes/new", wrap = "from_fn(crate::shell::reads::audit)")]
pub async fn new_form(
    state: web::Data<AppState>,
    visitor: SignedIn,
    search: web::Query<Search>,
) -> Result<HttpResponse, PageError> {
    let search = search.into_inner();
    visitor.principal().require_liaison()?;
    if visitor.principal().role != Role::DischargeNurse {
        return page(&visitor, StatusCode::OK, Page { not_hospital: true, ..Page::default() });
    }
    let searched = !(search.birth_date.is_empty() && search.insurance_number.is_empty() && search.name.is_empty());
    let wanted = PatientSearch {
        birth_date: NaiveDate::parse_from_str(search.birth_date.trim(), "%Y-%m-%d").ok(),
        insurance_number: Some(search.insurance_number.clone()),
        name: Some(search.name.clone()),
    };
    let principal = visitor.principal().clone();
    let (found, offices) = blocking(&state, move |conn, _| {
        let found = match searched.then(|| clients::identify_patient(conn, &principal, &wanted)) {
            None => None,
            Some(Ok(clients)) => Some(Ok(with_offices(conn, clients)?)),
            Some(Err(AppError::Invalid(errors))) => Some(Err(errors)),
            Some(Err(other)) => return Err(other),
        };
        Ok((found, care_offices(conn)?))
    })
    .await?;
    let (matches, search_errors) = match found {
        Some(Ok(matches)) => (Some(matches), BTreeMap::new()),
        Some(Err(errors)) => (None, super::episodes::by_field(errors)),
        None => (None, BTreeMap::new()),
    };
    let picked = search.pick.and_then(|id| matches.iter().flatten().find(|m| m.id == id));
    let today = crate::calendar::today().to_string();
    let form = match picked {
        Some(m) => Form {
            name: m.name.clone(),
            name_kana: m.name_kana.clone(),
            birth_date: m.birth_date.clone(),
            sex: m.sex.into(),
            insurance_number: m.insurance_number.clone().unwrap_or_default(),
            care_level: m.care_level.clone().unwrap_or_default(),
            care_office_id: m.care_office.as_ref().map(|f| f.id.to_string()).unwrap_or_default(),
            admitted_on: today,
            ..Form::default()
        },
        None => Form {
            birth_date: search.birth_date.clone(),
            insurance_number: search.insurance_number.clone(),
            name: search.name.clone(),
            admitted_on: today,
            ..Form::default()
        },
    };
    let picked_id = picked.map(|m| m.id);
    let search_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("birth_date", &search.birth_date)
        .append_pair("insurance_number", &search.insurance_number)
        .append_pair("name", &search.name)
        .finish();
    let page_facts = Page {
        search,
        search_query,
        searched,
        matches,
        search_errors,
        picked: picked_id,
        form,
        offices,
        ..Page::default()
    };
    page(&visitor, StatusCode::OK, page_facts)
}

fn with_offices(conn: &mut crate::db::DbConnection, clients: Vec<Client>) -> Result<Vec<Found>, AppError> {
    clients
        .into_iter()
        .map(|c| {
            let care_office = c.care_office.as_ref().map(|f| directory::get(conn, f.id)).transpose()?;
            Ok(Found {
                id: c.id,
                birth_date: c.birth_date.to_string(),
                sex: c.sex.into(),
                care_manager: c.care_manager.map(|u| u.name),
                name: c.name,
                name_kana: c.name_kana,
                insurance_number: c.insurance_number,
                care_level: c.care_level,
                care_office,
            })
        })
        .collect()
}

fn care_offices(conn: &mut crate::db::DbConnection) -> Result<Vec<(String, String)>, AppError> {
    Ok(directory::list(conn, None)?
        .into_iter()
        .filter(|f| f.kind.is_care_side())
        .map(|f| (f.id.to_string(), f.name))
        .collect())
}

#[derive(Default)]
struct Page {
    not_hospital: bool,
    search: Search,
    /// The search as a query string, for the links that pick a result.
    search_query: String,
    searched: bool,
    matches: Option<Vec<Found>>,
    search_errors: BTreeMap<String, String>,
    picked: Option<Uuid>,
    form: Form,
    errors: BTreeMap<String, String>,
    offices: Vec<(String, String)>,
}

fn page(visitor: &SignedIn, status: StatusCode, p: Page) -> Result<HttpResponse, PageError> {
    let error_count = p.errors.len();
    render_with(
        status,
        "episodes/new.html",
        context! {
            ..minijinja::Value::from_serialize(Frame::of(visitor, "/episodes")),
            ..context! {
                not_hospital => p.not_hospital, search => p.search, search_query => p.search_query, searched => p.searched,
                matches => p.matches, search_errors => p.search_errors, picked => p.picked,
                form => p.form, errors => p.errors, error_count, offices => p.offices,
                care_levels => CARE_LEVELS, today => crate::calendar::today().to_string(),
            }
        },
    )
}

/// Registers the admission; the form again with its errors (422), or the stay's timeline.
#[post("/episodes/new", wrap = "from_fn(crate::shell::reads::audit)")]
pub async fn register(
    state: web::Data<AppState>,
    posted: Posted,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let form = form_of(&posted.fields);
    let admission = match admission_of(&form) {
        Ok(admission) => admission,
        Err(errors) => return refused(&state, &posted.visitor, form, errors).await,
    };
    let principal = posted.visitor.principal().clone();
    let written = super::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        episodes::register_admission(conn, principal, admission).map(|detail| detail.episode.id)
    })
    .await;
    match written {
        Ok(id) => Ok(see_other(&format!("/episodes/{id}?done=registered"))),
        Err(AppError::Invalid(errors)) => {
            let errors = super::episodes::by_field(errors)
                .into_iter()
                .map(|(field, message)| (field.trim_start_matches("client/").to_owned(), message))
                .collect();
            refused(&state, &posted.visitor, form, errors).await
        }
        Err(AppError::Conflict(why)) => {
            refused(&state, &posted.visitor, form, BTreeMap::from([("form".to_owned(), why)])).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn refused(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    form: Form,
    errors: BTreeMap<String, String>,
) -> Result<HttpResponse, PageError> {
    let offices = blocking(state, |conn, _| care_offices(conn)).await?;
    page(visitor, StatusCode::UNPROCESSABLE_ENTITY, Page { form, errors, offices, ..Page::default() })
}

fn form_of(fields: &Fields) -> Form {
    let text = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    Form {
        name: text("name"),
        name_kana: text("name_kana"),
        birth_date: text("birth_date"),
        sex: text("sex"),
        insurance_number: text("insurance_number"),
        care_level: text("care_level"),
        care_office_id: text("care_office_id"),
        admitted_on: text("admitted_on"),
        admitted_time: text("admitted_time"),
        planned_discharge_on: text("planned_discharge_on"),
        planned_respite: fields.get("planned_respite").is_some(),
    }
}

/// The admission the form describes, or what cannot be read (the use case checks the rest).
fn admission_of(form: &Form) -> Result<NewAdmission, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut date = |field: &str, value: &str, label: &str, required: bool| -> Option<NaiveDate> {
        if value.is_empty() && !required {
            return None;
        }
        let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok();
        if parsed.is_none() {
            errors.insert(field.to_owned(), format!("「{label}」を 2026-11-20 の形の日付で入力してください"));
        }
        parsed
    };
    let birth_date = date("birth_date", &form.birth_date, "生年月日", true);
    let admitted_on = date("admitted_on", &form.admitted_on, "入院日", true);
    let planned_discharge_on = date("planned_discharge_on", &form.planned_discharge_on, "退院予定日", false);
    let sex = form.sex.parse::<Sex>().ok();
    if sex.is_none() {
        errors.insert("sex".into(), "「性別」を選んでください".into());
    }
    let care_office_id = match form.care_office_id.as_str() {
        "" => None,
        id => {
            let parsed = id.parse::<Uuid>().ok();
            if parsed.is_none() {
                errors.insert("care_office_id".into(), "「居宅介護支援事業所」を一覧から選んでください".into());
            }
            parsed
        }
    };
    let admitted_time = match form.admitted_time.as_str() {
        "" => None,
        text => {
            let parsed = chrono::NaiveTime::parse_from_str(text, "%H:%M").ok();
            if parsed.is_none() {
                errors.insert("admitted_at".into(), "「入院時刻」を 14:30 の形で入力してください".into());
            }
            parsed
        }
    };
    let optional = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    match (birth_date, admitted_on, sex) {
        (Some(birth_date), Some(admitted_on), Some(sex)) if errors.is_empty() => Ok(NewAdmission {
            client: NewClient {
                name: form.name.clone(),
                name_kana: form.name_kana.clone(),
                birth_date,
                sex,
                insurance_number: optional(&form.insurance_number),
                care_level: optional(&form.care_level),
                care_manager_id: None,
            },
            care_office_id,
            admitted_on,
            admitted_at: admitted_time
                .and_then(|t| admitted_on.and_time(t).and_local_timezone(crate::calendar::JAPAN).single()),
            planned_discharge_on,
            planned_respite: form.planned_respite,
        }),
        _ => Err(errors),
    }
}
