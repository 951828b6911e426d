//! Time and the calendar. Instants are stored in UTC; the calendar date that the handbook rules
//! and the survey use is the date in Japan, derived here and nowhere else. Japan has no daylight
//! saving time (none since 1951), so Asia/Tokyo is a fixed UTC+09:00.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// Japan Standard Time, UTC+09:00 (checked when compiling).
pub const JAPAN: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+09:00 is a valid offset"),
};

/// Now, in UTC, at the microsecond precision that both database engines keep.
pub fn now() -> NaiveDateTime {
    let now = Utc::now().naive_utc();
    now.with_nanosecond_micros()
}

/// The date in Japan of a UTC instant.
pub fn japan_date(utc: NaiveDateTime) -> NaiveDate {
    utc.and_utc().with_timezone(&JAPAN).date_naive()
}

/// The date in Japan of an instant given with any offset (e.g. 2026-11-20T23:30:00Z is the
/// 21st in Japan).
pub fn japan_date_of(at: DateTime<FixedOffset>) -> NaiveDate {
    at.with_timezone(&JAPAN).date_naive()
}

/// A date as a day number: days since 1970-01-01. The survey does its day arithmetic on these,
/// so that the same SQL runs on both engines.
pub fn day_number(date: NaiveDate) -> i32 {
    i32::try_from(date.signed_duration_since(NaiveDate::default()).num_days()).unwrap_or(i32::MAX)
}

/// The date of a day number.
pub fn from_day_number(day: i32) -> NaiveDate {
    NaiveDate::default() + chrono::Duration::days(i64::from(day))
}

/// Today in Japan.
pub fn today() -> NaiveDate {
    japan_date(now())
}

/// A timestamp with an offset, as sent by clients, to UTC.
pub fn to_utc(at: DateTime<FixedOffset>) -> NaiveDateTime {
    at.naive_utc().with_nanosecond_micros()
}

/// A stored UTC instant, shown in Japan time.
pub fn in_japan(utc: NaiveDateTime) -> DateTime<FixedOffset> {
    utc.and_utc().with_timezone(&JAPAN)
}

trait Micros {
    fn with_nanosecond_micros(self) -> Self;
}

impl Micros for NaiveDateTime {
    fn with_nanosecond_micros(self) -> Self {
        use chrono::Timelike;
        let micros = self.nanosecond() / 1_000 * 1_000;
        self.with_nanosecond(micros).unwrap_or(self)
    }
}

/// A date as mails write it: 2026年11月25日（水）
pub fn japanese_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日（{}）", date.year(), date.month(), date.day(), weekday(date))
}

/// The day of the week as Japanese writes it: 月 … 日.
pub fn weekday(date: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
    WEEKDAYS[date.weekday().num_days_from_monday() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_japanese_date_turns_at_15_00_utc() {
        assert_eq!(japan_date(utc("2026-03-31 14:59:59")).to_string(), "2026-03-31");
        assert_eq!(japan_date(utc("2026-03-31 15:00:00")).to_string(), "2026-04-01");
    }

    #[test]
    fn day_numbers_count_from_1970() {
        let date: NaiveDate = "2026-03-31".parse().unwrap_or_default();
        assert_eq!(day_number("1970-01-02".parse().unwrap_or_default()), 1);
        assert_eq!(from_day_number(day_number(date)), date);
        assert_eq!(day_number("2026-04-01".parse().unwrap_or_default()) - day_number(date), 1);
    }

    #[test]
    fn instants_round_trip_through_japan_time() {
        let at = DateTime::parse_from_rfc3339("2026-11-20T23:30:00+09:00").unwrap_or_else(|e| panic!("{e}"));
        let stored = to_utc(at);
        assert_eq!(stored, utc("2026-11-20 14:30:00"));
        assert_eq!(in_japan(stored), at);
        assert_eq!(japan_date(stored).to_string(), "2026-11-20");
    }
}
