//! The one error type that handlers return. Its variants are HTTP meanings; bodies are
//! `application/problem+json` (RFC 9457) with Japanese titles and details for the people who
//! read them. Causes of unexpected errors are logged once, never sent, and never contain
//! payloads (database error messages are reduced to their kind and table).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One thing wrong with the input: where (a JSON pointer into the request body), which rule
/// (the JSON Schema keyword, or a Renkei rule name), and a Japanese message for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON pointer into the request body, e.g. `/payload/patient/birth_date`.
    pub pointer: String,
    /// The rule that failed: a JSON Schema keyword (`required`, `enum`, `format`, …) or a Renkei
    /// rule (`date_order`, `not_in_future`, …).
    pub keyword: String,
    /// What is wrong, in Japanese.
    pub message: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, keyword: impl Into<String>, message: impl Into<String>) -> Self {
        Self { pointer: pointer.into(), keyword: keyword.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 422: the request is well-formed but its content breaks the rules; nothing was stored.
    #[error("invalid input ({} errors)", .0.len())]
    Invalid(Vec<FieldError>),
    /// 400: the request cannot be read at all (not JSON, wrong content type).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: no valid API token.
    #[error("unauthorized")]
    Unauthorized,
    /// 403: known user, but their role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: absent, or not visible to the caller's facility (the two are not told apart).
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// 409: the request contradicts what is stored (e.g. a second open stay).
    #[error("conflict: {0}")]
    Conflict(String),
    /// 413: a file, or a document's files together, larger than allowed; nothing was stored.
    #[error("too large: {}", .0.keyword)]
    TooLarge(FieldError),
    /// 415: a file of a kind not accepted; nothing was stored.
    #[error("unsupported file type")]
    UnsupportedType(FieldError),
    /// 405: the path exists, but not with this method; these are its methods.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<String>),
    /// 429: too many requests from this caller, or too many failed sign-ins from this address;
    /// try again after this many seconds.
    #[error("too many requests; retry after {0} s")]
    TooManyRequests(u64),
    /// 500: a fault of ours; the cause is logged, the body is opaque.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AppError {
    pub fn invalid(pointer: &str, keyword: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(pointer, keyword, message)])
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URN naming the kind of problem, e.g. `urn:renkei:problem:invalid-input`.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (slug, title, detail, errors) = match self {
            Self::Invalid(errors) => (
                "invalid-input",
                "入力内容に誤りがあります",
                format!("{}件の誤りがあります。各項目を確認してください。何も保存されていません。", errors.len()),
                errors.clone(),
            ),
            Self::BadRequest(detail) => ("bad-request", "リクエストを読み取れません", detail.clone(), vec![]),
            Self::Unauthorized => (
                "unauthorized",
                "認証が必要です",
                "有効な API トークンを Authorization: Bearer ヘッダーで送ってください。".to_owned(),
                vec![],
            ),
            Self::Forbidden(detail) => ("forbidden", "この操作は許可されていません", detail.clone(), vec![]),
            Self::NotFound(_) => (
                "not-found",
                "見つかりません",
                "指定されたものは存在しないか、あなたの事業所からは見えません。".to_owned(),
                vec![],
            ),
            Self::Conflict(detail) => ("conflict", "登録済みの内容と矛盾します", detail.clone(), vec![]),
            Self::TooLarge(error) => {
                ("too-large", "ファイルが大きすぎます", error.message.clone(), vec![error.clone()])
            }
            Self::UnsupportedType(error) => {
                ("unsupported-type", "この種類のファイルは受け付けません", error.message.clone(), vec![error.clone()])
            }
            Self::MethodNotAllowed(methods) => (
                "method-not-allowed",
                "この方法では使えません",
                format!("この URL で使えるのは {} です。", methods.join("、")),
                vec![],
            ),
            Self::TooManyRequests(seconds) => (
                "too-many-requests",
                "リクエストが多すぎます",
                format!("{seconds}秒ほど待ってから、もう一度お試しください。"),
                vec![],
            ),
            Self::Unexpected(cause) => {
                tracing::error!(error = format!("{cause:#}"), "unexpected error");
                (
                    "internal",
                    "サーバーで問題が発生しました",
                    "時間をおいてもう一度お試しください。続く場合は管理者に連絡してください。".to_owned(),
                    vec![],
                )
            }
        };
        let status = self.status_code();
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        match self {
            Self::Unauthorized => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            Self::TooManyRequests(seconds) => {
                response.insert_header(("Retry-After", seconds.to_string()));
            }
            Self::MethodNotAllowed(methods) => {
                response.insert_header(("Allow", methods.join(", ")));
            }
            _ => {}
        }
        response.json(Problem {
            problem_type: format!("urn:renkei:problem:{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        })
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => Self::NotFound("record"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => Self::Conflict(format!(
                "同じ内容がすでに登録されています ({})",
                info.constraint_name().or(info.table_name()).unwrap_or("unique")
            )),
            // The message and details of a database error can quote stored values: keep only
            // the kind and where it happened.
            Error::DatabaseError(kind, info) => Self::Unexpected(anyhow::anyhow!(
                "database error {kind:?} on table {:?} constraint {:?}",
                info.table_name(),
                info.constraint_name()
            )),
            other => Self::Unexpected(anyhow::anyhow!("database: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::Unexpected(anyhow::anyhow!("database pool: {error}"))
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        Self::Unexpected(anyhow::anyhow!("blocking task: {error}"))
    }
}

impl From<crate::db::group::GroupFailed> for AppError {
    fn from(error: crate::db::group::GroupFailed) -> Self {
        Self::Unexpected(error.into())
    }
}
