//! A client's 要介護度 over time: the record keeps each level with the day it applies from (a new
//! certification, a 区分変更), recorded by the facility that keeps the record; the current level
//! is the latest. A stay's level is another fact: what the 入院時情報提供書 said at the admission
//! (`documents::sending`), so the survey's breakdown by care level counts each stay as it was.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CARE_LEVELS, correction, store};
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::error::{AppError, FieldError};

/// One level on record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, ToSchema)]
pub struct CareLevelEntry {
    /// One of 要支援1–2, 要介護1–5, 申請中, 区分変更, 未申請.
    pub care_level: String,
    /// The day it applies from.
    pub valid_from: NaiveDate,
}

/// Records a level from a day on (not a future day), by the facility that keeps the record; the
/// client's levels on record after it, the latest first.
pub fn record(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    entry: CareLevelEntry,
) -> Result<Vec<CareLevelEntry>, AppError> {
    let client = super::get(conn, principal, id)?;
    if !correction::keeps(principal, &client) {
        return Err(AppError::Forbidden("要介護度は、担当の居宅介護支援事業所のケアマネジャーが記録します".into()));
    }
    let mut errors = Vec::new();
    if !CARE_LEVELS.contains(&entry.care_level.as_str()) {
        let message = format!("「要介護度」は次のいずれかを選んでください: {}", CARE_LEVELS.join("、"));
        errors.push(FieldError::new("/care_level", "enum", message));
    }
    if entry.valid_from > crate::calendar::today() {
        errors.push(FieldError::new(
            "/valid_from",
            "not_in_future",
            format!("「適用開始日」{} は未来の日付です", entry.valid_from),
        ));
    }
    if entry.valid_from < client.birth_date {
        errors.push(FieldError::new("/valid_from", "after_birth", "「適用開始日」が生年月日より前です"));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    crate::db::write(conn, |conn| {
        store::care_levels::record(conn, id, &entry.care_level, entry.valid_from, Some(principal.user_id))?;
        Ok(store::care_levels::history(conn, id)?)
    })
}

/// The levels on record of a client the caller may see, the latest first.
pub fn history(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<Vec<CareLevelEntry>, AppError> {
    super::get(conn, principal, id)?;
    Ok(store::care_levels::history(conn, id)?)
}
