//! The audit log: who read or wrote which client data, and who signed in (or failed to), when
//! and from where. Never the payloads: an entry names the user, the route, the record's id and
//! the answer's status. Append-only: the database refuses to change or delete an entry.
//!
//! Writes are logged in the transaction of the write itself (`shell::write`), so that a stored
//! change always has its entry; reads and refused requests are logged before the answer leaves
//! (`shell::reads`, declared on each route that shows client data); sign-ins when a token is
//! resolved (`http::extract`) or a password is checked (`web::sign_in`).

pub mod store;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::DbConnection;
use crate::directory::Role;
use crate::error::AppError;

pub use store::record;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    /// Client data was read (or an attempt was answered 403/404: see `status`).
    Read,
    /// Client data was written (logged in the same transaction).
    Write,
    /// A write was refused (4xx): nothing was stored.
    Refused,
    /// A token was resolved to its user.
    SignIn,
    /// An unknown or revoked token was presented.
    SignInFailed,
}

/// Where a request came from: the peer's address (a reverse proxy's, behind one) and what the
/// proxy says in `X-Forwarded-For`.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub remote_addr: Option<String>,
    pub forwarded_for: Option<String>,
}

/// One entry to write.
#[derive(Debug, Clone)]
pub struct Entry {
    pub user: Option<Uuid>,
    pub facility: Option<Uuid>,
    pub action: Action,
    pub method: String,
    /// The route's pattern, e.g. `/api/v1/documents/{id}`.
    pub route: String,
    /// The record concerned (the `{id}` of the route, or what a write created).
    pub target: Option<String>,
    pub status: u16,
    pub origin: Origin,
}

/// An entry as administrators read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub at: DateTime<FixedOffset>,
    pub user_id: Option<String>,
    pub facility_id: Option<String>,
    pub action: Action,
    pub method: String,
    pub route: String,
    pub target_id: Option<String>,
    pub status: i32,
    pub remote_addr: Option<String>,
    pub forwarded_for: Option<String>,
}

/// Which entries to read.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    /// From this instant (inclusive), e.g. 2026-11-01T00:00:00+09:00.
    pub from: Option<DateTime<FixedOffset>>,
    /// Before this instant.
    pub to: Option<DateTime<FixedOffset>>,
    pub user_id: Option<Uuid>,
    /// The record concerned (a client, stay or document id).
    pub target_id: Option<String>,
    pub action: Option<Action>,
    /// `json` (default) or `csv` (UTF-8 with BOM, for Excel).
    pub format: Option<String>,
    /// At most this many, newest first (default 1000, at most 100000).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The log as an administrator asked for it: entries, or a CSV file of them.
pub enum Export {
    Entries(Vec<AuditEntry>),
    Csv(Vec<u8>),
}

/// The entries an administrator asked for, newest first, as JSON entries or (`format=csv`) as
/// a CSV file for Excel.
pub fn export(conn: &mut DbConnection, principal: &Principal, filter: &AuditFilter) -> Result<Export, AppError> {
    principal.require(&[Role::Admin], "監査ログの閲覧")?;
    let csv = match filter.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => return Err(AppError::BadRequest(format!("format は json か csv です (\"{other}\")"))),
    };
    let entries = store::list(conn, filter)?;
    if csv { Ok(Export::Csv(to_csv(&entries).map_err(AppError::Unexpected)?)) } else { Ok(Export::Entries(entries)) }
}

/// The entries as CSV for Excel (UTF-8 with BOM), with Japanese headers; no cell a spreadsheet
/// would run (an address or a path is whatever the request said).
pub fn to_csv(entries: &[AuditEntry]) -> anyhow::Result<Vec<u8>> {
    let header =
        ["日時", "利用者ID", "事業所ID", "操作", "メソッド", "経路", "対象ID", "応答", "接続元", "X-Forwarded-For"]
            .map(str::to_owned)
            .to_vec();
    let rows = entries.iter().map(|e| {
        vec![
            e.at.to_rfc3339(),
            e.user_id.clone().unwrap_or_default(),
            e.facility_id.clone().unwrap_or_default(),
            <&str>::from(e.action).to_owned(),
            e.method.clone(),
            e.route.clone(),
            e.target_id.clone().unwrap_or_default(),
            e.status.to_string(),
            e.remote_addr.clone().unwrap_or_default(),
            e.forwarded_for.clone().unwrap_or_default(),
        ]
    });
    crate::spreadsheet::file(std::iter::once(header).chain(rows), crate::spreadsheet::Encoding::Utf8)
}
