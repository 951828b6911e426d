//! The stay's forms as typed in a page (every field a string), read into the inputs of the use
//! cases. What cannot be read is reported by field with the pointer the API would give
//! (`/client/birth_date`, `/admitted_on`); the use cases check everything else, as they do for
//! the API.

use serde::Serialize;
use uuid::Uuid;

use super::{Destination, Discharge, NewAdmission, PlannedDischarge};
use crate::calendar;
use crate::clients::{NewClient, Sex};
use crate::error::FieldError;
use crate::forms::text;

/// The registration of an admission as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AdmissionForm {
    pub name: String,
    pub name_kana: String,
    pub birth_date: String,
    pub sex: String,
    pub insurance_number: String,
    pub care_level: String,
    pub care_office_id: String,
    pub admitted_on: String,
    pub admitted_time: String,
    pub planned_discharge_on: String,
    pub planned_respite: bool,
}

impl AdmissionForm {
    /// The admission the form describes, or what cannot be read.
    pub fn read(&self) -> Result<NewAdmission, Vec<FieldError>> {
        let mut errors = Vec::new();
        let birth_date = text::date("/client/birth_date", "生年月日", &self.birth_date, &mut errors);
        let admitted_on = text::date("/admitted_on", "入院日", &self.admitted_on, &mut errors);
        let planned_discharge_on =
            text::optional_date("/planned_discharge_on", "退院予定日", &self.planned_discharge_on, &mut errors);
        let sex = self.sex.parse::<Sex>().ok();
        if sex.is_none() {
            errors.push(FieldError::new("/client/sex", "enum", "「性別」を選んでください"));
        }
        let care_office_id = match self.care_office_id.trim() {
            "" => None,
            id => {
                let parsed = id.parse::<Uuid>().ok();
                if parsed.is_none() {
                    errors.push(FieldError::new(
                        "/care_office_id",
                        "exists",
                        "「居宅介護支援事業所」を一覧から選んでください",
                    ));
                }
                parsed
            }
        };
        let admitted_time = text::time("/admitted_at", "入院時刻", &self.admitted_time, &mut errors);
        let optional = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        match (birth_date, admitted_on, sex) {
            (Some(birth_date), Some(admitted_on), Some(sex)) if errors.is_empty() => Ok(NewAdmission {
                client: NewClient {
                    name: self.name.clone(),
                    name_kana: self.name_kana.clone(),
                    birth_date,
                    sex,
                    insurance_number: optional(&self.insurance_number),
                    care_level: optional(&self.care_level),
                    care_manager_id: None,
                    municipality: None,
                },
                care_office_id,
                admitted_on,
                admitted_at: admitted_time
                    .and_then(|t| admitted_on.and_time(t).and_local_timezone(calendar::JAPAN).single()),
                planned_discharge_on,
                planned_respite: self.planned_respite,
            }),
            _ => Err(errors),
        }
    }
}

/// The discharge as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DischargeForm {
    pub discharged_on: String,
    pub destination: String,
    /// 訂正の理由, when a recorded discharge is corrected (empty when it is first recorded).
    pub correction_reason: String,
}

impl DischargeForm {
    /// The discharge the form describes, or what cannot be read.
    pub fn read(&self) -> Result<Discharge, Vec<FieldError>> {
        let mut errors = Vec::new();
        let day = text::date("/discharged_on", "退院日", &self.discharged_on, &mut errors);
        let destination = self.destination.parse::<Destination>().ok();
        if destination.is_none() {
            errors.push(FieldError::new("/destination", "enum", "「退院先」を選んでください"));
        }
        match (day, destination) {
            (Some(discharged_on), Some(destination)) => {
                let reason = self.correction_reason.trim();
                let correction_reason = (!reason.is_empty()).then(|| reason.to_owned());
                Ok(Discharge { discharged_on, destination, correction_reason })
            }
            _ => Err(errors),
        }
    }
}

/// The planned discharge date as typed: blank clears it (未定).
pub fn read_plan(typed: &str) -> Result<PlannedDischarge, Vec<FieldError>> {
    let mut errors = Vec::new();
    if typed.trim().is_empty() {
        return Ok(PlannedDischarge { planned_discharge_on: None });
    }
    match text::date("/planned_discharge_on", "退院予定日", typed, &mut errors) {
        Some(day) => Ok(PlannedDischarge { planned_discharge_on: Some(day) }),
        None => {
            let message = "「退院予定日」を 2026-11-20 の形の日付で入力してください（未定なら空欄）";
            Err(vec![FieldError::new("/planned_discharge_on", "format", message)])
        }
    }
}
