//! Mail notifications that are never lost. What a use case announces is queued in the outbox in
//! the use case's own transaction (so a document is never stored without its mail, nor a mail
//! without its document); the `delivery` worker delivers the outbox to SMTP (or to `.eml` files) with
//! retries; `reminders` decides, from the handbook rules, who must be reminded of what.
//!
//! No mail carries patient data: only facilities, the kind of document, a deadline, and a link.

pub mod mail;
pub mod recipients;
pub mod store;

use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::db::DbConnection;
use crate::directory::{FacilityRef, Role};
use crate::error::AppError;
use crate::forms::DocumentKind;
use mail::MailFacts;
use recipients::Recipient;

/// What a mail is about; each has a template folder under `src/notify/templates/`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Topic {
    /// A document was sent to the recipient's facility.
    DocumentSent,
    /// A sent document was amended (a new revision).
    DocumentAmended,
    /// Reminder to the care side: the admission sheet is due.
    AdmissionInfoDue,
    /// Reminder to the hospital: the discharge is near and no discharge notice was sent.
    DischargeNoticeDue,
    /// Reminder to the recipient: a document is not acknowledged yet.
    AcknowledgementDue,
    /// Report to the sender: the recipient has still not acknowledged.
    AcknowledgementOverdue,
}

impl Topic {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// How the topic is named to users.
    pub fn label(self) -> &'static str {
        match self {
            Self::DocumentSent => "書類の送付",
            Self::DocumentAmended => "書類の訂正",
            Self::AdmissionInfoDue => "入院時情報提供の期限",
            Self::DischargeNoticeDue => "退院連絡の期限",
            Self::AcknowledgementDue => "未確認のお知らせ",
            Self::AcknowledgementOverdue => "未確認の報告",
        }
    }

    /// Whether delivering this mail tells that the document itself reached the recipient (配信済).
    pub fn delivers_document(self) -> bool {
        matches!(self, Self::DocumentSent | Self::DocumentAmended)
    }
}

/// What the rest of the service needs to queue mail: where links point, the domain of the
/// Message-IDs, and the bell that wakes this process's delivery worker.
#[derive(Clone)]
pub struct Notifier {
    public_url: String,
    message_domain: String,
    wakeup: Arc<tokio::sync::Notify>,
}

impl Notifier {
    pub fn new(public_url: &str) -> Self {
        let parsed = url::Url::parse(public_url).ok();
        let message_domain =
            parsed.as_ref().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| "renkei.invalid".into());
        // The parsed form percent-encodes quotes and angle brackets: links go into HTML as they are.
        let public_url = parsed.map_or_else(String::new, |u| u.as_str().trim_end_matches('/').to_owned());
        Self { public_url, message_domain, wakeup: Arc::new(tokio::sync::Notify::new()) }
    }

    /// A link to a page of Renkei.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url)
    }

    /// Tells the delivery worker of this process that mail is waiting (workers elsewhere find
    /// it when they next look).
    pub fn wake(&self) {
        self.wakeup.notify_one();
    }

    pub fn wakeup(&self) -> Arc<tokio::sync::Notify> {
        self.wakeup.clone()
    }

    /// Renders a mail and queues one copy per recipient. Returns how many were queued.
    pub fn queue(
        &self,
        conn: &mut DbConnection,
        about: &About,
        facts: &MailFacts,
        recipients: &[Recipient],
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        if recipients.is_empty() {
            return Ok(0);
        }
        let rendered = mail::render(about.topic, facts).map_err(|e| AppError::Unexpected(e.into()))?;
        Ok(store::enqueue(conn, about, &rendered, recipients, &self.message_domain, now)?)
    }

    /// Queues the mail announcing a sent or amended document to its recipients: the recipient
    /// facility's contact windows and, for a discharge notice, the client's care manager there.
    pub fn document(
        &self,
        conn: &mut DbConnection,
        document: &DocumentMail,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        let recipients =
            recipients::of_document(conn, document.to_care_manager, document.episode_id, document.recipient.id)?;
        let topic = if document.revision > 1 { Topic::DocumentAmended } else { Topic::DocumentSent };
        let facts = MailFacts {
            recipient_facility: document.recipient.name.clone(),
            sender_facility: Some(document.sender.name.clone()),
            document_kind: Some(document.kind.label().to_owned()),
            revision: Some(document.revision),
            link: self.link(&format!("/documents/{}", document.id)),
            ..MailFacts::default()
        };
        let about = About {
            topic,
            document: Some((document.id, document.revision)),
            episode_id: Some(document.episode_id),
            reminder_id: None,
        };
        self.queue(conn, &about, &facts, &recipients, now)
    }
}

/// A document to announce.
pub struct DocumentMail {
    pub id: Uuid,
    pub kind: DocumentKind,
    pub revision: i32,
    pub episode_id: Uuid,
    pub sender: FacilityRef,
    pub recipient: FacilityRef,
    /// Whether the client's care manager at the recipient facility is mailed too (the kind's
    /// exchange says so).
    pub to_care_manager: bool,
}

/// Where a mail is in its delivery.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MailState {
    /// 送信待ち: waiting for a worker (first try, or a retry after a failed try).
    Queued,
    /// 送信中: a worker holds it.
    Sending,
    /// 配信済: the SMTP server accepted it (or it was written to the mail folder).
    Delivered,
    /// 配信失敗: refused for good, or every attempt failed.
    Failed,
}

impl MailState {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "送信待ち",
            Self::Sending => "送信中",
            Self::Delivered => "配信済",
            Self::Failed => "配信失敗",
        }
    }
}

/// What a mail is about.
pub struct About {
    pub topic: Topic,
    /// The document and the revision it announces.
    pub document: Option<(Uuid, i32)>,
    pub episode_id: Option<Uuid>,
    pub reminder_id: Option<Uuid>,
}

impl About {
    /// A reminder about a stay (and a document of it).
    pub fn reminder(topic: Topic, reminder: Uuid, episode: Uuid, document: Option<(Uuid, i32)>) -> Self {
        Self { topic, document, episode_id: Some(episode), reminder_id: Some(reminder) }
    }
}

/// What became of one attempt.
#[derive(Debug, Clone)]
pub enum Outcome {
    Delivered,
    /// Try again at this time.
    RetryAt(NaiveDateTime, String),
    Failed(String),
}

/// One mail as its sender and administrators see it: to whom, about what, and where it is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Delivery {
    pub id: Uuid,
    pub message_id: String,
    pub topic: Topic,
    pub topic_label: String,
    pub document_id: Option<Uuid>,
    pub document_revision: Option<i32>,
    /// The facility the address belongs to.
    pub facility: FacilityRef,
    pub address: String,
    pub state: MailState,
    /// 送信待ち / 送信中 / 配信済 / 配信失敗
    pub state_label: String,
    pub attempts: i32,
    /// Why the last attempt failed (the SMTP server's answer).
    pub last_error: Option<String>,
    pub queued_at: chrono::DateTime<chrono::FixedOffset>,
    pub next_attempt_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub delivered_at: Option<chrono::DateTime<chrono::FixedOffset>>,
}

/// How the announcements of each document's current revision stand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeliveryCounts {
    /// Addresses the current revision was announced to.
    pub recipients: i64,
    /// Accepted by the SMTP server.
    pub delivered: i64,
    /// Still waiting or being retried.
    pub pending: i64,
    /// Failed for good: the sender should reach the recipient another way.
    pub failed: i64,
}

/// Which mails an administrator lists.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MailFilter {
    /// queued, sending, delivered or failed; all when absent.
    pub state: Option<MailState>,
    /// At most this many (default 100, at most 500).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Mails in the outbox, newest first, for administrators. Mails carry no patient data.
pub fn mails(conn: &mut DbConnection, principal: &Principal, filter: &MailFilter) -> Result<Vec<Delivery>, AppError> {
    principal.require(&[Role::Admin], "送信メールの一覧")?;
    let (limit, offset) = (filter.limit.unwrap_or(100).clamp(1, 500), filter.offset.unwrap_or(0).max(0));
    list(conn, filter.state, limit, offset)
}

/// Mails in a state (all when `None`), newest first (also `renkei admin list-mail`).
pub fn list(
    conn: &mut DbConnection,
    state: Option<MailState>,
    limit: i64,
    offset: i64,
) -> Result<Vec<Delivery>, AppError> {
    Ok(store::list(conn, state, limit, offset)?)
}

/// An administrator queues a failed mail again, with a fresh count of attempts.
pub fn retry(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<Delivery, AppError> {
    principal.require(&[Role::Admin], "メールの再送")?;
    retry_failed(conn, id)
}

/// Queues a failed mail again (also from the command line, `renkei admin retry-mail`).
pub fn retry_failed(conn: &mut DbConnection, id: Uuid) -> Result<Delivery, AppError> {
    crate::db::write(conn, |conn| {
        if !store::retry(conn, id, crate::calendar::now())? {
            return match store::get(conn, id)? {
                Some(_) => Err(AppError::Conflict("配信失敗のメールだけを再送できます".into())),
                None => Err(AppError::NotFound("mail")),
            };
        }
        store::get(conn, id)?.ok_or(AppError::NotFound("mail"))
    })
}
