//! A client's record (`/clients/{id}`): who the person is, as every sheet about them must say
//! it, and the correction of that record with a reason by the facility that keeps it
//! (`clients::correction`). Facilities of the client's stays see it; strangers get 404.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::context;
use uuid::Uuid;

use super::pages::{PageError, render_with, see_other};
use super::visitor::{Posted, SignedIn};
use crate::clients::care_levels::{self, CareLevelEntry};
use crate::clients::correction::{self, Correction};
use crate::clients::{self, Client, Sex};
use crate::error::AppError;
use crate::shell::{AppState, RequestInfo, blocking};

#[derive(Debug, serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// The record, with the correction form for those who keep it.
#[get("/clients/{id}")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: SignedIn,
    id: web::Path<Uuid>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let (id, principal) = (id.into_inner(), visitor.principal().clone());
    let record = blocking(&state, move |conn, _| record(conn, &principal, id)).await?;
    page(&visitor, &record, actix_web::http::StatusCode::OK, None, query.done.is_some())
}

/// A client with their levels on record.
fn record(
    conn: &mut crate::db::DbConnection,
    principal: &crate::auth::Principal,
    id: Uuid,
) -> Result<(Client, Vec<CareLevelEntry>), AppError> {
    Ok((clients::get(conn, principal, id)?, care_levels::history(conn, principal, id)?))
}

/// Records a 要介護度 from a day on; the page again (422) with the reason by field.
#[post("/clients/{id}/care-levels")]
pub async fn record_care_level(
    state: web::Data<AppState>,
    posted: Posted,
    request: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let level = posted.fields.get("care_level").unwrap_or_default().to_owned();
    let from = posted.fields.get("valid_from").and_then(|d| d.parse().ok());
    let principal = posted.visitor.principal().clone();
    let mut errors = std::collections::BTreeMap::new();
    match from {
        None => {
            errors.insert("valid_from".to_owned(), "「適用開始日」を入力してください".to_owned());
        }
        Some(valid_from) => {
            let entry = CareLevelEntry { care_level: level, valid_from };
            let done =
                crate::web::write(&state, principal.clone(), RequestInfo::of(&request), move |conn, _, principal| {
                    care_levels::record(conn, principal, id, entry)
                });
            if let Some(shown) = shown_or_refused(id, done.await, &mut errors)? {
                return Ok(shown);
            }
        }
    }
    let record = blocking(&state, move |conn, _| record(conn, &principal, id)).await?;
    let typed = (correction_of(&record.0), errors);
    page(&posted.visitor, &record, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, Some(typed), false)
}

/// After a write: the record's page when it was done; its refusals by field into `errors`.
fn shown_or_refused<T>(
    id: Uuid,
    done: Result<T, AppError>,
    errors: &mut std::collections::BTreeMap<String, String>,
) -> Result<Option<HttpResponse>, PageError> {
    match done {
        Ok(_) => Ok(Some(see_other(&format!("/clients/{id}?done=1")))),
        Err(AppError::Invalid(found)) => {
            for error in found {
                errors.entry(error.pointer.trim_start_matches('/').to_owned()).or_insert(error.message);
            }
            Ok(None)
        }
        Err(other) => Err(other.into()),
    }
}

/// The correction form as the record stands.
fn correction_of(client: &Client) -> Correction {
    Correction {
        name: client.name.clone(),
        name_kana: client.name_kana.clone(),
        birth_date: client.birth_date,
        sex: client.sex,
        insurance_number: client.insurance_number.clone(),
        reason: String::new(),
    }
}

/// Corrects the record; the form again (422) with the reasons by field.
#[post("/clients/{id}")]
pub async fn correct(
    state: web::Data<AppState>,
    posted: Posted,
    request: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let field = |name: &str| posted.fields.get(name).unwrap_or_default().to_owned();
    let mut errors = std::collections::BTreeMap::new();
    let birth_date = field("birth_date").parse().ok();
    if birth_date.is_none() {
        errors.insert("birth_date".to_owned(), "「生年月日」を入力してください".to_owned());
    }
    let sex = match field("sex").as_str() {
        "male" => Some(Sex::Male),
        "female" => Some(Sex::Female),
        _ => None,
    };
    if sex.is_none() {
        errors.insert("sex".to_owned(), "「性別」を選んでください".to_owned());
    }
    let number = field("insurance_number");
    let typed = Correction {
        name: field("name"),
        name_kana: field("name_kana"),
        birth_date: birth_date.unwrap_or_default(),
        sex: sex.unwrap_or(Sex::Female),
        insurance_number: (!number.trim().is_empty()).then_some(number),
        reason: field("reason"),
    };
    let principal = posted.visitor.principal().clone();
    if errors.is_empty() {
        let wanted = typed.clone();
        let done =
            crate::web::write(&state, principal.clone(), RequestInfo::of(&request), move |conn, _, principal| {
                correction::correct(conn, principal, id, wanted)
            });
        if let Some(shown) = shown_or_refused(id, done.await, &mut errors)? {
            return Ok(shown);
        }
    }
    let record = blocking(&state, move |conn, _| record(conn, &principal, id)).await?;
    page(&posted.visitor, &record, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY, Some((typed, errors)), false)
}

fn page(
    visitor: &SignedIn,
    (client, levels): &(Client, Vec<CareLevelEntry>),
    status: actix_web::http::StatusCode,
    typed: Option<(Correction, std::collections::BTreeMap<String, String>)>,
    done: bool,
) -> Result<HttpResponse, PageError> {
    let (values, errors) = typed.unwrap_or_else(|| (correction_of(client), Default::default()));
    let levels: Vec<_> = levels
        .iter()
        .map(|l| context! { care_level => l.care_level.clone(), from => crate::survey::periods::wareki(l.valid_from) })
        .collect();
    render_with(
        status,
        "clients/show.html",
        context! {
            ..minijinja::Value::from_serialize(visitor.frame("/episodes")),
            ..context! {
                id => client.id,
                name => client.name.clone(),
                name_kana => client.name_kana.clone(),
                born => format!("{}（{}歳）", crate::survey::periods::wareki(client.birth_date),
                    crate::calendar::today().years_since(client.birth_date).unwrap_or(0)),
                sex => client.sex.label(),
                insurance_number => client.insurance_number.clone(),
                care_level => client.care_level.clone(),
                care_office => client.care_office.as_ref().map(|o| o.name.clone()),
                care_manager => client.care_manager.as_ref().map(|u| u.name.clone()),
                keeps => correction::keeps(visitor.principal(), client),
                values => context! {
                    name => values.name, name_kana => values.name_kana, birth_date => values.birth_date.to_string(),
                    female => values.sex == Sex::Female, insurance_number => values.insurance_number.unwrap_or_default(),
                    reason => values.reason,
                },
                errors, done, levels,
                level_choices => crate::clients::CARE_LEVELS,
                today => crate::calendar::today().to_string(),
            }
        },
    )
}
