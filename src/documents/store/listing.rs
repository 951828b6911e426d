//! A facility's documents as a list: filtered, sorted by any column and paged in the query, so
//! that a mailbox of any size shows its right page.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Side, SummaryRow, summaries, summary_query};
use crate::db::DbConnection;
use crate::db::schema::{clients, documents};
use crate::documents::{DocumentStatus, DocumentSummary};
use crate::forms::DocumentKind;

/// Which of a facility's documents to list, and in what order.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub kind: Option<DocumentKind>,
    pub status: Option<DocumentStatus>,
    /// Only those not opened yet (送信済 or 配信済).
    pub unread: bool,
    pub episode: Option<Uuid>,
    /// Only those whose client's name (漢字 or フリガナ) contains this.
    pub client_name: Option<String>,
    /// Unread first, then those sent before this instant and not acknowledged (overdue), then
    /// the rest; newest first within each. `None`: newest first. `order` overrides it.
    pub unread_first_overdue_before: Option<NaiveDateTime>,
    /// By a column the visitor chose, then newest first.
    pub order: Option<Order>,
    pub limit: i64,
    pub offset: i64,
}

/// A column a list of documents can be sorted by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum SortKey {
    /// The state: not opened, delivered, read, acknowledged (the inbox: unread, read, acknowledged).
    Status,
    /// The kind, in the order of the handbook's exchange.
    Kind,
    /// The client, by フリガナ (五十音順).
    Client,
    /// The other facility: the sender in an inbox, the recipient in an outbox.
    Facility,
    /// When it was sent.
    SentAt,
}

impl SortKey {
    /// The SQL the list is ordered by: made only of fixed text (no input of the visitor).
    fn expression(self, side: &Side) -> String {
        let current = "documents.current_revision";
        match self {
            Self::Status => {
                let delivered = match side {
                    // To its recipient a delivered document is as unread as one still on its way.
                    Side::Recipient => 0,
                    Side::Sender => 1,
                };
                format!(
                    "CASE WHEN documents.acknowledged_revision = {current} THEN 3 \
                     WHEN documents.read_revision = {current} THEN 2 \
                     WHEN documents.delivered_revision = {current} THEN {delivered} ELSE 0 END"
                )
            }
            Self::Kind => {
                let ranks: String = DocumentKind::iter()
                    .enumerate()
                    .map(|(rank, kind)| format!(" WHEN '{}' THEN {rank}", kind.as_str()))
                    .collect();
                format!("CASE documents.kind{ranks} ELSE 99 END")
            }
            Self::Client => "clients.name_kana".to_owned(),
            Self::Facility => {
                let other = match side {
                    Side::Recipient => "documents.sender_facility_id",
                    Side::Sender => "documents.recipient_facility_id",
                };
                format!("(SELECT facilities.name FROM facilities WHERE facilities.id = {other})")
            }
            Self::SentAt => "documents.sent_at".to_owned(),
        }
    }

    /// Which way a first click sorts: the newest first for the time, otherwise from the top.
    pub fn descending_first(self) -> bool {
        self == Self::SentAt
    }
}

/// Which way a column is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, strum::EnumString)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Direction {
    Asc,
    Desc,
}

/// A column and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub key: SortKey,
    pub descending: bool,
}

impl Order {
    /// The same column the other way round.
    pub fn reversed(self) -> Self {
        Self { descending: !self.descending, ..self }
    }

    /// The column, in the direction asked for or else its first direction.
    pub fn of(key: SortKey, direction: Option<Direction>) -> Self {
        let descending = direction.map_or(key.descending_first(), |d| d == Direction::Desc);
        Self { key, descending }
    }
}

/// One side's documents, filtered, sorted and paged in the query.
pub fn list(
    conn: &mut DbConnection,
    side: Side,
    facility: Uuid,
    listing: &Listing,
) -> QueryResult<Vec<DocumentSummary>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Integer, Timestamp};
    let mut query = summary_query().into_boxed();
    query = match side {
        Side::Sender => query.filter(documents::sender_facility_id.eq(facility.to_string())),
        // A record its writer keeps (sender and recipient the same facility) is in no inbox.
        Side::Recipient => query
            .filter(documents::recipient_facility_id.eq(facility.to_string()))
            .filter(documents::sender_facility_id.ne(documents::recipient_facility_id)),
    };
    if let Some(kind) = listing.kind {
        query = query.filter(documents::kind.eq(kind.as_str()));
    }
    if let Some(episode) = listing.episode {
        query = query.filter(documents::episode_id.eq(episode.to_string()));
    }
    if let Some(name) = listing.client_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        let escape = |text: &str| -> String {
            text.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect()
        };
        let escaped = escape(name);
        let pattern = format!("%{escaped}%");
        // フリガナ however it is typed (hiragana, half-width, with or without spaces) against the
        // stored one without its spaces; the name as typed, and without spaces.
        let compact = escape(&crate::clients::compact(name));
        let compact_pattern = format!("%{compact}%");
        let without_spaces = |column: &str| {
            sql::<diesel::sql_types::Bool>(&format!("REPLACE(REPLACE({column}, ' ', ''), '\u{3000}', '') LIKE "))
                .bind::<diesel::sql_types::Text, _>(compact_pattern.clone())
                .sql(" ESCAPE '\\'")
        };
        query = query.filter(
            clients::name
                .like(pattern)
                .escape('\\')
                .or(without_spaces("clients.name"))
                .or(without_spaces("clients.name_kana")),
        );
    }
    let current = documents::current_revision.nullable();
    let unread = documents::read_revision.is_null().or(documents::read_revision.ne(current));
    if listing.unread {
        query = query.filter(unread);
    }
    query = match listing.status {
        None => query,
        Some(DocumentStatus::Acknowledged) => query.filter(documents::acknowledged_revision.eq(current)),
        Some(DocumentStatus::Read) => query.filter(
            documents::read_revision
                .eq(current)
                .and(documents::acknowledged_revision.is_null().or(documents::acknowledged_revision.ne(current))),
        ),
        Some(DocumentStatus::Delivered) => query.filter(
            documents::delivered_revision
                .eq(current)
                .and(documents::read_revision.is_null().or(documents::read_revision.ne(current))),
        ),
        Some(DocumentStatus::Sent) => query.filter(
            documents::read_revision
                .is_null()
                .or(documents::read_revision.ne(current))
                .and(documents::delivered_revision.is_null().or(documents::delivered_revision.ne(current))),
        ),
    };
    if let Some(order) = listing.order {
        let column = sql::<Integer>(&order.key.expression(&side));
        query = if order.descending { query.order(column.desc()) } else { query.order(column.asc()) };
        if order.key == SortKey::Client {
            // Same フリガナ: by the name as written.
            let name = clients::name;
            query = if order.descending { query.then_order_by(name.desc()) } else { query.then_order_by(name.asc()) };
        }
        query = query.then_order_by(documents::sent_at.desc()).then_order_by(documents::id.desc());
    } else if let Some(overdue_before) = listing.unread_first_overdue_before {
        query = query
            .order(
                sql::<Integer>(
                    "CASE WHEN documents.read_revision IS NULL \
                       OR documents.read_revision <> documents.current_revision THEN 0 ELSE 1 END",
                )
                .asc(),
            )
            .then_order_by(
                sql::<Integer>(
                    "CASE WHEN (documents.acknowledged_revision IS NULL \
                       OR documents.acknowledged_revision <> documents.current_revision) AND documents.sent_at < ",
                )
                .bind::<Timestamp, _>(overdue_before)
                .sql(" THEN 0 ELSE 1 END")
                .asc(),
            )
            .then_order_by(documents::sent_at.desc())
            .then_order_by(documents::id.desc());
    } else {
        query = query.order((documents::sent_at.desc(), documents::id.desc()));
    }
    let rows: Vec<SummaryRow> = query.limit(listing.limit).offset(listing.offset.max(0)).load(conn)?;
    summaries(conn, rows)
}
