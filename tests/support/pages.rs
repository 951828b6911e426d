//! The one signed-in page client of the tests: signing in through the pages as a browser does
//! (the sign-in form's `csrf` field and its `renkei_sign_in` cookie, then POST /login from the
//! same origin); the `renkei_session` cookie and the session's CSRF token are kept for the next
//! requests. (Cookies are handled by hand: one cookie, no cookie store needed.)

use super::{PASSWORD, TestApp};

/// A signed-in browser.
pub struct PageClient {
    pub address: String,
    client: reqwest::Client,
    session: String,
    /// The session's CSRF token, as the pages' forms carry it.
    pub csrf: String,
}

/// An answer to a page request.
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Page {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    }

    /// Where a redirect points (empty when the answer is not one).
    pub fn location(&self) -> String {
        self.header("location")
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn page(response: reqwest::Response) -> Page {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap().to_vec();
    Page { status, headers, bytes }
}

/// The value of the cookie `name` set by an answer.
fn set_cookie(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    headers.get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).find_map(|cookie| {
        let (pair, _) = cookie.split_once(';').unwrap_or((cookie, ""));
        let (key, value) = pair.split_once('=')?;
        (key.trim() == name && !value.is_empty()).then(|| value.to_owned())
    })
}

/// The value of the first hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_owned()
}

/// Form fields, URL-encoded.
fn encoded(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

/// Gives the user `PASSWORD` and signs them in through the pages.
pub async fn sign_in_page(app: &TestApp, email: &str) -> PageClient {
    app.give_password(email);
    sign_in_with(app, email, PASSWORD).await.expect("signed in")
}

/// Posts the sign-in form as a browser does (the form's `csrf` field and its cookie, from this
/// site's own page), with `next` when given: the answer, and the client that sent it.
pub async fn sign_in_answer(app: &TestApp, email: &str, password: &str, next: Option<&str>) -> (Page, reqwest::Client) {
    let client = client();
    let form = page(client.get(format!("{}/login", app.address)).send().await.unwrap()).await;
    assert_eq!(form.status, 200);
    let guard = set_cookie(&form.headers, "renkei_sign_in").expect("the sign-in cookie");
    let csrf = csrf_of(&form.text());
    let mut fields = vec![("csrf", csrf.as_str()), ("email", email), ("password", password)];
    fields.extend(next.map(|next| ("next", next)));
    let answer = client
        .post(format!("{}/login", app.address))
        .header("Origin", &app.address)
        .header("Cookie", format!("renkei_sign_in={guard}"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(encoded(&fields))
        .send()
        .await
        .unwrap();
    (page(answer).await, client)
}

/// Signs in with a password through the pages; `None` when the sign-in is refused.
pub async fn sign_in_with(app: &TestApp, email: &str, password: &str) -> Option<PageClient> {
    let (answer, client) = sign_in_answer(app, email, password, None).await;
    if answer.status != 303 {
        return None;
    }
    let session = set_cookie(&answer.headers, "renkei_session").expect("the session cookie");
    let start = answer.location();
    let start = if start.is_empty() { "/".to_owned() } else { start };
    let mut signed_in = PageClient { address: app.address.clone(), client, session, csrf: String::new() };
    let first = signed_in.get(&start).await;
    assert_eq!(first.status, 200, "{start}: {}", first.text());
    signed_in.csrf = csrf_of(&first.text());
    Some(signed_in)
}

impl PageClient {
    /// GET a page (no redirects followed).
    pub async fn get(&self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.address));
        page(request.header("Cookie", format!("renkei_session={}", self.session)).send().await.unwrap()).await
    }

    /// POST a form from this site's page, with the session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// POST a file as a page's form does (`multipart/form-data`: the `fields`, then the part
    /// `file`), from this site's page.
    pub async fn post_file(&self, path: &str, fields: &[(&str, &str)], file_name: &str, bytes: &[u8]) -> Page {
        let (content_type, body) = super::app::multipart_file(fields, file_name, bytes);
        let request = self
            .client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.address)
            .header("Cookie", format!("renkei_session={}", self.session))
            .header("Content-Type", content_type)
            .body(body);
        page(request.send().await.unwrap()).await
    }

    /// POST exactly these fields (e.g. without the CSRF token).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let request = self
            .client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.address)
            .header("Cookie", format!("renkei_session={}", self.session))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(encoded(fields));
        page(request.send().await.unwrap()).await
    }
}

/// The text of the element with this `id` (its content up to the next tag).
pub fn text_of(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html.find(&marker).unwrap_or_else(|| panic!("no element #{id}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    rest[start..].split('<').next().unwrap().trim().to_owned()
}
