//! The delivery worker: takes due mail from the outbox, sends it through lettre to `SMTP_URL`
//! (or writes `.eml` files to `MAIL_DIR` when no SMTP server is configured), and records the
//! outcome. A refused address fails at once; anything else is retried with exponential backoff
//! until `MAIL_MAX_ATTEMPTS`. It also runs the reminder pass once a minute.
//!
//! `renkei serve` runs one in the server process; `renkei worker` runs one alone. Any number of
//! workers may share a database: a mail is held by one worker at a time (its lease), and a mail
//! sent again after a crash carries the same Message-ID, so that it can be recognised.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Notifier;
use super::outbox::{self, ClaimedMail, Outcome};
use crate::calendar;
use crate::db::Pool;
use crate::settings::Settings;
use crate::survey::rules::RuleSet;

/// How long a worker holds the mail it took; a worker that dies lets go when this ends.
const LEASE: Duration = Duration::from_secs(60);
/// How long one SMTP conversation may take (well inside the lease).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How often the outbox is looked at when nothing wakes the worker.
const POLL: Duration = Duration::from_secs(1);
/// How often reminders are decided.
const REMINDER_INTERVAL: Duration = Duration::from_secs(60);
/// Mails taken at once, and sent at the same time.
const BATCH: i64 = 32;

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        shown: String,
    },
    /// Development default: each mail becomes `<outbox id>.eml` in this folder.
    Folder(PathBuf),
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        match &settings.smtp_url {
            Some(url) => {
                let transport =
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)?.timeout(Some(SMTP_TIMEOUT)).build();
                Ok(Self::Smtp { transport, shown: hide_password(url) })
            }
            None => {
                std::fs::create_dir_all(&settings.mail_dir).map_err(|e| {
                    anyhow::anyhow!("メールの保存先 {} を作れません (MAIL_DIR): {e}", settings.mail_dir.display())
                })?;
                Ok(Self::Folder(settings.mail_dir.clone()))
            }
        }
    }

    /// A line for the start-up message.
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp { shown, .. } => format!("メールは SMTP サーバー {shown} から送信します"),
            Self::Folder(dir) => format!(
                "SMTP_URL が未設定のため、メールは送信せず {} に .eml ファイルとして保存します（開発用）",
                dir.display()
            ),
        }
    }

    async fn send(&self, mail: &ClaimedMail, from: &Mailbox) -> Result<(), Refusal> {
        let message =
            build_message(mail, from).map_err(|e| Refusal::Permanent(format!("メールを組み立てられません: {e}")))?;
        match self {
            Self::Smtp { transport, .. } => transport.send(message).await.map(drop).map_err(|e| {
                if e.is_permanent() {
                    Refusal::Permanent(format!("SMTP サーバーが拒否しました: {e}"))
                } else {
                    Refusal::Transient(format!("SMTP サーバーに送れませんでした: {e}"))
                }
            }),
            Self::Folder(dir) => {
                let (dir, id, bytes) = (dir.clone(), mail.id.clone(), message.formatted());
                tokio::task::spawn_blocking(move || write_eml(&dir, &id, &bytes))
                    .await
                    .map_err(|e| Refusal::Transient(e.to_string()))?
                    .map_err(|e| Refusal::Transient(format!("ファイルに書けません: {e}")))
            }
        }
    }
}

enum Refusal {
    Permanent(String),
    Transient(String),
}

/// Writes the file under a temporary name first, so that a reader never sees half a mail.
fn write_eml(dir: &std::path::Path, id: &str, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = dir.join(format!(".{id}.eml.tmp"));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, dir.join(format!("{id}.eml")))
}

fn hide_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

fn build_message(mail: &ClaimedMail, from: &Mailbox) -> anyhow::Result<Message> {
    let created: std::time::SystemTime = mail.created_at.and_utc().into();
    let mut message = Message::builder()
        .from(from.clone())
        .to(mail.address.parse()?)
        .subject(mail.subject.clone())
        .message_id(Some(mail.message_id.clone()))
        .date(created)
        .multipart(MultiPart::alternative_plain_html(mail.body_text.clone(), mail.body_html.clone()))?;
    // RFC 3834: an automatic message, to which auto-responders should not answer.
    message
        .headers_mut()
        .insert_raw(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()));
    Ok(message)
}

/// Retry policy.
#[derive(Debug, Clone, Copy)]
pub struct Retries {
    pub max_attempts: i32,
    /// The wait after the first failed attempt; each further failure doubles it (at most 1 h).
    pub first_wait: Duration,
}

impl Retries {
    pub fn from_settings(settings: &Settings) -> Self {
        Self { max_attempts: settings.mail_max_attempts, first_wait: settings.mail_retry_wait }
    }

    /// The wait after `attempts` failed attempts, with ±10 % jitter so that retries spread.
    pub fn wait_after(&self, attempts: i32) -> Duration {
        let doublings = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
        let wait = self.first_wait.saturating_mul(2u32.saturating_pow(doublings)).min(MAX_BACKOFF);
        wait.mul_f64(0.9 + fastrand::f64() * 0.2)
    }
}

/// Everything a worker needs.
pub struct Worker {
    pub pool: Pool,
    pub transport: Transport,
    pub from: Mailbox,
    pub retries: Retries,
    pub notifier: Notifier,
    pub rules: Arc<RuleSet>,
    pub reminder_settings: super::reminders::Timing,
}

impl Worker {
    pub fn new(settings: &Settings, pool: Pool, notifier: Notifier, rules: Arc<RuleSet>) -> anyhow::Result<Self> {
        Ok(Self {
            pool,
            transport: Transport::from_settings(settings)?,
            from: settings.mail_from.clone(),
            retries: Retries::from_settings(settings),
            notifier,
            rules,
            reminder_settings: super::reminders::Timing::from_settings(settings),
        })
    }

    /// Delivers and reminds until the task is dropped.
    pub async fn run(self) {
        let wakeup = self.notifier.wakeup();
        let mut last_reminders: Option<tokio::time::Instant> = None;
        loop {
            if last_reminders.is_none_or(|at| at.elapsed() >= REMINDER_INTERVAL) {
                last_reminders = Some(tokio::time::Instant::now());
                self.remind().await;
            }
            match self.deliver_due().await {
                Ok(0) => {
                    let _ = tokio::time::timeout(POLL, wakeup.notified()).await;
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::error!(%error, "the outbox cannot be read; trying again shortly");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    }

    async fn remind(&self) {
        let (pool, notifier, rules, timing) =
            (self.pool.clone(), self.notifier.clone(), self.rules.clone(), self.reminder_settings);
        let decided = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            // The survey's daily counts, summed now and then (PostgreSQL appends a row per write).
            if let Err(error) = crate::survey::store::daily::compact(&mut conn) {
                tracing::error!(%error, "the survey's daily counts could not be compacted");
            }
            super::reminders::run(&mut conn, &notifier, &rules, timing, calendar::now())
        })
        .await;
        match decided {
            Ok(Ok(n)) if n > 0 => {
                tracing::info!(mails = n, "reminders queued");
                self.notifier.wake();
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!(%error, "reminders could not be decided"),
            Err(error) => tracing::error!(%error, "the reminder task stopped"),
        }
    }

    /// Sends one batch of due mail; returns how many mails were tried.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let pool = self.pool.clone();
        let lease = chrono::Duration::from_std(LEASE)?;
        let claimed = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            anyhow::Ok(outbox::claim(&mut conn, calendar::now(), lease, BATCH)?)
        })
        .await??;
        if claimed.is_empty() {
            return Ok(0);
        }
        let mut sending = tokio::task::JoinSet::new();
        for mail in claimed {
            let (transport, from) = (self.transport.clone(), self.from.clone());
            sending.spawn(async move {
                let result = transport.send(&mail, &from).await;
                (mail, result)
            });
        }
        let mut outcomes = Vec::new();
        while let Some(joined) = sending.join_next().await {
            let (mail, result) = joined?;
            outcomes.push(self.outcome(mail, result, calendar::now()));
        }
        let tried = outcomes.len();
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            anyhow::Ok(outbox::record(&mut conn, &outcomes, calendar::now())?)
        })
        .await??;
        Ok(tried)
    }

    fn outcome(&self, mail: ClaimedMail, result: Result<(), Refusal>, now: NaiveDateTime) -> (ClaimedMail, Outcome) {
        let outcome = match result {
            Ok(()) => {
                tracing::info!(mail = %mail.id, topic = %mail.topic, attempt = mail.attempts, "mail delivered");
                Outcome::Delivered
            }
            Err(Refusal::Permanent(error)) => {
                tracing::warn!(mail = %mail.id, topic = %mail.topic, "mail refused for good");
                Outcome::Failed(error)
            }
            Err(Refusal::Transient(error)) if mail.attempts >= self.retries.max_attempts => {
                tracing::warn!(mail = %mail.id, attempts = mail.attempts, "mail failed: no attempts left");
                Outcome::Failed(format!("{} 回試みて送れませんでした: {error}", mail.attempts))
            }
            Err(Refusal::Transient(error)) => {
                let wait = self.retries.wait_after(mail.attempts);
                tracing::info!(mail = %mail.id, attempt = mail.attempts, retry_in = ?wait, "mail not sent; will retry");
                let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                Outcome::RetryAt(now + wait, error)
            }
        };
        (mail, outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_an_hour() {
        let retries = Retries { max_attempts: 12, first_wait: Duration::from_secs(30) };
        let around = |attempts, seconds: f64| {
            let wait = retries.wait_after(attempts).as_secs_f64();
            assert!((seconds * 0.9..=seconds * 1.1).contains(&wait), "after {attempts}: {wait} s, not ~{seconds} s");
        };
        around(1, 30.0);
        around(2, 60.0);
        around(3, 120.0);
        around(8, 3600.0);
        around(30, 3600.0);
    }

    #[test]
    fn the_smtp_password_is_never_shown() {
        let shown = hide_password("smtps://renkei:s3cret@mail.example.jp:465");
        assert!(!shown.contains("s3cret") && shown.contains("mail.example.jp"), "{shown}");
    }
}
