//! The facility's stays (`/episodes`) and the timeline of one stay (`/episodes/{id}`): admission,
//! every document and contact with its lead time against the rules in force, and the two forms
//! on it: a contact made by phone or FAX (two clicks) and, for the hospital, the discharge.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use minijinja::context;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::pages::{Frame, PageError, see_other};
use super::stay::{self, Entry};
use super::timeline::{self, Judgement};
use super::visitor::{Posted, SignedIn};
use crate::calendar;
use crate::contacts::{self, ContactKind, Direction, Method, NewContact};
use crate::directory::Role;
use crate::episodes::{self, Destination, Discharge, Episode, PlannedDischarge};
use crate::error::AppError;
use crate::shell::RequestInfo;
use crate::shell::{AppState, blocking};

/// Discharges older than this leave the list unless `?all=1`.
const RECENT_DISCHARGE_DAYS: i64 = 60;

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
#[get("/episodes", wrap = "from_fn(crate::shell::reads::audit)")]
pub async fn list(
    state: web::Data<AppState>,
    visitor: SignedIn,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let stays = blocking(&state, move |conn, _| episodes::overview(conn, &principal)).await?;
    let today = calendar::today();
    let all = query.all.is_some();
    let mut stays: Vec<_> = stays
        .into_iter()
        .filter(|(e, _)| all || e.discharged_on.is_none_or(|d| (today - d).num_days() <= RECENT_DISCHARGE_DAYS))
        .collect();
    stays.sort_by_key(|(e, _)| {
        (e.discharged_on.is_some(), std::cmp::Reverse(e.discharged_on), std::cmp::Reverse(e.admitted_on))
    });
    let lines: Vec<Line> = stays
        .iter()
        .map(|(e, summary)| {
            let (admission, discharge_contact) = stay::standing(e, summary, &state.rules, today);
            Line {
                id: e.id,
                client: client_name(e),
                hospital: e.hospital.name.clone(),
                care_office: e.care_office.as_ref().map(|f| f.name.clone()).unwrap_or_default(),
                care_manager: e.care_manager.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
                admitted_on: timeline::short_date(e.admitted_on),
                discharge: discharge_words(e),
                in_hospital: e.discharged_on.is_none(),
                admission,
                discharge_contact,
            }
        })
        .collect();
    let is_hospital = visitor.principal().role == Role::DischargeNurse;
    let notice = (query.done.as_deref() == Some("registered")).then_some("入院を登録しました。");
    super::pages::render(
        "episodes/list.html",
        context! {
            ..minijinja::Value::from_serialize(Frame::of(&visitor, "/episodes")),
            ..context! { lines, all, is_hospital, notice, recent_days => RECENT_DISCHARGE_DAYS }
        },
    )
}

fn client_name(e: &Episode) -> String {
    e.client.as_ref().map(|c| c.name.clone()).or_else(|| e.client_ref.clone()).unwrap_or_default()
}

fn discharge_words(e: &Episode) -> String {
    match (e.discharged_on, e.planned_discharge_on) {
        (Some(day), _) => format!("{}退院", timeline::short_date(day)),
        (None, Some(day)) => format!("{}予定", timeline::short_date(day)),
        (None, None) => "入院中".into(),
    }
}

/// The contact form as typed (kept when it is shown again with errors).
#[derive(Debug, Clone, Default, Serialize)]
struct ContactForm {
    what: String,
    contacted_on: String,
    contacted_time: String,
}

/// The discharge form as typed.
#[derive(Debug, Clone, Default, Serialize)]
struct DischargeForm {
    discharged_on: String,
    destination: String,
}

/// What the timeline page shows besides the stay: the forms as typed, errors by field, a notice.
#[derive(Default)]
struct Shown {
    contact: Option<ContactForm>,
    discharge: Option<DischargeForm>,
    /// The planned discharge date as typed.
    plan: Option<String>,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
}

impl Shown {
    fn contact(form: ContactForm, errors: BTreeMap<String, String>) -> Self {
        Self { contact: Some(form), errors, ..Self::default() }
    }

    fn discharge(form: DischargeForm, errors: BTreeMap<String, String>) -> Self {
        Self { discharge: Some(form), errors, ..Self::default() }
    }

    fn plan(typed: String, errors: BTreeMap<String, String>) -> Self {
        Self { plan: Some(typed), errors, ..Self::default() }
    }
}

#[derive(Debug, Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// The timeline of one stay; 404 unless the facility takes part in it.
#[get("/episodes/{id}", wrap = "from_fn(crate::shell::reads::audit)")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: SignedIn,
    id: web::Path<Uuid>,
    query: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let notice = match query.done.as_deref() {
        Some("contact") => Some("連絡を記録しました。"),
        Some("discharge") => Some("退院を記録しました。"),
        Some("plan") => Some("退院予定日を保存しました。"),
        Some("registered") => Some("入院を登録しました。担当のケアマネジャーに連絡してください。"),
        _ => None,
    };
    timeline_page(&state, &visitor, id.into_inner(), StatusCode::OK, Shown { notice, ..Shown::default() }).await
}

async fn timeline_page(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    id: Uuid,
    status: StatusCode,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let detail = blocking(state, move |conn, _| episodes::detail(conn, &principal, id)).await?;
    let today = calendar::today();
    let me = visitor.principal();
    let entries: Vec<Entry> = stay::entries(&detail, &state.rules, today);
    let summary = contacts::summary_of(&detail.contacts);
    let (admission, discharge_contact) = stay::standing(&detail.episode, &summary, &state.rules, today);
    let episode = &detail.episode;
    let discharged = episode.discharged_on.is_some();
    let can_discharge = me.role == Role::DischargeNurse && episode.hospital.id == me.facility_id && !discharged;
    let choices = contact_choices(me.role);
    let contact = shown.contact.unwrap_or_else(|| ContactForm {
        what: default_choice(
            me.role,
            discharged,
            summary.first_admission_info.is_some() || summary.undated_admission_info,
        ),
        contacted_on: today.to_string(),
        contacted_time: String::new(),
    });
    let discharge = shown
        .discharge
        .unwrap_or_else(|| DischargeForm { discharged_on: today.to_string(), destination: "home".into() });
    let plan = shown.plan.unwrap_or_else(|| episode.planned_discharge_on.map(|d| d.to_string()).unwrap_or_default());
    let client = episode.client.as_ref();
    super::pages::render_with(
        status,
        "episodes/show.html",
        context! {
            ..minijinja::Value::from_serialize(Frame::of(visitor, "/episodes")),
            ..context! {
                id, entries, admission, discharge_contact, can_discharge, discharged, contact, discharge,
                choices, methods => METHODS, destinations => DESTINATIONS,
                errors => shown.errors, notice => shown.notice, today => today.to_string(), plan,
                admitted_iso => episode.admitted_on.to_string(),
                notice_days => state.rules.discharge_notice_min_days,
                client_name => client_name(episode),
                client_kana => client.map(|c| c.name_kana.clone()),
                insurance_number => client.and_then(|c| c.insurance_number.clone()),
                care_level => episode.care_level.clone(),
                hospital => episode.hospital.name.clone(),
                care_office => episode.care_office.as_ref().map(|f| f.name.clone()),
                care_manager => episode.care_manager.as_ref().map(|u| u.name.clone()),
                admitted_on => crate::notify::mail::japanese_date(episode.admitted_on),
                planned_discharge_on => episode.planned_discharge_on.map(crate::notify::mail::japanese_date),
                discharged_on => episode.discharged_on.map(crate::notify::mail::japanese_date),
                rule_title => state.rules.title.clone(),
            }
        },
    )
}

/// The methods a contact made outside Renkei can have: one button each.
const METHODS: &[(&str, &str)] = &[
    ("phone", "電話"),
    ("fax", "FAX"),
    ("visit", "訪問"),
    ("video", "ビデオ通話"),
    ("conference", "会議"),
    ("mail", "郵送・メール"),
];

const DESTINATIONS: &[(&str, &str)] =
    &[("home", "自宅"), ("facility", "施設"), ("transfer", "転院"), ("death", "死亡退院")];

/// What a contact was about, with its direction: `direction:kind`, the role's own first.
fn contact_choices(role: Role) -> Vec<(String, String)> {
    let hospital = [
        ContactKind::AdmissionNotice,
        ContactKind::DischargeNotice,
        ContactKind::DischargeConference,
        ContactKind::DischargeReferral,
        ContactKind::Other,
    ]
    .map(|k| (Direction::HospitalToCm, k));
    let care = [ContactKind::AdmissionInfo, ContactKind::DischargeConference, ContactKind::Other]
        .map(|k| (Direction::CmToHospital, k));
    let ordered: Vec<(Direction, ContactKind)> = match role {
        Role::CareManager => care.into_iter().chain(hospital).collect(),
        _ => hospital.into_iter().chain(care).collect(),
    };
    ordered
        .into_iter()
        .map(|(direction, kind)| {
            let arrow = match direction {
                Direction::HospitalToCm => "医療機関→ケアマネ",
                Direction::CmToHospital => "ケアマネ→医療機関",
            };
            (choice_value(direction, kind), format!("{}（{arrow}）", kind.label()))
        })
        .collect()
}

fn choice_value(direction: Direction, kind: ContactKind) -> String {
    let (direction, kind): (&'static str, &'static str) = (direction.into(), kind.into());
    format!("{direction}:{kind}")
}

/// The kind preselected: before discharge, a hospital's contact is its 退院連絡 and a care
/// manager's the 入院時情報提供 (once it is given, その他); after discharge, その他.
fn default_choice(role: Role, discharged: bool, sheet_given: bool) -> String {
    match (role, discharged) {
        (Role::CareManager, false) if !sheet_given => choice_value(Direction::CmToHospital, ContactKind::AdmissionInfo),
        (Role::CareManager, _) => choice_value(Direction::CmToHospital, ContactKind::Other),
        (_, false) => choice_value(Direction::HospitalToCm, ContactKind::DischargeNotice),
        (_, true) => choice_value(Direction::HospitalToCm, ContactKind::Other),
    }
}

/// Records a contact made outside Renkei (the method is the button pressed).
#[post("/episodes/{id}/contacts", wrap = "from_fn(crate::shell::reads::audit)")]
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
    };
    let method = fields.get("method").unwrap_or_default().to_owned();
    let new = match contact_of(&form, &method) {
        Ok(new) => new,
        Err(errors) => return refused(&state, &posted.visitor, id, Shown::contact(form, errors)).await,
    };
    let written = written(&state, &posted, &request, move |conn, principal| {
        contacts::record(conn, principal, id, new).map(|_| ())
    });
    answer(&state, &posted, id, written.await, "contact#contact-form", |errors| Shown::contact(form, errors)).await
}

/// The hospital sets, changes or (left blank) clears the planned discharge date.
#[post("/episodes/{id}/planned-discharge", wrap = "from_fn(crate::shell::reads::audit)")]
pub async fn plan_discharge(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let typed = posted.fields.get("planned_discharge_on").unwrap_or_default().to_owned();
    let planned_discharge_on = match typed.as_str() {
        "" => None,
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => Some(day),
            Err(_) => {
                let message = "「退院予定日」を 2026-11-20 の形の日付で入力してください（未定なら空欄）";
                let errors = BTreeMap::from([("planned_discharge_on".to_owned(), message.to_owned())]);
                return refused(&state, &posted.visitor, id, Shown::plan(typed, errors)).await;
            }
        },
    };
    let plan = PlannedDischarge { planned_discharge_on };
    let written = written(&state, &posted, &request, move |conn, principal| {
        episodes::plan_discharge(conn, principal, id, plan).map(|_| ())
    });
    answer(&state, &posted, id, written.await, "plan", |errors| Shown::plan(typed, errors)).await
}

/// A write of the stay's page: the use case `work` in one audited transaction.
async fn written<F>(
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
/// again (422) with the form as typed (`shown`) and the use case's reasons next to its fields.
async fn answer(
    state: &web::Data<AppState>,
    posted: &Posted,
    id: Uuid,
    written: Result<(), AppError>,
    done: &str,
    shown: impl FnOnce(BTreeMap<String, String>) -> Shown,
) -> Result<HttpResponse, PageError> {
    match written {
        Ok(()) => Ok(see_other(&format!("/episodes/{id}?done={done}"))),
        Err(AppError::Invalid(errors)) => refused(state, &posted.visitor, id, shown(by_field(errors))).await,
        Err(other) => Err(other.into()),
    }
}

/// The timeline again, with the form as typed and its errors (422).
async fn refused(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    id: Uuid,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    timeline_page(state, visitor, id, StatusCode::UNPROCESSABLE_ENTITY, shown).await
}

/// A use case's field errors by form field (the pointer without its slash).
pub fn by_field(errors: Vec<crate::error::FieldError>) -> BTreeMap<String, String> {
    errors.into_iter().map(|e| (e.pointer.trim_start_matches('/').to_owned(), e.message)).collect()
}

/// The contact the form describes, or the errors by field.
fn contact_of(form: &ContactForm, method: &str) -> Result<NewContact, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let method = method.parse::<Method>().ok().filter(|m| *m != Method::System);
    if method.is_none() {
        errors.insert("method".into(), "連絡の方法（電話・FAX など）のボタンを押してください".into());
    }
    let what = form
        .what
        .split_once(':')
        .and_then(|(d, k)| Some((d.parse::<Direction>().ok()?, k.parse::<ContactKind>().ok()?)));
    if what.is_none() {
        errors.insert("what".into(), "連絡の種類を選んでください".into());
    }
    let day = NaiveDate::parse_from_str(&form.contacted_on, "%Y-%m-%d").ok();
    if day.is_none() {
        errors.insert("contacted_on".into(), "「連絡日」を 2026-11-20 の形の日付で入力してください".into());
    }
    let time = match form.contacted_time.as_str() {
        "" => None,
        text => {
            let parsed = chrono::NaiveTime::parse_from_str(text, "%H:%M").ok();
            if parsed.is_none() {
                errors.insert("contacted_at".into(), "「時刻」を 14:30 の形で入力してください".into());
            }
            parsed
        }
    };
    match (method, what, day) {
        (Some(method), Some((direction, kind)), Some(day)) if errors.is_empty() => Ok(NewContact {
            direction,
            kind,
            method,
            contacted_on: day,
            contacted_at: time.and_then(|t| day.and_time(t).and_local_timezone(calendar::JAPAN).single()),
        }),
        _ => Err(errors),
    }
}

/// The hospital records the discharge: date and destination.
#[post("/episodes/{id}/discharge", wrap = "from_fn(crate::shell::reads::audit)")]
pub async fn record_discharge(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let form = DischargeForm {
        discharged_on: posted.fields.get("discharged_on").unwrap_or_default().to_owned(),
        destination: posted.fields.get("destination").unwrap_or_default().to_owned(),
    };
    let mut errors = BTreeMap::new();
    let day = NaiveDate::parse_from_str(&form.discharged_on, "%Y-%m-%d").ok();
    if day.is_none() {
        errors.insert("discharged_on".to_owned(), "「退院日」を 2026-11-20 の形の日付で入力してください".to_owned());
    }
    let destination = form.destination.parse::<Destination>().ok();
    if destination.is_none() {
        errors.insert("destination".to_owned(), "「退院先」を選んでください".to_owned());
    }
    let (Some(discharged_on), Some(destination)) = (day, destination) else {
        return refused(&state, &posted.visitor, id, Shown::discharge(form, errors)).await;
    };
    let discharge = Discharge { discharged_on, destination };
    let written = written(&state, &posted, &request, move |conn, principal| {
        episodes::record_discharge(conn, principal, id, discharge).map(|_| ())
    });
    answer(&state, &posted, id, written.await, "discharge", |errors| Shown::discharge(form, errors)).await
}
