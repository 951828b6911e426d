//! Reminders decided from the handbook rules in force, each at most once:
//! - the care side, when a client was admitted and no admission sheet was sent: from 09:00 on
//!   the deadline day of the rule set's `admission_info_deadline` until that day ends;
//! - the hospital, when a planned discharge is within N days (`discharge_notice_min_days`) and
//!   no discharge contact was made;
//! - the recipient of a document not acknowledged after `ACK_REMINDER_HOURS`; then the sender,
//!   after `ACK_ESCALATION_HOURS`.
//!
//! A decision is a row in `reminders` whose unique key names the occasion, written in the same
//! transaction as its mail: a second worker, or the next pass, cannot decide it again.

pub mod store;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use uuid::Uuid;

use crate::calendar::{self, japanese_date};
use crate::db::DbConnection;
use crate::directory::Role;
use crate::error::AppError;
use crate::notify::mail::MailFacts;
use crate::notify::recipients;
use crate::notify::{About, Notifier, Topic};
use crate::settings::Settings;
use crate::survey::judges::RuleBook;
use crate::survey::rules::RuleSet;

/// Reminders go out from this time (Japan) on the day they are due.
const MORNING: NaiveTime = match NaiveTime::from_hms_opt(9, 0, 0) {
    Some(t) => t,
    None => panic!("09:00 is a time"),
};

/// Stays and documents older than this are not looked at (e.g. when Renkei is first started on
/// an old database, nobody is reminded of last year's forms).
const LOOK_BACK_DAYS: i64 = 14;

/// When acknowledgement reminders are due.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// After this long unacknowledged, the recipient is reminded.
    pub acknowledgement_reminder: Duration,
    /// After this long unacknowledged, the sender is told.
    pub acknowledgement_escalation: Duration,
}

impl Timing {
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            acknowledgement_reminder: Duration::hours(i64::from(settings.ack_reminder_hours)),
            acknowledgement_escalation: Duration::hours(i64::from(settings.ack_escalation_hours)),
        }
    }
}

/// Decides every reminder due at `now`; returns how many mails were queued.
pub fn run(
    conn: &mut DbConnection,
    notifier: &Notifier,
    rules: &RuleSet,
    timing: Timing,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    // Each stay by its own municipality's rules (`RuleBook::for_stay`), read once per pass.
    let book = RuleBook::load(conn, rules)?;
    Ok(admission_sheets(conn, notifier, &book, now)?
        + discharge_notices(conn, notifier, &book, now)?
        + acknowledgements(conn, notifier, timing, now)?)
}

/// Records the decision and queues its mail, once: returns 0 when it was decided before.
fn decide_once(
    conn: &mut DbConnection,
    kind: Topic,
    subject: Uuid,
    occasion: &str,
    now: NaiveDateTime,
    queue: impl FnOnce(&mut DbConnection, Uuid) -> Result<usize, AppError>,
) -> Result<usize, AppError> {
    crate::db::write(conn, |conn| match store::decide(conn, kind, subject, occasion, now)? {
        Some(reminder) => queue(conn, reminder),
        None => Ok(0),
    })
}

fn admission_sheets(
    conn: &mut DbConnection,
    notifier: &Notifier,
    book: &RuleBook,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let today = calendar::japan_date(now);
    let awaiting = crate::episodes::store::awaiting_admission_info(conn, today - Duration::days(LOOK_BACK_DAYS))?;
    let ids: Vec<Uuid> = awaiting.iter().map(|s| s.id).collect();
    let decided = store::decided(conn, Topic::AdmissionInfoDue, &ids)?;
    let offices = crate::business_calendar::Offices::load(conn, book.deployment())?;
    let mut queued = 0;
    for stay in awaiting.into_iter().filter(|s| !decided.contains(&s.id)) {
        let rules = book.for_stay(stay.municipality.as_deref(), stay.admitted_on);
        let deadline = offices.admission_deadline(rules, Some(stay.care_office), stay.admitted_on, stay.admitted_at);
        if !due_on(deadline, now) {
            continue;
        }
        queued += decide_once(conn, Topic::AdmissionInfoDue, stay.id, "", now, |conn, reminder| {
            let mut to = recipients::windows(conn, stay.care_office)?;
            if let Some(manager) = stay.care_manager {
                to.extend(recipients::user(conn, manager)?.filter(|r| r.facility_id == stay.care_office));
            }
            let facts = MailFacts {
                recipient_facility: facility_name(conn, stay.care_office)?,
                hospital: Some(facility_name(conn, stay.hospital)?),
                deadline: Some(japanese_date(deadline)),
                rule: Some(rules.admission_info_deadline.describe()),
                link: notifier.link(&format!("/episodes/{}", stay.id)),
                ..MailFacts::default()
            };
            let about = About::reminder(Topic::AdmissionInfoDue, reminder, stay.id, None);
            notifier.queue(conn, &about, &facts, &recipients::distinct(to), now)
        })?;
    }
    Ok(queued)
}

/// Whether a reminder for `deadline` goes out at `now`: from the morning of that day to its end.
fn due_on(deadline: NaiveDate, now: NaiveDateTime) -> bool {
    let local = calendar::in_japan(now);
    local.date_naive() == deadline && local.time() >= MORNING
}

fn discharge_notices(
    conn: &mut DbConnection,
    notifier: &Notifier,
    book: &RuleBook,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let today = calendar::japan_date(now);
    // Each stay by its own rules: the candidates for the longest notice any of them wants.
    let longest = today + Duration::days(book.longest_notice());
    let awaiting = crate::episodes::store::awaiting_discharge_contact(conn, today, longest)?;
    let mut queued = 0;
    for stay in awaiting {
        let days = book.for_stay(stay.municipality.as_deref(), stay.admitted_on).discharge_notice_min_days;
        if stay.planned_on > today + Duration::days(days) {
            continue;
        }
        let deadline = stay.planned_on - Duration::days(days);
        // A new planned date is a new occasion.
        let occasion = stay.planned_on.to_string();
        queued += decide_once(conn, Topic::DischargeNoticeDue, stay.id, &occasion, now, |conn, reminder| {
            let mut to = recipients::windows(conn, stay.hospital)?;
            if let Some(nurse) = stay.registered_by {
                // The nurse who registered the stay, while they are a discharge nurse there.
                to.extend(recipients::user_at(conn, nurse, stay.hospital, Role::DischargeNurse)?);
            }
            let facts = MailFacts {
                recipient_facility: facility_name(conn, stay.hospital)?,
                deadline: Some(japanese_date(deadline)),
                deadline_passed: deadline < today,
                rule: Some(format!("退院{days}日前ルール")),
                link: notifier.link(&format!("/episodes/{}", stay.id)),
                ..MailFacts::default()
            };
            let about = About::reminder(Topic::DischargeNoticeDue, reminder, stay.id, None);
            notifier.queue(conn, &about, &facts, &recipients::distinct(to), now)
        })?;
    }
    Ok(queued)
}

fn acknowledgements(
    conn: &mut DbConnection,
    notifier: &Notifier,
    timing: Timing,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let oldest = now - Duration::days(LOOK_BACK_DAYS);
    let mut queued = 0;
    for (topic, after) in [
        (Topic::AcknowledgementDue, timing.acknowledgement_reminder),
        (Topic::AcknowledgementOverdue, timing.acknowledgement_escalation),
    ] {
        let waiting = crate::documents::store::unacknowledged(conn, oldest, now - after)?;
        let ids: Vec<Uuid> = waiting.iter().map(|d| d.id).collect();
        let decided = store::decided(conn, topic, &ids)?;
        // The sender hears of it only after the recipient was reminded.
        let reminded = match topic {
            Topic::AcknowledgementOverdue => Some(store::decided(conn, Topic::AcknowledgementDue, &ids)?),
            _ => None,
        };
        let due = waiting
            .into_iter()
            .filter(|d| !decided.contains(&d.id) && reminded.as_ref().is_none_or(|r| r.contains(&d.id)));
        for document in due {
            queued += decide_once(conn, topic, document.id, "", now, |conn, reminder| {
                let (to, addressee) = if topic == Topic::AcknowledgementDue {
                    let to = recipients::of_document(
                        conn,
                        crate::documents::exchange::of(document.kind).mails_care_manager,
                        document.episode,
                        document.recipient,
                    )?;
                    (to, document.recipient)
                } else {
                    (recipients::user(conn, document.sender_user)?.into_iter().collect(), document.sender)
                };
                let facts = MailFacts {
                    recipient_facility: facility_name(conn, addressee)?,
                    sender_facility: Some(facility_name(conn, document.sender)?),
                    counterpart: Some(facility_name(conn, document.recipient)?),
                    document_kind: Some(document.kind.label().to_owned()),
                    revision: Some(document.revision),
                    sent_on: Some(japanese_date(calendar::japan_date(document.sent_at))),
                    link: notifier.link(&format!("/documents/{}", document.id)),
                    ..MailFacts::default()
                };
                let announced = Some((document.id, document.revision));
                let about = About::reminder(topic, reminder, document.episode, announced);
                notifier.queue(conn, &about, &facts, &to, now)
            })?;
        }
    }
    Ok(queued)
}

fn facility_name(conn: &mut DbConnection, id: Uuid) -> Result<String, AppError> {
    Ok(crate::directory::store::facility_name(conn, id)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    /// A time in Japan, as the UTC instant stored.
    fn at_japan(day: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
        day.and_hms_opt(h, m, 0).unwrap_or_default() - Duration::hours(9)
    }

    #[test]
    fn a_reminder_is_due_from_nine_in_the_morning_of_the_deadline_day() {
        let day = date(2026, 11, 25);
        assert!(!due_on(day, at_japan(day, 8, 59)));
        assert!(due_on(day, at_japan(day, 9, 0)));
        assert!(due_on(day, at_japan(day, 23, 59)));
        assert!(!due_on(day, at_japan(date(2026, 11, 26), 9, 0)));
        assert!(!due_on(day, at_japan(date(2026, 11, 24), 12, 0)));
    }
}
