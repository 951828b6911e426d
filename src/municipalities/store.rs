//! Municipalities and their rule histories in the database.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::{ImportedMunicipality, Municipality, RulesFrom};
use crate::db::DbConnection;
use crate::db::bulk::Written;
use crate::db::schema::{municipalities, municipality_rules};

/// Every municipality, by code.
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Municipality>> {
    Ok(municipalities::table
        .select((municipalities::code, municipalities::name))
        .order(municipalities::code)
        .load::<(String, String)>(conn)?
        .into_iter()
        .map(|(code, name)| Municipality { code, name })
        .collect())
}

/// Whether a municipality is registered.
pub fn exists(conn: &mut DbConnection, code: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(municipalities::table.find(code))).get_result(conn)
}

/// Every municipality's rule history, oldest entry first.
pub fn rule_histories(conn: &mut DbConnection) -> QueryResult<BTreeMap<String, Vec<RulesFrom>>> {
    let rows: Vec<(String, NaiveDate, String)> = municipality_rules::table
        .select((municipality_rules::municipality_code, municipality_rules::effective_from, municipality_rules::rules))
        .order((municipality_rules::municipality_code, municipality_rules::effective_from))
        .load(conn)?;
    let mut histories: BTreeMap<String, Vec<RulesFrom>> = BTreeMap::new();
    for (code, effective_from, rules) in rows {
        histories.entry(code.clone()).or_default().push(RulesFrom { code, effective_from, rules });
    }
    Ok(histories)
}

/// Writes the municipalities of a file, in one transaction: a new code is inserted, a new name
/// replaces the old, and a rule set named is entered in the history from its day (replacing what
/// the history said from that very day). Importing the same file again changes nothing.
pub fn import(conn: &mut DbConnection, rows: &[ImportedMunicipality]) -> QueryResult<Written> {
    crate::db::write(conn, |conn| {
        let now = crate::calendar::now();
        let mut outcome = Written::default();
        for row in rows {
            let Municipality { code, name } = &row.municipality;
            let stored: Option<String> =
                municipalities::table.find(code).select(municipalities::name).first(conn).optional()?;
            let is_new = stored.is_none();
            let mut changed = false;
            match stored {
                None => {
                    diesel::insert_into(municipalities::table)
                        .values((
                            municipalities::code.eq(code),
                            municipalities::name.eq(name),
                            municipalities::created_at.eq(now),
                            municipalities::updated_at.eq(now),
                        ))
                        .execute(conn)?;
                }
                Some(stored) if &stored == name => {}
                Some(_) => {
                    diesel::update(municipalities::table.find(code))
                        .set((municipalities::name.eq(name), municipalities::updated_at.eq(now)))
                        .execute(conn)?;
                    changed = true;
                }
            }
            if let Some(entry) = &row.rules {
                changed |= enter_rules(conn, entry, now)?;
            }
            match (is_new, changed) {
                (true, _) => outcome.inserted += 1,
                (false, true) => outcome.updated += 1,
                (false, false) => outcome.unchanged += 1,
            }
        }
        Ok(outcome)
    })
}

/// Enters a rule set in a municipality's history from its day; whether that changed the history.
fn enter_rules(conn: &mut DbConnection, entry: &RulesFrom, now: chrono::NaiveDateTime) -> QueryResult<bool> {
    let key = (&entry.code, entry.effective_from);
    let stored: Option<String> =
        municipality_rules::table.find(key).select(municipality_rules::rules).first(conn).optional()?;
    if stored.as_deref() == Some(entry.rules.as_str()) {
        return Ok(false);
    }
    diesel::delete(municipality_rules::table.find(key)).execute(conn)?;
    diesel::insert_into(municipality_rules::table)
        .values((
            municipality_rules::municipality_code.eq(&entry.code),
            municipality_rules::effective_from.eq(entry.effective_from),
            municipality_rules::rules.eq(&entry.rules),
            municipality_rules::recorded_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}
