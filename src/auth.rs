//! API tokens for machines and scripts: shown once when issued, stored only as a SHA-256 hash,
//! and resolved on each request to the [`Principal`] that acts.

pub mod store;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::DbConnection;
use crate::directory::{FacilityKind, Role};
use crate::error::AppError;

const TOKEN_PREFIX: &str = "renkei_";

/// Who is acting: a user, their role, and the facility they act for.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: Uuid,
    pub role: Role,
    pub facility_id: Uuid,
    pub facility_kind: FacilityKind,
}

impl Principal {
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

fn hash(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Issues a new API token for the user with that email address.
pub fn issue_token(conn: &mut DbConnection, email: &str, label: &str) -> Result<IssuedToken, AppError> {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| AppError::Unexpected(anyhow::anyhow!("no randomness: {e}")))?;
    let secret = format!("{TOKEN_PREFIX}{}", random.iter().map(|b| format!("{b:02x}")).collect::<String>());
    crate::db::write(conn, |conn| {
        let user = crate::directory::store::find_user_by_email(conn, email)?
            .ok_or_else(|| AppError::invalid("/user", "exists", format!("{email} の利用者は登録されていません")))?;
        let id = store::insert_token(conn, user.id, &hash(&secret), label)?;
        Ok(IssuedToken { id, secret })
    })
}

/// The principal behind a bearer token, if the token is known and not revoked.
pub fn authenticate(conn: &mut DbConnection, secret: &str) -> Result<Option<Principal>, AppError> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    Ok(store::find_principal(conn, &hash(secret))?)
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
}
