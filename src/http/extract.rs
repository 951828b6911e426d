//! The API's request extractors: the acting user from the bearer token, and JSON bodies whose
//! errors name the field by JSON pointer.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::audit::{self, Action};
use crate::auth::{self, Principal};
use crate::error::AppError;
use crate::idempotency::Keyed;
use crate::shell::{AppState, RequestInfo, blocking};

type Boxed<T> = Pin<Box<dyn Future<Output = Result<T, AppError>>>>;

/// The user acting through a valid `Authorization: Bearer` API token; 401 otherwise.
pub struct CurrentUser(pub Principal);

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        if let Some(known) = req.extensions_mut().remove::<Self>() {
            return Box::pin(std::future::ready(Ok(known)));
        }
        let request = req.clone();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Err(AppError::Unauthorized);
            };
            if let Some(principal) = state.tokens.get(&token) {
                request.extensions_mut().insert(principal.clone());
                return Ok(CurrentUser(principal));
            }
            let address = request.peer_addr().map(|a| a.ip());
            let secret = token.clone();
            let mut entry = RequestInfo::of(&request).entry(None, Action::SignIn, 200);
            let principal = blocking(&state, move |conn, state| {
                // An address locked out after failed sign-ins (on any server) is not looked up.
                let keys: Vec<String> = address.map(auth::lockout::address_key).into_iter().collect();
                let (lockout, now) = (state.sign_ins, crate::calendar::now());
                lockout.check(conn, &keys, now)?;
                // Each resolution of a token from the database is a sign-in, and each unknown or
                // revoked token a failed one: both are audited, and a failed one counted.
                let principal = auth::authenticate(conn, &secret)?;
                entry.user = principal.as_ref().map(|p| p.user_id);
                entry.facility = principal.as_ref().map(|p| p.facility_id);
                if principal.is_none() {
                    (entry.action, entry.status) = (Action::SignInFailed, 401);
                }
                // A write like any other: on SQLite in the commit of the writes arriving with it,
                // never beside them (a lone write waits in SQLite's busy handler, up to seconds).
                let failed = principal.is_none();
                state.commits.write(conn, move |conn| {
                    audit::record(conn, &entry)?;
                    if failed {
                        lockout.failed(conn, &keys, now)?;
                    }
                    Ok::<_, AppError>(())
                })?;
                Ok(principal)
            })
            .await?;
            let Some(principal) = principal else {
                return Err(AppError::Unauthorized);
            };
            state.tokens.put(&token, principal.clone());
            request.extensions_mut().insert(principal.clone());
            Ok(CurrentUser(principal))
        })
    }
}

/// A JSON request body, and the request's `Idempotency-Key` if it has one (docs/api.md). Not
/// JSON: 400. JSON of the wrong shape: 422 with the pointer of the field and a Japanese message.
/// A malformed key: 400.
pub struct JsonBody<T>(pub T, pub Option<Keyed>);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = AppError;
    type Future = Boxed<Self>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let is_json =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        let key = req.headers().get("Idempotency-Key").map(|v| v.to_str().map(str::to_owned));
        let (method, path) = (req.method().to_string(), req.path().to_owned());
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(AppError::BadRequest("Content-Type: application/json で JSON を送ってください".into()));
            }
            let bytes = body.await.map_err(|e| AppError::BadRequest(format!("本文を受け取れません: {e}")))?;
            let keyed = match key {
                None => None,
                Some(Ok(key)) => Some(Keyed::new(&key, &method, &path, &bytes)?),
                Some(Err(_)) => Some(Keyed::new("", &method, &path, &bytes)?),
            };
            Ok(JsonBody(parse(&bytes)?, keyed))
        })
    }
}

/// The `Idempotency-Key` of a request without a body (docs/api.md); a malformed key: 400.
pub struct IdempotencyKey(pub Option<Keyed>);

impl FromRequest for IdempotencyKey {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let (method, path) = (req.method().to_string(), req.path().to_owned());
        let keyed = req.headers().get("Idempotency-Key").map(|v| {
            let key = v.to_str().unwrap_or_default();
            Keyed::new(key, &method, &path, &[])
        });
        std::future::ready(keyed.transpose().map(IdempotencyKey))
    }
}

/// Parses a JSON body into `T` in one pass, turning serde's error into a pointer and a Japanese
/// message: not JSON at all is 400, JSON of the wrong shape is 422.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let unreadable = |e: &serde_json::Error| {
        AppError::BadRequest(format!("JSON として読み取れません（{}行 {}文字目）", e.line(), e.column()))
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = serde_path_to_error::deserialize(&mut deserializer);
    if parsed.is_ok() {
        deserializer.end().map_err(|e| unreadable(&e))?;
    }
    parsed.map_err(|error| {
        if !error.inner().is_data() {
            let inner = error.inner();
            return AppError::BadRequest(format!(
                "JSON として読み取れません（{}行 {}文字目）",
                inner.line(),
                inner.column()
            ));
        }
        let mut pointer: String = error
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Seq { index } => Some(format!("/{index}")),
                serde_path_to_error::Segment::Map { key } => {
                    Some(format!("/{}", key.replace('~', "~0").replace('/', "~1")))
                }
                _ => None,
            })
            .collect();
        let detail = error.inner().to_string();
        let quoted: Vec<&str> = detail.split('`').skip(1).step_by(2).collect();
        let first = quoted.first().copied().unwrap_or_default();
        let (keyword, message) = if detail.starts_with("missing field") {
            pointer = format!("{pointer}/{first}");
            ("required", format!("「{first}」は必須です"))
        } else if detail.starts_with("unknown field") {
            ("additionalProperties", format!("「{first}」という項目はありません"))
        } else if detail.starts_with("unknown variant") {
            ("enum", format!("「{first}」は選べません。次から選んでください: {}", quoted[1..].join("、")))
        } else {
            let field = pointer.rsplit('/').next().unwrap_or_default().to_owned();
            ("type", format!("「{field}」の値が正しくありません（日付は YYYY-MM-DD、ID は UUID）"))
        };
        AppError::invalid(if pointer.is_empty() { "/" } else { &pointer }, keyword, message)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        outer: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        day: chrono::NaiveDate,
    }

    fn pointer_of(json: &str) -> (String, String) {
        match parse::<Body>(json.as_bytes()) {
            Err(AppError::Invalid(errors)) => (errors[0].pointer.clone(), errors[0].keyword.clone()),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn shape_errors_point_at_the_field() {
        assert_eq!(pointer_of(r#"{"outer": {"day": "2026-02-30"}}"#), ("/outer/day".into(), "type".into()));
        assert_eq!(pointer_of(r#"{"outer": {}}"#), ("/outer/day".into(), "required".into()));
        assert_eq!(
            pointer_of(r#"{"outer": {"day": "2026-01-01", "x": 1}}"#),
            ("/outer/x".into(), "additionalProperties".into())
        );
    }

    #[test]
    fn broken_json_is_a_bad_request() {
        assert!(matches!(parse::<Body>(b"{\"outer\": "), Err(AppError::BadRequest(_))));
        assert!(matches!(
            parse::<Body>(b"{\"outer\": {\"day\": \"2026-01-01\"}} trailing"),
            Err(AppError::BadRequest(_))
        ));
    }

    #[test]
    fn a_wrong_choice_lists_the_choices_in_japanese() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Sex {
            Male,
            Female,
        }
        match parse::<Sex>(b"\"other\"") {
            Err(AppError::Invalid(errors)) => {
                assert_eq!(errors[0].message, "「other」は選べません。次から選んでください: male、female")
            }
            other => panic!("{other:?}"),
        }
    }
}
