//! Corrections of client records: the identity replaced, the one before kept.

use diesel::prelude::*;
use uuid::Uuid;

use crate::calendar;
use crate::clients::Client;
use crate::clients::correction::Correction;
use crate::db::schema::{client_corrections, clients};
use crate::db::{DbConnection, new_id};

/// Keeps `before` (as JSON) with who corrected it and why, then writes the corrected identity.
pub fn correct(conn: &mut DbConnection, before: &Client, after: &Correction, by: Uuid) -> QueryResult<()> {
    let previous = serde_json::json!({
        "name": before.name, "name_kana": before.name_kana, "birth_date": before.birth_date,
        "sex": before.sex, "insurance_number": before.insurance_number,
    });
    diesel::insert_into(client_corrections::table)
        .values((
            client_corrections::id.eq(new_id().to_string()),
            client_corrections::client_id.eq(before.id.to_string()),
            client_corrections::previous.eq(previous.to_string()),
            client_corrections::reason.eq(after.reason.trim()),
            client_corrections::corrected_by.eq(by.to_string()),
            client_corrections::corrected_at.eq(calendar::now()),
        ))
        .execute(conn)?;
    let sex: &'static str = after.sex.into();
    diesel::update(clients::table.find(before.id.to_string()))
        .set((
            clients::name.eq(after.name.trim()),
            clients::name_kana.eq(after.name_kana.trim()),
            clients::birth_date.eq(after.birth_date),
            clients::sex.eq(sex),
            clients::insurance_number.eq(&after.insurance_number),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many times a client's record was corrected.
pub fn count(conn: &mut DbConnection, client: Uuid) -> QueryResult<i64> {
    client_corrections::table.filter(client_corrections::client_id.eq(client.to_string())).count().get_result(conn)
}
