//! Sending, listing, reading, acknowledging and amending documents.

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, get, post, web};
use uuid::Uuid;

use super::extract::{CurrentUser, JsonBody};
use super::write_once;
use crate::documents::attachments::{self, Attachment};
use crate::documents::{self, Amendment, Document, DocumentSummary, ListFilter, SendDocument};
use crate::error::{AppError, Problem};
use crate::notify::Delivery;
use crate::shell::files::Uploaded;
use crate::shell::{AppState, RequestInfo, blocking};
use actix_web::http::StatusCode;

/// Sends a document. The payload is validated against its schema and the stay; on any error
/// the answer is 422 listing every error, and nothing is stored. 201 carries the summary; the
/// Location header names the document.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)")), request_body = SendDocument,
    responses((status = 201, body = DocumentSummary), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/documents", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn send(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    body: JsonBody<SendDocument>,
) -> Result<HttpResponse, AppError> {
    let JsonBody(request, keyed) = body;
    let location = |d: &DocumentSummary| Some(format!("/api/v1/documents/{}", d.id));
    let answer =
        write_once(&state, user.0, info, keyed, StatusCode::CREATED, location, move |conn, state, principal| {
            documents::send(conn, &state.schemas, &state.notifier, principal, request)
        })
        .await?;
    state.notifier.wake();
    Ok(answer)
}

/// Documents received by the caller's facility, newest first.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(ListFilter),
    responses((status = 200, body = Vec<DocumentSummary>), (status = 400, body = Problem), (status = 401, body = Problem)))]
#[get("/documents/inbox", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn inbox(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<ListFilter>,
) -> Result<web::Json<Vec<DocumentSummary>>, AppError> {
    let filter = filter.into_inner();
    Ok(web::Json(blocking(&state, move |conn, _| documents::inbox(conn, &user.0, &filter)).await?))
}

/// Documents sent by the caller's facility, newest first, with their read state.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(ListFilter),
    responses((status = 200, body = Vec<DocumentSummary>), (status = 400, body = Problem), (status = 401, body = Problem)))]
#[get("/documents/outbox", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn outbox(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<ListFilter>,
) -> Result<web::Json<Vec<DocumentSummary>>, AppError> {
    let filter = filter.into_inner();
    Ok(web::Json(blocking(&state, move |conn, _| documents::outbox(conn, &user.0, &filter)).await?))
}

/// One document, current revision. Opening it from the recipient facility marks it 既読.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Document), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/documents/{id}", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Document>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(blocking(&state, move |conn, _| documents::read(conn, &user.0, id, None)).await?))
}

/// One earlier (or the current) revision of a document.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path), ("revision" = i32, Path)),
    responses((status = 200, body = Document), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/documents/{id}/revisions/{revision}", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn get_revision(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Uuid, i32)>,
) -> Result<web::Json<Document>, AppError> {
    let (id, revision) = path.into_inner();
    Ok(web::Json(blocking(&state, move |conn, _| documents::read(conn, &user.0, id, Some(revision))).await?))
}

/// The recipient acknowledges (確認) the current revision.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Document), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[post("/documents/{id}/acknowledge", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    write_once(
        &state,
        user.0,
        info,
        None,
        StatusCode::OK,
        |_| None,
        move |conn, _, principal| documents::acknowledge(conn, principal, id),
    )
    .await
}

/// Every mail about a document, to each address: its announcement (送信待ち → 配信済, or
/// 配信失敗 with the reason) and any reminders. For the facilities that sent or received it.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Delivery>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/documents/{id}/deliveries", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn deliveries(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<Delivery>>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(blocking(&state, move |conn, _| documents::deliveries(conn, &user.0, id)).await?))
}

/// The sender amends a document: a new revision supersedes the current one, which stays readable.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("Idempotency-Key" = Option<String>, Header, description = "Retrying with the same key returns the original answer and creates nothing twice (docs/api.md)"), ("id" = Uuid, Path)), request_body = Amendment,
    responses((status = 201, body = Document), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/documents/{id}/amendments", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn amend(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    body: JsonBody<Amendment>,
) -> Result<HttpResponse, AppError> {
    let (id, JsonBody(amendment, keyed)) = (id.into_inner(), body);
    let answer = write_once(
        &state,
        user.0,
        info,
        keyed,
        StatusCode::CREATED,
        |_| None,
        move |conn, state, principal| documents::amend(conn, &state.schemas, &state.notifier, principal, id, amendment),
    )
    .await?;
    state.notifier.wake();
    Ok(answer)
}

/// The form of `POST /documents/{id}/attachments`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct AttachmentForm {
    /// A PDF, JPEG or PNG file (recognised by its content), at most 10 MiB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The sender facility attaches a file to a sent document: a PDF, JPEG or PNG (recognised by
/// its content, whatever its name), at most 10 MiB, and 30 MiB for all of a document's files.
/// The sender and recipient facilities can then download it; no mail carries it.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path)),
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    responses((status = 201, body = Attachment), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 413, body = Problem, description = "The file is over 10 MiB, or the document's files would be over 30 MiB"),
              (status = 415, body = Problem, description = "Not a PDF, JPEG or PNG"), (status = 422, body = Problem)))]
#[post("/documents/{id}/attachments", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn attach(
    state: web::Data<AppState>,
    user: CurrentUser,
    info: RequestInfo,
    id: web::Path<Uuid>,
    uploaded: Uploaded,
) -> Result<HttpResponse, AppError> {
    let (id, upload) = (id.into_inner(), uploaded.file.ok_or_else(attachments::no_file)?);
    write_once(
        &state,
        user.0,
        info,
        None,
        StatusCode::CREATED,
        |_| None,
        move |conn, _, principal| attachments::attach(conn, principal, id, upload),
    )
    .await
}

/// The files attached to a document, for the facilities that sent or received it.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Attachment>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/documents/{id}/attachments", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn list_attachments(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<Attachment>>, AppError> {
    let id = id.into_inner();
    Ok(web::Json(blocking(&state, move |conn, _| attachments::list(conn, &user.0, id)).await?))
}

/// A file attached to a document, byte for byte, as a download; for the facilities that sent
/// or received the document (404 for everyone else). Each download is audited.
#[utoipa::path(tag = "documents", security(("bearer" = [])), params(("id" = Uuid, Path), ("attachment_id" = Uuid, Path)),
    responses((status = 200, description = "The file, with its name in Content-Disposition",
                content((Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"))),
              (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/documents/{id}/attachments/{attachment_id}", wrap = "from_fn(crate::shell::reads::audit::<CurrentUser>)")]
pub async fn download_attachment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, AppError> {
    let (id, attachment) = path.into_inner();
    crate::shell::files::download_with(&state, user.0, move |conn, principal| {
        attachments::download(conn, principal, id, attachment)
    })
    .await
}
