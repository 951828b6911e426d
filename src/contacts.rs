//! Contacts (連絡): every liaison event of a stay, made through a document in Renkei or
//! recorded as made by phone, FAX, visit, mail, video or conference, so that the survey counts
//! all of them.

pub mod store;
pub mod withdrawal;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use crate::channels::Method;
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar;
use crate::db::DbConnection;
use crate::directory::Role;
use crate::episodes::ContactSummary;
use crate::episodes::store::ContactFirsts;
use crate::error::{AppError, FieldError};
pub use withdrawal::{Withdrawal, withdraw};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[derive(strum::VariantArray)]
pub enum Direction {
    /// ケアマネジャー → 医療機関
    CmToHospital,
    /// 医療機関 → ケアマネジャー
    HospitalToCm,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[derive(strum::VariantArray)]
pub enum ContactKind {
    /// 入院時情報提供
    AdmissionInfo,
    /// 入院連絡
    AdmissionNotice,
    /// 退院連絡
    DischargeNotice,
    /// 退院前カンファレンス
    DischargeConference,
    /// 診療情報提供書(退院時)
    DischargeReferral,
    /// 退院・退所情報記録
    DischargeRecord,
    /// その他
    Other,
}

/// The side of the survey a contact counts for in its stay's contact summary, if any: a care
/// manager's admission sheet (入院時情報提供), or a hospital's discharge notice, pre-discharge
/// conference or discharge referral (DOMAIN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummarySide {
    Admission,
    Discharge,
}

impl SummarySide {
    /// What one contact adds to its stay's summary (dated by day number, or undated).
    pub fn firsts(direction: Direction, kind: ContactKind, day: Option<i32>, method: Method) -> ContactFirsts {
        let mut firsts = ContactFirsts::default();
        add_to(&mut firsts, direction, kind, day, method);
        firsts
    }

    pub fn of(direction: Direction, kind: ContactKind) -> Option<Self> {
        use ContactKind::{AdmissionInfo, DischargeConference, DischargeNotice, DischargeReferral};
        match (direction, kind) {
            (Direction::CmToHospital, AdmissionInfo) => Some(Self::Admission),
            (Direction::HospitalToCm, DischargeNotice | DischargeConference | DischargeReferral) => {
                Some(Self::Discharge)
            }
            _ => None,
        }
    }
}

/// Takes one contact into a stay's summary (dated by day number, or undated): an earlier first
/// day of its side (with its method), another method on that day, or an undated one seen.
/// Contacts of no side change nothing.
pub fn add_to(firsts: &mut ContactFirsts, direction: Direction, kind: ContactKind, day: Option<i32>, method: Method) {
    let one = match (SummarySide::of(direction, kind), day) {
        (None, _) => return,
        (Some(SummarySide::Admission), Some(day)) => {
            ContactFirsts { admission: Some(day), admission_method: Some(method.rank()), ..ContactFirsts::default() }
        }
        (Some(SummarySide::Admission), None) => ContactFirsts {
            undated_admission: true,
            undated_admission_method: Some(method.rank()),
            ..ContactFirsts::default()
        },
        (Some(SummarySide::Discharge), Some(day)) => {
            ContactFirsts { discharge: Some(day), discharge_method: Some(method.rank()), ..ContactFirsts::default() }
        }
        (Some(SummarySide::Discharge), None) => ContactFirsts { undated_discharge: true, ..ContactFirsts::default() },
    };
    *firsts = firsts.merged(one);
}

/// A stay's first contacts, from its contacts (the survey's definitions); a withdrawn contact
/// counts for nothing.
pub fn firsts_of(contacts: &[Contact]) -> ContactFirsts {
    let mut firsts = ContactFirsts::default();
    for contact in contacts.iter().filter(|c| c.withdrawal.is_none()) {
        add_to(
            &mut firsts,
            contact.direction,
            contact.kind,
            contact.contacted_on.map(calendar::day_number),
            contact.method,
        );
    }
    firsts
}

/// The summary of a stay's first contacts, from its contacts (`firsts_of`).
pub fn summary_of(contacts: &[Contact]) -> ContactSummary {
    ContactSummary::from(firsts_of(contacts))
}

impl Direction {
    pub fn label(self) -> &'static str {
        match self {
            Self::CmToHospital => "ケアマネジャー → 医療機関",
            Self::HospitalToCm => "医療機関 → ケアマネジャー",
        }
    }
}

impl ContactKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::AdmissionInfo => "入院時情報提供",
            Self::AdmissionNotice => "入院連絡",
            Self::DischargeNotice => "退院連絡",
            Self::DischargeConference => "退院前カンファレンス",
            Self::DischargeReferral => "診療情報提供書（退院時）",
            Self::DischargeRecord => "退院・退所情報記録",
            Self::Other => "その他",
        }
    }

    /// A hospital → care manager contact that counts as the discharge contact of the survey.
    pub fn is_discharge_contact(self) -> bool {
        matches!(self, Self::DischargeNotice | Self::DischargeConference | Self::DischargeReferral)
    }
}

/// A contact as an import file gives it (`renkei import contacts`): its stay by episode_ref.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedContactRow {
    pub episode_ref: String,
    pub direction: Direction,
    pub kind: ContactKind,
    pub contacted_on: Option<NaiveDate>,
    pub method: Method,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Contact {
    pub id: Uuid,
    pub episode_id: Uuid,
    pub direction: Direction,
    pub kind: ContactKind,
    pub method: Method,
    /// The date in Japan; absent for paper records without a date.
    pub contacted_on: Option<NaiveDate>,
    pub contacted_at: Option<DateTime<FixedOffset>>,
    /// The document that made this contact, for `method = system`.
    pub document_id: Option<Uuid>,
    pub recorded_by: Option<Uuid>,
    /// The facility of the user who recorded it, or whose document made it (none: imported).
    pub recorded_by_facility: Option<Uuid>,
    /// When it was recorded.
    pub created_at: DateTime<FixedOffset>,
    /// What was agreed or said, as the recorder noted it.
    pub note: Option<String>,
    /// Withdrawn (recorded by mistake): it counts for nothing, and is kept with why.
    pub withdrawal: Option<Withdrawal>,
}

/// A contact made outside Renkei, as a user records it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub direction: Direction,
    pub kind: ContactKind,
    /// How it was made: fax, phone, visit, mail, video or conference.
    pub method: Method,
    /// The date in Japan it was made.
    pub contacted_on: NaiveDate,
    /// The time, if known, e.g. 2026-11-20T10:30:00+09:00 (its date must be `contacted_on`).
    #[serde(default)]
    pub contacted_at: Option<DateTime<FixedOffset>>,
    /// メモ: what was agreed or said (at most 1,000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// The longest note kept with a contact.
pub const NOTE_MAX_CHARS: usize = 1_000;

/// A note trimmed (blank: none), or why it cannot be kept (at `/note`).
pub fn note(text: Option<&str>) -> Result<Option<String>, FieldError> {
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    match text {
        Some(text) if text.chars().count() > NOTE_MAX_CHARS => Err(FieldError::new(
            "/note",
            "max_length",
            format!("「メモ」は{NOTE_MAX_CHARS}文字以内で入力してください（いま{}文字）", text.chars().count()),
        )),
        _ => Ok(text.map(str::to_owned)),
    }
}

/// A nurse or care manager taking part in the stay records a contact made outside Renkei.
pub fn record(
    conn: &mut DbConnection,
    principal: &Principal,
    episode_id: Uuid,
    new: NewContact,
) -> Result<Contact, AppError> {
    principal.require(&[Role::DischargeNurse, Role::CareManager], "連絡の記録")?;
    if new.method == Method::System {
        return Err(AppError::invalid(
            "/method",
            "enum",
            "「system」は Renkei で送った書類の連絡にだけ使われます。fax, phone, visit, mail, video, conference から選んでください",
        ));
    }
    if let Some(at) = new.contacted_at
        && calendar::japan_date_of(at) != new.contacted_on
    {
        return Err(AppError::invalid("/contacted_at", "matches_date", "「連絡日時」の日付が「連絡日」と一致しません"));
    }
    // A contact is recorded after it was made; a few minutes' grace for a clock set slightly off.
    if let Some(at) = new.contacted_at
        && calendar::to_utc(at) > calendar::now() + chrono::Duration::minutes(FUTURE_GRACE_MINUTES)
    {
        let now = calendar::in_japan(calendar::now()).format("%H:%M");
        return Err(AppError::invalid(
            "/contacted_at",
            "not_in_future",
            format!("「時刻」が未来です（いまは {now}）。連絡した時刻を入れてください"),
        ));
    }
    let mut errors =
        crate::forms::checks::happened("/contacted_on", "連絡日", new.contacted_on, None, calendar::today());
    let note = note(new.note.as_deref()).map_err(|e| errors.push(e)).ok().flatten();
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    crate::db::write(conn, |conn| {
        if !crate::episodes::store::is_party(conn, episode_id, principal.facility_id)? {
            return Err(AppError::NotFound("episode"));
        }
        let id = store::insert(
            conn,
            &store::ContactRecord {
                episode_id,
                direction: new.direction,
                kind: new.kind,
                method: new.method,
                contacted_on: Some(new.contacted_on),
                contacted_at: new.contacted_at.map(calendar::to_utc),
                document_id: None,
                recorded_by: Some(principal.user_id),
                note,
                stay_summary: None,
            },
        )?;
        Ok(store::get(conn, id)?)
    })
}

/// Minutes a recorded contact's time may lie ahead of the server's clock.
pub const FUTURE_GRACE_MINUTES: i64 = 5;

/// The value of a contact's kind in a form: `direction:kind`.
pub fn choice_value(direction: Direction, kind: ContactKind) -> String {
    let (direction, kind): (&'static str, &'static str) = (direction.into(), kind.into());
    format!("{direction}:{kind}")
}

/// The kinds of contact a role records by hand, with their words, its own side first:
/// (`direction:kind`, 「退院連絡（医療機関→ケアマネ）」).
pub fn choices(role: Role) -> Vec<(String, String)> {
    let hospital = [
        ContactKind::AdmissionNotice,
        ContactKind::DischargeNotice,
        ContactKind::DischargeConference,
        ContactKind::DischargeReferral,
        ContactKind::Other,
    ]
    .map(|k| (Direction::HospitalToCm, k));
    let care = [ContactKind::AdmissionInfo, ContactKind::DischargeConference, ContactKind::Other]
        .map(|k| (Direction::CmToHospital, k));
    let ordered: Vec<(Direction, ContactKind)> = match role {
        Role::CareManager => care.into_iter().chain(hospital).collect(),
        _ => hospital.into_iter().chain(care).collect(),
    };
    ordered
        .into_iter()
        .map(|(direction, kind)| {
            let arrow = match direction {
                Direction::HospitalToCm => "医療機関→ケアマネ",
                Direction::CmToHospital => "ケアマネ→医療機関",
            };
            (choice_value(direction, kind), format!("{}（{arrow}）", kind.label()))
        })
        .collect()
}

/// The kind preselected: before discharge, a hospital's contact is its 退院連絡 and a care
/// manager's the 入院時情報提供 (once it is given, その他); after discharge, その他.
pub fn default_choice(role: Role, discharged: bool, sheet_given: bool) -> String {
    match (role, discharged) {
        (Role::CareManager, false) if !sheet_given => choice_value(Direction::CmToHospital, ContactKind::AdmissionInfo),
        (Role::CareManager, _) => choice_value(Direction::CmToHospital, ContactKind::Other),
        (_, false) => choice_value(Direction::HospitalToCm, ContactKind::DischargeNotice),
        (_, true) => choice_value(Direction::HospitalToCm, ContactKind::Other),
    }
}

/// A contact as a page's form gives it, every field as typed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContactForm {
    /// `direction:kind`
    pub what: String,
    pub contacted_on: String,
    pub contacted_time: String,
    pub note: String,
    /// The button pressed.
    #[serde(skip)]
    pub method: String,
}

impl ContactForm {
    /// The contact the form describes, or what cannot be read, by field (`/what`, `/method`,
    /// `/contacted_on`, `/contacted_at`); `record` checks the rest.
    pub fn read(&self) -> Result<NewContact, Vec<crate::error::FieldError>> {
        use crate::error::FieldError;
        use crate::forms::text;
        let mut errors = Vec::new();
        let method = self.method.parse::<Method>().ok().filter(|m| *m != Method::System);
        if method.is_none() {
            errors.push(FieldError::new("/method", "enum", "連絡の方法（電話・FAX など）のボタンを押してください"));
        }
        let what = self
            .what
            .split_once(':')
            .and_then(|(d, k)| Some((d.parse::<Direction>().ok()?, k.parse::<ContactKind>().ok()?)));
        if what.is_none() {
            errors.push(FieldError::new("/what", "enum", "連絡の種類を選んでください"));
        }
        let day = text::date("/contacted_on", "連絡日", &self.contacted_on, &mut errors);
        let time = text::time("/contacted_at", "時刻", &self.contacted_time, &mut errors);
        match (method, what, day) {
            (Some(method), Some((direction, kind)), Some(day)) if errors.is_empty() => Ok(NewContact {
                direction,
                kind,
                method,
                contacted_on: day,
                contacted_at: time.and_then(|t| day.and_time(t).and_local_timezone(calendar::JAPAN).single()),
                note: Some(self.note.clone()),
            }),
            _ => Err(errors),
        }
    }
}
