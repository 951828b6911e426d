//! The connection survey (入退院連絡状況調査): notification rates and lead times for a period,
//! computed exactly as docs/survey.md defines them, under the handbook rules in force
//! ([`rules::RuleSet`]). The database counts stays per group and bucket, in one pass per side
//! or from daily counts kept at write time (`store.rs`, `store/daily.rs`); this module folds
//! those counts into the published shape (`schemas/survey/v4.json`). In a region each stay is
//! judged by its municipality's rules (`judges`), each rule set's stays counted in a pass.

pub mod beyond_rates;
pub mod charts;
pub mod choice;
pub mod html;
pub mod judges;
pub mod periods;
mod produce;
pub mod report;
pub mod rules;
pub mod store;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::error::AppError;
pub use produce::{Dashboard, ReportData, dashboard, produce, produce_for, report_data};
use rules::{RuleSet, WindowMode};

/// How to break the figures down.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    clap::ValueEnum,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum GroupBy {
    /// 医療機関
    Hospital,
    /// 居宅介護支援事業所等
    CareOffice,
    /// 月 (the admission month on the admission side, the discharge month on the discharge side)
    Month,
    /// 圏域 of the care office
    Area,
    /// 要支援 / 要介護 / 申請中・その他 at admission
    CareLevel,
    /// 市内 / 市外: whether the stay's hospital is inside the city (`facilities.in_city`)
    HospitalInCity,
    /// 市町村: the client's municipality, each judged by its own rules
    Municipality,
}

impl GroupBy {
    pub fn label(self) -> &'static str {
        match self {
            Self::Hospital => "医療機関",
            Self::CareOffice => "居宅介護支援事業所等",
            Self::Month => "月",
            Self::Area => "圏域",
            Self::CareLevel => "要介護度",
            Self::HospitalInCity => "医療機関の所在（市内・市外）",
            Self::Municipality => "市町村",
        }
    }
}

/// What to compute: a period (both ends included) and an optional breakdown.
#[derive(Debug, Clone)]
pub struct SurveyQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub fiscal_year: Option<i32>,
    pub group_by: Option<GroupBy>,
    /// Only the stays of this municipality's clients (its code).
    pub municipality: Option<String>,
}

/// The years a survey may cover: a period outside is a mistyped year, not a survey.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

impl SurveyQuery {
    /// The period from `--from/--to` or from a fiscal year (April 1 to March 31), within
    /// [`YEARS`] (otherwise a 400 in Japanese).
    pub fn new(
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        fiscal_year: Option<i32>,
        group_by: Option<GroupBy>,
    ) -> Result<Self, AppError> {
        use chrono::Datelike;
        let (first, last) = (YEARS.start(), YEARS.end());
        if fiscal_year.is_some_and(|year| !YEARS.contains(&year)) {
            return Err(AppError::BadRequest(format!("年度は{first}〜{last}年度の範囲で指定してください")));
        }
        if [from, to].into_iter().flatten().any(|day| !YEARS.contains(&day.year())) {
            return Err(AppError::BadRequest(format!(
                "期間は{first}年1月1日から{last}年12月31日までの日付で指定してください"
            )));
        }
        let (from, to) = match (from, to, fiscal_year) {
            (None, None, Some(year)) => periods::fiscal_year(year)
                .ok_or_else(|| AppError::invalid("/fiscal_year", "range", format!("年度 {year} は扱えません")))?,
            (Some(from), Some(to), None) => (from, to),
            (Some(from), Some(to), Some(year)) if periods::fiscal_year(year) == Some((from, to)) => (from, to),
            _ => {
                return Err(AppError::invalid(
                    "/from",
                    "period",
                    "期間は from と to の両方（YYYY-MM-DD）、または fiscal_year（例: 2025 = 令和7年度）で指定してください",
                ));
            }
        };
        if from > to {
            return Err(AppError::invalid(
                "/to",
                "date_order",
                format!("期間の終わり {to} が始まり {from} より前です"),
            ));
        }
        let fiscal_year = fiscal_year.or_else(|| periods::fiscal_year_of_period(from, to));
        Ok(Self { from, to, fiscal_year, group_by, municipality: None })
    }

    /// The same survey of one municipality's clients only (none: of every stay).
    pub fn of_municipality(self, municipality: Option<String>) -> Self {
        Self { municipality: municipality.filter(|code| !code.is_empty()), ..self }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct AdmissionTiming {
    /// On or before the admission day (day 1).
    pub same_day: i64,
    /// Day 2 or 3.
    pub day_2_3: i64,
    /// Day 4 or after.
    pub later: i64,
    /// Only contacts whose date is unknown (imported paper records).
    pub unknown: i64,
    pub none: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct AdmissionFigures {
    pub cohort: i64,
    pub contacted: i64,
    pub rate: Option<f64>,
    pub excluded: i64,
    pub timing: AdmissionTiming,
    /// The contacted stays by how their first counted contact was made.
    pub method: beyond_rates::Channels,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct LeadTime {
    #[serde(rename = "8+")]
    pub days_8_plus: i64,
    #[serde(rename = "5-7")]
    pub days_5_7: i64,
    #[serde(rename = "2-4")]
    pub days_2_4: i64,
    /// 前日
    #[serde(rename = "1")]
    pub day_before: i64,
    /// 当日
    #[serde(rename = "0")]
    pub same_day: i64,
    /// The first contact came after the discharge.
    pub after: i64,
    pub unknown: i64,
    pub none: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct DischargeFigures {
    pub cohort: i64,
    pub contacted: i64,
    pub rate: Option<f64>,
    /// At least the rule's number of days before the discharge.
    pub on_time: i64,
    pub on_time_rate: Option<f64>,
    /// Deaths in hospital: reported apart, not in the cohort.
    pub died: i64,
    pub excluded: i64,
    /// Stays of the admission cohort not ended by the end of the period (or the cut-off).
    pub in_hospital: i64,
    pub lead_time: LeadTime,
    /// The contacted stays (lead ≥ 0) by how their first counted contact was made.
    pub method: beyond_rates::Channels,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fiscal_year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fiscal_year_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cutoff: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RulesInForce {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub discharge_notice_min_days: i64,
    pub survey_window: WindowMode,
    pub short_stay_max_days: Option<i64>,
    pub planned_respite_excluded: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Group {
    pub key: String,
    pub label: String,
    /// By municipality: the rules each group's stays were judged under.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RulesInForce>,
    pub admission: AdmissionFigures,
    pub discharge: DischargeFigures,
}

/// The survey's result, as `schemas/survey/v4.json` describes it (v3 without the municipalities,
/// v2 also without the channels and the figures beyond the rates, v1 also without
/// `hospital_in_city`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SurveyResult {
    pub period: Period,
    /// The rules of the survey: the municipality's asked for (in force at the period's end), else
    /// the deployment's; each stay was judged by its own municipality's (`judged_under`).
    pub rules: RulesInForce,
    /// Only the stays of this municipality's clients.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub municipality_name: Option<String>,
    /// Every rule set that judged stays, with the municipality and the admission days it judged.
    pub judged_under: Vec<judges::JudgedUnder>,
    pub admission: AdmissionFigures,
    pub discharge: DischargeFigures,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<GroupBy>,
    pub groups: Vec<Group>,
    /// Per document kind, the documents sent in the period and how fast they were read.
    pub speed: Vec<beyond_rates::KindSpeed>,
    /// Per facility kind, the facilities that take part.
    pub participation: Vec<beyond_rates::KindParticipation>,
    /// The stays admitted without a care office (pathway B), outside the cohorts.
    pub without_care_manager: beyond_rates::WithoutCareManager,
}

impl SurveyResult {
    /// The days ahead a discharge contact is on time, when every stay was judged by the same
    /// number; none when a region's rules differ (the figures then say 期限 instead).
    pub fn notice_days(&self) -> Option<i64> {
        let mut days = self.judged_under.iter().map(|u| u.rules.discharge_notice_min_days);
        let first = days.next().unwrap_or(self.rules.discharge_notice_min_days);
        days.all(|n| n == first).then_some(first)
    }

    /// 「5日前」, or 「期限」 when the rules differ: the heading of the on-time figures.
    pub fn on_time_words(&self) -> String {
        self.notice_days().map_or_else(|| "期限".to_owned(), |n| format!("{n}日前"))
    }
}

fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl AdmissionFigures {
    fn add(&mut self, bucket: &str, count: i64) {
        let t = &mut self.timing;
        match bucket {
            "excluded" => self.excluded += count,
            "same_day" => t.same_day += count,
            "day_2_3" => t.day_2_3 += count,
            "later" => t.later += count,
            "unknown" => t.unknown += count,
            _ => t.none += count,
        }
    }

    fn finish(&mut self) {
        let t = &self.timing;
        self.contacted = t.same_day + t.day_2_3 + t.later + t.unknown;
        self.cohort = self.contacted + t.none;
        self.rate = rate(self.contacted, self.cohort);
    }
}

impl DischargeFigures {
    fn add(&mut self, bucket: &str, on_time: bool, count: i64) {
        let l = &mut self.lead_time;
        match bucket {
            "excluded" => self.excluded += count,
            "died" => self.died += count,
            "8+" => l.days_8_plus += count,
            "5-7" => l.days_5_7 += count,
            "2-4" => l.days_2_4 += count,
            "1" => l.day_before += count,
            "0" => l.same_day += count,
            "after" => l.after += count,
            "unknown" => l.unknown += count,
            _ => l.none += count,
        }
        if on_time && matches!(bucket, "8+" | "5-7" | "2-4" | "1" | "0") {
            self.on_time += count;
        }
    }

    fn finish(&mut self) {
        let l = &self.lead_time;
        self.contacted = l.days_8_plus + l.days_5_7 + l.days_2_4 + l.day_before + l.same_day;
        self.cohort = self.contacted + l.after + l.unknown + l.none;
        self.rate = rate(self.contacted, self.cohort);
        self.on_time_rate = rate(self.on_time, self.cohort);
    }
}

/// Computes the survey for the period under the rules.
pub fn compute(conn: &mut DbConnection, rules: &RuleSet, query: &SurveyQuery) -> Result<SurveyResult, AppError> {
    compute_from(conn, rules, query, store::Source::Fastest)
}

/// Computes the survey from the chosen source: `compute` takes the fastest; the stays
/// themselves are the reference that tests check the daily counts against.
pub fn compute_from(
    conn: &mut DbConnection,
    rules: &RuleSet,
    query: &SurveyQuery,
    source: store::Source,
) -> Result<SurveyResult, AppError> {
    compute_extent(conn, rules, query, source, Extent::Full)
}

/// How much of the survey to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extent {
    /// Everything: the channels need the pass over the stays (the daily counts keep no
    /// methods), so `Source::Fastest` reads the stays too.
    Full,
    /// Only the rates: the report's breakdowns and fiscal years show nothing else, and their
    /// channels and figures beyond the rates are left empty.
    RatesOnly,
}

/// Computes the survey to the extent asked, from the source asked (`RatesOnly` from the daily
/// counts where they answer: what the tests check them against the stays with).
pub fn compute_extent(
    conn: &mut DbConnection,
    rules: &RuleSet,
    query: &SurveyQuery,
    source: store::Source,
    extent: Extent,
) -> Result<SurveyResult, AppError> {
    store::one_snapshot(conn, |conn| compute_in_snapshot(conn, rules, query, source, extent))
}

/// `compute_extent`, its reads in one snapshot (the counts first: see `store::count`).
fn compute_in_snapshot(
    conn: &mut DbConnection,
    rules: &RuleSet,
    query: &SurveyQuery,
    source: store::Source,
    extent: Extent,
) -> Result<SurveyResult, AppError> {
    let judges = judges::of(conn, rules, query.municipality.as_deref(), query.to)?;
    let window = store::Window::of(&judges.headline, query.from, query.to);
    let channels = extent == Extent::Full;
    let mut counts = store::Counts::default();
    for pass in &judges.passes {
        let pass_window = store::Window::of(&pass.rules, query.from, query.to);
        let filter = pass.filter.as_deref();
        counts.append(store::count(conn, &pass.rules, &pass_window, query.group_by, source, channels, filter)?);
    }
    let mut total_admission = AdmissionFigures::default();
    let mut total_discharge = DischargeFigures::default();
    let mut groups: BTreeMap<String, (AdmissionFigures, DischargeFigures)> = BTreeMap::new();
    for row in &counts.admission {
        total_admission.add(&row.bucket, row.n);
        groups.entry(group_key(query.group_by, &row.key)).or_default().0.add(&row.bucket, row.n);
    }
    for row in &counts.in_hospital {
        total_discharge.in_hospital += row.n;
        groups.entry(group_key(query.group_by, &row.key)).or_default().1.in_hospital += row.n;
    }
    for row in &counts.discharge {
        total_discharge.add(&row.bucket, row.flag == 1, row.n);
        groups.entry(group_key(query.group_by, &row.key)).or_default().1.add(&row.bucket, row.flag == 1, row.n);
    }
    // Only a full survey tells the channels (a pass over the stays has them either way).
    let no_channels = store::ChannelCounts::default();
    let channels_counted = if channels { &counts.channels } else { &no_channels };
    for row in &channels_counted.admission {
        total_admission.method.add(row.rank, row.n);
        groups.entry(group_key(query.group_by, &row.key)).or_default().0.method.add(row.rank, row.n);
    }
    for row in &channels_counted.discharge {
        total_discharge.method.add(row.rank, row.n);
        groups.entry(group_key(query.group_by, &row.key)).or_default().1.method.add(row.rank, row.n);
    }
    total_admission.finish();
    total_discharge.finish();
    let labels = match query.group_by {
        Some(group_by) => store::labels(conn, group_by, groups.keys())?,
        None => BTreeMap::new(),
    };
    let groups = match query.group_by {
        None => Vec::new(),
        Some(_) => groups
            .into_iter()
            .map(|(key, (mut admission, mut discharge))| {
                admission.finish();
                discharge.finish();
                let (key, label) = labels.get(&key).cloned().unwrap_or_else(|| (key.clone(), key.clone()));
                let rules = match query.group_by {
                    Some(GroupBy::Municipality) => judges.of_municipality(&key),
                    _ => Vec::new(),
                };
                Group { key, label, rules, admission, discharge }
            })
            .collect(),
    };
    let mut groups = groups;
    groups.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(SurveyResult {
        period: Period {
            from: query.from,
            to: query.to,
            fiscal_year: query.fiscal_year,
            fiscal_year_label: query.fiscal_year.map(periods::fiscal_year_label),
            cutoff: window.cutoff,
        },
        rules: judges.headline.in_force(),
        municipality: query.municipality.clone(),
        municipality_name: judges.municipality_name.clone(),
        judged_under: judges.under.clone(),
        admission: total_admission,
        discharge: total_discharge,
        group_by: query.group_by,
        groups,
        speed: if channels { beyond_rates::speed(conn, query.from, query.to)? } else { Vec::new() },
        participation: if channels { beyond_rates::participation(conn, query.from, query.to)? } else { Vec::new() },
        without_care_manager: if channels {
            beyond_rates::without_care_manager(conn, &judges.passes, query.from, query.to)?
        } else {
            beyond_rates::WithoutCareManager::default()
        },
    })
}

/// The group a database key falls in: days become months, care levels become 要支援/要介護.
fn group_key(group_by: Option<GroupBy>, key: &str) -> String {
    match group_by {
        None => String::new(),
        // A day number (the daily counts), or already a month (the pass over the stays).
        Some(GroupBy::Month) => key
            .parse::<i32>()
            .map_or_else(|_| key.to_owned(), |day| crate::calendar::from_day_number(day).format("%Y-%m").to_string()),
        Some(GroupBy::CareLevel) => care_level_group(key).to_owned(),
        Some(_) => key.to_owned(),
    }
}

/// 要支援1–2 → 要支援, 要介護1–5 → 要介護, anything else (申請中, 区分変更, 未申請, unknown) →
/// 申請中・その他: the 要介護 vs 要支援 breakdown of the surveys.
fn care_level_group(level: &str) -> &'static str {
    if level.starts_with("要支援") {
        "要支援"
    } else if level.starts_with("要介護") {
        "要介護"
    } else {
        "申請中・その他"
    }
}
