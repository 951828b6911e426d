//! Registering an admission (`/episodes/new`), for discharge nurses: find the patient among the
//! clients of every care office by birth date and 被保険者番号 or name, see their care office
//! (with its contact windows) and care manager, then register the stay. The search is
//! `clients::admission_search`, the form is read by `episodes::input::AdmissionForm` and the stay
//! registered by `episodes::register_admission`. Care managers do not register admissions: their
//! admission sheet creates the stay (`documents::send`), and the page tells them so.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::pages::{PageError, by_field, render_with, see_other};
use super::visitor::{Fields, PageVisitor, Posted, SignedIn};
use crate::clients::{self, AdmissionSearch, CARE_LEVELS, FoundPatient, PatientSearch};
use crate::directory::Facility;
use crate::episodes::{self, input::AdmissionForm};
use crate::error::AppError;
use crate::shell::{AppState, RequestInfo, blocking};

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

impl From<FoundPatient> for Found {
    fn from(found: FoundPatient) -> Self {
        let c = found.client;
        Self {
            id: c.id,
            birth_date: c.birth_date.to_string(),
            sex: c.sex.into(),
            care_manager: c.care_manager.map(|u| u.name),
            name: c.name,
            name_kana: c.name_kana,
            insurance_number: c.insurance_number,
            care_level: c.care_level,
            care_office: found.care_office,
        }
    }
}

/// The search, its results and the form.
#[get("/episodes/new", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn new_form(
    state: web::Data<AppState>,
    visitor: SignedIn,
    search: web::Query<Search>,
) -> Result<HttpResponse, PageError> {
    let search = search.into_inner();
    let searched = !(search.birth_date.is_empty() && search.insurance_number.is_empty() && search.name.is_empty());
    let wanted = searched.then(|| PatientSearch {
        birth_date: NaiveDate::parse_from_str(search.birth_date.trim(), "%Y-%m-%d").ok(),
        insurance_number: Some(search.insurance_number.clone()),
        name: Some(search.name.clone()),
    });
    let principal = visitor.principal().clone();
    let found = blocking(&state, move |conn, _| clients::admission_search(conn, &principal, wanted.as_ref())).await?;
    if !found.registers {
        return page(&visitor, StatusCode::OK, Page { not_hospital: true, ..Page::default() });
    }
    let AdmissionSearch { found, care_offices, .. } = found;
    let (matches, search_errors) = match found {
        Some(Ok(matches)) => (Some(matches.into_iter().map(Found::from).collect::<Vec<_>>()), BTreeMap::new()),
        Some(Err(errors)) => (None, by_field(&errors)),
        None => (None, BTreeMap::new()),
    };
    let picked = search.pick.and_then(|id| matches.iter().flatten().find(|m| m.id == id));
    let today = crate::calendar::today().to_string();
    let form = match picked {
        Some(m) => AdmissionForm {
            name: m.name.clone(),
            name_kana: m.name_kana.clone(),
            birth_date: m.birth_date.clone(),
            sex: m.sex.into(),
            insurance_number: m.insurance_number.clone().unwrap_or_default(),
            care_level: m.care_level.clone().unwrap_or_default(),
            care_office_id: m.care_office.as_ref().map(|f| f.id.to_string()).unwrap_or_default(),
            admitted_on: today,
            ..AdmissionForm::default()
        },
        None => AdmissionForm {
            birth_date: search.birth_date.clone(),
            insurance_number: search.insurance_number.clone(),
            name: search.name.clone(),
            admitted_on: today,
            ..AdmissionForm::default()
        },
    };
    let picked_id = picked.map(|m| m.id);
    let search_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("birth_date", &search.birth_date)
        .append_pair("insurance_number", &search.insurance_number)
        .append_pair("name", &search.name)
        .finish();
    let offices = choices(care_offices);
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

fn choices(offices: Vec<crate::directory::FacilityRef>) -> Vec<(String, String)> {
    offices.into_iter().map(|f| (f.id.to_string(), f.name)).collect()
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
    form: AdmissionForm,
    errors: BTreeMap<String, String>,
    offices: Vec<(String, String)>,
}

fn page(visitor: &SignedIn, status: StatusCode, p: Page) -> Result<HttpResponse, PageError> {
    let error_count = p.errors.len();
    render_with(
        status,
        "episodes/new.html",
        context! {
            ..minijinja::Value::from_serialize(visitor.frame("/episodes")),
            ..context! {
                not_hospital => p.not_hospital, search => p.search, search_query => p.search_query, searched => p.searched,
                matches => p.matches, search_errors => p.search_errors, picked => p.picked,
                form => p.form, errors => p.errors, error_count, offices => p.offices,
                care_levels => CARE_LEVELS, today => crate::calendar::today().to_string(),
            }
        },
    )
}

/// Registers the admission; the form again with its errors (422), or the stay's page.
#[post("/episodes/new", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn register(
    state: web::Data<AppState>,
    posted: Posted,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let form = form_of(&posted.fields);
    let written = match form.read() {
        Ok(admission) => {
            let principal = posted.visitor.principal().clone();
            super::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
                episodes::register_admission(conn, principal, admission)
            })
            .await
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match written {
        Ok(id) => Ok(see_other(&format!("/episodes/{id}?done=registered"))),
        Err(AppError::Invalid(errors)) => refused(&state, &posted.visitor, form, by_field(&errors)).await,
        Err(AppError::Conflict(why)) => {
            refused(&state, &posted.visitor, form, BTreeMap::from([("form".to_owned(), why)])).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn refused(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    form: AdmissionForm,
    errors: BTreeMap<String, String>,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let search = blocking(state, move |conn, _| clients::admission_search(conn, &principal, None)).await?;
    let offices = choices(search.care_offices);
    page(visitor, StatusCode::UNPROCESSABLE_ENTITY, Page { form, errors, offices, ..Page::default() })
}

fn form_of(fields: &Fields) -> AdmissionForm {
    let text = |name: &str| fields.get(name).unwrap_or_default().to_owned();
    AdmissionForm {
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
