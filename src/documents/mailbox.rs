//! The lists of a facility's documents: the API's inbox and outbox, and the pages' mailboxes
//! (filtered, sorted and paged in the query), and a document opened on its page.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Document, DocumentStatus, DocumentSummary, ListFilter, deliveries, read, store};
use crate::auth::Principal;
use crate::calendar;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::forms::DocumentKind;

/// Documents received by the caller's facility, newest first.
pub fn inbox(
    conn: &mut DbConnection,
    principal: &Principal,
    filter: &ListFilter,
) -> Result<Vec<DocumentSummary>, AppError> {
    principal.require_liaison()?;
    Ok(store::list(conn, store::Side::Recipient, principal.facility_id, &filter.listing())?)
}

/// Documents sent by the caller's facility, newest first, with their read state.
pub fn outbox(
    conn: &mut DbConnection,
    principal: &Principal,
    filter: &ListFilter,
) -> Result<Vec<DocumentSummary>, AppError> {
    principal.require_liaison()?;
    Ok(store::list(conn, store::Side::Sender, principal.facility_id, &filter.listing())?)
}

impl ListFilter {
    fn listing(&self) -> store::Listing {
        store::Listing {
            kind: self.kind,
            status: self.status,
            episode: self.episode_id,
            order: self.sort.map(|key| store::Order::of(key, self.direction)),
            limit: self.limit.unwrap_or(100).clamp(1, 500),
            offset: self.offset.unwrap_or(0).max(0),
            ..store::Listing::default()
        }
    }
}

/// Which way a mailbox looks: documents received, or sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Inbox,
    Outbox,
}

/// A read state to filter a mailbox by, as the pages offer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// 未読: not opened yet.
    Unread,
    /// 既読（未確認）
    Read,
    /// 確認済
    Acknowledged,
}

/// A page of a mailbox: the filters, and which page (from 0).
#[derive(Debug, Clone, Default)]
pub struct MailboxQuery {
    pub kind: Option<DocumentKind>,
    pub reading: Option<Reading>,
    /// Part of the client's name, in 漢字 or フリガナ.
    pub client: Option<String>,
    /// A column the visitor sorted by; by default the mailbox's own order.
    pub order: Option<store::Order>,
    pub page: i64,
}

/// Documents per page of a mailbox.
pub const PAGE_SIZE: i64 = 50;

/// One page of a mailbox: each document with whether it waits too long for 確認 (received and
/// not acknowledged `overdue_after` after it was sent), and whether more pages follow.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub documents: Vec<(DocumentSummary, bool)>,
    pub page: i64,
    pub more: bool,
}

/// A page of the facility's inbox (unread first, then the overdue, then the rest, newest first
/// within each) or outbox (newest first), or sorted by the column asked for; filtered, sorted
/// and paged in the query.
pub fn mailbox(
    conn: &mut DbConnection,
    principal: &Principal,
    side: Side,
    query: &MailboxQuery,
    overdue_after: chrono::Duration,
) -> Result<Mailbox, AppError> {
    principal.require_liaison()?;
    let now = calendar::now();
    let overdue_before = now - overdue_after;
    let page = query.page.max(0);
    let listing = store::Listing {
        kind: query.kind,
        status: match query.reading {
            Some(Reading::Read) => Some(DocumentStatus::Read),
            Some(Reading::Acknowledged) => Some(DocumentStatus::Acknowledged),
            _ => None,
        },
        unread: query.reading == Some(Reading::Unread),
        client_name: query.client.clone(),
        unread_first_overdue_before: (side == Side::Inbox).then_some(overdue_before),
        order: query.order,
        limit: PAGE_SIZE + 1,
        offset: page * PAGE_SIZE,
        ..store::Listing::default()
    };
    let store_side = match side {
        Side::Inbox => store::Side::Recipient,
        Side::Outbox => store::Side::Sender,
    };
    let mut documents = store::list(conn, store_side, principal.facility_id, &listing)?;
    let more = documents.len() as i64 > PAGE_SIZE;
    documents.truncate(usize::try_from(PAGE_SIZE).unwrap_or(50));
    let documents = documents
        .into_iter()
        .map(|d| {
            let overdue = d.status != DocumentStatus::Acknowledged && calendar::to_utc(d.sent_at) < overdue_before;
            (d, overdue)
        })
        .collect();
    Ok(Mailbox { documents, page, more })
}

/// A document opened on its page: the revision asked for (the current one by default), the
/// mails that announced that revision, and whether the visitor may acknowledge it now (their
/// facility received it, the current revision is shown and not acknowledged yet).
#[derive(Debug, Clone)]
pub struct Opened {
    pub document: Document,
    pub deliveries: Vec<crate::notify::Delivery>,
    pub is_recipient: bool,
    pub can_acknowledge: bool,
    /// The visitor's facility sent it and the visitor writes its kind: they may attach files.
    pub can_attach: bool,
    /// The kinds the visitor may write next from it, as its recipient (an answer to a
    /// conference, a 退院・退所情報記録書 from the hospital's information).
    pub replies: Vec<crate::forms::DocumentKind>,
}

/// Opens a document on its page (the recipient's opening makes it 既読).
pub fn open(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    revision: Option<i32>,
) -> Result<Opened, AppError> {
    let document = read(conn, principal, id, revision)?;
    let deliveries = deliveries(conn, principal, id)?
        .into_iter()
        .filter(|d| d.document_revision == Some(document.payload_revision))
        .collect();
    let is_recipient = document.summary.received_by(principal.facility_id);
    let can_acknowledge = is_recipient
        && document.summary.status != DocumentStatus::Acknowledged
        && document.payload_revision == document.summary.revision;
    let can_attach = document.summary.sender.id == principal.facility_id
        && principal.role == super::exchange::sender_role(document.summary.kind);
    let replies =
        if is_recipient { super::exchange::replies_to(document.summary.kind, principal.role) } else { vec![] };
    Ok(Opened { document, deliveries, is_recipient, can_acknowledge, can_attach, replies })
}
