//! A region of several municipalities, each with its handbook over time, imported as a region
//! would import it: every stay is judged by its municipality's rules in force on its admission
//! date (docs/survey.md, "A region": this is its worked example), and a bad file is refused whole.

use serde_json::Value;

use super::survey::survey;
use crate::support::TestDatabase;
use crate::support::cli::run;

/// `renkei import TABLE` of a file with `text`: its exit code and what it said.
async fn import(database: &TestDatabase, table: &str, text: &str) -> (i32, String) {
    let path = std::env::temp_dir().join(format!("renkei-region-{}.csv", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, text).unwrap();
    let (code, stdout, stderr) = run(database, &["import", table, &path.to_string_lossy()]).await;
    std::fs::remove_file(&path).unwrap();
    (code, format!("{stdout}{stderr}"))
}

/// (key, discharge cohort, on time, the rules' ids) of each group.
fn by_municipality(result: &Value) -> Vec<(String, i64, i64, Vec<String>)> {
    let groups = result["groups"].as_array().unwrap();
    groups
        .iter()
        .map(|g| {
            let rules = g["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
            let discharge = &g["discharge"];
            (
                g["key"].as_str().unwrap().to_owned(),
                discharge["cohort"].as_i64().unwrap(),
                discharge["on_time"].as_i64().unwrap(),
                rules,
            )
        })
        .collect()
}

const STAYS: &str = "\
episode_ref,client_ref,care_level,care_office,hospital,admitted_on,discharged_on,destination,excluded,municipality
E1,C1,要介護1,K01,H01,2025-04-01,2025-04-20,home,false,022039
E2,C2,要介護2,K01,H01,2025-04-01,2025-04-20,home,false,024465
E3,C3,要介護3,K01,H01,2025-04-12,2025-04-25,home,false,024465
E4,C4,要介護1,K01,H01,2025-04-02,2025-04-22,home,false,
E5,C5,要支援2,K01,H01,2025-04-12,2025-04-28,home,false,024465
";

const NOTICES: &str = "\
episode_ref,direction,kind,contacted_on,method
E1,hospital_to_cm,discharge_notice,2025-04-14,fax
E2,hospital_to_cm,discharge_notice,2025-04-14,phone
E3,hospital_to_cm,discharge_notice,2025-04-17,system
E4,hospital_to_cm,discharge_notice,2025-04-17,fax
E5,hospital_to_cm,discharge_notice,2025-04-22,phone
";

#[tokio::test]
async fn each_stay_is_judged_by_its_municipality_s_rules_on_its_admission_date() {
    let database = TestDatabase::new();
    let municipalities = "code,name,rules\n022039,八戸市,default\n024465,階上町,seven-days\n";
    assert_eq!(import(&database, "municipalities", municipalities).await.0, 0);
    let facilities = "code,name,kind,area,in_city,municipality\nH01,八戸中央病院,hospital,,true,022039\nK01,居宅介護支援事業所はしかみ,care_office,,true,024465\n";
    assert_eq!(import(&database, "facilities", facilities).await.0, 0);
    assert_eq!(import(&database, "episodes", STAYS).await.0, 0);
    assert_eq!(import(&database, "contacts", NOTICES).await.0, 0);

    // 八戸市 (5 days): E1, 6 days ahead, on time. 階上町 (7 days): E2 and E5, 6 days, late; E3, 8
    // days, on time. E4, of no municipality, under the deployment's rules: 5 days.
    let result = survey(&database, "default", &["--group-by", "municipality"]).await;
    assert_eq!(
        by_municipality(&result),
        [
            (String::new(), 1, 1, vec!["default".to_owned()]),
            ("022039".into(), 1, 1, vec!["default".into()]),
            ("024465".into(), 3, 1, vec!["seven-days".into()]),
        ]
    );
    assert_eq!(result["groups"][2]["label"], "階上町");
    assert_eq!(result["groups"][0]["label"], "（市町村の登録なし）");
    assert_eq!((result["discharge"]["cohort"].as_i64(), result["discharge"]["on_time"].as_i64()), (Some(5), Some(3)));
    // Under a 7-day deployment only E4 moves: the municipalities keep their own rules.
    let seven = survey(&database, "seven-days", &[]).await;
    assert_eq!(seven["discharge"]["on_time"], 2);
    // A town's own survey, under its rules.
    let town = survey(&database, "default", &["--municipality", "024465"]).await;
    assert_eq!((town["discharge"]["cohort"].as_i64(), town["discharge"]["on_time"].as_i64()), (Some(3), Some(1)));
    assert_eq!((town["rules"]["id"].as_str(), town["municipality"].as_str()), (Some("seven-days"), Some("024465")));

    // 階上町 adopts the 5-day rule from April 10: E3 and E5, admitted on the 12th, are judged by
    // it (E5 now on time); E2, admitted on the 1st, still by the 7-day rule.
    let adopted = "code,name,rules,rules_from\n024465,階上町,default,2025-04-10\n";
    assert_eq!(import(&database, "municipalities", adopted).await.0, 0);
    let result = survey(&database, "default", &["--group-by", "municipality"]).await;
    assert_eq!(by_municipality(&result)[2], ("024465".into(), 3, 2, vec!["seven-days".into(), "default".into()]));
    type Judged<'a> = (Option<&'a str>, &'a str, Option<&'a str>, Option<&'a str>);
    let under: Vec<Judged> = result["judged_under"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["municipality"].as_str(),
                u["rules"]["id"].as_str().unwrap(),
                u["admitted_from"].as_str(),
                u["admitted_to"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        under,
        [
            (None, "default", None, None),
            (Some("022039"), "default", None, None),
            (Some("024465"), "seven-days", None, Some("2025-04-09")),
            (Some("024465"), "default", Some("2025-04-10"), None),
        ]
    );
    // The same file again changes nothing.
    let (_, said) = import(&database, "municipalities", adopted).await;
    assert!(said.contains("変更なし 1"), "{said}");
}

#[tokio::test]
async fn a_file_naming_an_unknown_municipality_or_rule_set_is_refused_whole() {
    let database = TestDatabase::new();
    let bad = "code,name,rules\n022039,八戸市,default\n024465,階上町,nine-days\n024236,新郷村,\n";
    let (code, said) = import(&database, "municipalities", bad).await;
    assert_ne!(code, 0);
    assert!(said.contains("3 行目") && said.contains("rules: ルール \"nine-days\" はありません"), "{said}");
    let facilities = "code,name,kind,area,in_city\nH01,八戸中央病院,hospital,,true\nK01,居宅,care_office,,true\n";
    assert_eq!(import(&database, "facilities", facilities).await.0, 0);
    // Nothing of the refused file was stored: its first municipality is unknown too.
    let stays = "episode_ref,client_ref,care_level,care_office,hospital,admitted_on,discharged_on,destination,excluded,municipality\nE1,C1,,K01,H01,2025-04-01,,,false,022039\n";
    let (code, said) = import(&database, "episodes", stays).await;
    assert_ne!(code, 0);
    assert!(said.contains("municipality: 市町村コード 022039 は登録されていません"), "{said}");
    let (code, _, stderr) = run(&database, &["survey", "--fiscal-year", "2025", "--municipality", "022039"]).await;
    assert_ne!(code, 0);
    assert!(stderr.contains("市町村コード 022039 は登録されていません"), "{stderr}");
}
