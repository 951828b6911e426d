//! The outbox in the database: one row per mail and address, queued in the writer's transaction,
//! claimed by a worker under a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so that two
//! workers never take the same row), then delivered, retried later, or failed.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::mail::Rendered;
use super::recipients::Recipient;
use super::{About, Delivery, DeliveryCounts, MailState, Outcome, Topic};
use crate::calendar;
use crate::db::schema::outbox;
use crate::db::{DbConnection, new_id, to_enum, to_uuid};
use crate::directory::store::facility_refs;

/// Queues one copy of the mail per recipient; each gets its own stable Message-ID.
pub fn enqueue(
    conn: &mut DbConnection,
    about: &About,
    mail: &Rendered,
    recipients: &[Recipient],
    message_domain: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let rows: Vec<_> = recipients
        .iter()
        .map(|recipient| {
            let id = new_id();
            (
                outbox::id.eq(id.to_string()),
                outbox::message_id.eq(format!("<{id}@{message_domain}>")),
                outbox::topic.eq(about.topic.as_str()),
                outbox::document_id.eq(about.document.map(|(d, _)| d.to_string())),
                outbox::document_revision.eq(about.document.map(|(_, r)| r)),
                outbox::episode_id.eq(about.episode_id.map(|e| e.to_string())),
                outbox::reminder_id.eq(about.reminder_id.map(|r| r.to_string())),
                outbox::facility_id.eq(recipient.facility_id.to_string()),
                outbox::user_id.eq(recipient.user_id.map(|u| u.to_string())),
                outbox::address.eq(recipient.address.clone()),
                outbox::subject.eq(mail.subject.clone()),
                outbox::body_text.eq(mail.text.clone()),
                outbox::body_html.eq(mail.html.clone()),
                outbox::state.eq(MailState::Queued.as_str()),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
                outbox::created_at.eq(now),
            )
        })
        .collect();
    // A multi-row INSERT is written differently by each engine.
    match conn {
        DbConnection::Sqlite(c) => diesel::insert_into(outbox::table).values(rows).execute(c),
        DbConnection::Postgres(c) => diesel::insert_into(outbox::table).values(rows).execute(c),
    }
}

/// A mail taken by a worker.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct ClaimedMail {
    pub id: String,
    pub message_id: String,
    pub topic: String,
    pub document_id: Option<String>,
    pub document_revision: Option<i32>,
    pub address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// Counting the attempt about to be made.
    pub attempts: i32,
    pub created_at: NaiveDateTime,
}

/// Takes up to `limit` mails that are due and that no live worker holds, and holds them until
/// `now + lease`. A worker that dies holding mail lets go when its lease ends; the mail is then
/// sent again, under the same Message-ID.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease: Duration,
    limit: i64,
) -> QueryResult<Vec<ClaimedMail>> {
    crate::db::write(conn, |conn| {
        let due = outbox::table
            .filter(outbox::state.eq_any([MailState::Queued.as_str(), MailState::Sending.as_str()]))
            .filter(outbox::next_attempt_at.le(now))
            .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(now)))
            .order(outbox::next_attempt_at)
            .select(outbox::id)
            .limit(limit);
        let ids: Vec<String> = match conn {
            // Rows another worker is claiming at this moment are skipped, not waited for.
            DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
            // SQLite has one writer at a time: this transaction began with BEGIN IMMEDIATE.
            DbConnection::Sqlite(lite) => due.load(lite)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set((
                outbox::state.eq(MailState::Sending.as_str()),
                outbox::attempts.eq(outbox::attempts + 1),
                outbox::lease_until.eq(now + lease),
            ))
            .execute(conn)?;
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .order(outbox::next_attempt_at)
            .select(ClaimedMail::as_select())
            .load(conn)
    })
}

/// Records attempts' outcomes, in the caller's transaction: the delivered mails in one
/// statement, each other outcome in its own. Returns the document revisions whose announcement
/// was delivered, for the caller to mark 配信済.
pub fn record(
    conn: &mut DbConnection,
    outcomes: &[(ClaimedMail, Outcome)],
    now: NaiveDateTime,
) -> QueryResult<Vec<(Uuid, i32)>> {
    let mut announced = Vec::new();
    let mut delivered = Vec::new();
    for (mail, outcome) in outcomes {
        let row = outbox::table.find(&mail.id);
        match outcome {
            Outcome::Delivered => {
                delivered.push(mail.id.as_str());
                let announces = to_enum::<Topic>(&mail.topic).is_ok_and(Topic::delivers_document);
                if let (true, Some(document), Some(revision)) = (announces, &mail.document_id, mail.document_revision) {
                    announced.push((to_uuid(document)?, revision));
                }
            }
            Outcome::RetryAt(at, error) => {
                diesel::update(row)
                    .set((
                        outbox::state.eq(MailState::Queued.as_str()),
                        outbox::next_attempt_at.eq(*at),
                        outbox::lease_until.eq(None::<NaiveDateTime>),
                        outbox::last_error.eq(Some(error)),
                    ))
                    .execute(conn)?;
            }
            Outcome::Failed(error) => {
                diesel::update(row)
                    .set((
                        outbox::state.eq(MailState::Failed.as_str()),
                        outbox::lease_until.eq(None::<NaiveDateTime>),
                        outbox::last_error.eq(Some(error)),
                    ))
                    .execute(conn)?;
            }
        }
    }
    if !delivered.is_empty() {
        diesel::update(outbox::table.filter(outbox::id.eq_any(&delivered)))
            .set((
                outbox::state.eq(MailState::Delivered.as_str()),
                outbox::delivered_at.eq(now),
                outbox::lease_until.eq(None::<NaiveDateTime>),
                outbox::last_error.eq(None::<String>),
            ))
            .execute(conn)?;
    }
    Ok(announced)
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
struct DeliveryRow {
    id: String,
    message_id: String,
    topic: String,
    document_id: Option<String>,
    document_revision: Option<i32>,
    facility_id: String,
    address: String,
    state: String,
    attempts: i32,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    next_attempt_at: NaiveDateTime,
    delivered_at: Option<NaiveDateTime>,
}

fn deliveries(conn: &mut DbConnection, rows: Vec<DeliveryRow>) -> QueryResult<Vec<Delivery>> {
    let facilities = facility_refs(conn, &rows.iter().map(|r| r.facility_id.clone()).collect::<Vec<_>>())?;
    rows.into_iter()
        .map(|row| {
            let topic: Topic = to_enum(&row.topic)?;
            let state: MailState = to_enum(&row.state)?;
            Ok(Delivery {
                id: to_uuid(&row.id)?,
                message_id: row.message_id,
                topic,
                topic_label: topic.label().to_owned(),
                document_id: row.document_id.as_deref().map(to_uuid).transpose()?,
                document_revision: row.document_revision,
                facility: facilities.get(&row.facility_id).cloned().ok_or(diesel::result::Error::NotFound)?,
                address: row.address,
                state,
                state_label: state.label().to_owned(),
                attempts: row.attempts,
                last_error: row.last_error,
                queued_at: calendar::in_japan(row.created_at),
                next_attempt_at: matches!(state, MailState::Queued).then(|| calendar::in_japan(row.next_attempt_at)),
                delivered_at: row.delivered_at.map(calendar::in_japan),
            })
        })
        .collect()
}

/// Every mail about a document, oldest first.
pub fn of_document(conn: &mut DbConnection, document: Uuid) -> QueryResult<Vec<Delivery>> {
    let rows = outbox::table
        .filter(outbox::document_id.eq(document.to_string()))
        .order((outbox::created_at, outbox::id))
        .select(DeliveryRow::as_select())
        .load(conn)?;
    deliveries(conn, rows)
}

/// One mail.
pub fn get(conn: &mut DbConnection, id: Uuid) -> QueryResult<Option<Delivery>> {
    let rows = outbox::table.find(id.to_string()).select(DeliveryRow::as_select()).load(conn)?;
    Ok(deliveries(conn, rows)?.pop())
}

/// Mails in a state (all when `None`), newest first: what administrators watch.
pub fn list(conn: &mut DbConnection, state: Option<MailState>, limit: i64, offset: i64) -> QueryResult<Vec<Delivery>> {
    let mut query = outbox::table.select(DeliveryRow::as_select()).into_boxed();
    if let Some(state) = state {
        query = query.filter(outbox::state.eq(state.as_str()));
    }
    let rows = query.order((outbox::created_at.desc(), outbox::id.desc())).limit(limit).offset(offset).load(conn)?;
    deliveries(conn, rows)
}

/// Puts a failed mail back in the queue, to be tried again now with a fresh count of attempts.
/// Returns false when there is no failed mail with this id.
pub fn retry(conn: &mut DbConnection, id: Uuid, now: NaiveDateTime) -> QueryResult<bool> {
    let changed =
        diesel::update(outbox::table.find(id.to_string()).filter(outbox::state.eq(MailState::Failed.as_str())))
            .set((
                outbox::state.eq(MailState::Queued.as_str()),
                outbox::attempts.eq(0),
                outbox::next_attempt_at.eq(now),
            ))
            .execute(conn)?;
    Ok(changed == 1)
}

/// The counts for each (document, revision) asked.
pub fn counts(conn: &mut DbConnection, documents: &[(String, i32)]) -> QueryResult<HashMap<String, DeliveryCounts>> {
    let ids: Vec<&String> = documents.iter().map(|(id, _)| id).collect();
    let rows: Vec<(Option<String>, Option<i32>, String, i64)> = outbox::table
        .filter(outbox::document_id.eq_any(ids))
        .filter(outbox::topic.eq_any([Topic::DocumentSent.as_str(), Topic::DocumentAmended.as_str()]))
        .group_by((outbox::document_id, outbox::document_revision, outbox::state))
        .select((outbox::document_id, outbox::document_revision, outbox::state, diesel::dsl::count_star()))
        .load(conn)?;
    let current: HashMap<&String, i32> = documents.iter().map(|(id, r)| (id, *r)).collect();
    let mut counts: HashMap<String, DeliveryCounts> = HashMap::new();
    for (document, revision, state, n) in rows {
        let Some(document) = document else { continue };
        if current.get(&document).copied() != revision {
            continue;
        }
        let entry = counts.entry(document).or_default();
        entry.recipients += n;
        match to_enum::<MailState>(&state)? {
            MailState::Delivered => entry.delivered += n,
            MailState::Failed => entry.failed += n,
            MailState::Queued | MailState::Sending => entry.pending += n,
        }
    }
    Ok(counts)
}
