//! The delivery worker: takes due mail from the outbox, sends it through lettre to `SMTP_URL`
//! (or writes `.eml` files to `MAIL_DIR` when no SMTP server is configured), and records the
//! outcome. A refused address fails at once; anything else is retried with exponential backoff
//! until `MAIL_MAX_ATTEMPTS`. It also runs the reminder pass once a minute.
//!
//! `renkei serve` runs one in the server process; `renkei worker` runs one alone. Any number of
//! workers may share a database: a mail is held by one worker at a time (its lease), and a mail
//! sent again after a crash carries the same Message-ID, so that it can be recognised.

pub mod transport;

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;
use lettre::message::Mailbox;

use crate::calendar;
use crate::db::Pool;
use crate::db::group::GroupCommit;
use crate::notify::store::{self as outbox, ClaimedMail};
use crate::notify::{Notifier, Outcome};
use crate::settings::Settings;
use crate::survey::rules::RuleSet;
use transport::Refusal;
pub use transport::Transport;

/// How long a worker holds the mail it took; a worker that dies lets go when this ends.
const LEASE: Duration = Duration::from_secs(60);
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How often the outbox is looked at when nothing wakes the worker.
const POLL: Duration = Duration::from_secs(1);
/// How often reminders are decided.
const REMINDER_INTERVAL: Duration = Duration::from_secs(60);
/// Mails taken at once, and sent at the same time (each recorded as soon as it is done).
const BATCH: i64 = 32;

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
    pub reminder_settings: crate::reminders::Timing,
    /// On SQLite, the worker's bookkeeping shares the commits of the requests that arrive with
    /// it (`db::group`): the server's own when the worker runs in it.
    pub commits: GroupCommit,
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
            reminder_settings: crate::reminders::Timing::from_settings(settings),
            commits: GroupCommit::default(),
        })
    }

    /// The same worker, committing with the server's requests.
    pub fn sharing_commits(self, commits: GroupCommit) -> Self {
        Self { commits, ..self }
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
            crate::reminders::run(&mut conn, &notifier, &rules, timing, calendar::now())
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
        let (pool, commits) = (self.pool.clone(), self.commits.clone());
        let lease = chrono::Duration::from_std(LEASE)?;
        let claimed = tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            commits.write(&mut conn, move |conn| {
                Ok::<_, crate::error::AppError>(outbox::claim(conn, calendar::now(), lease, BATCH)?)
            })
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
        // Each outcome is recorded as soon as its mail is done (with those done meanwhile), while
        // the others are still being sent: a crash then repeats only the mails in flight, never
        // one whose acceptance was already known.
        let mut tried = 0;
        while let Some(joined) = sending.join_next().await {
            let (mail, result) = joined?;
            let mut done = vec![self.outcome(mail, result, calendar::now())];
            while let Some(joined) = sending.try_join_next() {
                let (mail, result) = joined?;
                done.push(self.outcome(mail, result, calendar::now()));
            }
            tried += done.len();
            let (pool, commits) = (self.pool.clone(), self.commits.clone());
            tokio::task::spawn_blocking(move || {
                let mut conn = pool.get()?;
                commits.write(&mut conn, move |conn| record(conn, &done, calendar::now()))
            })
            .await??;
        }
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

/// Records the outcomes of attempts in one transaction: each mail's state, and the documents
/// whose announcement reached the recipient's mail server become 配信済.
fn record(
    conn: &mut crate::db::DbConnection,
    outcomes: &[(ClaimedMail, Outcome)],
    now: NaiveDateTime,
) -> Result<(), crate::error::AppError> {
    crate::db::write(conn, |conn| {
        let announced = outbox::record(conn, outcomes, now)?;
        crate::documents::store::mark_delivered(conn, &announced, now)?;
        Ok(())
    })
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
}
