//! 加算 evidence: for each stay, the tier of the 入院時情報連携加算 and of the 退院・退所加算 that
//! its records support, with the contacts behind it, exactly as DOMAIN.md ("加算 evidence: exact
//! definitions") and docs/claims.md define them. This file holds the rules, on facts already
//! read; `store` reads the facts, `report` answers the care office and the coordinator.

pub mod calendar_settings;
pub mod report;
pub mod store;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::business_calendar::BusinessCalendar;
use crate::calendar;
use crate::contacts::{ContactKind, Direction, Method};
use crate::episodes::Destination;
use crate::holidays::Holidays;

/// 入院時情報連携加算 (令和6年度改定).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ToSchema)]
pub enum AdmissionTier {
    /// (Ⅱ) 200 units.
    #[serde(rename = "II")]
    II,
    /// (Ⅰ) 250 units.
    #[serde(rename = "I")]
    I,
}

impl AdmissionTier {
    pub fn units(self) -> u32 {
        match self {
            Self::I => 250,
            Self::II => 200,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::I => "（Ⅰ）",
            Self::II => "（Ⅱ）",
        }
    }
}

/// 退院・退所加算.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub enum DischargeTier {
    /// (Ⅰ)イ 450: information once, no conference.
    #[serde(rename = "I-i")]
    OneI,
    /// (Ⅰ)ロ 600: once, at a conference.
    #[serde(rename = "I-ro")]
    OneRo,
    /// (Ⅱ)イ 600: twice or more, no conference.
    #[serde(rename = "II-i")]
    TwoI,
    /// (Ⅱ)ロ 750: twice, one at a conference.
    #[serde(rename = "II-ro")]
    TwoRo,
    /// (Ⅲ) 900: three times or more, one at a conference.
    #[serde(rename = "III")]
    Three,
}

impl DischargeTier {
    /// The tier of `days` information days, with or without a conference among them.
    pub fn of(days: usize, conference: bool) -> Option<Self> {
        match (days, conference) {
            (0, _) => None,
            (1, false) => Some(Self::OneI),
            (1, true) => Some(Self::OneRo),
            (2, true) => Some(Self::TwoRo),
            (_, false) => Some(Self::TwoI),
            (_, true) => Some(Self::Three),
        }
    }

    pub fn units(self) -> u32 {
        match self {
            Self::OneI => 450,
            Self::OneRo | Self::TwoI => 600,
            Self::TwoRo => 750,
            Self::Three => 900,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OneI => "（Ⅰ）イ",
            Self::OneRo => "（Ⅰ）ロ",
            Self::TwoI => "（Ⅱ）イ",
            Self::TwoRo => "（Ⅱ）ロ",
            Self::Three => "（Ⅲ）",
        }
    }
}

/// A contact that counts, or could count, as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Evidence {
    pub contact_id: Uuid,
    pub direction: Direction,
    pub kind: ContactKind,
    pub method: Method,
    /// The date in Japan; undated paper records never give a tier.
    pub contacted_on: Option<NaiveDate>,
    /// The document that made the contact (method `system`).
    pub document_id: Option<Uuid>,
}

impl Evidence {
    pub fn of(contact: &crate::contacts::Contact) -> Self {
        Self {
            contact_id: contact.id,
            direction: contact.direction,
            kind: contact.kind,
            method: contact.method,
            contacted_on: contact.contacted_on,
            document_id: contact.document_id,
        }
    }
}

/// What the rules read of one stay.
#[derive(Debug, Clone)]
pub struct StayFacts {
    pub episode_id: Uuid,
    /// The client (by id, or by the import's client_ref): the admission 加算 is once a month
    /// per client.
    pub client_key: Option<String>,
    pub admitted_on: NaiveDate,
    /// UTC, when the time is known.
    pub admitted_at: Option<NaiveDateTime>,
    pub discharged_on: Option<NaiveDate>,
    pub destination: Option<Destination>,
    pub contacts: Vec<Evidence>,
    /// Whether the stay has a 退院・退所情報記録書.
    pub record: bool,
}

/// The 入院時情報連携加算 of a stay.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AdmissionAddition {
    /// `I`, `II`, or none.
    pub tier: Option<AdmissionTier>,
    /// The tier's units (also when another stay of the month is claimed), 0 without a tier.
    pub units: u32,
    /// Whether this stay's tier can be claimed: it has one, and no other stay of the client
    /// admitted in the same month has a higher one (or the same, admitted earlier).
    pub claimable: bool,
    /// 同月算定済: another stay of the client in the same month is claimed instead.
    pub same_month_claimed: bool,
    /// The provision day, the admission day being day 1 (before it, 0 or less).
    pub day: Option<i64>,
    /// Admitted at or after the office's closing time on one of its business days.
    pub after_hours: bool,
    /// The admission date is a business day of the office.
    pub business_day: bool,
    /// The first dated admission-information contacts (all of that date).
    pub evidence: Vec<Evidence>,
}

/// The 退院・退所加算 of a stay.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DischargeAddition {
    /// `I-i`, `I-ro`, `II-i`, `II-ro`, `III`, or none (not discharged home, or no information).
    pub tier: Option<DischargeTier>,
    pub units: u32,
    /// The distinct dates the hospital's information was received, from the admission to 7 days
    /// after the discharge.
    pub information_days: Vec<NaiveDate>,
    /// One of them was a conference (退院前カンファレンス, or a contact made at a conference).
    pub conference: bool,
    /// A 退院・退所情報記録書 is on record: the evidence is complete.
    pub record: bool,
    /// The contacts on the information days.
    pub evidence: Vec<Evidence>,
}

/// Days after the discharge during which the hospital's information still counts.
pub const AFTER_DISCHARGE_DAYS: i64 = 7;

/// What the admission's date and time are for the office: (business day, after hours).
fn admission_hours(stay: &StayFacts, office: &BusinessCalendar, holidays: &Holidays) -> (bool, bool) {
    let business_day = office.is_business_day(stay.admitted_on, holidays);
    let after_hours = stay
        .admitted_at
        .map(calendar::in_japan)
        .is_some_and(|at| business_day && at.date_naive() == stay.admitted_on && at.time() >= office.closing_time);
    (business_day, after_hours)
}

/// The tier of a provision on `day` (day 1 = the admission date).
fn admission_tier_on(
    day: i64,
    stay: &StayFacts,
    office: &BusinessCalendar,
    holidays: &Holidays,
) -> Option<AdmissionTier> {
    let (business_day, after_hours) = admission_hours(stay, office, holidays);
    let day_3_closed = !office.is_business_day(stay.admitted_on + Duration::days(2), holidays);
    if day <= 1 || (day == 2 && (after_hours || !business_day)) {
        Some(AdmissionTier::I)
    } else if day <= 3 || (day == 4 && after_hours && day_3_closed) {
        Some(AdmissionTier::II)
    } else {
        None
    }
}

/// The day number of `date` for a stay admitted on `admitted_on` (the admission day is day 1).
pub fn day_of(admitted_on: NaiveDate, date: NaiveDate) -> i64 {
    (date - admitted_on).num_days() + 1
}

/// The 入院時情報連携加算 a stay's records support (before the once-a-month rule).
pub fn admission(stay: &StayFacts, office: &BusinessCalendar, holidays: &Holidays) -> AdmissionAddition {
    let provisions =
        stay.contacts.iter().filter(|c| c.direction == Direction::CmToHospital && c.kind == ContactKind::AdmissionInfo);
    let first = provisions.clone().filter_map(|c| c.contacted_on).min();
    let evidence: Vec<Evidence> = provisions.filter(|c| first.is_some() && c.contacted_on == first).cloned().collect();
    let day = first.map(|date| day_of(stay.admitted_on, date));
    let tier = day.and_then(|day| admission_tier_on(day, stay, office, holidays));
    let (business_day, after_hours) = admission_hours(stay, office, holidays);
    AdmissionAddition {
        tier,
        units: tier.map_or(0, AdmissionTier::units),
        claimable: tier.is_some(),
        same_month_claimed: false,
        day,
        after_hours,
        business_day,
        evidence,
    }
}

/// The 退院・退所加算 a stay's records support.
pub fn discharge(stay: &StayFacts) -> DischargeAddition {
    let last = stay.discharged_on.map(|d| d + Duration::days(AFTER_DISCHARGE_DAYS));
    let evidence: Vec<Evidence> = stay
        .contacts
        .iter()
        .filter(|c| {
            c.direction == Direction::HospitalToCm
                && matches!(
                    c.kind,
                    ContactKind::DischargeNotice
                        | ContactKind::DischargeConference
                        | ContactKind::DischargeReferral
                        | ContactKind::DischargeRecord
                )
                && c.contacted_on.is_some_and(|d| d >= stay.admitted_on && last.is_none_or(|last| d <= last))
        })
        .cloned()
        .collect();
    let mut information_days: Vec<NaiveDate> = evidence.iter().filter_map(|c| c.contacted_on).collect();
    information_days.sort_unstable();
    information_days.dedup();
    let conference =
        evidence.iter().any(|c| c.kind == ContactKind::DischargeConference || c.method == Method::Conference);
    let home = stay.discharged_on.is_some() && stay.destination == Some(Destination::Home);
    let tier = if home { DischargeTier::of(information_days.len(), conference) } else { None };
    DischargeAddition {
        tier,
        units: tier.map_or(0, DischargeTier::units),
        information_days,
        conference,
        record: stay.record,
        evidence,
    }
}

/// A stay as the once-a-month rule weighs it.
#[derive(Debug, Clone, Copy)]
pub struct Weighed<'a> {
    pub client: Option<&'a str>,
    pub admitted_on: NaiveDate,
    pub admitted_at: Option<NaiveDateTime>,
    pub episode_id: Uuid,
    pub tier: Option<AdmissionTier>,
}

impl Weighed<'_> {
    /// Orders the claims of one month: a higher tier first; then the earlier admission (a known
    /// time before an unknown one); then the id, so that the answer never depends on the order
    /// of reading.
    fn rank(&self) -> impl Ord + use<> {
        (std::cmp::Reverse(self.tier), self.admitted_on, self.admitted_at.is_none(), self.admitted_at, self.episode_id)
    }
}

/// The once-a-month rule of the 入院時情報連携加算: of the stays of one client admitted in one
/// calendar month that have a tier, the highest tier is claimed (then the earliest admission);
/// the others are 同月算定済. The answer is the stays that are not claimable for that reason.
pub fn same_month_claimed(stays: &[Weighed<'_>]) -> Vec<Uuid> {
    use chrono::Datelike;
    let month = |s: &Weighed<'_>| s.client.map(|c| (c.to_owned(), s.admitted_on.year(), s.admitted_on.month()));
    let mut best: HashMap<(String, i32, u32), Weighed<'_>> = HashMap::new();
    for stay in stays.iter().filter(|s| s.tier.is_some()) {
        let Some(key) = month(stay) else { continue };
        match best.get(&key) {
            Some(held) if held.rank() <= stay.rank() => {}
            _ => {
                best.insert(key, *stay);
            }
        }
    }
    stays
        .iter()
        .filter(|s| s.tier.is_some())
        .filter(|s| month(s).and_then(|key| best.get(&key)).is_some_and(|held| held.episode_id != s.episode_id))
        .map(|s| s.episode_id)
        .collect()
}

/// What a care manager can still do for the 加算 of a stay on `today`, in Japanese: one line per
/// addition, empty when there is nothing left to win or to say.
pub fn prospects(stay: &StayFacts, office: &BusinessCalendar, holidays: &Holidays, today: NaiveDate) -> Vec<String> {
    let mut lines = Vec::new();
    let admission = admission(stay, office, holidays);
    match (admission.tier, admission.day) {
        (Some(tier), _) => {
            lines.push(format!("入院時情報連携加算{}（{}単位）の記録があります", tier.label(), tier.units()))
        }
        (None, Some(_)) => lines.push("入院時情報の提供が期限後のため、入院時情報連携加算は算定できません".into()),
        (None, None) => {
            let today_day = day_of(stay.admitted_on, today);
            match admission_tier_on(today_day, stay, office, holidays) {
                Some(tier) => {
                    let mut line = format!(
                        "今日中に入院時情報を提供すれば入院時情報連携加算{}（{}単位）",
                        tier.label(),
                        tier.units()
                    );
                    let last_ii = (today_day + 1..=4)
                        .filter(|d| admission_tier_on(*d, stay, office, holidays) == Some(AdmissionTier::II))
                        .max();
                    if tier == AdmissionTier::I
                        && let Some(day) = last_ii
                    {
                        let date = stay.admitted_on + Duration::days(day - 1);
                        line.push_str(&format!("。{}までなら（Ⅱ）", short(date)));
                    }
                    lines.push(line);
                }
                None => lines.push("入院時情報連携加算の期限を過ぎています".into()),
            }
        }
    }
    let discharge = discharge(stay);
    let window_closed = stay.discharged_on.is_some_and(|d| today > d + Duration::days(AFTER_DISCHARGE_DAYS));
    let not_home = stay.discharged_on.is_some() && stay.destination != Some(Destination::Home);
    let n = discharge.information_days.len();
    if not_home {
        lines.push("自宅以外への退院のため、退院・退所加算は算定できません".into());
    } else if let Some(tier) = DischargeTier::of(n, discharge.conference).filter(|_| n > 0) {
        let mut line = format!("退院・退所加算{}（{}単位、情報を受けた日 {n}日）", tier.label(), tier.units());
        if !window_closed {
            if !discharge.conference
                && let Some(better) = DischargeTier::of(n + 1, true)
            {
                line.push_str(&format!("。カンファレンスに参加すれば{}", better.label()));
            } else if let Some(better) = DischargeTier::of(n + 1, discharge.conference).filter(|b| *b != tier) {
                line.push_str(&format!("。別の日にもう一度情報を受ければ{}", better.label()));
            }
        }
        if !discharge.record {
            line.push_str("。退院・退所情報記録書がまだありません");
        }
        lines.push(line);
    } else if !window_closed {
        lines.push("病院から情報を受ければ退院・退所加算（Ⅰ）イ、カンファレンスに参加すれば（Ⅰ）ロ".into());
    }
    lines
}

/// 12月8日.
fn short(date: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}月{}日", date.month(), date.day())
}

#[cfg(test)]
mod tests;
