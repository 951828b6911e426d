//! The audit log in the database: append-only (triggers refuse changes and deletions).

use diesel::prelude::*;

use super::{AuditEntry, AuditFilter, Entry};
use crate::calendar;
use crate::db::schema::audit_log;
use crate::db::{DbConnection, new_id, to_enum};
use chrono::NaiveDateTime;

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
