//! Rendering: the templates (minijinja, compiled into the binary, HTML escaped by default), the
//! frame every page shares (who is signed in, the menu, the CSRF token), the headers of a page
//! answer, and `PageError`, which turns any failure into a Japanese page or a redirect.

use std::sync::OnceLock;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use minijinja::Environment;
use serde::Serialize;

use crate::directory::Role;
use crate::error::AppError;

/// The page templates, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("error.html", include_str!("templates/error.html")),
    ("sign_in.html", include_str!("templates/sign_in.html")),
    ("setup.html", include_str!("templates/setup.html")),
    ("documents/list.html", include_str!("templates/documents/list.html")),
    ("documents/show.html", include_str!("templates/documents/show.html")),
    ("drafts/list.html", include_str!("templates/drafts/list.html")),
    ("drafts/edit.html", include_str!("templates/drafts/edit.html")),
    ("documents/print.html", include_str!("templates/documents/print.html")),
    ("episodes/list.html", include_str!("templates/episodes/list.html")),
    ("episodes/new.html", include_str!("templates/episodes/new.html")),
    ("episodes/show.html", include_str!("templates/episodes/show.html")),
    ("dashboard/show.html", include_str!("templates/dashboard/show.html")),
    ("claims/list.html", include_str!("templates/claims/list.html")),
    ("help.html", include_str!("templates/help.html")),
    ("claims/calendar.html", include_str!("templates/claims/calendar.html")),
    ("clients/show.html", include_str!("templates/clients/show.html")),
    ("admin/fields.html", include_str!("templates/admin/fields.html")),
    ("admin/index.html", include_str!("templates/admin/index.html")),
    ("admin/facility_new.html", include_str!("templates/admin/facility_new.html")),
    ("admin/facility.html", include_str!("templates/admin/facility.html")),
    ("admin/window.html", include_str!("templates/admin/window.html")),
    ("admin/password.html", include_str!("templates/admin/password.html")),
    ("admin/rules.html", include_str!("templates/admin/rules.html")),
    ("admin/municipalities.html", include_str!("templates/admin/municipalities.html")),
];

/// The template environment, built once.
pub fn templates() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            // A template that does not parse fails the test that renders every page.
            if let Err(error) = env.add_template(name, source) {
                tracing::error!(template = name, %error, "template does not parse");
            }
        }
        if let Err(error) = super::form::add_templates(&mut env) {
            tracing::error!(%error, "the form template does not parse");
        }
        env
    })
}

/// The page's Content-Security-Policy: only Renkei's own scripts, styles and images.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'";

/// Renders a template into a page answer.
pub fn render(name: &str, context: minijinja::Value) -> Result<HttpResponse, PageError> {
    render_with(StatusCode::OK, name, context)
}

/// The same with another status (a form shown again with its errors is a 422).
pub fn render_with(status: StatusCode, name: &str, context: minijinja::Value) -> Result<HttpResponse, PageError> {
    let html = templates()
        .get_template(name)
        .and_then(|template| template.render(context))
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("template {name}: {e:#}")))?;
    Ok(page_response(status).body(html))
}

fn page_response(status: StatusCode) -> actix_web::HttpResponseBuilder {
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", PAGE_POLICY))
        // Not the API's `no-referrer`: under it a browser posts the page's forms with
        // `Origin: null` and no Referer, and the same-origin check refuses every form (403).
        // `same-origin` still sends nothing to other sites.
        .insert_header(("Referrer-Policy", "same-origin"));
    response
}

/// The messages of a refused form by the name of the page's field (the first message of each):
/// the pointer without its slash, the client's fields without `client/` (`/client/birth_date` is
/// `birth_date`), a contact window's with `window_` (`/contact_windows/email` is `window_email`).
pub fn by_field(errors: &[crate::error::FieldError]) -> std::collections::BTreeMap<String, String> {
    let mut fields = std::collections::BTreeMap::new();
    for error in errors {
        let pointer = error.pointer.trim_start_matches('/');
        let name = match pointer.strip_prefix("client/") {
            Some(field) => field.to_owned(),
            None => pointer.replace("contact_windows/", "window_"),
        };
        fields.entry(name).or_insert_with(|| error.message.clone());
    }
    fields
}

/// A redirect after a form was handled (post/redirect/get).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((actix_web::http::header::LOCATION, location)).finish()
}

/// What every page shows around its content.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    pub me: Me,
    pub csrf: String,
    pub nav: Vec<NavItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Me {
    pub name: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub facility: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    /// A count shown beside the label (unread documents, beside 受信箱).
    pub count: i64,
}

impl Frame {
    /// The frame for the visitor signed in with `session` on the page at `path`.
    pub fn of(session: &crate::auth::session::Session, path: &str, unread: i64) -> Self {
        let principal = &session.principal;
        let items: &[(&str, &str)] = match principal.role {
            Role::DischargeNurse => {
                &[("/inbox", "受信箱"), ("/outbox", "送信箱"), ("/episodes", "入院・退院"), ("/drafts", "下書き")]
            }
            Role::CareManager => &[
                ("/inbox", "受信箱"),
                ("/outbox", "送信箱"),
                ("/episodes", "入院・退院"),
                ("/drafts", "下書き"),
                ("/claims", "加算"),
            ],
            Role::Coordinator => &[("/dashboard", "連携状況の集計"), ("/claims", "加算")],
            Role::Admin => &[("/admin", "管理"), ("/dashboard", "連携状況の集計")],
        };
        Self {
            me: Me {
                name: principal.user_name.clone(),
                role: principal.role.as_str(),
                role_label: principal.role.label(),
                facility: principal.facility_name.clone(),
            },
            csrf: session.csrf_token.clone(),
            nav: items
                .iter()
                .map(|(href, label)| NavItem {
                    href,
                    label,
                    current: path == *href || path.starts_with(&format!("{href}/")),
                    count: if *href == "/inbox" { unread } else { 0 },
                })
                .collect(),
        }
    }
}

/// A page that could not be shown: sign in first, or an error shown as a page in Japanese.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not signed in (or the session ended): to the sign-in page, and back to `next` after.
    #[error("sign-in needed")]
    SignIn { next: String },
    #[error(transparent)]
    App(#[from] AppError),
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn { .. } => StatusCode::SEE_OTHER,
            Self::App(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let error = match self {
            Self::SignIn { next } => {
                let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                return see_other(&format!("/login?next={next}"));
            }
            Self::App(AppError::Unauthorized) => return see_other("/login"),
            Self::App(error) => error,
        };
        if matches!(error, AppError::Unexpected(_)) {
            // Logged once here, with the cause; the page says nothing of it.
            tracing::error!(error = format!("{error:#}"), "page failed");
        }
        let (title, message) = describe(error);
        let context = minijinja::context! { title, message, status => error.status_code().as_u16() };
        let html = templates().get_template("error.html").and_then(|t| t.render(context)).unwrap_or_else(|_| {
            format!(
                "<!doctype html><html lang=\"ja\"><meta charset=\"utf-8\"><title>{title}</title><p>{title}</p></html>"
            )
        });
        let mut response = page_response(error.status_code());
        if let AppError::TooManyRequests(seconds) = error {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.body(html)
    }
}

/// The title and the explanation of an error page.
fn describe(error: &AppError) -> (&'static str, String) {
    match error {
        AppError::Forbidden(why) => ("この操作はできません", why.clone()),
        AppError::NotFound(_) => {
            ("ページが見つかりません", "お探しのページはないか、この事業所からは見られません。".to_owned())
        }
        AppError::Invalid(errors) => {
            ("入力に誤りがあります", errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("。"))
        }
        AppError::Conflict(why) => ("登録済みの内容と食い違います", why.clone()),
        AppError::TooManyRequests(seconds) => {
            ("操作が多すぎます", format!("しばらく（{seconds}秒ほど）待ってから、もう一度お試しください。"))
        }
        AppError::BadRequest(why) => ("送信内容を読み取れません", why.clone()),
        AppError::TooLarge(error) | AppError::UnsupportedType(error) => {
            ("ファイルを添付できません", error.message.clone())
        }
        AppError::MethodNotAllowed(_) | AppError::Unauthorized => {
            ("この操作はできません", "ページを開き直してください。".to_owned())
        }
        AppError::Unexpected(_) => (
            "サーバーで問題が発生しました",
            "入力した内容は保存されていない可能性があります。時間をおいてもう一度お試しください。".to_owned(),
        ),
    }
}
