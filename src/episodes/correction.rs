//! A discharge recorded by mistake, corrected or withdrawn by its hospital with a reason
//! (issue "Corrections without fear"): posting the discharge again with another date or
//! destination and a `correction_reason` corrects it; a withdrawal puts the patient back in
//! hospital. Nothing is deleted: each correction keeps what the stay said before, and the
//! survey's daily counts follow in the same transaction.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Destination, Discharge, Episode};
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::directory::{Role, UserRef};
use crate::error::{AppError, FieldError};

/// The longest reason kept (a sentence or two, not a report).
pub const REASON_MAX_CHARS: usize = 500;

/// Why a recorded discharge is withdrawn (the patient is still in hospital).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DischargeWithdrawal {
    /// 取り消しの理由 (required, at most 500 characters).
    pub correction_reason: String,
}

/// One correction of a stay's discharge, as the stay's detail shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DischargeCorrection {
    pub previous_discharged_on: NaiveDate,
    pub previous_destination: Option<Destination>,
    /// The discharge as corrected; null: withdrawn (still in hospital).
    pub discharged_on: Option<NaiveDate>,
    pub destination: Option<Destination>,
    pub reason: String,
    pub corrected_by: UserRef,
    pub corrected_at: DateTime<FixedOffset>,
}

/// The reason, trimmed, or why it cannot be taken (at `/correction_reason`).
pub fn reason(text: Option<&str>) -> Result<String, FieldError> {
    let text = text.map(str::trim).unwrap_or_default();
    let problem = |keyword, message: String| Err(FieldError::new("/correction_reason", keyword, message));
    if text.is_empty() {
        problem("required", "「訂正の理由」を入力してください（例：退院日を誤って入力したため）".into())
    } else if text.chars().count() > REASON_MAX_CHARS {
        problem("max_length", format!("「訂正の理由」は{REASON_MAX_CHARS}文字以内で入力してください"))
    } else {
        Ok(text.to_owned())
    }
}

/// Corrects the recorded discharge of `episode` (already checked: the caller's hospital's stay,
/// discharged on `done`) to `discharge`, with its reason.
pub fn correct(
    conn: &mut DbConnection,
    principal: &Principal,
    episode: &Episode,
    done: NaiveDate,
    discharge: &Discharge,
) -> Result<(), AppError> {
    let reason = reason(discharge.correction_reason.as_deref()).map_err(|_| {
        AppError::Conflict(format!(
            "退院はすでに {done} で記録されています。訂正するときは「訂正の理由」を入力してください"
        ))
    })?;
    super::check_discharge_date(episode, discharge.discharged_on)?;
    super::store::set_discharge(conn, episode.id, discharge.discharged_on, discharge.destination)?;
    let now = Some((discharge.discharged_on, discharge.destination));
    Ok(super::store::add_correction(conn, episode.id, (done, episode.destination), now, &reason, principal.user_id)?)
}

/// Withdraws the recorded discharge of a stay of the caller's hospital: the patient is in
/// hospital again, the correction kept with its reason.
pub fn withdraw(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    withdrawal: DischargeWithdrawal,
) -> Result<(), AppError> {
    principal.require(&[Role::DischargeNurse], "退院の記録の取り消し")?;
    let reason = reason(Some(&withdrawal.correction_reason)).map_err(|e| AppError::Invalid(vec![e]))?;
    crate::db::write(conn, |conn| {
        let episode = super::visible(conn, principal, id)?;
        if episode.hospital.id != principal.facility_id {
            return Err(AppError::Forbidden("退院の記録はその入院先の医療機関だけが取り消せます".into()));
        }
        let Some(done) = episode.discharged_on else {
            return Err(AppError::Conflict("この入院には退院が記録されていません（入院中です）".into()));
        };
        super::store::clear_discharge(conn, id)?;
        Ok(super::store::add_correction(conn, id, (done, episode.destination), None, &reason, principal.user_id)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_trimmed_and_short() {
        assert_eq!(reason(Some("  退院日の入力誤り ")).ok().as_deref(), Some("退院日の入力誤り"));
        for missing in [None, Some(""), Some(" 　\n")] {
            assert_eq!(reason(missing).map_err(|e| e.keyword).err().as_deref(), Some("required"), "{missing:?}");
        }
        let long = "あ".repeat(REASON_MAX_CHARS + 1);
        assert_eq!(reason(Some(&long)).map_err(|e| e.keyword).err().as_deref(), Some("max_length"));
        assert!(reason(Some(&"あ".repeat(REASON_MAX_CHARS))).is_ok());
    }
}
