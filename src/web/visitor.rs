//! Who is looking at a page: the session behind the `renkei_session` cookie, and forms posted
//! back, which must come from Renkei's own pages (same origin) and carry the session's CSRF
//! token.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use super::pages::PageError;
use crate::auth::session::{self, Session};
use crate::error::AppError;
use crate::shell::SiteSettings;
use crate::shell::blocking;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "renkei_session";
/// The cookie that guards the sign-in form itself (double submit: cookie and field agree).
pub const SIGN_IN_COOKIE: &str = "renkei_sign_in";

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, PageError>>>>;

/// A signed-in visitor; without a live session, the page sends them to sign in (and back).
pub struct SignedIn {
    pub session: Session,
    /// Documents the visitor's facility received and nobody has opened: shown beside 受信箱.
    pub unread: i64,
}

impl SignedIn {
    pub fn principal(&self) -> &crate::auth::Principal {
        &self.session.principal
    }

    /// What the page at `path` shows around its content for this visitor.
    pub fn frame(&self, path: &str) -> super::pages::Frame {
        super::pages::Frame::of(&self.session, path, self.unread)
    }
}

impl FromRequest for SignedIn {
    type Error = PageError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let request = req.clone();
        Box::pin(async move { signed_in(&request).await })
    }
}

/// Who visits a page that shows or changes client data, known before the route reads anything
/// else, for its audit (`shell::reads::audit::<PageVisitor>`): a form from elsewhere is refused
/// first (403), then a visitor without a session is sent to sign in. The session is left in the
/// request for the route's own `SignedIn`, `Posted` or `PostedFile`.
pub struct PageVisitor;

impl FromRequest for PageVisitor {
    type Error = PageError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let request = req.clone();
        Box::pin(async move {
            if request.method() != actix_web::http::Method::GET {
                let state = crate::shell::state_of(&request)?;
                if !from_own_page(&request, &state.site) {
                    return Err(forged().into());
                }
            }
            let visitor = signed_in(&request).await?;
            request.extensions_mut().insert(visitor);
            Ok(PageVisitor)
        })
    }
}

async fn signed_in(request: &HttpRequest) -> Result<SignedIn, PageError> {
    // Resolved already by the audit of the route (`shell::reads::audit`).
    if let Some(known) = request.extensions_mut().remove::<SignedIn>() {
        return Ok(known);
    }
    let next = match request.method() {
        &actix_web::http::Method::GET => request.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned(),
        _ => "/".to_owned(),
    };
    let state = crate::shell::state_of(request)?;
    let Some(secret) = request.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Err(PageError::SignIn { next });
    };
    let resumed = blocking(&state, move |conn, _| {
        let Some(session) = session::resume(conn, &secret)? else { return Ok(None) };
        let unread = crate::documents::unread_count(conn, &session.principal)?;
        Ok::<_, crate::error::AppError>(Some((session, unread)))
    })
    .await?;
    let Some((session, unread)) = resumed else { return Err(PageError::SignIn { next }) };
    // The audit middleware records reads of client data by this principal.
    request.extensions_mut().insert(session.principal.clone());
    Ok(SignedIn { session, unread })
}

/// The fields of a posted form, in order (check boxes repeat a name).
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of a field, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// Every value of a field.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str()).collect()
    }
}

/// A form posted by a signed-in visitor: same origin and the session's CSRF token, or a 403.
pub struct Posted {
    pub visitor: SignedIn,
    pub fields: Fields,
}

impl FromRequest for Posted {
    type Error = PageError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let request = req.clone();
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let fields = read_form(&request, body.await).await?;
            let visitor = signed_in(&request).await?;
            if !same_secret(fields.get("csrf").unwrap_or_default(), &visitor.session.csrf_token) {
                return Err(forged().into());
            }
            Ok(Posted { visitor, fields })
        })
    }
}

/// A file posted from a page (`multipart/form-data`, its part `file`) by a signed-in visitor:
/// same origin and the session's CSRF token, or a 403. Read as `shell::files` reads uploads: a
/// file over the limit is refused (413) while it arrives.
pub struct PostedFile {
    pub visitor: SignedIn,
    pub upload: Option<crate::documents::attachments::Upload>,
}

impl FromRequest for PostedFile {
    type Error = PageError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let request = req.clone();
        let uploaded = crate::shell::files::Uploaded::from_request(req, payload);
        Box::pin(async move {
            let state = crate::shell::state_of(&request)?;
            if !from_own_page(&request, &state.site) {
                return Err(forged().into());
            }
            let visitor = signed_in(&request).await?;
            let uploaded = uploaded.await?;
            let fields = Fields(uploaded.fields);
            if !same_secret(fields.get("csrf").unwrap_or_default(), &visitor.session.csrf_token) {
                return Err(forged().into());
            }
            Ok(PostedFile { visitor, upload: uploaded.file })
        })
    }
}

/// A form posted without a session (sign-in, set-up): same origin, and the sign-in cookie's
/// value in the `csrf` field.
pub struct AnonymousPost {
    pub fields: Fields,
}

impl FromRequest for AnonymousPost {
    type Error = PageError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let request = req.clone();
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let fields = read_form(&request, body.await).await?;
            let cookie = request.cookie(SIGN_IN_COOKIE).map(|c| c.value().to_owned()).unwrap_or_default();
            if cookie.is_empty() || !same_secret(fields.get("csrf").unwrap_or_default(), &cookie) {
                return Err(AppError::Forbidden(
                    "フォームの有効期限が切れました。ページを開き直してから、もう一度送信してください".into(),
                )
                .into());
            }
            Ok(AnonymousPost { fields })
        })
    }
}

async fn read_form(request: &HttpRequest, body: Result<web::Bytes, actix_web::Error>) -> Result<Fields, PageError> {
    let state = crate::shell::state_of(request)?;
    if !from_own_page(request, &state.site) {
        return Err(forged().into());
    }
    let is_form = request.content_type().eq_ignore_ascii_case("application/x-www-form-urlencoded");
    let body = body.map_err(|_| AppError::BadRequest("送信内容が大きすぎるか、読み取れません".into()))?;
    if !is_form {
        return Err(AppError::BadRequest("フォームの送信形式が正しくありません".into()).into());
    }
    Ok(Fields(url::form_urlencoded::parse(&body).into_owned().collect()))
}

fn forged() -> AppError {
    AppError::Forbidden(
        "このフォームは Renkei の画面から送信されたものではありません。ページを開き直してください".into(),
    )
}

/// Whether the request was sent by a page of this site: its `Origin` (or, lacking one, its
/// `Referer`) is `PUBLIC_URL`'s origin or the address the request was sent to.
fn from_own_page(request: &HttpRequest, settings: &SiteSettings) -> bool {
    let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
    let Some(claimed) = header("Origin").filter(|o| *o != "null").or_else(|| header("Referer")) else {
        return false;
    };
    let Ok(claimed) = url::Url::parse(claimed) else { return false };
    let claimed = claimed.origin().ascii_serialization();
    let info = request.connection_info();
    claimed == settings.public_origin || claimed == format!("{}://{}", info.scheme(), info.host())
}

/// Compares two secrets in time that does not depend on where they differ.
fn same_secret(given: &str, expected: &str) -> bool {
    given.len() == expected.len() && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// A cookie only this site's pages see: HttpOnly, SameSite=Lax, Secure behind https.
pub fn cookie(name: &'static str, value: String, settings: &SiteSettings) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(settings.secure_cookies)
        .finish()
}

/// The same cookie, expired: the browser forgets it.
pub fn removal(name: &'static str, settings: &SiteSettings) -> Cookie<'static> {
    let mut removal = cookie(name, String::new(), settings);
    removal.make_removal();
    removal
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_compare_equal_only_when_identical() {
        assert!(super::same_secret("abc123", "abc123"));
        assert!(!super::same_secret("abc124", "abc123"));
        assert!(!super::same_secret("abc12", "abc123"));
        assert!(!super::same_secret("", "abc123"));
    }
}
