//! A contact recorded by mistake (the wrong stay, a call that never got through), withdrawn
//! with a reason by the facility that recorded it (issue "Corrections without fear"). Nothing
//! is deleted: the contact stays on the stay's record, marked, with who withdrew it, when and
//! why; it counts for nothing from then on, and the stay's contact summary and the survey's
//! daily counts are worked out again without it in the same transaction. A document's contact
//! follows its document (amended, not withdrawn); an imported one its file.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Contact, store};
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::directory::Role;
use crate::error::AppError;

/// A contact's withdrawal, as the stay shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Withdrawal {
    pub reason: String,
    pub withdrawn_by: Uuid,
    pub withdrawn_at: DateTime<FixedOffset>,
}

/// Why a contact is withdrawn.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactWithdrawal {
    /// 取り消しの理由 (required, at most 500 characters).
    pub correction_reason: String,
}

/// Withdraws a contact of a stay that the caller's facility recorded by hand.
pub fn withdraw(
    conn: &mut DbConnection,
    principal: &Principal,
    episode_id: Uuid,
    contact_id: Uuid,
    request: &ContactWithdrawal,
) -> Result<Contact, AppError> {
    principal.require(&[Role::DischargeNurse, Role::CareManager], "連絡の取り消し")?;
    let reason = crate::episodes::correction::reason(Some(&request.correction_reason))
        .map_err(|error| AppError::Invalid(vec![error]))?;
    crate::db::write(conn, |conn| {
        if !crate::episodes::store::is_party(conn, episode_id, principal.facility_id)? {
            return Err(AppError::NotFound("episode"));
        }
        let contact = store::get(conn, contact_id).map_err(|_| AppError::NotFound("contact"))?;
        if contact.episode_id != episode_id {
            return Err(AppError::NotFound("contact"));
        }
        if contact.document_id.is_some() {
            return Err(AppError::Conflict(
                "Renkei で送った書類の連絡は取り消せません。内容の誤りは書類を訂正してください".into(),
            ));
        }
        if contact.recorded_by.is_none() {
            return Err(AppError::Conflict(
                "一括で取り込んだ連絡は画面から取り消せません。取り込みを行った管理者に相談してください".into(),
            ));
        }
        if contact.recorded_by_facility != Some(principal.facility_id) {
            return Err(AppError::Forbidden("連絡を記録した事業所だけが取り消せます".into()));
        }
        if !store::mark_withdrawn(conn, contact_id, principal.user_id, &reason)? {
            return Err(AppError::Conflict("この連絡はすでに取り消されています".into()));
        }
        let firsts = store::firsts_of_episode(conn, episode_id)?;
        crate::episodes::store::replace_contact_firsts(conn, episode_id, firsts)?;
        Ok(store::get(conn, contact_id)?)
    })
}
