//! Documents exchanged between facilities: who may send which kind to whom, sending (which is
//! also a contact), amendments as new revisions, inbox and outbox, reading (the read receipt)
//! and acknowledging (確認). A document is seen only by its sender and recipient facilities.

pub mod attachments;
pub mod exchange;
mod mailbox;
mod sending;
pub mod store;

pub use mailbox::{Mailbox, MailboxQuery, Opened, PAGE_SIZE, Reading, Side, inbox, mailbox, open, outbox};
pub use sending::{amend, send};
pub use store::{Direction, Order, SortKey};

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar;
use crate::db::DbConnection;
use crate::directory::{FacilityRef, Role, UserRef};
use crate::error::AppError;
use crate::forms::DocumentKind;
use crate::notify::DeliveryCounts;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum DocumentStatus {
    /// 送信済: stored and announced; no mail about it accepted by an SMTP server yet.
    Sent,
    /// 配信済: the mail announcing the current revision reached the recipient's mail server.
    Delivered,
    /// 既読: opened by the recipient.
    Read,
    /// 確認済: acknowledged by the recipient.
    Acknowledged,
}

impl DocumentStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Sent => "送信済",
            Self::Delivered => "配信済",
            Self::Read => "既読",
            Self::Acknowledged => "確認済",
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentSummary {
    pub id: Uuid,
    pub kind: DocumentKind,
    /// e.g. 入院時情報提供書
    pub kind_label: String,
    pub episode_id: Uuid,
    pub client_id: Uuid,
    pub client_name: String,
    pub sender: FacilityRef,
    pub sender_user: UserRef,
    pub recipient: FacilityRef,
    /// The current revision (1 for the first; each amendment adds one).
    pub revision: i32,
    pub schema_version: i32,
    /// 送信済 → 配信済 → 既読 → 確認済, for the current revision.
    pub status: DocumentStatus,
    /// 送信済 / 配信済 / 既読 / 確認済; 保管（共有なし） for a record its writer keeps (sender and
    /// recipient the same facility: no mail, in no inbox).
    pub status_label: String,
    /// The mails announcing the current revision: to how many addresses, and how they stand.
    /// `failed` above 0 means someone was not told: reach them another way.
    pub delivery: DeliveryCounts,
    pub sent_at: DateTime<FixedOffset>,
    pub first_read_at: Option<DateTime<FixedOffset>>,
    pub acknowledged_at: Option<DateTime<FixedOffset>>,
}

impl DocumentSummary {
    /// A record its writer keeps: sender and recipient are the same facility (no mail, in no
    /// inbox, read and acknowledged by nobody).
    pub fn is_kept(&self) -> bool {
        self.sender.id == self.recipient.id
    }

    /// Whether `facility` received it (and so reads and acknowledges it).
    pub fn received_by(&self, facility: Uuid) -> bool {
        self.recipient.id == facility && !self.is_kept()
    }
}

/// The status label of a record its writer keeps.
pub const KEPT_LABEL: &str = "保管（共有なし）";

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RevisionInfo {
    pub revision: i32,
    pub schema_version: i32,
    pub created_at: DateTime<FixedOffset>,
    pub created_by: UserRef,
}

/// A document with the payload of one revision (the current one unless asked otherwise).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Document {
    #[serde(flatten)]
    pub summary: DocumentSummary,
    /// The revision whose payload this is.
    pub payload_revision: i32,
    pub payload_schema_version: i32,
    /// The form as written, valid against `schemas/{kind}/v{payload_schema_version}.json`.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub revisions: Vec<RevisionInfo>,
    /// The files attached to the document (any revision), in the order they were attached;
    /// each is downloaded from `/api/v1/documents/{id}/attachments/{attachment_id}`.
    pub attachments: Vec<attachments::Attachment>,
}

/// A document to send.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendDocument {
    pub kind: DocumentKind,
    /// The schema version the payload is written under; default: the newest.
    #[serde(default)]
    pub schema_version: Option<u32>,
    /// The facility that receives it.
    pub recipient_facility_id: Uuid,
    /// The stay it is about. Give this, or (for an admission sheet only) `client_id`.
    #[serde(default)]
    pub episode_id: Option<Uuid>,
    /// For an admission sheet when the hospital has not registered the admission: the client,
    /// whose stay at the recipient hospital is then created from the sheet's 入院日.
    #[serde(default)]
    pub client_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub payload: Value,
}

/// A new revision of a sent document; it supersedes the previous one, which stays readable.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    /// Default: the schema version of the current revision.
    #[serde(default)]
    pub schema_version: Option<u32>,
    #[schema(value_type = Object)]
    pub payload: Value,
}

/// Which documents to list.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListFilter {
    pub kind: Option<DocumentKind>,
    pub status: Option<DocumentStatus>,
    pub episode_id: Option<Uuid>,
    /// Sorted by this column (then newest first); by default newest first.
    pub sort: Option<SortKey>,
    /// The sort's direction: by default newest first for `sent_at`, otherwise ascending.
    pub direction: Option<Direction>,
    /// At most this many (default 100, at most 500).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Reads a document (a revision of it, or the current one). When a nurse or care manager of the
/// recipient facility opens the current revision, it becomes 既読.
pub fn read(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    revision: Option<i32>,
) -> Result<Document, AppError> {
    let summary = visible(conn, principal, id)?;
    if revision.is_some_and(|r| r < 1 || r > summary.revision) {
        return Err(AppError::NotFound("revision"));
    }
    let opens_current = revision.is_none_or(|r| r == summary.revision);
    if opens_current
        && summary.received_by(principal.facility_id)
        && matches!(summary.status, DocumentStatus::Sent | DocumentStatus::Delivered)
        && matches!(principal.role, Role::DischargeNurse | Role::CareManager)
    {
        crate::db::write(conn, |conn| store::mark_read(conn, id, summary.revision, calendar::now()))?;
    }
    Ok(store::document(conn, id, revision)?)
}

/// The recipient acknowledges (確認) the current revision. Doing it again changes nothing.
pub fn acknowledge(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<Document, AppError> {
    principal.require(&[Role::DischargeNurse, Role::CareManager], "確認")?;
    crate::db::write(conn, |conn| {
        let summary = visible(conn, principal, id)?;
        if !summary.received_by(principal.facility_id) {
            return Err(AppError::Forbidden("確認は受け取った事業所だけが行えます".into()));
        }
        if summary.status != DocumentStatus::Acknowledged {
            store::acknowledge(conn, id, summary.revision, principal.user_id, calendar::now())?;
        }
        Ok::<_, AppError>(())
    })?;
    Ok(store::document(conn, id, None)?)
}

/// Every mail about a document (announcements and reminders) with its delivery state, for the
/// facilities that sent or received it.
pub fn deliveries(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
) -> Result<Vec<crate::notify::Delivery>, AppError> {
    visible(conn, principal, id)?;
    Ok(crate::notify::store::of_document(conn, id)?)
}

/// The summary, or 404 unless the caller's facility sent or received the document.
pub(crate) fn visible(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<DocumentSummary, AppError> {
    principal.require_liaison()?;
    store::summary(conn, id)?
        .filter(|s| s.sender.id == principal.facility_id || s.recipient.id == principal.facility_id)
        .ok_or(AppError::NotFound("document"))
}

/// How many documents the visitor's facility received that nobody there has opened yet (for
/// the menu's 受信箱); none for roles without an inbox.
pub fn unread_count(conn: &mut DbConnection, principal: &Principal) -> Result<i64, AppError> {
    match principal.role {
        Role::DischargeNurse | Role::CareManager => Ok(store::count_unread(conn, principal.facility_id)?),
        Role::Coordinator | Role::Admin => Ok(0),
    }
}
