//! Fiscal years (年度: April 1 to March 31) and Japanese era names (和暦), which no date crate
//! provides. The era table holds the first day of each era.

use chrono::{Datelike, NaiveDate};

/// The eras since Meiji's switch to the solar calendar, newest first: name and first day.
const ERAS: [(&str, i32, u32, u32); 5] =
    [("令和", 2019, 5, 1), ("平成", 1989, 1, 8), ("昭和", 1926, 12, 25), ("大正", 1912, 7, 30), ("明治", 1873, 1, 1)];

/// The period of fiscal year `year`: April 1 of `year` to March 31 of the next year.
pub fn fiscal_year(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((NaiveDate::from_ymd_opt(year, 4, 1)?, NaiveDate::from_ymd_opt(year + 1, 3, 31)?))
}

/// The fiscal year a period is exactly, if it is one.
pub fn fiscal_year_of_period(from: NaiveDate, to: NaiveDate) -> Option<i32> {
    let year = from.year();
    (fiscal_year(year) == Some((from, to))).then_some(year)
}

/// The fiscal year a date falls in.
pub fn fiscal_year_of(date: NaiveDate) -> i32 {
    if date.month() >= 4 { date.year() } else { date.year() - 1 }
}

fn era_year(name: &str, year: i32) -> String {
    if year == 1 { format!("{name}元年") } else { format!("{name}{year}年") }
}

/// 令和7年度 for 2025. Fiscal 2019 began under 平成 but is called 令和元年度, as the city
/// reports do; earlier years take the era of their April 1.
pub fn fiscal_year_label(year: i32) -> String {
    let april = NaiveDate::from_ymd_opt(year, 4, 1).unwrap_or_default();
    let (name, first_year) =
        if year >= 2019 { ("令和", 2019) } else { era_of(april).map_or(("", 0), |(n, y, ..)| (n, y)) };
    if name.is_empty() { format!("{year}年度") } else { format!("{}度", era_year(name, year - first_year + 1)) }
}

fn era_of(date: NaiveDate) -> Option<(&'static str, i32, u32, u32)> {
    ERAS.into_iter().find(|(_, y, m, d)| NaiveDate::from_ymd_opt(*y, *m, *d).is_some_and(|first| date >= first))
}

/// 令和7年4月1日 for 2025-04-01.
pub fn wareki(date: NaiveDate) -> String {
    match era_of(date) {
        Some((name, first_year, ..)) => {
            format!("{}{}月{}日", era_year(name, date.year() - first_year + 1), date.month(), date.day())
        }
        None => date.format("%Y年%-m月%-d日").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_fiscal_year_runs_from_april_to_march() {
        assert_eq!(fiscal_year(2025), Some((day("2025-04-01"), day("2026-03-31"))));
        assert_eq!(fiscal_year_of_period(day("2025-04-01"), day("2026-03-31")), Some(2025));
        assert_eq!(fiscal_year_of_period(day("2025-04-01"), day("2026-03-30")), None);
        assert_eq!(fiscal_year_of(day("2026-03-31")), 2025);
        assert_eq!(fiscal_year_of(day("2026-04-01")), 2026);
    }

    #[test]
    fn fiscal_years_are_named_in_the_japanese_era() {
        assert_eq!(fiscal_year_label(2025), "令和7年度");
        assert_eq!(fiscal_year_label(2019), "令和元年度");
        assert_eq!(fiscal_year_label(2018), "平成30年度");
        assert_eq!(fiscal_year_label(1988), "昭和63年度");
    }

    #[test]
    fn era_boundaries_fall_on_the_right_days() {
        assert_eq!(wareki(day("2019-04-30")), "平成31年4月30日");
        assert_eq!(wareki(day("2019-05-01")), "令和元年5月1日");
        assert_eq!(wareki(day("1989-01-07")), "昭和64年1月7日");
        assert_eq!(wareki(day("1989-01-08")), "平成元年1月8日");
        assert_eq!(wareki(day("1926-12-25")), "昭和元年12月25日");
        assert_eq!(wareki(day("2025-04-01")), "令和7年4月1日");
    }
}
