//! A care office's business calendar (営業日・営業時間, set down in its 運営規程): the business
//! weekdays, the closing time, whether national holidays are closed, and the office's own closed
//! days. The 入院時情報連携加算 (`claims`) and the admission-sheet deadline of the reminders read
//! it. An office that has not set one has the default of DOMAIN.md: Monday to Friday, closing
//! at 17:30, closed on national holidays and on 12/29–1/3 (the handbook's rule set may give
//! other weekdays, closing time and closed dates, `Offices::load`).

pub mod store;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::DbConnection;
use crate::error::FieldError;
use crate::holidays::Holidays;
use crate::survey::rules::{Deadline, RuleSet};

/// One closed period of an office: every year from one day to another (the range may run over
/// the year end, 12-29..01-03), or one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedDays {
    Yearly { from: (u32, u32), to: (u32, u32) },
    Date(NaiveDate),
}

impl ClosedDays {
    fn contains(self, date: NaiveDate) -> bool {
        match self {
            Self::Date(day) => day == date,
            Self::Yearly { from, to } => {
                let day = (date.month(), date.day());
                if from <= to { from <= day && day <= to } else { day >= from || day <= to }
            }
        }
    }

    /// As stored and as the API writes it: `12-29..01-03`, `08-14`, `2026-08-14`.
    pub fn text(self) -> String {
        match self {
            Self::Date(day) => day.format("%Y-%m-%d").to_string(),
            Self::Yearly { from, to } if from == to => format!("{:02}-{:02}", from.0, from.1),
            Self::Yearly { from, to } => format!("{:02}-{:02}..{:02}-{:02}", from.0, from.1, to.0, to.1),
        }
    }

    /// As a page's form shows it to be edited: 12/29〜1/3, 8/14, 2026/8/14 (`parse` reads it back).
    pub fn typed(self) -> String {
        match self {
            Self::Date(day) => format!("{}/{}/{}", day.year(), day.month(), day.day()),
            Self::Yearly { from, to } if from == to => format!("{}/{}", from.0, from.1),
            Self::Yearly { from, to } => format!("{}/{}〜{}/{}", from.0, from.1, to.0, to.1),
        }
    }

    /// As the pages write it: 毎年12月29日〜1月3日, 2026年8月14日.
    pub fn label(self) -> String {
        match self {
            Self::Date(day) => format!("{}年{}月{}日", day.year(), day.month(), day.day()),
            Self::Yearly { from, to } if from == to => format!("毎年{}月{}日", from.0, from.1),
            Self::Yearly { from, to } => format!("毎年{}月{}日〜{}月{}日", from.0, from.1, to.0, to.1),
        }
    }

    /// Reads `12-29..01-03`, `08-14` or `2026-08-14` (also with `/`, and `〜` or `~` for `..`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().replace('/', "-");
        let month_day = |t: &str| -> Option<(u32, u32)> {
            let (m, d) = t.trim().split_once('-')?;
            let (m, d) = (m.parse().ok()?, d.parse().ok()?);
            // A leap year, so that 02-29 is a day.
            NaiveDate::from_ymd_opt(2024, m, d).map(|_| (m, d))
        };
        if let Some((from, to)) =
            text.split_once("..").or_else(|| text.split_once('〜')).or_else(|| text.split_once('~'))
        {
            return Some(Self::Yearly { from: month_day(from)?, to: month_day(to)? });
        }
        if text.matches('-').count() == 2 {
            return NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok().map(Self::Date);
        }
        month_day(&text).map(|day| Self::Yearly { from: day, to: day })
    }
}

/// An office's business calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCalendar {
    /// Monday first.
    pub weekdays: Vec<Weekday>,
    pub closing_time: NaiveTime,
    pub national_holidays_closed: bool,
    pub closed_days: Vec<ClosedDays>,
}

/// The year end and new year, closed by default (12/29–1/3).
pub const YEAR_END: ClosedDays = ClosedDays::Yearly { from: (12, 29), to: (1, 3) };

impl Default for BusinessCalendar {
    fn default() -> Self {
        Self {
            weekdays: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            closing_time: NaiveTime::from_hms_opt(17, 30, 0).unwrap_or(NaiveTime::MIN),
            national_holidays_closed: true,
            closed_days: vec![YEAR_END],
        }
    }
}

const WEEKDAYS: [(Weekday, &str, &str); 7] = [
    (Weekday::Mon, "mon", "月"),
    (Weekday::Tue, "tue", "火"),
    (Weekday::Wed, "wed", "水"),
    (Weekday::Thu, "thu", "木"),
    (Weekday::Fri, "fri", "金"),
    (Weekday::Sat, "sat", "土"),
    (Weekday::Sun, "sun", "日"),
];

/// A weekday's key (`mon`) and Japanese name (`月`).
pub fn weekday_names(day: Weekday) -> (&'static str, &'static str) {
    WEEKDAYS.iter().find(|(d, ..)| *d == day).map_or(("", ""), |(_, key, name)| (key, name))
}

fn weekday_of(key: &str) -> Option<Weekday> {
    let key = key.trim().to_lowercase();
    WEEKDAYS.iter().find(|(_, k, name)| *k == key || *name == key).map(|(d, ..)| *d)
}

impl BusinessCalendar {
    /// Whether `date` is a business day: a business weekday that is not closed.
    pub fn is_business_day(&self, date: NaiveDate, holidays: &Holidays) -> bool {
        self.weekdays.contains(&date.weekday())
            && !(self.national_holidays_closed && holidays.contains(date))
            && !self.closed_days.iter().any(|c| c.contains(date))
    }

    /// Whether an admission at `time` (Japan) on `date` was after hours: on a business day, at or
    /// after the closing time.
    pub fn after_hours(&self, date: NaiveDate, time: NaiveTime, holidays: &Holidays) -> bool {
        self.is_business_day(date, holidays) && time >= self.closing_time
    }

    /// The calendar as the API and the import write it.
    pub fn settings(&self) -> CalendarSettings {
        CalendarSettings {
            weekdays: self.weekdays.iter().map(|d| weekday_names(*d).0.to_owned()).collect(),
            closing_time: self.closing_time.format("%H:%M").to_string(),
            national_holidays: if self.national_holidays_closed { "closed" } else { "open" }.into(),
            closed_days: self.closed_days.iter().map(|c| c.text()).collect(),
        }
    }

    /// How a page says it: 月〜金（17:30まで）、祝日休み、毎年12月29日〜1月3日休み.
    pub fn describe(&self) -> String {
        let days: String = self.weekdays.iter().map(|d| weekday_names(*d).1).collect::<Vec<_>>().join("・");
        let mut text = format!("営業日：{days}（{}まで）", self.closing_time.format("%H:%M"));
        text.push_str(if self.national_holidays_closed { "、祝日は休み" } else { "、祝日も営業" });
        if !self.closed_days.is_empty() {
            let closed: Vec<String> = self.closed_days.iter().map(|c| c.label()).collect();
            text.push_str(&format!("、休業日：{}", closed.join("・")));
        }
        text
    }
}

/// A business calendar as the API and the import write it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarSettings {
    /// Business weekdays: `mon` … `sun`.
    pub weekdays: Vec<String>,
    /// Closing time, `HH:MM` in Japan time: an admission at or after it is after hours.
    pub closing_time: String,
    /// `closed` (default) or `open` on national holidays.
    pub national_holidays: String,
    /// The office's own closed days: `MM-DD..MM-DD` every year (may run over the year end),
    /// `MM-DD` every year, or `YYYY-MM-DD` once.
    #[serde(default)]
    pub closed_days: Vec<String>,
}

/// An office's calendar as the API answers it: the settings, and whether the office set them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfficeCalendar {
    pub weekdays: Vec<String>,
    pub closing_time: String,
    pub national_holidays: String,
    pub closed_days: Vec<String>,
    /// Whether the office set its calendar (false: the default applies).
    pub set: bool,
}

impl OfficeCalendar {
    pub fn new(settings: CalendarSettings, set: bool) -> Self {
        let CalendarSettings { weekdays, closing_time, national_holidays, closed_days } = settings;
        Self { weekdays, closing_time, national_holidays, closed_days, set }
    }

    pub fn settings(&self) -> CalendarSettings {
        CalendarSettings {
            weekdays: self.weekdays.clone(),
            closing_time: self.closing_time.clone(),
            national_holidays: self.national_holidays.clone(),
            closed_days: self.closed_days.clone(),
        }
    }
}

impl CalendarSettings {
    /// The calendar these settings describe, or what is wrong with them (by field, in Japanese).
    pub fn read(&self) -> Result<BusinessCalendar, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut weekdays = Vec::new();
        for (i, key) in self.weekdays.iter().enumerate() {
            match weekday_of(key) {
                Some(day) if !weekdays.contains(&day) => weekdays.push(day),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    format!("/weekdays/{i}"),
                    "enum",
                    format!("「営業日」の「{key}」は曜日として読めません（mon〜sun）"),
                )),
            }
        }
        if self.weekdays.is_empty() {
            errors.push(FieldError::new("/weekdays", "minItems", "「営業日」を1つ以上選んでください"));
        }
        weekdays.sort_by_key(Weekday::num_days_from_monday);
        let closing_time = NaiveTime::parse_from_str(self.closing_time.trim(), "%H:%M").ok();
        if closing_time.is_none() {
            errors.push(FieldError::new("/closing_time", "format", "「営業終了時刻」を 17:30 の形で入力してください"));
        }
        let national_holidays_closed = match self.national_holidays.trim() {
            "closed" => true,
            "open" => false,
            _ => {
                errors.push(FieldError::new(
                    "/national_holidays",
                    "enum",
                    "「祝日」は休み（closed）か営業（open）です",
                ));
                true
            }
        };
        let mut closed_days = Vec::new();
        for (i, text) in self.closed_days.iter().enumerate().filter(|(_, t)| !t.trim().is_empty()) {
            match ClosedDays::parse(text) {
                Some(days) if !closed_days.contains(&days) => closed_days.push(days),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    format!("/closed_days/{i}"),
                    "format",
                    format!("「休業日」の「{text}」を読めません（12/29〜1/3、8/14、2026/8/14 の形）"),
                )),
            }
        }
        match closing_time {
            Some(closing_time) if errors.is_empty() => {
                Ok(BusinessCalendar { weekdays, closing_time, national_holidays_closed, closed_days })
            }
            _ => Err(errors),
        }
    }
}

/// Every office's calendar and the national holidays: what the 加算 and the deadlines read.
#[derive(Debug, Clone, Default)]
pub struct Offices {
    pub holidays: Holidays,
    set: HashMap<Uuid, BusinessCalendar>,
    default: BusinessCalendar,
}

impl Offices {
    /// The calendars set by the offices, the holidays in force, and the default of the rule set
    /// in force for the others.
    pub fn load(conn: &mut DbConnection, rules: &RuleSet) -> diesel::QueryResult<Self> {
        Ok(Self {
            holidays: crate::holidays::load(conn)?,
            set: store::all(conn)?,
            default: default_of(&rules.admission_info_deadline),
        })
    }

    /// The calendar of `office`, or the default.
    pub fn of(&self, office: Option<Uuid>) -> &BusinessCalendar {
        office.and_then(|id| self.set.get(&id)).unwrap_or(&self.default)
    }

    /// Whether `office` has set its own calendar.
    pub fn is_set(&self, office: Uuid) -> bool {
        self.set.contains_key(&office)
    }

    pub fn default_calendar(&self) -> &BusinessCalendar {
        &self.default
    }

    /// Whether `date` is a business day of `office`.
    pub fn is_business_day(&self, office: Option<Uuid>, date: NaiveDate) -> bool {
        self.of(office).is_business_day(date, &self.holidays)
    }

    /// The last day to send the admission sheet for a stay of `office` admitted on `admitted_on`
    /// (at `admitted_at`, a UTC instant, when known), under the rule set's deadline.
    pub fn admission_deadline(
        &self,
        rules: &RuleSet,
        office: Option<Uuid>,
        admitted_on: NaiveDate,
        admitted_at: Option<chrono::NaiveDateTime>,
    ) -> NaiveDate {
        let calendar = self.of(office);
        let closed = !calendar.is_business_day(admitted_on, &self.holidays);
        let after_hours = admitted_at.map(crate::calendar::in_japan).is_some_and(|at| {
            at.date_naive() == admitted_on && calendar.after_hours(admitted_on, at.time(), &self.holidays)
        });
        rules.admission_info_deadline.last_day(admitted_on, closed || after_hours)
    }

    #[cfg(test)]
    pub fn with(holidays: Holidays, set: HashMap<Uuid, BusinessCalendar>) -> Self {
        Self { holidays, set, default: BusinessCalendar::default() }
    }
}

/// The default calendar under a rule set's admission-sheet deadline: DOMAIN.md's, with the
/// weekdays, closing time and closed dates of a 加算 deadline rule when it gives them.
pub fn default_of(deadline: &Deadline) -> BusinessCalendar {
    let mut calendar = BusinessCalendar::default();
    if let Deadline::Kasan2024 { business_days, closing_time, holidays } = deadline {
        let weekdays: Vec<Weekday> = business_days.iter().filter_map(|d| weekday_of(d)).collect();
        if !weekdays.is_empty() {
            calendar.weekdays = weekdays;
        }
        if let Ok(time) = NaiveTime::parse_from_str(closing_time, "%H:%M") {
            calendar.closing_time = time;
        }
        calendar.closed_days.extend(holidays.iter().flatten().map(|d| ClosedDays::Date(*d)));
    }
    calendar
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_default_closes_weekends_national_holidays_and_the_year_end() {
        let calendar = BusinessCalendar::default();
        let holidays = Holidays::carried();
        assert!(calendar.is_business_day(date(2026, 12, 7), holidays), "a Monday");
        assert!(!calendar.is_business_day(date(2026, 12, 5), holidays), "a Saturday");
        assert!(!calendar.is_business_day(date(2026, 5, 6), holidays), "振替休日");
        assert!(!calendar.is_business_day(date(2026, 9, 22), holidays), "国民の休日");
        assert!(!calendar.is_business_day(date(2026, 12, 29), holidays), "year end");
        assert!(!calendar.is_business_day(date(2027, 1, 4), holidays) || date(2027, 1, 4).weekday() == Weekday::Mon);
        assert!(calendar.is_business_day(date(2026, 12, 28), holidays));
        assert!(!calendar.is_business_day(date(2026, 1, 2), holidays));
        assert!(calendar.is_business_day(date(2026, 1, 5), holidays), "the first Monday after 1/3");
    }

    #[test]
    fn after_hours_is_at_or_after_closing_on_a_business_day() {
        let calendar = BusinessCalendar::default();
        let holidays = Holidays::carried();
        let time = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        assert!(calendar.after_hours(date(2026, 12, 7), time(17, 30), holidays));
        assert!(!calendar.after_hours(date(2026, 12, 7), time(17, 29), holidays));
        assert!(!calendar.after_hours(date(2026, 12, 6), time(20, 0), holidays), "a Sunday is no business day");
    }

    #[test]
    fn settings_are_read_with_every_problem_named() {
        let settings = CalendarSettings {
            weekdays: vec!["mon".into(), "土".into(), "funday".into()],
            closing_time: "25:00".into(),
            national_holidays: "maybe".into(),
            closed_days: vec!["12-29..01-03".into(), "2026-02-30".into()],
        };
        let errors = settings.read().err().unwrap_or_default();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/weekdays/2", "/closing_time", "/national_holidays", "/closed_days/1"]);
        let good = CalendarSettings {
            weekdays: vec!["sat".into(), "mon".into()],
            closing_time: "18:00".into(),
            national_holidays: "open".into(),
            closed_days: vec!["08-13..08-15".into(), "2026-08-20".into()],
        };
        let calendar = good.read().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(calendar.weekdays, [Weekday::Mon, Weekday::Sat]);
        let holidays = Holidays::carried();
        assert!(calendar.is_business_day(date(2026, 11, 23), holidays), "勤労感謝の日, a Monday, open");
        assert!(!calendar.is_business_day(date(2026, 8, 15), holidays), "お盆, a Saturday, closed");
        assert!(calendar.is_business_day(date(2026, 8, 22), holidays));
        assert_eq!(calendar.settings().closed_days, ["08-13..08-15", "2026-08-20"]);
        assert!(calendar.describe().contains("月・土（18:00まで）"));
        for days in &calendar.closed_days {
            assert_eq!(ClosedDays::parse(&days.typed()), Some(*days), "{}", days.typed());
        }
        assert_eq!(ClosedDays::parse("12/29〜1/3"), Some(YEAR_END));
    }
}
