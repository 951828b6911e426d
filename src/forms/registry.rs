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
