//! The survey's figures beyond the rates (DOMAIN.md "Survey figures beyond rates", docs/survey.md):
//! channels (how the counted first contact was made), speed (hours from sending to reading and
//! to acknowledgement), participation (facilities per kind that take part) and the patients
//! without a care manager (pathway B).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;
use strum::IntoEnumIterator;
use utoipa::ToSchema;

use super::store::exchange;
use crate::calendar::day_number;
use crate::channels::Method;
use crate::db::DbConnection;
use crate::directory::FacilityKind;
use crate::error::AppError;
use crate::forms::DocumentKind;

/// Contacted stays by how their first counted contact was made: all seven methods, adding up to
/// the side's `contacted`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Channels {
    pub system: i64,
    pub visit: i64,
    pub conference: i64,
    pub video: i64,
    pub phone: i64,
    pub fax: i64,
    pub mail: i64,
}

impl Channels {
    /// Adds `n` stays to the method at `rank` in `Method::FIRST_CONTACT_ORDER`.
    pub fn add(&mut self, rank: i32, n: i64) {
        let slot = match Method::of_rank(rank) {
            Some(Method::System) => &mut self.system,
            Some(Method::Visit) => &mut self.visit,
            Some(Method::Conference) => &mut self.conference,
            Some(Method::Video) => &mut self.video,
            Some(Method::Phone) => &mut self.phone,
            Some(Method::Fax) => &mut self.fax,
            Some(Method::Mail) | None => &mut self.mail,
        };
        *slot += n;
    }

    /// Each method with its Japanese name and count, Renkei first, then as a form lists them.
    pub fn entries(&self) -> [(Method, i64); 7] {
        [
            (Method::System, self.system),
            (Method::Fax, self.fax),
            (Method::Phone, self.phone),
            (Method::Visit, self.visit),
            (Method::Conference, self.conference),
            (Method::Video, self.video),
            (Method::Mail, self.mail),
        ]
    }
}

/// The median and 90th percentile (nearest rank) of some hours, to one decimal; none without
/// values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Hours {
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

/// How fast one kind of document was read and acknowledged (津山's 伝達スピード).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct KindSpeed {
    pub kind: DocumentKind,
    pub label: String,
    /// Sent in the period.
    pub sent: i64,
    /// Of those, opened by the recipient (by now).
    pub read: i64,
    /// Of those, acknowledged (確認) by the recipient (by now).
    pub acknowledged: i64,
    pub hours_to_read: Hours,
    pub hours_to_acknowledgement: Hours,
}

/// Facilities of one kind that take part (釜石 publishes enrolment by facility kind).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct KindParticipation {
    pub kind: FacilityKind,
    pub label: String,
    /// In the directory.
    pub facilities: i64,
    /// With a user who can sign in (a password set, not disabled).
    pub with_active_user: i64,
    /// That sent or received a document in the period.
    pub exchanging: i64,
}

/// Stays admitted in the period, not excluded, whose client had no care office at admission
/// (pathway B): outside the rates' cohorts, counted here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct WithoutCareManager {
    pub stays: i64,
    /// With an 入院連絡 sent in Renkei to a 地域包括支援センター or the city, or recorded by hand.
    pub admission_notice: i64,
    /// Assigned a care office on or before the discharge day, or while still in hospital.
    pub assigned: i64,
    /// The median of the days from admission to that assignment (the mean of the two middle
    /// values when their number is even); none when none was assigned.
    pub median_days_to_assignment: Option<f64>,
}

/// The value at the nearest rank of `p` (0–100) among sorted values: the ⌈p/100 × n⌉-th.
fn nearest_rank(sorted: &[f64], p: u32) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (n * p as usize).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

fn one_decimal(hours: f64) -> f64 {
    (hours * 10.0).round() / 10.0
}

fn hours(mut values: Vec<f64>) -> Hours {
    values.sort_by(f64::total_cmp);
    Hours { median: nearest_rank(&values, 50).map(one_decimal), p90: nearest_rank(&values, 90).map(one_decimal) }
}

fn hours_between(from: NaiveDateTime, to: NaiveDateTime) -> f64 {
    (to - from).num_microseconds().map_or(f64::MAX, |us| us as f64 / 3_600_000_000.0)
}

/// The period's first and last day as UTC instants: from the start of `from` in Japan to the
/// start of the day after `to`.
fn utc_bounds(from: NaiveDate, to: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    let start = |day: NaiveDate| day.and_time(chrono::NaiveTime::MIN) - Duration::hours(9);
    (start(from), start(to + Duration::days(1)))
}

/// Per document kind, in the order the forms are declared: the documents sent in the period and
/// how fast they were read and acknowledged.
pub fn speed(conn: &mut DbConnection, from: NaiveDate, to: NaiveDate) -> Result<Vec<KindSpeed>, AppError> {
    let (start, end) = utc_bounds(from, to);
    let sent = exchange::documents_sent(conn, start, end)?;
    Ok(DocumentKind::iter()
        .map(|kind| {
            let of_kind: Vec<_> = sent.iter().filter(|(k, ..)| k == kind.as_str()).collect();
            let to_read: Vec<f64> =
                of_kind.iter().filter_map(|(_, sent, read, _)| read.map(|r| hours_between(*sent, r))).collect();
            let to_ack: Vec<f64> =
                of_kind.iter().filter_map(|(_, sent, _, ack)| ack.map(|a| hours_between(*sent, a))).collect();
            KindSpeed {
                kind,
                label: kind.label().to_owned(),
                sent: of_kind.len() as i64,
                read: to_read.len() as i64,
                acknowledged: to_ack.len() as i64,
                hours_to_read: hours(to_read),
                hours_to_acknowledgement: hours(to_ack),
            }
        })
        .collect())
}

/// Per facility kind: the directory's facilities, those with a user who can sign in, those that
/// sent or received a document in the period.
pub fn participation(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<KindParticipation>, AppError> {
    let (start, end) = utc_bounds(from, to);
    let facilities = exchange::facility_participation(conn, start, end)?;
    Ok(FacilityKind::iter()
        .map(|kind| {
            let of_kind: Vec<_> = facilities.iter().filter(|(k, ..)| k == kind.as_str()).collect();
            let count = |f: fn(&&(String, bool, bool)) -> bool| of_kind.iter().filter(|x| f(x)).count() as i64;
            KindParticipation {
                kind,
                label: kind.label().to_owned(),
                facilities: of_kind.len() as i64,
                with_active_user: count(|(_, active, _)| *active),
                exchanging: count(|(_, _, exchanging)| *exchanging),
            }
        })
        .collect())
}

/// The patients without a care manager admitted in the period.
pub fn without_care_manager(
    conn: &mut DbConnection,
    passes: &[super::judges::Pass],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<WithoutCareManager, AppError> {
    let mut stays = Vec::new();
    for pass in passes {
        let (rules, filter) = (&pass.rules, pass.filter.as_deref());
        stays.extend(exchange::without_care_office(conn, rules, filter, day_number(from), day_number(to))?);
    }
    let mut days: Vec<i32> = stays
        .iter()
        .filter_map(|s| {
            let assigned = s.assigned_day?;
            s.discharged_day.is_none_or(|discharged| assigned <= discharged).then_some(assigned - s.admitted_day)
        })
        .collect();
    days.sort_unstable();
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(f64::from(days[n / 2])),
        n => Some(f64::from(days[n / 2 - 1] + days[n / 2]) / 2.0),
    };
    Ok(WithoutCareManager {
        stays: stays.len() as i64,
        admission_notice: stays.iter().filter(|s| s.notified).count() as i64,
        assigned: days.len() as i64,
        median_days_to_assignment: median,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_takes_the_value_at_the_rank_rounded_up() {
        let values = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(nearest_rank(&values, 50), Some(2.0), "⌈0.5 × 4⌉ = 2nd");
        assert_eq!(nearest_rank(&values, 90), Some(4.0), "⌈0.9 × 4⌉ = 4th");
        assert_eq!(nearest_rank(&[7.5], 90), Some(7.5));
        assert_eq!(nearest_rank(&[], 50), None);
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&ten, 90), Some(9.0), "⌈0.9 × 10⌉ = 9th");
        assert_eq!(nearest_rank(&ten, 50), Some(5.0));
    }

    #[test]
    fn hours_are_rounded_to_one_decimal_after_the_rank_is_taken() {
        let minutes = |m: f64| m / 60.0;
        let h = hours(vec![minutes(95.0), minutes(10.0), minutes(31.0)]);
        assert_eq!(h.median, Some(0.5), "31 min");
        assert_eq!(h.p90, Some(1.6), "95 min = 1.58 h");
        assert_eq!(hours(Vec::new()), Hours::default());
    }

    #[test]
    fn a_period_in_japan_starts_at_15_00_utc_the_day_before() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap_or_default();
        let (start, end) = utc_bounds(day("2026-04-01"), day("2026-04-30"));
        assert_eq!(start.to_string(), "2026-03-31 15:00:00");
        assert_eq!(end.to_string(), "2026-04-30 15:00:00");
    }

    #[test]
    fn channels_add_up_by_the_methods_rank() {
        let mut channels = Channels::default();
        for method in Method::FIRST_CONTACT_ORDER {
            channels.add(method.rank(), 1 + i64::from(method.rank()));
            let (_, n) = channels.entries().into_iter().find(|(m, _)| *m == method).unwrap_or((Method::Mail, 0));
            assert_eq!(n, 1 + i64::from(method.rank()), "{method:?}");
        }
    }
}
