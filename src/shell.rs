//! The shell both doors stand on: the JSON API (`http`) and the pages (`web`) import this and the
//! features, never each other. It holds the application's state, runs a use case on a pooled
//! connection off the async workers (`blocking`), the one write wrapper (idempotent and audited,
//! `write`), the facts of a request that the audit log keeps (`RequestInfo`), the audit of reads,
//! which each route showing client data declares (`reads`), the limits on callers (`limits`), and
//! files uploaded and downloaded (`files`).

pub mod files;
pub mod limits;
pub mod reads;
pub mod request;
pub mod write;

use std::sync::Arc;

use actix_web::web;

use crate::db::{DbConnection, Pool};
use crate::error::AppError;
use crate::forms::registry::SchemaRegistry;

pub use request::RequestInfo;
pub use write::{Write, write};

/// What every request can reach: the database, the compiled schemas, the rules in force, the
/// mail queue, and the settings and counters of the doors.
pub struct AppState {
    pub pool: Pool,
    pub schemas: SchemaRegistry,
    /// The OpenAPI document, rendered once.
    pub openapi: String,
    pub tokens: crate::auth::TokenCache,
    /// The handbook rules in force.
    pub rules: Arc<crate::survey::rules::RuleSet>,
    /// Queues mail and wakes this process's delivery worker.
    pub notifier: crate::notify::Notifier,
    /// The lockout after failed sign-ins per address and account (counted in the database).
    pub sign_ins: crate::auth::lockout::Lockout,
    /// What the doors need of the configuration.
    pub site: SiteSettings,
    /// On SQLite, the writes of requests that arrive together share one commit.
    pub commits: crate::db::group::GroupCommit,
}

/// What the doors need to know of the configuration.
#[derive(Debug, Clone)]
pub struct SiteSettings {
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
    /// A received document not acknowledged after this many hours is overdue.
    pub ack_reminder_hours: u32,
}

impl SiteSettings {
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

/// Runs `work` with a pooled connection on the blocking thread pool, so that diesel never
/// blocks an async worker.
pub async fn blocking<T, F>(state: &web::Data<AppState>, work: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConnection, &AppState) -> Result<T, AppError> + Send + 'static,
{
    let state = state.clone();
    web::block(move || {
        let mut conn = state.pool.get()?;
        work(&mut conn, &state)
    })
    .await?
}

/// The application's state of a request, for extractors and middleware.
pub fn state_of(request: &actix_web::HttpRequest) -> Result<web::Data<AppState>, AppError> {
    request
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no application state")))
}
