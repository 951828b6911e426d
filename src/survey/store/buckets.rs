//! The survey's buckets, defined twice on purpose: as SQL expressions over a stay `e` (the
//! counting queries and the daily counts run them in the database) and as methods of [`Stay`]
//! (the passes that work buckets out in Rust); the tests here and in `daily` compare the two.
//! Only numbers and fixed words are spliced into the SQL.

use diesel::prelude::*;

use crate::survey::GroupBy;
use crate::survey::rules::RuleSet;

pub(crate) fn key_expression(group_by: Option<GroupBy>, day_column: &str) -> String {
    match group_by {
        None => "''".into(),
        // By area or by 市内/市外: by facility here, each facility's group then
        // (`facility_groups`), not joined per stay.
        Some(GroupBy::Hospital | GroupBy::HospitalInCity) => "e.hospital_id".into(),
        Some(GroupBy::CareOffice | GroupBy::Area) => "e.care_office_id".into(),
        Some(GroupBy::CareLevel) => "COALESCE(e.care_level, '')".into(),
        Some(GroupBy::Municipality) => "COALESCE(e.municipality_code, '')".into(),
        Some(GroupBy::Month) => format!("CAST({day_column} AS TEXT)"),
    }
}

/// The stays the rates count at all: those whose client had a care office at admission. A stay
/// admitted without one (pathway B) stays outside even after a 地域包括支援センター assigns it
/// one (`care_assigned_day`); it is counted among the patients without a care manager instead.
pub(crate) const WITH_CARE_OFFICE: &str = "e.care_office_id IS NOT NULL AND e.care_assigned_day IS NULL";

/// Whether a stay is left out under the rules.
pub(crate) fn excluded_expression(rules: &RuleSet) -> String {
    let mut parts = vec!["e.excluded".to_owned()];
    if let Some(days) = rules.exclusions.short_stay_max_days {
        parts.push(format!("(e.discharged_day IS NOT NULL AND e.discharged_day - e.admitted_day + 1 <= {days})"));
    }
    if rules.exclusions.planned_respite {
        parts.push("e.planned_respite".into());
    }
    format!("({})", parts.join(" OR "))
}

/// Every bucket of either side, and '' for a stay outside a side's cohort.
pub(crate) const BUCKETS: [&str; 14] =
    ["", "excluded", "same_day", "day_2_3", "later", "unknown", "none", "died", "8+", "5-7", "2-4", "1", "0", "after"];

/// How the bucket expressions write a bucket: by its name (the daily counts store names), or by
/// its place in `BUCKETS`, a number being cheaper to hand over a million times than a text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Labels {
    Names,
    Numbers,
}

impl Labels {
    pub(crate) fn of(self, bucket: &str) -> String {
        match self {
            Labels::Names => format!("'{bucket}'"),
            // Every name the expressions write is in BUCKETS (tested); were one not, the query
            // would fail on its NULL rather than count it as another bucket.
            Labels::Numbers => place(bucket).map_or_else(|| "NULL".into(), |p| p.to_string()),
        }
    }
}

/// A bucket's place in `BUCKETS`, the number a cell holds for it.
pub(crate) fn place(bucket: &str) -> Option<i32> {
    BUCKETS.iter().position(|b| *b == bucket).and_then(|p| i32::try_from(p).ok())
}

/// The admission side's bucket of a stay before any exclusion: its first dated admission sheet
/// up to `bound` (day 1 = the admission day), else an undated one, else none.
pub(crate) fn admission_bucket(bound: &str, labels: Labels) -> String {
    let l = |bucket| labels.of(bucket);
    format!(
        "CASE WHEN e.first_admission_info_day IS NOT NULL AND e.first_admission_info_day <= {bound} THEN \
           CASE WHEN e.first_admission_info_day - e.admitted_day <= 0 THEN {same_day} \
                WHEN e.first_admission_info_day - e.admitted_day <= 2 THEN {day_2_3} \
                ELSE {later} END \
         WHEN e.undated_admission_info THEN {unknown} \
         ELSE {none} END",
        same_day = l("same_day"),
        day_2_3 = l("day_2_3"),
        later = l("later"),
        unknown = l("unknown"),
        none = l("none"),
    )
}

/// The bound of the admission side in period mode: contacts count up to the discharge.
pub(crate) const UNTIL_DISCHARGE: &str = "COALESCE(e.discharged_day, 2147483647)";

pub(crate) const LEAD: &str = "(e.discharged_day - e.first_discharge_contact_day)";

/// The discharge side's bucket of a discharged stay before any exclusion.
pub(crate) fn discharge_bucket(labels: Labels) -> String {
    let l = |bucket| labels.of(bucket);
    format!(
        "CASE WHEN e.destination = 'death' THEN {died} \
              WHEN e.first_discharge_contact_day IS NOT NULL THEN \
                CASE WHEN {LEAD} >= 8 THEN {d8} WHEN {LEAD} >= 5 THEN {d5} WHEN {LEAD} >= 2 THEN {d2} \
                     WHEN {LEAD} = 1 THEN {d1} WHEN {LEAD} = 0 THEN {d0} ELSE {after} END \
              WHEN e.undated_discharge_contact THEN {unknown} \
              ELSE {none} END",
        died = l("died"),
        d8 = l("8+"),
        d5 = l("5-7"),
        d2 = l("2-4"),
        d1 = l("1"),
        d0 = l("0"),
        after = l("after"),
        unknown = l("unknown"),
        none = l("none"),
    )
}

/// Days between the first discharge contact and the discharge, capped to 0..=61 (-1: after the
/// discharge, or no dated contact): exact for every threshold the handbook schema allows (≤ 60).
pub(crate) fn lead_days() -> String {
    format!(
        "CASE WHEN e.first_discharge_contact_day IS NULL OR {LEAD} < 0 THEN -1 \
              WHEN {LEAD} > {LEAD_CAP} THEN {LEAD_CAP} ELSE {LEAD} END"
    )
}

/// The largest lead the daily counts keep exactly.
pub(crate) const LEAD_CAP: i64 = 61;

/// One stay's columns that decide its buckets (day numbers), read into Rust. Its methods are the
/// definitions of the SQL above (`admission_bucket`, `discharge_bucket`, `lead_days`), for the
/// passes that work out buckets here rather than in the database; tests compare the two. Read
/// from the columns in this order.
#[derive(Debug, Clone, Copy, Default, Queryable)]
pub(crate) struct Stay {
    pub(crate) admitted: i32,
    pub(crate) discharged: Option<i32>,
    pub(crate) first_admission_info: Option<i32>,
    pub(crate) undated_admission_info: bool,
    pub(crate) first_discharge_contact: Option<i32>,
    pub(crate) undated_discharge_contact: bool,
    pub(crate) died: bool,
    pub(crate) excluded: bool,
    pub(crate) planned_respite: bool,
}

impl Stay {
    /// `admission_bucket`: the first dated sheet up to `bound`, else an undated one, else none.
    pub(crate) fn admission_bucket(&self, bound: i32) -> &'static str {
        match self.first_admission_info {
            Some(day) if day <= bound => match day - self.admitted {
                ..=0 => "same_day",
                1..=2 => "day_2_3",
                _ => "later",
            },
            _ if self.undated_admission_info => "unknown",
            _ => "none",
        }
    }

    /// `discharge_bucket` of the stay discharged on `discharged`: death, the first dated
    /// contact's lead, else an undated contact, else none.
    pub(crate) fn discharge_bucket(&self, discharged: i32) -> &'static str {
        if self.died {
            return "died";
        }
        match self.first_discharge_contact {
            Some(day) => match discharged - day {
                8.. => "8+",
                5..=7 => "5-7",
                2..=4 => "2-4",
                1 => "1",
                0 => "0",
                _ => "after",
            },
            None if self.undated_discharge_contact => "unknown",
            None => "none",
        }
    }

    /// `lead_days` of the stay discharged on `discharged`: 0..=`LEAD_CAP`, -1 after or none.
    pub(crate) fn lead_days(&self, discharged: i32) -> i64 {
        match self.first_discharge_contact {
            Some(day) if discharged >= day => i64::from(discharged - day).min(LEAD_CAP),
            _ => -1,
        }
    }
}

pub(super) fn cell(admission: &str, in_hospital: &str, discharge: &str, on_time: &str, channels: &str) -> String {
    format!("(((({admission}) * 16 + ({discharge})) * 2 + ({in_hospital})) * 2 + ({on_time})) + 1024 * ({channels})")
}

/// A channel in a cell: no method (the stay is not counted as contacted on that side).
pub(crate) const NO_CHANNEL: i32 = 7;

/// The cell of `cell`'s SQL, packed in Rust; `channels` is the admission side's method rank
/// times 8 plus the discharge side's (`NO_CHANNEL` for none).
pub(crate) fn pack(admission: i32, in_hospital: i32, discharge: i32, on_time: i32, channels: i32) -> i32 {
    ((admission * 16 + discharge) * 2 + in_hospital) * 2 + on_time + 1024 * channels
}

/// What a cell holds: the buckets and flags (admission, in hospital, discharge, on time) and
/// the channels (admission, discharge: method ranks, `NO_CHANNEL` for none).
pub(super) fn unpack(cell: i32) -> (&'static str, i32, &'static str, i32, i32, i32) {
    let bucket = |place: i32| usize::try_from(place).ok().and_then(|p| BUCKETS.get(p)).copied().unwrap_or("");
    let (buckets, channels) = (cell & 1023, cell >> 10);
    (bucket(buckets >> 6), (buckets >> 1) & 1, bucket((buckets >> 2) & 15), buckets & 1, channels >> 3, channels & 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bucket_written_as_a_number_is_one_of_buckets() {
        for expression in [admission_bucket(UNTIL_DISCHARGE, Labels::Numbers), discharge_bucket(Labels::Numbers)] {
            assert!(!expression.contains("THEN NULL") && !expression.contains("ELSE NULL"), "{expression}");
            assert!(BUCKETS.iter().all(|b| !expression.contains(&format!("'{b}'"))), "{expression}");
        }
        assert_eq!(Labels::Numbers.of("excluded"), "1");
    }

    #[test]
    fn a_cell_unpacks_into_the_buckets_and_flags_packed_in_it() {
        let place = |bucket| Labels::Numbers.of(bucket).parse::<i32>().unwrap_or(-99);
        for (admission, in_hospital, discharge, on_time, channels) in [
            ("", 0, "after", 1, (NO_CHANNEL, NO_CHANNEL)),
            ("same_day", 1, "", 0, (0, NO_CHANNEL)),
            ("excluded", 0, "excluded", 0, (NO_CHANNEL, 6)),
            ("none", 1, "8+", 1, (5, 4)),
        ] {
            let cell = pack(place(admission), in_hospital, place(discharge), on_time, channels.0 * 8 + channels.1);
            assert_eq!(unpack(cell), (admission, in_hospital, discharge, on_time, channels.0, channels.1));
        }
    }
}
