//! What the audit log records of a request: method, route pattern, the record's `{id}`, and
//! where the request came from.

use actix_web::{FromRequest, HttpRequest};

use crate::audit::{self, Action, Origin};
use crate::auth::Principal;
use crate::error::AppError;

/// The facts of a request that its audit entry keeps.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub method: String,
    pub route: String,
    pub id: Option<String>,
    pub origin: Origin,
}

impl RequestInfo {
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            method: req.method().to_string(),
            route: req.match_pattern().unwrap_or_else(|| req.path().to_owned()),
            id: req.match_info().get("id").map(str::to_owned),
            origin: Origin {
                remote_addr: req.peer_addr().map(|a| a.ip().to_string()),
                forwarded_for: req
                    .headers()
                    .get("X-Forwarded-For")
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.chars().take(200).collect()),
            },
        }
    }

    /// An audit entry for this request.
    pub fn entry(&self, principal: Option<&Principal>, action: Action, status: u16) -> audit::Entry {
        audit::Entry {
            user: principal.map(|p| p.user_id),
            facility: principal.map(|p| p.facility_id),
            action,
            method: self.method.clone(),
            route: self.route.clone(),
            target: self.id.clone(),
            status,
            origin: self.origin.clone(),
        }
    }
}

impl FromRequest for RequestInfo {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Ok(Self::of(req)))
    }
}
