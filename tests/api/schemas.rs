//! The published schemas: registered, pinned, served as published, and the fixtures valid.

use renkei::forms::registry::{PUBLISHED, SchemaRegistry};
use sha2::{Digest, Sha256};

use crate::helpers::{fixture, spawn_app};

/// A published schema never changes: a handbook revision is a new version (docs/schemas.md).
const PINNED: &[(&str, &str)] = &[
    ("admission_info/v1.json", "18c5a4bb29a0f08616321987fb81b53046144fc44afe3815c61de1363f77ac52"),
    ("discharge_notice/v1.json", "076a766e559d30672233fcc8753067445b1dd0db0f4556bf486afd85bd0115fa"),
];

fn schema_files() -> Vec<String> {
    let root = format!("{}/schemas", env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for kind in std::fs::read_dir(&root).unwrap() {
        let kind = kind.unwrap();
        for file in std::fs::read_dir(kind.path()).unwrap() {
            files.push(format!(
                "{}/{}",
                kind.file_name().to_string_lossy(),
                file.unwrap().file_name().to_string_lossy()
            ));
        }
    }
    files.sort();
    files
}

#[test]
fn every_schema_file_is_registered_and_every_registration_has_a_file() {
    let mut registered: Vec<String> =
        PUBLISHED.iter().map(|(kind, version, _)| format!("{}/v{version}.json", kind.as_str())).collect();
    registered.sort();
    assert_eq!(registered, schema_files());
}

#[test]
fn published_schemas_have_not_changed() {
    let mut pinned: Vec<String> = PINNED.iter().map(|(file, _)| (*file).to_owned()).collect();
    pinned.sort();
    assert_eq!(pinned, schema_files(), "every schema file needs a pin");
    for (file, hash) in PINNED {
        let bytes = std::fs::read(format!("{}/schemas/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let actual: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(&actual, hash, "{file} changed after publication: add a new version instead");
    }
}

#[test]
fn the_example_forms_are_valid_and_an_empty_one_is_not() {
    let registry = SchemaRegistry::load().expect("schemas compile");
    for (kind, version, _) in PUBLISHED {
        let schema = registry.get(*kind, *version).unwrap();
        for variant in ["full", "minimal"] {
            let payload = fixture(&format!("{}_v{version}_{variant}", kind.as_str()));
            assert_eq!(schema.validate(&payload, ""), vec![], "{} v{version} {variant}", kind.as_str());
        }
        let errors = schema.validate(&serde_json::json!({}), "/payload");
        assert!(!errors.is_empty());
        assert!(errors.iter().all(|e| e.keyword == "required" && e.message.contains("必須")), "{errors:?}");
    }
}

#[tokio::test]
async fn schemas_are_served_exactly_as_published() {
    let app = spawn_app().await;
    let list = app.get("/api/v1/schemas", "").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body.as_array().unwrap().len(), PUBLISHED.len());
    for (kind, version, text) in PUBLISHED {
        let served = app.get(&format!("/api/v1/schemas/{}/{version}", kind.as_str()), "").await;
        assert_eq!(served.status, 200);
        assert_eq!(served.content_type, "application/schema+json");
        assert_eq!(served.body, serde_json::from_str::<serde_json::Value>(text).unwrap());
    }
    assert_eq!(app.get("/api/v1/schemas/admission_info/99", "").await.status, 404);
    assert_eq!(app.get("/api/v1/schemas/unknown/1", "").await.status, 404);
}
