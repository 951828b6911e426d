//! Tests in a real browser: Debian's headless Chromium, driven through its chromedriver by
//! fantoccini, against the real server of `spawn_app()` (SQLite, or PostgreSQL when
//! TEST_DATABASE_URL is set). Each test starts its own chromedriver on a free port, with a fresh
//! Chromium profile in a temporary folder, and stops both when the `Browser` is dropped.
//!
//! Needs `apt-get install chromium chromium-driver fonts-noto-cjk`: without them these tests
//! fail (they never skip), saying what to install.
//!
//! After each page load `page_is_clean()` reads Chromium's console log and fails on any SEVERE
//! entry: JavaScript errors, Content-Security-Policy violations, sub-resources that failed.

mod accessibility;
mod admin;
mod autosave;
mod charts;
mod conference;
mod documents;
mod effort;
mod pictures;
mod print;
mod scenario;
mod sign_in;
mod widths;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::support::free_port;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// fonts-noto-cjk: without it Japanese renders as empty boxes (tofu) in the screenshots.
const CJK_FONTS: &str = "/usr/share/fonts/opentype/noto";
const INSTALL: &str = "apt-get install chromium chromium-driver fonts-noto-cjk";
/// A tablet's screen.
pub const WIDTH: u32 = 1024;
pub const HEIGHT: u32 = 768;
/// A phone's screen.
pub const PHONE: (u32, u32) = (390, 844);

/// One Chromium, through one chromedriver, for one test.
pub struct Browser {
    pub client: Client,
    /// The server's base address, e.g. http://127.0.0.1:PORT.
    pub base: String,
    session: String,
    driver: Driver,
    /// The page area: width, height.
    size: (u32, u32),
}

/// The chromedriver process and the folder holding the Chromium profile and the driver's log.
struct Driver {
    child: Child,
    port: u16,
    folder: PathBuf,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium whose window is 1024x768.
    pub async fn start(base: &str) -> Browser {
        Self::start_sized(base, (WIDTH, HEIGHT)).await
    }

    /// Starts chromedriver and a headless Chromium whose page area is `size` (width, height).
    pub async fn start_sized(base: &str, size: (u32, u32)) -> Browser {
        for (path, package) in
            [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver"), (CJK_FONTS, "fonts-noto-cjk")]
        {
            assert!(
                Path::new(path).exists(),
                "{path} is missing: the browser tests need Debian's {package}. Install with: {INSTALL}"
            );
        }
        let driver = Driver::start().await;
        let profile = driver.folder.join("profile");
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--lang=ja-JP", "--hide-scrollbars",
                    format!("--window-size={},{}", size.0, size.1),
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}/", driver.port))
            .await
            .unwrap_or_else(|e| panic!("Chromium did not start through chromedriver: {e}\n{}", driver.log()));
        let session = client.session_id().await.expect("session id").expect("a session");
        // --window-size sets the window; the page itself must be `size` for screenshots.
        let browser = Browser { client, base: base.to_owned(), session, driver, size };
        browser.fit_viewport().await;
        browser
    }

    /// Makes the page area (not the window) exactly its size.
    async fn fit_viewport(&self) {
        let (width, height) = self.size;
        let inner = self.client.execute("return [window.innerWidth, window.innerHeight]", vec![]).await.expect("size");
        let (w, h) = (inner[0].as_u64().unwrap_or(0) as u32, inner[1].as_u64().unwrap_or(0) as u32);
        let (ow, oh) = self.client.get_window_size().await.expect("window size");
        if (w, h) != (width, height) {
            let width = (ow as u32 + width).saturating_sub(w);
            let height = (oh as u32 + height).saturating_sub(h);
            self.client.set_window_size(width, height).await.expect("window resized");
        }
    }

    /// Opens a path of the server and checks the page is clean.
    pub async fn open(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.expect("page loaded");
        self.page_is_clean().await;
    }

    /// The path (and query) of the page shown.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// The path once it is `expected` (a click that submits a form may return while the old page
    /// is still shown, its readyState already complete), or whatever it is after 10 s.
    pub async fn path_becomes(&self, expected: &str) -> String {
        for _ in 0..200 {
            let path = self.path().await;
            if path == expected {
                return path;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.path().await
    }

    /// The text of the first element matching a CSS selector.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} on the page: {e}"))
            .text()
            .await
            .expect("text")
    }

    /// The visible text of the whole page.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// Signs in through the real form, by clicks, and checks the page it lands on is clean.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.open("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("form[action='/login'] button[type=submit]").await;
        self.page_is_clean().await;
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css} on the page: {e}"));
        field.clear().await.expect("cleared");
        field.send_keys(value).await.expect("typed");
    }

    /// Clicks and, when the click leaves the page, waits for the next one to load.
    pub async fn click(&self, css: &str) {
        let element = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css} on the page: {e}"));
        element.click().await.expect("clicked");
        self.settled().await;
    }

    /// Waits until the document has finished loading (a click that submits a form returns
    /// before the next page is there).
    pub async fn settled(&self) {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("html"))
            .await
            .expect("page present");
        for _ in 0..600 {
            let state = self.client.execute("return document.readyState", vec![]).await.expect("readyState");
            if state == "complete" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page did not finish loading in 30 s");
    }

    /// Fails on any SEVERE entry of the browser's console since the last call: JavaScript
    /// errors, CSP violations, failed sub-resources. Other entries are printed.
    pub async fn page_is_clean(&self) {
        let severe = self.console_errors().await;
        assert!(severe.is_empty(), "on {}: the browser reported\n{}", self.path().await, severe.join("\n"));
    }

    /// The SEVERE console entries since the last read (reading empties ChromeDriver's buffer).
    pub async fn console_errors(&self) -> Vec<String> {
        let entries = self.client.issue_cmd(BrowserLog).await.expect("ChromeDriver's browser log");
        // The page's own status (a 401 for a wrong password, a 422 for a form shown again with
        // its errors) is logged as a failed load too: the tests check those pages themselves.
        let page = self.client.current_url().await.expect("current url");
        let own_status = format!("{page} - Failed to load resource: the server responded with a status of 4");
        let mut severe = vec![];
        for entry in entries.as_array().into_iter().flatten() {
            let level = entry["level"].as_str().unwrap_or_default();
            let message = entry["message"].as_str().unwrap_or_default();
            if level == "SEVERE" && entry["source"] == "network" && message.starts_with(&own_status) {
                println!("browser console: the page's own status: {message}");
            } else if level == "SEVERE" {
                severe.push(format!("{level} {} {message}", entry["source"].as_str().unwrap_or_default()));
            } else {
                println!("browser console: {level} {message}");
            }
        }
        severe
    }

    /// The page's navigation timing, in milliseconds from the start of the navigation:
    /// (responseEnd, domContentLoadedEventEnd, loadEventEnd).
    pub async fn navigation_timing(&self) -> (f64, f64, f64) {
        let timing = self
            .client
            .execute(
                "const n = performance.getEntriesByType('navigation')[0];\
                 return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd];",
                vec![],
            )
            .await
            .expect("navigation timing");
        let at = |i: usize| timing[i].as_f64().expect("a number of milliseconds");
        (at(0), at(1), at(2))
    }

    /// A PNG of what the 1024x768 screen shows.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("screenshot")
    }
}

impl Drop for Browser {
    /// Ends the WebDriver session (Chromium quits) even when the test failed, then stops
    /// chromedriver. A blocking request: Drop cannot await.
    fn drop(&mut self) {
        let request = format!(
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            self.session, self.driver.port
        );
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.driver.port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
            let _ = stream.write_all(request.as_bytes());
            let _ = stream.read_to_end(&mut vec![]);
        }
    }
}

impl Driver {
    async fn start() -> Driver {
        let port = free_port();
        let folder = std::env::temp_dir().join(format!("renkei-browser-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&folder).expect("temporary folder");
        let log = std::fs::File::create(folder.join("chromedriver.log")).expect("log file");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{CHROMEDRIVER} did not start ({e}). Install with: {INSTALL}"));
        let mut driver = Driver { child, port, folder };
        // Bounded wait for the driver to listen; not a timing assertion.
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return driver;
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver stopped at start ({status}):\n{}", driver.log());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("chromedriver did not listen on port {port} within 10 s:\n{}", driver.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.folder.join("chromedriver.log")).unwrap_or_default()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// ChromeDriver's (Selenium-era) log command, `POST /session/{id}/se/log {"type":"browser"}`:
/// the console entries since the last call.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}
