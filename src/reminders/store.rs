//! Reminder decisions in the database: one row per (kind, subject, occasion), unique, so that
//! each reminder is decided once whatever the number of workers.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::reminders;
use crate::db::{DbConnection, new_id, to_uuid};
use crate::notify::Topic;

/// Records the decision to remind `subject` of `kind` on `occasion`: its id, or `None` when it
/// was decided before.
pub fn decide(
    conn: &mut DbConnection,
    kind: Topic,
    subject: Uuid,
    occasion: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Uuid>> {
    let id = new_id();
    let row = (
        reminders::id.eq(id.to_string()),
        reminders::kind.eq(kind.as_str()),
        reminders::subject_id.eq(subject.to_string()),
        reminders::occasion.eq(occasion),
        reminders::created_at.eq(now),
    );
    let inserted = crate::db::insert_or_ignore!(conn, reminders::table, row)?;
    Ok((inserted > 0).then_some(id))
}

/// Which of `subjects` were reminded of under `kind` (on any occasion).
pub fn decided(conn: &mut DbConnection, kind: Topic, subjects: &[Uuid]) -> QueryResult<HashSet<Uuid>> {
    let mut decided = HashSet::new();
    for chunk in subjects.chunks(500) {
        let ids: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
        let found: Vec<String> = reminders::table
            .filter(reminders::kind.eq(kind.as_str()))
            .filter(reminders::subject_id.eq_any(&ids))
            .select(reminders::subject_id)
            .load(conn)?;
        for id in found {
            decided.insert(to_uuid(&id)?);
        }
    }
    Ok(decided)
}
