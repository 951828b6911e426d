//! Any bytes as a form payload: parsed as JSON, validated against every published schema and
//! the cross-field rules. Must never panic; errors must carry a pointer and a message.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use renkei::forms::registry::SchemaRegistry;
use renkei::forms::{DocumentKind, checks};

fn registry() -> &'static SchemaRegistry {
    static REGISTRY: OnceLock<SchemaRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| renkei::documents::exchange::schema_registry().expect("the published schemas compile"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
    for schema in registry().all() {
        for error in schema.validate(&payload, "/payload") {
            assert!(error.pointer.starts_with("/payload"), "{error:?}");
            assert!(!error.message.is_empty(), "{error:?}");
        }
        match schema.kind {
            DocumentKind::AdmissionInfo => drop(checks::admission_info(&payload, "/payload", today, Some(today))),
            DocumentKind::DischargeNotice => drop(checks::discharge_notice(&payload, "/payload", today)),
        }
    }
});
