//! Writing a form: drafts started from a stay (or amending a sent document, or copying the
//! client's previous sheet forward), the form rendered from its JSON Schema, saved as it is,
//! and sent after the server's validation, with every error shown next to its field. Saving and
//! sending is one use case in one transaction (`drafts::submit`).

use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use minijinja::context;
use serde::Serialize;
use uuid::Uuid;

use super::form;
use super::pages::{PageError, render, render_with, see_other};
use super::visitor::{PageVisitor, Posted, PostedFile, SignedIn};
use crate::drafts::{self, Composing, Start, Submission, Submitted};
use crate::error::{AppError, FieldError};
use crate::forms::DocumentKind;
use crate::shell::{AppState, RequestInfo, blocking};

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

/// A kind of form the visitor may start, as the pages offer it.
#[derive(Debug, Serialize)]
pub(super) struct Writable {
    kind: &'static str,
    label: &'static str,
    /// Whether it may start from the client's previous one (「前回の内容を写して」).
    copies_forward: bool,
}

pub(super) fn writable(kinds: &[DocumentKind]) -> Vec<Writable> {
    kinds
        .iter()
        .map(|&kind| Writable {
            kind: kind.as_str(),
            label: kind.label(),
            copies_forward: crate::documents::exchange::of(kind).copy_forward.is_some(),
        })
        .collect()
}

/// The facility's drafts, and where to start a new form (a stay, or for a care manager a
/// client whose admission the hospital has not registered yet).
#[get("/drafts", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn list(state: web::Data<AppState>, visitor: SignedIn) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let overview = blocking(&state, move |conn, _| drafts::overview(conn, &principal)).await?;
    let lines: Vec<DraftLine> = overview
        .drafts
        .iter()
        .map(|(d, client)| DraftLine {
            id: d.id,
            kind_label: d.kind.label(),
            amends: d.amends_document_id.is_some(),
            client: client.clone(),
            updated_at: super::documents::japanese_time(&d.updated_at),
        })
        .collect();
    let stays: Vec<Choice> = overview
        .stays
        .iter()
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
    let clients: Vec<Choice> = overview.clients.iter().map(|c| Choice { id: c.id, label: c.name.clone() }).collect();
    render(
        "drafts/list.html",
        context! {
            ..minijinja::Value::from_serialize(visitor.frame("/drafts")),
            ..context! { lines, stays, clients, writes => writable(&overview.writes) }
        },
    )
}

/// Starts a draft: `amend` (a document id), or `kind` with `episode` or `client`, optionally
/// `copy_previous`.
#[post("/drafts", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
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
                .or_else(|| crate::documents::exchange::written_by(posted.visitor.principal().role).first().copied())
                .ok_or_else(|| AppError::BadRequest("書類の種類を選んでください".into()))?;
            Start::New {
                kind,
                episode_id: id("episode"),
                client_id: id("client"),
                copy_previous: fields.get("copy_previous").is_some(),
            }
        }
    };
    let principal = posted.visitor.principal().clone();
    let draft = super::write(&state, principal, RequestInfo::of(&request), move |conn, state, principal| {
        drafts::start(conn, &state.schemas, principal, start).map(|draft| draft.id)
    })
    .await?;
    Ok(see_other(&format!("/drafts/{draft}")))
}

/// The form of a draft.
#[get("/drafts/{id}", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn edit(
    state: web::Data<AppState>,
    visitor: SignedIn,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let (id, principal) = (id.into_inner(), visitor.principal().clone());
    let composing = blocking(&state, move |conn, _| drafts::compose(conn, &principal, id)).await?;
    page(&state, &visitor, StatusCode::OK, composing, &[], None)
}

/// What the form says when it was saved elsewhere since it was opened.
const SAVED_ELSEWHERE: &str = "この下書きは、開いた後に別の画面（別のタブや端末）で保存されています。入力した内容はこの画面に残っていますが、まだ保存していません。このまま「下書き保存」か「送信する」を押すと、別の画面で保存した内容をこの画面の内容で置き換えます。";

/// Renders the draft's form with `errors` next to their fields.
fn page(
    state: &AppState,
    visitor: &SignedIn,
    status: StatusCode,
    composing: Composing,
    errors: &[FieldError],
    notice: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let Composing { draft, recipients, copyable, attachments, client } = composing;
    let files = super::display::files(&attachments);
    let schema = state
        .schemas
        .get(draft.kind, draft.schema_version)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no schema {:?} v{}", draft.kind, draft.schema_version)))?;
    let mut view = form::view(&schema.document, Some(&draft.payload), errors, BASE);
    if let Some(client) = &client {
        form::fix(&mut view, &identity(client));
    }
    let client_page = client.as_ref().map(|c| format!("/clients/{}", c.id));
    let (saved_at, warning) = (draft.saved_at(), (status == StatusCode::CONFLICT).then_some(SAVED_ELSEWHERE));
    let recipient_error = errors.iter().find(|e| e.pointer == "/recipient_facility_id").map(|e| e.message.clone());
    let recipients: Vec<Choice> = recipients.into_iter().map(|f| Choice { id: f.id, label: f.name }).collect();
    render_with(
        status,
        "drafts/edit.html",
        context! {
            ..minijinja::Value::from_serialize(visitor.frame("/drafts")),
            ..context! {
                draft => minijinja::Value::from_serialize(&draft),
                kind_label => draft.kind.label(),
                view => minijinja::Value::from_serialize(&view),
                recipients, recipient_error, copyable, notice, files, saved_at, warning, client_page,
            }
        },
    )
}

/// The 患者 of every form as the client record has them: never typed, so never contradicting it
/// (元号 and age worked out from the birth date).
fn identity(client: &crate::clients::Client) -> Vec<form::Fixed> {
    let born = client.birth_date;
    let fixed = |pointer, value: String, shown: String| form::Fixed { pointer, value, shown };
    let same = |pointer, value: &str| fixed(pointer, value.to_owned(), value.to_owned());
    let age = crate::calendar::today().years_since(born).unwrap_or(0).to_string();
    let era = crate::forms::text::birth_era(born).unwrap_or_default();
    vec![
        same("/patient/name", &client.name),
        same("/patient/name_kana", &client.name_kana),
        fixed("/patient/birth_date", born.to_string(), crate::survey::periods::wareki(born)),
        same("/patient/birth_era", era),
        same("/patient/sex", client.sex.label()),
        fixed("/patient/age", age.clone(), format!("{age}歳")),
    ]
}

/// Saves the form (always: nothing typed is lost) and, for `action=send`, sends it, in one
/// transaction; for `action=discard`, throws the draft away.
#[post("/drafts/{id}", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn submit(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let principal = posted.visitor.principal().clone();
    let info = RequestInfo::of(&request);
    if posted.fields.get("action") == Some("discard") {
        super::write(&state, principal, info, move |conn, _, principal| drafts::discard(conn, principal, id)).await?;
        return Ok(see_other("/drafts?discarded=1"));
    }
    let autosave = posted.fields.get("action") == Some("autosave");
    let submission = Submission {
        recipient: posted.fields.get("recipient").and_then(|r| r.parse::<Uuid>().ok()),
        send: posted.fields.get("action") == Some("send"),
        saved_at: posted.fields.get("saved_at").map(str::to_owned),
    };
    // The form is read along the draft's schema, once the use case has read the draft.
    let fields = posted.fields.0.clone();
    let read: drafts::FormReader = Box::new(move |schema| {
        let (payload, unreadable) = form::parse(schema, &fields);
        (payload, form::rebase(unreadable, BASE))
    });
    let submitted = super::write(&state, principal, info, move |conn, state, principal| {
        drafts::submit(conn, &state.schemas, &state.notifier, principal, id, submission, read)
    })
    .await?;
    match submitted {
        // Saved in the background while typing (form.js): no page, only when.
        Submitted::Saved(composing) if autosave => {
            Ok(HttpResponse::NoContent().insert_header(("X-Saved-At", composing.draft.saved_at())).finish())
        }
        Submitted::Conflict(_) if autosave => {
            Ok(HttpResponse::Conflict().content_type("text/plain; charset=utf-8").body(SAVED_ELSEWHERE))
        }
        Submitted::Conflict(composing) => page(&state, &posted.visitor, StatusCode::CONFLICT, composing, &[], None),
        Submitted::Sent(document) => {
            state.notifier.wake();
            Ok(see_other(&format!("/documents/{document}?sent=1")))
        }
        Submitted::Saved(composing) => {
            page(&state, &posted.visitor, StatusCode::OK, composing, &[], Some("下書きを保存しました。"))
        }
        Submitted::Refused(composing, errors) => {
            page(&state, &posted.visitor, StatusCode::UNPROCESSABLE_ENTITY, composing, &errors, None)
        }
    }
}

/// Attaches a file to the draft (the form's typed fields are not part of this post); back to
/// the draft.
#[post("/drafts/{id}/attachments", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn attach(
    state: web::Data<AppState>,
    posted: PostedFile,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let upload = posted.upload.ok_or_else(crate::documents::attachments::no_file)?;
    let principal = posted.visitor.principal().clone();
    super::write(&state, principal, RequestInfo::of(&request), move |conn, _, principal| {
        drafts::files::attach(conn, principal, id, upload).map(|_| ())
    })
    .await?;
    Ok(see_other(&format!("/drafts/{id}#attachments")))
}

/// A file attached to the draft, downloaded by the facility writing it.
#[get("/drafts/{id}/attachments/{attachment_id}", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn download(
    state: web::Data<AppState>,
    visitor: SignedIn,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, PageError> {
    let ((id, attachment), principal) = (path.into_inner(), visitor.principal().clone());
    let answer = crate::shell::files::download_with(&state, principal, move |conn, principal| {
        drafts::files::download(conn, principal, id, attachment)
    });
    Ok(answer.await?)
}
