//! The outbox in the database: one row per mail and address, queued in the writer's transaction,
//! claimed by a worker under a lease (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so that two
//! workers never take the same row), then delivered, retried later, or failed.

use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::Topic;
use super::mail::Rendered;
use super::recipients::Recipient;
use crate::calendar;
use crate::db::schema::{documents, outbox};
use crate::db::{DbConnection, new_id, to_enum, to_uuid};
use crate::directory::FacilityRef;
use crate::directory::store::facility_refs;

/// Where a mail is in its delivery.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MailState {
    /// 送信待ち: waiting for a worker (first try, or a retry after a failed try).
    Queued,
    /// 送信中: a worker holds it.
    Sending,
    /// 配信済: the SMTP server accepted it (or it was written to the mail folder).
    Delivered,
    /// 配信失敗: refused for good, or every attempt failed.
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "送信待ち",
            Self::Sending => "送信中",
            Self::Delivered => "配信済",
            Self::Failed => "配信失敗",
        }
    }
}

/// What a mail is about.
pub struct About {
    pub topic: Topic,
    /// The document and the revision it announces.
    pub document: Option<(Uuid, i32)>,
    pub episode_id: Option<Uuid>,
    pub reminder_id: Option<Uuid>,
}

impl About {
    /// A reminder about a stay (and a document of it).
    pub fn reminder(topic: Topic, reminder: Uuid, episode: Uuid, document: Option<(Uuid, i32)>) -> Self {
        Self { topic, document, episode_id: Some(episode), reminder_id: Some(reminder) }
    }
}

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

/// What became of one attempt.
#[derive(Debug, Clone)]
pub enum Outcome {
    Delivered,
    /// Try again at this time.
    RetryAt(NaiveDateTime, String),
    Failed(String),
}

/// Records attempts' outcomes; a delivered document announcement marks the document 配信済.
pub fn record(conn: &mut DbConnection, outcomes: &[(ClaimedMail, Outcome)], now: NaiveDateTime) -> QueryResult<()> {
    crate::db::write(conn, |conn| {
        for (mail, outcome) in outcomes {
            let row = outbox::table.find(&mail.id);
            match outcome {
                Outcome::Delivered => {
                    diesel::update(row)
                        .set((
                            outbox::state.eq(MailState::Delivered.as_str()),
                            outbox::delivered_at.eq(now),
                            outbox::lease_until.eq(None::<NaiveDateTime>),
                            outbox::last_error.eq(None::<String>),
                        ))
                        .execute(conn)?;
                    let announces = to_enum::<Topic>(&mail.topic).is_ok_and(Topic::delivers_document);
                    if let (true, Some(document), Some(revision)) =
                        (announces, &mail.document_id, mail.document_revision)
                    {
                        mark_document_delivered(conn, document, revision, now)?;
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
        Ok(())
    })
}

fn mark_document_delivered(conn: &mut DbConnection, id: &str, revision: i32, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        documents::table
            .find(id)
            .filter(documents::delivered_revision.is_null().or(documents::delivered_revision.lt(revision))),
    )
    .set(documents::delivered_revision.eq(revision))
    .execute(conn)?;
    diesel::update(documents::table.find(id).filter(documents::first_delivered_at.is_null()))
        .set(documents::first_delivered_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// One mail as its sender and administrators see it: to whom, about what, and where it is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub message_id: String,
    pub topic: Topic,
    pub topic_label: String,
    pub document_id: Option<Uuid>,
    pub document_revision: Option<i32>,
    /// The facility the address belongs to.
    pub facility: FacilityRef,
    pub address: String,
    pub state: MailState,
    /// 送信待ち / 送信中 / 配信済 / 配信失敗
    pub state_label: String,
    pub attempts: i32,
    /// Why the last attempt failed (the SMTP server's answer).
    pub last_error: Option<String>,
    pub queued_at: chrono::DateTime<chrono::FixedOffset>,
    pub next_attempt_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub delivered_at: Option<chrono::DateTime<chrono::FixedOffset>>,
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

/// How the announcements of each document's current revision stand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryCounts {
    /// Addresses the current revision was announced to.
    pub recipients: i64,
    /// Accepted by the SMTP server.
    pub delivered: i64,
    /// Still waiting or being retried.
    pub pending: i64,
    /// Failed for good: the sender should reach the recipient another way.
    pub failed: i64,
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
