//! Any bytes as an import file: decoded (UTF-8 or Shift_JIS), split into records for each table,
//! and each record checked. Must never panic; a refusal must say why.
#![no_main]

use libfuzzer_sys::fuzz_target;
use renkei::import::{self, Table, rows};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = import::decode(data) else { return };
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
    for table in [Table::Facilities, Table::Episodes, Table::Contacts] {
        let Ok(records) = import::records(&text, table) else { continue };
        for record in records {
            let Ok((_, record)) = record else { break };
            let values: Vec<&str> = record.iter().collect();
            let reasons = match table {
                Table::Facilities => rows::facility(&values).err(),
                Table::Episodes => rows::episode(&values, today).err(),
                Table::Contacts => rows::contact(&values, today).err(),
            };
            if let Some(reasons) = reasons {
                assert!(!reasons.is_empty() && reasons.iter().all(|r| !r.is_empty()), "{reasons:?}");
            }
        }
    }
});
