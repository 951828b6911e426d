//! The published schemas: registered, pinned, served as published, and the fixtures valid.

use renkei::documents::exchange::published;
use sha2::{Digest, Sha256};

use crate::support::{fixture, spawn_app};

/// A published schema never changes: a handbook revision is a new version (docs/schemas.md).
const PINNED: &[(&str, &str)] = &[
    ("admission_info/v1.json", "18c5a4bb29a0f08616321987fb81b53046144fc44afe3815c61de1363f77ac52"),
    ("conference_answer/v1.json", "bb3a3f2e07fb9f6cc4cfee07db6317847ef46f741105d714c57cf0fded12e886"),
    ("admission_notice/v1.json", "c27e950aca4ad136ec62e6fd4777bf58cfb7fc9a3b96854f0ff41102568fd33f"),
    ("discharge_conference/v1.json", "2fbc2672ae33969af096f1e28b87cd355a00b80c32ab6a1de2f85de09e570279"),
    ("discharge_notice/v1.json", "076a766e559d30672233fcc8753067445b1dd0db0f4556bf486afd85bd0115fa"),
    ("discharge_record/v1.json", "f24456745ae3a8ff1badf69e1cbac6acdd30fa02153ef277dcbdcf7f38441fda"),
    ("discharge_referral/v1.json", "ae2f0be3e03ab423e3d41e9bc0e33abe01c1816489a45113fbe2d401dc9c1f38"),
    ("handbook/v1.json", "a989deb0b7e9768f46423d8fcd7ed9c6e97b39cff167d61e39e07332de47b097"),
    ("handbook/rules/default.v1.json", "d199634d1428877604137154eaabbc64b93a4cb15d444cb622510541de1d74c8"),
    ("handbook/rules/paper-survey.v1.json", "e47a2d3f097c9588720f98b43d672cd0eb32add05b56154d4141c29bc739a4b6"),
    ("handbook/rules/seven-days.v1.json", "e72a11bdb020650eba02f007b5337fe33c5ea2ef3e47a01851e837a14ba95ae7"),
    ("survey/v1.json", "05b7734215cfccda7b31b3edf41bd5979db22aeda17e6342bb5e4d63d34a2b92"),
    ("survey/v2.json", "76c0973921b549ab2f800586388df6fa0f0218919373ccfe111f897a1a827909"),
    ("survey/v3.json", "995a5bec254249996715dad701f2937cda07b5e2d263f142d8d9e1d493eed8ec"),
    ("survey/v4.json", "3fcdcf96ac1faaf81f8218846fdf3289c709c17364770da37f3df579107d7677"),
];

fn schema_files() -> Vec<String> {
    fn walk(dir: &std::path::Path, prefix: &str, files: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &format!("{name}/"), files);
            } else {
                files.push(name);
            }
        }
    }
    let mut files = Vec::new();
    walk(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas")), "", &mut files);
    files.sort();
    files
}

#[test]
fn every_schema_file_is_registered_and_every_registration_has_a_file() {
    let forms = published().map(|(kind, version, _)| format!("{}/v{version}.json", kind.as_str()));
    let rules = renkei::survey::rules::PUBLISHED.iter().map(|(name, _)| format!("handbook/rules/{name}.json"));
    let own =
        ["handbook/v1.json", "survey/v1.json", "survey/v2.json", "survey/v3.json", "survey/v4.json"].map(str::to_owned);
    let mut registered: Vec<String> = forms.chain(rules).chain(own).collect();
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
    let registry = renkei::documents::exchange::schema_registry().expect("schemas compile");
    for (kind, version, _) in published() {
        let schema = registry.get(kind, version).unwrap();
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
    assert_eq!(list.body.as_array().unwrap().len(), published().count());
    for (kind, version, text) in published() {
        let served = app.get(&format!("/api/v1/schemas/{}/{version}", kind.as_str()), "").await;
        assert_eq!(served.status, 200);
        assert_eq!(served.content_type, "application/schema+json");
        assert_eq!(served.body, serde_json::from_str::<serde_json::Value>(text).unwrap());
    }
    assert_eq!(app.get("/api/v1/schemas/admission_info/99", "").await.status, 404);
    assert_eq!(app.get("/api/v1/schemas/unknown/1", "").await.status, 404);
}
