//! The pages people use: server-rendered Japanese HTML from the same binary, no front-end
//! server and no CDN. Each page handler extracts the signed-in visitor, calls one use case
//! through `shell::blocking`, and renders a template. Forms post back with the session's CSRF
//! token; the answer is a redirect (post/redirect/get) or the same form with its errors.

pub mod admin;
pub mod admission;
pub mod assets;
pub mod claims;
pub mod clients;
pub mod dashboard;
pub mod discharge;
pub mod display;
pub mod documents;
pub mod drafts;
pub mod episodes;
pub mod form;
pub mod help;
pub mod mask;
pub mod pages;
pub mod print;
pub mod sheet;
pub mod sign_in;
pub mod visitor;

use actix_web::web;

use crate::error::AppError;
use crate::idempotency::Answer;
use crate::shell::{AppState, RequestInfo, Write};

/// A page's write: the use case through the shell's one write wrapper, in one transaction with
/// its audit entry (a form has no idempotency key: posting it twice is answered by the use case
/// itself, e.g. 確認 twice changes nothing).
pub async fn write<T, F>(
    state: &web::Data<AppState>,
    principal: crate::auth::Principal,
    request: RequestInfo,
    work: F,
) -> Result<T, AppError>
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&mut crate::db::DbConnection, &AppState, &crate::auth::Principal) -> Result<T, AppError> + Send + 'static,
{
    match crate::shell::write(state, Write::page(principal, request), |_| None, work).await? {
        Answer::Fresh(done) => Ok(done),
        Answer::Replayed(_) => Err(AppError::Unexpected(anyhow::anyhow!("a page's write has no key to replay"))),
    }
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
        .service(documents::attach)
        .service(documents::download)
        .service(drafts::list)
        .service(drafts::start)
        .service(drafts::edit)
        .service(drafts::submit)
        .service(drafts::attach)
        .service(drafts::download)
        .service(print::show)
        .service(clients::show)
        .service(clients::correct)
        .service(clients::record_care_level)
        .service(episodes::list)
        // Before `/episodes/{id}`, which would take "new" for an id.
        .service(admission::new_form)
        .service(admission::register)
        .service(episodes::show)
        .service(episodes::record_contact)
        .service(episodes::withdraw_contact)
        .service(discharge::record_discharge)
        .service(discharge::withdraw_discharge)
        .service(episodes::plan_discharge)
        .service(episodes::assign_care)
        .service(claims::show)
        .service(claims::download)
        .service(claims::calendar_form)
        .service(claims::set_calendar)
        .service(help::contents)
        // Before `/help/{chapter}`, which would take "screenshots" for a chapter.
        .service(help::screenshot)
        .service(help::chapter)
        .service(dashboard::show)
        .service(dashboard::csv)
        .service(dashboard::report)
        .service(admin::index)
        .service(admin::rules::show)
        .service(admin::municipalities::show)
        .service(admin::municipalities::save)
        .service(admin::municipalities::place)
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
        .service(admin::users::set_password)
        .service(admin::users::set_disabled);
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
    ("POST", "/documents/{id}/attachments", Access::Sender),
    ("GET", "/documents/{id}/attachments/{attachment_id}", Access::Parties),
    ("GET", "/drafts", Access::Liaison),
    ("POST", "/drafts", Access::Liaison),
    ("GET", "/drafts/{id}", Access::OwnFacility),
    ("POST", "/drafts/{id}", Access::OwnFacility),
    ("POST", "/drafts/{id}/attachments", Access::OwnFacility),
    ("GET", "/drafts/{id}/attachments/{attachment_id}", Access::OwnFacility),
    ("GET", "/documents/{id}/print", Access::Parties),
    ("GET", "/clients/{id}", Access::Parties),
    ("POST", "/clients/{id}", Access::RecordKeeper),
    ("POST", "/clients/{id}/care-levels", Access::RecordKeeper),
    ("GET", "/episodes", Access::Liaison),
    ("GET", "/episodes/new", Access::Liaison),
    ("POST", "/episodes/new", Access::Hospital),
    ("GET", "/episodes/{id}", Access::Parties),
    ("POST", "/episodes/{id}/contacts", Access::Parties),
    ("POST", "/episodes/{id}/contacts/{contact_id}/withdrawal", Access::Parties),
    ("POST", "/episodes/{id}/planned-discharge", Access::Hospital),
    ("POST", "/episodes/{id}/discharge", Access::Hospital),
    ("POST", "/episodes/{id}/discharge/withdrawal", Access::Hospital),
    ("POST", "/episodes/{id}/care-assignment", Access::SupportCenter),
    ("GET", "/claims", Access::Claims),
    ("GET", "/claims.csv", Access::Claims),
    ("GET", "/claims/calendar", Access::OfficeCalendar),
    ("POST", "/claims/calendar", Access::OfficeCalendar),
    ("GET", "/help", Access::Anyone),
    ("GET", "/help/{chapter}", Access::Anyone),
    ("GET", "/help/screenshots/{name}", Access::Anyone),
    ("GET", "/dashboard", Access::Statistics),
    ("GET", "/dashboard/survey.csv", Access::Statistics),
    ("GET", "/dashboard/report.html", Access::Statistics),
    ("GET", "/admin", Access::Admin),
    ("GET", "/admin/rules", Access::Admin),
    ("GET", "/admin/municipalities", Access::Admin),
    ("POST", "/admin/municipalities", Access::Admin),
    ("POST", "/admin/facilities/{id}/municipality", Access::Admin),
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
    ("POST", "/admin/users/{id}/disable", Access::Admin),
    ("POST", "/admin/users/{id}/enable", Access::Admin),
];

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
    /// Nurses and care managers of the facility that sent the document.
    Sender,
    /// Nurses and care managers of the facility that wrote the draft.
    OwnFacility,
    /// Discharge nurses (for a stay: of its hospital).
    Hospital,
    /// Care managers of the client's care office (for a client without one: a facility of their
    /// stays): the client record's correction.
    RecordKeeper,
    /// Care managers of a 地域包括支援センター (for a stay: one taking part in it).
    SupportCenter,
    /// Coordinators and administrators.
    Statistics,
    /// Care managers (their office's) and coordinators (all offices'): the 加算.
    Claims,
    /// Care managers (their own office's) and administrators (any, with `?office=`).
    OfficeCalendar,
    /// Administrators.
    Admin,
}
