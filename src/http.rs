//! The HTTP API: the route table (which is also the OpenAPI document), shared state, and the
//! bridge that runs a use case on a pooled connection off the async workers.

pub mod audit;
pub mod claims;
pub mod clients;
pub mod documents;
pub mod drafts;
pub mod episodes;
pub mod extract;
pub mod mail;
pub mod meta;
pub mod municipalities;
pub mod survey;

use actix_web::web;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::DbConnection;
use crate::error::AppError;
use crate::idempotency::{Answer, Keyed};
use crate::shell::{AppState, RequestInfo, Write};

/// Runs a use case that creates or changes something through the shell's one write wrapper
/// (once per `Idempotency-Key`, audited in its transaction), and answers `status` with its JSON
/// and `Location`; a request repeated with the same key gets the original answer, marked
/// `Idempotent-Replayed: true`.
pub async fn write_once<T, F>(
    state: &web::Data<AppState>,
    principal: crate::auth::Principal,
    request: RequestInfo,
    keyed: Option<Keyed>,
    status: actix_web::http::StatusCode,
    location: fn(&T) -> Option<String>,
    work: F,
) -> Result<actix_web::HttpResponse, AppError>
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&mut DbConnection, &AppState, &crate::auth::Principal) -> Result<T, AppError> + Send + 'static,
{
    let asked = Write { principal, request, keyed, status: status.as_u16() };
    Ok(match crate::shell::write(state, asked, location, work).await? {
        Answer::Fresh(value) => {
            let mut response = actix_web::HttpResponse::build(status);
            if let Some(location) = location(&value) {
                response.insert_header((actix_web::http::header::LOCATION, location));
            }
            response.json(value)
        }
        Answer::Replayed(stored) => {
            let status = actix_web::http::StatusCode::from_u16(stored.status).unwrap_or(status);
            let mut response = actix_web::HttpResponse::build(status);
            if let Some(location) = stored.location {
                response.insert_header((actix_web::http::header::LOCATION, location));
            }
            response.insert_header(("Idempotent-Replayed", "true")).content_type("application/json").body(stored.body)
        }
    })
}

/// Every route. Adding one here adds it to `/api/openapi.json`.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(meta::healthz).service(meta::openapi_json).service(
        scope("/api/v1")
            .service(meta::list_schemas)
            .service(meta::get_schema)
            .service(meta::me)
            .service(meta::list_facilities)
            .service(municipalities::list)
            .service(municipalities::save)
            .service(clients::register)
            .service(clients::list)
            .service(clients::get)
            .service(clients::correct)
            .service(clients::record_care_level)
            .service(episodes::register)
            .service(episodes::list)
            .service(episodes::get)
            .service(episodes::discharge)
            .service(episodes::withdraw_discharge)
            .service(episodes::plan_discharge)
            .service(episodes::assign_care)
            .service(episodes::record_contact)
            .service(episodes::withdraw_contact)
            .service(documents::send)
            .service(documents::inbox)
            .service(documents::outbox)
            .service(documents::get)
            .service(documents::get_revision)
            .service(documents::acknowledge)
            .service(documents::amend)
            .service(documents::deliveries)
            .service(documents::attach)
            .service(documents::list_attachments)
            .service(documents::download_attachment)
            .service(drafts::start)
            .service(drafts::list)
            .service(drafts::get)
            .service(drafts::save)
            .service(drafts::discard)
            .service(drafts::send)
            .service(mail::list)
            .service(mail::retry)
            .service(audit::list)
            .service(survey::get)
            .service(claims::list)
            .service(claims::get_calendar)
            .service(claims::set_calendar),
    );
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Renkei API",
        description = "入退院連携: admission/discharge liaison between hospitals and care managers. \
            Errors are application/problem+json with Japanese messages; every field error has a JSON pointer.",
    ),
    modifiers(&BearerToken),
    components(schemas(
        crate::error::Problem,
        crate::error::FieldError,
        crate::survey::report::Format,
        crate::survey::report::Encoding
    ))
)]
struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document of [`routes`], with the answers every operation may give: problem
/// documents as `application/problem+json`, and 400, 429 and 500 (401 and 403 where a token is needed)
/// wherever an operation does not list them itself.
pub fn openapi() -> serde_json::Value {
    use utoipa_actix_web::AppExt;
    let (_, api) =
        actix_web::App::new().into_utoipa_app().openapi(ApiDoc::openapi()).configure(routes).split_for_parts();
    let mut spec = serde_json::to_value(api).unwrap_or_default();
    let problem = |description: &str| {
        serde_json::json!({"description": description,
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
    };
    let operations = spec["paths"].as_object_mut().into_iter().flat_map(|paths| paths.values_mut());
    for operation in operations.flat_map(|item| item.as_object_mut().into_iter().flat_map(|o| o.values_mut())) {
        let secured = operation["security"].as_array().is_some_and(|s| !s.is_empty());
        let Some(responses) = operation["responses"].as_object_mut() else { continue };
        for response in responses.values_mut() {
            let is_problem =
                response["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Problem";
            if is_problem
                && let Some(content) = response.get_mut("content").and_then(|c| c.as_object_mut())
                && let Some(schema) = content.remove("application/json")
            {
                content.insert("application/problem+json".into(), schema);
            }
        }
        let mut always = vec![
            ("400", "リクエストを読み取れません（JSON でない、クエリの誤りなど）"),
            ("429", "リクエストが多すぎます（Retry-After 秒後に再試行）"),
            ("500", "サーバーで問題が発生しました"),
        ];
        if secured {
            always.push(("401", "認証が必要です"));
            always.push(("403", "この役割ではこの操作は許可されていません"));
        }
        for (code, description) in always {
            responses.entry(code).or_insert_with(|| problem(description));
        }
    }
    spec
}

/// The routes' paths and methods, to tell a wrong method (405) from a wrong path (404).
pub struct KnownRoutes(Vec<(Vec<String>, Vec<String>)>);

impl KnownRoutes {
    pub fn of(spec: &serde_json::Value) -> Self {
        let routes = spec["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(path, item)| {
                let segments = path.split('/').map(str::to_owned).collect();
                let methods = item.as_object().into_iter().flatten().map(|(m, _)| m.to_uppercase()).collect();
                (segments, methods)
            })
            .collect();
        Self(routes)
    }

    /// The methods a path answers to, when it is a route's path.
    pub fn methods_of(&self, path: &str) -> Option<Vec<String>> {
        let asked: Vec<&str> = path.split('/').collect();
        self.0.iter().find_map(|(segments, methods)| {
            let fits = segments.len() == asked.len()
                && segments.iter().zip(&asked).all(|(s, a)| s == a || (s.starts_with('{') && !a.is_empty()));
            fits.then(|| methods.clone())
        })
    }
}

/// Query strings and path segments that do not parse: 400 and 404, as problem documents.
pub fn extractor_config(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(|error, _| {
        AppError::BadRequest(format!("クエリパラメーターが正しくありません: {error}")).into()
    }))
    .app_data(web::PathConfig::default().error_handler(|_, _| AppError::NotFound("path").into()))
    .app_data(web::PayloadConfig::new(MAX_BODY_BYTES));
}

/// The largest request body accepted (a full admission sheet is about 10 KiB).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
