//! Mail notifications that are never lost. What a use case announces is queued in the outbox in
//! the use case's own transaction (so a document is never stored without its mail, nor a mail
//! without its document); the [`worker`] delivers the outbox to SMTP (or to `.eml` files) with
//! retries; [`reminders`] decides, from the handbook rules, who must be reminded of what.
//!
//! No mail carries patient data: only facilities, the kind of document, a deadline, and a link.

pub mod mail;
pub mod outbox;
pub mod recipients;
pub mod reminders;
pub mod worker;

use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::DbConnection;
use crate::directory::FacilityRef;
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
        about: &outbox::About,
        facts: &MailFacts,
        recipients: &[Recipient],
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        if recipients.is_empty() {
            return Ok(0);
        }
        let rendered = mail::render(about.topic, facts).map_err(|e| AppError::Unexpected(e.into()))?;
        Ok(outbox::enqueue(conn, about, &rendered, recipients, &self.message_domain, now)?)
    }

    /// Queues the mail announcing a sent or amended document to its recipients: the recipient
    /// facility's contact windows and, for a discharge notice, the client's care manager there.
    pub fn document(
        &self,
        conn: &mut DbConnection,
        document: &DocumentMail,
        now: NaiveDateTime,
    ) -> Result<usize, AppError> {
        let recipients = recipients::of_document(conn, document.kind, document.episode_id, document.recipient.id)?;
        let topic = if document.revision > 1 { Topic::DocumentAmended } else { Topic::DocumentSent };
        let facts = MailFacts {
            recipient_facility: document.recipient.name.clone(),
            sender_facility: Some(document.sender.name.clone()),
            document_kind: Some(document.kind.label().to_owned()),
            revision: Some(document.revision),
            link: self.link(&format!("/documents/{}", document.id)),
            ..MailFacts::default()
        };
        let about = outbox::About {
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
}
