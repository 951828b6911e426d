//! The 加算 of a period's stays, for a care office (its own stays) and for a coordinator (all,
//! or one office's): the API's `GET /api/v1/claims`, the office's monthly page, its CSV for the
//! 請求 staff, and `renkei claims`.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::store::{self, StayRow};
use super::{AdmissionAddition, DischargeAddition};
use crate::auth::Principal;
use crate::business_calendar::Offices;
use crate::calendar;
use crate::db::DbConnection;
use crate::directory::{FacilityRef, Role};
use crate::episodes::Destination;
use crate::error::{AppError, FieldError};
use crate::survey::rules::RuleSet;

/// The period, both days included.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self, AppError> {
        if to < from {
            return Err(AppError::Invalid(vec![FieldError::new(
                "/to",
                "date_order",
                "期間の終わりが始まりより前です",
            )]));
        }
        Ok(Self { from, to })
    }

    /// The calendar month of `day`.
    pub fn month_of(day: NaiveDate) -> Self {
        let from = day.with_day(1).unwrap_or(day);
        let next = if from.month() == 12 {
            NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
        };
        Self { from, to: next.map_or(day, |n| n.pred_opt().unwrap_or(n)) }
    }
}

/// The client of a claimed stay.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimClient {
    pub id: Option<Uuid>,
    /// The import's client reference (stays imported from records kept outside Renkei).
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// The client's name, for the care office only (coordinators see no names).
    pub name: Option<String>,
}

/// One stay with its two 加算.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimedStay {
    pub episode_id: Uuid,
    /// The import's episode reference, for imported stays.
    pub episode_ref: Option<String>,
    pub client: ClaimClient,
    pub care_office: FacilityRef,
    pub hospital: FacilityRef,
    pub admitted_on: NaiveDate,
    pub admitted_at: Option<DateTime<FixedOffset>>,
    pub discharged_on: Option<NaiveDate>,
    pub destination: Option<Destination>,
    pub admission_info_addition: AdmissionAddition,
    pub discharge_addition: DischargeAddition,
}

/// Every stay of the period (admitted or discharged in it), by admission date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimsReport {
    pub period: Period,
    pub stays: Vec<ClaimedStay>,
}

/// The care office a caller may see: a care manager their own, a coordinator any (or all).
pub fn office_for(principal: &Principal, asked: Option<Uuid>) -> Result<Option<Uuid>, AppError> {
    match principal.role {
        Role::CareManager => match asked {
            Some(office) if office != principal.facility_id => {
                Err(AppError::Forbidden("a care manager sees the 加算 of their own office only".into()))
            }
            _ => Ok(Some(principal.facility_id)),
        },
        Role::Coordinator => Ok(asked),
        Role::DischargeNurse | Role::Admin => {
            Err(AppError::Forbidden("the 加算 are for care offices and coordinators".into()))
        }
    }
}

/// The claims report for `principal`.
pub fn for_principal(
    conn: &mut DbConnection,
    principal: &Principal,
    rules: &RuleSet,
    period: Period,
    asked_office: Option<Uuid>,
) -> Result<ClaimsReport, AppError> {
    let office = office_for(principal, asked_office)?;
    Ok(compute(conn, rules, period, office, principal.role == Role::CareManager)?)
}

/// The claims report of `office` (or all offices) for the period; with client names or without.
pub fn compute(
    conn: &mut DbConnection,
    rules: &RuleSet,
    period: Period,
    office: Option<Uuid>,
    names: bool,
) -> diesel::QueryResult<ClaimsReport> {
    let stays = store::stays_in(conn, period.from, period.to, office)?;
    let client_ids: Vec<String> = unique(stays.iter().filter_map(|s| s.client_id.map(|c| c.to_string())));
    // The once-a-month rule weighs every stay of the client admitted in the same months.
    let related = match (stays.iter().map(|s| s.admitted_on).min(), stays.iter().map(|s| s.admitted_on).max()) {
        (Some(first), Some(last)) => {
            let client_refs: Vec<String> =
                unique(stays.iter().filter(|s| s.client_id.is_none()).filter_map(|s| s.client_ref.clone()));
            store::stays_of_clients(
                conn,
                &client_ids,
                &client_refs,
                Period::month_of(first).from,
                Period::month_of(last).to,
            )?
        }
        _ => vec![],
    };
    let mut all: HashMap<Uuid, &StayRow> = related.iter().map(|s| (s.id, s)).collect();
    all.extend(stays.iter().map(|s| (s.id, s)));
    let ids: Vec<Uuid> = all.keys().copied().collect();
    let mut contacts = store::contacts_of(conn, &ids)?;
    let listed: Vec<Uuid> = stays.iter().map(|s| s.id).collect();
    let records = store::with_record(conn, &listed)?;
    let offices = Offices::load(conn, rules)?;
    let facilities = store::facilities(conn)?;
    let names = if names { store::client_names(conn, &client_ids)? } else { HashMap::new() };

    let mut admissions: HashMap<Uuid, AdmissionAddition> = HashMap::new();
    let mut facts = HashMap::new();
    for (id, stay) in &all {
        let stay_facts = store::facts(stay, contacts.remove(id).unwrap_or_default(), records.contains(id));
        let addition = super::admission(&stay_facts, offices.of(Some(stay.care_office_id)), &offices.holidays);
        admissions.insert(*id, addition);
        facts.insert(*id, stay_facts);
    }
    let weighed: Vec<_> = all
        .values()
        .map(|s| {
            let key = facts.get(&s.id).and_then(|f| f.client_key.as_deref());
            super::Weighed {
                client: key,
                admitted_on: s.admitted_on,
                admitted_at: s.admitted_at,
                episode_id: s.id,
                tier: admissions.get(&s.id).and_then(|a| a.tier),
            }
        })
        .collect();
    for lost in super::same_month_claimed(&weighed) {
        if let Some(addition) = admissions.get_mut(&lost) {
            addition.claimable = false;
            addition.same_month_claimed = true;
        }
    }
    let facility =
        |id: Uuid| facilities.get(&id).cloned().unwrap_or(FacilityRef { id, code: String::new(), name: String::new() });
    let listed = stays
        .iter()
        .map(|stay| {
            let stay_facts = facts.remove(&stay.id);
            ClaimedStay {
                episode_id: stay.id,
                episode_ref: stay.episode_ref.clone(),
                client: ClaimClient {
                    id: stay.client_id,
                    reference: stay.client_ref.clone(),
                    name: stay.client_id.and_then(|c| names.get(&c).cloned()),
                },
                care_office: facility(stay.care_office_id),
                hospital: facility(stay.hospital_id),
                admitted_on: stay.admitted_on,
                admitted_at: stay.admitted_at.map(calendar::in_japan),
                discharged_on: stay.discharged_on,
                destination: stay.destination.as_deref().and_then(|d| d.parse().ok()),
                admission_info_addition: admissions.remove(&stay.id).unwrap_or_else(unreachable_addition),
                discharge_addition: super::discharge(&stay_facts.unwrap_or_else(|| store::facts(stay, vec![], false))),
            }
        })
        .collect();
    Ok(ClaimsReport { period, stays: listed })
}

/// Never used: every listed stay was weighed above.
fn unreachable_addition() -> AdmissionAddition {
    AdmissionAddition {
        tier: None,
        units: 0,
        claimable: false,
        same_month_claimed: false,
        day: None,
        after_hours: false,
        business_day: false,
        evidence: vec![],
    }
}

fn unique(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut values: Vec<String> = values.collect();
    values.sort_unstable();
    values.dedup();
    values
}

/// The report as a CSV file Excel opens (UTF-8 with BOM), as both doors download it.
pub fn csv_file(report: &ClaimsReport) -> Result<Vec<u8>, AppError> {
    crate::spreadsheet::file(csv_rows(report), crate::spreadsheet::Encoding::Utf8).map_err(AppError::Unexpected)
}

/// The report as the office's 請求 staff open it in Excel: one row per stay.
pub fn csv_rows(report: &ClaimsReport) -> Vec<Vec<String>> {
    let header = [
        "利用者",
        "利用者番号",
        "医療機関",
        "居宅介護支援事業所",
        "入院日",
        "入院時刻",
        "退院日",
        "退院先",
        "入院時情報連携加算",
        "単位",
        "算定",
        "情報提供日",
        "入院日から",
        "営業時間外の入院",
        "入院日は営業日",
        "退院・退所加算",
        "単位",
        "情報を受けた日",
        "カンファレンス",
        "退院・退所情報記録書",
    ];
    let yes = |b: bool| if b { "はい" } else { "いいえ" }.to_owned();
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut rows = vec![header.map(str::to_owned).to_vec()];
    for stay in &report.stays {
        let a = &stay.admission_info_addition;
        let d = &stay.discharge_addition;
        rows.push(vec![
            stay.client.name.clone().unwrap_or_default(),
            stay.client.reference.clone().or_else(|| stay.client.id.map(|i| i.to_string())).unwrap_or_default(),
            stay.hospital.name.clone(),
            stay.care_office.name.clone(),
            stay.admitted_on.to_string(),
            stay.admitted_at.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
            date(stay.discharged_on),
            stay.destination.map(|d| d.label().to_owned()).unwrap_or_default(),
            a.tier.map_or("なし", |t| t.label()).to_owned(),
            a.units.to_string(),
            if a.same_month_claimed {
                "同月算定済"
            } else if a.claimable {
                "算定可"
            } else {
                "算定不可"
            }
            .to_owned(),
            date(a.evidence.first().and_then(|e| e.contacted_on)),
            a.day.map(|d| format!("{d}日目")).unwrap_or_default(),
            yes(a.after_hours),
            yes(a.business_day),
            d.tier.map_or("なし", |t| t.label()).to_owned(),
            d.units.to_string(),
            d.information_days.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "),
            yes(d.conference),
            if d.record { "あり" } else { "なし" }.to_owned(),
        ]);
    }
    rows
}
