//! The print and FAX view of a document (`/documents/{id}/print`): laid out like the paper 様式
//! on A4 (`web::sheet`, static/print.css), for partners not yet on Renkei. `?mask=1` masks the client's name
//! and identifying details (`web::mask` states the rule).
//!
//! Visibility is `documents::read`'s: the sender and recipient facilities only, 404 for anyone
//! else. Opening the print view as the recipient counts as reading the document (既読), as the
//! document page does: printing it is how a recipient reads it on paper, and the sender should
//! not believe it unread once it has been printed.

use actix_web::middleware::from_fn;
use actix_web::{HttpResponse, get, web};
use minijinja::context;
use serde::Deserialize;
use uuid::Uuid;

use super::mask::{self, Person};
use super::pages::{PageError, render};
use super::visitor::{PageVisitor, SignedIn};
use super::{display, sheet};
use crate::documents;
use crate::shell::{AppState, blocking};

#[derive(Debug, Deserialize)]
pub struct PrintQuery {
    mask: Option<String>,
    revision: Option<i32>,
}

/// The document laid out for printing.
#[get("/documents/{id}/print", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: SignedIn,
    id: web::Path<Uuid>,
    query: web::Query<PrintQuery>,
) -> Result<HttpResponse, PageError> {
    let (id, principal) = (id.into_inner(), visitor.principal().clone());
    let (masked, revision) = (query.mask.as_deref().is_some_and(|m| m == "1"), query.revision);
    let (document, client) = blocking(&state, move |conn, _| {
        let document = documents::read(conn, &principal, id, revision)?;
        // Sender and recipient are parties of the stay, so they see its client.
        let client = crate::clients::get(conn, &principal, document.summary.client_id)?;
        Ok((document, client))
    })
    .await?;
    let person = Person { name: client.name.clone(), name_kana: Some(client.name_kana.clone()) };
    let mut payload = document.payload.clone();
    if masked {
        mask::payload(&mut payload, &person);
    }
    let schema = state
        .schemas
        .get(document.summary.kind, u32::try_from(document.payload_schema_version).unwrap_or(1))
        .map(|s| &s.document);
    let sections = sheet::layout(schema.map(|s| display::sections(s, &payload)).unwrap_or_default());
    let files = display::files(&document.attachments);
    let summary = &document.summary;
    let (client_name, client_kana, insurance_number, birth_date) = if masked {
        (person.masked_name(), None, client.insurance_number.as_ref().map(|_| mask::HIDDEN.to_owned()), None)
    } else {
        (
            client.name.clone(),
            Some(client.name_kana.clone()),
            client.insurance_number.clone(),
            Some(crate::survey::periods::wareki(client.birth_date)),
        )
    };
    let revision_query = revision.map(|r| format!("&revision={r}")).unwrap_or_default();
    render(
        "documents/print.html",
        context! {
            ..minijinja::Value::from_serialize(visitor.frame("/documents")),
            ..context! {
                id, masked, sections, files, client_name, client_kana, insurance_number, birth_date,
                title => summary.kind_label.clone(),
                sender => summary.sender.name.clone(),
                sender_person => summary.sender_user.name.clone(),
                recipient => summary.recipient.name.clone(),
                // On paper, the year too: a printout outlives the year it was sent in.
                sent_at => display::wareki_time(&summary.sent_at),
                revision => document.payload_revision,
                schema_version => document.payload_schema_version,
                printed_at => crate::calendar::in_japan(crate::calendar::now()).format("%Y年%-m月%-d日 %H:%M").to_string(),
                mask_link => format!("/documents/{id}/print?mask=1{revision_query}"),
                plain_link => format!("/documents/{id}/print?mask=0{revision_query}"),
            }
        },
    )
}
