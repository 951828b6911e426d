//! A sheet's 患者 against the client record: one truth per person (docs/api.md, "Patient
//! identity").

use chrono::NaiveDate;
use serde_json::Value;

use super::checks::{date, error};
use crate::error::FieldError;

/// Who the client of a stay is, as their record has it (性別 as the forms write it: 男, 女).
pub struct Recorded<'a> {
    pub name: &'a str,
    pub name_kana: &'a str,
    pub birth_date: NaiveDate,
    pub sex: &'a str,
}

/// The 患者 of a sheet is the client of its stay: a name, フリガナ, 生年月日 or 性別 that differs
/// from the record is refused (keyword `matches_client`; the record is corrected where it is
/// kept, on the client's page), spaces and hiragana aside; and a 元号 must be the birth date's.
pub fn matches_client(payload: &Value, base: &str, client: &Recorded) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let Some(patient) = payload.get("patient") else { return errors };
    let text = |name: &str| patient.get(name).and_then(Value::as_str);
    let squeezed = |s: &str| crate::forms::text::katakana(s).chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let birth = client.birth_date.to_string();
    let recorded = [
        ("name", "患者氏名", client.name),
        ("name_kana", "フリガナ", client.name_kana),
        ("birth_date", "生年月日", birth.as_str()),
        ("sex", "性別", client.sex),
    ];
    for (name, title, record) in recorded {
        if let Some(written) = text(name).filter(|w| squeezed(w) != squeezed(record)) {
            errors.push(error(
                base,
                &format!("/patient/{name}"),
                "matches_client",
                format!(
                    "「{title}」{written} が利用者の記録（{record}）と違います。記録が誤っている場合は、利用者の情報を訂正してから送ってください"
                ),
            ));
        }
    }
    let born = date(payload, "/patient/birth_date").unwrap_or(client.birth_date);
    if let Some(era) = text("birth_era")
        && crate::forms::text::birth_era(born) != Some(era)
    {
        errors.push(error(
            base,
            "/patient/birth_era",
            "matches_client",
            format!("「生年月日(元号)」{era} は生年月日 {born} の元号ではありません"),
        ));
    }
    errors
}
