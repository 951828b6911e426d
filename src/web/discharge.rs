//! The discharge on the stay's page, without fear: recording it asks for confirmation first and
//! says what will follow; a discharge recorded by mistake is corrected (another date or
//! destination) or withdrawn by its hospital with a reason, each correction kept and shown.

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Serialize;
use uuid::Uuid;

use super::episodes::{Shown, answer, stay_page, written};
use super::pages::PageError;
use super::visitor::{PageVisitor, Posted};
use crate::auth::Principal;
use crate::calendar;
use crate::directory::Role;
use crate::episodes::correction::{self, DischargeWithdrawal};
use crate::episodes::input::DischargeForm;
use crate::episodes::{self, Destination};
use crate::error::AppError;
use crate::shell::AppState;
use crate::timeline::EpisodeDetail;

/// What the stay's page shows of the discharge beyond its recording form.
#[derive(Debug, Serialize)]
pub struct View {
    /// The discharge about to be recorded, with what will follow.
    confirm: Option<Confirmation>,
    /// Whether the caller may correct or withdraw the recorded discharge (its hospital's nurse).
    can_correct: bool,
    /// The correction form: as typed, or the discharge as recorded.
    correction: DischargeForm,
    withdrawal_reason: String,
    /// The corrections so far, oldest first, in words.
    corrections: Vec<CorrectionLine>,
}

#[derive(Debug, Serialize)]
struct Confirmation {
    form: DischargeForm,
    date: String,
    destination: &'static str,
    care_office: Option<String>,
}

#[derive(Debug, Serialize)]
struct CorrectionLine {
    what: String,
    reason: String,
    by: String,
    at: String,
}

fn destination_label(value: &str) -> &'static str {
    value.parse::<Destination>().map(Destination::label).unwrap_or("")
}

fn discharge_words(on: Option<chrono::NaiveDate>, destination: Option<Destination>) -> String {
    match on {
        Some(on) => format!("{}（{}）", calendar::japanese_date(on), destination.map(Destination::label).unwrap_or("")),
        None => "入院中".to_owned(),
    }
}

impl View {
    pub fn of(
        principal: &Principal,
        detail: &EpisodeDetail,
        confirm: Option<DischargeForm>,
        correction: Option<DischargeForm>,
        withdrawal: Option<String>,
    ) -> Self {
        let episode = &detail.episode;
        let confirm = confirm.map(|form| Confirmation {
            date: form.discharged_on.parse().map(calendar::japanese_date).unwrap_or_default(),
            destination: destination_label(&form.destination),
            care_office: episode.care_office.as_ref().map(|f| f.name.clone()),
            form,
        });
        let recorded = DischargeForm {
            discharged_on: episode.discharged_on.map(|d| d.to_string()).unwrap_or_default(),
            destination: episode.destination.map(|d| d.as_str().to_owned()).unwrap_or_default(),
            correction_reason: String::new(),
        };
        let corrections = detail
            .discharge_corrections
            .iter()
            .map(|c| CorrectionLine {
                what: format!(
                    "{} → {}",
                    discharge_words(Some(c.previous_discharged_on), c.previous_destination),
                    discharge_words(c.discharged_on, c.destination)
                ),
                reason: c.reason.clone(),
                by: c.corrected_by.name.clone(),
                at: c.corrected_at.format("%Y年%-m月%-d日 %H:%M").to_string(),
            })
            .collect();
        Self {
            confirm,
            can_correct: principal.role == Role::DischargeNurse
                && episode.hospital.id == principal.facility_id
                && episode.discharged_on.is_some(),
            correction: correction.unwrap_or(recorded),
            withdrawal_reason: withdrawal.unwrap_or_default(),
            corrections,
        }
    }
}

/// The hospital records the discharge (date and destination) once confirmed, or corrects the
/// recorded one with a reason (`correcting`).
#[post("/episodes/{id}/discharge", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn record_discharge(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let field = |name| posted.fields.get(name).unwrap_or_default().to_owned();
    let form = DischargeForm {
        discharged_on: field("discharged_on"),
        destination: field("destination"),
        correction_reason: field("correction_reason"),
    };
    let correcting = posted.fields.get("correcting").is_some();
    let mut read = form.read();
    if correcting && let Err(problem) = correction::reason(Some(&form.correction_reason)) {
        read = Err(read.err().unwrap_or_default().into_iter().chain([problem]).collect());
    }
    let written = match read {
        Ok(_) if !correcting && posted.fields.get("confirmed").is_none() => {
            let mut shown = Shown::default();
            shown.confirm = Some(form);
            return stay_page(&state, &posted.visitor, id, actix_web::http::StatusCode::OK, shown).await;
        }
        Ok(discharge) => {
            written(&state, &posted, &request, move |conn, principal| {
                episodes::record_discharge(conn, principal, id, discharge)
            })
            .await
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    let done = if correcting { "discharge_corrected" } else { "discharge" };
    answer(&state, &posted, id, written, done, |errors| {
        let mut shown = Shown::default();
        shown.errors = errors;
        if correcting {
            shown.correction = Some(form);
        } else {
            shown.discharge = Some(form);
        }
        shown
    })
    .await
}

/// The hospital withdraws a discharge recorded by mistake, with a reason.
#[post("/episodes/{id}/discharge/withdrawal", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn withdraw_discharge(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let reason = posted.fields.get("withdrawal_reason").unwrap_or_default().to_owned();
    let withdrawal = DischargeWithdrawal { correction_reason: reason.clone() };
    let written = written(&state, &posted, &request, move |conn, principal| {
        correction::withdraw(conn, principal, id, withdrawal)
    })
    .await;
    answer(&state, &posted, id, written, "discharge_withdrawn", |mut errors| {
        if let Some(message) = errors.remove("correction_reason") {
            errors.insert("withdrawal_reason".to_owned(), message);
        }
        let mut shown = Shown::default();
        shown.withdrawal = Some(reason);
        shown.errors = errors;
        shown
    })
    .await
}
