//! The help under a form's fields: one plain Japanese sentence for the nurse or care manager
//! filling it in, by the field's pointer (`*` for any row of a list), in `help/<kind>.v<N>.json`.
//! A schema's `description` is a note for developers and integrators and is never shown in the
//! pages: published schemas never change, their help can. A field without help shows none.

use std::collections::HashMap;

use serde_json::Value;

/// The help of each published schema, by kind and version.
const FILES: &[(&str, u32, &str)] = &[
    ("admission_notice", 1, include_str!("help/admission_notice.v1.json")),
    ("admission_info", 1, include_str!("help/admission_info.v1.json")),
    ("discharge_notice", 1, include_str!("help/discharge_notice.v1.json")),
    ("discharge_conference", 1, include_str!("help/discharge_conference.v1.json")),
    ("conference_answer", 1, include_str!("help/conference_answer.v1.json")),
    ("discharge_referral", 1, include_str!("help/discharge_referral.v1.json")),
    ("discharge_record", 1, include_str!("help/discharge_record.v1.json")),
];

/// The help sentences of one form, by pointer.
#[derive(Debug, Default)]
pub struct Help(HashMap<String, String>);

impl Help {
    /// The help of the published schema whose `$id` is the schema's; none for other schemas.
    pub fn of(schema: &Value) -> Self {
        let id = schema.get("$id").and_then(Value::as_str).unwrap_or_default();
        FILES
            .iter()
            .find(|(kind, version, _)| id == format!("urn:renkei:schema:{kind}:v{version}"))
            .and_then(|(_, _, text)| serde_json::from_str(text).ok())
            .map(Self)
            .unwrap_or_default()
    }

    /// The help of the field at `pointer` (`/interviews/0/method` finds `/interviews/*/method`).
    pub fn at(&self, pointer: &str) -> Option<&str> {
        let general: Vec<&str> =
            pointer.split('/').map(|part| if part.parse::<usize>().is_ok() { "*" } else { part }).collect();
        self.0.get(&general.join("/")).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::exchange::published;

    /// The schema node at a help pointer, through local `$ref`s and list items.
    fn node<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
        let resolve = |mut n: &'a Value| {
            while let Some(target) = n.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
                n = root.pointer(target)?;
            }
            Some(n)
        };
        let mut current = resolve(root)?;
        for part in pointer.split('/').skip(1) {
            current = match part {
                "*" => resolve(current.get("items")?)?,
                name => resolve(current.get("properties")?.get(name)?)?,
            };
        }
        Some(current)
    }

    #[test]
    fn every_published_form_has_help_and_every_help_names_one_of_its_fields() {
        for (kind, version, text) in published() {
            let schema: Value = serde_json::from_str(text).unwrap_or_default();
            let help = Help::of(&schema);
            assert!(!help.0.is_empty(), "{kind:?} v{version} has no help file in src/web/form/help");
            for pointer in help.0.keys() {
                assert!(node(&schema, pointer).is_some(), "{kind:?} v{version}: {pointer} is not a field");
            }
        }
    }

    /// Words a nurse should never meet: data terms, programmer words, and the places of one
    /// region's handbook (a deployment serves its own).
    const FORBIDDEN: &[&str] = &[
        "配列",
        "オブジェクト",
        "ヌル",
        "キー",
        "フィールド",
        "プロパティ",
        "スキーマ",
        "文字列",
        "真偽",
        "正は",
        "北見",
        "オホーツク",
    ];

    #[test]
    fn each_help_is_one_short_japanese_sentence() {
        for (_, _, text) in FILES {
            let help: HashMap<String, String> = serde_json::from_str(text).unwrap_or_default();
            for (pointer, sentence) in &help {
                assert!(!sentence.chars().any(|c| c.is_ascii_alphabetic()), "{pointer}: Latin letters in {sentence}");
                assert!(
                    sentence.ends_with('。') && sentence.matches('。').count() == 1,
                    "{pointer}: one sentence: {sentence}"
                );
                assert!(sentence.chars().count() <= 90, "{pointer}: too long: {sentence}");
                assert!(!FORBIDDEN.iter().any(|w| sentence.contains(w)), "{pointer}: {sentence}");
            }
        }
    }

    #[test]
    fn a_row_s_field_finds_the_help_written_for_every_row() {
        let help = Help(HashMap::from([("/interviews/*/method".to_owned(), "方法を選んでください。".to_owned())]));
        assert_eq!(help.at("/interviews/3/method"), Some("方法を選んでください。"));
        assert_eq!(help.at("/interviews/3/interviewed_on"), None);
    }
}
