//! Writing a form: drafts started from a stay (or amending a sent document, or copying the
//! client's previous sheet forward), the form rendered from its JSON Schema, saved as it is,
//! and sent after the server's validation, with every error shown next to its field.

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::context;
use serde::Serialize;
use uuid::Uuid;

use super::form;
use super::pages::{Frame, PageError, render, render_with, see_other};
use super::visitor::{Posted, SignedIn};
use crate::directory::{FacilityKind, Role};
use crate::drafts::{self, Draft, Start};
use crate::error::{AppError, FieldError};
use crate::forms::DocumentKind;
use crate::shell::{AppState, blocking};

/// Where a payload sits in the send request: the pointers of the server's errors start with it.
const BASE: &str = "/payload";

#[derive(Debug, Serialize)]
struct DraftLine {
    id: Uuid,
    kind_label: &'static str,
    amends: bool,
    client: String,
    updated_at: String,
}

#[derive(Debug, Serialize)]
struct Choice {
    id: Uuid,
    label: String,
}

/// The facility's drafts, and where to start a new form (a stay, or for a care manager a
/// client whose admission the hospital has not registered yet).
#[get("/drafts", wrap = "from_fn(crate::shell::reads::audit)")]
pub async fn list(state: web::Data<AppState>, visitor: SignedIn) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let (drafts, stays, clients) = blocking(&state, move |conn, _| {
        let drafts = drafts::list(conn, &principal)?;
        let stays = crate::episodes::list(conn, &principal)?;
        let clients = match principal.role {
            Role::CareManager => crate::clients::list(conn, &principal)?,
            _ => vec![],
        };
        Ok((drafts, stays, clients))
    })
    .await?;
    let names: std::collections::HashMap<Uuid, String> = stays
        .iter()
        .filter_map(|s| s.client.as_ref().map(|c| (s.id, c.name.clone())))
        .chain(clients.iter().map(|c| (c.id, c.name.clone())))
        .collect();
    let lines: Vec<DraftLine> = drafts
        .iter()
        .map(|d| DraftLine {
            id: d.id,
            kind_label: d.kind.label(),
            amends: d.amends_document_id.is_some(),
            client: d.episode_id.or(d.client_id).and_then(|id| names.get(&id).cloned()).unwrap_or_default(),
            updated_at: super::documents::japanese_time(&d.updated_at),
        })
        .collect();
    let stays: Vec<Choice> = stays
        .iter()
        .filter(|s| s.discharged_on.is_none())
        .map(|s| Choice {
            id: s.id,
            label: format!(
                "{}（{} {}入院）",
                s.client.as_ref().map_or("", |c| c.name.as_str()),
                s.hospital.name,
                s.admitted_on.format("%-m月%-d日")
            ),
        })
        .collect();
    let clients: Vec<Choice> = clients.iter().map(|c| Choice { id: c.id, label: c.name.clone() }).collect();
    let kind = writes(visitor.principal().role);
    render(
        "drafts/list.html",
        context! {
            ..minijinja::Value::from_serialize(Frame::of(&visitor, "/drafts")),
            ..context! { lines, stays, clients, kind => kind.map(|k| k.as_str()), kind_label => kind.map(|k| k.label()) }
        },
    )
}

/// The kind of form a role writes.
fn writes(role: Role) -> Option<DocumentKind> {
    match role {
        Role::CareManager => Some(DocumentKind::AdmissionInfo),
        Role::DischargeNurse => Some(DocumentKind::DischargeNotice),
        _ => None,
    }
}

/// Starts a draft: `amend` (a document id), or `kind` with `episode` or `client`, optionally
/// `copy_previous`.
#[post("/drafts", wrap = "from_fn(crate::shell::reads::audit)")]
pub async fn start(
    state: web::Data<AppState>,
    posted: Posted,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let fields = &posted.fields;
    let id = |name: &str| fields.get(name).and_then(|v| v.parse::<Uuid>().ok());
    let start = match id("amend") {
        Some(document_id) => Start::Amend { document_id },
        None => {
            let kind = fields
                .get("kind")
                .and_then(|k| k.parse::<DocumentKind>().ok())
                .or_else(|| writes(posted.visitor.principal().role))
                .ok_or_else(|| AppError::BadRequest("書類の種類を選んでください".into()))?;
            Start::New {
                kind,
                episode_id: id("episode"),
                client_id: id("client"),
                copy_previous: fields.get("copy_previous").is_some(),
            }
        }
    };
    let info = crate::shell::RequestInfo::of(&request);
    let draft = super::write(&state, posted.visitor.principal().clone(), info, move |conn, state, principal| {
        drafts::start(conn, &state.schemas, principal, start)
    })
    .await?;
    Ok(see_other(&format!("/drafts/{}", draft.id)))
}

/// The form of a draft.
#[get("/drafts/{id}", wrap = "from_fn(crate::shell::reads::audit)")]
pub async fn edit(
    state: web::Data<AppState>,
    visitor: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let (id, principal) = (id.into_inner(), visitor.principal().clone());
    let draft = blocking(&state, move |conn, _| drafts::get(conn, &principal, id)).await?;
    page(&state, &visitor, StatusCode::OK, draft, &[], None).await
}

/// Renders the draft's form with `errors` next to their fields.
async fn page(
    state: &web::Data<AppState>,
    visitor: &SignedIn,
    status: StatusCode,
    draft: Draft,
    errors: &[FieldError],
    notice: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let schema = state
        .schemas
        .get(draft.kind, draft.schema_version)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no schema {:?} v{}", draft.kind, draft.schema_version)))?;
    let view = form::view(&schema.document, Some(&draft.payload), errors, BASE);
    let (principal, kind, copied) = (visitor.principal().clone(), draft.kind, draft.clone());
    let (recipients, copyable) = blocking(state, move |conn, _| {
        let wanted = match kind {
            DocumentKind::AdmissionInfo => vec![FacilityKind::Hospital],
            DocumentKind::DischargeNotice => {
                vec![FacilityKind::CareOffice, FacilityKind::SupportCenter, FacilityKind::SmallMulti]
            }
        };
        let mut recipients = Vec::new();
        for facility_kind in wanted {
            recipients.extend(crate::directory::list(conn, Some(facility_kind))?);
        }
        let copyable = drafts::has_previous(conn, &principal, &copied)?;
        Ok((recipients, copyable))
    })
    .await?;
    let recipient_error = errors.iter().find(|e| e.pointer == "/recipient_facility_id").map(|e| e.message.clone());
    let recipients: Vec<Choice> = recipients.into_iter().map(|f| Choice { id: f.id, label: f.name }).collect();
    render_with(
        status,
        "drafts/edit.html",
        context! {
            ..minijinja::Value::from_serialize(Frame::of(visitor, "/drafts")),
            ..context! {
                draft => minijinja::Value::from_serialize(&draft),
                kind_label => draft.kind.label(),
                view => minijinja::Value::from_serialize(&view),
                recipients, recipient_error, copyable, notice,
            }
        },
    )
}

/// Saves the form (always: nothing typed is lost), then, for `action=send`, sends it; for
/// `action=discard`, throws the draft away.
#[post("/drafts/{id}", wrap = "from_fn(crate::shell::reads::audit)")]
pub async fn submit(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let principal = posted.visitor.principal().clone();
    let info = crate::shell::RequestInfo::of(&request);
    if posted.fields.get("action") == Some("discard") {
        super::write(&state, principal, info, move |conn, _, principal| drafts::discard(conn, principal, id)).await?;
        return Ok(see_other("/drafts?discarded=1"));
    }
    let draft = {
        let principal = principal.clone();
        blocking(&state, move |conn, _| drafts::get(conn, &principal, id)).await?
    };
    let schema = state
        .schemas
        .get(draft.kind, draft.schema_version)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no schema for a draft")))?;
    let (payload, unreadable) = form::parse(&schema.document, &posted.fields.0);
    let recipient = posted.fields.get("recipient").and_then(|r| r.parse::<Uuid>().ok());
    let saved = payload.clone();
    super::write(&state, principal.clone(), info.clone(), move |conn, _, principal| {
        drafts::save(conn, principal, id, &saved, recipient)
    })
    .await?;
    let draft = Draft { payload, recipient_facility_id: recipient.or(draft.recipient_facility_id), ..draft };
    if posted.fields.get("action") != Some("send") {
        return page(&state, &posted.visitor, StatusCode::OK, draft, &[], Some("下書きを保存しました。")).await;
    }
    if !unreadable.is_empty() {
        let mut errors = form::rebase(unreadable, BASE);
        errors.extend(schema.validate(&draft.payload, BASE));
        return page(&state, &posted.visitor, StatusCode::UNPROCESSABLE_ENTITY, draft, &errors, None).await;
    }
    let sent = super::write(&state, principal, info, move |conn, state, principal| {
        drafts::send(conn, &state.schemas, &state.notifier, principal, id)
    })
    .await;
    match sent {
        Ok(document) => {
            state.notifier.wake();
            Ok(see_other(&format!("/documents/{document}?sent=1")))
        }
        Err(AppError::Invalid(errors)) => {
            page(&state, &posted.visitor, StatusCode::UNPROCESSABLE_ENTITY, draft, &errors, None).await
        }
        Err(error) => Err(error.into()),
    }
}
