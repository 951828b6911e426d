//! The lockout after repeated failed sign-ins: an address, or an account (a mail address signed
//! in to with a password), is refused for the rest of [`WINDOW`] once `limit` sign-ins failed
//! within it. The failures are kept in the database, so that with several app servers a lockout
//! on one holds on every other (docs/security.md).

use chrono::{Duration, NaiveDateTime};

use super::store;
use crate::db::DbConnection;
use crate::error::AppError;

/// How long failed sign-ins count, and how long a lockout lasts at most.
pub const WINDOW: Duration = Duration::minutes(15);

/// What a failure is counted against.
pub fn address_key(address: std::net::IpAddr) -> String {
    format!("address {address}")
}

pub fn account_key(email: &str) -> String {
    format!("account {}", email.trim().to_lowercase())
}

/// Failures within [`WINDOW`] before a key is locked out (`LOCKOUT_AFTER_FAILED_SIGN_INS`).
#[derive(Debug, Clone, Copy)]
pub struct Lockout {
    pub limit: u32,
}

impl Lockout {
    /// Refuses a sign-in when any of the keys has `limit` failures within the window before
    /// `now`: a 429 with the seconds until the oldest of them leaves it.
    pub fn check(&self, conn: &mut DbConnection, keys: &[String], now: NaiveDateTime) -> Result<(), AppError> {
        for key in keys {
            let (failures, oldest) = store::failures_since(conn, key, now - WINDOW)?;
            if failures >= i64::from(self.limit)
                && let Some(oldest) = oldest
            {
                let wait = (oldest + WINDOW - now).num_seconds().max(1);
                return Err(AppError::TooManyRequests(u64::try_from(wait).unwrap_or(1)));
            }
        }
        Ok(())
    }

    /// Counts a failed sign-in against each key, forgetting their failures older than the window.
    pub fn failed(&self, conn: &mut DbConnection, keys: &[String], now: NaiveDateTime) -> Result<(), AppError> {
        for key in keys {
            store::record_failure(conn, key, now, now - WINDOW)?;
        }
        Ok(())
    }
}
