//! Episodes: one hospital stay of a client, from admission to discharge (or death). A facility
//! sees a stay when it is one of its parties: the hospital, the client's care office, or a
//! sender or recipient of a document about it.

pub mod assignment;
pub mod correction;
pub mod input;
pub mod store;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar;
use crate::clients::{self, Client, NewClient};
use crate::db::DbConnection;
use crate::directory::{FacilityRef, Role, UserRef};
use crate::error::AppError;
use crate::forms::checks;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, strum::EnumString, strum::IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Destination {
    /// 自宅
    Home,
    /// 施設
    Facility,
    /// 転院
    Transfer,
    /// 死亡退院 (reported apart from discharges home)
    Death,
}

/// A stay as an import file gives it (`renkei import episodes`): facilities by code.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedStayRow {
    pub episode_ref: String,
    pub client_ref: String,
    pub care_level: Option<&'static str>,
    pub care_office: Option<String>,
    pub hospital: String,
    pub admitted_on: NaiveDate,
    /// The admission instant (UTC), when the file gives the time.
    pub admitted_at: Option<chrono::NaiveDateTime>,
    pub discharged_on: Option<NaiveDate>,
    pub destination: Option<Destination>,
    pub excluded: bool,
    /// The client's municipality (a code); left as it is when the file says nothing.
    pub municipality: Option<String>,
}

impl Destination {
    /// Every destination, in the order a form offers them.
    pub const ALL: [Self; 4] = [Self::Home, Self::Facility, Self::Transfer, Self::Death];

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// As a choice names it: 自宅, 施設, 転院, 死亡退院.
    pub fn label(self) -> &'static str {
        match self {
            Self::Home => "自宅",
            Self::Facility => "施設",
            Self::Transfer => "転院",
            Self::Death => "死亡退院",
        }
    }

    /// As a stay's story tells it: 自宅へ, 施設へ, 転院, 死亡退院.
    pub fn went(self) -> &'static str {
        match self {
            Self::Home => "自宅へ",
            Self::Facility => "施設へ",
            Self::Transfer => "転院",
            Self::Death => "死亡退院",
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Episode {
    pub id: Uuid,
    /// The client; absent only for stays imported from records kept outside Renkei.
    pub client: Option<Client>,
    /// The source's reference of the client, for imported stays.
    pub client_ref: Option<String>,
    pub hospital: FacilityRef,
    /// The client's care office at admission.
    pub care_office: Option<FacilityRef>,
    pub care_manager: Option<UserRef>,
    /// 要介護度 at admission.
    pub care_level: Option<String>,
    pub admitted_on: NaiveDate,
    pub admitted_at: Option<DateTime<FixedOffset>>,
    pub planned_discharge_on: Option<NaiveDate>,
    pub discharged_on: Option<NaiveDate>,
    pub destination: Option<Destination>,
    /// The municipality of the client at admission (its code), whose handbook judges the stay.
    pub municipality: Option<String>,
}

/// A hospital registers an admission.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdmission {
    /// The patient. With a care-insurance number and birth date that match a known client, the
    /// stay is linked to that client and their care office and care manager.
    pub client: NewClient,
    /// The client's care office, when known (e.g. from the care manager's card) and the client
    /// is not yet known to Renkei.
    #[serde(default)]
    pub care_office_id: Option<Uuid>,
    /// 入院日 (date in Japan).
    pub admitted_on: NaiveDate,
    /// 入院日時, e.g. 2026-11-20T21:15:00+09:00; its date must be `admitted_on`.
    #[serde(default)]
    pub admitted_at: Option<DateTime<FixedOffset>>,
    /// 退院予定日, when already known.
    #[serde(default)]
    pub planned_discharge_on: Option<NaiveDate>,
    /// A planned respite admission (計画的なレスパイト入院), which handbook rules may leave out of
    /// the survey.
    #[serde(default)]
    pub planned_respite: bool,
}

/// The hospital records the discharge.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Discharge {
    /// 退院日 (date in Japan); not before admission, not in the future.
    pub discharged_on: NaiveDate,
    pub destination: Destination,
    /// 訂正の理由: required to change a discharge already recorded (another date or destination);
    /// without it that is a 409. At most 500 characters.
    #[serde(default)]
    pub correction_reason: Option<String>,
}

/// 退院予定日, set, changed or cleared (null: 未定) by the hospital while the patient is in
/// hospital. Each new date is a new occasion for the discharge-notice reminder.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedDischarge {
    /// 退院予定日 (date in Japan), not before the admission; null when not known.
    pub planned_discharge_on: Option<NaiveDate>,
}

/// A hospital registers an admission: the stay's id.
pub fn register_admission(conn: &mut DbConnection, principal: &Principal, new: NewAdmission) -> Result<Uuid, AppError> {
    principal.require(&[Role::DischargeNurse], "入院の登録")?;
    let today = calendar::today();
    let mut errors = new.client.problems("/client");
    if new.client.care_manager_id.is_some() {
        errors.push(crate::error::FieldError::new(
            "/client/care_manager_id",
            "not_allowed",
            "担当ケアマネジャーは居宅介護支援事業所が登録します",
        ));
    }
    if new.client.birth_date > new.admitted_on {
        errors.push(crate::error::FieldError::new(
            "/client/birth_date",
            "date_order",
            "「生年月日」が「入院日」より後です",
        ));
    }
    if (new.admitted_on - today).num_days() > checks::MAX_DAYS_AHEAD {
        errors.push(crate::error::FieldError::new(
            "/admitted_on",
            "not_too_far_ahead",
            format!("「入院日」は{}日より先にできません", checks::MAX_DAYS_AHEAD),
        ));
    }
    if new.admitted_at.is_some_and(|at| calendar::japan_date_of(at) != new.admitted_on) {
        errors.push(crate::error::FieldError::new(
            "/admitted_at",
            "matches_date",
            "「入院日時」の日付が「入院日」と一致しません",
        ));
    }
    errors.extend(new.planned_discharge_on.and_then(|day| planned_discharge_problem(day, new.admitted_on, today)));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    crate::db::write(conn, |conn| {
        let known = clients::known_patient(conn, &new.client)?;
        let client_id = match known {
            Some(id) => id,
            None => {
                if let Some(office) = new.care_office_id {
                    let facility = crate::directory::store::find(conn, office)?;
                    if !facility.is_some_and(|f| f.kind.is_care_side()) {
                        return Err(AppError::invalid(
                            "/care_office_id",
                            "exists",
                            "「居宅介護支援事業所」が見つかりません",
                        ));
                    }
                }
                let municipality = new.client.municipality.as_deref();
                crate::municipalities::require_known(conn, municipality, "/client/municipality")?;
                clients::store::insert(conn, &new.client, new.care_office_id, None)?
            }
        };
        if store::open_stay(conn, client_id, principal.facility_id)?.is_some() {
            return Err(AppError::Conflict(
                "この利用者は貴院に入院中として登録済みです。退院を記録してから新しい入院を登録してください".into(),
            ));
        }
        let id = store::insert(
            conn,
            &store::NewEpisode {
                client_id,
                hospital_id: principal.facility_id,
                admitted_on: new.admitted_on,
                admitted_at: new.admitted_at.map(calendar::to_utc),
                planned_discharge_on: new.planned_discharge_on,
                care_level_on_sheet: new.client.care_level.clone(),
                planned_respite: new.planned_respite,
                created_by: Some(principal.user_id),
            },
        )?;
        Ok(id)
    })
}

/// The hospital records the discharge of its stay.
pub fn record_discharge(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    discharge: Discharge,
) -> Result<(), AppError> {
    principal.require(&[Role::DischargeNurse], "退院の記録")?;
    crate::db::write(conn, |conn| {
        let episode = visible(conn, principal, id)?;
        if episode.hospital.id != principal.facility_id {
            return Err(AppError::Forbidden("退院はその入院先の医療機関だけが記録できます".into()));
        }
        if let Some(done) = episode.discharged_on {
            let same = done == discharge.discharged_on && episode.destination == Some(discharge.destination);
            return if same { Ok(()) } else { correction::correct(conn, principal, &episode, done, &discharge) };
        }
        check_discharge_date(&episode, discharge.discharged_on)?;
        Ok(store::set_discharge(conn, id, discharge.discharged_on, discharge.destination)?)
    })
}

/// A discharge date must have happened, on or after the admission (422 at `/discharged_on`).
fn check_discharge_date(episode: &Episode, day: NaiveDate) -> Result<(), AppError> {
    let errors =
        checks::happened("/discharged_on", "退院日", day, Some((episode.admitted_on, "入院日")), calendar::today());
    if errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(errors)) }
}

/// A planned discharge date before the admission, or a year or more ahead (a mistyped year).
fn planned_discharge_problem(
    day: NaiveDate,
    admitted_on: NaiveDate,
    today: NaiveDate,
) -> Option<crate::error::FieldError> {
    let problem = |keyword, message| Some(crate::error::FieldError::new("/planned_discharge_on", keyword, message));
    if day < admitted_on {
        problem("date_order", "「退院予定日」が「入院日」より前です")
    } else if checks::planned_discharge_too_far(day, today) {
        problem("not_too_far_ahead", "「退院予定日」が1年以上先です。年を確かめてください")
    } else {
        None
    }
}

/// The hospital sets, changes or clears the planned discharge date of a stay not yet ended.
pub fn plan_discharge(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    plan: PlannedDischarge,
) -> Result<(), AppError> {
    principal.require(&[Role::DischargeNurse], "退院予定日の設定")?;
    crate::db::write(conn, |conn| {
        let episode = visible(conn, principal, id)?;
        if episode.hospital.id != principal.facility_id {
            return Err(AppError::Forbidden("退院予定日はその入院先の医療機関だけが設定できます".into()));
        }
        if let Some(done) = episode.discharged_on {
            return Err(AppError::Conflict(format!(
                "退院はすでに {done} で記録されています（退院予定日は変更できません）"
            )));
        }
        if let Some(problem) = plan
            .planned_discharge_on
            .and_then(|day| planned_discharge_problem(day, episode.admitted_on, calendar::today()))
        {
            return Err(AppError::Invalid(vec![problem]));
        }
        Ok(store::set_planned_discharge(conn, id, plan.planned_discharge_on)?)
    })
}

/// The stays this facility takes part in, newest admission first.
pub fn list(conn: &mut DbConnection, principal: &Principal) -> Result<Vec<Episode>, AppError> {
    principal.require_liaison()?;
    Ok(store::list_visible(conn, principal.facility_id)?)
}

/// The first contacts of a stay that the handbook rules judge, without reading its contacts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactSummary {
    /// The first dated admission sheet (CM → hospital, 入院時情報提供).
    pub first_admission_info: Option<NaiveDate>,
    /// Whether an admission sheet contact without a date exists (imported paper records).
    pub undated_admission_info: bool,
    /// The first dated discharge contact (hospital → CM: 退院連絡, カンファレンス, 診療情報提供書).
    pub first_discharge_contact: Option<NaiveDate>,
    pub undated_discharge_contact: bool,
}

impl From<store::ContactFirsts> for ContactSummary {
    fn from(firsts: store::ContactFirsts) -> Self {
        Self {
            first_admission_info: firsts.admission.map(calendar::from_day_number),
            undated_admission_info: firsts.undated_admission,
            first_discharge_contact: firsts.discharge.map(calendar::from_day_number),
            undated_discharge_contact: firsts.undated_discharge,
        }
    }
}

/// The stays this facility takes part in, each with the summary of its first contacts: in
/// hospital first (newest admission first), then those discharged on `discharged_since` or later
/// (all when `None`), newest discharge first.
pub fn overview(
    conn: &mut DbConnection,
    principal: &Principal,
    discharged_since: Option<NaiveDate>,
) -> Result<Vec<(Episode, ContactSummary)>, AppError> {
    principal.require_liaison()?;
    let stays = store::list_in_hospital_first(conn, principal.facility_id, discharged_since)?;
    let mut summaries = store::contact_summaries(conn, principal.facility_id)?;
    Ok(stays
        .into_iter()
        .map(|stay| {
            let summary = summaries.remove(&stay.id).unwrap_or_default();
            (stay, summary)
        })
        .collect())
}

/// The stay, or 404 when the facility does not take part in it.
pub fn visible(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<Episode, AppError> {
    principal.require_liaison()?;
    if !store::is_party(conn, id, principal.facility_id)? {
        return Err(AppError::NotFound("episode"));
    }
    Ok(store::get(conn, id)?)
}
