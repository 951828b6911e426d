//! The directory's imports: the facilities (`renkei import facilities`, by code; where each is,
//! when the file names its municipality) and the municipalities of a region (`renkei import
//! municipalities`: code, name, and the handbook rules in force from a day). Like the others, a
//! file with a bad row is refused whole unless bad rows are skipped.

use std::collections::{BTreeSet, HashMap};

use super::{Checked, ImportError, Rejected, rows};
use crate::db::DbConnection;
use crate::db::bulk::Written;
use crate::directory::store::import as facilities;
use crate::municipalities::{self, ImportedMunicipality};

/// The municipalities registered, by code: what the other files may name.
pub(super) fn municipality_codes(conn: &mut DbConnection) -> Result<BTreeSet<String>, ImportError> {
    Ok(municipalities::store::all(conn)?.into_iter().map(|m| m.code).collect())
}

/// The problem of a municipality a row names, when it is not registered.
pub(super) fn unknown_municipality(known: &BTreeSet<String>, code: Option<&str>) -> Option<String> {
    code.filter(|code| !known.contains(*code)).map(|code| {
        format!("municipality: 市町村コード {code} は登録されていません（先に renkei import municipalities で取り込んでください）")
    })
}

pub(super) fn facilities<'t>(
    conn: &mut DbConnection,
    records: impl Iterator<Item = Result<(u64, csv::StringRecord), ImportError>> + 't,
    mut checked: Checked<'_, rows::FacilityRow>,
) -> Result<(Written, Vec<Rejected>), ImportError> {
    let known = municipality_codes(conn)?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let (line, record) = record?;
        let fields: Vec<&str> = record.iter().collect();
        let row = rows::facility(&fields).and_then(|row| {
            let mut problems: Vec<String> =
                unknown_municipality(&known, row.municipality.as_deref()).into_iter().collect();
            if let Some(first) = seen.get(&row.code) {
                problems.push(format!("code: {} は {first} 行目と重複しています", row.code));
            }
            if problems.is_empty() { Ok(row) } else { Err(problems) }
        });
        match row {
            Ok(row) => {
                seen.insert(row.code.clone(), line);
                checked.pass(row);
            }
            Err(reasons) => checked.reject(line, &fields, reasons),
        }
    }
    let (good, rejected) = checked.finish()?;
    Ok((facilities::import(conn, &good)?, rejected))
}

pub(super) fn municipalities<'t>(
    conn: &mut DbConnection,
    records: impl Iterator<Item = Result<(u64, csv::StringRecord), ImportError>> + 't,
    mut checked: Checked<'_, ImportedMunicipality>,
) -> Result<(Written, Vec<Rejected>), ImportError> {
    // A code may come once per day its rules took effect (a history), always with one name.
    let mut names: HashMap<String, (String, u64)> = HashMap::new();
    let mut entries: HashMap<(String, Option<chrono::NaiveDate>), u64> = HashMap::new();
    for record in records {
        let (line, record) = record?;
        let fields: Vec<&str> = record.iter().collect();
        let row = rows::municipality(&fields).and_then(|row| {
            let code = &row.municipality.code;
            let mut problems = Vec::new();
            if let Some((name, first)) = names.get(code)
                && name != &row.municipality.name
            {
                problems.push(format!("name: {code} は {first} 行目では「{name}」です"));
            }
            let entry = (code.clone(), row.rules.as_ref().map(|r| r.effective_from));
            if let Some(first) = entries.get(&entry) {
                problems.push(format!("code: {code} は {first} 行目と同じ適用開始日で重複しています"));
            }
            if problems.is_empty() {
                names.entry(code.clone()).or_insert((row.municipality.name.clone(), line));
                entries.insert(entry, line);
                Ok(row)
            } else {
                Err(problems)
            }
        });
        match row {
            Ok(row) => checked.pass(row),
            Err(reasons) => checked.reject(line, &fields, reasons),
        }
    }
    let (good, rejected) = checked.finish()?;
    Ok((municipalities::store::import(conn, &good)?, rejected))
}
