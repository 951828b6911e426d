//! Group commit on SQLite: the writes of requests that arrive together run one after the other
//! in ONE transaction, each in a savepoint of its own, and are answered only once that
//! transaction has committed. A commit costs the same fsync and rewrites the same pages (the
//! tables' and indexes' last pages, which consecutive inserts share) whether it carries one
//! request or eight: under load, eight requests pay for one.
//!
//! The first request to arrive when nobody is committing leads: it takes every waiting
//! request's work, runs each in a savepoint on its own connection inside one `db::write`
//! transaction (so under the process's SQLite writer lock), commits, and hands each its answer.
//! If more requests arrived meanwhile, the oldest of them leads the next group (the leader is
//! then free to answer its own request: nobody leads forever). A request whose work fails is
//! rolled back to its savepoint and gets its error; the others are not affected. If the commit
//! fails, every request of the group gets that error and nothing of the group is stored. Every
//! answer is given after the commit, so an answered write is durable (`synchronous = FULL`).
//!
//! PostgreSQL commits concurrent transactions together by itself (its WAL flush covers every
//! commit waiting for it), so there each request keeps its own transaction.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};

use diesel::Connection;
use diesel::connection::{TransactionManager, TransactionManagerStatus};

use super::DbConnection;

/// Work of one request, run inside the group's transaction: it runs its use case in a savepoint
/// and gives back how to answer the request once the group's fate is known.
type Job = Box<dyn FnOnce(&mut DbConnection) -> Answer + Send>;
/// Answers the request: with its result when the group committed, with the commit's error
/// otherwise.
type Answer = Box<dyn FnOnce(Result<(), String>) + Send>;

/// A request waiting for its group.
struct Entry {
    job: Job,
    /// Makes the waiting request lead the next group.
    lead: Box<dyn FnOnce() + Send>,
}

#[derive(Default)]
struct Waiting {
    entries: VecDeque<Entry>,
    /// Whether a request leads now (it, or the one it hands over to, takes what is queued).
    leading: bool,
}

/// What wakes a waiting request.
enum Wake<T, E> {
    Answer(Result<T, E>),
    Lead,
}

/// The group commit of one database (a handle: clones share it).
#[derive(Clone, Default)]
pub struct GroupCommit {
    waiting: Arc<Mutex<Waiting>>,
}

/// What a request gets when its group's commit failed, or a request's work in its group panicked.
#[derive(Debug, thiserror::Error)]
#[error("the group commit failed: {0}")]
pub struct GroupFailed(pub String);

impl GroupCommit {
    /// Runs `work` in a savepoint of a group transaction on SQLite (on `conn` when this request
    /// leads), or in a transaction of its own on PostgreSQL; its result once committed.
    pub fn write<T, E, F>(&self, conn: &mut DbConnection, work: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<diesel::result::Error> + From<GroupFailed> + Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    {
        if matches!(conn, DbConnection::Postgres(_)) {
            return super::write(conn, work);
        }
        let (wake, woken) = mpsc::sync_channel::<Wake<T, E>>(2);
        let answered = wake.clone();
        let job: Job = Box::new(move |conn| {
            let result = super::savepoint(conn, work);
            Box::new(move |committed: Result<(), String>| {
                let _ = answered.send(Wake::Answer(match committed {
                    Ok(()) => result,
                    // A failed request's savepoint was rolled back: its own error stands.
                    Err(_) if result.is_err() => result,
                    Err(why) => Err(E::from(GroupFailed(why))),
                }));
            })
        });
        let lead = Box::new(move || {
            let _ = wake.send(Wake::Lead);
        });
        let leads_now = {
            let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
            waiting.entries.push_back(Entry { job, lead });
            !std::mem::replace(&mut waiting.leading, true)
        };
        if leads_now {
            self.lead(conn);
        }
        loop {
            match woken.recv() {
                Ok(Wake::Answer(result)) => return result,
                Ok(Wake::Lead) => self.lead(conn),
                Err(_) => return Err(E::from(GroupFailed("the group's leader stopped".into()))),
            }
        }
    }

    /// Commits one group: everything queued now. Then hands the lead to the oldest request that
    /// arrived meanwhile, if any.
    fn lead(&self, conn: &mut DbConnection) {
        let entries = std::mem::take(&mut self.waiting.lock().unwrap_or_else(PoisonError::into_inner).entries);
        let mut answers: Vec<Answer> = Vec::with_capacity(entries.len());
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            super::write(conn, |conn| {
                for entry in entries {
                    answers.push((entry.job)(conn));
                }
                Ok::<_, diesel::result::Error>(())
            })
        }));
        let committed = match ran {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(error.to_string()),
            Err(panic) => {
                abandon(conn);
                Err(panic_message(&panic))
            }
        };
        // The requests whose work never ran (after a panic) learn it from their closed channel.
        for answer in answers {
            answer(committed.clone());
        }
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        match waiting.entries.front_mut() {
            Some(next) => (std::mem::replace(&mut next.lead, Box::new(|| ())))(),
            None => waiting.leading = false,
        }
    }
}

/// After a panic inside the group's transaction: rolls it back, so that the connection is usable.
fn abandon(conn: &mut DbConnection) {
    type Manager = <DbConnection as Connection>::TransactionManager;
    for _ in 0..8 {
        let open = Manager::transaction_manager_status_mut(conn).transaction_depth().ok().flatten().is_some();
        if !open || Manager::rollback_transaction(conn).is_err() {
            break;
        }
    }
    if let TransactionManagerStatus::InError = Manager::transaction_manager_status_mut(conn) {
        tracing::error!("a connection is left in a broken transaction after a panic");
    }
}

fn panic_message(panic: &Box<dyn Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a request's work panicked".into())
}
