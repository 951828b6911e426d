//! Documents exchanged between facilities: who may send which kind to whom, sending (which is
//! also a contact), amendments as new revisions, inbox and outbox, reading (the read receipt)
//! and acknowledging (確認). A document is seen only by its sender and recipient facilities.

pub mod store;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar;
use crate::contacts::{self, ContactKind, Direction, Method};
use crate::db::DbConnection;
use crate::directory::{FacilityKind, FacilityRef, Role, UserRef};
use crate::episodes::{self, store::NewEpisode};
use crate::error::{AppError, FieldError};
use crate::forms::registry::{Schema, SchemaRegistry};
use crate::forms::{DocumentKind, checks};
use crate::notify::DeliveryCounts;
use crate::notify::{DocumentMail, Notifier};

/// Who sends a kind of document to whom, and what contact it makes.
struct Exchange {
    sender_role: Role,
    recipient_is: fn(FacilityKind) -> bool,
    recipient_name: &'static str,
    direction: Direction,
    contact: ContactKind,
}

/// The role that sends a kind of document (and amends it).
pub fn sender_role(kind: DocumentKind) -> Role {
    exchange(kind).sender_role
}

fn exchange(kind: DocumentKind) -> Exchange {
    match kind {
        DocumentKind::AdmissionInfo => Exchange {
            sender_role: Role::CareManager,
            recipient_is: |k| k == FacilityKind::Hospital,
            recipient_name: "医療機関",
            direction: Direction::CmToHospital,
            contact: ContactKind::AdmissionInfo,
        },
        DocumentKind::DischargeNotice => Exchange {
            sender_role: Role::DischargeNurse,
            recipient_is: FacilityKind::is_care_side,
            recipient_name: "居宅介護支援事業所・地域包括支援センター等",
            direction: Direction::HospitalToCm,
            contact: ContactKind::DischargeNotice,
        },
    }
}

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
    let rule = exchange(kind);
    principal.require(&[rule.sender_role], &format!("{}の送付", kind.label()))?;
    let schema = schema_for(schemas, kind, request.schema_version)?;
    let mut errors = schema.validate(&request.payload, "/payload");
    let today = calendar::today();
    crate::db::write(conn, |conn| {
        let (recipient_kind, recipient) = crate::directory::store::kind_and_ref(conn, request.recipient_facility_id)?
            .ok_or_else(|| {
            AppError::invalid("/recipient_facility_id", "exists", "送付先の事業所が見つかりません")
        })?;
        if !(rule.recipient_is)(recipient_kind) {
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
        principal.require(&[exchange(kind).sender_role], &format!("{}の訂正", kind.label()))?;
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
    Ok(store::list(conn, store::Side::Recipient, principal.facility_id, filter)?)
}

/// Documents sent by the caller's facility, newest first, with their read state.
pub fn outbox(
    conn: &mut DbConnection,
    principal: &Principal,
    filter: &ListFilter,
) -> Result<Vec<DocumentSummary>, AppError> {
    principal.require_liaison()?;
    Ok(store::list(conn, store::Side::Sender, principal.facility_id, filter)?)
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
