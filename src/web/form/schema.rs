//! Reading a JSON Schema for the form: keywords through local `$ref`s, the input each leaf
//! gets, the order of properties as written, and the conditions of `if`/`then`.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::documents::exchange::published;

/// A keyword of `schema`: the schema's own first, then its `$ref` target's, so that a
/// property's `title` wins over its definition's.
pub fn keyword<'a>(root: &'a Value, schema: &'a Value, name: &str) -> Option<&'a Value> {
    let mut current = schema;
    for _ in 0..8 {
        if let Some(found) = current.get(name) {
            return Some(found);
        }
        let target = current.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#'))?;
        current = root.pointer(target)?;
    }
    None
}

pub fn text<'a>(root: &'a Value, schema: &'a Value, name: &str) -> Option<&'a str> {
    keyword(root, schema, name).and_then(Value::as_str)
}

pub fn number(root: &Value, schema: &Value, name: &str) -> Option<f64> {
    keyword(root, schema, name).and_then(Value::as_f64)
}

/// Whether a string's `pattern` asks for ASCII only (a phone number, an insurance number): the
/// form then takes what an IME types in full width and reads it as half width.
pub fn ascii_pattern(root: &Value, schema: &Value) -> bool {
    text(root, schema, "pattern").is_some_and(str::is_ascii)
}

/// What an input is made of, as the schema says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Object,
    /// An array of enum strings: check boxes.
    Choices,
    /// An array of anything else: repeatable rows.
    Rows,
    /// A fixed value (`const`).
    Const,
    Boolean,
    Integer,
    Number,
    String,
}

pub fn shape(root: &Value, schema: &Value) -> Shape {
    if keyword(root, schema, "const").is_some() {
        return Shape::Const;
    }
    match text(root, schema, "type") {
        Some("object") => Shape::Object,
        Some("array") => {
            let items = keyword(root, schema, "items");
            match items.and_then(|items| keyword(root, items, "enum")) {
                Some(_) => Shape::Choices,
                None => Shape::Rows,
            }
        }
        Some("boolean") => Shape::Boolean,
        Some("integer") => Shape::Integer,
        Some("number") => Shape::Number,
        _ if keyword(root, schema, "properties").is_some() => Shape::Object,
        _ => Shape::String,
    }
}

/// The enum values of a string field, or of the items of a check-box array.
pub fn options<'a>(root: &'a Value, schema: &'a Value) -> Vec<&'a Value> {
    let own = keyword(root, schema, "enum");
    let items = || keyword(root, schema, "items").and_then(|items| keyword(root, items, "enum"));
    own.or_else(items).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

/// The names an object requires.
pub fn required<'a>(root: &'a Value, schema: &'a Value) -> Vec<&'a str> {
    keyword(root, schema, "required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The properties of an object in the order the schema file lists them.
pub fn properties<'a>(root: &'a Value, schema: &'a Value, order: &Order) -> Vec<(&'a str, &'a Value)> {
    let Some(map) = keyword(root, schema, "properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut entries: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
    if let Some(written) = order.0.get(&order_key(map.keys().map(String::as_str))) {
        entries.sort_by_key(|(k, _)| written.iter().position(|w| w == k));
    }
    entries
}

/// The order of the keys of every object in a published schema file. `serde_json` (without
/// `preserve_order`) sorts keys, and a form must keep the order of the paper 様式.
#[derive(Debug, Default)]
pub struct Order(HashMap<String, Vec<String>>);

impl Order {
    /// The order of the published file whose `$id` is the schema's; none for other schemas.
    pub fn of(schema: &Value) -> Self {
        let id = schema.get("$id").and_then(Value::as_str).unwrap_or_default();
        let mut order = Self::default();
        for (kind, version, text) in published() {
            if id == format!("urn:renkei:schema:{}:v{version}", kind.as_str())
                && let Ok(raw) = serde_json::from_str::<Raw>(text)
            {
                raw.record(&mut order.0);
            }
        }
        order
    }
}

fn order_key<'a>(keys: impl Iterator<Item = &'a str>) -> String {
    let mut keys: Vec<&str> = keys.collect();
    keys.sort_unstable();
    keys.join("\u{0}")
}

/// A JSON document that keeps the order of object keys.
enum Raw {
    Object(Vec<(String, Raw)>),
    Array(Vec<Raw>),
    Scalar,
}

impl Raw {
    fn record(&self, into: &mut HashMap<String, Vec<String>>) {
        match self {
            Self::Object(entries) => {
                let keys: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
                into.entry(order_key(keys.iter().map(String::as_str))).or_insert(keys);
                entries.iter().for_each(|(_, v)| v.record(into));
            }
            Self::Array(items) => items.iter().for_each(|v| v.record(into)),
            Self::Scalar => {}
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Raw;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Raw>()? {
                    entries.push((k, v));
                }
                Ok(Raw::Object(entries))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
                let mut items = Vec::new();
                while let Some(v) = seq.next_element::<Raw>()? {
                    items.push(v);
                }
                Ok(Raw::Array(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Raw, E> {
                Ok(Raw::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Raw, E> {
                Ok(Raw::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Raw, E> {
                Ok(Raw::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Raw, E> {
                Ok(Raw::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Raw, E> {
                Ok(Raw::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw::Scalar)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// When a property is shown: the sibling that controls it and the values that show it. From
/// `if: {properties: {X: {const | enum | contains: {const}}}}, then: {required: [Y]}` on the
/// object, alone or inside `allOf`.
pub fn conditions<'a>(root: &'a Value, object: &'a Value) -> HashMap<&'a str, (&'a str, Vec<&'a Value>)> {
    let mut found = HashMap::new();
    let own = std::iter::once(object);
    let all = keyword(root, object, "allOf").and_then(Value::as_array).into_iter().flatten();
    for branch in own.chain(all) {
        let (Some(when), Some(then)) = (keyword(root, branch, "if"), keyword(root, branch, "then")) else {
            continue;
        };
        let Some((controller, test)) = when.get("properties").and_then(Value::as_object).and_then(|p| p.iter().next())
        else {
            continue;
        };
        let test = test.get("contains").unwrap_or(test);
        let values: Vec<&Value> = match (test.get("const"), test.get("enum").and_then(Value::as_array)) {
            (Some(one), _) => vec![one],
            (None, Some(many)) => many.iter().collect(),
            (None, None) => continue,
        };
        for shown in required(root, then) {
            found.insert(shown, (controller.as_str(), values.clone()));
        }
    }
    found
}

/// A JSON Schema pattern as an HTML `pattern` attribute, which browsers compile with the `v`
/// flag: there `(`, `)`, `{`, `}`, `/`, `|` and `[` must be escaped inside a character class.
pub fn html_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '(' | ')' | '{' | '}' | '/' | '|' | '[' if in_class => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A JSON pointer segment for `key`.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_escaped_for_the_v_flag() {
        assert_eq!(html_pattern(r"^[0-9()\-]{6,20}$"), r"^[0-9\(\)\-]{6,20}$");
        assert_eq!(html_pattern("^[ァ-ヶー・]+([ 　][ァ-ヶー・]+)*$"), "^[ァ-ヶー・]+([ 　][ァ-ヶー・]+)*$");
    }

    #[test]
    fn published_schemas_keep_their_written_order() {
        let (_, _, text) = published()
            .find(|(kind, _, _)| *kind == crate::forms::DocumentKind::AdmissionInfo)
            .unwrap_or_else(|| panic!("no schema"));
        let schema: Value = serde_json::from_str(text).unwrap_or_default();
        let keys: Vec<&str> = properties(&schema, &schema, &Order::of(&schema)).into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys.first(), Some(&"header"));
        assert_eq!(keys.last(), Some(&"attachments"));
    }
}
