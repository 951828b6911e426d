//! Values typed into a page's form, read as the types the use cases take: a date, a time. Each
//! problem becomes a field error with the pointer the API would give and a Japanese message
//! naming the field by its label; the use cases check everything else, as they do for the API.

use chrono::{NaiveDate, NaiveTime};

use crate::error::FieldError;

/// A required date typed as `2026-11-20`; a problem goes into `errors`.
pub fn date(pointer: &str, label: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let parsed = NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").ok();
    if parsed.is_none() {
        errors.push(FieldError::new(
            pointer,
            "format",
            format!("「{label}」を 2026-11-20 の形の日付で入力してください"),
        ));
    }
    parsed
}

/// An optional date: blank is none.
pub fn optional_date(pointer: &str, label: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    if value.trim().is_empty() { None } else { date(pointer, label, value, errors) }
}

/// An optional time typed as `14:30`: blank is none.
pub fn time(pointer: &str, label: &str, value: &str, errors: &mut Vec<FieldError>) -> Option<NaiveTime> {
    if value.trim().is_empty() {
        return None;
    }
    let parsed = NaiveTime::parse_from_str(value.trim(), "%H:%M").ok();
    if parsed.is_none() {
        errors.push(FieldError::new(pointer, "format", format!("「{label}」を 14:30 の形で入力してください")));
    }
    parsed
}

/// Whether a name or a one-line value holds a control character (a line break, a tab, …):
/// such a value is refused wherever names are entered (a spreadsheet or a mail header would
/// take it apart).
pub fn has_control(value: &str) -> bool {
    value.chars().any(char::is_control)
}

/// The refusal of a one-line value with a control character, naming the field by its label.
pub fn control_refused(pointer: &str, label: &str) -> FieldError {
    FieldError::new(pointer, "no_control", format!("「{label}」に改行やタブなどの制御文字は使えません"))
}

/// Hiragana as katakana (「れんけい はなこ」 → 「レンケイ ハナコ」); everything else as it is.
pub fn katakana(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// The 元号 of a birth date as the national forms' 明・大・昭 boxes have it (none after 昭和).
pub fn birth_era(born: chrono::NaiveDate) -> Option<&'static str> {
    let starts = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or(chrono::NaiveDate::MIN);
    if born < starts(1912, 7, 30) {
        Some("明")
    } else if born < starts(1926, 12, 25) {
        Some("大")
    } else if born < starts(1989, 1, 8) {
        Some("昭")
    } else {
        None
    }
}

/// Full-width digits, signs and points (typed with a Japanese input method) as ASCII.
pub fn half_width(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c),
            '．' => '.',
            '－' | 'ー' | '−' | '‐' | '‑' => '-',
            '＋' => '+',
            '（' => '(',
            '）' => ')',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_date_or_time_is_named_by_its_label() {
        let mut errors = Vec::new();
        assert_eq!(date("/admitted_on", "入院日", "2026-02-30", &mut errors), None);
        assert_eq!(optional_date("/planned_discharge_on", "退院予定日", " ", &mut errors), None);
        assert_eq!(time("/admitted_at", "入院時刻", "25:00", &mut errors), None);
        assert_eq!(time("/admitted_at", "入院時刻", "", &mut errors), None);
        let messages: Vec<(&str, &str)> = errors.iter().map(|e| (e.pointer.as_str(), e.message.as_str())).collect();
        assert_eq!(
            messages,
            [
                ("/admitted_on", "「入院日」を 2026-11-20 の形の日付で入力してください"),
                ("/admitted_at", "「入院時刻」を 14:30 の形で入力してください"),
            ]
        );
    }
}
