//! What the two core jobs cost in Chromium, counted as people count it: clicks (a link, a button,
//! a choice) and characters typed, from the list of stays to the sent form. The figures are in
//! docs/performance.md ("Effort"); these tests keep them true.
//!
//! - A care manager's 入院時情報提供書 for a client whose previous sheet exists: the stay, 「前回の
//!   内容を写して書く」, 送信する. Everything else comes from the previous sheet, the client record
//!   and the stay.
//! - A discharge nurse's 退院連絡: the stay, 「退院連絡を書く」, the planned date (8 digits), where
//!   the patient goes, one criterion, 送信する. The care office, the patient and her own name and
//!   telephone come from the stay, the record and her facility.

use serde_json::json;

use super::Browser;
use super::scenario::set;
use crate::support::{PASSWORD, admission_sheet, day, spawn_app};

/// Clicks and typed characters, counted while the job is done.
#[derive(Default)]
struct Effort {
    clicks: usize,
    typed: usize,
}

impl Effort {
    /// A click on what `css` names, scrolled to the middle of the screen first as a person
    /// scrolls to it (scrolling is not counted; the action bar stays at the bottom).
    async fn click(&mut self, browser: &Browser, css: &str) {
        self.clicks += 1;
        let script = "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});";
        browser.client.execute(script, vec![json!(css)]).await.expect("scrolled to it");
        browser.click(css).await;
    }

    /// A date typed as its digits (yyyymmdd), as a date field takes it.
    async fn date(&mut self, browser: &Browser, css: &str, day: &str) {
        self.typed += day.chars().filter(char::is_ascii_digit).count();
        set(browser, css, day).await;
    }
}

#[tokio::test]
async fn a_care_manager_sends_a_sheet_from_the_previous_one_in_three_clicks_and_no_typing() {
    let app = spawn_app().await;
    app.client_of_care_office("0000055555").await;
    let (city, earlier) = (app.city(), app.admission("0000055555", &day(-60)).await);
    let sheet = json!({"kind": "admission_info", "recipient_facility_id": city.hospital, "episode_id": earlier["id"],
                       "payload": admission_sheet(&day(-60))});
    assert_eq!(app.send_document(&city.care_manager, &sheet).await.status, 201);
    let discharged = json!({"discharged_on": day(-50), "destination": "home"});
    assert_eq!(app.discharge(&city.nurse, earlier["id"].as_str().unwrap(), &discharged).await.status, 200);
    let stay = app.admission("0000055555", &day(0)).await;
    app.give_password("cm@c1.example.jp");
    let browser = Browser::start(&app.address).await;
    browser.sign_in("cm@c1.example.jp", PASSWORD).await;
    browser.open("/episodes").await;

    let mut effort = Effort::default();
    effort.click(&browser, &format!("table.list tbody a[href='/episodes/{}']", stay["id"].as_str().unwrap())).await;
    effort
        .click(&browser, "form[action='/drafts']:has(input[value='admission_info']) button[name=copy_previous]")
        .await;
    effort.click(&browser, "button[name=action][value=send]").await;
    browser.page_is_clean().await;
    assert!(browser.path().await.ends_with("?sent=1"), "sent: {}", browser.page_text().await);
    assert_eq!((effort.clicks, effort.typed), (3, 0), "clicks and characters");
}

#[tokio::test]
async fn a_nurse_sends_a_discharge_notice_in_five_clicks_and_eight_digits() {
    let app = spawn_app().await;
    app.client_of_care_office("0000055555").await;
    let stay = app.admission("0000055555", &day(-5)).await;
    app.give_password("nurse@h1.example.jp");
    let browser = Browser::start(&app.address).await;
    browser.sign_in("nurse@h1.example.jp", PASSWORD).await;
    browser.open("/episodes").await;

    let mut effort = Effort::default();
    effort.click(&browser, &format!("table.list tbody a[href='/episodes/{}']", stay["id"].as_str().unwrap())).await;
    effort.click(&browser, "form[action='/drafts']:has(input[value='discharge_notice']) button").await;
    effort.date(&browser, "#f-planned_discharge_date", &day(4)).await;
    effort.click(&browser, "input[name='/destination'][value='自宅']").await;
    effort.click(&browser, "input[name='/criteria']").await;
    effort.click(&browser, "button[name=action][value=send]").await;
    browser.page_is_clean().await;
    assert!(browser.path().await.ends_with("?sent=1"), "sent: {}", browser.page_text().await);
    assert_eq!((effort.clicks, effort.typed), (5, 8), "clicks and characters");
}
