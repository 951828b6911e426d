//! A client record corrected: one truth per person. Every sheet's 患者 must agree with the record
//! (`forms::identity`), so a wrong name or birth date is corrected here, once, by the facility
//! that keeps the record: its care office's care managers, or, for a patient without a care
//! office, a facility of their stays. The identity before is kept with who corrected it, when
//! and why; documents already sent keep what they said.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Client, NewClient, Sex, store};
use crate::auth::Principal;
use crate::error::AppError;

/// The most characters a reason may have.
const REASON_CHARS: usize = 500;

/// The corrected identity and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// 氏名
    pub name: String,
    /// フリガナ (katakana)
    pub name_kana: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// 介護保険被保険者番号: 10 digits, or none.
    #[serde(default)]
    pub insurance_number: Option<String>,
    /// Why it is corrected (kept with the identity before).
    pub reason: String,
}

/// Whether `principal` keeps the record of `client` (and so may correct it).
pub fn keeps(principal: &Principal, client: &Client) -> bool {
    match &client.care_office {
        Some(office) => office.id == principal.facility_id && principal.role == crate::directory::Role::CareManager,
        None => true,
    }
}

/// Corrects the record of a client the caller's facility keeps: 404 for a client it cannot see,
/// 403 for one another facility keeps, 422 with every wrong field, 409 for an insurance number
/// another client of the office has. An identity as it already is changes nothing.
pub fn correct(
    conn: &mut crate::db::DbConnection,
    principal: &Principal,
    id: Uuid,
    correction: Correction,
) -> Result<Client, AppError> {
    let client = super::get(conn, principal, id)?;
    if !keeps(principal, &client) {
        return Err(AppError::Forbidden("利用者の情報は、担当の居宅介護支援事業所のケアマネジャーが訂正します".into()));
    }
    let insurance_number =
        correction.insurance_number.as_deref().map(crate::forms::text::half_width).filter(|n| !n.is_empty());
    let correction = Correction { insurance_number, ..correction };
    let as_new = NewClient {
        name: correction.name.clone(),
        name_kana: correction.name_kana.clone(),
        birth_date: correction.birth_date,
        sex: correction.sex,
        insurance_number: correction.insurance_number.clone(),
        care_level: None,
        care_manager_id: None,
        municipality: None,
    };
    let mut errors = as_new.problems("");
    let reason = correction.reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_CHARS {
        errors.push(crate::error::FieldError::new(
            "/reason",
            "required",
            format!("「訂正の理由」を{REASON_CHARS}文字以内で入力してください"),
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let unchanged = client.name == correction.name.trim()
        && client.name_kana == correction.name_kana.trim()
        && client.birth_date == correction.birth_date
        && client.sex == correction.sex
        && client.insurance_number == correction.insurance_number;
    if unchanged {
        return Ok(client);
    }
    crate::db::write(conn, |conn| {
        if let Some(number) = &correction.insurance_number
            && store::find_by_insurance_number(conn, number, client.care_office.as_ref().map(|o| o.id))?
                .is_some_and(|other| other != id)
        {
            return Err(AppError::Conflict(format!(
                "被保険者番号 {number} の利用者はこの事業所にすでに登録されています"
            )));
        }
        store::corrections::correct(conn, &client, &correction, principal.user_id)?;
        Ok(store::get(conn, id)?)
    })
}
