//! Users and roles: registering a user at a facility (the role must fit the facility's kind),
//! with an optional initial password, and setting or resetting a user's password.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::{Value, context};
use uuid::Uuid;

use super::facilities::{Refused, facility_page};
use super::{refusal, values};
use crate::admin::{self, UserForm};
use crate::auth::password;
use crate::error::AppError;
use crate::shell::RequestInfo;
use crate::shell::{AppState, blocking};
use crate::web::pages::{PageError, render_with, see_other};
use crate::web::visitor::{Fields, Posted, SignedIn};

const USER_FIELDS: &[&str] = &["name", "email", "role"];

/// A password field as typed (passwords are not trimmed).
fn typed_password(fields: &Fields) -> Option<String> {
    fields.0.iter().find(|(n, _)| n == "password").map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
}

/// Registers a user at the facility, and sets their initial password when one is typed; all
/// or nothing.
#[post("/admin/facilities/{id}/users")]
pub async fn create(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let fields = &posted.fields;
    let form = UserForm {
        name: fields.get("name").unwrap_or_default().to_owned(),
        email: fields.get("email").unwrap_or_default().to_owned(),
        role: fields.get("role").unwrap_or_default().to_owned(),
        password: typed_password(fields),
    };
    let principal = posted.visitor.principal().clone();
    let created = crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        admin::register_user(conn, principal, id, form).map(|user| user.id)
    })
    .await;
    match created {
        Ok(_) => Ok(see_other(&format!("/admin/facilities/{id}?done=user"))),
        Err(error @ (AppError::NotFound(_) | AppError::Forbidden(_))) => Err(error.into()),
        Err(error) => {
            let refused =
                Refused { form: "user", values: values(fields, USER_FIELDS), errors: refusal(error, "email")? };
            facility_page(&state, &posted.visitor, id, StatusCode::UNPROCESSABLE_ENTITY, refused, None).await
        }
    }
}

async fn password_page(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    id: Uuid,
    status: StatusCode,
    errors: HashMap<String, String>,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let (user, facility) = blocking(state, move |conn, _| admin::user(conn, &principal, id)).await?;
    render_with(
        status,
        "admin/password.html",
        context! {
            ..Value::from_serialize(visitor.frame("/admin")),
            ..context! {
                user => context! { id => user.id, name => user.name, email => user.email, role_label => user.role.label() },
                facility => context! { id => facility.id, name => facility.name },
                errors, min_length => password::MIN_LENGTH,
            }
        },
    )
}

/// The form to set (or reset) a user's password.
#[get("/admin/users/{id}/password")]
pub async fn password_form(
    state: web::Data<AppState>,
    visitor: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    password_page(&state, &visitor, id.into_inner(), StatusCode::OK, HashMap::new()).await
}

/// Sets the password the administrator typed; the user's open sessions end.
#[post("/admin/users/{id}/password")]
pub async fn set_password(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let password = typed_password(&posted.fields).unwrap_or_default();
    let principal = posted.visitor.principal().clone();
    let set = crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        admin::set_password(conn, principal, id, &password)
    })
    .await;
    match set {
        Ok(facility) => Ok(see_other(&format!("/admin/facilities/{facility}?done=password"))),
        Err(error @ (AppError::NotFound(_) | AppError::Forbidden(_))) => Err(error.into()),
        Err(error) => {
            let errors = refusal(error, "password")?;
            password_page(&state, &posted.visitor, id, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
    }
}

/// Disables the user (`/disable`) or enables them again (`/enable`); their tokens are forgotten
/// by this server's cache at once (by the others' within `auth::TOKEN_CACHE_TTL`).
#[post("/admin/users/{id}/{change}")]
pub async fn set_disabled(
    state: web::Data<AppState>,
    posted: Posted,
    path: web::Path<(Uuid, String)>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (id, change) = path.into_inner();
    let disable = match change.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(AppError::NotFound("page").into()),
    };
    let principal = posted.visitor.principal().clone();
    let (user, facility) =
        crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
            admin::set_disabled(conn, principal, id, disable)
        })
        .await?;
    state.tokens.forget_user(user);
    let done = if disable { "disabled" } else { "enabled" };
    Ok(see_other(&format!("/admin/facilities/{facility}?done={done}#users-title")))
}
