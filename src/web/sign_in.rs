//! Signing in and out, and the set-up of an empty installation's first administrator.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::context;

use super::pages::{PageError, render_with, see_other};
use super::visitor::{self, AnonymousPost, Posted, SESSION_COOKIE, SIGN_IN_COOKIE};
use crate::audit::Action;
use crate::auth::session::{self, FirstAdmin, SignIn};
use crate::directory::Role;
use crate::error::AppError;
use crate::shell::RequestInfo;
use crate::shell::{AppState, blocking};

/// The start page: each role's own first page, or the sign-in.
#[get("/")]
pub async fn home(request: HttpRequest) -> Result<HttpResponse, PageError> {
    let signed_in = <visitor::SignedIn as actix_web::FromRequest>::extract(&request).await;
    let visitor = match signed_in {
        Ok(visitor) => visitor,
        Err(PageError::SignIn { .. }) => return Ok(see_other("/login")),
        Err(error) => return Err(error),
    };
    Ok(see_other(start_page(visitor.principal().role)))
}

fn start_page(role: Role) -> &'static str {
    match role {
        Role::DischargeNurse | Role::CareManager => "/inbox",
        Role::Coordinator => "/dashboard",
        Role::Admin => "/admin",
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// Where to go after signing in: a path of this site only, as the query gave it (decoded).
/// Anything else (another site's address, `//host`, `/\\host`, a scheme, a control character such
/// as a tab or a line break, which browsers drop or which break the header) is ignored, and the
/// visitor goes to their start page.
fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
            && !n.contains("://")
            && !n.starts_with("/login")
    })
    .map(str::to_owned)
}

/// The sign-in page; its form is guarded by a fresh cookie.
#[get("/login")]
pub async fn form(state: web::Data<AppState>, query: web::Query<Next>) -> Result<HttpResponse, PageError> {
    let needs_setup = blocking(&state, |conn, _| session::needs_setup(conn)).await?;
    sign_in_page(&state, StatusCode::OK, safe_next(query.next.as_deref()), None, "", needs_setup)
}

fn sign_in_page(
    state: &AppState,
    status: StatusCode,
    next: Option<String>,
    error: Option<&str>,
    email: &str,
    needs_setup: bool,
) -> Result<HttpResponse, PageError> {
    let guard = crate::auth::random_hex()?;
    let mut response =
        render_with(status, "sign_in.html", context! { csrf => guard, next, error, email, needs_setup })?;
    response
        .add_cookie(&visitor::cookie(SIGN_IN_COOKIE, guard, &state.site))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(response)
}

/// Checks the address of mail and password; opens a session, or shows the form again. Failed
/// attempts count against the address and the account (lockout), and are audited.
#[post("/login")]
pub async fn submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    posted: AnonymousPost,
) -> Result<HttpResponse, PageError> {
    let fields = posted.fields;
    let email = fields.get("email").unwrap_or_default().to_owned();
    let password = fields.0.iter().find(|(n, _)| n == "password").map(|(_, v)| v.clone()).unwrap_or_default();
    let next = safe_next(fields.get("next"));
    let address = request.peer_addr().map(|a| a.ip());
    let mut entry = RequestInfo::of(&request).entry(None, Action::SignIn, 303);
    let (lifetime, account) = (state.site.session_lifetime, email.clone());
    let outcome = blocking(&state, move |conn, state| {
        // The address and the account, each locked out after failed sign-ins on any server.
        let mut keys: Vec<String> = address.map(crate::auth::lockout::address_key).into_iter().collect();
        keys.push(crate::auth::lockout::account_key(&account));
        let (lockout, now) = (state.sign_ins, crate::calendar::now());
        lockout.check(conn, &keys, now)?;
        let outcome = session::sign_in(conn, &account, &password, lifetime)?;
        match &outcome {
            SignIn::Opened(opened) => {
                entry.user = Some(opened.session.principal.user_id);
                entry.facility = Some(opened.session.principal.facility_id);
            }
            SignIn::Refused { user } => (entry.user, entry.action, entry.status) = (*user, Action::SignInFailed, 401),
            SignIn::Disabled { user } => {
                (entry.user, entry.action, entry.status) = (Some(*user), Action::SignInFailed, 403)
            }
        }
        let failed = matches!(outcome, SignIn::Refused { .. });
        state.commits.write(conn, move |conn| {
            crate::audit::record(conn, &entry)?;
            if failed {
                lockout.failed(conn, &keys, now)?;
            }
            Ok::<_, crate::error::AppError>(())
        })?;
        Ok(outcome)
    })
    .await?;
    match outcome {
        SignIn::Opened(opened) => {
            let target = next.unwrap_or_else(|| start_page(opened.session.principal.role).to_owned());
            let mut cookie = visitor::cookie(SESSION_COOKIE, opened.secret, &state.site);
            cookie.set_max_age(actix_web::cookie::time::Duration::seconds(state.site.session_lifetime.num_seconds()));
            Ok(HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, target))
                .cookie(cookie)
                .cookie(visitor::removal(SIGN_IN_COOKIE, &state.site))
                .finish())
        }
        SignIn::Disabled { .. } => {
            let message = "このアカウントは利用が停止されています。事業所の管理者にご連絡ください";
            sign_in_page(&state, StatusCode::FORBIDDEN, next, Some(message), &email, false)
        }
        SignIn::Refused { .. } => {
            let message = "メールアドレスまたはパスワードが違います";
            sign_in_page(&state, StatusCode::UNAUTHORIZED, next, Some(message), &email, false)
        }
    }
}

/// Ends the session and forgets its cookie.
#[post("/logout")]
pub async fn sign_out(
    state: web::Data<AppState>,
    request: HttpRequest,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let _ = posted.visitor;
    if let Some(secret) = request.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) {
        blocking(&state, move |conn, _| session::sign_out(conn, &secret)).await?;
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, "/login?signed_out=1"))
        .cookie(visitor::removal(SESSION_COOKIE, &state.site))
        .finish())
}

/// The first administrator's page, open only while there is no administrator.
#[get("/setup")]
pub async fn setup_form(state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    if !blocking(&state, |conn, _| session::needs_setup(conn)).await? {
        return Ok(see_other("/login"));
    }
    setup_page(&state, StatusCode::OK, &visitor::Fields::default(), &[])
}

fn setup_page(
    state: &AppState,
    status: StatusCode,
    fields: &visitor::Fields,
    errors: &[crate::error::FieldError],
) -> Result<HttpResponse, PageError> {
    let guard = crate::auth::random_hex()?;
    let values: std::collections::HashMap<&str, &str> = ["facility_code", "facility_name", "name", "email"]
        .into_iter()
        .map(|name| (name, fields.get(name).unwrap_or_default()))
        .collect();
    let errors: std::collections::HashMap<String, String> =
        errors.iter().map(|e| (e.pointer.trim_start_matches('/').to_owned(), e.message.clone())).collect();
    let mut response = render_with(status, "setup.html", context! { csrf => guard, values, errors })?;
    response
        .add_cookie(&visitor::cookie(SIGN_IN_COOKIE, guard, &state.site))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("cookie: {e}")))?;
    Ok(response)
}

/// Creates the first administrator when the set-up code printed at start-up is right, and
/// signs them in.
#[post("/setup")]
pub async fn setup_submit(
    state: web::Data<AppState>,
    request: HttpRequest,
    posted: AnonymousPost,
) -> Result<HttpResponse, PageError> {
    let fields = posted.fields;
    let address = request.peer_addr().map(|a| a.ip());
    let code = fields.get("setup_code").unwrap_or_default().to_uppercase();
    let right = code == state.site.setup_code;
    // The address is locked out after wrong codes, as after failed sign-ins, on any server.
    blocking(&state, move |conn, state| {
        let keys: Vec<String> = address.map(crate::auth::lockout::address_key).into_iter().collect();
        let (lockout, now) = (state.sign_ins, crate::calendar::now());
        lockout.check(conn, &keys, now)?;
        if !right {
            state.commits.write(conn, move |conn| lockout.failed(conn, &keys, now))?;
        }
        Ok(())
    })
    .await?;
    if !right {
        let error = crate::error::FieldError::new(
            "/setup_code",
            "setup_code",
            "設定コードが違います。サーバーを起動した画面に表示されたコードを入力してください",
        );
        return setup_page(&state, StatusCode::UNPROCESSABLE_ENTITY, &fields, &[error]);
    }
    let password = fields.0.iter().find(|(n, _)| n == "password").map(|(_, v)| v.clone()).unwrap_or_default();
    let confirmation = fields.0.iter().find(|(n, _)| n == "password_confirmation").map(|(_, v)| v.as_str());
    if confirmation != Some(password.as_str()) {
        let error = crate::error::FieldError::new("/password_confirmation", "same", "確認用のパスワードが一致しません");
        return setup_page(&state, StatusCode::UNPROCESSABLE_ENTITY, &fields, &[error]);
    }
    let first = FirstAdmin {
        facility_code: fields.get("facility_code").unwrap_or_default().to_owned(),
        facility_name: fields.get("facility_name").unwrap_or_default().to_owned(),
        name: fields.get("name").unwrap_or_default().to_owned(),
        email: fields.get("email").unwrap_or_default().to_owned(),
        password,
    };
    let lifetime = state.site.session_lifetime;
    let created = blocking(&state, move |conn, _| {
        let user = session::set_up(conn, first)?;
        session::open(conn, user, lifetime)
    })
    .await;
    match created {
        Ok(opened) => Ok(HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, "/admin"))
            .cookie(visitor::cookie(SESSION_COOKIE, opened.secret, &state.site))
            .cookie(visitor::removal(SIGN_IN_COOKIE, &state.site))
            .finish()),
        Err(AppError::Invalid(errors)) => setup_page(&state, StatusCode::UNPROCESSABLE_ENTITY, &fields, &errors),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_a_path_of_this_site_is_followed_after_signing_in() {
        for local in ["/inbox", "/documents/0193f5a0-0000-7000-8000-000000000000?revision=2", "/episodes?all=1"] {
            assert_eq!(safe_next(Some(local)).as_deref(), Some(local));
        }
        for elsewhere in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\n/evil.example",
            "https://evil.example/",
            "/redirect?to=https://evil.example",
            "evil.example",
            "/login?next=/inbox",
            "/ /evil.example",
            "/\u{3000}/evil.example",
        ] {
            assert_eq!(safe_next(Some(elsewhere)), None, "{elsewhere:?}");
        }
    }
}
