//! The demo's forms: the example sheets of `tests/fixtures`, rewritten for each demo client and
//! stay (their names, dates and facilities), and the conference built here.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use crate::calendar;
use crate::clients::{self, Sex};

/// The care manager's 退院・退所情報記録書 with one interview per (day, method).
pub(super) fn discharge_record(
    client: &clients::Client,
    admitted: NaiveDate,
    planned: NaiveDate,
    hospital: &str,
    interviews: &[(NaiveDate, &str)],
) -> Value {
    let mut record: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/discharge_record_v1_full.json")).unwrap_or_default();
    set(&mut record, "/header/written_on", json!(calendar::today().to_string()));
    set(&mut record, "/header/admission_date", json!(admitted.to_string()));
    set(&mut record, "/header/planned_discharge_date", json!(planned.to_string()));
    set(&mut record, "/facility/name", json!(hospital));
    set(&mut record, "/medical_follow_up/institution_name", json!(format!("{hospital} 整形外科")));
    set_patient(&mut record, client);
    let row = record.pointer("/interviews/0").cloned().unwrap_or_default();
    let rows: Vec<Value> = interviews
        .iter()
        .map(|(day, method)| {
            let mut row = row.clone();
            set(&mut row, "/interviewed_on", json!(day.to_string()));
            set(&mut row, "/method", json!(method));
            row
        })
        .collect();
    set(&mut record, "/interviews", json!(rows));
    record
}

/// The hospital's 退院前カンファレンス on `on` at 14:00: proposed, or (with the client) held and
/// recorded.
pub(super) fn discharge_conference(planned: NaiveDate, on: NaiveDate, held_by: Option<&clients::Client>) -> Value {
    let at = format!("{on}T14:00:00+09:00");
    let mut conference = json!({
        "stage": "日程調整中",
        "planned_discharge_date": planned.to_string(),
        "proposal": {
            "candidates": [at],
            "mode": "来院",
            "place": "みなみ総合病院 2階 面談室",
            "participants_wanted": {"roles": ["本人", "家族", "ケアマネジャー", "訪問看護師"]},
            "topics": "退院後の入浴の方法と、服薬の見守りの分担",
        },
        "contact_person": {"name": "相談 まこと", "department": "地域医療連携室", "phone": "0157-00-0000"},
    });
    if let Some(client) = held_by {
        set(&mut conference, "/stage", json!("開催済"));
        conference["fixed"] = json!({"starts_at": at, "mode": "来院", "place": "みなみ総合病院 2階 面談室"});
        conference["record"] = json!({
            "held_at": at,
            "mode": "来院",
            "place": "みなみ総合病院 2階 面談室",
            "attendees": [
                {"affiliation": "みなみ総合病院", "profession": "医療ソーシャルワーカー", "name": "相談 まこと"},
                {"affiliation": "みなみ総合病院", "profession": "理学療法士", "name": "理学 進"},
                {"affiliation": "居宅介護支援事業所さくら", "profession": "介護支援専門員", "name": "支援 健一"},
                {"profession": "本人", "name": client.name},
            ],
            "summary": "退院後は週1回の訪問看護で服薬を確認する。入浴は通所介護で行い、自宅では手すりを付けるまでシャワーのみとする。",
            "documents_handed": "退院療養計画書",
            "next_steps": "退院の3日前までにケアプランの原案を本人に説明する。",
        });
    }
    conference
}

fn set(payload: &mut Value, pointer: &str, value: Value) {
    if let Some(slot) = payload.pointer_mut(pointer) {
        *slot = value;
    }
}

/// The full example sheet of `tests/fixtures`, rewritten for this client and stay.
pub(super) fn admission_sheet(
    client: &clients::Client,
    admitted: NaiveDate,
    hospital: &str,
    office: &str,
    manager: &str,
) -> Value {
    let mut sheet: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/admission_info_v1_full.json")).unwrap_or_default();
    let date = json!(admitted.to_string());
    for pointer in ["/header/written_on", "/header/admission_date", "/header/provided_on"] {
        set(&mut sheet, pointer, date.clone());
    }
    set(&mut sheet, "/header/hospital/name", json!(hospital));
    set(&mut sheet, "/header/care_office/name", json!(office));
    set(&mut sheet, "/header/care_office/care_manager_name", json!(manager));
    set_patient(&mut sheet, client);
    sheet
}

/// The 患者 part of a form (the same pointers on every form that has one), for this client.
fn set_patient(payload: &mut Value, client: &clients::Client) {
    set(payload, "/patient/name", json!(client.name));
    set(payload, "/patient/name_kana", json!(client.name_kana));
    set(payload, "/patient/birth_date", json!(client.birth_date.to_string()));
    set(payload, "/patient/sex", json!(if client.sex == Sex::Male { "男" } else { "女" }));
    let age = calendar::today().years_since(client.birth_date).unwrap_or_default();
    set(payload, "/patient/age", json!(age));
}

/// The hospital's 入院連絡: to the care manager, or (`care_manager` false) to the 地域包括支援センター.
pub(super) fn admission_notice(client: &clients::Client, admitted: NaiveDate, care_manager: bool) -> Value {
    let mut notice: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/admission_notice_v1_full.json")).unwrap_or_default();
    set(&mut notice, "/admission_date", json!(admitted.to_string()));
    set(&mut notice, "/admitted_at", json!(format!("{admitted}T10:00:00+09:00")));
    set(&mut notice, "/planned_discharge_date", json!((admitted + Duration::days(14)).to_string()));
    set_patient(&mut notice, client);
    if care_manager {
        set(&mut notice, "/care_manager", json!("あり"));
        set(&mut notice, "/info_request", json!("依頼する"));
        if let Some(fields) = notice.as_object_mut() {
            fields.remove("no_care_manager");
        }
    } else {
        set(&mut notice, "/no_care_manager", json!({"reason": "介護保険未申請"}));
        set(
            &mut notice,
            "/notes",
            json!("退院後の生活に介護が必要になる見込みです。介護保険の申請について相談をお願いします。"),
        );
    }
    notice
}

/// The doctor's 診療情報提供書(退院時) for this client and stay.
pub(super) fn discharge_referral(
    client: &clients::Client,
    admitted: NaiveDate,
    planned: NaiveDate,
    hospital: &str,
    office: &str,
) -> Value {
    let mut referral: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/discharge_referral_v1_full.json")).unwrap_or_default();
    set(&mut referral, "/header/written_on", json!(calendar::today().to_string()));
    set(&mut referral, "/header/admission_date", json!(admitted.to_string()));
    set(&mut referral, "/header/planned_discharge_date", json!(planned.to_string()));
    set(&mut referral, "/header/hospital/name", json!(hospital));
    set(&mut referral, "/header/hospital/address", json!("連携市中央町1番1号"));
    set(&mut referral, "/header/care_office/name", json!(office));
    set(&mut referral, "/condition/diagnoses/0/onset_date", json!(admitted.to_string()));
    set_patient(&mut referral, client);
    set(&mut referral, "/patient/name_kana", json!(client.name_kana));
    set(&mut referral, "/patient/address", json!("連携市本町2丁目3番4号"));
    referral
}

pub(super) fn discharge_notice(planned: NaiveDate, conference: NaiveDate) -> Value {
    let mut notice: Value =
        serde_json::from_str(include_str!("../../tests/fixtures/discharge_notice_v1_full.json")).unwrap_or_default();
    set(&mut notice, "/planned_discharge_date", json!(planned.to_string()));
    set(&mut notice, "/conference/candidates", json!([format!("{conference}T16:00:00+09:00")]));
    notice
}
