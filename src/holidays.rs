//! Japan's national holidays (国民の祝日, 振替休日 and 国民の休日), as the Cabinet Office lists them
//! (内閣府「国民の祝日について」, syukujitsu.csv; docs/claims.md says where the carried copy
//! comes from). The binary carries the list up to the year it was built for; a newer file
//! from the Cabinet Office is imported without a new release (`renkei import holidays
//! syukujitsu.csv`), and for each year the imported file covers, its dates replace the carried
//! ones.

pub mod store;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};

use crate::db::DbConnection;

/// The Cabinet Office's file, converted to UTF-8.
const CARRIED: &str = include_str!("holidays/syukujitsu.csv");

/// The header of the Cabinet Office's file.
pub const COLUMNS: [&str; 2] = ["国民の祝日・休日月日", "国民の祝日・休日名称"];

/// The national holidays: date and name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Holidays {
    days: BTreeMap<NaiveDate, String>,
}

impl Holidays {
    /// The list the binary carries.
    pub fn carried() -> &'static Self {
        static CARRIED_LIST: OnceLock<Holidays> = OnceLock::new();
        CARRIED_LIST.get_or_init(|| {
            let days = CARRIED
                .lines()
                .skip(1)
                .filter_map(|line| {
                    let (date, name) = line.trim_end().split_once(',')?;
                    Some((parse_date(date)?, name.to_owned()))
                })
                .collect();
            Self { days }
        })
    }

    /// These holidays, with every year that `imported` covers replaced by its dates.
    pub fn replaced_by(&self, imported: impl IntoIterator<Item = (NaiveDate, String)>) -> Self {
        let imported: BTreeMap<NaiveDate, String> = imported.into_iter().collect();
        let years: BTreeSet<i32> = imported.keys().map(Datelike::year).collect();
        let mut days: BTreeMap<NaiveDate, String> =
            self.days.iter().filter(|(d, _)| !years.contains(&d.year())).map(|(d, n)| (*d, n.clone())).collect();
        days.extend(imported);
        Self { days }
    }

    /// The holiday's name, if `date` is a national holiday.
    pub fn name(&self, date: NaiveDate) -> Option<&str> {
        self.days.get(&date).map(String::as_str)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        self.days.contains_key(&date)
    }

    /// The last year the list covers.
    pub fn last_year(&self) -> Option<i32> {
        self.days.keys().next_back().map(Datelike::year)
    }

    /// The holidays from `from` to `to`, both included.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = (NaiveDate, &str)> {
        self.days.range(from..=to).map(|(d, n)| (*d, n.as_str()))
    }
}

/// The holidays in force: the carried list with the imported years.
pub fn load(conn: &mut DbConnection) -> diesel::QueryResult<Holidays> {
    let imported = store::all(conn)?;
    Ok(if imported.is_empty() { Holidays::carried().clone() } else { Holidays::carried().replaced_by(imported) })
}

/// A date as the Cabinet Office writes it (`2026/5/6`), or ISO (`2026-05-06`).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y/%m/%d").or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_carried_list_has_substitute_and_citizens_holidays() {
        let carried = Holidays::carried();
        assert_eq!(carried.name(date(2026, 5, 6)), Some("休日"), "振替休日 for 憲法記念日 on a Sunday");
        assert_eq!(carried.name(date(2026, 9, 22)), Some("休日"), "国民の休日 between 敬老の日 and 秋分の日");
        assert_eq!(carried.name(date(2025, 11, 24)), Some("休日"));
        assert_eq!(carried.name(date(2021, 7, 23)), Some("スポーツの日"), "moved for the Olympics");
        assert_eq!(carried.name(date(2026, 11, 23)), Some("勤労感謝の日"));
        assert!(!carried.contains(date(2026, 12, 29)), "the year end is no national holiday");
        assert!(!carried.contains(date(2026, 5, 7)));
        assert!(carried.last_year() >= Some(2027));
        assert!(carried.between(date(2027, 1, 1), date(2027, 12, 31)).count() >= 16);
    }

    #[test]
    fn an_imported_year_replaces_the_carried_one_whole() {
        let moved = Holidays::carried().replaced_by([(date(2026, 5, 7), "休日".to_owned())]);
        assert!(moved.contains(date(2026, 5, 7)));
        assert!(!moved.contains(date(2026, 5, 6)), "the imported year is the file's");
        assert!(!moved.contains(date(2026, 1, 1)));
        assert!(moved.contains(date(2025, 1, 1)), "other years stay as carried");
    }

    #[test]
    fn dates_are_read_as_the_cabinet_office_writes_them() {
        assert_eq!(parse_date("2026/5/6"), Some(date(2026, 5, 6)));
        assert_eq!(parse_date("2026-05-06"), Some(date(2026, 5, 6)));
        assert_eq!(parse_date("2026/2/30"), None);
    }
}
