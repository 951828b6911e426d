//! The imported national holidays in the database.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::db::schema::national_holidays;

/// Every imported holiday.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<(NaiveDate, String)>> {
    national_holidays::table.select((national_holidays::holiday_on, national_holidays::name)).load(conn)
}

/// Replaces the imported holidays of the years `holidays` covers with them; answers how many
/// were stored before in those years.
pub fn replace_years(conn: &mut DbConnection, holidays: &[(NaiveDate, String)]) -> QueryResult<usize> {
    use chrono::Datelike;
    let years: std::collections::BTreeSet<i32> = holidays.iter().map(|(d, _)| d.year()).collect();
    let mut removed = 0;
    for year in years {
        let (Some(first), Some(last)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        else {
            continue;
        };
        removed += diesel::delete(national_holidays::table.filter(national_holidays::holiday_on.between(first, last)))
            .execute(conn)?;
    }
    // One row at a time: about sixteen a year, and diesel's MultiConnection has no multi-row
    // INSERT.
    for (day, name) in holidays {
        diesel::insert_into(national_holidays::table)
            .values((national_holidays::holiday_on.eq(*day), national_holidays::name.eq(name.as_str())))
            .execute(conn)?;
    }
    Ok(removed)
}
