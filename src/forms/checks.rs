//! Rules across fields that JSON Schema cannot say: dates in an impossible order, dates in the
//! future, and agreement with what the hospital registered. Pure functions on the payload.

use chrono::{DateTime, NaiveDate};
use serde_json::Value;

use crate::error::FieldError;

/// How far ahead a planned admission may be registered or announced.
pub const MAX_DAYS_AHEAD: i64 = 60;

pub(super) fn date(payload: &Value, pointer: &str) -> Option<NaiveDate> {
    payload.pointer(pointer)?.as_str()?.parse().ok()
}

pub(super) fn error(base: &str, pointer: &str, keyword: &str, message: String) -> FieldError {
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
    not_in_future(
        payload,
        base,
        today,
        &[("/header/written_on", "記入日"), ("/header/provided_on", "情報提供日"), ("/patient/birth_date", "生年月日")],
        &mut errors,
    );
    born_before(payload, base, "/patient/birth_date", admission, &mut errors);
    if let Some(admission) = admission {
        if (admission - today).num_days() > MAX_DAYS_AHEAD {
            errors.push(error(
                base,
                "/header/admission_date",
                "not_too_far_ahead",
                format!("「入院日」{admission} は{MAX_DAYS_AHEAD}日より先の日付です"),
            ));
        }
        if let Some(registered) = registered_admission {
            matches_stay(base, "/header/admission_date", admission, registered, &mut errors);
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

/// Each of `fields` (pointer, name) that holds a date after `today`.
fn not_in_future(payload: &Value, base: &str, today: NaiveDate, fields: &[(&str, &str)], errors: &mut Vec<FieldError>) {
    for (pointer, name) in fields {
        if let Some(day) = date(payload, pointer).filter(|d| *d > today) {
            errors.push(error(
                base,
                pointer,
                "not_in_future",
                format!("「{name}」{day} は未来の日付です（今日は {today}）"),
            ));
        }
    }
}

/// The birth date at `pointer` is not after the admission.
fn born_before(payload: &Value, base: &str, pointer: &str, admission: Option<NaiveDate>, errors: &mut Vec<FieldError>) {
    if let (Some(birth), Some(admission)) = (date(payload, pointer), admission)
        && birth > admission
    {
        errors.push(error(
            base,
            pointer,
            "date_order",
            format!("「生年月日」{birth} が「入院日」{admission} より後です"),
        ));
    }
}

/// The admission date written at `pointer` is the one the hospital registered for the stay.
fn matches_stay(base: &str, pointer: &str, written: NaiveDate, registered: NaiveDate, errors: &mut Vec<FieldError>) {
    if written != registered {
        errors.push(error(
            base,
            pointer,
            "matches_episode",
            format!("「入院日」{written} が病院に登録された入院日 {registered} と一致しません"),
        ));
    }
}

/// A planned discharge at `pointer`: not before the admission, not a year or more ahead.
fn planned_discharge(
    payload: &Value,
    base: &str,
    pointer: &str,
    admitted_on: NaiveDate,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let planned = date(payload, pointer)?;
    if planned < admitted_on {
        errors.push(error(
            base,
            pointer,
            "date_order",
            format!("「退院予定日」{planned} が入院日 {admitted_on} より前です"),
        ));
    }
    if planned_discharge_too_far(planned, today) {
        errors.push(error(
            base,
            pointer,
            "not_too_far_ahead",
            format!("「退院予定日」{planned} が1年以上先です。年を確かめてください"),
        ));
    }
    Some(planned)
}

/// A planned discharge date a year or more ahead: a mistyped year. The same bound holds for a
/// 退院連絡's 退院予定日 and for one saved on the stay.
pub fn planned_discharge_too_far(day: NaiveDate, today: NaiveDate) -> bool {
    day >= today + chrono::Duration::days(365)
}

/// 退院連絡: the planned discharge is not before the admission, and proposed conference dates
/// fall between the admission and the planned discharge.
pub fn discharge_notice(payload: &Value, base: &str, admitted_on: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let planned = planned_discharge(payload, base, "/planned_discharge_date", admitted_on, today, &mut errors);
    let candidates = payload.pointer("/conference/candidates").and_then(Value::as_array).cloned().unwrap_or_default();
    for (index, candidate) in candidates.iter().enumerate() {
        let Some(day) = japan_date_at(candidate) else { continue };
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

/// The Japan date of a date-time value.
pub fn japan_date_at(value: &Value) -> Option<NaiveDate> {
    value.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(crate::calendar::japan_date_of)
}

/// 入院連絡: the admission date is the stay's, the time of admission falls on it, the patient was
/// born before it, and the planned discharge (if known) is not before it nor a year ahead.
pub fn admission_notice(payload: &Value, base: &str, admitted_on: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let admission = date(payload, "/admission_date");
    if let Some(admission) = admission {
        matches_stay(base, "/admission_date", admission, admitted_on, &mut errors);
    }
    if let (Some(admission), Some(at)) = (admission, payload.pointer("/admitted_at").and_then(japan_date_at))
        && at != admission
    {
        errors.push(error(
            base,
            "/admitted_at",
            "date_order",
            format!("「入院日時」の日付 {at} が「入院日」{admission} と一致しません"),
        ));
    }
    born_before(payload, base, "/patient/birth_date", Some(admitted_on), &mut errors);
    planned_discharge(payload, base, "/planned_discharge_date", admitted_on, today, &mut errors);
    errors
}

/// 診療情報提供書(退院時): not written in the future, nor a disease's onset or the birth; the
/// admission date (if written) is the stay's; the planned discharge is not before it.
pub fn discharge_referral(payload: &Value, base: &str, admitted_on: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let diagnoses = payload.pointer("/condition/diagnoses").and_then(Value::as_array).map_or(0, Vec::len);
    let onsets: Vec<String> = (0..diagnoses).map(|i| format!("/condition/diagnoses/{i}/onset_date")).collect();
    let mut fields = vec![("/header/written_on", "記入日"), ("/patient/birth_date", "生年月日")];
    fields.extend(onsets.iter().map(|p| (p.as_str(), "発症年月日")));
    not_in_future(payload, base, today, &fields, &mut errors);
    born_before(payload, base, "/patient/birth_date", Some(admitted_on), &mut errors);
    if let Some(written) = date(payload, "/header/admission_date") {
        matches_stay(base, "/header/admission_date", written, admitted_on, &mut errors);
    }
    planned_discharge(payload, base, "/header/planned_discharge_date", admitted_on, today, &mut errors);
    errors
}

/// 退院・退所情報記録書: not written in the future, nor an interview; the admission date is the
/// stay's; no interview before the admission.
pub fn discharge_record(payload: &Value, base: &str, admitted_on: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let rows = payload.pointer("/interviews").and_then(Value::as_array).map_or(0, Vec::len);
    let interviews: Vec<String> = (0..rows).map(|i| format!("/interviews/{i}/interviewed_on")).collect();
    let mut fields = vec![("/header/written_on", "記入日")];
    fields.extend(interviews.iter().map(|p| (p.as_str(), "聞き取り日")));
    not_in_future(payload, base, today, &fields, &mut errors);
    if let Some(written) = date(payload, "/header/admission_date") {
        matches_stay(base, "/header/admission_date", written, admitted_on, &mut errors);
    }
    for pointer in &interviews {
        if let Some(day) = date(payload, pointer).filter(|d| *d < admitted_on) {
            errors.push(error(
                base,
                pointer,
                "date_order",
                format!("「聞き取り日」{day} が入院日 {admitted_on} より前です"),
            ));
        }
    }
    errors
}

/// 退院前カンファレンス: the proposed and fixed dates fall between the admission and the planned
/// discharge; the conference recorded was held, after the admission.
pub fn discharge_conference(payload: &Value, base: &str, admitted_on: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let planned = planned_discharge(payload, base, "/planned_discharge_date", admitted_on, today, &mut errors);
    let candidates = payload.pointer("/proposal/candidates").and_then(Value::as_array).map_or(0, Vec::len);
    let mut proposed: Vec<(String, &str)> =
        (0..candidates).map(|i| (format!("/proposal/candidates/{i}"), "候補日時")).collect();
    proposed.push(("/fixed/starts_at".to_owned(), "開催日時"));
    for (pointer, name) in &proposed {
        let Some(day) = payload.pointer(pointer).and_then(japan_date_at) else { continue };
        if day < admitted_on {
            errors.push(error(
                base,
                pointer,
                "date_order",
                format!("「{name}」{day} が入院日 {admitted_on} より前です"),
            ));
        } else if let Some(planned) = planned.filter(|p| day > *p) {
            errors.push(error(
                base,
                pointer,
                "date_order",
                format!("「{name}」{day} が退院予定日 {planned} より後です"),
            ));
        }
    }
    if let Some(held) = payload.pointer("/record/held_at").and_then(japan_date_at) {
        let pointer = "/record/held_at";
        errors.extend(happened(&format!("{base}{pointer}"), "開催日時", held, Some((admitted_on, "入院日")), today));
    }
    errors
}

/// 退院前カンファレンスへの回答: the dates asked for instead are not past.
pub fn conference_answer(payload: &Value, base: &str, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let rows = payload.pointer("/preferred").and_then(Value::as_array).map_or(0, Vec::len);
    for pointer in (0..rows).map(|i| format!("/preferred/{i}")) {
        let Some(day) = payload.pointer(&pointer).and_then(japan_date_at) else { continue };
        if day < today {
            errors.push(error(
                base,
                &pointer,
                "date_order",
                format!("「希望する日時」{day} は過ぎた日付です（今日は {today}）"),
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
    fn an_admission_notice_agrees_with_its_stay() {
        let sound = json!({"admission_date": "2026-11-20", "admitted_at": "2026-11-20T23:30:00+09:00", "patient": {"birth_date": "1940-02-11"}, "planned_discharge_date": "2026-12-04"});
        assert!(admission_notice(&sound, "/payload", day("2026-11-20"), day("2026-11-23")).is_empty());
        // 23:30 UTC is the next morning in Japan; the stay was registered on the 19th.
        let wrong = json!({"admission_date": "2026-11-20", "admitted_at": "2026-11-20T23:30:00Z", "patient": {"birth_date": "2026-11-21"}, "planned_discharge_date": "2026-11-18"});
        let errors = admission_notice(&wrong, "/payload", day("2026-11-19"), day("2026-11-23"));
        let found: Vec<(&str, &str)> = errors.iter().map(|e| (e.pointer.as_str(), e.keyword.as_str())).collect();
        assert_eq!(
            found,
            [
                ("/payload/admission_date", "matches_episode"),
                ("/payload/admitted_at", "date_order"),
                ("/payload/patient/birth_date", "date_order"),
                ("/payload/planned_discharge_date", "date_order"),
            ]
        );
    }

    #[test]
    fn a_discharge_referral_reports_each_impossible_date() {
        let sound = json!({"header": {"written_on": "2026-12-04", "admission_date": "2026-11-20"}, "patient": {"birth_date": "1940-02-11"}, "condition": {"diagnoses": [{"name": "骨折", "onset_date": "2026-11-20"}]}});
        assert!(discharge_referral(&sound, "", day("2026-11-20"), day("2026-12-04")).is_empty());
        let wrong = json!({
            "header": {"written_on": "2026-12-05", "admission_date": "2026-11-21", "planned_discharge_date": "2026-11-01"},
            "patient": {"birth_date": "1940-02-11"},
            "condition": {"diagnoses": [{"name": "骨折"}, {"name": "心不全", "onset_date": "2027-01-01"}]}
        });
        let errors = discharge_referral(&wrong, "/payload", day("2026-11-20"), day("2026-12-04"));
        let found: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            found,
            [
                "/payload/header/written_on",
                "/payload/condition/diagnoses/1/onset_date",
                "/payload/header/admission_date",
                "/payload/header/planned_discharge_date"
            ]
        );
    }

    #[test]
    fn a_discharge_record_s_interviews_fall_between_the_admission_and_today() {
        let payload = json!({
            "header": {"written_on": "2026-12-04", "admission_date": "2026-11-20"},
            "interviews": [{"interviewed_on": "2026-11-19"}, {"interviewed_on": "2026-11-25"}, {"interviewed_on": "2026-12-05"}]
        });
        let errors = discharge_record(&payload, "/payload", day("2026-11-20"), day("2026-12-04"));
        let found: Vec<(&str, &str)> = errors.iter().map(|e| (e.pointer.as_str(), e.keyword.as_str())).collect();
        assert_eq!(
            found,
            [
                ("/payload/interviews/2/interviewed_on", "not_in_future"),
                ("/payload/interviews/0/interviewed_on", "date_order")
            ]
        );
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
