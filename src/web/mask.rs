//! Masking a form for a print or FAX that leaves Renkei (`/documents/{id}/print?mask=1`).
//!
//! The rule, also printed on the masked page:
//! - the client's name becomes the initials of its フリガナ in Hepburn romanisation, family
//!   name first: 連携 花子（レンケイ ハナコ）→ `R.H.`; without a usable フリガナ, the first
//!   character of each part of the name followed by ○: 連携 花子 → `連○ 花○`;
//! - family members' names (主介護者, キーパーソン, 退院後の介護者) become `連○ 一○` the same way;
//! - the 被保険者番号, birth date, address, telephone numbers and contact notes of the client and
//!   the family are replaced by `＊＊＊（非表示）`;
//! - in free text anywhere in the form: the client's and the family members' full names and
//!   each part of them (of two characters or more) are replaced by their masked form; the
//!   addresses, telephone numbers and contact notes the form gives for them by `＊＊＊（非表示）`;
//!   so is any number of 10 digits or more (a telephone or insurance number, however written:
//!   `090-1234-5678`, `(0157)98-7654`, full-width digits) and a postal code after 〒. Other
//!   details written in free text (a neighbour's name, an address the form does not give) are
//!   not recognised: the page says so, and the sender checks it before it leaves.
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
    let mut replacements = name_replacements(&person.name, &person.masked_name());
    let mut details = Details::default();
    details.gather(payload, Area::Other);
    for name in &details.family_names {
        replacements.extend(name_replacements(name, &initials(name, None)));
    }
    replacements.extend(details.hidden.iter().map(|text| (text.clone(), HIDDEN.to_owned())));
    replacements.retain(|(from, _)| from.chars().count() >= 2);
    replacements.sort_by_key(|(from, _)| std::cmp::Reverse(from.chars().count()));
    replacements.dedup();
    let masking = Masking { name: person.masked_name(), replacements };
    walk(payload, Area::Other, &masking);
}

/// What a form's payload is masked with: the client's masked name, and the text to find in free
/// text with what replaces it, longest first.
struct Masking {
    name: String,
    replacements: Vec<(String, String)>,
}

/// What the form itself says of the client and the family, to find again in its free text.
#[derive(Default)]
struct Details {
    family_names: Vec<String>,
    /// Addresses, telephone numbers and contact notes, as written.
    hidden: Vec<String>,
}

impl Details {
    fn gather(&mut self, value: &Value, area: Area) {
        match value {
            Value::Object(members) => {
                for (key, child) in members {
                    let child_area = Area::of(area, key);
                    match (child_area, key.as_str(), child) {
                        (Area::Family, "name", Value::String(name)) => self.family_names.push(name.trim().to_owned()),
                        (Area::Patient | Area::Family, "address" | "phone" | "contact", Value::String(text)) => {
                            self.hidden.push(text.trim().to_owned());
                        }
                        _ => self.gather(child, child_area),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.gather(item, area)),
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Patient,
    Family,
    Other,
}

impl Area {
    /// The area of a member `key` of an object in `self`.
    fn of(self, key: &str) -> Self {
        match (self, key) {
            (Self::Other, "patient") => Self::Patient,
            (Self::Other, "family" | "carer_after_discharge") => Self::Family,
            (area, _) => area,
        }
    }
}

/// A name, written with or without its space, and each part of two characters or more, with
/// what replaces each (`R.H.` and `R.`, `H.`; or `連○ 一○` and `連○`, `一○`).
fn name_replacements(name: &str, masked: &str) -> Vec<(String, String)> {
    let mut found = vec![(name.trim().to_owned(), masked.to_owned()), (parts(name).concat(), masked.to_owned())];
    let masked_parts: Vec<String> = match masked.contains('.') {
        true => masked.split_inclusive('.').map(str::to_owned).collect(),
        false => parts(masked).into_iter().map(str::to_owned).collect(),
    };
    for (i, part) in parts(name).into_iter().enumerate() {
        if part.chars().count() >= 2 {
            found.push((part.to_owned(), masked_parts.get(i).cloned().unwrap_or_else(|| masked.to_owned())));
        }
    }
    found.retain(|(from, _)| !from.is_empty());
    found
}

/// Free text with every number of 10 digits or more (a telephone or insurance number, with its
/// hyphens and brackets, in half- or full-width digits) and every postal code after 〒 hidden.
fn hide_numbers(text: &str) -> String {
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let is_part = |c: char| is_digit(c) || matches!(c, '-' | '－' | '‐' | '−' | '(' | ')' | '（' | '）');
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_part(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_part(chars[i]) {
            i += 1;
        }
        // The run with its hyphens and brackets: `（0157）98-7654`.
        let run: String = chars[start..i].iter().collect();
        let digits = run.chars().filter(|c| is_digit(*c)).count();
        let after_postal_mark = start > 0 && chars[start - 1] == '〒';
        if digits >= 10 || (after_postal_mark && digits >= 3) {
            out.push_str(HIDDEN);
        } else {
            out.push_str(&run);
        }
    }
    out
}

fn walk(value: &mut Value, area: Area, masking: &Masking) {
    match value {
        Value::Object(members) => {
            for (key, child) in members.iter_mut() {
                let child_area = Area::of(area, key);
                match (child_area, key.as_str(), &*child) {
                    (_, "insurance_number", Value::String(_)) => *child = Value::from(HIDDEN),
                    (Area::Patient, "name" | "name_kana", Value::String(_)) => {
                        *child = Value::from(masking.name.clone())
                    }
                    (Area::Family, "name", Value::String(name)) => *child = Value::from(initials(name, None)),
                    (
                        Area::Patient | Area::Family,
                        "birth_date" | "address" | "phone" | "contact",
                        Value::String(_),
                    ) => *child = Value::from(HIDDEN),
                    // A facility's own numbers stay: the recipient calls back on them.
                    (Area::Other, "phone" | "fax", Value::String(_)) => {}
                    _ => walk(child, child_area, masking),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| walk(item, area, masking)),
        Value::String(text) => {
            for (from, to) in &masking.replacements {
                if text.contains(from.as_str()) {
                    *text = text.replace(from.as_str(), to);
                }
            }
            *text = hide_numbers(text);
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

    #[test]
    fn free_text_loses_the_family_names_addresses_and_numbers_the_form_gives_and_any_phone_number() {
        let mut form = json!({
            "patient": {"name": "連携 花子", "name_kana": "レンケイ ハナコ", "address": "北海道連携市連携町1丁目2番3号"},
            "family": {"main_carer": {"name": "連携 一郎"}, "key_person": {"name": "佐藤 美咲", "contact": "札幌市在住。平日は携帯へ"}},
            "notes": "夫の一郎さんと長女の佐藤美咲さん（札幌市在住。平日は携帯へ）が来院。\
                      自宅は北海道連携市連携町1丁目2番3号。携帯 090-1234-5678、自宅（0157）98-7654、\
                      〒093-0001。被保険者番号０１２３４５６７８９。2026-11-20 入院、体重45kg、1日1,200mL",
        });
        form["header"] = json!({"care_office": {"name": "れんけい", "phone": "0157-11-2222", "fax": "0157-11-3333"}});
        payload(&mut form, &hanako());
        assert_eq!(form["header"]["care_office"]["phone"], "0157-11-2222", "the office's number stays");
        assert_eq!(form["header"]["care_office"]["fax"], "0157-11-3333");
        let notes = form["notes"].as_str().unwrap_or_default();
        for secret in ["一郎", "佐藤", "美咲", "連携町", "札幌", "090", "1234", "98-7654", "093-0001", "０１２３"]
        {
            assert!(!notes.contains(secret), "{secret} still in {notes}");
        }
        assert!(notes.starts_with("夫の一○さんと長女の佐○ 美○さん（＊＊＊（非表示））が来院。"), "{notes}");
        // Dates and measures stay: they are not numbers of ten digits.
        for kept in ["2026-11-20 入院", "45kg", "1,200mL"] {
            assert!(notes.contains(kept), "{kept} lost in {notes}");
        }
    }
}
