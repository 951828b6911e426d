//! The worked examples of docs/claims.md.

use chrono::{Duration, NaiveDate, NaiveTime};

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn stay(admitted_on: NaiveDate, time: Option<(u32, u32)>) -> StayFacts {
    StayFacts {
        episode_id: Uuid::new_v4(),
        client_key: Some("c1".into()),
        admitted_on,
        admitted_at: time.map(|(h, m)| {
            admitted_on.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()) - Duration::hours(9)
        }),
        discharged_on: None,
        destination: None,
        contacts: vec![],
        record: false,
    }
}

fn contact(direction: Direction, kind: ContactKind, method: Method, on: Option<NaiveDate>) -> Evidence {
    Evidence { contact_id: Uuid::new_v4(), direction, kind, method, contacted_on: on, document_id: None }
}

fn provided(mut stay: StayFacts, on: NaiveDate) -> StayFacts {
    stay.contacts.push(contact(Direction::CmToHospital, ContactKind::AdmissionInfo, Method::Fax, Some(on)));
    stay
}

fn tier(stay: &StayFacts) -> Option<AdmissionTier> {
    admission(stay, &BusinessCalendar::default(), Holidays::carried()).tier
}

#[test]
fn admission_within_hours_gives_one_on_the_day_and_two_up_to_day_three() {
    let wednesday = date(2026, 11, 25);
    let at_ten = stay(wednesday, Some((10, 0)));
    assert_eq!(tier(&provided(at_ten.clone(), wednesday - Duration::days(2))), Some(AdmissionTier::I), "before");
    assert_eq!(tier(&provided(at_ten.clone(), wednesday)), Some(AdmissionTier::I));
    assert_eq!(tier(&provided(at_ten.clone(), date(2026, 11, 26))), Some(AdmissionTier::II), "day 2");
    assert_eq!(tier(&provided(at_ten.clone(), date(2026, 11, 27))), Some(AdmissionTier::II), "day 3");
    assert_eq!(tier(&provided(at_ten.clone(), date(2026, 11, 28))), None, "day 4");
    assert_eq!(tier(&at_ten), None);
}

#[test]
fn after_hours_is_at_closing_time_and_gives_one_the_next_day() {
    let wednesday = date(2026, 11, 25);
    let next = date(2026, 11, 26);
    assert_eq!(tier(&provided(stay(wednesday, Some((17, 30))), next)), Some(AdmissionTier::I));
    assert_eq!(tier(&provided(stay(wednesday, Some((17, 29))), next)), Some(AdmissionTier::II));
    assert_eq!(tier(&provided(stay(wednesday, None), next)), Some(AdmissionTier::II), "time unknown");
}

#[test]
fn a_day_off_admission_gives_one_the_next_day_but_no_fourth_day() {
    let saturday = date(2026, 11, 28);
    assert_eq!(tier(&provided(stay(saturday, None), date(2026, 11, 29))), Some(AdmissionTier::I));
    assert_eq!(tier(&provided(stay(saturday, None), date(2026, 11, 30))), Some(AdmissionTier::II));
    assert_eq!(tier(&provided(stay(saturday, Some((20, 0))), date(2026, 12, 1))), None, "day 4");
    let substitute_holiday = date(2026, 5, 6);
    assert_eq!(tier(&provided(stay(substitute_holiday, Some((9, 0))), date(2026, 5, 7))), Some(AdmissionTier::I));
    let citizens_holiday = date(2026, 9, 22);
    assert_eq!(tier(&provided(stay(citizens_holiday, None), date(2026, 9, 23))), Some(AdmissionTier::I));
    let year_end = date(2026, 12, 28); // a Monday, the last business day of the year
    assert_eq!(
        tier(&provided(stay(year_end, Some((18, 0))), date(2026, 12, 31))),
        Some(AdmissionTier::II),
        "day 3 closed"
    );
    assert_eq!(tier(&provided(stay(year_end, Some((17, 0))), date(2026, 12, 31))), None, "within hours");
    assert_eq!(
        tier(&provided(stay(date(2026, 12, 29), None), date(2026, 12, 30))),
        Some(AdmissionTier::I),
        "closed day"
    );
}

#[test]
fn friday_after_hours_with_a_sunday_third_day_gives_two_on_the_fourth() {
    let friday = date(2026, 11, 20);
    let monday = date(2026, 11, 23); // day 4, and a national holiday; day 3 is a Sunday
    assert_eq!(tier(&provided(stay(friday, Some((18, 0))), date(2026, 11, 21))), Some(AdmissionTier::I));
    assert_eq!(tier(&provided(stay(friday, Some((18, 0))), monday)), Some(AdmissionTier::II));
    assert_eq!(tier(&provided(stay(friday, Some((17, 0))), monday)), None, "within hours: no extension");
    let tuesday = date(2026, 11, 24); // day 3 a business day
    assert_eq!(tier(&provided(stay(date(2026, 11, 21), Some((18, 0))), tuesday)), None, "a Saturday admission");
}

#[test]
fn undated_and_wrong_way_contacts_give_nothing() {
    let wednesday = date(2026, 11, 25);
    let mut stay = stay(wednesday, None);
    stay.contacts.push(contact(Direction::CmToHospital, ContactKind::AdmissionInfo, Method::Fax, None));
    stay.contacts.push(contact(Direction::HospitalToCm, ContactKind::AdmissionInfo, Method::Fax, Some(wednesday)));
    stay.contacts.push(contact(Direction::CmToHospital, ContactKind::AdmissionNotice, Method::Fax, Some(wednesday)));
    assert_eq!(tier(&stay), None);
    let stay = provided(provided(stay, date(2026, 11, 27)), date(2026, 11, 26));
    let addition = admission(&stay, &BusinessCalendar::default(), Holidays::carried());
    assert_eq!((addition.tier, addition.day, addition.evidence.len()), (Some(AdmissionTier::II), Some(2), 1));
}

fn discharged_home(
    admitted_on: NaiveDate,
    discharged_on: NaiveDate,
    contacts: &[(ContactKind, Method, NaiveDate)],
) -> StayFacts {
    let mut stay = stay(admitted_on, None);
    stay.discharged_on = Some(discharged_on);
    stay.destination = Some(Destination::Home);
    stay.contacts =
        contacts.iter().map(|(kind, method, on)| contact(Direction::HospitalToCm, *kind, *method, Some(*on))).collect();
    stay
}

#[test]
fn discharge_tiers_follow_the_information_days_and_the_conference() {
    use ContactKind::*;
    let (admitted, discharged) = (date(2026, 11, 2), date(2026, 11, 20));
    let tier_of = |contacts: &[(ContactKind, Method, NaiveDate)]| {
        discharge(&discharged_home(admitted, discharged, contacts)).tier
    };
    let d = |day| date(2026, 11, day);
    assert_eq!(tier_of(&[]), None);
    assert_eq!(tier_of(&[(DischargeNotice, Method::Phone, d(15))]), Some(DischargeTier::OneI));
    assert_eq!(tier_of(&[(DischargeConference, Method::Conference, d(15))]), Some(DischargeTier::OneRo));
    assert_eq!(
        tier_of(&[(DischargeNotice, Method::Phone, d(15)), (DischargeNotice, Method::Fax, d(15))]),
        Some(DischargeTier::OneI),
        "one day"
    );
    assert_eq!(
        tier_of(&[(DischargeNotice, Method::Phone, d(10)), (DischargeReferral, Method::Fax, d(15))]),
        Some(DischargeTier::TwoI)
    );
    assert_eq!(
        tier_of(&[(DischargeNotice, Method::Conference, d(10)), (DischargeRecord, Method::Visit, d(15))]),
        Some(DischargeTier::TwoRo)
    );
    let three = [
        (DischargeNotice, Method::Phone, d(5)),
        (DischargeNotice, Method::Phone, d(10)),
        (DischargeNotice, Method::Phone, d(15)),
    ];
    assert_eq!(tier_of(&three), Some(DischargeTier::TwoI), "three days without a conference stay (Ⅱ)イ");
    let mut with_conference = three.to_vec();
    with_conference.push((DischargeConference, Method::Video, d(16)));
    assert_eq!(tier_of(&with_conference), Some(DischargeTier::Three));
    assert_eq!(tier_of(&[(DischargeNotice, Method::Phone, d(27))]), Some(DischargeTier::OneI), "7 days after");
    assert_eq!(tier_of(&[(DischargeNotice, Method::Phone, d(28))]), None, "8 days after");
    assert_eq!(tier_of(&[(DischargeNotice, Method::Phone, d(1))]), None, "before the admission");
    assert_eq!(tier_of(&[(AdmissionNotice, Method::Conference, d(10))]), None, "a kind that never counts");
    let mut to_a_facility = discharged_home(admitted, discharged, &[(DischargeNotice, Method::Phone, d(15))]);
    to_a_facility.destination = Some(Destination::Facility);
    let addition = discharge(&to_a_facility);
    assert_eq!((addition.tier, addition.information_days.len()), (None, 1));
}

fn weighed(client: &str, admitted_on: NaiveDate, episode_id: Uuid, tier: Option<AdmissionTier>) -> Weighed<'_> {
    Weighed { client: Some(client), admitted_on, admitted_at: None, episode_id, tier }
}

#[test]
fn once_a_month_the_higher_tier_then_the_earlier_admission_is_claimed() {
    let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let claimed = same_month_claimed(&[
        weighed("x", date(2026, 11, 2), a, Some(AdmissionTier::II)),
        weighed("x", date(2026, 11, 20), b, Some(AdmissionTier::I)),
        weighed("x", date(2026, 12, 1), c, Some(AdmissionTier::II)),
    ]);
    assert_eq!(claimed, [a]);
    let claimed = same_month_claimed(&[
        weighed("x", date(2026, 11, 2), a, Some(AdmissionTier::I)),
        weighed("x", date(2026, 11, 20), b, Some(AdmissionTier::I)),
        weighed("y", date(2026, 11, 20), c, Some(AdmissionTier::I)),
    ]);
    assert_eq!(claimed, [b]);
    let untiered =
        [weighed("x", date(2026, 11, 2), a, None), weighed("x", date(2026, 11, 3), b, Some(AdmissionTier::II))];
    assert!(same_month_claimed(&untiered).is_empty());
}

#[test]
fn prospects_say_what_is_still_possible_today() {
    let friday = date(2026, 11, 20);
    let stay = stay(friday, Some((18, 0)));
    let lines = prospects(&stay, &BusinessCalendar::default(), Holidays::carried(), date(2026, 11, 21));
    assert_eq!(lines[0], "今日中に入院時情報を提供すれば入院時情報連携加算（Ⅰ）（250単位）。11月23日までなら（Ⅱ）");
    assert_eq!(lines[1], "病院から情報を受ければ退院・退所加算（Ⅰ）イ、カンファレンスに参加すれば（Ⅰ）ロ");
    let mut informed = discharged_home(
        friday,
        date(2026, 12, 1),
        &[(ContactKind::DischargeNotice, Method::Phone, date(2026, 11, 28))],
    );
    informed.discharged_on = None;
    informed.destination = None;
    let lines = prospects(&informed, &BusinessCalendar::default(), Holidays::carried(), date(2026, 11, 29));
    assert_eq!(
        lines[1],
        "退院・退所加算（Ⅰ）イ（450単位、情報を受けた日 1日）。カンファレンスに参加すれば（Ⅱ）ロ。退院・退所情報記録書がまだありません"
    );
}
