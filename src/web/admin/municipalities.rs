//! The region's municipalities (市町村) with the handbook rules each has had in force: their
//! list and the form that registers one or enters a change of its rules; where a facility is.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::{Value, context};
use uuid::Uuid;

use super::{Done, notice, refusal, values};
use crate::admin::municipalities;
use crate::calendar;
use crate::error::AppError;
use crate::municipalities::MunicipalityInput;
use crate::shell::{AppState, RequestInfo, blocking};
use crate::web::pages::{PageError, render_with, see_other};
use crate::web::visitor::{Posted, SignedIn};

const FIELDS: &[&str] = &["code", "name", "rules", "rules_from"];

/// The rule sets a form offers: (value, words); "" is the deployment's own.
fn rule_choices(state: &AppState) -> Vec<(String, String)> {
    let mut choices = vec![(String::new(), format!("このシステムの既定（{}）", state.rules.title))];
    if let Ok(all) = crate::survey::rules::load_all() {
        choices.extend(all.into_iter().map(|r| {
            let words = format!("{}（退院連絡は{}日前まで）", r.title, r.discharge_notice_min_days);
            (r.name(), words)
        }));
    }
    choices
}

async fn page(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    status: StatusCode,
    typed: HashMap<String, String>,
    errors: HashMap<String, String>,
    done: Option<&str>,
) -> Result<HttpResponse, PageError> {
    crate::admin::require_admin(visitor.principal(), "市町村の表示")?;
    let listed = blocking(state, move |conn, _| municipalities::list(conn)).await?;
    let listed: Vec<Value> = listed
        .into_iter()
        .map(|m| {
            let history: Vec<String> = m
                .rules
                .iter()
                .map(|entry| {
                    let since = entry
                        .from
                        .map_or_else(|| "当初から".to_owned(), |d| format!("{}から", calendar::japanese_date(d)));
                    format!("{since}：{}（退院連絡は{}日前まで）", entry.title, entry.discharge_notice_min_days)
                })
                .collect();
            context! { code => m.code, name => m.name, history }
        })
        .collect();
    render_with(
        status,
        "admin/municipalities.html",
        context! {
            ..Value::from_serialize(visitor.frame("/admin")),
            ..context! {
                municipalities => listed, rules => rule_choices(state), values => typed, errors,
                default_title => state.rules.title.clone(),
                notice => match done { Some("municipality") => Some("市町村を保存しました。"), other => notice(other) },
            }
        },
    )
}

/// The municipalities and their rules.
#[get("/admin/municipalities")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: SignedIn,
    done: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    page(&state, &visitor, StatusCode::OK, HashMap::new(), HashMap::new(), done.done.as_deref()).await
}

/// Registers a municipality, renames it, or enters a change of its rules.
#[post("/admin/municipalities")]
pub async fn save(state: web::Data<AppState>, posted: Posted, request: HttpRequest) -> Result<HttpResponse, PageError> {
    let fields = &posted.fields;
    let code = fields.get("code").unwrap_or_default().to_owned();
    let input = MunicipalityInput {
        name: fields.get("name").unwrap_or_default().to_owned(),
        rules: fields.get("rules").map(str::to_owned),
        rules_from: fields.get("rules_from").map(str::to_owned),
    };
    let principal = posted.visitor.principal().clone();
    let saved = crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        municipalities::save(conn, principal, &code, &input).map(|_| ())
    })
    .await;
    match saved {
        Ok(()) => Ok(see_other("/admin/municipalities?done=municipality")),
        Err(error @ AppError::Forbidden(_)) => Err(error.into()),
        Err(error) => {
            let errors = refusal(error, "code")?;
            page(&state, &posted.visitor, StatusCode::UNPROCESSABLE_ENTITY, values(fields, FIELDS), errors, None).await
        }
    }
}

/// Places a facility in a municipality (or in none).
#[post("/admin/facilities/{id}/municipality")]
pub async fn place(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let code = posted.fields.get("municipality").map(str::to_owned);
    let principal = posted.visitor.principal().clone();
    crate::web::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        municipalities::place_facility(conn, principal, id, code.as_deref())
    })
    .await?;
    Ok(see_other(&format!("/admin/facilities/{id}?done=placed")))
}
