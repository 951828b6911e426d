//! How long validating a form takes: a full admission sheet (every item of the national form
//! filled in), valid and with five errors, and the same including JSON parsing.
//! Run: cargo bench --bench validation. Goal (issue 2): under 20 µs for the full valid sheet.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use renkei::forms::DocumentKind;
use serde_json::{Value, json};

fn sheet() -> Value {
    let path = format!("{}/tests/fixtures/admission_info_v1_full.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validation(c: &mut Criterion) {
    let registry = renkei::documents::exchange::schema_registry().unwrap();
    let schema = registry.latest(DocumentKind::AdmissionInfo).unwrap();
    let valid = sheet();
    let text = valid.to_string();
    let mut invalid = valid.clone();
    invalid["patient"].as_object_mut().unwrap().remove("name");
    invalid["patient"]["sex"] = json!("不明");
    invalid["header"]["written_on"] = json!("2026-02-30");
    invalid["care_insurance"]["care_level"] = json!("要介護9");
    invalid["patient"]["age"] = json!(-1);
    assert!(schema.validate(&valid, "").is_empty());
    assert_eq!(schema.validate(&invalid, "").len(), 5);

    c.bench_function("validate full admission sheet (valid)", |b| b.iter(|| schema.validate(black_box(&valid), "")));
    c.bench_function("validate full admission sheet (5 errors, Japanese messages)", |b| {
        b.iter(|| schema.validate(black_box(&invalid), ""))
    });
    c.bench_function("parse + validate full admission sheet", |b| {
        b.iter(|| {
            let parsed: Value = serde_json::from_str(black_box(&text)).unwrap();
            schema.validate(&parsed, "")
        })
    });
}

criterion_group!(benches, validation);
criterion_main!(benches);
