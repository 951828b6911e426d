//! Rules across fields that JSON Schema cannot say: dates in an impossible order, dates in the
//! future, and agreement with what the hospital registered. Pure functions on the payload.

use chrono::{DateTime, NaiveDate};
use serde_json::Value;

use crate::error::FieldError;

/// How far ahead a planned admission may be registered or announced.
pub const MAX_DAYS_AHEAD: i64 = 60;

fn date(payload: &Value, pointer: &str) -> Option<NaiveDate> {
    payload.pointer(pointer)?.as_str()?.parse().ok()
}

fn error(base: &str, pointer: &str, keyword: &str, message: String) -> FieldError {
    FieldError::new(format!("{base}{pointer}"), keyword, message)
}

/// 入院時情報提供書: the person was born before admission; the sheet is not written or provided
/// in the future; a care-level period ends after it starts; the admission date agrees with the
/// stay it is attached to.
pub fn admission_info(
    payload: &Value,
    base: &str,
    today: NaiveDate,
    registered_admission: Option<NaiveDate>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let admission = date(payload, "/header/admission_date");
    let birth = date(payload, "/patient/birth_date");
    for (pointer, name) in
        [("/header/written_on", "記入日"), ("/header/provided_on", "情報提供日"), ("/patient/birth_date", "生年月日")]
    {
        if let Some(day) = date(payload, pointer).filter(|d| *d > today) {
            errors.push(error(
                base,
                pointer,
                "not_in_future",
                format!("「{name}」{day} は未来の日付です（今日は {today}）"),
            ));
        }
    }
    if let (Some(birth), Some(admission)) = (birth, admission)
        && birth > admission
    {
        errors.push(error(
            base,
            "/patient/birth_date",
            "date_order",
            format!("「生年月日」{birth} が「入院日」{admission} より後です"),
        ));
    }
    if let Some(admission) = admission {
        if (admission - today).num_days() > MAX_DAYS_AHEAD {
            errors.push(error(
                base,
                "/header/admission_date",
                "not_too_far_ahead",
                format!("「入院日」{admission} は{MAX_DAYS_AHEAD}日より先の日付です"),
            ));
        }
        if let Some(registered) = registered_admission.filter(|r| *r != admission) {
            errors.push(error(
                base,
                "/header/admission_date",
                "matches_episode",
                format!("「入院日」{admission} が病院に登録された入院日 {registered} と一致しません"),
            ));
        }
    }
    if let (Some(from), Some(to)) =
        (date(payload, "/care_insurance/valid_from"), date(payload, "/care_insurance/valid_to"))
        && from > to
    {
        errors.push(error(
            base,
            "/care_insurance/valid_to",
            "date_order",
            format!("認定の有効期間の終わり {to} が始まり {from} より前です"),
        ));
    }
    errors
}

/// 退院連絡: the planned discharge is not before the admission, and proposed conference dates
/// fall between the admission and the planned discharge.
/// A planned discharge date a year or more ahead: a mistyped year. The same bound holds for a
/// 退院連絡's 退院予定日 and for one saved on the stay.
pub fn planned_discharge_too_far(day: NaiveDate, today: NaiveDate) -> bool {
    day >= today + chrono::Duration::days(365)
}

pub fn discharge_notice(payload: &Value, base: &str, admitted_on: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let planned = date(payload, "/planned_discharge_date");
    if let Some(planned) = planned.filter(|p| *p < admitted_on) {
        errors.push(error(
            base,
            "/planned_discharge_date",
            "date_order",
            format!("「退院予定日」{planned} が入院日 {admitted_on} より前です"),
        ));
    }
    if let Some(planned) = planned.filter(|p| planned_discharge_too_far(*p, today)) {
        errors.push(error(
            base,
            "/planned_discharge_date",
            "not_too_far_ahead",
            format!("「退院予定日」{planned} が1年以上先です。年を確かめてください"),
        ));
    }
    let candidates = payload.pointer("/conference/candidates").and_then(Value::as_array).cloned().unwrap_or_default();
    for (index, candidate) in candidates.iter().enumerate() {
        let Some(day) =
            candidate.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(crate::calendar::japan_date_of)
        else {
            continue;
        };
        let pointer = format!("/conference/candidates/{index}");
        if day < admitted_on {
            errors.push(error(
                base,
                &pointer,
                "date_order",
                format!("カンファレンス候補日 {day} が入院日 {admitted_on} より前です"),
            ));
        } else if let Some(planned) = planned.filter(|p| day > *p) {
            errors.push(error(
                base,
                &pointer,
                "date_order",
                format!("カンファレンス候補日 {day} が退院予定日 {planned} より後です"),
            ));
        }
    }
    errors
}

/// A date that a user records for something that has happened (a discharge, a contact).
pub fn happened(
    pointer: &str,
    name: &str,
    day: NaiveDate,
    not_before: Option<(NaiveDate, &str)>,
    today: NaiveDate,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if day > today {
        errors.push(FieldError::new(
            pointer,
            "not_in_future",
            format!("「{name}」{day} は未来の日付です（今日は {today}）"),
        ));
    }
    if let Some((earliest, earliest_name)) = not_before.filter(|(earliest, _)| day < *earliest) {
        errors.push(FieldError::new(
            pointer,
            "date_order",
            format!("「{name}」{day} が{earliest_name} {earliest} より前です"),
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn a_sound_admission_sheet_passes() {
        let payload = json!({"header": {"admission_date": "2026-11-20", "written_on": "2026-11-20"}, "patient": {"birth_date": "1940-02-11"}});
        assert!(admission_info(&payload, "", day("2026-11-23"), Some(day("2026-11-20"))).is_empty());
    }

    #[test]
    fn impossible_admission_dates_are_each_reported() {
        let payload = json!({
            "header": {"admission_date": "2026-11-20", "written_on": "2026-12-01"},
            "patient": {"birth_date": "2026-11-21"},
            "care_insurance": {"valid_from": "2026-04-01", "valid_to": "2025-03-31"}
        });
        let errors = admission_info(&payload, "/payload", day("2026-11-23"), Some(day("2026-11-19")));
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/payload/header/written_on",
                "/payload/patient/birth_date",
                "/payload/header/admission_date",
                "/payload/care_insurance/valid_to"
            ]
        );
    }

    #[test]
    fn a_discharge_notice_cannot_plan_discharge_before_admission() {
        let payload = json!({"planned_discharge_date": "2026-11-10", "conference": {"candidates": ["2026-11-05T14:00:00+09:00"]}});
        let errors = discharge_notice(&payload, "/payload", day("2026-11-20"), day("2026-11-23"));
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].pointer, "/payload/planned_discharge_date");
        assert_eq!(errors[1].pointer, "/payload/conference/candidates/0");
    }

    #[test]
    fn a_discharge_notice_cannot_plan_discharge_a_year_or_more_ahead() {
        let today = day("2026-11-23");
        let within = json!({"planned_discharge_date": "2027-11-22"});
        assert!(discharge_notice(&within, "", day("2026-11-20"), today).is_empty());
        let mistyped = json!({"planned_discharge_date": "2027-11-23"});
        let errors = discharge_notice(&mistyped, "/payload", day("2026-11-20"), today);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            (errors[0].pointer.as_str(), errors[0].keyword.as_str()),
            ("/payload/planned_discharge_date", "not_too_far_ahead")
        );
    }

    #[test]
    fn a_conference_after_the_planned_discharge_is_refused() {
        let payload = json!({"planned_discharge_date": "2026-12-04", "conference": {"candidates": ["2026-12-05T10:00:00+09:00", "2026-12-01T10:00:00+09:00"]}});
        let errors = discharge_notice(&payload, "", day("2026-11-20"), day("2026-11-23"));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].pointer, "/conference/candidates/0");
    }

    #[test]
    fn past_events_cannot_be_in_the_future_or_before_their_start() {
        assert!(
            happened(
                "/discharged_on",
                "退院日",
                day("2026-11-22"),
                Some((day("2026-11-20"), "入院日")),
                day("2026-11-23")
            )
            .is_empty()
        );
        assert_eq!(
            happened("/discharged_on", "退院日", day("2026-11-24"), None, day("2026-11-23"))[0].keyword,
            "not_in_future"
        );
        assert_eq!(
            happened(
                "/discharged_on",
                "退院日",
                day("2026-11-19"),
                Some((day("2026-11-20"), "入院日")),
                day("2026-11-23")
            )[0]
            .keyword,
            "date_order"
        );
    }
}
