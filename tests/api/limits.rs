//! Limits: a rate limit per token (429 with Retry-After), a lockout after repeated failed
//! sign-ins from one address, and bodies too deep or with numbers too large refused whole.

use serde_json::Value;

use crate::support::{Options, TestApp, spawn_app, spawn_app_with};

async fn me(app: &TestApp, token: &str) -> (u16, Option<String>, Value) {
    let response = app.client.get(format!("{}/api/v1/me", app.address)).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    let retry = response.headers().get("Retry-After").map(|v| v.to_str().unwrap().to_owned());
    (status, retry, response.json().await.unwrap_or(Value::Null))
}

/// Posts raw bytes as a care manager's JSON body: they must be refused as unreadable (400).
async fn refused_as_unreadable(app: &TestApp, path: &str, body: Vec<u8>) {
    let answer = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(&app.city().care_manager)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    let problem: Value = answer.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("JSON として読み取れません"), "{problem}");
}

#[tokio::test]
async fn a_token_over_its_rate_gets_429_with_retry_after_and_others_go_on() {
    let app = spawn_app_with(Options::default().env("RATE_LIMIT_PER_MINUTE", "60")).await;
    let mut limited = None;
    for _ in 0..15 {
        let answer = me(&app, &app.city().nurse).await;
        if answer.0 == 429 {
            limited = Some(answer);
            break;
        }
        assert_eq!(answer.0, 200);
    }
    let (_, retry, body) = limited.expect("the 11th request in a burst is refused");
    assert!(retry.is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s >= 1)), "Retry-After in seconds");
    assert_eq!(body["title"], "リクエストが多すぎます");
    assert_eq!(body["status"], 429);
    assert_eq!(me(&app, &app.city().care_manager).await.0, 200, "another token has its own count");
}

#[tokio::test]
async fn an_address_with_ten_failed_sign_ins_is_locked_out() {
    let app = spawn_app().await;
    for i in 0..10 {
        assert_eq!(me(&app, &format!("renkei_{i:064}")).await.0, 401);
    }
    let (status, retry, body) = me(&app, "renkei_guess").await;
    assert_eq!(status, 429, "{body}");
    let seconds: u64 = retry.unwrap().parse().unwrap();
    assert!((840..=900).contains(&seconds), "locked for about 15 minutes: {seconds}");
    // A valid token from the same address is not looked up either while the lockout lasts.
    assert_eq!(me(&app, &app.city().coordinator).await.0, 429);
    let failed = app.audit(&app.city().admin, "action=sign_in_failed").await;
    assert_eq!(failed.status, 429, "the admin's token was not in the cache either");
}

#[tokio::test]
async fn a_body_nested_too_deep_or_with_a_number_too_large_is_refused_and_nothing_stored() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0100000001").await;
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let sheet = |payload: &str| {
        format!(
            r#"{{"kind": "admission_info", "recipient_facility_id": "{}", "client_id": "{}", "payload": {payload}}}"#,
            app.city().hospital,
            client["id"].as_str().unwrap()
        )
    };
    for body in [sheet(&format!(r#"{{"header": {deep}}}"#)), sheet(r#"{"header": {"number": 1e400}}"#)] {
        refused_as_unreadable(&app, "/api/v1/documents", body.into_bytes()).await;
    }
    assert_eq!(app.count("documents"), 0);
    assert_eq!(app.count("episodes"), 0);
}

#[tokio::test]
async fn a_body_that_is_not_utf8_such_as_shift_jis_is_refused_and_nothing_stored() {
    let app = spawn_app().await;
    let utf8 = r#"{"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female"}"#;
    let (shift_jis, _, unmappable) = encoding_rs::SHIFT_JIS.encode(utf8);
    assert!(!unmappable);
    let mut broken = utf8.as_bytes().to_vec();
    broken.insert(12, 0xff);
    for body in [shift_jis.into_owned(), broken] {
        refused_as_unreadable(&app, "/api/v1/clients", body).await;
    }
    assert_eq!(app.count("clients"), 0);
}
