//! Facilities and their contact windows (連絡窓口: label, mail, phone, FAX, hours to avoid):
//! the registration form, a facility's page with its windows and users, adding a window.
//! Changing or removing a window: `admin/windows.rs`.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::{Value, context};
use strum::IntoEnumIterator;
use uuid::Uuid;

use super::{Done, notice, refusal, values};
use crate::admin::{self, FacilityForm, FacilityPage};
use crate::directory::{ContactWindow, FacilityKind, Role};
use crate::error::AppError;
use crate::shell::RequestInfo;
use crate::shell::{AppState, blocking};
use crate::web::pages::{PageError, render_with, see_other};
use crate::web::visitor::{Fields, Posted, SignedIn};

const FACILITY_FIELDS: &[&str] = &["code", "name", "kind", "area", "in_city"];
pub(super) const WINDOW_FIELDS: &[&str] =
    &["window_label", "window_email", "window_phone", "window_fax", "window_hours"];

fn kinds() -> Vec<(&'static str, &'static str)> {
    FacilityKind::iter().map(|k| (k.as_str(), k.label())).collect()
}

/// The window typed in a form; `None` when every field is blank.
pub(super) fn window_of(fields: &Fields) -> Option<ContactWindow> {
    if WINDOW_FIELDS.iter().all(|name| fields.get(name).is_none()) {
        return None;
    }
    let text = |name| fields.get(name).map(str::to_owned);
    Some(ContactWindow {
        label: text("window_label").unwrap_or_default(),
        email: text("window_email"),
        phone: text("window_phone"),
        fax: text("window_fax"),
        hours_note: text("window_hours"),
    })
}

/// The registration form of a facility (and its first contact window).
#[get("/admin/facilities/new")]
pub async fn new_form(visitor: SignedIn) -> Result<HttpResponse, PageError> {
    crate::admin::require_admin(visitor.principal(), "事業所の登録")?;
    form_page(&visitor, StatusCode::OK, HashMap::from([("in_city".to_owned(), "true".to_owned())]), HashMap::new())
}

fn form_page(
    visitor: &SignedIn,
    status: StatusCode,
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
) -> Result<HttpResponse, PageError> {
    render_with(
        status,
        "admin/facility_new.html",
        context! {
            ..Value::from_serialize(visitor.frame("/admin")),
            ..context! { values, errors, kinds => kinds() }
        },
    )
}

/// Registers a facility; the form again (422) with the reasons next to the fields.
#[post("/admin/facilities")]
pub async fn create(
    state: web::Data<AppState>,
    posted: Posted,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let fields = &posted.fields;
    let mut typed = values(fields, FACILITY_FIELDS);
    typed.extend(values(fields, WINDOW_FIELDS));
    let form = FacilityForm {
        code: fields.get("code").unwrap_or_default().to_owned(),
        name: fields.get("name").unwrap_or_default().to_owned(),
        kind: fields.get("kind").unwrap_or_default().to_owned(),
        area: fields.get("area").map(str::to_owned),
        in_city: fields.get("in_city").is_some(),
        window: window_of(fields),
    };
    let principal = posted.visitor.principal().clone();
    let created = crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        admin::register_facility(conn, principal, form).map(|facility| facility.id)
    })
    .await;
    match created {
        Ok(facility) => Ok(see_other(&format!("/admin/facilities/{facility}?done=facility"))),
        Err(error @ AppError::Forbidden(_)) => Err(error.into()),
        Err(error) => {
            let errors = refusal(error, "code")?;
            form_page(&posted.visitor, StatusCode::UNPROCESSABLE_ENTITY, typed, errors)
        }
    }
}

/// What a facility's page shows again after a refused form: which form, what was typed, why.
#[derive(Debug, Default)]
pub struct Refused {
    pub form: &'static str,
    pub values: HashMap<String, String>,
    pub errors: HashMap<String, String>,
}

/// A facility's page: its facts, contact windows and users, with the forms to add to them.
pub async fn facility_page(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    id: Uuid,
    status: StatusCode,
    refused: Refused,
    done: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let (FacilityPage { facility, windows, users }, municipalities) = blocking(state, move |conn, _| {
        Ok((admin::facility(conn, &principal, id)?, admin::municipalities::list(conn)?))
    })
    .await?;
    let municipality_name = municipalities
        .iter()
        .find(|m| facility.municipality.as_deref() == Some(m.code.as_str()))
        .map(|m| m.name.clone());
    let municipalities: Vec<Value> =
        municipalities.into_iter().map(|m| context! { code => m.code, name => m.name }).collect();
    let windows: Vec<Value> = windows.into_iter().map(|(id, w)| context! { id, ..Value::from_serialize(&w) }).collect();
    let roles: Vec<(&str, &str, bool)> = Role::iter().map(|r| (r.as_str(), r.label(), r.fits(facility.kind))).collect();
    let users: Vec<Value> = users
        .into_iter()
        .map(|u| {
            let disabled = u.disabled_at.is_some();
            context! { id => u.id, name => u.name, email => u.email, role_label => u.role.label(), disabled }
        })
        .collect();
    render_with(
        status,
        "admin/facility.html",
        context! {
            ..Value::from_serialize(visitor.frame("/admin")),
            ..context! {
                facility => Value::from_serialize(&facility),
                kind_label => facility.kind.label(),
                windows, users, roles, municipalities, municipality_name,
                form => refused.form, values => refused.values, errors => refused.errors,
                notice => notice(done),
            }
        },
    )
}

/// A facility's page.
#[get("/admin/facilities/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: SignedIn,
    id: web::Path<Uuid>,
    done: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    facility_page(&state, &visitor, id.into_inner(), StatusCode::OK, Refused::default(), done.done.as_deref()).await
}

/// Adds a contact window to a facility.
#[post("/admin/facilities/{id}/windows")]
pub async fn add_window(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    // All blank: refused for its missing label, next to that field.
    let window = window_of(&posted.fields).unwrap_or_default();
    let principal = posted.visitor.principal().clone();
    let added = crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        admin::add_window(conn, principal, id, window)
    })
    .await;
    match added {
        Ok(_) => Ok(see_other(&format!("/admin/facilities/{id}?done=window"))),
        Err(error @ (AppError::NotFound(_) | AppError::Forbidden(_))) => Err(error.into()),
        Err(error) => {
            let refused = Refused {
                form: "window",
                values: values(&posted.fields, WINDOW_FIELDS),
                errors: refusal(error, "window_label")?,
            };
            facility_page(&state, &posted.visitor, id, StatusCode::UNPROCESSABLE_ENTITY, refused, None).await
        }
    }
}
