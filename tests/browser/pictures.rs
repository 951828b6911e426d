//! Pictures and figures of the main pages on the demo data, through Chromium at 1024x768.
//! Both are `#[ignore]`d: they write files or print figures rather than check behaviour.
//!
//!   tests/screenshots.sh          → docs/screenshots/<name>.png (see that script)
//!   SCREENSHOTS_PHONE=1 SCREENSHOTS_DIR=/tmp/phone tests/screenshots.sh   → at 390x844
//!   cargo test --test renkei -- --ignored --nocapture browser::pictures::navigation_timing
//!
//! To picture one more page, add one line to `PAGES`.

use std::path::PathBuf;

use fantoccini::Locator;
use renkei::demo::DEMO_PASSWORD;

use super::Browser;
use crate::support::{Options, TestApp, spawn_app_with};

const NURSE: &str = "nurse@hospital1.example";
const CARE_MANAGER: &str = "cm@care1.example";
const CENTRE: &str = "cm@houkatsu.example";
/// The care manager of ふみ, who noted the hospital's call on her stay.
const OTHER_CARE_MANAGER: &str = "cm@care2.example";
const COORDINATOR: &str = "coordinator@city.example";
const ADMIN: &str = "admin@city.example";

/// One page to picture: the file name (without .png), who is signed in (None: nobody), the path
/// to open, the links to follow from there in turn (CSS selectors), and optionally a part of the
/// page to scroll into view (a CSS selector).
pub(super) struct Page {
    name: &'static str,
    user: Option<&'static str>,
    path: &'static str,
    follow: &'static [&'static str],
    show: Option<&'static str>,
}

pub(super) const PAGES: &[Page] = &[
    Page { name: "sign-in", user: None, path: "/login", follow: &[], show: None },
    Page { name: "inbox", user: Some(NURSE), path: "/inbox", follow: &[], show: None },
    Page {
        name: "document",
        user: Some(NURSE),
        path: "/inbox",
        follow: &["table.list tbody a[href^='/documents/']"],
        show: None,
    },
    Page {
        name: "print",
        user: Some(NURSE),
        path: "/inbox?kind=admission_info",
        follow: &["table.list tbody a[href^='/documents/']", "a[href$='/print']"],
        show: None,
    },
    Page { name: "outbox", user: Some(NURSE), path: "/outbox", follow: &[], show: None },
    Page { name: "stays", user: Some(NURSE), path: "/episodes", follow: &[], show: None },
    Page {
        name: "timeline",
        user: Some(NURSE),
        path: "/episodes",
        follow: &["table.list tbody a[href^='/episodes/']"],
        show: None,
    },
    Page {
        name: "contact-note",
        user: Some(OTHER_CARE_MANAGER),
        path: "/episodes",
        follow: &["table.list tbody a[href^='/episodes/']"],
        show: Some("ol.timeline .note"),
    },
    Page { name: "admission", user: Some(NURSE), path: "/episodes/new", follow: &[], show: None },
    Page {
        name: "client",
        user: Some(CARE_MANAGER),
        path: "/episodes",
        follow: &["table.list tbody a[href^='/episodes/']", "a[href^='/clients/']"],
        show: None,
    },
    Page {
        name: "referral",
        user: Some(CARE_MANAGER),
        path: "/inbox?kind=discharge_referral",
        follow: &["table.list tbody a[href^='/documents/']"],
        show: None,
    },
    Page {
        name: "conference",
        user: Some(CARE_MANAGER),
        path: "/inbox?kind=discharge_conference",
        follow: &["table.list tbody a[href^='/documents/']"],
        show: None,
    },
    Page { name: "drafts", user: Some(CARE_MANAGER), path: "/drafts", follow: &[], show: None },
    Page {
        name: "draft",
        user: Some(CARE_MANAGER),
        path: "/episodes",
        follow: &["table.list tbody a[href^='/episodes/']", "form[action='/drafts'] button.primary"],
        show: Some("#rf-contents"),
    },
    Page {
        name: "record",
        user: Some(CARE_MANAGER),
        path: "/outbox?kind=discharge_record",
        follow: &["table.list tbody a[href^='/documents/']"],
        show: None,
    },
    Page { name: "claims", user: Some(CARE_MANAGER), path: "/claims", follow: &[], show: None },
    Page {
        name: "claims-stay",
        user: Some(CARE_MANAGER),
        path: "/claims",
        follow: &["table.claims tbody a[href^='/episodes/']"],
        show: None,
    },
    Page { name: "office-calendar", user: Some(CARE_MANAGER), path: "/claims/calendar", follow: &[], show: None },
    Page { name: "help", user: Some(CARE_MANAGER), path: "/help/care-manager", follow: &[], show: None },
    Page {
        name: "assignment",
        user: Some(CENTRE),
        path: "/episodes",
        follow: &["table.list tbody a[href^='/episodes/']"],
        show: None,
    },
    Page { name: "dashboard", user: Some(COORDINATOR), path: "/dashboard", follow: &[], show: None },
    Page {
        name: "dashboard-beyond",
        user: Some(COORDINATOR),
        path: "/dashboard#beyond-title",
        follow: &[],
        show: None,
    },
    Page { name: "stays", user: Some(NURSE), path: "/episodes", follow: &[], show: None },
    Page { name: "admin", user: Some(ADMIN), path: "/admin", follow: &[], show: None },
    Page { name: "municipalities", user: Some(ADMIN), path: "/admin/municipalities", follow: &[], show: None },
    Page {
        name: "facility",
        user: Some(ADMIN),
        path: "/admin",
        follow: &["table th a[href^='/admin/facilities/']"],
        show: None,
    },
];

/// The server on a fresh database holding the demo data, as `renkei serve --demo` has it.
pub(super) async fn demo_app() -> TestApp {
    let app = spawn_app_with(Options::default().empty()).await;
    let conn = &mut *app.pool.get().expect("connection");
    renkei::demo::prepare(conn, &app.address).expect("demo data loaded");
    app
}

/// Signs in as the page's user (or out), then opens the page and returns its path.
pub(super) async fn visit(browser: &Browser, signed_in: &mut Option<&'static str>, page: &Page) -> String {
    if *signed_in != page.user {
        browser.client.delete_all_cookies().await.expect("signed out");
        if let Some(user) = page.user {
            browser.sign_in(user, DEMO_PASSWORD).await;
        }
        *signed_in = page.user;
    }
    browser.open(page.path).await;
    for link in page.follow {
        browser.click(link).await;
        browser.page_is_clean().await;
    }
    if let Some(part) = page.show {
        let script = "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});";
        browser.client.execute(script, vec![part.into()]).await.expect("scrolled to the part shown");
    }
    browser.path().await
}

fn folder() -> PathBuf {
    std::env::var_os("SCREENSHOTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"))
}

#[tokio::test]
#[ignore = "writes docs/screenshots/*.png: run tests/screenshots.sh"]
async fn screenshots() {
    let app = demo_app().await;
    let size =
        if std::env::var_os("SCREENSHOTS_PHONE").is_some() { super::PHONE } else { (super::WIDTH, super::HEIGHT) };
    let browser = Browser::start_sized(&app.address, size).await;
    let folder = folder();
    std::fs::create_dir_all(&folder).expect("screenshots folder");
    let mut signed_in = None;
    for page in PAGES {
        let path = visit(&browser, &mut signed_in, page).await;
        // The focus ring of an autofocused field is part of the page as people see it; the
        // caret blinks, so hide it for stable pictures.
        browser
            .client
            .execute("document.documentElement.style.caretColor = 'transparent'", vec![])
            .await
            .expect("caret");
        let png = browser.screenshot().await;
        let file = folder.join(format!("{}.png", page.name));
        std::fs::write(&file, &png).expect("screenshot written");
        println!("{path} → {} ({} KB)", file.display(), png.len() / 1024);
    }
}

/// How many loads of each page the figures are made of.
const LOADS: usize = 30;

#[tokio::test]
#[ignore = "prints figures for docs/performance.md"]
async fn navigation_timing() {
    let app = demo_app().await;
    let browser = Browser::start(&app.address).await;
    let mut signed_in = None;
    println!("page                     loads  responseEnd  DOMContentLoaded  loadEventEnd   (ms, median / p95)");
    for page in PAGES {
        let path = visit(&browser, &mut signed_in, page).await;
        let mut figures = vec![];
        for _ in 0..LOADS {
            browser.open(&path).await;
            browser.client.find(Locator::Css("main")).await.expect("page shown");
            figures.push(browser.navigation_timing().await);
        }
        let column = |pick: fn(&(f64, f64, f64)) -> f64| {
            let mut values: Vec<f64> = figures.iter().map(pick).collect();
            values.sort_by(f64::total_cmp);
            let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
            format!("{:5.1} / {:5.1}", at(0.5), at(0.95))
        };
        println!("{:<24} {LOADS:>5}  {}  {}     {}", page.name, column(|t| t.0), column(|t| t.1), column(|t| t.2));
    }
}
