//! Who may open which page: every page of `renkei::web::PAGES` is served, and each page without
//! a record in its path answers each role as its `Access` says (records in paths are tested
//! with their owners in the pages' own tests).

use renkei::web::{Access, PAGES};

use crate::support::pages::sign_in_page;
use crate::support::{Options, spawn_app, spawn_app_with};

/// What a signed-in role gets for a page of this access (no record in the path).
fn expected(access: Access, email: &str) -> u16 {
    let liaison = email.starts_with("nurse") || email.starts_with("cm");
    let allowed = match access {
        Access::Anyone | Access::SignedIn => true,
        Access::Liaison
        | Access::Parties
        | Access::Recipient
        | Access::Sender
        | Access::OwnFacility
        | Access::RecordKeeper => liaison,
        Access::Hospital => email.starts_with("nurse"),
        // The seeded city has no 地域包括支援センター user.
        Access::SupportCenter => email.starts_with("centre"),
        Access::Statistics => email.starts_with("coordinator") || email.starts_with("admin"),
        Access::Claims => email.starts_with("cm") || email.starts_with("coordinator"),
        Access::OfficeCalendar => email.starts_with("cm"),
        Access::Admin => email.starts_with("admin"),
    };
    if allowed { 200 } else { 403 }
}

#[tokio::test]
async fn every_page_answers_each_role_as_its_access_says() {
    // Every page for four visitors from one address, faster than anyone clicks.
    let app = spawn_app_with(Options::default().env("RATE_LIMIT_PER_MINUTE", "6000")).await;
    let pages: Vec<(&str, Access)> = PAGES
        .iter()
        .filter(|(method, path, _)| *method == "GET" && !path.contains('{'))
        .filter(|(_, path, _)| !["/", "/login", "/setup"].contains(path))
        .map(|(_, path, access)| (*path, *access))
        .collect();
    assert!(pages.len() >= 10, "the pages are listed");
    for email in ["nurse@h1.example.jp", "cm@c1.example.jp", "coordinator@city.example.jp", "admin@city.example.jp"] {
        let visitor = sign_in_page(&app, email).await;
        for (path, access) in &pages {
            let answer = visitor.get(path).await;
            assert_eq!(answer.status, expected(*access, email), "{email} on {path}");
        }
    }
}

#[tokio::test]
async fn every_listed_page_exists_and_asks_strangers_to_sign_in() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let some_id = uuid::Uuid::now_v7().to_string();
    for (method, path, access) in PAGES {
        let url = format!(
            "{}{}",
            app.address,
            path.replace("{id}", &some_id)
                .replace("{window}", &some_id)
                .replace("{attachment_id}", &some_id)
                .replace("{contact_id}", &some_id)
                .replace("{chapter}", "nurse")
                .replace("{name}", "inbox.png")
        );
        let answer = match *method {
            "GET" => client.get(&url).send().await.unwrap(),
            _ => client.post(&url).header("Content-Type", "application/x-www-form-urlencoded").send().await.unwrap(),
        };
        let status = answer.status().as_u16();
        let location = answer.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
        match (*method, access) {
            ("GET", Access::Anyone) => assert!(status == 200 || status == 303, "{method} {path}: {status}"),
            ("GET", _) => {
                assert_eq!(status, 303, "{method} {path}");
                assert!(location.starts_with("/login?next="), "{method} {path}: {location}");
            }
            // A form from elsewhere (no Origin) is refused before anything else.
            _ => assert_eq!(status, 403, "{method} {path}"),
        }
    }
}
