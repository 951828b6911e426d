//! Who acts: API tokens for machines and scripts (shown once when issued, stored only as a
//! SHA-256 hash), passwords and sign-in sessions for people using the pages; each resolves to
//! the [`Principal`] that acts.

pub mod lockout;
pub mod password;
pub mod session;
pub mod store;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::DbConnection;
use crate::directory::{FacilityKind, Role};
use crate::error::AppError;

const TOKEN_PREFIX: &str = "renkei_";

/// How long a resolved API token is trusted without asking the database again.
pub const TOKEN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(30);

/// Who is acting: a user, their role, and the facility they act for.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    pub user_name: String,
    pub role: Role,
    pub facility_id: Uuid,
    pub facility_kind: FacilityKind,
    pub facility_code: String,
    pub facility_name: String,
}

impl Principal {
    /// The acting user, loaded by id (for the demo and tools acting without a token).
    pub fn of_user(conn: &mut DbConnection, user_id: Uuid) -> Result<Self, AppError> {
        store::principal_of_user(conn, user_id)?.ok_or(AppError::NotFound("user"))
    }

    /// The facility acting, as documents mention it.
    pub fn facility_ref(&self) -> crate::directory::FacilityRef {
        crate::directory::FacilityRef {
            id: self.facility_id,
            code: self.facility_code.clone(),
            name: self.facility_name.clone(),
        }
    }

    /// Refuses unless the user is a discharge nurse or a care manager: only they read client
    /// data (documents, stays, clients). Coordinators and administrators see the directory and,
    /// later, survey figures.
    pub fn require_liaison(&self) -> Result<(), AppError> {
        self.require(&[Role::DischargeNurse, Role::CareManager], "利用者の情報・書類の閲覧")
    }

    /// Refuses the action unless the user has one of the roles.
    pub fn require(&self, roles: &[Role], action: &str) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let allowed: Vec<&str> = roles.iter().map(|r| r.label()).collect();
            Err(AppError::Forbidden(format!("{action}は{}だけが行えます", allowed.join("・"))))
        }
    }
}

/// A freshly issued token: the only time its secret is visible.
#[derive(Debug)]
pub struct IssuedToken {
    pub id: Uuid,
    pub secret: String,
}

/// 32 random bytes as 64 hex digits: the secret of a token, a session or a CSRF token.
pub fn random_hex() -> Result<String, AppError> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| AppError::Unexpected(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(random.iter().map(|b| format!("{b:02x}")).collect())
}

fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Issues a new API token for the user with that email address.
pub fn issue_token(conn: &mut DbConnection, email: &str, label: &str) -> Result<IssuedToken, AppError> {
    let secret = format!("{TOKEN_PREFIX}{}", random_hex()?);
    crate::db::write(conn, |conn| {
        let user = crate::directory::store::find_user_by_email(conn, email)?
            .ok_or_else(|| AppError::invalid("/user", "exists", format!("{email} の利用者は登録されていません")))?;
        let id = store::insert_token(conn, user.id, &hash(&secret), label)?;
        Ok(IssuedToken { id, secret })
    })
}

/// A token as an administrator sees it: never its secret.
#[derive(Debug, Clone)]
pub struct TokenInfo {
    pub id: Uuid,
    pub label: String,
    pub created_at: chrono::NaiveDateTime,
    pub revoked_at: Option<chrono::NaiveDateTime>,
}

/// The tokens of the user with that email address, oldest first.
pub fn tokens_of(conn: &mut DbConnection, email: &str) -> Result<Vec<TokenInfo>, AppError> {
    let user = crate::directory::store::find_user_by_email(conn, email)?
        .ok_or_else(|| AppError::invalid("/user", "exists", format!("{email} の利用者は登録されていません")))?;
    Ok(store::tokens_of(conn, user.id)?)
}

/// Revokes a token: requests with it are refused within [`TOKEN_CACHE_TTL`].
pub fn revoke_token(conn: &mut DbConnection, id: Uuid) -> Result<(), AppError> {
    crate::db::write(conn, |conn| match store::revoke(conn, id)? {
        0 => Err(AppError::invalid("/token", "exists", format!("トークン {id} はないか、すでに無効です"))),
        _ => Ok(()),
    })
}

/// The principal behind a bearer token, if the token is known and not revoked.
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> Result<Option<Principal>, AppError> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    Ok(store::find_principal(conn, &hash(secret))?)
}

/// Recently resolved tokens, so that most requests need no database round trip to know who is
/// acting. An entry lives `ttl` (a revoked token or a changed role takes effect after at most
/// that long). Keys are token hashes, never the secrets themselves.
pub struct TokenCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Principal, Instant)>>,
}

impl TokenCache {
    const MAX_ENTRIES: usize = 10_000;

    pub fn new(ttl: Duration) -> Self {
        Self { ttl, entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, secret: &str) -> Option<Principal> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.get(&hash(secret)).filter(|(_, at)| at.elapsed() < self.ttl).map(|(principal, _)| principal.clone())
    }

    /// Forgets every token of a user (disabled, or their role changed): the next request with
    /// one of them asks the database.
    pub fn forget_user(&self, user_id: uuid::Uuid) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.retain(|_, (principal, _)| principal.user_id != user_id);
    }

    pub fn put(&self, secret: &str, principal: Principal) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(hash(secret), (principal, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::hash;

    #[test]
    fn the_stored_hash_does_not_contain_the_secret() {
        let secret = "renkei_00112233";
        let stored = hash(secret);
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains("00112233"));
        assert_eq!(stored, hash(secret));
    }

    #[test]
    fn a_cached_token_expires() {
        let principal = super::Principal {
            user_id: uuid::Uuid::nil(),
            user_name: "支援 健一".into(),
            role: crate::directory::Role::CareManager,
            facility_id: uuid::Uuid::nil(),
            facility_kind: crate::directory::FacilityKind::CareOffice,
            facility_code: "C1".into(),
            facility_name: "さくら".into(),
        };
        let cache = super::TokenCache::new(std::time::Duration::from_millis(50));
        cache.put("renkei_a", principal);
        assert!(cache.get("renkei_a").is_some());
        assert!(cache.get("renkei_b").is_none());
        std::thread::sleep(std::time::Duration::from_millis(60));
        assert!(cache.get("renkei_a").is_none());
    }
}
