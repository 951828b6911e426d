//! Users and roles: registering a user at a facility (the role must fit the facility's kind),
//! with an optional initial password, and setting or resetting a user's password.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::{Value, context};
use uuid::Uuid;

use super::super::pages::by_field;
use super::facilities::{Refused, facility_page};
use super::{refusal, require_admin, values};
use crate::auth::{password, session};
use crate::directory::{self, NewUser, Role};
use crate::shell::RequestInfo;
use crate::shell::{AppState, blocking};
use crate::web::pages::{Frame, PageError, render_with, see_other};
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
    require_admin(posted.visitor.principal(), "利用者の登録")?;
    let id = id.into_inner();
    let fields = &posted.fields;
    let email = fields.get("email").unwrap_or_default().to_owned();
    let password = typed_password(fields);
    let mut errors = HashMap::new();
    let role = fields.get("role").and_then(|r| r.parse::<Role>().ok());
    if role.is_none() {
        errors.insert("role".to_owned(), "役割を選んでください".to_owned());
    }
    if let Some(password) = &password {
        errors.extend(by_field(&password::problems(password, &email, "/password")));
    }
    let refused = |errors| Refused { form: "user", values: values(fields, USER_FIELDS), errors };
    let (Some(role), true) = (role, errors.is_empty()) else {
        return facility_page(&state, &posted.visitor, id, StatusCode::UNPROCESSABLE_ENTITY, refused(errors), None)
            .await;
    };
    let name = fields.get("name").unwrap_or_default().to_owned();
    let principal = posted.visitor.principal().clone();
    let created = crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        require_admin(principal, "利用者の登録")?;
        let facility = directory::get(conn, id)?;
        let user = directory::create_user(conn, NewUser { facility_code: facility.code, name, email, role })?;
        if let Some(password) = password {
            session::set_password(conn, &user.email, &password)?;
        }
        Ok(user)
    })
    .await;
    match created {
        Ok(_) => Ok(see_other(&format!("/admin/facilities/{id}?done=user"))),
        Err(error @ crate::error::AppError::NotFound(_)) => Err(error.into()),
        Err(error) => {
            let errors = refusal(error, "email")?;
            facility_page(&state, &posted.visitor, id, StatusCode::UNPROCESSABLE_ENTITY, refused(errors), None).await
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
    let (user, facility) = blocking(state, move |conn, _| {
        let user = directory::user(conn, id)?;
        let facility = directory::get(conn, user.facility_id)?;
        Ok((user, facility))
    })
    .await?;
    render_with(
        status,
        "admin/password.html",
        context! {
            ..Value::from_serialize(Frame::of(visitor, "/admin")),
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
    require_admin(visitor.principal(), "パスワードの設定")?;
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
    require_admin(posted.visitor.principal(), "パスワードの設定")?;
    let id = id.into_inner();
    let password = typed_password(&posted.fields).unwrap_or_default();
    let principal = posted.visitor.principal().clone();
    let set = crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        require_admin(principal, "パスワードの設定")?;
        let user = directory::user(conn, id)?;
        session::set_password(conn, &user.email, &password)?;
        Ok(user.facility_id)
    })
    .await;
    match set {
        Ok(facility) => Ok(see_other(&format!("/admin/facilities/{facility}?done=password"))),
        Err(error @ crate::error::AppError::NotFound(_)) => Err(error.into()),
        Err(error) => {
            let errors = refusal(error, "password")?;
            password_page(&state, &posted.visitor, id, StatusCode::UNPROCESSABLE_ENTITY, errors).await
        }
    }
}
