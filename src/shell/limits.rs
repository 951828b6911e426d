//! The rate limit on callers: per API token (per address for requests without one), 429 with
//! `Retry-After`. It is kept in each server process's memory: with several app servers, each
//! counts alone (docs/security.md). The lockout after failed sign-ins is counted in the database
//! instead, shared by every server (`auth::lockout`).

use std::time::Duration;

use actix_governor::governor::NotUntil;
use actix_governor::governor::clock::{Clock, DefaultClock, QuantaInstant};
use actix_governor::governor::middleware::NoOpMiddleware;
use actix_governor::{GovernorConfig, GovernorConfigBuilder, KeyExtractor, SimpleKeyExtractionError};
use actix_web::dev::ServiceRequest;
use actix_web::{HttpResponse, HttpResponseBuilder, ResponseError};
use sha2::{Digest, Sha256};

use crate::error::AppError;

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
