//! Any bytes as the body of every request that takes one, and as an Idempotency-Key: parsed the
//! way the server parses them. Must never panic; a refusal is a 400 or a 422 with a pointer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei::error::AppError;
use renkei::http::extract::parse;

fn refused_well<T>(parsed: Result<T, AppError>) {
    match parsed {
        Ok(_) | Err(AppError::BadRequest(_)) => {}
        Err(AppError::Invalid(errors)) => {
            assert!(!errors.is_empty());
            assert!(errors.iter().all(|e| e.pointer.starts_with('/') && !e.message.is_empty()), "{errors:?}");
        }
        Err(other) => panic!("a body parser answered {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    refused_well(parse::<renkei::documents::SendDocument>(data));
    refused_well(parse::<renkei::documents::Amendment>(data));
    refused_well(parse::<renkei::clients::NewClient>(data));
    refused_well(parse::<renkei::episodes::NewAdmission>(data));
    refused_well(parse::<renkei::episodes::Discharge>(data));
    refused_well(parse::<renkei::contacts::NewContact>(data));
    if let Ok(key) = std::str::from_utf8(data) {
        let _ = renkei::idempotency::Keyed::new(key, "POST", "/api/v1/documents", data);
    }
});
