//! The two small imports that set what the 加算 count on: the care offices' business calendars
//! (`renkei import calendars`, one row per office, by its code) and Japan's national holidays
//! (`renkei import holidays`, the Cabinet Office's syukujitsu.csv as published, in Shift_JIS).
//! Like the others, a file with a bad row is refused whole unless bad rows are skipped.

use foldhash::{HashMap, HashMapExt};

use super::{Checked, ImportError, Rejected};
use crate::business_calendar::{self, BusinessCalendar};
use crate::db::DbConnection;
use crate::db::bulk::Written;
use crate::directory::FacilityKind;
use crate::directory::store::import::facility_kinds;

/// Sets the business calendar of every office the file names.
pub(super) fn calendars<'t>(
    conn: &mut DbConnection,
    records: impl Iterator<Item = Result<(u64, csv::StringRecord), ImportError>> + Send + 't,
    mut checked: Checked<'_, (uuid::Uuid, BusinessCalendar)>,
) -> Result<(Written, Vec<Rejected>), ImportError> {
    let facilities = facility_kinds(conn)?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let (line, record) = record?;
        let fields: Vec<&str> = record.iter().collect();
        let row = super::rows::business_calendar(&fields).and_then(|(code, calendar)| match facilities.get(&code) {
            None => Err(vec![format!("care_office: {code} は登録されていません")]),
            Some((_, FacilityKind::Hospital)) => Err(vec![format!("care_office: {code} は医療機関です")]),
            Some(_) if seen.contains_key(&code) => {
                Err(vec![format!("care_office: {code} は {} 行目と重複しています", seen[&code])])
            }
            Some((id, _)) => {
                seen.insert(code.clone(), line);
                Ok((crate::db::to_uuid(id.as_str()).map_err(|e| vec![e.to_string()])?, calendar))
            }
        });
        match row {
            Ok(row) => checked.pass(row),
            Err(reasons) => checked.reject(line, &fields, reasons),
        }
    }
    let (good, rejected) = checked.finish()?;
    let written = crate::db::write(conn, |conn| {
        let mut written = Written::default();
        for (office, calendar) in &good {
            match business_calendar::store::of(conn, *office)? {
                Some(stored) if &stored == calendar => written.unchanged += 1,
                stored => {
                    business_calendar::store::save(conn, *office, calendar, None)?;
                    if stored.is_some() { written.updated += 1 } else { written.inserted += 1 }
                }
            }
        }
        Ok::<_, ImportError>(written)
    })?;
    Ok((written, rejected))
}

/// Replaces the national holidays of every year the file covers.
pub(super) fn holidays<'t>(
    conn: &mut DbConnection,
    records: impl Iterator<Item = Result<(u64, csv::StringRecord), ImportError>> + Send + 't,
    mut checked: Checked<'_, (chrono::NaiveDate, String)>,
) -> Result<(Written, Vec<Rejected>), ImportError> {
    let mut seen: HashMap<chrono::NaiveDate, u64> = HashMap::new();
    for record in records {
        let (line, record) = record?;
        let fields: Vec<&str> = record.iter().collect();
        match super::rows::holiday(&fields) {
            Ok((day, _)) if seen.contains_key(&day) => {
                checked.reject(line, &fields, vec![format!("{day} は {} 行目と重複しています", seen[&day])])
            }
            Ok(row) => {
                seen.insert(row.0, line);
                checked.pass(row)
            }
            Err(reasons) => checked.reject(line, &fields, reasons),
        }
    }
    let (good, rejected) = checked.finish()?;
    let written = crate::db::write(conn, |conn| {
        let before = crate::holidays::store::all(conn)?;
        crate::holidays::store::replace_years(conn, &good)?;
        let unchanged = good.iter().filter(|row| before.contains(row)).count();
        Ok::<_, ImportError>(Written { inserted: good.len() - unchanged, updated: 0, unchanged })
    })?;
    Ok((written, rejected))
}
