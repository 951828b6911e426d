//! A stay as its parties follow it: the stay with what was exchanged and recorded about it (the
//! API's detail of a stay), its events in date order (`events`), and where it stands against the
//! handbook rules in force (`judgement`). It stands above `episodes`, `documents` and
//! `contacts`, which it reads; the stay's writes answer with this detail.

pub mod events;
pub mod judgement;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::business_calendar::Offices;
use crate::calendar;
use crate::contacts::{self, Contact};
use crate::db::DbConnection;
use crate::directory::Role;
use crate::documents::DocumentSummary;
use crate::episodes::assignment::{AssignmentRecord, CareAssignment};
use crate::episodes::{self, ContactSummary, Discharge, Episode, NewAdmission, PlannedDischarge};
use crate::error::AppError;
use crate::forms::DocumentKind;
use crate::survey::judges::RuleBook;
use crate::survey::rules::RuleSet;
use judgement::{DischargeDay, Judgement};

/// Discharges older than this leave the stays list unless all are asked for.
pub const RECENT_DISCHARGE_DAYS: i64 = 60;

/// A stay with everything exchanged and recorded about it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EpisodeDetail {
    #[serde(flatten)]
    pub episode: Episode,
    /// Documents about this stay that the caller's facility sent or received.
    pub documents: Vec<DocumentSummary>,
    pub contacts: Vec<Contact>,
    /// The care offices a 地域包括支援センター assigned to the stay (pathway B), oldest first.
    pub care_assignments: Vec<AssignmentRecord>,
    /// Corrections and withdrawals of its discharge, oldest first.
    pub discharge_corrections: Vec<episodes::correction::DischargeCorrection>,
}

/// One stay with its documents and contacts, if this facility takes part in it.
pub fn detail(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<EpisodeDetail, AppError> {
    let episode = episodes::visible(conn, principal, id)?;
    let documents = crate::documents::store::summaries_of_episode(conn, id, principal.facility_id)?;
    let contacts = crate::contacts::store::of_episode(conn, id)?;
    let care_assignments = episodes::store::assignments_of(conn, id)?;
    let discharge_corrections = episodes::store::corrections_of(conn, id)?;
    Ok(EpisodeDetail { episode, documents, contacts, care_assignments, discharge_corrections })
}

/// A hospital registers an admission (`episodes::register_admission`): the new stay's detail.
pub fn register_admission(
    conn: &mut DbConnection,
    principal: &Principal,
    new: NewAdmission,
) -> Result<EpisodeDetail, AppError> {
    let id = episodes::register_admission(conn, principal, new)?;
    detail(conn, principal, id)
}

/// The hospital records the discharge (`episodes::record_discharge`): the stay's detail.
pub fn record_discharge(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    discharge: Discharge,
) -> Result<EpisodeDetail, AppError> {
    episodes::record_discharge(conn, principal, id, discharge)?;
    detail(conn, principal, id)
}

/// The hospital withdraws a discharge recorded by mistake (`episodes::correction::withdraw`): the
/// stay's detail.
pub fn withdraw_discharge(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    withdrawal: episodes::correction::DischargeWithdrawal,
) -> Result<EpisodeDetail, AppError> {
    episodes::correction::withdraw(conn, principal, id, withdrawal)?;
    detail(conn, principal, id)
}

/// The hospital sets the planned discharge date (`episodes::plan_discharge`): the stay's detail.
pub fn plan_discharge(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    plan: PlannedDischarge,
) -> Result<EpisodeDetail, AppError> {
    episodes::plan_discharge(conn, principal, id, plan)?;
    detail(conn, principal, id)
}

/// A 地域包括支援センター assigns the stay's care office and care manager
/// (`episodes::assignment::assign`): the stay's detail.
pub fn assign_care(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    assignment: CareAssignment,
) -> Result<EpisodeDetail, AppError> {
    episodes::assignment::assign(conn, principal, id, assignment)?;
    detail(conn, principal, id)
}

/// The admission-sheet deadline of a stay, as the reminders compute it (on its care office's
/// business calendar).
pub fn admission_deadline(episode: &Episode, rules: &RuleSet, offices: &Offices) -> NaiveDate {
    let office = episode.care_office.as_ref().map(|o| o.id);
    offices.admission_deadline(rules, office, episode.admitted_on, episode.admitted_at.map(calendar::to_utc))
}

/// Where a stay stands on its two rules: the admission sheet and the discharge contact (the
/// first of each counts, as in the survey).
#[derive(Debug, Clone, Serialize)]
pub struct Standing {
    pub admission: Judgement,
    pub discharge: Judgement,
}

/// A stay's standing on `today`.
pub fn standing(
    episode: &Episode,
    summary: &ContactSummary,
    rules: &RuleSet,
    offices: &Offices,
    today: NaiveDate,
) -> Standing {
    let deadline = admission_deadline(episode, rules, offices);
    let admission = match (summary.first_admission_info, summary.undated_admission_info) {
        (Some(day), _) => judgement::admission_sheet(episode.admitted_on, deadline, Some(day)),
        (None, true) => judgement::admission_sheet(episode.admitted_on, deadline, None),
        (None, false) => judgement::admission_sheet_missing(deadline, today),
    };
    let discharge_day = DischargeDay::of(episode.discharged_on, episode.planned_discharge_on);
    let min_days = rules.discharge_notice_min_days;
    let discharge = match (summary.first_discharge_contact, summary.undated_discharge_contact) {
        (Some(day), _) => judgement::discharge_contact(min_days, Some(day), discharge_day),
        (None, true) => judgement::discharge_contact(min_days, None, discharge_day),
        (None, false) => judgement::discharge_missing(min_days, discharge_day, today),
    };
    Standing { admission, discharge }
}

/// The facility's stays, each with its standing: in hospital first (newest admission first),
/// then the discharges of the last `RECENT_DISCHARGE_DAYS` days (all of them with `all`),
/// newest first.
pub fn overview(
    conn: &mut DbConnection,
    principal: &Principal,
    rules: &RuleSet,
    today: NaiveDate,
    all: bool,
) -> Result<Vec<(Episode, Standing)>, AppError> {
    let since = (!all).then(|| today - chrono::Duration::days(RECENT_DISCHARGE_DAYS));
    let offices = Offices::load(conn, rules)?;
    let book = RuleBook::load(conn, rules)?;
    Ok(episodes::overview(conn, principal, since)?
        .into_iter()
        .map(|(stay, summary)| {
            let rules = book.for_stay(stay.municipality.as_deref(), stay.admitted_on);
            let standing = standing(&stay, &summary, rules, &offices, today);
            (stay, standing)
        })
        .collect())
}

/// A stay's page: its detail, its events, where it stands, and what the visitor may do on it.
#[derive(Debug, Clone)]
pub struct StayView {
    pub detail: EpisodeDetail,
    pub entries: Vec<events::Entry>,
    pub standing: Standing,
    /// Whether the visitor's hospital may record the discharge (its stay, not discharged yet).
    pub can_discharge: bool,
    /// The forms the visitor writes about this stay while it lasts.
    pub writes: Vec<DocumentKind>,
    /// For the stay's care office: what its records support of the 加算 so far, and what is
    /// still to win (`claims::prospects`).
    pub claims: Vec<String>,
    /// The care offices and care managers the visitor (a 地域包括支援センター taking part in the
    /// stay) may assign to it: (value `office` or `office:manager`, words); empty for others.
    pub assignable: Vec<(String, String)>,
    /// The kinds of contact the visitor records by hand, their own side first (`direction:kind`,
    /// words), and the one preselected.
    pub contact_choices: Vec<(String, String)>,
    pub default_contact: String,
    /// The handbook rules the stay is judged by: the title and the discharge notice's days.
    pub rule_title: String,
    pub notice_days: i64,
}

/// What a 地域包括支援センター may assign: each care-side facility, alone or with one of its care
/// managers.
fn assignable(conn: &mut DbConnection, principal: &Principal) -> Result<Vec<(String, String)>, AppError> {
    use crate::directory::FacilityKind;
    if principal.role != Role::CareManager || principal.facility_kind != FacilityKind::SupportCenter {
        return Ok(vec![]);
    }
    let mut choices = vec![];
    for kind in [FacilityKind::CareOffice, FacilityKind::SmallMulti, FacilityKind::SupportCenter] {
        for office in crate::directory::list(conn, Some(kind))? {
            choices.push((office.id.to_string(), format!("{}（ケアマネジャーは未定）", office.name)));
            for user in crate::directory::users_of(conn, office.id)?.into_iter().filter(|u| u.role == Role::CareManager)
            {
                choices.push((format!("{}:{}", office.id, user.id), format!("{}・{}", office.name, user.name)));
            }
        }
    }
    Ok(choices)
}

/// What the stay's records support of the 加算, for its care office's staff (nobody else).
fn claim_prospects(detail: &EpisodeDetail, principal: &Principal, offices: &Offices, today: NaiveDate) -> Vec<String> {
    let episode = &detail.episode;
    let Some(office) = episode.care_office.as_ref().filter(|o| o.id == principal.facility_id) else { return vec![] };
    if principal.role != Role::CareManager {
        return vec![];
    }
    let facts = crate::claims::StayFacts {
        episode_id: episode.id,
        client_key: None,
        admitted_on: episode.admitted_on,
        admitted_at: episode.admitted_at.map(calendar::to_utc),
        discharged_on: episode.discharged_on,
        destination: episode.destination,
        contacts: detail.contacts.iter().filter(|c| c.withdrawal.is_none()).map(crate::claims::Evidence::of).collect(),
        record: detail.documents.iter().any(|d| d.kind == DocumentKind::DischargeRecord),
    };
    crate::claims::prospects(&facts, offices.of(Some(office.id)), &offices.holidays, today)
}

/// The stay's page for the visitor, on `today`.
pub fn view(
    conn: &mut DbConnection,
    principal: &Principal,
    rules: &RuleSet,
    id: Uuid,
    today: NaiveDate,
) -> Result<StayView, AppError> {
    let detail = detail(conn, principal, id)?;
    let offices = Offices::load(conn, rules)?;
    // The stay is judged by its client's municipality's rules on its admission date.
    let book = RuleBook::load(conn, rules)?;
    let rules = book.for_stay(detail.episode.municipality.as_deref(), detail.episode.admitted_on);
    let entries = events::entries(&detail, rules, &offices, today, principal.facility_id);
    let summary = contacts::summary_of(&detail.contacts);
    let standing = standing(&detail.episode, &summary, rules, &offices, today);
    let episode = &detail.episode;
    let discharged = episode.discharged_on.is_some();
    let can_discharge =
        principal.role == Role::DischargeNurse && episode.hospital.id == principal.facility_id && !discharged;
    let sheet_given = summary.first_admission_info.is_some() || summary.undated_admission_info;
    Ok(StayView {
        entries,
        standing,
        can_discharge,
        writes: if discharged { vec![] } else { crate::documents::exchange::written_by(principal.role) },
        claims: claim_prospects(&detail, principal, &offices, today),
        assignable: assignable(conn, principal)?,
        contact_choices: contacts::choices(principal.role),
        default_contact: contacts::default_choice(principal.role, discharged, sheet_given),
        rule_title: rules.title.clone(),
        notice_days: rules.discharge_notice_min_days,
        detail,
    })
}
