//! The rows of the three import files, checked field by field. A row is either a typed record
//! or the list of what is wrong with it (in Japanese, naming the column).

use chrono::NaiveDate;

use crate::clients::CARE_LEVELS;
use crate::contacts::{ContactKind, Direction, Method};
use crate::directory::FacilityKind;
use crate::episodes::Destination;

pub use crate::contacts::ImportedContactRow as ContactRow;
pub use crate::directory::ImportedFacility as FacilityRow;
pub use crate::episodes::ImportedStayRow as EpisodeRow;

/// The columns of each file, in the order the header must give them.
pub const FACILITY_COLUMNS: [&str; 6] = ["code", "name", "kind", "area", "in_city", "municipality"];
/// The columns a facilities file must have; `municipality` (where it is) may be left out.
pub const FACILITY_REQUIRED: usize = 5;
pub const EPISODE_COLUMNS: [&str; 11] = [
    "episode_ref",
    "client_ref",
    "care_level",
    "care_office",
    "hospital",
    "admitted_on",
    "discharged_on",
    "destination",
    "excluded",
    // Optional (a file may leave them out): the admission time, HH:MM in Japan; the client's
    // municipality.
    "admitted_at",
    "municipality",
];
/// The columns a stays file must have; `admitted_at` and `municipality` may be left out.
pub const EPISODE_REQUIRED: usize = 9;
pub const CALENDAR_COLUMNS: [&str; 5] = ["care_office", "weekdays", "closing_time", "national_holidays", "closed_days"];
/// The municipalities of a region: code, name, the rule set in force (empty: the deployment's),
/// and optionally the day it took effect (empty: from the start).
pub const MUNICIPALITY_COLUMNS: [&str; 4] = ["code", "name", "rules", "rules_from"];
pub const MUNICIPALITY_REQUIRED: usize = 3;
pub const CONTACT_COLUMNS: [&str; 5] = ["episode_ref", "direction", "kind", "contacted_on", "method"];

/// Reads one field after another, collecting every problem instead of stopping at the first.
pub struct Fields<'a> {
    values: &'a [&'a str],
    columns: &'static [&'static str],
    pub problems: Vec<String>,
}

impl<'a> Fields<'a> {
    pub fn new(values: &'a [&'a str], columns: &'static [&'static str]) -> Self {
        Self { values, columns, problems: Vec::new() }
    }

    fn raw(&self, column: &str) -> &'a str {
        self.columns.iter().position(|c| *c == column).and_then(|i| self.values.get(i)).map_or("", |v| v.trim())
    }

    fn problem(&mut self, column: &str, what: String) {
        self.problems.push(format!("{column}: {what}"));
    }

    pub fn text(&mut self, column: &str, max: usize) -> String {
        let value = self.raw(column);
        if value.is_empty() {
            self.problem(column, "空欄です".into());
        } else if value.chars().count() > max {
            self.problem(column, format!("{max}文字を超えています"));
        } else if crate::forms::text::has_control(value) {
            self.problem(column, "改行やタブなどの制御文字は使えません".into());
        }
        value.to_owned()
    }

    pub fn optional_text(&mut self, column: &str) -> Option<String> {
        let value = self.raw(column);
        if crate::forms::text::has_control(value) {
            self.problem(column, "改行やタブなどの制御文字は使えません".into());
        }
        Some(value.to_owned()).filter(|v| !v.is_empty())
    }

    pub fn choice<T: std::str::FromStr>(&mut self, column: &str, allowed: &str) -> Option<T> {
        let value = self.raw(column);
        let parsed = value.parse().ok();
        if parsed.is_none() {
            self.problem(column, format!("\"{value}\" は使えません（{allowed}）"));
        }
        parsed
    }

    pub fn optional_choice<T: std::str::FromStr>(&mut self, column: &str, allowed: &str) -> Option<T> {
        if self.raw(column).is_empty() { None } else { self.choice(column, allowed) }
    }

    pub fn flag(&mut self, column: &str) -> bool {
        match self.raw(column) {
            "true" => true,
            "false" => false,
            other => {
                self.problem(column, format!("\"{other}\" は true か false で書いてください"));
                false
            }
        }
    }

    /// A time of day `HH:MM` in Japan on `day`, as the UTC instant stored.
    pub fn optional_time_on(&mut self, column: &str, day: NaiveDate) -> Option<chrono::NaiveDateTime> {
        let value = self.raw(column);
        if value.is_empty() {
            return None;
        }
        let time = chrono::NaiveTime::parse_from_str(value, "%H:%M").ok();
        if time.is_none() {
            self.problem(column, format!("\"{value}\" は 14:30 の形の時刻ではありません"));
        }
        time.map(|t| day.and_time(t) - chrono::Duration::hours(9))
    }

    /// A municipality's code, when the column gives one (whether it is registered is checked
    /// against the database by the import).
    pub fn optional_municipality(&mut self, column: &str) -> Option<String> {
        let value = self.raw(column);
        if value.is_empty() {
            return None;
        }
        if let Some(problem) = crate::municipalities::code_problem(value) {
            self.problem(column, problem);
        }
        Some(value.to_owned())
    }

    pub fn optional_date(&mut self, column: &str, today: NaiveDate) -> Option<NaiveDate> {
        let value = self.raw(column);
        if value.is_empty() {
            return None;
        }
        match parse_date(value) {
            Ok(date) if date > today => {
                self.problem(column, format!("{date} は未来の日付です"));
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                self.problem(column, format!("\"{value}\" は実在する YYYY-MM-DD の日付ではありません"));
                None
            }
        }
    }
}

/// A date written `YYYY-MM-DD`: the exact ten characters read directly (millions of them in an
/// import; chrono's parser reads its format string each time), anything else by chrono's
/// `%Y-%m-%d`, which is what decides.
fn parse_date(value: &str) -> chrono::ParseResult<NaiveDate> {
    let exact = |bytes: &[u8]| {
        let number = |digits: &[u8]| {
            digits.iter().try_fold(0_u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
        };
        match bytes {
            [y @ .., b'-', m1, m2, b'-', d1, d2] if y.len() == 4 => {
                NaiveDate::from_ymd_opt(i32::try_from(number(y)?).ok()?, number(&[*m1, *m2])?, number(&[*d1, *d2])?)
            }
            _ => None,
        }
    };
    exact(value.as_bytes()).map_or_else(|| NaiveDate::parse_from_str(value, "%Y-%m-%d"), Ok)
}

pub fn facility(values: &[&str]) -> Result<FacilityRow, Vec<String>> {
    let mut f = Fields::new(values, &FACILITY_COLUMNS);
    let code = f.text("code", 40);
    let name = f.text("name", 200);
    let kind: Option<FacilityKind> = f.choice("kind", "hospital, care_office, support_center, small_multi");
    if kind == Some(FacilityKind::City) {
        f.problem("kind", "\"city\" は取り込めません（hospital, care_office, support_center, small_multi）".into());
    }
    let area = f.optional_text("area");
    let in_city = f.flag("in_city");
    let municipality = f.optional_municipality("municipality");
    match kind {
        Some(kind) if f.problems.is_empty() => Ok(FacilityRow { code, name, kind, area, in_city, municipality }),
        _ => Err(f.problems),
    }
}

pub fn episode(values: &[&str], today: NaiveDate) -> Result<EpisodeRow, Vec<String>> {
    let mut f = Fields::new(values, &EPISODE_COLUMNS);
    let episode_ref = f.text("episode_ref", 100);
    let client_ref = f.text("client_ref", 100);
    let care_level = match f.raw("care_level") {
        "" => None,
        level => {
            let known = CARE_LEVELS[..8].iter().find(|known| **known == level).copied();
            if known.is_none() {
                f.problem("care_level", format!("\"{level}\" は使えません（要支援1〜2、要介護1〜5、申請中、空欄）"));
            }
            known
        }
    };
    let care_office = f.optional_text("care_office");
    let hospital = f.text("hospital", 40);
    let admitted_on = f.optional_date("admitted_on", today);
    if admitted_on.is_none() && f.problems.iter().all(|p| !p.starts_with("admitted_on")) {
        f.problem("admitted_on", "空欄です".into());
    }
    let discharged_on = f.optional_date("discharged_on", today);
    let destination: Option<Destination> = f.optional_choice("destination", "home, facility, transfer, death, 空欄");
    let excluded = f.flag("excluded");
    let admitted_at = admitted_on.and_then(|day| f.optional_time_on("admitted_at", day));
    let municipality = f.optional_municipality("municipality");
    if let (Some(admitted), Some(discharged)) = (admitted_on, discharged_on)
        && discharged < admitted
    {
        f.problem("discharged_on", format!("退院日 {discharged} が入院日 {admitted} より前です"));
    }
    if destination.is_some() && discharged_on.is_none() && f.problems.iter().all(|p| !p.starts_with("discharged_on")) {
        f.problem("destination", "退院日が空欄なのに退院先があります".into());
    }
    match admitted_on {
        Some(admitted_on) if f.problems.is_empty() => Ok(EpisodeRow {
            episode_ref,
            client_ref,
            care_level,
            care_office,
            hospital,
            admitted_on,
            admitted_at,
            discharged_on,
            destination,
            excluded,
            municipality,
        }),
        _ => Err(f.problems),
    }
}

/// A municipality, with the rule set in force from a day (or from the start) when one is named.
pub fn municipality(values: &[&str]) -> Result<crate::municipalities::ImportedMunicipality, Vec<String>> {
    let f = Fields::new(values, &MUNICIPALITY_COLUMNS);
    let text = |column: &str| Some(f.raw(column).to_owned()).filter(|v| !v.is_empty());
    let input = crate::municipalities::MunicipalityInput {
        name: f.raw("name").to_owned(),
        rules: text("rules"),
        rules_from: text("rules_from"),
    };
    let published = crate::survey::rules::names();
    input.read(f.raw("code"), crate::survey::rules::is_known, &published).map_err(|errors| {
        errors.into_iter().map(|e| format!("{}: {}", e.pointer.trim_start_matches('/'), e.message)).collect()
    })
}

/// A care office's business calendar (`renkei import calendars`); the office by its code.
pub fn business_calendar(values: &[&str]) -> Result<(String, crate::business_calendar::BusinessCalendar), Vec<String>> {
    let mut f = Fields::new(values, &CALENDAR_COLUMNS);
    let office = f.text("care_office", 40);
    let settings = crate::business_calendar::CalendarSettings {
        weekdays: f.raw("weekdays").split_whitespace().map(str::to_owned).collect(),
        closing_time: f.raw("closing_time").to_owned(),
        national_holidays: f.raw("national_holidays").to_owned(),
        closed_days: f.raw("closed_days").split_whitespace().map(str::to_owned).collect(),
    };
    let calendar = settings.read().map_err(|errors| {
        let column = |pointer: &str| pointer.trim_start_matches('/').split('/').next().unwrap_or_default().to_owned();
        errors.into_iter().map(|e| format!("{}: {}", column(&e.pointer), e.message)).collect::<Vec<_>>()
    });
    match calendar {
        Ok(calendar) if f.problems.is_empty() => Ok((office, calendar)),
        Ok(_) => Err(f.problems),
        Err(mut problems) => {
            f.problems.append(&mut problems);
            Err(f.problems)
        }
    }
}

/// A national holiday as the Cabinet Office's file gives it: `2026/5/6,休日`.
pub fn holiday(values: &[&str]) -> Result<(NaiveDate, String), Vec<String>> {
    let [date, name] = [0, 1].map(|i| values.get(i).map_or("", |v| v.trim()));
    let mut problems = Vec::new();
    let day = crate::holidays::parse_date(date);
    if day.is_none() {
        problems.push(format!("{}: \"{date}\" は 2026/5/6 の形の日付ではありません", crate::holidays::COLUMNS[0]));
    }
    if name.is_empty() || crate::forms::text::has_control(name) || name.chars().count() > 40 {
        problems.push(format!("{}: 空欄か、40文字を超えています", crate::holidays::COLUMNS[1]));
    }
    match day {
        Some(day) if problems.is_empty() => Ok((day, name.to_owned())),
        _ => Err(problems),
    }
}

pub fn contact(values: &[&str], today: NaiveDate) -> Result<ContactRow, Vec<String>> {
    let mut f = Fields::new(values, &CONTACT_COLUMNS);
    let episode_ref = f.text("episode_ref", 100);
    let direction: Option<Direction> = f.choice("direction", "cm_to_hospital, hospital_to_cm");
    let kind: Option<ContactKind> = f.choice(
        "kind",
        "admission_info, admission_notice, discharge_notice, discharge_conference, discharge_referral, other",
    );
    let contacted_on = f.optional_date("contacted_on", today);
    let method: Option<Method> = f.choice("method", "system, fax, phone, visit, mail, video, conference");
    match (direction, kind, method) {
        (Some(direction), Some(kind), Some(method)) if f.problems.is_empty() => {
            Ok(ContactRow { episode_ref, direction, kind, contacted_on, method })
        }
        _ => Err(f.problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default()
    }

    #[test]
    fn a_good_episode_row_is_read() {
        let read =
            episode(&["E1", "C1", "要介護2", "K01", "H01", "2025-04-01", "2025-04-20", "home", "false"], today());
        assert_eq!(
            read.map(|r| (r.discharged_on.map(|d| d.to_string()), r.destination)),
            Ok((Some("2025-04-20".into()), Some(Destination::Home)))
        );
        let open = episode(&["E2", "C2", "", "", "H01", "2025-04-01", "", "", "true"], today());
        assert!(open.is_ok_and(|r| r.care_office.is_none() && r.excluded));
    }

    #[test]
    fn a_municipality_names_its_rules_and_the_day_they_took_effect() {
        let read = municipality(&["024465", "階上町", "seven-days", "2025-07-01"]).unwrap_or_else(|p| panic!("{p:?}"));
        let rules = read.rules.unwrap_or_else(|| panic!("rules"));
        assert_eq!((rules.rules.as_str(), rules.effective_from.to_string()), ("seven-days", "2025-07-01".into()));
        let from_the_start = municipality(&["022039", "八戸市", "default.v1"]).unwrap_or_else(|p| panic!("{p:?}"));
        assert_eq!(from_the_start.rules.map(|r| r.effective_from), Some(crate::municipalities::FROM_THE_START));
        assert!(municipality(&["024236", "新郷村", ""]).is_ok_and(|m| m.rules.is_none()));
        let problems = municipality(&["02 44", "", "nine-days", "2025-02-30"]).err().unwrap_or_default();
        let columns: Vec<&str> = problems.iter().map(|p| p.split(':').next().unwrap_or_default()).collect();
        assert_eq!(columns, ["code", "name", "rules", "rules_from"]);
        assert!(municipality(&["1", "町", "", "2025-01-01"]).is_err_and(|p| p[0].starts_with("rules_from")));
    }

    #[test]
    fn every_problem_of_a_row_is_named() {
        let problems =
            episode(&["E1", "", "要介護9", "K01", "H01", "2025-02-30", "2025-01-01", "home", "yes"], today())
                .err()
                .unwrap_or_default();
        let columns: Vec<&str> = problems.iter().map(|p| p.split(':').next().unwrap_or_default()).collect();
        assert_eq!(columns, ["client_ref", "care_level", "admitted_on", "excluded"]);
    }

    /// Dates read directly are read as chrono reads them: the same dates, the same refusals.
    #[test]
    fn dates_are_read_as_chrono_reads_them() {
        for text in [
            "2025-04-01",
            "2024-02-29",
            "2025-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-04-31",
            "0999-12-31",
            "2025-4-1",
            "2025/04/01",
            "20250401",
            "2025-04-01x",
            "+2025-04-01",
            "２０２５-04-01",
            "",
            "2025-04-0a",
        ] {
            assert_eq!(parse_date(text).ok(), NaiveDate::parse_from_str(text, "%Y-%m-%d").ok(), "{text}");
        }
    }

    #[test]
    fn a_discharge_before_admission_and_future_dates_are_refused() {
        let before = episode(&["E1", "C1", "", "K01", "H01", "2025-04-10", "2025-04-01", "home", "false"], today());
        assert!(before.is_err_and(|p| p[0].starts_with("discharged_on")));
        let future = contact(&["E1", "hospital_to_cm", "discharge_notice", "2027-01-01", "phone"], today());
        assert!(future.is_err_and(|p| p[0].contains("未来")));
        let undated = contact(&["E1", "cm_to_hospital", "admission_info", "", "fax"], today());
        assert!(undated.is_ok_and(|c| c.contacted_on.is_none()));
    }
}
