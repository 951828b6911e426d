//! The print view as paper: each kind's full example printed by Chromium on A4 (the WebDriver
//! "Print Page" command, the browser's own print engine) and counted in pages, against the pages
//! of its paper form that its declaration states (`Exchange::print_pages`): the 入院時情報提供書
//! on 2, like the MHLW 様式例 (it printed on 7 as a list of answers), the 退院・退所情報記録書 and
//! every other kind on 1. Plain and masked, as the masked print adds its rule.

use renkei::documents::exchange;
use renkei::forms::DocumentKind;
use serde_json::json;

use super::Browser;
use crate::support::examples::full_examples;
use crate::support::{PASSWORD, day, spawn_app};

/// The pages of a PDF Chromium printed: its page objects.
fn pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

#[tokio::test]
async fn every_kind_prints_fully_answered_on_the_pages_of_its_paper_form() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let stay = app.admission("0100000001", &day(-20)).await;
    let city = app.city();
    let mut sent = vec![];
    for (kind, by_hospital, payload) in full_examples(20) {
        let (sender, recipient) =
            if by_hospital { (&city.nurse, city.care_office) } else { (&city.care_manager, city.hospital) };
        let body =
            json!({"kind": kind, "recipient_facility_id": recipient, "episode_id": stay["id"], "payload": payload});
        let answer = app.send_document(sender, &body).await;
        assert_eq!(answer.status, 201, "{kind}: {}", answer.body);
        sent.push((kind, answer.body["id"].as_str().expect("id").to_owned()));
    }
    app.give_password("nurse@h1.example.jp");
    let browser = Browser::start(&app.address).await;
    browser.sign_in("nurse@h1.example.jp", PASSWORD).await;
    for (kind, id) in sent {
        let declared = exchange::of(serde_json::from_value::<DocumentKind>(json!(kind)).expect("a kind")).print_pages;
        for masked in [false, true] {
            browser.open(&format!("/documents/{id}/print?mask={}", u8::from(masked))).await;
            browser.page_is_clean().await;
            let chosen = browser.text(".sheet .box.chosen, .sheet .grid td.chosen").await;
            assert!(chosen.starts_with('☑'), "{kind}: the chosen option ticked: {chosen}");
            let config = fantoccini::wd::PrintConfiguration::builder()
                .shrink_to_fit(false)
                .margins(fantoccini::wd::PrintMargins { top: 0.0, bottom: 0.0, left: 0.0, right: 0.0 })
                .build()
                .expect("A4, as the page's own @page rule sets its margins");
            let pdf = browser.client.print(config).await.expect("printed");
            if let Some(folder) = std::env::var_os("PRINTS_DIR") {
                let name = format!("{kind}{}.pdf", if masked { "-masked" } else { "" });
                std::fs::write(std::path::Path::new(&folder).join(name), &pdf).expect("written");
            }
            let count = pages(&pdf);
            assert!(
                (1..=usize::from(declared)).contains(&count),
                "{kind} (masked: {masked}): {count} pages of A4, its paper form has {declared}"
            );
        }
    }
}
