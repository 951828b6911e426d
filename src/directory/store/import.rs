//! Facilities imported from a file, by code: inserted, changed, or left as they are.

use foldhash::HashMap;

use diesel::prelude::*;

use super::super::{FacilityKind, ImportedFacility, NewFacility};
use crate::db::bulk::{self, Id, Written};
use crate::db::schema::facilities;
use crate::db::{DbConnection, to_enum, to_uuid};

/// Every facility by code: its id and kind.
pub fn facility_kinds(conn: &mut DbConnection) -> QueryResult<HashMap<String, (Id, FacilityKind)>> {
    facilities::table
        .select((facilities::code, facilities::id, facilities::kind))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(code, id, kind)| Ok((code, (to_uuid(&id)?.into(), to_enum(&kind)?))))
        .collect()
}

/// A facility as stored: id, name, kind, area, in_city, municipality.
type Stored = (String, String, String, Option<String>, bool, Option<String>);

/// Writes the facilities of a file, in one transaction.
pub fn import(conn: &mut DbConnection, rows: &[ImportedFacility]) -> QueryResult<Written> {
    crate::db::write(conn, |conn| {
        let mut outcome = Written::default();
        for row in rows {
            let existing: Option<Stored> = facilities::table
                .filter(facilities::code.eq(&row.code))
                .select((
                    facilities::id,
                    facilities::name,
                    facilities::kind,
                    facilities::area,
                    facilities::in_city,
                    facilities::municipality_code,
                ))
                .first(conn)
                .optional()?;
            // A file that names no municipality leaves the facility's as it is.
            let municipality = |stored: &Option<String>| row.municipality.clone().or_else(|| stored.clone());
            match existing {
                None => {
                    let new = NewFacility {
                        code: row.code.clone(),
                        name: row.name.clone(),
                        kind: row.kind,
                        area: row.area.clone(),
                        in_city: row.in_city,
                        contact_windows: vec![],
                    };
                    let facility = super::insert_facility(conn, &new)?;
                    if row.municipality.is_some() {
                        diesel::update(facilities::table.find(facility.id.to_string()))
                            .set(facilities::municipality_code.eq(&row.municipality))
                            .execute(conn)?;
                    }
                    outcome.inserted += 1;
                }
                Some((_, name, kind, area, in_city, stored))
                    if name == row.name
                        && kind == row.kind.as_str()
                        && area == row.area
                        && in_city == row.in_city
                        && municipality(&stored) == stored =>
                {
                    outcome.unchanged += 1;
                }
                Some((id, .., stored)) => {
                    diesel::update(facilities::table.find(id))
                        .set((
                            facilities::name.eq(&row.name),
                            facilities::kind.eq(row.kind.as_str()),
                            facilities::area.eq(&row.area),
                            facilities::in_city.eq(row.in_city),
                            facilities::municipality_code.eq(municipality(&stored)),
                        ))
                        .execute(conn)?;
                    outcome.updated += 1;
                }
            }
        }
        if outcome.inserted + outcome.updated > 0 {
            bulk::analyze(conn, "facilities")?;
        }
        Ok(outcome)
    })
}
