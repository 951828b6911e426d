//! Limits on callers: a rate limit per API token (per address for requests without one), and a
//! lockout of an address after repeated failed sign-ins. Both answer 429 with `Retry-After`.
//! Both are kept in each server process's memory: with several app servers, each counts alone.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::{GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError};
use actix_web::dev::ServiceRequest;
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// How long failed sign-ins count, and how long a lockout lasts.
pub const LOCKOUT: Duration = Duration::from_secs(15 * 60);

/// Who a request is counted against: its API token (hashed: secrets are not kept in memory
/// longer than the request), or its address when it has none.
#[derive(Clone)]
pub struct Caller;

impl KeyExtractor for Caller {
    type Key = String;
    type KeyExtractionError = SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<Self::Key, Self::KeyExtractionError> {
        let token =
            req.headers().get("Authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        Ok(match token {
            Some(token) => format!("token {:x}", Sha256::digest(token.trim().as_bytes())),
            None => format!("address {}", req.peer_addr().map(|a| a.ip().to_string()).unwrap_or_default()),
        })
    }

    fn exceed_rate_limit_response(&self, negative: &NotUntil<QuantaInstant>, _: HttpResponseBuilder) -> HttpResponse {
        let wait = negative.wait_time_from(DefaultClock::default().now()).as_secs().max(1);
        AppError::TooManyRequests(wait).error_response()
    }
}

pub type RateLimit = GovernorConfig<Caller, NoOpMiddleware<QuantaInstant>>;

/// The rate limit: `per_minute` requests a minute per caller, of which a tenth (at least 10)
/// may come at once. Each worker thread wraps the app in `Governor::new(&limit)`; they share
/// one count.
pub fn rate_limit(per_minute: u32) -> anyhow::Result<RateLimit> {
    let per_minute = per_minute.max(1);
    let config = GovernorConfigBuilder::default()
        .key_extractor(Caller)
        .period(Duration::from_secs(60) / per_minute)
        .burst_size((per_minute / 10).max(10))
        .finish()
        .ok_or_else(|| anyhow::anyhow!("RATE_LIMIT_PER_MINUTE: no valid rate limit"))?;
    Ok(config)
}

/// Failed sign-ins per address, and per account (an address of mail signed in to with a
/// password): either locks out after `limit` failures within [`LOCKOUT`].
pub struct SignInFailures {
    /// Failures within [`LOCKOUT`] before an address or account is locked out.
    limit: u32,
    by_key: Mutex<HashMap<String, (Instant, u32)>>,
}

impl SignInFailures {
    pub fn new(limit: u32) -> Self {
        Self { limit, by_key: Mutex::default() }
    }

    /// Refuses a sign-in from an address with too many recent failures: the seconds to wait.
    pub fn check(&self, address: Option<IpAddr>) -> Result<(), AppError> {
        address.map_or(Ok(()), |address| self.check_key(&format!("address {address}")))
    }

    /// Counts a failed sign-in from an address.
    pub fn failed(&self, address: Option<IpAddr>) {
        if let Some(address) = address {
            self.failed_key(&format!("address {address}"));
        }
    }

    /// Refuses a password sign-in to an account with too many recent failures, from anywhere.
    pub fn check_account(&self, email: &str) -> Result<(), AppError> {
        self.check_key(&format!("account {}", email.trim().to_lowercase()))
    }

    /// Counts a failed password sign-in to an account.
    pub fn failed_account(&self, email: &str) {
        self.failed_key(&format!("account {}", email.trim().to_lowercase()));
    }

    fn check_key(&self, key: &str) -> Result<(), AppError> {
        let mut all = self.by_key.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match all.get(key) {
            Some((since, _)) if since.elapsed() >= LOCKOUT => {
                all.remove(key);
                Ok(())
            }
            Some((since, failures)) if *failures >= self.limit => {
                Err(AppError::TooManyRequests(LOCKOUT.saturating_sub(since.elapsed()).as_secs().max(1)))
            }
            _ => Ok(()),
        }
    }

    fn failed_key(&self, key: &str) {
        let mut all = self.by_key.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget keys whose window has passed, so that the map stays small.
        all.retain(|_, (since, _)| since.elapsed() < LOCKOUT);
        all.entry(key.to_owned()).or_insert((Instant::now(), 0)).1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_locked_out_after_ten_failures_and_others_are_not() {
        let failures = SignInFailures::new(10);
        let (attacker, neighbour) = ("192.0.2.1".parse().ok(), "192.0.2.2".parse().ok());
        for _ in 0..10 {
            assert!(failures.check(attacker).is_ok());
            failures.failed(attacker);
        }
        match failures.check(attacker) {
            Err(AppError::TooManyRequests(seconds)) => assert!(seconds > 14 * 60 && seconds <= 15 * 60, "{seconds}"),
            other => panic!("{other:?}"),
        }
        assert!(failures.check(neighbour).is_ok());
    }

    #[test]
    fn an_account_is_locked_out_whatever_the_address_and_its_case() {
        let failures = SignInFailures::new(3);
        for _ in 0..3 {
            assert!(failures.check_account("Kango@Example.jp").is_ok());
            failures.failed_account("kango@example.jp ");
        }
        assert!(matches!(failures.check_account("KANGO@example.jp"), Err(AppError::TooManyRequests(_))));
        assert!(failures.check_account("shien@example.jp").is_ok());
        assert!(failures.check("192.0.2.9".parse().ok()).is_ok());
    }
}
