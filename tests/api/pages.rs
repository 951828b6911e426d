//! Signing in through the pages (GET /login, its CSRF field, POST with an Origin), for tests of
//! what users see. The session cookie is kept by hand: one cookie, no cookie store needed.

use crate::helpers::TestApp;

/// The password every page test signs in with.
pub const PASSWORD: &str = "pages-test-password-2026";

/// A signed-in browser: the session cookie and the session's CSRF token.
pub struct PageClient {
    address: String,
    client: reqwest::Client,
    cookie: String,
    pub csrf: String,
}

/// A page's answer.
pub struct Page {
    pub status: u16,
    pub location: String,
    pub body: String,
}

/// Gives `email` a password and signs in through the sign-in page.
pub async fn sign_in_page(app: &TestApp, email: &str) -> PageClient {
    {
        let conn = &mut *app.pool.get().expect("connection");
        renkei::auth::session::set_password(conn, email, PASSWORD).expect("password set");
    }
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let form = client.get(format!("{}/login", app.address)).send().await.expect("sign-in page");
    let guard = cookie(&form, "renkei_sign_in");
    let csrf = csrf_field(&form.text().await.expect("body"));
    let signed_in = client
        .post(format!("{}/login", app.address))
        .header("Origin", &app.address)
        .header("Cookie", format!("renkei_sign_in={guard}"))
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", PASSWORD)])
        .send()
        .await
        .expect("signed in");
    assert_eq!(signed_in.status().as_u16(), 303, "sign-in of {email}");
    let session = cookie(&signed_in, "renkei_session");
    let mut page = PageClient { address: app.address.clone(), client, cookie: session, csrf: String::new() };
    page.csrf = csrf_field(&page.get("/episodes").await.body);
    page
}

impl PageClient {
    pub async fn get(&self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.address)).header("Cookie", self.cookie_header());
        page(request).await
    }

    /// Posts a form from a page of the site, with the session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_as_is(path, &all).await
    }

    /// Posts exactly these fields (e.g. without the CSRF token).
    pub async fn post_as_is(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let request = self
            .client
            .post(format!("{}{path}", self.address))
            .header("Cookie", self.cookie_header())
            .header("Origin", &self.address)
            .form(fields);
        page(request).await
    }

    fn cookie_header(&self) -> String {
        format!("renkei_session={}", self.cookie)
    }
}

async fn page(request: reqwest::RequestBuilder) -> Page {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    Page { status, location, body: response.text().await.expect("body") }
}

fn cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

/// The value of the first `name="csrf"` hidden field of a page.
pub fn csrf_field(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().unwrap_or_default().to_owned()
}
