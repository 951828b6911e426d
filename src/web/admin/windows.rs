//! Changing or removing a facility's contact window (連絡窓口): its own page, with the form
//! filled in with what it says now and, apart, the button that removes it. A window is found by
//! its id and its facility's: a window of another facility is not found.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::{Value, context};
use uuid::Uuid;

use super::facilities::{WINDOW_FIELDS, window_of};
use super::{refusal, values};
use crate::admin;
use crate::directory::ContactWindow;
use crate::error::AppError;
use crate::shell::RequestInfo;
use crate::shell::{AppState, blocking};
use crate::web::pages::{PageError, render_with, see_other};
use crate::web::visitor::{Posted, SignedIn};

/// The form's values for what a window says.
fn window_values(window: &ContactWindow) -> HashMap<String, String> {
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    HashMap::from([
        ("window_label".to_owned(), window.label.clone()),
        ("window_email".to_owned(), text(&window.email)),
        ("window_phone".to_owned(), text(&window.phone)),
        ("window_fax".to_owned(), text(&window.fax)),
        ("window_hours".to_owned(), text(&window.hours_note)),
    ])
}

/// The window's page: the form with `values` (what it says, or what was typed) and `errors`.
async fn window_page(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    (facility, window): (Uuid, Uuid),
    status: StatusCode,
    typed: Option<(HashMap<String, String>, HashMap<String, String>)>,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let (facility, stored) = blocking(state, move |conn, _| admin::window(conn, &principal, facility, window)).await?;
    let (values, errors) = typed.unwrap_or_else(|| (window_values(&stored), HashMap::new()));
    render_with(
        status,
        "admin/window.html",
        context! {
            ..Value::from_serialize(visitor.frame("/admin")),
            ..context! { facility => Value::from_serialize(&facility), window, label => stored.label, values, errors }
        },
    )
}

#[get("/admin/facilities/{id}/windows/{window}")]
pub async fn edit_form(
    state: web::Data<AppState>,
    visitor: SignedIn,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, PageError> {
    window_page(&state, &visitor, path.into_inner(), StatusCode::OK, None).await
}

/// Saves what the window says; the form again (422) with the reasons next to the fields.
#[post("/admin/facilities/{id}/windows/{window}")]
pub async fn change(
    state: web::Data<AppState>,
    posted: Posted,
    path: web::Path<(Uuid, Uuid)>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (facility, window) = path.into_inner();
    // All blank: refused for its missing label, next to that field.
    let changed = window_of(&posted.fields).unwrap_or_default();
    let principal = posted.visitor.principal().clone();
    let saved = crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        admin::change_window(conn, principal, facility, window, changed)
    })
    .await;
    match saved {
        Ok(()) => Ok(see_other(&format!("/admin/facilities/{facility}?done=window_changed"))),
        Err(error @ (AppError::NotFound(_) | AppError::Forbidden(_))) => Err(error.into()),
        Err(error) => {
            let typed = (values(&posted.fields, WINDOW_FIELDS), refusal(error, "window_label")?);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            window_page(&state, &posted.visitor, (facility, window), status, Some(typed)).await
        }
    }
}

/// Removes the window: its address receives no more of the facility's mail.
#[post("/admin/facilities/{id}/windows/{window}/remove")]
pub async fn remove(
    state: web::Data<AppState>,
    posted: Posted,
    path: web::Path<(Uuid, Uuid)>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (facility, window) = path.into_inner();
    let principal = posted.visitor.principal().clone();
    crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        admin::remove_window(conn, principal, facility, window)
    })
    .await?;
    Ok(see_other(&format!("/admin/facilities/{facility}?done=window_removed")))
}
