//! The facility's stays (`/episodes`) and the page of one stay (`/episodes/{id}`): admission,
//! every document and contact with its lead time against the rules in force, and the forms on
//! it: a contact made by phone or FAX (two clicks), the planned discharge date and, for the
//! hospital, the discharge. The stay's story and standing come from `timeline`; the forms are
//! read by the features (`contacts::ContactForm`, `episodes::input`).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::pages::{PageError, by_field, see_other};
use super::visitor::{PageVisitor, Posted, SignedIn};
use crate::calendar;
use crate::contacts::withdrawal::ContactWithdrawal;
use crate::contacts::{self, ContactForm, Method};
use crate::directory::Role;
use crate::episodes::assignment::CareAssignment;
use crate::episodes::input::{self, DischargeForm};
use crate::episodes::{self, Destination, Episode};
use crate::error::{AppError, FieldError};
use crate::shell::{AppState, RequestInfo, blocking};
use crate::timeline::judgement::{Judgement, short_date};
use crate::timeline::{self, RECENT_DISCHARGE_DAYS};

#[derive(Debug, Serialize)]
struct Line {
    id: Uuid,
    client: String,
    hospital: String,
    care_office: String,
    care_manager: String,
    admitted_on: String,
    discharge: String,
    in_hospital: bool,
    admission: Judgement,
    discharge_contact: Judgement,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    all: Option<String>,
    done: Option<String>,
}

/// The stays this facility takes part in: in hospital first (newest admission first), then the
/// discharges of the last 60 days (newest first), each with where its two rules stand.
#[get("/episodes", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn list(
    state: web::Data<AppState>,
    visitor: SignedIn,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let all = query.all.is_some();
    let stays =
        blocking(&state, move |conn, state| timeline::overview(conn, &principal, &state.rules, calendar::today(), all))
            .await?;
    let lines: Vec<Line> = stays
        .into_iter()
        .map(|(e, standing)| Line {
            id: e.id,
            client: client_name(&e),
            hospital: e.hospital.name.clone(),
            care_office: e.care_office.as_ref().map(|f| f.name.clone()).unwrap_or_default(),
            care_manager: e.care_manager.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
            admitted_on: short_date(e.admitted_on),
            discharge: discharge_words(&e),
            in_hospital: e.discharged_on.is_none(),
            admission: standing.admission,
            discharge_contact: standing.discharge,
        })
        .collect();
    let is_hospital = visitor.principal().role == Role::DischargeNurse;
    let notice = (query.done.as_deref() == Some("registered")).then_some("入院を登録しました。");
    super::pages::render(
        "episodes/list.html",
        context! {
            ..minijinja::Value::from_serialize(visitor.frame("/episodes")),
            ..context! { lines, all, is_hospital, notice, recent_days => RECENT_DISCHARGE_DAYS }
        },
    )
}

fn client_name(e: &Episode) -> String {
    e.client.as_ref().map(|c| c.name.clone()).or_else(|| e.client_ref.clone()).unwrap_or_default()
}

fn discharge_words(e: &Episode) -> String {
    match (e.discharged_on, e.planned_discharge_on) {
        (Some(day), _) => format!("{}退院", short_date(day)),
        (None, Some(day)) => format!("{}予定", short_date(day)),
        (None, None) => "入院中".into(),
    }
}

/// What the stay's page shows besides the stay: the forms as typed, errors by field, a notice.
/// The care assignment as typed: `office` or `office:manager`, and the day.
#[derive(Debug, Default, Clone, Serialize)]
struct AssignForm {
    assignee: String,
    assigned_on: String,
}

impl AssignForm {
    fn read(&self) -> Result<CareAssignment, Vec<FieldError>> {
        let mut errors = vec![];
        let mut ids = self.assignee.split(':').map(|id| id.parse::<Uuid>().ok());
        let (office, manager) = (ids.next().flatten(), ids.next());
        if office.is_none() || manager.is_some_and(|m| m.is_none()) {
            errors.push(FieldError::new("/care_office_id", "required", "担当の事業所を選んでください".to_owned()));
        }
        let day = crate::forms::text::date("/assigned_on", "担当を決めた日", &self.assigned_on, &mut errors);
        match (office, day) {
            (Some(care_office_id), Some(assigned_on)) if errors.is_empty() => {
                Ok(CareAssignment { care_office_id, care_manager_id: manager.flatten(), assigned_on })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Default)]
pub(super) struct Shown {
    assign: Option<AssignForm>,
    pub(super) contact: Option<ContactForm>,
    pub(super) discharge: Option<DischargeForm>,
    /// The discharge to confirm before it is recorded (as typed, read).
    pub(super) confirm: Option<DischargeForm>,
    /// A correction of the recorded discharge as typed.
    pub(super) correction: Option<DischargeForm>,
    /// The reason for withdrawing the recorded discharge as typed.
    pub(super) withdrawal: Option<String>,
    /// The planned discharge date as typed.
    pub(super) plan: Option<String>,
    /// The contact being withdrawn and the reason as typed.
    contact_withdrawal: Option<(Uuid, String)>,
    pub(super) errors: BTreeMap<String, String>,
    pub(super) notice: Option<&'static str>,
}

impl Shown {
    fn contact(form: ContactForm, errors: BTreeMap<String, String>) -> Self {
        Self { contact: Some(form), errors, ..Self::default() }
    }

    fn plan(typed: String, errors: BTreeMap<String, String>) -> Self {
        Self { plan: Some(typed), errors, ..Self::default() }
    }

    fn assign(form: AssignForm, errors: BTreeMap<String, String>) -> Self {
        Self { assign: Some(form), errors, ..Self::default() }
    }
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// The page of one stay; 404 unless the facility takes part in it.
#[get("/episodes/{id}", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: SignedIn,
    id: web::Path<Uuid>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let notice = match query.done.as_deref() {
        Some("contact") => Some("連絡を記録しました。"),
        Some("contact_withdrawn") => {
            Some("連絡の記録を取り消しました。理由とともに経過に残り、集計には数えられません。")
        }
        Some("discharge") => Some("退院を記録しました。"),
        Some("discharge_corrected") => Some("退院の記録を訂正しました。訂正の理由とともに記録に残ります。"),
        Some("discharge_withdrawn") => Some("退院の記録を取り消しました。入院中に戻っています。"),
        Some("plan") => Some("退院予定日を保存しました。"),
        Some("assigned") => Some("担当を決めました。担当の事業所に入院中であることを伝えてください。"),
        Some("registered") => Some("入院を登録しました。担当のケアマネジャーに連絡してください。"),
        _ => None,
    };
    stay_page(&state, &visitor, id.into_inner(), StatusCode::OK, Shown { notice, ..Shown::default() }).await
}

pub(super) async fn stay_page(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    id: Uuid,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let today = calendar::today();
    let view = blocking(state, move |conn, state| timeline::view(conn, &principal, &state.rules, id, today)).await?;
    let episode = &view.detail.episode;
    let contact = shown.contact.unwrap_or_else(|| ContactForm {
        what: view.default_contact.clone(),
        contacted_on: today.to_string(),
        ..ContactForm::default()
    });
    let discharge = shown.discharge.unwrap_or_else(|| DischargeForm {
        discharged_on: today.to_string(),
        destination: "home".into(),
        ..DischargeForm::default()
    });
    let discharge_view = super::discharge::View::of(
        visitor.principal(),
        &view.detail,
        shown.confirm,
        shown.correction,
        shown.withdrawal,
    );
    let plan = shown.plan.unwrap_or_else(|| episode.planned_discharge_on.map(|d| d.to_string()).unwrap_or_default());
    let assign = shown.assign.unwrap_or_else(|| AssignForm { assigned_on: today.to_string(), ..AssignForm::default() });
    let methods: Vec<(&str, &str)> = Method::RECORDABLE.iter().map(|m| (m.as_str(), m.label())).collect();
    let destinations: Vec<(&str, &str)> = Destination::ALL.iter().map(|d| (d.as_str(), d.label())).collect();
    let client = episode.client.as_ref();
    super::pages::render_with(
        status,
        "episodes/show.html",
        context! {
            ..minijinja::Value::from_serialize(visitor.frame("/episodes")),
            ..context! {
                id, entries => view.entries, admission => view.standing.admission,
                discharge_contact => view.standing.discharge, can_discharge => view.can_discharge,
                discharged => episode.discharged_on.is_some(), contact, discharge,
                discharge_view,
                writes => super::drafts::writable(&view.writes),
                claims => view.claims,
                assignable => view.assignable, assign,
                choices => view.contact_choices, methods, destinations,
                withdrawing => shown.contact_withdrawal.as_ref().map(|(contact, _)| *contact),
                withdrawal_reason => shown.contact_withdrawal.map(|(_, reason)| reason),
                errors => shown.errors, notice => shown.notice, today => today.to_string(), plan,
                admitted_iso => episode.admitted_on.to_string(),
                notice_days => view.notice_days,
                client_name => client_name(episode),
                client_kana => client.map(|c| c.name_kana.clone()),
                client_page => client.map(|c| format!("/clients/{}", c.id)),
                insurance_number => client.and_then(|c| c.insurance_number.clone()),
                care_level => episode.care_level.clone(),
                hospital => episode.hospital.name.clone(),
                care_office => episode.care_office.as_ref().map(|f| f.name.clone()),
                care_manager => episode.care_manager.as_ref().map(|u| u.name.clone()),
                admitted_on => calendar::japanese_date(episode.admitted_on),
                planned_discharge_on => episode.planned_discharge_on.map(calendar::japanese_date),
                discharged_on => episode.discharged_on.map(calendar::japanese_date),
                rule_title => view.rule_title,
            }
        },
    )
}

/// Records a contact made outside Renkei (the method is the button pressed).
#[post("/episodes/{id}/contacts", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn record_contact(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let fields = &posted.fields;
    let form = ContactForm {
        what: fields.get("what").unwrap_or_default().to_owned(),
        contacted_on: fields.get("contacted_on").unwrap_or_default().to_owned(),
        contacted_time: fields.get("contacted_time").unwrap_or_default().to_owned(),
        note: fields.get("note").unwrap_or_default().to_owned(),
        method: fields.get("method").unwrap_or_default().to_owned(),
    };
    let written = match form.read() {
        Ok(new) => {
            written(&state, &posted, &request, move |conn, principal| {
                contacts::record(conn, principal, id, new).map(|_| ())
            })
            .await
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    answer(&state, &posted, id, written, "contact#contact-form", |errors| Shown::contact(form, errors)).await
}

/// Withdraws a contact the visitor's facility recorded by mistake, with a reason.
#[post("/episodes/{id}/contacts/{contact_id}/withdrawal", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn withdraw_contact(
    state: web::Data<AppState>,
    posted: Posted,
    path: web::Path<(Uuid, Uuid)>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (id, contact_id) = path.into_inner();
    let reason = posted.fields.get("correction_reason").unwrap_or_default().to_owned();
    let withdrawal = ContactWithdrawal { correction_reason: reason.clone() };
    let written = written(&state, &posted, &request, move |conn, principal| {
        contacts::withdraw(conn, principal, id, contact_id, &withdrawal).map(|_| ())
    })
    .await;
    answer(&state, &posted, id, written, "contact_withdrawn", |errors| Shown {
        contact_withdrawal: Some((contact_id, reason)),
        errors,
        ..Shown::default()
    })
    .await
}

/// The hospital sets, changes or (left blank) clears the planned discharge date.
#[post("/episodes/{id}/planned-discharge", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn plan_discharge(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let typed = posted.fields.get("planned_discharge_on").unwrap_or_default().to_owned();
    let written = match input::read_plan(&typed) {
        Ok(plan) => {
            written(&state, &posted, &request, move |conn, principal| {
                episodes::plan_discharge(conn, principal, id, plan)
            })
            .await
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    answer(&state, &posted, id, written, "plan", |errors| Shown::plan(typed, errors)).await
}

/// A 地域包括支援センター assigns the stay's care office and care manager.
#[post("/episodes/{id}/care-assignment", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn assign_care(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let form = AssignForm {
        assignee: posted.fields.get("assignee").unwrap_or_default().to_owned(),
        assigned_on: posted.fields.get("assigned_on").unwrap_or_default().to_owned(),
    };
    let written = match form.read() {
        Ok(assignment) => {
            written(&state, &posted, &request, move |conn, principal| {
                episodes::assignment::assign(conn, principal, id, assignment)
            })
            .await
        }
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    answer(&state, &posted, id, written, "assigned", |errors| Shown::assign(form, errors)).await
}

/// A write of the stay's page: the use case `work` in one audited transaction.
pub(super) async fn written<F>(
    state: &web::Data<AppState>,
    posted: &Posted,
    request: &HttpRequest,
    work: F,
) -> Result<(), AppError>
where
    F: FnOnce(&mut crate::db::DbConnection, &crate::auth::Principal) -> Result<(), AppError> + Send + 'static,
{
    let principal = posted.visitor.principal().clone();
    super::write(state, principal, RequestInfo::of(request), move |conn, _, principal| work(conn, principal)).await
}

/// After a write of the stay's page: to the page with the `done` notice (and anchor), or the page
/// again (422) with the form as typed (`shown`) and the reasons next to its fields.
pub(super) async fn answer(
    state: &web::Data<AppState>,
    posted: &Posted,
    id: Uuid,
    written: Result<(), AppError>,
    done: &str,
    shown: impl FnOnce(BTreeMap<String, String>) -> Shown,
) -> Result<HttpResponse, PageError> {
    match written {
        Ok(()) => Ok(see_other(&format!("/episodes/{id}?done={done}"))),
        Err(AppError::Invalid(errors)) => refused(state, &posted.visitor, id, shown(fields_of(errors))).await,
        Err(other) => Err(other.into()),
    }
}

fn fields_of(errors: Vec<FieldError>) -> BTreeMap<String, String> {
    by_field(&errors).into_iter().collect()
}

/// The stay's page again, with the form as typed and its errors (422).
async fn refused(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    id: Uuid,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    stay_page(state, visitor, id, StatusCode::UNPROCESSABLE_ENTITY, shown).await
}
