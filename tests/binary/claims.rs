//! The files that set what the 加算 count on, imported as an operator would: the Cabinet
//! Office's national holidays (Shift_JIS, as downloaded) and the care offices' business
//! calendars; each moves a tier of `renkei claims` exactly as docs/claims.md says, and a file
//! with a bad row changes nothing.

use serde_json::Value;

use crate::support::TestDatabase;
use crate::support::cli::run;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

async fn import(database: &TestDatabase, table: &str, file: &str) -> (i32, String) {
    let (code, stdout, stderr) = run(database, &["import", table, file]).await;
    (code, format!("{stdout}{stderr}"))
}

/// The admission tier of the one stay of May 2026.
async fn tier(database: &TestDatabase) -> Value {
    let (code, stdout, stderr) = run(database, &["claims", "--from", "2026-05-01", "--to", "2026-05-31"]).await;
    assert_eq!(code, 0, "{stderr}");
    let claims: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(claims["stays"].as_array().unwrap().len(), 1, "{claims}");
    claims["stays"][0]["admission_info_addition"]["tier"].clone()
}

#[tokio::test]
async fn holidays_and_office_calendars_imported_from_files_move_the_tiers_as_defined() {
    let database = TestDatabase::new();
    let dir = std::env::temp_dir().join(format!("renkei-claims-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let facilities = write(
        &dir,
        "f.csv",
        "code,name,kind,area,in_city\nH01,中央病院,hospital,,true\nK01,あおば,care_office,,true\n".as_bytes(),
    );
    // Admitted on 2026-05-06 (振替休日), a Wednesday, at 10:00; the sheet by FAX the next day.
    let stays = write(
        &dir,
        "e.csv",
        "episode_ref,client_ref,care_level,care_office,hospital,admitted_on,discharged_on,destination,excluded,admitted_at\n\
         E1,C1,要介護1,K01,H01,2026-05-06,,,false,10:00\n"
            .as_bytes(),
    );
    let contacts = write(
        &dir,
        "c.csv",
        b"episode_ref,direction,kind,contacted_on,method\nE1,cm_to_hospital,admission_info,2026-05-07,fax\n",
    );
    for (table, file) in [("facilities", &facilities), ("episodes", &stays), ("contacts", &contacts)] {
        let (code, output) = import(&database, table, file).await;
        assert_eq!(code, 0, "{table}: {output}");
    }
    assert_eq!(tier(&database).await, "I", "a national holiday is no business day: day 2 gives (Ⅰ)");

    // The Cabinet Office's file, Shift_JIS: a bad row refuses it whole.
    let encode = |text: &str| encoding_rs::SHIFT_JIS.encode(text).0.into_owned();
    let header = "国民の祝日・休日月日,国民の祝日・休日名称\n";
    let bad = write(&dir, "bad.csv", &encode(&format!("{header}2026/1/1,元日\n2026/2/30,建国記念の日\n")));
    let (code, output) = import(&database, "holidays", &bad).await;
    assert_ne!(code, 0);
    assert!(output.contains("3 行目") && output.contains("何も取り込みませんでした"), "{output}");
    assert_eq!(tier(&database).await, "I", "nothing was stored");
    // A 2026 in which May 6 is no holiday: the imported year replaces the carried one.
    let moved = write(&dir, "syukujitsu.csv", &encode(&format!("{header}2026/1/1,元日\n2026/5/5,こどもの日\n")));
    let (code, output) = import(&database, "holidays", &moved).await;
    assert_eq!(code, 0, "{output}");
    assert_eq!(tier(&database).await, "II", "a business day now, within hours: day 2 gives (Ⅱ)");

    // The office's calendar: a hospital is refused, the office's closing time set.
    let wrong = write(&dir, "k-bad.csv", "care_office,weekdays,closing_time,national_holidays,closed_days\nH01,mon,17:30,closed,\nK01,funday,17:30,closed,\n".as_bytes());
    let (code, output) = import(&database, "calendars", &wrong).await;
    assert_ne!(code, 0);
    assert!(output.contains("H01 は医療機関です") && output.contains("3 行目: weekdays"), "{output}");
    let early = write(
        &dir,
        "k.csv",
        "care_office,weekdays,closing_time,national_holidays,closed_days\nK01,mon tue wed thu fri,09:30,closed,12-29..01-03\n"
            .as_bytes(),
    );
    let (code, output) = import(&database, "calendars", &early).await;
    assert_eq!(code, 0, "{output}");
    assert_eq!(tier(&database).await, "I", "10:00 is after a 09:30 closing: day 2 gives (Ⅰ)");
    let (_, again) = import(&database, "calendars", &early).await;
    assert!(again.contains("変更なし 1"), "{again}");
    std::fs::remove_dir_all(dir).unwrap();
}
