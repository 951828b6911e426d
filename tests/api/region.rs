//! A region's municipalities kept by administrators (the API and the page), and what a
//! coordinator sees of the region: a municipality's coordinator its own clients' survey only, a
//! regional coordinator and administrators any.

use serde_json::{Value, json};

use crate::support::pages::sign_in_page;
use crate::support::{TestApp, spawn_app};

async fn save(app: &TestApp, token: &str, code: &str, body: Value) -> crate::support::Answer {
    app.put(&format!("/api/v1/municipalities/{code}"), token, &body).await
}

#[tokio::test]
async fn administrators_keep_the_municipalities_and_each_one_s_rules_over_time() {
    let app = spawn_app().await;
    let admin = &app.city().admin;
    let city = save(&app, admin, "022039", json!({"name": "八戸市"})).await;
    assert_eq!((city.status, &city.body["rules"]), (200, &json!([])), "{}", city.body);
    let town = save(&app, admin, "024465", json!({"name": "階上町", "rules": "seven-days"})).await;
    assert_eq!(town.body["rules"][0]["rules"], "seven-days.v1");
    assert!(town.body["rules"][0].get("from").is_none(), "from the start");
    let changed =
        save(&app, admin, "024465", json!({"name": "階上町", "rules": "default", "rules_from": "2025-07-01"})).await;
    let history: Vec<(Option<&str>, &str, i64)> = changed.body["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].as_str(), e["rules"].as_str().unwrap(), e["discharge_notice_min_days"].as_i64().unwrap()))
        .collect();
    assert_eq!(history, [(None, "seven-days.v1", 7), (Some("2025-07-01"), "default.v1", 5)]);

    let refused =
        save(&app, admin, "02 4", json!({"name": " ", "rules": "nine-days", "rules_from": "2025-02-30"})).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let pointers: Vec<&str> =
        refused.body["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/code", "/name", "/rules", "/rules_from"]);
    assert!(refused.body["errors"][2]["message"].as_str().unwrap().contains("ルール \"nine-days\" はありません"));
    let unknown_field = save(&app, admin, "024465", json!({"name": "階上町", "rule": "default"})).await;
    assert_eq!(unknown_field.status, 422, "a misspelt field is refused, not ignored");
    for token in [&app.city().coordinator, &app.city().nurse] {
        assert_eq!(save(&app, token, "024465", json!({"name": "乗っ取り町"})).await.status, 403);
    }
    let listed = app.get("/api/v1/municipalities", &app.city().care_manager).await;
    let names: Vec<&str> = listed.body.as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["八戸市", "階上町"], "nobody renamed the town");

    // The page: the histories in words, and a refused form answered next to its fields.
    let page = sign_in_page(&app, "admin@city.example.jp").await;
    let shown = page.get("/admin/municipalities").await;
    assert!(shown.text().contains("2025年7月1日（火）から：標準ルール"), "{}", shown.text());
    assert!(shown.text().contains("当初から：退院7日前ルール（退院連絡は7日前まで）"), "{}", shown.text());
    let refused =
        page.post("/admin/municipalities", &[("code", "024465"), ("name", ""), ("rules", "seven-days.v1")]).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.text().contains("name-error") && refused.text().contains("名称を100文字以内"),
        "{}",
        refused.text()
    );
    let saved = page.post("/admin/municipalities", &[("code", "024236"), ("name", "新郷村"), ("rules", "")]).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert!(page.get(&saved.location()).await.text().contains("新郷村"));
}

/// The id of the city's own facility (CITY), where the coordinator and the administrator work.
async fn city_facility(app: &TestApp) -> String {
    let listed = app.get("/api/v1/facilities?kind=city", &app.city().admin).await;
    listed.body[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_municipality_s_coordinator_sees_only_that_municipality_s_survey() {
    let app = spawn_app().await;
    let admin = &app.city().admin;
    save(&app, admin, "022039", json!({"name": "八戸市"})).await;
    save(&app, admin, "024465", json!({"name": "階上町", "rules": "seven-days"})).await;
    let coordinator = &app.city().coordinator;
    // A coordinator of the whole region (the city facility is placed nowhere): any municipality.
    let region = app.survey(coordinator, "fiscal_year=2025").await;
    assert_eq!((region.status, region.body.get("municipality")), (200, None));
    assert_eq!(app.survey(coordinator, "fiscal_year=2025&municipality=022039").await.status, 200);

    // Placed in 階上町 (the administrator's page): that town's clients, by default and only.
    let page = sign_in_page(&app, "admin@city.example.jp").await;
    let city = city_facility(&app).await;
    let placed = page.post(&format!("/admin/facilities/{city}/municipality"), &[("municipality", "024465")]).await;
    assert_eq!(placed.status, 303, "{}", placed.text());
    assert!(page.get(&placed.location()).await.text().contains("所在市町村を保存しました"));
    let own = app.survey(coordinator, "fiscal_year=2025").await;
    assert_eq!(own.body["municipality"], "024465", "{}", own.body);
    assert_eq!(
        (own.body["municipality_name"].as_str(), own.body["rules"]["id"].as_str()),
        (Some("階上町"), Some("seven-days"))
    );
    let other = app.survey(coordinator, "fiscal_year=2025&municipality=022039").await;
    assert_eq!(other.status, 403, "{}", other.body);
    assert!(other.body["detail"].as_str().unwrap().contains("市町村 022039 の集計は見られません"));
    // The administrator sees any.
    assert_eq!(app.survey(admin, "fiscal_year=2025&municipality=022039").await.status, 200);
    let dashboard = sign_in_page(&app, "coordinator@city.example.jp").await.get("/dashboard").await;
    assert!(dashboard.text().contains("対象：<strong>階上町</strong>の利用者"), "{}", dashboard.text());
    // The administrator's dashboard offers the breakdown by municipality, with each one's rules.
    let board = page.get("/dashboard?group_by=municipality").await;
    assert_eq!(board.status, 200, "{}", board.text());
    assert!(board.text().contains("value=\"municipality\""), "{}", board.text());
    assert!(board.text().contains("各入院はその利用者の市町村のルールで判定しています"), "{}", board.text());
    // A municipality nobody registered: no place for it.
    let unknown = page.post(&format!("/admin/facilities/{city}/municipality"), &[("municipality", "999999")]).await;
    assert_eq!(unknown.status, 422, "{}", unknown.text());
}
