//! The whole liaison in a real browser, as its three users do it: the care manager writes the
//! admission sheet in the page, gets a field error back and corrects it; the hospital's nurse
//! acknowledges it once opened, sends the discharge notice and records the discharge; the
//! coordinator sees the notice's lead time on the dashboard.

use fantoccini::Locator;
use renkei::forms::DocumentKind;
use renkei::web::form;
use serde_json::json;

use super::Browser;
use crate::support::{PASSWORD, admission_sheet, day, spawn_app};

/// Sets the form's inputs as a person would by typing and ticking (through the DOM: date
/// inputs take their value in the browser's locale when typed), then leaves the rest as is.
pub(super) async fn fill_form(browser: &Browser, pairs: &[(String, String)]) {
    let script = r#"
        for (const [name, value] of arguments[0]) {
            for (const input of document.getElementsByName(name)) {
                if (input.type === 'radio' || input.type === 'checkbox') {
                    if (input.value === value) { input.checked = true; }
                } else if (input.type !== 'hidden') {
                    input.value = value;
                }
            }
        }"#;
    browser.client.execute(script, vec![json!(pairs)]).await.expect("form filled");
}

pub(super) async fn set(browser: &Browser, css: &str, value: &str) {
    let script = "document.querySelector(arguments[0]).value = arguments[1];";
    browser.client.execute(script, vec![json!(css), json!(value)]).await.expect("value set");
}

pub(super) async fn sign_out(browser: &Browser) {
    browser.click("form[action='/logout'] button").await;
}

pub(super) async fn start_draft(browser: &Browser, stay: &str, kind: &str) {
    browser.open("/drafts").await;
    let select = browser.client.find(Locator::Css("#episode")).await.expect("the stays");
    select.select_by_value(stay).await.expect("stay chosen");
    // A hospital writes several kinds of form: it chooses one (a care manager writes one).
    if let Ok(kinds) = browser.client.find(Locator::Css("select#kind")).await {
        kinds.select_by_value(kind).await.expect("kind chosen");
    }
    browser.click("form[action='/drafts'] button[type=submit]").await;
    browser.page_is_clean().await;
    assert!(browser.path().await.starts_with("/drafts/"), "a draft is open");
}

#[tokio::test]
async fn an_admission_and_a_discharge_are_exchanged_and_counted() {
    let app = spawn_app().await;
    app.client_of_care_office("0000055555").await;
    let stay = app.admission("0000055555", &day(-2)).await;
    let stay = stay["id"].as_str().expect("stay id").to_owned();
    for email in ["cm@c1.example.jp", "nurse@h1.example.jp", "coordinator@city.example.jp"] {
        app.give_password(email);
    }
    let browser = Browser::start(&app.address).await;

    // The care manager writes the admission sheet, with 記入日 in the future by mistake.
    browser.sign_in("cm@c1.example.jp", PASSWORD).await;
    start_draft(&browser, &stay, "admission_info").await;
    // Halfway down the long form, 送信する is still on the screen.
    let reachable = browser
        .client
        .execute(
            "window.scrollTo(0, document.body.scrollHeight / 2);
             const r = document.querySelector('button[name=action][value=send]').getBoundingClientRect();
             return window.scrollY > 0 && r.top >= 0 && r.bottom <= window.innerHeight;",
            vec![],
        )
        .await
        .expect("scrolled");
    assert_eq!(reachable, serde_json::json!(true), "the send button stays in reach");
    let schemas = renkei::documents::exchange::schema_registry().expect("schemas");
    let schema = &schemas.latest(DocumentKind::AdmissionInfo).expect("schema").document;
    let sheet = admission_sheet(&day(-2));
    fill_form(&browser, &form::pairs(&form::view(schema, Some(&sheet), &[], ""))).await;
    set(&browser, "#f-header-written_on", &day(3)).await;
    browser.click("button[name=action][value=send]").await;
    browser.page_is_clean().await;
    // The form comes back as a new page: wait for it (the click may return while it loads).
    let field = browser
        .client
        .wait()
        .at_most(std::time::Duration::from_secs(30))
        .for_element(Locator::Css("#f-header-written_on[aria-invalid]"))
        .await
        .expect("記入日");
    assert_eq!(field.attr("aria-invalid").await.expect("attribute").as_deref(), Some("true"));
    assert!(browser.page_text().await.contains("入力内容に1件の誤りがあります"));
    assert_eq!(app.count("documents"), 0, "nothing was sent");

    // Corrected: sent.
    set(&browser, "#f-header-written_on", &day(0)).await;
    browser.click("button[name=action][value=send]").await;
    browser.page_is_clean().await;
    assert!(browser.path().await.ends_with("?sent=1"), "{}", browser.path().await);
    assert!(browser.text("p.notice").await.contains("送信しました"));
    sign_out(&browser).await;

    // The nurse opens it from the inbox and acknowledges it in one click.
    browser.sign_in("nurse@h1.example.jp", PASSWORD).await;
    assert_eq!(browser.path().await, "/inbox");
    assert!(browser.text("tbody tr").await.contains("入院時情報提供書"));
    browser.click("tbody tr a[href^='/documents/']").await;
    browser.click(".actions button.primary").await;
    browser.page_is_clean().await;
    browser.open("/inbox").await;
    assert!(browser.text("tbody tr").await.contains("確認済"));

    // She sends the discharge notice (planned for today) and records the discharge.
    start_draft(&browser, &stay, "discharge_notice").await;
    let recipient = browser.client.find(Locator::Css("#recipient")).await.expect("the recipient");
    recipient.select_by_label("さくら居宅").await.expect("the care office chosen");
    set(&browser, "#f-planned_discharge_date", &day(0)).await;
    browser.fill("#f-contact_person-phone", "0157-00-1234").await;
    browser.click("input[name='/destination'][value='自宅']").await;
    browser.click("button[name=action][value=send]").await;
    browser.page_is_clean().await;
    assert!(browser.path().await.ends_with("?sent=1"), "sent: {}", browser.page_text().await);
    browser.open(&format!("/episodes/{stay}")).await;
    set(&browser, "#discharged_on", &day(0)).await;
    browser.click(&format!("form[action='/episodes/{stay}/discharge'] button[type=submit]")).await;
    browser.page_is_clean().await;
    // Recording asks first, saying what follows.
    assert!(browser.text(".confirm").await.contains("この内容で退院を記録しますか"));
    browser.click(".confirm button.primary").await;
    browser.page_is_clean().await;
    assert!(browser.page_text().await.contains("退院を記録しました"));
    sign_out(&browser).await;

    // The coordinator sees the stay counted, notified on the day of discharge: 0 days ahead.
    browser.sign_in("coordinator@city.example.jp", PASSWORD).await;
    assert_eq!(browser.path().await, "/dashboard");
    assert_eq!(browser.text("#discharge-cohort").await, "1");
    assert_eq!(browser.text("#discharge-contacted").await, "1");
    assert_eq!(browser.text("#discharge-on-time").await, "0", "not 5 days ahead");
    let lead = browser.text("#lead-time").await;
    let same_day = lead.lines().find(|line| line.starts_with("当日")).unwrap_or_default().to_owned();
    assert_eq!(same_day.split_whitespace().nth(1), Some("1"), "the notice counts as sent on the day: {lead}");
}
