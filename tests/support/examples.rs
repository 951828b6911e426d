//! Example payloads: the fixtures of tests/fixtures, dated for the stay a test makes.

use serde_json::{Value, json};

use super::day;

/// A fixture payload from tests/fixtures.
pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists")).expect("fixture is JSON")
}

/// The example 退院・退所情報記録書 for a stay admitted `admitted_days_ago`, with interviews
/// (days ago, method).
pub fn discharge_record(admitted_days_ago: i64, interviews: &[(i64, &str)]) -> Value {
    let mut record = fixture("discharge_record_v1_full");
    record["header"]["written_on"] = json!(day(0));
    record["header"]["admission_date"] = json!(day(-admitted_days_ago));
    record["header"]["planned_discharge_date"] = json!(day(3));
    let template = record["interviews"][0].clone();
    record["interviews"] = interviews
        .iter()
        .map(|(ago, method)| {
            let mut row = template.clone();
            row["interviewed_on"] = json!(day(-ago));
            row["method"] = json!(method);
            row
        })
        .collect();
    record
}

/// The full admission sheet, dated for an admission on `day` (YYYY-MM-DD).
pub fn admission_sheet(day: &str) -> Value {
    let mut sheet = fixture("admission_info_v1_full");
    for pointer in ["/header/written_on", "/header/admission_date", "/header/provided_on"] {
        *sheet.pointer_mut(pointer).expect("header date") = json!(day);
    }
    sheet
}

/// Every kind's full example about 連携 花子 (the seeded client of care office C1), dated for a
/// stay at the city's hospital admitted `admitted_days_ago` (10 or more): (kind, whether the
/// hospital sends it, payload). The conference was held two days ago; the record has three
/// interviews, the last at that conference.
pub fn full_examples(admitted_days_ago: i64) -> Vec<(&'static str, bool, Value)> {
    let admitted_on = day(-admitted_days_ago);
    let mut notice = fixture("admission_notice_v1_full");
    notice["admission_date"] = json!(admitted_on);
    notice["admitted_at"] = json!(format!("{admitted_on}T10:00:00+09:00"));
    notice["planned_discharge_date"] = json!(day(5));
    notice["patient"] =
        json!({"name": "連携 花子", "name_kana": "レンケイ ハナコ", "sex": "女", "birth_date": "1940-02-11"});
    let mut discharge = fixture("discharge_notice_v1_full");
    discharge["planned_discharge_date"] = json!(day(5));
    discharge["conference"]["candidates"] = json!([format!("{}T16:00:00+09:00", day(2))]);
    let held_at = format!("{}T14:00:00+09:00", day(-2));
    let mut conference = fixture("discharge_conference_v1_full");
    conference["planned_discharge_date"] = json!(day(5));
    conference["proposal"]["candidates"] = json!([held_at]);
    conference["proposal"]["answer_by"] = json!(day(-4));
    conference["fixed"]["starts_at"] = json!(held_at);
    conference["record"]["held_at"] = json!(held_at);
    let mut answer = fixture("conference_answer_v1_full");
    answer["preferred"] = json!([format!("{}T10:00:00+09:00", day(2))]);
    let mut referral = fixture("discharge_referral_v1_full");
    referral["header"]["written_on"] = json!(day(0));
    referral["header"]["admission_date"] = json!(admitted_on);
    referral["header"]["planned_discharge_date"] = json!(day(5));
    referral["condition"]["diagnoses"][0]["onset_date"] = json!(admitted_on);
    vec![
        ("admission_notice", true, notice),
        ("admission_info", false, admission_sheet(&admitted_on)),
        ("discharge_notice", true, discharge),
        ("discharge_conference", true, conference),
        ("conference_answer", false, answer),
        ("discharge_referral", true, referral),
        (
            "discharge_record",
            false,
            discharge_record(admitted_days_ago, &[(5, "電話"), (3, "面談"), (2, "カンファレンス")]),
        ),
    ]
}
