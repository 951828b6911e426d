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

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::mail::{MailFacts, japanese_date};
use super::outbox::About;
use super::recipients::{self, Recipient};
use super::{Notifier, Topic};
use crate::calendar;
use crate::db::schema::{documents, episodes, facilities, reminders};
use crate::db::{DbConnection, new_id, to_enum, to_uuid};
use crate::directory::Role;
use crate::error::AppError;
use crate::forms::DocumentKind;
use crate::settings::Settings;
use crate::survey::rules::{Deadline, RuleSet};

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

/// The last day to send the admission sheet for a stay, under the rule set.
pub fn admission_info_deadline(
    rule: &Deadline,
    admitted_on: NaiveDate,
    admitted_at: Option<NaiveDateTime>,
) -> NaiveDate {
    match rule {
        Deadline::Kasan2024 { business_days, closing_time, holidays } => {
            let weekday = admitted_on.weekday().to_string().to_lowercase();
            let business_day = business_days.iter().any(|d| d.to_lowercase() == weekday)
                && !holidays.as_ref().is_some_and(|h| h.contains(&admitted_on));
            let closing = NaiveTime::parse_from_str(closing_time, "%H:%M").unwrap_or(NaiveTime::MIN);
            let after_hours = admitted_at.is_some_and(|at| calendar::in_japan(at).time() > closing);
            if business_day && !after_hours { admitted_on } else { admitted_on + Duration::days(1) }
        }
        Deadline::WithinDays { days } => admitted_on + Duration::days((days - 1).max(0)),
    }
}

/// How the admission-sheet rule is named in a mail.
pub fn admission_info_rule(rule: &Deadline) -> String {
    match rule {
        Deadline::Kasan2024 { .. } => "入院時情報連携加算(Ⅰ)：入院日まで（営業時間外・休業日の入院は翌日まで）".into(),
        Deadline::WithinDays { days } => format!("入院日を1日目として{days}日以内"),
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
    Ok(admission_sheets(conn, notifier, rules, now)?
        + discharge_notices(conn, notifier, rules, now)?
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
    crate::db::write(conn, |conn| {
        let id = new_id();
        let row = (
            reminders::id.eq(id.to_string()),
            reminders::kind.eq(kind.as_str()),
            reminders::subject_id.eq(subject.to_string()),
            reminders::occasion.eq(occasion),
            reminders::created_at.eq(now),
        );
        let inserted = match conn {
            DbConnection::Sqlite(c) => {
                diesel::insert_into(reminders::table).values(row).on_conflict_do_nothing().execute(c)?
            }
            DbConnection::Postgres(c) => {
                diesel::insert_into(reminders::table).values(row).on_conflict_do_nothing().execute(c)?
            }
        };
        if inserted == 0 { Ok(0) } else { queue(conn, id) }
    })
}

/// The subjects already reminded of under `kind`.
#[diesel::dsl::auto_type]
fn already_decided(kind: &'static str) -> _ {
    reminders::table.filter(reminders::kind.eq(kind)).select(reminders::subject_id)
}

/// A stay without an admission sheet: id, hospital, care office, care manager, admission.
type OpenStay = (String, String, Option<String>, Option<String>, NaiveDate, Option<NaiveDateTime>);

fn admission_sheets(
    conn: &mut DbConnection,
    notifier: &Notifier,
    rules: &RuleSet,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let today = calendar::japan_date(now);
    let since = calendar::day_number(today - Duration::days(LOOK_BACK_DAYS));
    let open: Vec<OpenStay> = episodes::table
        .filter(episodes::client_id.is_not_null())
        .filter(episodes::care_office_id.is_not_null())
        .filter(episodes::discharged_on.is_null())
        .filter(episodes::excluded.eq(false))
        .filter(episodes::first_admission_info_day.is_null())
        .filter(episodes::undated_admission_info.eq(false))
        .filter(episodes::admitted_day.ge(since))
        .filter(episodes::id.ne_all(already_decided(Topic::AdmissionInfoDue.as_str())))
        .select((
            episodes::id,
            episodes::hospital_id,
            episodes::care_office_id,
            episodes::care_manager_id,
            episodes::admitted_on,
            episodes::admitted_at,
        ))
        .load(conn)?;
    let mut queued = 0;
    for (episode, hospital, office, manager, admitted_on, admitted_at) in open {
        let deadline = admission_info_deadline(&rules.admission_info_deadline, admitted_on, admitted_at);
        if !due_on(deadline, now) {
            continue;
        }
        let (episode, hospital) = (to_uuid(&episode)?, to_uuid(&hospital)?);
        let Some(office) = office.as_deref().map(to_uuid).transpose()? else { continue };
        queued += decide_once(conn, Topic::AdmissionInfoDue, episode, "", now, |conn, reminder| {
            let mut to = recipients::windows(conn, office)?;
            if let Some(manager) = manager.as_deref().map(to_uuid).transpose()? {
                to.extend(recipients::user(conn, manager)?.filter(|r| r.facility_id == office));
            }
            let facts = MailFacts {
                recipient_facility: facility_name(conn, office)?,
                hospital: Some(facility_name(conn, hospital)?),
                deadline: Some(japanese_date(deadline)),
                rule: Some(admission_info_rule(&rules.admission_info_deadline)),
                link: notifier.link(&format!("/episodes/{episode}")),
                ..MailFacts::default()
            };
            let about = About::reminder(Topic::AdmissionInfoDue, reminder, episode, None);
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
    rules: &RuleSet,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let today = calendar::japan_date(now);
    let days = rules.discharge_notice_min_days;
    let planned: Vec<(String, String, Option<String>, NaiveDate)> = episodes::table
        .filter(episodes::client_id.is_not_null())
        .filter(episodes::care_office_id.is_not_null())
        .filter(episodes::discharged_on.is_null())
        .filter(episodes::excluded.eq(false))
        .filter(episodes::first_discharge_contact_day.is_null())
        .filter(episodes::undated_discharge_contact.eq(false))
        .filter(episodes::planned_discharge_on.between(today, today + Duration::days(days)))
        .select((
            episodes::id,
            episodes::hospital_id,
            episodes::created_by,
            episodes::planned_discharge_on.assume_not_null(),
        ))
        .load(conn)?;
    let mut queued = 0;
    for (episode, hospital, registered_by, planned_on) in planned {
        let (episode, hospital) = (to_uuid(&episode)?, to_uuid(&hospital)?);
        let deadline = planned_on - Duration::days(days);
        // A new planned date is a new occasion.
        queued +=
            decide_once(conn, Topic::DischargeNoticeDue, episode, &planned_on.to_string(), now, |conn, reminder| {
                let mut to = recipients::windows(conn, hospital)?;
                if let Some(nurse) = registered_by.as_deref().map(to_uuid).transpose()? {
                    to.extend(discharge_nurse_at(conn, nurse, hospital)?);
                }
                let facts = MailFacts {
                    recipient_facility: facility_name(conn, hospital)?,
                    deadline: Some(japanese_date(deadline)),
                    deadline_passed: deadline < today,
                    rule: Some(format!("退院{days}日前ルール")),
                    link: notifier.link(&format!("/episodes/{episode}")),
                    ..MailFacts::default()
                };
                let about = About::reminder(Topic::DischargeNoticeDue, reminder, episode, None);
                notifier.queue(conn, &about, &facts, &recipients::distinct(to), now)
            })?;
    }
    Ok(queued)
}

/// The nurse who registered the stay, while they are a discharge nurse of the hospital.
fn discharge_nurse_at(conn: &mut DbConnection, user: Uuid, hospital: Uuid) -> Result<Option<Recipient>, AppError> {
    let role: Option<String> = crate::db::schema::users::table
        .find(user.to_string())
        .select(crate::db::schema::users::role)
        .first(conn)
        .optional()?;
    if role.as_deref().map(to_enum::<Role>).transpose()? != Some(Role::DischargeNurse) {
        return Ok(None);
    }
    Ok(recipients::user(conn, user)?.filter(|r| r.facility_id == hospital))
}

type Unacknowledged = (String, String, String, String, String, String, i32, NaiveDateTime);

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
        let mut waiting = documents::table
            .filter(documents::acknowledged_at.is_null())
            .filter(documents::sent_at.ge(oldest))
            .filter(documents::sent_at.le(now - after))
            .filter(documents::id.ne_all(already_decided(topic.as_str())))
            .select((
                documents::id,
                documents::kind,
                documents::episode_id,
                documents::sender_facility_id,
                documents::sender_user_id,
                documents::recipient_facility_id,
                documents::current_revision,
                documents::sent_at,
            ))
            .into_boxed();
        if topic == Topic::AcknowledgementOverdue {
            // The sender hears of it only after the recipient was reminded.
            waiting = waiting.filter(documents::id.eq_any(already_decided(Topic::AcknowledgementDue.as_str())));
        }
        let waiting: Vec<Unacknowledged> = waiting.load(conn)?;
        for (document, kind, episode, sender, sender_user, recipient, revision, sent_at) in waiting {
            let document = to_uuid(&document)?;
            let kind: DocumentKind = to_enum(&kind)?;
            let (episode, sender, sender_user, recipient) =
                (to_uuid(&episode)?, to_uuid(&sender)?, to_uuid(&sender_user)?, to_uuid(&recipient)?);
            queued += decide_once(conn, topic, document, "", now, |conn, reminder| {
                let (to, addressee) = if topic == Topic::AcknowledgementDue {
                    (recipients::of_document(conn, kind, episode, recipient)?, recipient)
                } else {
                    (recipients::user(conn, sender_user)?.into_iter().collect(), sender)
                };
                let facts = MailFacts {
                    recipient_facility: facility_name(conn, addressee)?,
                    sender_facility: Some(facility_name(conn, sender)?),
                    counterpart: Some(facility_name(conn, recipient)?),
                    document_kind: Some(kind.label().to_owned()),
                    revision: Some(revision),
                    sent_on: Some(japanese_date(calendar::japan_date(sent_at))),
                    link: notifier.link(&format!("/documents/{document}")),
                    ..MailFacts::default()
                };
                let about = About::reminder(topic, reminder, episode, Some((document, revision)));
                notifier.queue(conn, &about, &facts, &to, now)
            })?;
        }
    }
    Ok(queued)
}

fn facility_name(conn: &mut DbConnection, id: Uuid) -> QueryResult<String> {
    facilities::table.find(id.to_string()).select(facilities::name).first(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kasan() -> Deadline {
        Deadline::Kasan2024 {
            business_days: ["mon", "tue", "wed", "thu", "fri"].map(String::from).to_vec(),
            closing_time: "17:30".into(),
            holidays: Some(vec![date(2026, 11, 23)]),
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    /// A time in Japan, as the UTC instant stored.
    fn at_japan(day: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
        day.and_hms_opt(h, m, 0).unwrap_or_default() - Duration::hours(9)
    }

    #[test]
    fn kasan_deadline_is_the_admission_day_within_business_hours() {
        let wednesday = date(2026, 11, 25);
        assert_eq!(admission_info_deadline(&kasan(), wednesday, Some(at_japan(wednesday, 10, 0))), wednesday);
        assert_eq!(admission_info_deadline(&kasan(), wednesday, None), wednesday);
    }

    #[test]
    fn kasan_deadline_moves_to_the_next_day_after_hours_on_days_off_and_holidays() {
        let wednesday = date(2026, 11, 25);
        let saturday = date(2026, 11, 28);
        let holiday = date(2026, 11, 23); // 勤労感謝の日, a Monday
        assert_eq!(admission_info_deadline(&kasan(), wednesday, Some(at_japan(wednesday, 18, 0))), date(2026, 11, 26));
        assert_eq!(admission_info_deadline(&kasan(), saturday, None), date(2026, 11, 29));
        assert_eq!(admission_info_deadline(&kasan(), holiday, None), date(2026, 11, 24));
    }

    #[test]
    fn within_k_days_counts_the_admission_day_as_day_one() {
        let monday = date(2026, 11, 23);
        assert_eq!(admission_info_deadline(&Deadline::WithinDays { days: 3 }, monday, None), date(2026, 11, 25));
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
