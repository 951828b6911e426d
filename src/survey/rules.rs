//! Handbook rules as versioned data: `schemas/handbook/rules/<id>.v<N>.json`, each validated
//! against `schemas/handbook/v1.json` when loaded. A deployment picks one with HANDBOOK_RULES;
//! every survey result reports the rules it was computed under.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::RulesInForce;

const HANDBOOK_SCHEMA: &str = include_str!("../../schemas/handbook/v1.json");

/// Every published rule set: name (`<id>.v<version>`) and file. A test checks this list against
/// the folder.
pub const PUBLISHED: &[(&str, &str)] = &[
    ("default.v1", include_str!("../../schemas/handbook/rules/default.v1.json")),
    ("paper-survey.v1", include_str!("../../schemas/handbook/rules/paper-survey.v1.json")),
    ("seven-days.v1", include_str!("../../schemas/handbook/rules/seven-days.v1.json")),
];

/// The names of the published rule sets (`default.v1`, …), as messages list them.
pub fn names() -> Vec<&'static str> {
    PUBLISHED.iter().map(|(name, _)| *name).collect()
}

/// The rule set used when HANDBOOK_RULES is not set.
pub const DEFAULT: &str = "default";

#[derive(Debug, Clone, Deserialize)]
pub struct RuleSet {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub region: Option<String>,
    pub effective_from: Option<NaiveDate>,
    pub source: Option<String>,
    /// A discharge contact is on time when made at least this many days before the discharge.
    pub discharge_notice_min_days: i64,
    pub admission_info_deadline: Deadline,
    pub discharge_contact_criteria: Vec<String>,
    pub caution_items: Vec<String>,
    pub exclusions: Exclusions,
    pub survey_window: SurveyWindow,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Deadline {
    /// 入院時情報連携加算 (2024): the admission day, or the next when admitted after hours.
    #[serde(rename = "kasan_2024")]
    Kasan2024 { business_days: Vec<String>, closing_time: String, holidays: Option<Vec<NaiveDate>> },
    /// Within K days, the admission day being day 1.
    WithinDays { days: i64 },
}

impl Deadline {
    /// The last day to send the admission sheet for a stay admitted on `admitted_on`;
    /// `closed_or_after_hours` when the admission was on a day that is not a business day of the
    /// care office, or after its closing time (`business_calendar::Offices::admission_deadline`).
    pub fn last_day(&self, admitted_on: NaiveDate, closed_or_after_hours: bool) -> NaiveDate {
        match self {
            Self::Kasan2024 { .. } if closed_or_after_hours => admitted_on + Duration::days(1),
            Self::Kasan2024 { .. } => admitted_on,
            Self::WithinDays { days } => admitted_on + Duration::days((days - 1).max(0)),
        }
    }

    /// How the rule is named to users (in mails, on the rules page).
    pub fn describe(&self) -> String {
        match self {
            Self::Kasan2024 { .. } => "入院時情報連携加算(Ⅰ)：入院日まで（営業時間外・休業日の入院は翌日まで）".into(),
            Self::WithinDays { days } => format!("入院日を1日目として{days}日以内"),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Exclusions {
    pub short_stay_max_days: Option<i64>,
    pub planned_respite: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SurveyWindow {
    pub mode: WindowMode,
    pub follow_up_days: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowMode {
    /// Admissions by admission date, discharges by discharge date.
    Period,
    /// Admissions in the period, followed to a cut-off.
    AdmissionWindow,
}

impl RuleSet {
    pub fn name(&self) -> String {
        format!("{}.v{}", self.id, self.version)
    }

    pub fn in_force(&self) -> RulesInForce {
        RulesInForce {
            id: self.id.clone(),
            version: self.version,
            title: self.title.clone(),
            discharge_notice_min_days: self.discharge_notice_min_days,
            survey_window: self.survey_window.mode,
            short_stay_max_days: self.exclusions.short_stay_max_days,
            planned_respite_excluded: self.exclusions.planned_respite,
        }
    }
}

/// Whether `name` (`default`, or `default.v1`) names a published rule set.
pub fn is_known(name: &str) -> bool {
    PUBLISHED
        .iter()
        .any(|(published, _)| published == &name || published.split_once(".v").is_some_and(|(id, _)| id == name))
}

/// Every published rule set, loaded and validated once per process (they are compiled in: the
/// stays list, the reminders and the survey pick a stay's rules often).
pub fn load_all() -> anyhow::Result<Vec<RuleSet>> {
    static LOADED: std::sync::OnceLock<Result<Vec<RuleSet>, String>> = std::sync::OnceLock::new();
    LOADED.get_or_init(|| validate_all().map_err(|e| e.to_string())).clone().map_err(|e| anyhow::anyhow!(e))
}

/// Loads and validates every published rule set.
fn validate_all() -> anyhow::Result<Vec<RuleSet>> {
    let schema: serde_json::Value = serde_json::from_str(HANDBOOK_SCHEMA)?;
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| anyhow::anyhow!("schemas/handbook/v1.json: {e}"))?;
    PUBLISHED
        .iter()
        .map(|(name, text)| {
            let value: serde_json::Value = serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            let errors: Vec<String> =
                validator.iter_errors(&value).map(|e| format!("{} {e}", e.instance_path())).collect();
            if !errors.is_empty() {
                anyhow::bail!(
                    "schemas/handbook/rules/{name}.json does not follow schemas/handbook/v1.json: {}",
                    errors.join("; ")
                );
            }
            let rules: RuleSet = serde_json::from_value(value).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            if &rules.name() != name {
                anyhow::bail!("schemas/handbook/rules/{name}.json says it is {}", rules.name());
            }
            Ok(rules)
        })
        .collect()
}

/// The rule set named `name`: `id.vN`, or `id` for its newest version.
pub fn select(name: &str) -> anyhow::Result<RuleSet> {
    let all = load_all()?;
    all.iter()
        .filter(|r| r.name() == name || r.id == name)
        .max_by_key(|r| r.version)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("ルール {name} はありません。使えるもの: {}", names().join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kasan() -> Deadline {
        Deadline::Kasan2024 {
            business_days: ["mon", "tue", "wed", "thu", "fri"].map(String::from).to_vec(),
            closing_time: "17:30".into(),
            holidays: None,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn kasan_deadline_is_the_admission_day_or_the_next_when_closed_or_after_hours() {
        let wednesday = date(2026, 11, 25);
        assert_eq!(kasan().last_day(wednesday, false), wednesday);
        assert_eq!(kasan().last_day(wednesday, true), date(2026, 11, 26));
    }

    #[test]
    fn within_k_days_counts_the_admission_day_as_day_one() {
        let monday = date(2026, 11, 23);
        assert_eq!(Deadline::WithinDays { days: 3 }.last_day(monday, true), date(2026, 11, 25));
    }

    #[test]
    fn every_published_rule_set_follows_the_handbook_schema() {
        let all = load_all().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), PUBLISHED.len());
        let default = select(DEFAULT).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(default.discharge_notice_min_days, 5);
        assert_eq!(select("seven-days.v1").map(|r| r.discharge_notice_min_days).ok(), Some(7));
        assert!(select("nowhere").is_err());
        assert!(is_known("paper-survey") && is_known("paper-survey.v1") && !is_known("paper"));
    }
}
