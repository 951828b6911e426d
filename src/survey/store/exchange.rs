//! What the survey's figures beyond the rates read: the documents sent in a period with the
//! times they were read and acknowledged (speed), the facilities with a user who can sign in and
//! those that exchanged documents (participation), and the stays admitted without a care office
//! (pathway B). Documents a writer keeps for itself (sender = recipient) are no exchange.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Nullable};

use super::excluded_expression;
use crate::db::DbConnection;
use crate::db::schema::{documents, facilities, users};
use crate::survey::rules::RuleSet;

/// A document sent in the period: its kind, when it was sent, first read and acknowledged (UTC).
pub type DocumentTimes = (String, NaiveDateTime, Option<NaiveDateTime>, Option<NaiveDateTime>);

/// The documents sent from `from` (included) to `to` (excluded), UTC instants.
pub fn documents_sent(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<DocumentTimes>> {
    documents::table
        .filter(documents::sent_at.ge(from))
        .filter(documents::sent_at.lt(to))
        .filter(documents::sender_facility_id.ne(documents::recipient_facility_id))
        .select((documents::kind, documents::sent_at, documents::first_read_at, documents::acknowledged_at))
        .load(conn)
}

/// The facilities as the participation counts them: each one's kind, whether a user of it can
/// sign in (a password, not disabled), and whether it sent or received a document between `from`
/// (included) and `to` (excluded), UTC instants.
pub fn facility_participation(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(String, bool, bool)>> {
    let all: Vec<(String, String)> = facilities::table.select((facilities::id, facilities::kind)).load(conn)?;
    let with_user: HashSet<String> = users::table
        .filter(users::password_hash.is_not_null())
        .filter(users::disabled_at.is_null())
        .select(users::facility_id)
        .distinct()
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let sent = || {
        documents::table
            .filter(documents::sent_at.ge(from))
            .filter(documents::sent_at.lt(to))
            .filter(documents::sender_facility_id.ne(documents::recipient_facility_id))
    };
    let mut exchanging: HashSet<String> =
        sent().select(documents::sender_facility_id).distinct().load::<String>(conn)?.into_iter().collect();
    exchanging.extend(sent().select(documents::recipient_facility_id).distinct().load::<String>(conn)?);
    Ok(all
        .into_iter()
        .map(|(id, kind)| {
            let active = with_user.contains(&id);
            (kind, active, exchanging.contains(&id))
        })
        .collect())
}

/// A stay admitted without a care office: its days (day numbers), the day a 地域包括支援センター
/// first assigned it one, and whether an 入院連絡 went to the centre or the city.
#[derive(QueryableByName, Debug)]
pub struct StayWithoutCareOffice {
    #[diesel(sql_type = Integer)]
    pub admitted_day: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    pub discharged_day: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub assigned_day: Option<i32>,
    #[diesel(sql_type = Bool)]
    pub notified: bool,
}

/// The stays admitted from day `from` to day `to` (included), not excluded under the rules,
/// whose client had no care office at admission. The 入院連絡 counted is one sent in Renkei to a
/// 地域包括支援センター or the city, or one recorded by hand or imported (a call, a FAX: a
/// hospital → care side contact of that kind), whatever its date.
pub fn without_care_office(
    conn: &mut DbConnection,
    rules: &RuleSet,
    filter: Option<&str>,
    from: i32,
    to: i32,
) -> QueryResult<Vec<StayWithoutCareOffice>> {
    let excluded = excluded_expression(rules);
    let part = filter.map(|filter| format!(" AND ({filter})")).unwrap_or_default();
    diesel::sql_query(format!(
        "SELECT e.admitted_day AS admitted_day, e.discharged_day AS discharged_day, \
           e.care_assigned_day AS assigned_day, \
           (EXISTS (SELECT 1 FROM documents d JOIN facilities f ON f.id = d.recipient_facility_id \
              WHERE d.episode_id = e.id AND d.kind = 'admission_notice' AND f.kind IN ('support_center', 'city')) \
            OR EXISTS (SELECT 1 FROM contacts c WHERE c.episode_id = e.id AND c.document_id IS NULL \
              AND c.withdrawn_at IS NULL AND c.direction = 'hospital_to_cm' AND c.kind = 'admission_notice')) AS notified \
         FROM episodes e \
         WHERE (care_office_id IS NULL OR care_assigned_day IS NOT NULL) \
           AND e.admitted_day BETWEEN {from} AND {to} AND NOT {excluded}{part}"
    ))
    .load(conn)
}
