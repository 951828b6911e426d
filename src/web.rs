//! The pages people use: server-rendered Japanese HTML from the same binary, no front-end
//! server and no CDN. Each page handler extracts the signed-in visitor, calls one use case
//! through `http::blocking`, and renders a template. Forms post back with the session's CSRF
//! token; the answer is a redirect (post/redirect/get) or the same form with its errors.

pub mod admin;
pub mod admission;
pub mod assets;
pub mod dashboard;
pub mod display;
pub mod documents;
pub mod episodes;
pub mod form;
pub mod mask;
pub mod pages;
pub mod print;
pub mod sign_in;
pub mod stay;
pub mod timeline;
pub mod visitor;
pub mod write;

use actix_web::web;

/// What the pages need to know of the configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Cookies get `Secure` (and HSTS is sent) when `PUBLIC_URL` is https.
    pub secure_cookies: bool,
    /// How long a sign-in lasts (`SESSION_HOURS`).
    pub session_lifetime: chrono::Duration,
    /// `PUBLIC_URL`'s origin (`https://renkei.example.jp`): forms must be posted from it (or
    /// from the address the request was sent to).
    pub public_origin: String,
    /// The one-time code the first administrator types on `/setup`; printed at start-up while
    /// the installation has no administrator.
    pub setup_code: String,
    /// A received document not acknowledged after this many hours is overdue in the inbox.
    pub ack_reminder_hours: u32,
}

impl WebSettings {
    pub fn new(settings: &crate::settings::Settings) -> anyhow::Result<Self> {
        let url = url::Url::parse(&settings.public_url)?;
        let code = crate::auth::random_hex()?;
        Ok(Self {
            secure_cookies: url.scheme() == "https",
            ack_reminder_hours: settings.ack_reminder_hours,
            session_lifetime: chrono::Duration::hours(i64::from(settings.session_hours)),
            public_origin: url.origin().ascii_serialization(),
            // Eight digits in two groups: typed by hand from the server's console.
            setup_code: format!("{}-{}", &code[..4], &code[4..8]).to_uppercase(),
        })
    }
}

/// Runs a use case that changes something, with its audit entry in the same transaction (as
/// `http::write_once` does for the API; a page's form needs no idempotency key: posting it
/// twice is answered by the use case itself, e.g. 確認 twice changes nothing).
pub async fn audited_write<T, F>(
    state: &web::Data<crate::http::AppState>,
    principal: crate::auth::Principal,
    request: crate::http::extract::RequestInfo,
    work: F,
) -> Result<T, crate::error::AppError>
where
    T: Send + 'static,
    F: FnOnce(
            &mut crate::db::DbConnection,
            &crate::http::AppState,
            &crate::auth::Principal,
        ) -> Result<T, crate::error::AppError>
        + Send
        + 'static,
{
    crate::http::blocking(state, move |conn, state| {
        crate::db::write(conn, |conn| {
            let done = work(conn, state, &principal)?;
            let entry = request.entry(Some(&principal), crate::audit::Action::Write, 303);
            crate::audit::record(conn, &entry)?;
            Ok(done)
        })
    })
    .await
}

/// Every page route. The authorization test (`tests/api/authz.rs`) lists them in `PAGES`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(assets::get)
        .service(sign_in::home)
        .service(sign_in::form)
        .service(sign_in::submit)
        .service(sign_in::sign_out)
        .service(sign_in::setup_form)
        .service(sign_in::setup_submit)
        .service(documents::inbox)
        .service(documents::outbox)
        .service(documents::show)
        .service(documents::acknowledge)
        .service(write::list)
        .service(write::start)
        .service(write::edit)
        .service(write::submit)
        .service(print::show)
        .service(episodes::list)
        // Before `/episodes/{id}`, which would take "new" for an id.
        .service(admission::new_form)
        .service(admission::register)
        .service(episodes::show)
        .service(episodes::record_contact)
        .service(episodes::record_discharge)
        .service(episodes::plan_discharge)
        .service(dashboard::show)
        .service(dashboard::csv)
        .service(dashboard::report)
        .service(admin::index)
        .service(admin::rules::show)
        // Before `/admin/facilities/{id}`, which would take "new" for an id.
        .service(admin::facilities::new_form)
        .service(admin::facilities::create)
        .service(admin::facilities::show)
        .service(admin::facilities::add_window)
        .service(admin::windows::edit_form)
        .service(admin::windows::change)
        .service(admin::windows::remove)
        .service(admin::users::create)
        .service(admin::users::password_form)
        .service(admin::users::set_password);
}

/// The page routes and who may open them, for the tests and docs: (method, path, who).
pub const PAGES: &[(&str, &str, Access)] = &[
    ("GET", "/", Access::Anyone),
    ("GET", "/login", Access::Anyone),
    ("POST", "/login", Access::Anyone),
    ("POST", "/logout", Access::SignedIn),
    ("GET", "/setup", Access::Anyone),
    ("POST", "/setup", Access::Anyone),
    ("GET", "/inbox", Access::Liaison),
    ("GET", "/outbox", Access::Liaison),
    ("GET", "/documents/{id}", Access::Parties),
    ("POST", "/documents/{id}/acknowledge", Access::Recipient),
    ("GET", "/drafts", Access::Liaison),
    ("POST", "/drafts", Access::Liaison),
    ("GET", "/drafts/{id}", Access::OwnFacility),
    ("POST", "/drafts/{id}", Access::OwnFacility),
    ("GET", "/documents/{id}/print", Access::Parties),
    ("GET", "/episodes", Access::Liaison),
    ("GET", "/episodes/new", Access::Liaison),
    ("POST", "/episodes/new", Access::Hospital),
    ("GET", "/episodes/{id}", Access::Parties),
    ("POST", "/episodes/{id}/contacts", Access::Parties),
    ("POST", "/episodes/{id}/planned-discharge", Access::Hospital),
    ("POST", "/episodes/{id}/discharge", Access::Hospital),
    ("GET", "/dashboard", Access::Statistics),
    ("GET", "/dashboard/survey.csv", Access::Statistics),
    ("GET", "/dashboard/report.html", Access::Statistics),
    ("GET", "/admin", Access::Admin),
    ("GET", "/admin/rules", Access::Admin),
    ("GET", "/admin/facilities/new", Access::Admin),
    ("POST", "/admin/facilities", Access::Admin),
    ("GET", "/admin/facilities/{id}", Access::Admin),
    ("POST", "/admin/facilities/{id}/windows", Access::Admin),
    ("GET", "/admin/facilities/{id}/windows/{window}", Access::Admin),
    ("POST", "/admin/facilities/{id}/windows/{window}", Access::Admin),
    ("POST", "/admin/facilities/{id}/windows/{window}/remove", Access::Admin),
    ("POST", "/admin/facilities/{id}/users", Access::Admin),
    ("GET", "/admin/users/{id}/password", Access::Admin),
    ("POST", "/admin/users/{id}/password", Access::Admin),
];

/// Pages that show or change client data: every request to them is audited (`http::audit_reads`).
pub const CLIENT_DATA_PAGES: &[&str] =
    &["/inbox", "/outbox", "/documents", "/episodes", "/clients", "/drafts", "/write", "/print"];

/// Who may open a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No sign-in needed.
    Anyone,
    /// Any signed-in user.
    SignedIn,
    /// Discharge nurses and care managers.
    Liaison,
    /// Nurses and care managers of the facilities that sent or received the record.
    Parties,
    /// Nurses and care managers of the facility that received the document.
    Recipient,
    /// Nurses and care managers of the facility that wrote the draft.
    OwnFacility,
    /// Discharge nurses (for a stay: of its hospital).
    Hospital,
    /// Coordinators and administrators.
    Statistics,
    /// Administrators.
    Admin,
}
