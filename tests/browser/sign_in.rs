//! Signing in: wrong password, and the first administrator of an empty installation.

use super::Browser;
use crate::support::{Options, PASSWORD, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_wrong_password_is_told_next_to_the_form() {
    let app = spawn_app().await;
    app.give_password("nurse@h1.example.jp");
    let browser = Browser::start(&app.address).await;

    browser.sign_in("nurse@h1.example.jp", "not-the-password").await;

    assert_eq!(browser.path().await, "/login");
    assert_eq!(browser.text("#sign-in-error").await, "メールアドレスまたはパスワードが違います");
    let email = browser.client.find(fantoccini::Locator::Css("#email")).await.expect("email field");
    assert_eq!(email.attr("aria-describedby").await.expect("attribute").as_deref(), Some("sign-in-error"));
    assert_eq!(
        email.prop("value").await.expect("value").as_deref(),
        Some("nurse@h1.example.jp"),
        "the address is kept"
    );
}

#[tokio::test]
async fn a_fresh_installation_sets_up_its_first_admin_who_lands_signed_in() {
    let app = spawn_app_with(Options::default().empty()).await;
    let browser = Browser::start(&app.address).await;

    browser.open("/login").await;
    assert!(browser.text("p.notice").await.contains("管理者がまだ登録されていません"));
    browser.click("p.notice a[href='/setup']").await;
    browser.page_is_clean().await;
    assert_eq!(browser.path().await, "/setup");
    assert_eq!(browser.text("h1").await, "初期設定：最初の管理者");

    browser.fill("#setup_code", &app.setup_code).await;
    browser.fill("#facility_code", "012084").await;
    browser.fill("#facility_name", "連携市 在宅医療介護連携支援センター").await;
    browser.fill("#name", "管理 大輔").await;
    browser.fill("#email", "admin@city.example.jp").await;
    browser.fill("#password", PASSWORD).await;
    browser.fill("#password_confirmation", PASSWORD).await;
    browser.click("form[action='/setup'] button[type=submit]").await;
    browser.page_is_clean().await;

    // Administrators land on /admin (its page is being built; until then a 404 page).
    assert_eq!(browser.path().await, "/admin");
    let cookie = browser.client.get_named_cookie("renkei_session").await.expect("a session cookie");
    let conn = &mut *app.pool.get().expect("connection");
    let session = renkei::auth::session::resume(conn, cookie.value()).expect("session read");
    assert!(session.is_some(), "the new admin is signed in");

    browser.open("/setup").await;
    assert!(!browser.page_text().await.contains("設定コード"), "the set-up page is closed once an admin exists");
}
