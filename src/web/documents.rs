//! The inbox and outbox of a facility, a document's page, and acknowledging (確認) it.

use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, FixedOffset};
use minijinja::context;
use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator;
use uuid::Uuid;

use super::display;
use super::pages::{PageError, render, see_other};
use super::visitor::{PageVisitor, Posted, PostedFile, SignedIn};
use crate::documents::attachments;
use crate::documents::{self, DocumentStatus, DocumentSummary, MailboxQuery, Order, Reading, Side, SortKey};
use crate::forms::DocumentKind;
use crate::shell::{AppState, blocking};

/// The list filters a visitor can choose, and the page.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct Filter {
    kind: Option<String>,
    state: Option<String>,
    client: Option<String>,
    /// A column to sort by (`SortKey`), `-` before it for descending (`-sent_at`).
    sort: Option<String>,
    page: Option<i64>,
}

/// A column's heading in a list: its label, the link that sorts by it (or turns it round), and
/// how it is sorted now (`aria-sort`).
#[derive(Debug, Serialize)]
struct Heading {
    label: &'static str,
    href: String,
    sorted: Option<&'static str>,
}

/// One line of a list.
#[derive(Debug, Serialize)]
struct Line {
    id: Uuid,
    kind_label: String,
    client_name: String,
    facility: String,
    person: String,
    sent_at: String,
    status: &'static str,
    status_label: String,
    unread: bool,
    overdue: bool,
    revision: i32,
    delivery_failed: i64,
    delivery_pending: i64,
}

/// Documents received: unread first, then those waiting for 確認 too long, then the rest;
/// newest first within each.
#[get("/inbox", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn inbox(
    state: web::Data<AppState>,
    visitor: SignedIn,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, PageError> {
    list(state, visitor, filter.into_inner(), Side::Inbox).await
}

/// Documents sent, with their delivery and read state.
#[get("/outbox", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn outbox(
    state: web::Data<AppState>,
    visitor: SignedIn,
    filter: web::Query<Filter>,
) -> Result<HttpResponse, PageError> {
    list(state, visitor, filter.into_inner(), Side::Outbox).await
}

async fn list(
    state: web::Data<AppState>,
    visitor: SignedIn,
    filter: Filter,
    side: Side,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let order = filter.sort.as_deref().and_then(sort_order);
    let query = MailboxQuery {
        kind: filter.kind.as_deref().and_then(|k| k.parse::<DocumentKind>().ok()),
        reading: match filter.state.as_deref() {
            Some("unread") => Some(Reading::Unread),
            Some("read") => Some(Reading::Read),
            Some("acknowledged") => Some(Reading::Acknowledged),
            _ => None,
        },
        client: filter.client.clone(),
        order,
        page: filter.page.unwrap_or(0),
    };
    let overdue_after = chrono::Duration::hours(i64::from(state.site.ack_reminder_hours));
    let mailbox =
        blocking(&state, move |conn, _| documents::mailbox(conn, &principal, side, &query, overdue_after)).await?;
    let lines: Vec<Line> = mailbox.documents.into_iter().map(|(s, overdue)| line(s, side, overdue)).collect();
    let (path, title) = match side {
        Side::Inbox => ("/inbox", "受信箱"),
        Side::Outbox => ("/outbox", "送信箱"),
    };
    // The list's address with the filters kept, and this order and page.
    let link = |order: Option<Order>, page: i64| {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in [("kind", &filter.kind), ("state", &filter.state), ("client", &filter.client)] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                pairs.append_pair(name, value);
            }
        }
        if let Some(order) = order {
            pairs.append_pair("sort", &sort_value(order));
        }
        if page > 0 {
            pairs.append_pair("page", &page.to_string());
        }
        format!("{path}?{}", pairs.finish())
    };
    let previous = (mailbox.page > 0).then(|| link(order, mailbox.page - 1));
    let next = mailbox.more.then(|| link(order, mailbox.page + 1));
    let other = if side == Side::Inbox { "送付元" } else { "送付先" };
    let columns = [
        (SortKey::Status, "状態"),
        (SortKey::Kind, "種類"),
        (SortKey::Client, "利用者"),
        (SortKey::Facility, other),
        (SortKey::SentAt, "送付日時"),
    ];
    let orders: Vec<(String, String)> = columns
        .iter()
        .flat_map(|&(key, label)| {
            let (first, second) =
                if key == SortKey::SentAt { ("新しい順", "古い順") } else { ("昇順", "降順") };
            let first_order = Order::of(key, None);
            let second_order = first_order.reversed();
            [
                (sort_value(first_order), format!("{label}（{first}）")),
                (sort_value(second_order), format!("{label}（{second}）")),
            ]
        })
        .collect();
    let headings: Vec<Heading> = columns
        .into_iter()
        .map(|(key, label)| {
            let now = order.filter(|o| o.key == key);
            let flipped = now.map_or_else(|| Order::of(key, None), Order::reversed);
            Heading {
                label,
                href: link(Some(flipped), 0),
                sorted: now.map(|o| if o.descending { "descending" } else { "ascending" }),
            }
        })
        .collect();
    let kinds: Vec<(&str, &str)> = DocumentKind::iter().map(|k| (k.as_str(), k.label())).collect();
    render(
        "documents/list.html",
        context! {
            ..minijinja::Value::from_serialize(visitor.frame(path)),
            ..context! { title, inbox => side == Side::Inbox, lines, filter, kinds, path, previous, next, headings, orders,
                         page => mailbox.page + 1 }
        },
    )
}

/// `client`: by the client, ascending; `-sent_at`: by the time sent, descending.
fn sort_order(value: &str) -> Option<Order> {
    let (descending, key) = match value.strip_prefix('-') {
        Some(key) => (true, key),
        None => (false, value),
    };
    Some(Order { key: key.parse::<SortKey>().ok()?, descending })
}

fn sort_value(order: Order) -> String {
    let key: &str = order.key.into();
    if order.descending { format!("-{key}") } else { key.to_owned() }
}

fn line(s: DocumentSummary, side: Side, overdue: bool) -> Line {
    let unread = matches!(s.status, DocumentStatus::Sent | DocumentStatus::Delivered);
    let (facility, person) = match side {
        Side::Inbox => (s.sender.name, s.sender_user.name),
        Side::Outbox => (s.recipient.name, String::new()),
    };
    Line {
        id: s.id,
        kind_label: s.kind_label,
        client_name: s.client_name,
        facility,
        person,
        sent_at: japanese_time(&s.sent_at),
        status: if unread && side == Side::Inbox { "unread" } else { s.status.into() },
        // The recipient's state (未読 / 既読 / 確認済); the sender's (送信済 / 配信済 / 既読 /
        // 確認済, or 配信失敗 when a mail of it could not be delivered).
        status_label: match side {
            Side::Inbox if unread => "未読".to_owned(),
            Side::Outbox if s.delivery.failed > 0 && unread => "配信失敗".to_owned(),
            _ => s.status_label,
        },
        unread,
        overdue,
        revision: s.revision,
        delivery_failed: s.delivery.failed,
        delivery_pending: s.delivery.pending,
    }
}

/// `11月20日 14:05` in Japan's time (the year when it is not this one).
pub fn japanese_time(at: &DateTime<FixedOffset>) -> String {
    let local = crate::calendar::in_japan(at.naive_utc());
    let this_year = crate::calendar::today().format("%Y").to_string();
    if local.format("%Y").to_string() == this_year {
        local.format("%-m月%-d日 %H:%M").to_string()
    } else {
        local.format("%Y年%-m月%-d日 %H:%M").to_string()
    }
}

#[derive(Debug, Deserialize)]
pub struct Revision {
    revision: Option<i32>,
}

/// A document: its content, revisions, delivery and read state; for the recipient, 確認.
/// Opening it as the recipient marks it 既読.
#[get("/documents/{id}", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn show(
    state: web::Data<AppState>,
    visitor: SignedIn,
    id: web::Path<Uuid>,
    query: web::Query<Revision>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let (id, principal) = (id.into_inner(), visitor.principal().clone());
    let revision = query.revision;
    let opened = blocking(&state, move |conn, _| documents::open(conn, &principal, id, revision)).await?;
    let document = opened.document;
    let schema = state
        .schemas
        .get(document.summary.kind, u32::try_from(document.payload_schema_version).unwrap_or(1))
        .map(|s| &s.document);
    let sections = schema.map(|s| display::sections(s, &document.payload)).unwrap_or_default();
    let (is_recipient, can_acknowledge, can_attach) = (opened.is_recipient, opened.can_acknowledge, opened.can_attach);
    let replies: Vec<_> = opened
        .replies
        .iter()
        .map(|k| context! { kind => k.as_str(), label => format!("{}を書く", k.label()) })
        .collect();
    let files = display::files(&document.attachments);
    let deliveries: Vec<_> = opened
        .deliveries
        .into_iter()
        .map(|d| context! { facility => d.facility.name, address => d.address, state => d.state_label, attempts => d.attempts })
        .collect();
    let query = request.query_string();
    let notice = if query.contains("acknowledged=1") {
        Some("確認済にしました。送付元に伝わります。")
    } else if query.contains("attached=1") {
        Some("ファイルを添付しました。送付先の事業所も開けます（メールには添付されません）。")
    } else if query.contains("sent=1") {
        Some("送信しました。送付先にお知らせメールが届きます。")
    } else {
        None
    };
    render(
        "documents/show.html",
        context! {
            ..minijinja::Value::from_serialize(visitor.frame("/documents")),
            ..context! {
                document => minijinja::Value::from_serialize(&document),
                sent_at => japanese_time(&document.summary.sent_at),
                acknowledged_at => document.summary.acknowledged_at.as_ref().map(japanese_time),
                sections, is_recipient, can_acknowledge, deliveries,
                notice, files, can_attach, replies,
            }
        },
    )
}

/// The recipient acknowledges the current revision (確認), in one click.
#[post("/documents/{id}/acknowledge", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn acknowledge(
    state: web::Data<AppState>,
    posted: Posted,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let principal = posted.visitor.principal().clone();
    let info = crate::shell::RequestInfo::of(&request);
    super::write(&state, principal, info, move |conn, _, principal| {
        documents::acknowledge(conn, principal, id).map(|_| ())
    })
    .await?;
    let back = posted.fields.get("back").filter(|b| *b == "/inbox").unwrap_or("");
    Ok(see_other(&if back.is_empty() { format!("/documents/{id}?acknowledged=1") } else { "/inbox".to_owned() }))
}

/// The sender attaches a file to a sent document from its page; back to the page.
#[post("/documents/{id}/attachments", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn attach(
    state: web::Data<AppState>,
    posted: PostedFile,
    id: web::Path<Uuid>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let upload = posted.upload.ok_or_else(attachments::no_file)?;
    let principal = posted.visitor.principal().clone();
    let info = crate::shell::RequestInfo::of(&request);
    super::write(&state, principal, info, move |conn, _, principal| {
        attachments::attach(conn, principal, id, upload).map(|_| ())
    })
    .await?;
    Ok(see_other(&format!("/documents/{id}?attached=1#attachments")))
}

/// A file attached to a document, downloaded from its page (audited as the API's download).
#[get("/documents/{id}/attachments/{attachment_id}", wrap = "from_fn(crate::shell::reads::audit::<PageVisitor>)")]
pub async fn download(
    state: web::Data<AppState>,
    visitor: SignedIn,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, PageError> {
    let ((id, attachment), principal) = (path.into_inner(), visitor.principal().clone());
    let answer = crate::shell::files::download_with(&state, principal, move |conn, principal| {
        attachments::download(conn, principal, id, attachment)
    });
    Ok(answer.await?)
}
