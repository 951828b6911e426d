//! The audit log: who read or wrote which client data, and who signed in (or failed to), when
//! and from where. Never the payloads: an entry names the user, the route, the record's id and
//! the answer's status. Append-only: the database refuses to change or delete an entry.
//!
//! Writes are logged in the transaction of the write itself (`http::write_once`), so that a
//! stored change always has its entry; reads and refused requests are logged before the answer
//! leaves (`http::audit_reads`); sign-ins when a token is resolved (`http::extract`).

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::calendar;
use crate::db::schema::audit_log;
use crate::db::{DbConnection, new_id, to_enum};

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

pub fn record(conn: &mut DbConnection, entry: &Entry) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(new_id().to_string()),
            audit_log::at.eq(calendar::now()),
            audit_log::user_id.eq(entry.user.map(|u| u.to_string())),
            audit_log::facility_id.eq(entry.facility.map(|f| f.to_string())),
            audit_log::action.eq(<&str>::from(entry.action)),
            audit_log::method.eq(&entry.method),
            audit_log::route.eq(&entry.route),
            audit_log::target_id.eq(&entry.target),
            audit_log::status.eq(i32::from(entry.status)),
            audit_log::remote_addr.eq(&entry.origin.remote_addr),
            audit_log::forwarded_for.eq(&entry.origin.forwarded_for),
        ))
        .execute(conn)?;
    Ok(())
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

type Row = (
    NaiveDateTime,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    i32,
    Option<String>,
    Option<String>,
);

/// Entries matching the filter, newest first.
pub fn list(conn: &mut DbConnection, filter: &AuditFilter) -> QueryResult<Vec<AuditEntry>> {
    let mut query = audit_log::table.into_boxed();
    if let Some(from) = filter.from {
        query = query.filter(audit_log::at.ge(calendar::to_utc(from)));
    }
    if let Some(to) = filter.to {
        query = query.filter(audit_log::at.lt(calendar::to_utc(to)));
    }
    if let Some(user) = filter.user_id {
        query = query.filter(audit_log::user_id.eq(user.to_string()));
    }
    if let Some(target) = &filter.target_id {
        query = query.filter(audit_log::target_id.eq(target.clone()));
    }
    if let Some(action) = filter.action {
        query = query.filter(audit_log::action.eq(<&str>::from(action)));
    }
    let rows: Vec<Row> = query
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(filter.limit.unwrap_or(1000).clamp(1, 100_000))
        .offset(filter.offset.unwrap_or(0).max(0))
        .select((
            audit_log::at,
            audit_log::user_id,
            audit_log::facility_id,
            audit_log::action,
            audit_log::method,
            audit_log::route,
            audit_log::target_id,
            audit_log::status,
            audit_log::remote_addr,
            audit_log::forwarded_for,
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(at, user_id, facility_id, action, method, route, target_id, status, remote_addr, forwarded_for)| {
            Ok(AuditEntry {
                at: calendar::in_japan(at),
                user_id,
                facility_id,
                action: to_enum(&action)?,
                method,
                route,
                target_id,
                status,
                remote_addr,
                forwarded_for,
            })
        })
        .collect()
}

/// The entries as CSV for Excel (UTF-8 with BOM), with Japanese headers.
pub fn to_csv(entries: &[AuditEntry]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes()));
    writer.write_record([
        "日時",
        "利用者ID",
        "事業所ID",
        "操作",
        "メソッド",
        "経路",
        "対象ID",
        "応答",
        "接続元",
        "X-Forwarded-For",
    ])?;
    for e in entries {
        writer.write_record([
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
        ])?;
    }
    Ok(writer.into_inner()?)
}
