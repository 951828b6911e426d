//! Reading a posted form back into the document's JSON, typed as the schema says.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::schema::{self, Order, Shape, keyword, text};
use crate::error::FieldError;

/// The payload the posted `fields` (name and value, in the order posted) describe, and what
/// could not be read (a word in a number field, …), each error at its field's pointer relative
/// to the payload (see [`super::rebase`]). Empty inputs, sections left empty and blank rows
/// are left out; names the schema does not know are ignored. Nothing is validated here: a
/// draft may be half filled; the caller runs `Schema::validate`.
pub fn parse(schema: &Value, fields: &[(String, String)]) -> (Value, Vec<FieldError>) {
    let mut posted: HashMap<&str, Vec<&str>> = HashMap::new();
    for (name, value) in fields {
        posted.entry(name.as_str()).or_default().push(value.as_str());
    }
    let reader = Reader { root: schema, order: Order::default(), posted, errors: Vec::new().into() };
    let payload = reader.object(schema, "", true).unwrap_or_else(|| Value::Object(Map::new()));
    (payload, reader.errors.into_inner())
}

struct Reader<'a> {
    root: &'a Value,
    order: Order,
    posted: HashMap<&'a str, Vec<&'a str>>,
    errors: std::cell::RefCell<Vec<FieldError>>,
}

impl Reader<'_> {
    fn value(&self, schema: &Value, pointer: &str) -> Option<Value> {
        match schema::shape(self.root, schema) {
            Shape::Object => self.object(schema, pointer, false),
            Shape::Choices => self.choices(schema, pointer),
            Shape::Rows => self.rows(schema, pointer),
            _ => self.scalar(schema, pointer, self.posted.get(pointer).and_then(|v| v.first()).copied()),
        }
    }

    /// An object with what was filled in; none if nothing was (the form itself is always one).
    /// A required list without `minItems` that is left empty is `[]`: 「該当なし」.
    fn object(&self, schema: &Value, pointer: &str, always: bool) -> Option<Value> {
        let mut map = Map::new();
        for (key, property) in schema::properties(self.root, schema, &self.order) {
            if let Some(value) = self.value(property, &format!("{pointer}/{}", schema::escape(key))) {
                map.insert(key.to_owned(), value);
            }
        }
        if map.is_empty() && !always {
            return None;
        }
        for key in schema::required(self.root, schema) {
            let Some(property) = keyword(self.root, schema, "properties").and_then(|p| p.get(key)) else {
                continue;
            };
            let list = matches!(schema::shape(self.root, property), Shape::Choices | Shape::Rows);
            let min = keyword(self.root, property, "minItems").and_then(Value::as_u64).unwrap_or(0);
            if list && min == 0 && !map.contains_key(key) {
                map.insert(key.to_owned(), Value::Array(Vec::new()));
            }
        }
        Some(Value::Object(map))
    }

    /// The checked boxes, in the order posted, each once.
    fn choices(&self, schema: &Value, pointer: &str) -> Option<Value> {
        let null = Value::Null;
        let items = keyword(self.root, schema, "items").unwrap_or(&null);
        let mut seen = BTreeSet::new();
        let values: Vec<Value> = self
            .posted
            .get(pointer)
            .into_iter()
            .flatten()
            .filter(|v| seen.insert(**v))
            .filter_map(|v| self.scalar(items, pointer, Some(v)))
            .collect();
        (!values.is_empty()).then_some(Value::Array(values))
    }

    /// The rows posted under `pointer` (`pointer/0/…`, `pointer/3/…`) in index order, blank
    /// ones left out and the rest renumbered.
    fn rows(&self, schema: &Value, pointer: &str) -> Option<Value> {
        let null = Value::Null;
        let items = keyword(self.root, schema, "items").unwrap_or(&null);
        let prefix = format!("{pointer}/");
        let indices: BTreeSet<usize> = self
            .posted
            .keys()
            .filter_map(|name| name.strip_prefix(&prefix))
            .filter_map(|rest| rest.split('/').next())
            .filter_map(|index| index.parse().ok())
            .collect();
        let rows: Vec<Value> = indices.into_iter().filter_map(|i| self.value(items, &format!("{prefix}{i}"))).collect();
        (!rows.is_empty()).then_some(Value::Array(rows))
    }

    /// One posted value as the schema's type; none if empty or unreadable (then an error).
    fn scalar(&self, schema: &Value, pointer: &str, raw: Option<&str>) -> Option<Value> {
        let raw = raw?.replace("\r\n", "\n");
        if raw.trim().is_empty() {
            return None;
        }
        let title = || {
            let last = pointer.rsplit('/').next().unwrap_or_default();
            text(self.root, schema, "title").unwrap_or(last).to_owned()
        };
        let read = match schema::shape(self.root, schema) {
            Shape::Const => keyword(self.root, schema, "const").cloned().ok_or_else(String::new),
            Shape::Boolean => match raw.trim() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("「{}」は「はい」か「いいえ」を選んでください", title())),
            },
            Shape::Integer => crate::forms::text::half_width(&raw)
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("「{}」は整数を半角数字で入力してください", title())),
            Shape::Number => number(&crate::forms::text::half_width(&raw))
                .ok_or_else(|| format!("「{}」は数値で入力してください", title())),
            _ if text(self.root, schema, "format") == Some("date-time") => Ok(Value::String(date_time(&raw))),
            _ if schema::ascii_pattern(self.root, schema) => Ok(Value::String(crate::forms::text::half_width(&raw))),
            _ => Ok(Value::String(raw)),
        };
        match read {
            Ok(value) => Some(value),
            Err(message) => {
                self.errors.borrow_mut().push(FieldError::new(pointer, "type", message));
                None
            }
        }
    }
}

/// A number as JSON: an integer stays an integer (`2`, not `2.0`).
fn number(text: &str) -> Option<Value> {
    if let Ok(whole) = text.parse::<i64>() {
        return Some(Value::from(whole));
    }
    let float = text.parse::<f64>().ok().filter(|f| f.is_finite())?;
    serde_json::Number::from_f64(float).map(Value::Number)
}

/// A `datetime-local` value (Japan time, without offset) as RFC 3339 with `+09:00`; anything
/// else is kept as typed for the validator to judge.
fn date_time(raw: &str) -> String {
    let raw = raw.trim();
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(raw, format).ok())
        .map_or_else(|| raw.to_owned(), |t| t.format("%Y-%m-%dT%H:%M:%S+09:00").to_string())
}
