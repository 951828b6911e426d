//! Health, routing, the OpenAPI document and the directory.

use serde_json::Value;

use crate::support::spawn_app;

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = spawn_app().await;
    let health = app.get("/healthz", "").await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
}

#[tokio::test]
async fn an_unknown_route_is_a_problem_document() {
    let app = spawn_app().await;
    let missing = app.get("/api/v1/nothing-here", "").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.content_type, "application/problem+json");
    assert_eq!(missing.body["title"], "見つかりません");
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint_and_its_security() {
    let app = spawn_app().await;
    let spec = app.get("/api/openapi.json", "").await.body;
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    let operations: Vec<(String, String, &Value)> = spec["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object().unwrap().iter().map(move |(method, op)| (path.clone(), method.clone(), op))
        })
        .collect();
    assert_eq!(operations.len(), 46, "{:?}", operations.iter().map(|(p, m, _)| format!("{m} {p}")).collect::<Vec<_>>());
    let public = ["/healthz", "/api/openapi.json", "/api/v1/schemas", "/api/v1/schemas/{kind}/{version}"];
    for (path, method, operation) in &operations {
        assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
        if !public.contains(&path.as_str()) {
            assert_eq!(
                operation["security"][0]["bearer"],
                serde_json::json!([]),
                "{method} {path} does not declare its token"
            );
            // Every protected endpoint really refuses a request without a token.
            let url = format!(
                "{}{}",
                app.address,
                path.replace("{id}", "01a20000-0000-7000-8000-000000000000")
                    .replace("{attachment_id}", "01a20000-0000-7000-8000-000000000001")
                    .replace("{revision}", "1")
            );
            let status = app.client.request(method.to_uppercase().parse().unwrap(), url).send().await.unwrap().status();
            assert_eq!(status.as_u16(), 401, "{method} {path}");
        }
    }
}

#[tokio::test]
async fn the_directory_lists_facilities_with_their_windows_to_any_user_and_nobody_else() {
    let app = spawn_app().await;
    let hospitals = app.facilities(&app.city().care_manager, "kind=hospital").await;
    assert_eq!(hospitals.status, 200);
    let codes: Vec<&str> = hospitals.body.as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["H1", "H2"]);
    assert_eq!(hospitals.body[0]["contact_windows"][0]["email"], "h1@example.jp");
    assert_eq!(app.get("/api/v1/facilities", "").await.status, 401);
    let me = app.me(&app.city().coordinator).await;
    assert_eq!(me.body["role"], "coordinator");
    assert_eq!(me.body["facility"]["code"], "CITY");
}

#[tokio::test]
async fn every_answer_forbids_caching_sniffing_framing_and_foreign_content() {
    let app = spawn_app().await;
    for (path, token) in [("/healthz", ""), ("/api/v1/me", app.city().nurse.as_str()), ("/api/v1/nothing-here", "")] {
        let mut request = app.client.get(format!("{}{path}", app.address));
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        let answer = request.send().await.unwrap();
        let header = |name: &str| answer.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert_eq!(header("cache-control"), "no-store", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
        assert!(header("content-security-policy").starts_with("default-src 'none'"), "{path}");
        assert_eq!(header("strict-transport-security"), "", "not over plain http");
    }
}

#[tokio::test]
async fn a_known_path_with_a_method_it_does_not_take_is_405_with_allow() {
    let app = spawn_app().await;
    let answer = app.client.delete(format!("{}/api/v1/documents/inbox", app.address)).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 405);
    assert_eq!(answer.headers()["allow"], "GET");
    let problem: Value = answer.json().await.unwrap();
    assert_eq!(problem["title"], "この方法では使えません");
    let missing = app.client.delete(format!("{}/api/v1/nowhere", app.address)).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}
