//! The published schemas, compiled once at start-up. Which files are published is each kind's
//! declaration (`documents::exchange`), handed in by whoever loads the registry. A schema file
//! never changes once published (a test pins each file's hash); a handbook revision adds a new
//! version, and a stored document is always read against the version it was written under.

use serde_json::Value;

use super::DocumentKind;
use super::messages;
use crate::error::FieldError;

pub struct Schema {
    pub kind: DocumentKind,
    pub version: u32,
    /// The schema's `$id`, e.g. `urn:renkei:schema:admission_info:v1`.
    pub id: String,
    /// The form's Japanese name.
    pub title: String,
    /// The schema document as published.
    pub document: Value,
    validator: jsonschema::Validator,
}

impl Schema {
    /// What of `value` this form has a place for: members the schema does not name (through
    /// local `$ref`s) and choices it does not offer are left out. For facts offered to a draft
    /// that only some forms hold (a form without 生年月日 gets none).
    pub fn fit(&self, value: &Value) -> Value {
        fit(&self.document, &self.document, value).unwrap_or(Value::Null)
    }

    /// All that is wrong with `payload`, each error's pointer prefixed with `base` (the
    /// payload's place in the request body). Empty when the payload is valid.
    pub fn validate(&self, payload: &Value, base: &str) -> Vec<FieldError> {
        self.validator
            .iter_errors(payload)
            .flat_map(|error| messages::field_errors(&self.document, &error, base))
            .collect()
    }
}

pub struct SchemaRegistry {
    schemas: Vec<Schema>,
}

impl SchemaRegistry {
    /// Compiles every published schema (kind, version, file); fails if one is not valid JSON
    /// Schema 2020-12 or does not carry its kind and version in its `$id`.
    pub fn load<'a>(published: impl IntoIterator<Item = (DocumentKind, u32, &'a str)>) -> anyhow::Result<Self> {
        let schemas = published
            .into_iter()
            .map(|(kind, version, text)| compile(kind, version, text))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Self { schemas })
    }

    pub fn get(&self, kind: DocumentKind, version: u32) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.kind == kind && s.version == version)
    }

    /// The newest version of a kind: what new documents are written under by default.
    pub fn latest(&self, kind: DocumentKind) -> Option<&Schema> {
        self.schemas.iter().filter(|s| s.kind == kind).max_by_key(|s| s.version)
    }

    pub fn all(&self) -> &[Schema] {
        &self.schemas
    }
}

fn compile(kind: DocumentKind, version: u32, text: &str) -> anyhow::Result<Schema> {
    let name = format!("schemas/{}/v{version}.json", kind.as_str());
    let document: Value = serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{name}: not JSON: {e}"))?;
    jsonschema::draft202012::meta::validate(&document)
        .map_err(|e| anyhow::anyhow!("{name}: not valid JSON Schema 2020-12: {e}"))?;
    let expected_id = format!("urn:renkei:schema:{}:v{version}", kind.as_str());
    let id = document.get("$id").and_then(Value::as_str).unwrap_or_default().to_owned();
    if id != expected_id {
        anyhow::bail!("{name}: $id is {id:?}, expected {expected_id:?}");
    }
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&document)
        .map_err(|e| anyhow::anyhow!("{name}: does not compile: {e}"))?;
    let title = document.get("title").and_then(Value::as_str).unwrap_or(kind.label()).to_owned();
    Ok(Schema { kind, version, id, title, document, validator })
}

/// The node a schema node stands for: its local `$ref` (`#/$defs/…`) followed, through a chain of
/// them (at most 8); the node itself when it has none or the target is missing.
pub fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')).and_then(|p| root.pointer(p)) {
            Some(found) => node = found,
            None => break,
        }
    }
    node
}

fn fit(root: &Value, node: &Value, value: &Value) -> Option<Value> {
    let node = resolve(root, node);
    match value {
        Value::Object(members) => {
            let properties = node.get("properties")?.as_object()?;
            let kept: serde_json::Map<String, Value> = members
                .iter()
                .filter_map(|(name, member)| Some((name.clone(), fit(root, properties.get(name)?, member)?)))
                .collect();
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        Value::Null => None,
        scalar => match node.get("enum").and_then(Value::as_array) {
            Some(choices) if !choices.contains(scalar) => None,
            _ => Some(scalar.clone()),
        },
    }
}

#[cfg(test)]
mod fit_tests {
    use serde_json::json;

    #[test]
    fn a_fact_reaches_only_a_form_with_a_place_for_it() {
        let schema = json!({
            "properties": {"patient": {"$ref": "#/$defs/patient"}},
            "$defs": {"patient": {"properties": {"name": {"type": "string"}, "era": {"enum": ["明", "大", "昭"]}}}}
        });
        let facts = json!({"patient": {"name": "連携 花子", "era": "平", "birth_date": "1990-01-01"}, "care": {"level": "要介護1"}});
        assert_eq!(super::fit(&schema, &schema, &facts), Some(json!({"patient": {"name": "連携 花子"}})));
    }
}
