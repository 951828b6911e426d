//! Masking a form for a print or FAX that leaves Renkei (`/documents/{id}/print?mask=1`).
//!
//! The rule, also printed on the masked page:
//! - the client's name becomes the initials of its フリガナ in Hepburn romanisation, family
//!   name first: 連携 花子（レンケイ ハナコ）→ `R.H.`; without a usable フリガナ, the first
//!   character of each part of the name followed by ○: 連携 花子 → `連○ 花○`;
//! - family members' names (主介護者, キーパーソン) become `連○ 一○` the same way;
//! - the 被保険者番号, birth date, address, telephone numbers and contact notes of the client and
//!   the family are replaced by `＊＊＊（非表示）`;
//! - in free text anywhere in the form, the client's full name and each part of it (of two
//!   characters or more) are replaced by their masked form. Other details written in free
//!   text are not recognised: the sender checks the page before sending it.
//!
//! Facilities and the professionals' names (hospital contact, care manager) stay: the recipient
//! needs them to call back.

use serde_json::Value;

/// What replaces a hidden value.
pub const HIDDEN: &str = "＊＊＊（非表示）";

/// The client as masked: the name and its フリガナ.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub name_kana: Option<String>,
}

impl Person {
    /// The masked name: `R.H.`, or `連○ 花○`.
    pub fn masked_name(&self) -> String {
        initials(&self.name, self.name_kana.as_deref())
    }
}

/// Initials of a name (see the module's rule).
pub fn initials(name: &str, kana: Option<&str>) -> String {
    let romanised: Option<String> = kana.and_then(|kana| {
        let parts = parts(kana);
        if parts.is_empty() {
            return None;
        }
        parts.iter().map(|p| p.chars().next().and_then(romaji_initial).map(|c| format!("{c}."))).collect()
    });
    romanised.unwrap_or_else(|| {
        parts(name).iter().filter_map(|p| p.chars().next()).map(|c| format!("{c}○")).collect::<Vec<_>>().join(" ")
    })
}

fn parts(name: &str) -> Vec<&str> {
    name.split([' ', '　']).filter(|p| !p.is_empty()).collect()
}

/// The Hepburn initial of a katakana mora: シ → S, チ → C, ツ → T, フ → F, ジ → J.
fn romaji_initial(c: char) -> Option<char> {
    let initial = match c {
        'ア' | 'ァ' => 'A',
        'イ' | 'ィ' => 'I',
        'ウ' | 'ゥ' => 'U',
        'エ' | 'ェ' => 'E',
        'オ' | 'ォ' | 'ヲ' => 'O',
        'カ' | 'キ' | 'ク' | 'ケ' | 'コ' => 'K',
        'ガ' | 'ギ' | 'グ' | 'ゲ' | 'ゴ' => 'G',
        'サ' | 'シ' | 'ス' | 'セ' | 'ソ' => 'S',
        'ザ' | 'ズ' | 'ゼ' | 'ゾ' | 'ヅ' => 'Z',
        'ジ' | 'ヂ' => 'J',
        'タ' | 'テ' | 'ト' | 'ツ' => 'T',
        'チ' => 'C',
        'ダ' | 'デ' | 'ド' => 'D',
        'ナ' | 'ニ' | 'ヌ' | 'ネ' | 'ノ' | 'ン' => 'N',
        'ハ' | 'ヒ' | 'ヘ' | 'ホ' => 'H',
        'フ' => 'F',
        'バ' | 'ビ' | 'ブ' | 'ベ' | 'ボ' => 'B',
        'パ' | 'ピ' | 'プ' | 'ペ' | 'ポ' => 'P',
        'マ' | 'ミ' | 'ム' | 'メ' | 'モ' => 'M',
        'ヤ' | 'ユ' | 'ヨ' | 'ャ' | 'ュ' | 'ョ' => 'Y',
        'ラ' | 'リ' | 'ル' | 'レ' | 'ロ' => 'R',
        'ワ' => 'W',
        'ヴ' => 'V',
        _ => return None,
    };
    Some(initial)
}

/// Masks a form's payload in place (see the module's rule).
pub fn payload(payload: &mut Value, person: &Person) {
    let replacements = replacements(person);
    walk(payload, Area::Other, &replacements);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Patient,
    Family,
    Other,
}

/// Text to find in free text and its masked form, longest first.
fn replacements(person: &Person) -> Vec<(String, String)> {
    let masked = person.masked_name();
    let mut found = vec![(person.name.trim().to_owned(), masked.clone())];
    found.push((parts(&person.name).concat(), masked.clone()));
    let masked_parts: Vec<String> = match masked.contains('.') {
        true => masked.split_inclusive('.').map(str::to_owned).collect(),
        false => parts(&masked).into_iter().map(str::to_owned).collect(),
    };
    for (i, part) in parts(&person.name).into_iter().enumerate() {
        if part.chars().count() >= 2 {
            found.push((part.to_owned(), masked_parts.get(i).cloned().unwrap_or_else(|| masked.clone())));
        }
    }
    found.retain(|(from, _)| !from.is_empty());
    found.sort_by_key(|(from, _)| std::cmp::Reverse(from.chars().count()));
    found.dedup();
    found
}

fn walk(value: &mut Value, area: Area, replacements: &[(String, String)]) {
    match value {
        Value::Object(members) => {
            for (key, child) in members.iter_mut() {
                let child_area = match (area, key.as_str()) {
                    (Area::Other, "patient") => Area::Patient,
                    (Area::Other, "family") => Area::Family,
                    (area, _) => area,
                };
                match (child_area, key.as_str(), &*child) {
                    (_, "insurance_number", Value::String(_)) => *child = Value::from(HIDDEN),
                    (Area::Patient, "name" | "name_kana", Value::String(_)) => {
                        *child = Value::from(replacements.first().map(|(_, m)| m.clone()).unwrap_or_default())
                    }
                    (Area::Family, "name", Value::String(name)) => *child = Value::from(initials(name, None)),
                    (
                        Area::Patient | Area::Family,
                        "birth_date" | "address" | "phone" | "contact",
                        Value::String(_),
                    ) => *child = Value::from(HIDDEN),
                    _ => walk(child, child_area, replacements),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| walk(item, area, replacements)),
        Value::String(text) => {
            for (from, to) in replacements {
                if text.contains(from.as_str()) {
                    *text = text.replace(from.as_str(), to);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn hanako() -> Person {
        Person { name: "連携 花子".into(), name_kana: Some("レンケイ ハナコ".into()) }
    }

    #[test]
    fn names_become_the_initials_of_their_furigana() {
        assert_eq!(hanako().masked_name(), "R.H.");
        assert_eq!(initials("千葉 修二", Some("チバ　シュウジ")), "C.S.");
        assert_eq!(initials("藤田 次郎", Some("フジタ ジロウ")), "F.J.");
    }

    #[test]
    fn without_furigana_the_first_characters_are_kept() {
        assert_eq!(initials("連携 花子", None), "連○ 花○");
        assert_eq!(initials("連携 花子", Some("")), "連○ 花○");
        assert_eq!(initials("連携 花子", Some("れんけい")), "連○ 花○");
    }

    #[test]
    fn the_form_hides_identifying_details_and_the_name_in_free_text() {
        let mut form = json!({
            "header": {"hospital": {"contact_person": "北村 由美"}},
            "patient": {"name": "連携 花子", "name_kana": "レンケイ ハナコ", "age": 86, "address": "北見市1-2-3",
                        "phone": "0157-98-7654", "birth_date": "1940-02-11"},
            "family": {"main_carer": {"name": "連携 一郎", "phone": "0157-98-7654"}, "key_person": {"contact": "札幌"}},
            "notes": "連携花子さんは花子さんと呼ばれると喜びます",
            "insurance_number": "1234567890"
        });
        payload(&mut form, &hanako());
        let text = form.to_string();
        for secret in ["連携", "花子", "0157", "北見市", "1940", "札幌", "1234567890"] {
            assert!(!text.contains(secret), "{secret} still in {text}");
        }
        assert_eq!(form["patient"]["name"], "R.H.");
        assert_eq!(form["family"]["main_carer"]["name"], "連○ 一○");
        assert_eq!(form["notes"], "R.H.さんはH.さんと呼ばれると喜びます");
        assert_eq!(form["header"]["hospital"]["contact_person"], "北村 由美");
        assert_eq!(form["patient"]["age"], 86);
    }
}
