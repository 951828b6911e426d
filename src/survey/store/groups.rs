//! The breakdowns' groups and labels: each facility's area or place (市内・市外), its code and
//! name, months in 和暦-free Japanese (2025年4月), from the directory's store.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::QueryResult;

use crate::db::DbConnection;
use crate::survey::GroupBy;

/// 市内 and 市外, the keys of the breakdown by the hospital's place.
const IN_CITY: &str = "市内";
const OUTSIDE_CITY: &str = "市外";

/// For the breakdowns that group facilities, each facility's group by id: its area ('' when it
/// has none), or 市内/市外. `None` for the other breakdowns, whose keys are the groups.
pub(super) fn facility_groups(
    conn: &mut DbConnection,
    group_by: Option<GroupBy>,
) -> QueryResult<Option<HashMap<String, String>>> {
    let by_area = match group_by {
        Some(GroupBy::Area) => true,
        Some(GroupBy::HospitalInCity) => false,
        _ => return Ok(None),
    };
    let facilities = crate::directory::store::places(conn)?;
    Ok(Some(
        facilities
            .into_iter()
            .map(|(id, area, in_city)| {
                let group = match (by_area, in_city) {
                    (true, _) => area.unwrap_or_default(),
                    (false, true) => IN_CITY.to_owned(),
                    (false, false) => OUTSIDE_CITY.to_owned(),
                };
                (id, group)
            })
            .collect(),
    ))
}

/// The admission date of the first stay on record.
pub fn first_admission(conn: &mut DbConnection) -> QueryResult<Option<NaiveDate>> {
    use diesel::prelude::*;
    let first = diesel::sql_query("SELECT MIN(admitted_day) AS day FROM episodes").get_result::<FirstDay>(conn)?;
    Ok(first.day.map(crate::calendar::from_day_number))
}

#[derive(diesel::QueryableByName)]
struct FirstDay {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    day: Option<i32>,
}

/// Public key and label of each group key: facility ids become codes and names, months
/// 2025年4月, an empty area or care level （未設定）, 市内 and 市外 become 市内の医療機関 and 市外の医療機関.
pub fn labels<'a>(
    conn: &mut DbConnection,
    group_by: GroupBy,
    keys: impl Iterator<Item = &'a String>,
) -> QueryResult<BTreeMap<String, (String, String)>> {
    let keys: Vec<String> = keys.cloned().collect();
    Ok(match group_by {
        GroupBy::Hospital | GroupBy::CareOffice => crate::directory::store::codes_and_names(conn, &keys)?
            .into_iter()
            .map(|(id, code, name)| (id, (code, name)))
            .collect(),
        GroupBy::Month => keys
            .into_iter()
            .map(|key| {
                let label = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d")
                    .map(|d| d.format("%Y年%-m月").to_string())
                    .unwrap_or_else(|_| key.clone());
                (key.clone(), (key, label))
            })
            .collect(),
        GroupBy::Municipality => {
            let names: std::collections::HashMap<String, String> =
                crate::municipalities::store::all(conn)?.into_iter().map(|m| (m.code, m.name)).collect();
            keys.into_iter()
                .map(|key| {
                    let label = names.get(&key).cloned().unwrap_or_else(|| "（市町村の登録なし）".to_owned());
                    (key.clone(), (key, label))
                })
                .collect()
        }
        GroupBy::HospitalInCity => keys
            .into_iter()
            .map(|key| {
                let label = format!("{key}の医療機関");
                (key.clone(), (key, label))
            })
            .collect(),
        GroupBy::Area | GroupBy::CareLevel => keys
            .into_iter()
            .map(|key| {
                let label = if key.is_empty() { "（未設定）".to_owned() } else { key.clone() };
                (key.clone(), (key, label))
            })
            .collect(),
    })
}
