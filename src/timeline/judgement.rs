//! Lead times against the handbook rules, in the words the stay's timeline and the stays list
//! show: 「退院5日前ルール: 3日前に連絡（未達）」, 「入院時情報提供: 入院2日目に提供（期限内）」.
//! Pure functions of dates: the rules in force give the threshold N and the admission-sheet
//! deadline (`Deadline::last_day`, the same day the reminders use).

use chrono::NaiveDate;
use serde::Serialize;

/// How a contact stands against its rule (the badge's colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// 達成 / 期限内
    Met,
    /// 未達 / 期限超過, or no contact and the deadline has passed
    Missed,
    /// A discharge contact made after the discharge
    After,
    /// No date to judge by (an undated paper record, no discharge date yet)
    Unknown,
    /// No contact yet, still in time
    Waiting,
}

impl Standing {
    /// The CSS class of the badge (app.css: ok, danger, warn, plain).
    pub fn badge(self) -> &'static str {
        match self {
            Self::Met => "ok",
            Self::Missed | Self::After => "danger",
            Self::Waiting => "warn",
            Self::Unknown => "",
        }
    }
}

/// A lead time in words, and how it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    pub text: String,
    pub standing: Standing,
    pub badge: &'static str,
}

impl Judgement {
    fn new(text: String, standing: Standing) -> Self {
        Self { text, standing, badge: standing.badge() }
    }
}

/// The day a discharge contact is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DischargeDay {
    /// 退院日 recorded by the hospital.
    Actual(NaiveDate),
    /// 退院予定日 only: the judgement may still change.
    Planned(NaiveDate),
    /// Neither yet.
    Unknown,
}

impl DischargeDay {
    pub fn of(discharged_on: Option<NaiveDate>, planned_on: Option<NaiveDate>) -> Self {
        match (discharged_on, planned_on) {
            (Some(day), _) => Self::Actual(day),
            (None, Some(day)) => Self::Planned(day),
            (None, None) => Self::Unknown,
        }
    }
}

/// `11月23日`: dates inside one stay's story.
pub fn short_date(day: NaiveDate) -> String {
    day.format("%-m月%-d日").to_string()
}

/// A discharge contact (退院連絡, カンファレンス, 診療情報提供書) made on `contacted_on`, against
/// the rule that it comes at least `min_days` days before the discharge.
pub fn discharge_contact(min_days: i64, contacted_on: Option<NaiveDate>, discharge: DischargeDay) -> Judgement {
    let rule = format!("退院{min_days}日前ルール: ");
    let Some(contacted) = contacted_on else {
        return Judgement::new(format!("{rule}連絡日不明（判定できません）"), Standing::Unknown);
    };
    let (day, planned) = match discharge {
        DischargeDay::Actual(day) => (day, false),
        DischargeDay::Planned(day) => (day, true),
        DischargeDay::Unknown => {
            return Judgement::new(format!("{rule}退院日が未定のため判定できません"), Standing::Unknown);
        }
    };
    let lead = (day - contacted).num_days();
    let when = match lead {
        0 => "当日に連絡".to_owned(),
        1 => "前日に連絡".to_owned(),
        n if n < 0 => format!("退院{}日後に連絡", -n),
        n => format!("{n}日前に連絡"),
    };
    let (word, standing) = if lead < 0 {
        ("退院後", Standing::After)
    } else if lead >= min_days {
        ("達成", Standing::Met)
    } else {
        ("未達", Standing::Missed)
    };
    let basis = if planned { "・退院予定日で判定" } else { "" };
    Judgement::new(format!("{rule}{when}（{word}{basis}）"), standing)
}

/// The discharge side of a stay without any discharge contact yet, as of `today`.
pub fn discharge_missing(min_days: i64, discharge: DischargeDay, today: NaiveDate) -> Judgement {
    let rule = format!("退院{min_days}日前ルール: ");
    match discharge {
        DischargeDay::Actual(_) => Judgement::new(format!("{rule}連絡なし（未達）"), Standing::Missed),
        DischargeDay::Planned(day) => {
            let deadline = day - chrono::Duration::days(min_days);
            if today <= deadline {
                Judgement::new(format!("{rule}{}までに連絡を（未連絡）", short_date(deadline)), Standing::Waiting)
            } else {
                Judgement::new(format!("{rule}期限{}を過ぎています（未連絡）", short_date(deadline)), Standing::Missed)
            }
        }
        DischargeDay::Unknown => Judgement::new(format!("{rule}退院日未定（未連絡）"), Standing::Waiting),
    }
}

/// An admission sheet (入院時情報提供) provided on `provided_on` for a stay admitted on
/// `admitted_on`, whose deadline under the rules is `deadline`. Day 1 is the admission day.
pub fn admission_sheet(admitted_on: NaiveDate, deadline: NaiveDate, provided_on: Option<NaiveDate>) -> Judgement {
    const RULE: &str = "入院時情報提供: ";
    let Some(provided) = provided_on else {
        return Judgement::new(format!("{RULE}提供日不明（判定できません）"), Standing::Unknown);
    };
    let day = (provided - admitted_on).num_days() + 1;
    let when = match day {
        d if d <= 0 => "入院前に提供".to_owned(),
        1 => "入院当日に提供".to_owned(),
        d => format!("入院{d}日目に提供"),
    };
    if provided <= deadline {
        Judgement::new(format!("{RULE}{when}（期限内）"), Standing::Met)
    } else {
        Judgement::new(format!("{RULE}{when}（期限超過）"), Standing::Missed)
    }
}

/// The admission side of a stay without an admission sheet yet, as of `today`.
pub fn admission_sheet_missing(deadline: NaiveDate, today: NaiveDate) -> Judgement {
    const RULE: &str = "入院時情報提供: ";
    if today <= deadline {
        Judgement::new(format!("{RULE}期限{}（未提供）", short_date(deadline)), Standing::Waiting)
    } else {
        Judgement::new(format!("{RULE}期限{}を過ぎています（未提供）", short_date(deadline)), Standing::Missed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    #[test]
    fn a_discharge_contact_early_enough_meets_the_rule() {
        let j = discharge_contact(5, Some(d(11, 13)), DischargeDay::Actual(d(11, 20)));
        assert_eq!(j.text, "退院5日前ルール: 7日前に連絡（達成）");
        assert_eq!(j.standing, Standing::Met);
        let exactly = discharge_contact(5, Some(d(11, 15)), DischargeDay::Actual(d(11, 20)));
        assert_eq!((exactly.text.as_str(), exactly.standing), ("退院5日前ルール: 5日前に連絡（達成）", Standing::Met));
    }

    #[test]
    fn a_late_discharge_contact_misses_it() {
        let j = discharge_contact(5, Some(d(11, 17)), DischargeDay::Actual(d(11, 20)));
        assert_eq!((j.text.as_str(), j.standing), ("退院5日前ルール: 3日前に連絡（未達）", Standing::Missed));
        assert_eq!(
            discharge_contact(7, Some(d(11, 19)), DischargeDay::Actual(d(11, 20))).text,
            "退院7日前ルール: 前日に連絡（未達）"
        );
        assert_eq!(
            discharge_contact(5, Some(d(11, 20)), DischargeDay::Actual(d(11, 20))).text,
            "退院5日前ルール: 当日に連絡（未達）"
        );
    }

    #[test]
    fn a_contact_after_the_discharge_says_so() {
        let j = discharge_contact(5, Some(d(11, 22)), DischargeDay::Actual(d(11, 20)));
        assert_eq!((j.text.as_str(), j.standing), ("退院5日前ルール: 退院2日後に連絡（退院後）", Standing::After));
    }

    #[test]
    fn undated_contacts_and_unknown_discharges_are_not_judged() {
        let undated = discharge_contact(5, None, DischargeDay::Actual(d(11, 20)));
        assert_eq!(
            (undated.text.as_str(), undated.standing),
            ("退院5日前ルール: 連絡日不明（判定できません）", Standing::Unknown)
        );
        let unknown = discharge_contact(5, Some(d(11, 20)), DischargeDay::Unknown);
        assert_eq!(unknown.standing, Standing::Unknown);
        assert_eq!(admission_sheet(d(11, 1), d(11, 1), None).text, "入院時情報提供: 提供日不明（判定できません）");
    }

    #[test]
    fn a_planned_discharge_is_named_as_the_basis() {
        let j = discharge_contact(5, Some(d(11, 10)), DischargeDay::Planned(d(11, 20)));
        assert_eq!(j.text, "退院5日前ルール: 10日前に連絡（達成・退院予定日で判定）");
    }

    #[test]
    fn stays_without_a_discharge_contact_show_what_is_due() {
        let planned = DischargeDay::Planned(d(11, 30));
        assert_eq!(discharge_missing(5, planned, d(11, 23)).text, "退院5日前ルール: 11月25日までに連絡を（未連絡）");
        assert_eq!(discharge_missing(5, planned, d(11, 26)).standing, Standing::Missed);
        assert_eq!(
            discharge_missing(5, DischargeDay::Actual(d(11, 20)), d(11, 26)).text,
            "退院5日前ルール: 連絡なし（未達）"
        );
    }

    #[test]
    fn the_admission_sheet_is_judged_against_its_deadline() {
        let j = admission_sheet(d(11, 20), d(11, 21), Some(d(11, 21)));
        assert_eq!((j.text.as_str(), j.standing), ("入院時情報提供: 入院2日目に提供（期限内）", Standing::Met));
        let late = admission_sheet(d(11, 20), d(11, 20), Some(d(11, 23)));
        assert_eq!(
            (late.text.as_str(), late.standing),
            ("入院時情報提供: 入院4日目に提供（期限超過）", Standing::Missed)
        );
        assert_eq!(
            admission_sheet(d(11, 20), d(11, 20), Some(d(11, 20))).text,
            "入院時情報提供: 入院当日に提供（期限内）"
        );
        assert_eq!(
            admission_sheet(d(11, 20), d(11, 20), Some(d(11, 18))).text,
            "入院時情報提供: 入院前に提供（期限内）"
        );
        assert_eq!(
            admission_sheet_missing(d(11, 20), d(11, 21)).text,
            "入院時情報提供: 期限11月20日を過ぎています（未提供）"
        );
    }
}
