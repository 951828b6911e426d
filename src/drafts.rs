//! Drafts: forms being written in the pages, saved as they are (not validated), seen only by
//! the facility writing them, until they are sent (then the draft is gone and the document
//! exists, in one transaction). A draft starts empty but for what Renkei already knows (dates,
//! facilities, the writer), from the last revision of a document being amended, or from the
//! previous admission sheet of the same client (copy forward).

pub mod files;
mod starting;
pub mod store;

pub use starting::{Start, has_previous, start};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::DbConnection;
use crate::documents::{self, Amendment, SendDocument};
use crate::error::{AppError, FieldError};
use crate::forms::DocumentKind;
use crate::forms::registry::SchemaRegistry;
use crate::notify::Notifier;

/// A form being written: seen only by the facility writing it, saved as it is (not validated)
/// until it is sent.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Draft {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub user_id: Uuid,
    pub kind: DocumentKind,
    pub schema_version: u32,
    pub episode_id: Option<Uuid>,
    pub client_id: Option<Uuid>,
    pub recipient_facility_id: Option<Uuid>,
    /// The document this draft will amend (a new revision), if any.
    pub amends_document_id: Option<Uuid>,
    /// The form as saved so far, prefilled with what Renkei knows when the draft started.
    #[schema(value_type = Object)]
    pub payload: Value,
    pub created_at: DateTime<FixedOffset>,
    pub updated_at: DateTime<FixedOffset>,
}

impl Draft {
    /// When it was last saved, as the pages compare it (RFC 3339, to the microsecond).
    pub fn saved_at(&self) -> String {
        self.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }
}

/// A draft of the acting facility.
pub fn get(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<Draft, AppError> {
    principal.require_liaison()?;
    store::find(conn, id, principal.facility_id)?.ok_or(AppError::NotFound("draft"))
}

/// The acting facility's drafts, the most recently saved first.
pub fn list(conn: &mut DbConnection, principal: &Principal) -> Result<Vec<Draft>, AppError> {
    principal.require_liaison()?;
    Ok(store::list(conn, principal.facility_id)?)
}

/// The drafts page of the acting facility: its drafts with their clients' names, the stays in
/// hospital a new form may be about (and, for a care manager, its clients, whose stay the
/// hospital may not have registered yet), and the kind of form the visitor writes.
#[derive(Debug, Clone)]
pub struct Overview {
    pub drafts: Vec<(Draft, String)>,
    pub stays: Vec<crate::episodes::Episode>,
    pub clients: Vec<crate::clients::Client>,
    pub writes: Vec<DocumentKind>,
}

pub fn overview(conn: &mut DbConnection, principal: &Principal) -> Result<Overview, AppError> {
    let drafts = list(conn, principal)?;
    let stays = crate::episodes::list(conn, principal)?;
    let clients = match principal.role {
        crate::directory::Role::CareManager => crate::clients::list(conn, principal)?,
        _ => vec![],
    };
    let names: std::collections::HashMap<Uuid, String> = stays
        .iter()
        .filter_map(|s| s.client.as_ref().map(|c| (s.id, c.name.clone())))
        .chain(clients.iter().map(|c| (c.id, c.name.clone())))
        .collect();
    let drafts = drafts
        .into_iter()
        .map(|d| {
            let name = d.episode_id.or(d.client_id).and_then(|id| names.get(&id).cloned()).unwrap_or_default();
            (d, name)
        })
        .collect();
    let stays = stays.into_iter().filter(|s| s.discharged_on.is_none()).collect();
    Ok(Overview { drafts, stays, clients, writes: documents::exchange::written_by(principal.role) })
}

/// Saves the form as it is, and the recipient chosen (when the draft lets one be chosen).
pub fn save(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    payload: &Value,
    recipient: Option<Uuid>,
) -> Result<(), AppError> {
    crate::db::write(conn, |conn| {
        let draft = get(conn, principal, id)?;
        store::save(conn, id, payload, recipient.or(draft.recipient_facility_id))?;
        Ok(())
    })
}

/// Throws a draft away.
pub fn discard(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<(), AppError> {
    crate::db::write(conn, |conn| {
        get(conn, principal, id)?;
        store::delete(conn, id)?;
        Ok(())
    })
}

/// A draft as its form shows it: the draft, the facilities it may go to, and whether the
/// client's previous sheet of its kind can be copied forward.
#[derive(Debug, Clone, Serialize)]
pub struct Composing {
    pub draft: Draft,
    pub recipients: Vec<crate::directory::FacilityRef>,
    pub copyable: bool,
    /// The files attached so far; they go with the document when it is sent.
    pub attachments: Vec<crate::documents::attachments::Attachment>,
    /// The client the form is about, as the record has them (the form's 患者 comes from it).
    pub client: Option<crate::clients::Client>,
}

/// A draft of the acting facility, with what its form offers.
pub fn compose(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<Composing, AppError> {
    let draft = get(conn, principal, id)?;
    composing(conn, principal, draft)
}

fn composing(conn: &mut DbConnection, principal: &Principal, draft: Draft) -> Result<Composing, AppError> {
    let mut recipients = Vec::new();
    if documents::exchange::of(draft.kind).kept_by_writer {
        recipients.push(crate::directory::FacilityRef {
            id: principal.facility_id,
            code: String::new(),
            name: format!("{}（自事業所で保管し、共有しない）", principal.facility_name),
        });
    }
    for facility_kind in documents::exchange::of(draft.kind).recipient_kinds {
        recipients.extend(
            crate::directory::list(conn, Some(*facility_kind))?.into_iter().map(|f| crate::directory::FacilityRef {
                id: f.id,
                code: f.code,
                name: f.name,
            }),
        );
    }
    let copyable = has_previous(conn, principal, &draft)?;
    let attachments = files::list(conn, principal, draft.id)?;
    let client = match starting::client_of(conn, &draft)? {
        Some(id) => Some(crate::clients::get(conn, principal, id)?),
        None => None,
    };
    Ok(Composing { draft, recipients, copyable, attachments, client })
}

/// A form posted from a draft's page.
#[derive(Debug, Clone)]
pub struct Submission {
    /// The recipient chosen, if the form offers a choice.
    pub recipient: Option<Uuid>,
    /// Send it (else only save it).
    pub send: bool,
    /// When the draft was last saved as the page knows it ([`Draft::saved_at`]); a draft saved
    /// since (in another tab, on another device) is not overwritten.
    pub saved_at: Option<String>,
}

/// Reads a posted form along the draft's schema (the JSON Schema document): the payload as
/// typed, and the fields that could not be read (e.g. a number typed as text), by pointer into
/// the send request. A form with such fields is saved but not sent.
pub type FormReader = Box<dyn FnOnce(&Value) -> (Value, Vec<FieldError>) + Send>;

/// What became of a submission.
#[derive(Debug, Clone, Serialize)]
pub enum Submitted {
    /// Saved, not sent (as asked).
    Saved(Composing),
    /// Sent: the document.
    Sent(Uuid),
    /// Saved, but not sent: every reason, by field.
    Refused(Composing, Vec<FieldError>),
    /// Not saved: the draft was saved elsewhere since the page was opened. The composing draft
    /// holds the form as typed (nothing is lost) and the other save's time, so that saving
    /// again, knowingly, overwrites it.
    Conflict(Composing),
}

/// Saves the form as typed (always: nothing typed is lost) and, when asked, sends it, in one
/// transaction. A send refused for the form's content leaves the draft saved (the send runs in
/// a savepoint of its own); any other error stores nothing.
pub fn submit(
    conn: &mut DbConnection,
    schemas: &SchemaRegistry,
    notifier: &Notifier,
    principal: &Principal,
    id: Uuid,
    submission: Submission,
    read: FormReader,
) -> Result<Submitted, AppError> {
    crate::db::write(conn, |conn| {
        let draft = get(conn, principal, id)?;
        let schema = schemas
            .get(draft.kind, draft.schema_version)
            .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no schema for a draft")))?;
        let (payload, unreadable) = read(&schema.document);
        let recipient = submission.recipient.or(draft.recipient_facility_id);
        if submission.saved_at.as_ref().is_some_and(|seen| *seen != draft.saved_at()) {
            let typed = Draft { payload, recipient_facility_id: recipient, ..draft };
            return Ok(Submitted::Conflict(composing(conn, principal, typed)?));
        }
        let saved = store::save(conn, id, &payload, recipient)?;
        let draft = Draft { payload, recipient_facility_id: recipient, updated_at: saved, ..draft };
        if !submission.send {
            return Ok(Submitted::Saved(composing(conn, principal, draft)?));
        }
        if !unreadable.is_empty() {
            let mut errors = unreadable;
            errors.extend(schema.validate(&draft.payload, "/payload"));
            return Ok(Submitted::Refused(composing(conn, principal, draft)?, errors));
        }
        match crate::db::savepoint(conn, |conn| send_saved(conn, schemas, notifier, principal, &draft)) {
            Ok(document) => Ok(Submitted::Sent(document.id)),
            Err(AppError::Invalid(errors)) => Ok(Submitted::Refused(composing(conn, principal, draft)?, errors)),
            Err(other) => Err(other),
        }
    })
}

/// Sends the draft as it was last saved: a new document, or a new revision of the one it
/// amends. The draft is gone in the same transaction; on any error nothing changes.
pub fn send(
    conn: &mut DbConnection,
    schemas: &SchemaRegistry,
    notifier: &Notifier,
    principal: &Principal,
    id: Uuid,
) -> Result<documents::DocumentSummary, AppError> {
    crate::db::write(conn, |conn| {
        let draft = get(conn, principal, id)?;
        send_saved(conn, schemas, notifier, principal, &draft)
    })
}

/// Sends `draft` (read in this transaction) and removes it.
fn send_saved(
    conn: &mut DbConnection,
    schemas: &SchemaRegistry,
    notifier: &Notifier,
    principal: &Principal,
    draft: &Draft,
) -> Result<documents::DocumentSummary, AppError> {
    let id = draft.id;
    let draft = draft.clone();
    {
        let document = match draft.amends_document_id {
            Some(document) => {
                let amendment = Amendment { schema_version: Some(draft.schema_version), payload: draft.payload };
                documents::amend(conn, schemas, notifier, principal, document, amendment)?.summary
            }
            None => {
                let recipient = draft
                    .recipient_facility_id
                    .ok_or_else(|| AppError::invalid("/recipient_facility_id", "required", "送付先を選んでください"))?;
                let request = SendDocument {
                    kind: draft.kind,
                    schema_version: Some(draft.schema_version),
                    recipient_facility_id: recipient,
                    episode_id: draft.episode_id,
                    client_id: draft.client_id,
                    payload: draft.payload,
                };
                documents::send(conn, schemas, notifier, principal, request)?
            }
        };
        // Before the draft goes: its files would go with it.
        documents::attachments::carry_over(conn, id, document.id)?;
        store::delete(conn, id)?;
        Ok(document)
    }
}
