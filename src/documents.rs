//! Documents exchanged between facilities: who may send which kind to whom, sending (which is
//! also a contact), amendments as new revisions, inbox and outbox, reading (the read receipt)
//! and acknowledging (確認). A document is seen only by its sender and recipient facilities.

pub mod exchange;
pub mod store;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar;
use crate::contacts::{self, Method};
use crate::db::DbConnection;
use crate::directory::{FacilityRef, Role, UserRef};
use crate::episodes::{self, store::NewEpisode};
use crate::error::{AppError, FieldError};
use crate::forms::registry::{Schema, SchemaRegistry};
use crate::forms::{DocumentKind, checks};
use crate::notify::DeliveryCounts;
use crate::notify::{DocumentMail, Notifier};

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
    /// 送信済 / 配信済 / 既読 / 確認済
    pub status_label: String,
    /// The mails announcing the current revision: to how many addresses, and how they stand.
    /// `failed` above 0 means someone was not told: reach them another way.
    pub delivery: DeliveryCounts,
    pub sent_at: DateTime<FixedOffset>,
    pub first_read_at: Option<DateTime<FixedOffset>>,
    pub acknowledged_at: Option<DateTime<FixedOffset>>,
}

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
    /// At most this many (default 100, at most 500).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

fn schema_for(schemas: &SchemaRegistry, kind: DocumentKind, version: Option<u32>) -> Result<&Schema, AppError> {
    match version {
        Some(v) => schemas.get(kind, v).ok_or_else(|| {
            AppError::invalid("/schema_version", "exists", format!("{}の様式 v{v} はありません", kind.label()))
        }),
        None => schemas.latest(kind).ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no schema for {kind:?}"))),
    }
}

/// Sends a document: validates it fully, then stores it, its first revision and its contact in
/// one transaction. On any error nothing is stored.
pub fn send(
    conn: &mut DbConnection,
    schemas: &SchemaRegistry,
    notifier: &Notifier,
    principal: &Principal,
    request: SendDocument,
) -> Result<DocumentSummary, AppError> {
    let kind = request.kind;
    let rule = exchange::of(kind);
    principal.require(&[rule.sender_role], &format!("{}の送付", kind.label()))?;
    let schema = schema_for(schemas, kind, request.schema_version)?;
    let mut errors = schema.validate(&request.payload, "/payload");
    let today = calendar::today();
    crate::db::write(conn, |conn| {
        let (recipient_kind, recipient) = crate::directory::store::kind_and_ref(conn, request.recipient_facility_id)?
            .ok_or_else(|| {
            AppError::invalid("/recipient_facility_id", "exists", "送付先の事業所が見つかりません")
        })?;
        if !rule.recipient_kinds.contains(&recipient_kind) {
            return Err(AppError::invalid(
                "/recipient_facility_id",
                "recipient_kind",
                format!(
                    "{}の送付先は{}です（{}は{}）",
                    kind.label(),
                    rule.recipient_name,
                    recipient.name,
                    recipient_kind.label()
                ),
            ));
        }
        let stay = resolve_stay(conn, principal, &request, recipient.id, today, &mut errors)?;
        if !errors.is_empty() {
            return Err(AppError::Invalid(std::mem::take(&mut errors)));
        }
        let now = calendar::now();
        let id =
            store::insert(conn, kind, stay.episode_id, principal, recipient.id, schema.version, &request.payload, now)?;
        episodes::store::add_parties(conn, stay.episode_id, &[principal.facility_id, recipient.id])?;
        contacts::store::insert(
            conn,
            &contacts::store::ContactRecord {
                episode_id: stay.episode_id,
                direction: rule.direction,
                kind: rule.contact,
                method: Method::System,
                contacted_on: Some(calendar::japan_date(now)),
                contacted_at: Some(now),
                document_id: Some(id),
                recorded_by: Some(principal.user_id),
            },
        )?;
        after_write(conn, kind, stay.episode_id, &request.payload)?;
        let mail = DocumentMail {
            id,
            kind,
            revision: 1,
            episode_id: stay.episode_id,
            sender: principal.facility_ref(),
            recipient: recipient.clone(),
        };
        let announced = i64::try_from(notifier.document(conn, &mail, now)?).unwrap_or(i64::MAX);
        // What was just committed, without reading it back.
        Ok(DocumentSummary {
            id,
            kind,
            kind_label: kind.label().to_owned(),
            episode_id: stay.episode_id,
            client_id: stay.client_id,
            client_name: stay.client_name,
            sender: principal.facility_ref(),
            sender_user: UserRef { id: principal.user_id, name: principal.user_name.clone() },
            recipient,
            revision: 1,
            schema_version: i32::try_from(schema.version).unwrap_or(i32::MAX),
            status: DocumentStatus::Sent,
            status_label: DocumentStatus::Sent.label().to_owned(),
            delivery: DeliveryCounts { recipients: announced, pending: announced, ..DeliveryCounts::default() },
            sent_at: calendar::in_japan(now),
            first_read_at: None,
            acknowledged_at: None,
        })
    })
}

/// The stay a new document is about.
struct Stay {
    episode_id: Uuid,
    client_id: Uuid,
    client_name: String,
}

/// Finds the stay a document is about: the one named, which the sender takes part in and whose
/// hospital is the right side of the exchange; or, for an admission sheet naming a client, the
/// client's open stay at the recipient hospital, created from the sheet's 入院日 when there is
/// none. Rules across the payload and the stay go into `errors`.
fn resolve_stay(
    conn: &mut DbConnection,
    principal: &Principal,
    request: &SendDocument,
    recipient: Uuid,
    today: chrono::NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Result<Stay, AppError> {
    let kind = request.kind;
    match (request.episode_id, request.client_id) {
        (Some(episode_id), None) => {
            let facts = episodes::store::stay_for(conn, episode_id, principal.facility_id)?
                .ok_or(AppError::NotFound("episode"))?;
            let (hospital, counterpart) = match kind {
                DocumentKind::AdmissionInfo => (recipient, "送付先"),
                DocumentKind::DischargeNotice => (principal.facility_id, "送付元"),
            };
            if facts.hospital != hospital {
                return Err(AppError::invalid(
                    "/episode_id",
                    "episode_hospital",
                    format!("この入院の医療機関と{counterpart}が一致しません"),
                ));
            }
            errors.extend(consistency(kind, &request.payload, today, facts.admitted_on));
            Ok(Stay { episode_id, client_id: facts.client_id, client_name: facts.client_name })
        }
        (None, Some(client_id)) if kind == DocumentKind::AdmissionInfo => {
            if !crate::clients::store::is_visible(conn, client_id, principal.facility_id)? {
                return Err(AppError::NotFound("client"));
            }
            let client_name = crate::clients::store::name_of(conn, client_id)?;
            if let Some(open) = episodes::store::open_stay(conn, client_id, recipient)? {
                let registered = episodes::store::get(conn, open)?.admitted_on;
                errors.extend(consistency(kind, &request.payload, today, registered));
                return Ok(Stay { episode_id: open, client_id, client_name });
            }
            errors.extend(checks::admission_info(&request.payload, "/payload", today, None));
            if !errors.is_empty() {
                return Err(AppError::Invalid(std::mem::take(errors)));
            }
            let text = |pointer: &str| request.payload.pointer(pointer).and_then(Value::as_str);
            let admitted_on = text("/header/admission_date").and_then(|d| d.parse().ok()).ok_or_else(|| {
                AppError::invalid("/payload/header/admission_date", "required", "「入院日」を入力してください")
            })?;
            let new = NewEpisode {
                client_id,
                hospital_id: recipient,
                admitted_on,
                admitted_at: None,
                planned_discharge_on: None,
                care_level_on_sheet: text("/care_insurance/care_level").map(str::to_owned),
                planned_respite: false,
                created_by: Some(principal.user_id),
            };
            Ok(Stay { episode_id: episodes::store::insert(conn, &new)?, client_id, client_name })
        }
        _ => {
            let allowed = if kind == DocumentKind::AdmissionInfo {
                "episode_id か client_id のどちらか一方"
            } else {
                "episode_id"
            };
            Err(AppError::invalid("/episode_id", "required", format!("{allowed}を指定してください")))
        }
    }
}

/// Rules across the payload and the stay it is about.
fn consistency(
    kind: DocumentKind,
    payload: &Value,
    today: chrono::NaiveDate,
    admitted_on: chrono::NaiveDate,
) -> Vec<FieldError> {
    match kind {
        DocumentKind::AdmissionInfo => checks::admission_info(payload, "/payload", today, Some(admitted_on)),
        DocumentKind::DischargeNotice => checks::discharge_notice(payload, "/payload", admitted_on, today),
    }
}

/// Copies what filters and statistics need from the payload to real columns.
fn after_write(conn: &mut DbConnection, kind: DocumentKind, episode_id: Uuid, payload: &Value) -> Result<(), AppError> {
    if kind == DocumentKind::DischargeNotice
        && let Some(day) =
            payload.pointer("/planned_discharge_date").and_then(Value::as_str).and_then(|d| d.parse().ok())
    {
        episodes::store::set_planned_discharge(conn, episode_id, Some(day))?;
    }
    Ok(())
}

/// The sender amends a document: a new revision, validated like the first.
pub fn amend(
    conn: &mut DbConnection,
    schemas: &SchemaRegistry,
    notifier: &Notifier,
    principal: &Principal,
    id: Uuid,
    amendment: Amendment,
) -> Result<Document, AppError> {
    crate::db::write(conn, |conn| {
        let current = visible(conn, principal, id)?;
        let kind = current.kind;
        principal.require(&[exchange::of(kind).sender_role], &format!("{}の訂正", kind.label()))?;
        if current.sender.id != principal.facility_id {
            return Err(AppError::Forbidden("訂正は送った事業所だけが行えます".into()));
        }
        let version = amendment.schema_version.or(u32::try_from(current.schema_version).ok());
        let schema = schema_for(schemas, kind, version)?;
        let mut errors = schema.validate(&amendment.payload, "/payload");
        let episode = episodes::store::get(conn, current.episode_id)?;
        errors.extend(consistency(kind, &amendment.payload, calendar::today(), episode.admitted_on));
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let revision = current.revision + 1;
        store::add_revision(conn, id, revision, schema.version, &amendment.payload, principal.user_id)?;
        after_write(conn, kind, current.episode_id, &amendment.payload)?;
        let mail = DocumentMail {
            id,
            kind,
            revision,
            episode_id: current.episode_id,
            sender: current.sender.clone(),
            recipient: current.recipient.clone(),
        };
        notifier.document(conn, &mail, calendar::now())?;
        Ok(())
    })?;
    Ok(store::document(conn, id, None)?)
}

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
/// within each) or outbox (newest first), filtered, sorted and paged in the query.
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
    let is_recipient = document.summary.recipient.id == principal.facility_id;
    let can_acknowledge = is_recipient
        && document.summary.status != DocumentStatus::Acknowledged
        && document.payload_revision == document.summary.revision;
    Ok(Opened { document, deliveries, is_recipient, can_acknowledge })
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
        && summary.recipient.id == principal.facility_id
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
        if summary.recipient.id != principal.facility_id {
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
fn visible(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<DocumentSummary, AppError> {
    principal.require_liaison()?;
    store::summary(conn, id)?
        .filter(|s| s.sender.id == principal.facility_id || s.recipient.id == principal.facility_id)
        .ok_or(AppError::NotFound("document"))
}
