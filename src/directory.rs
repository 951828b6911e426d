//! The directory: facilities (hospitals, care offices, …), their contact windows, and the users
//! who belong to them with their roles.

pub mod store;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{AppError, FieldError};
use crate::forms::text;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FacilityKind {
    /// 有床医療機関 (hospital with beds)
    Hospital,
    /// 居宅介護支援事業所 (home-care management office)
    CareOffice,
    /// 地域包括支援センター (community comprehensive support centre)
    SupportCenter,
    /// 小規模多機能型居宅介護・看護小規模多機能 (small multi-function)
    SmallMulti,
    /// 市・在宅医療介護連携支援センター (the city / the coordination centre)
    City,
}

impl FacilityKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Hospital => "医療機関",
            Self::CareOffice => "居宅介護支援事業所",
            Self::SupportCenter => "地域包括支援センター",
            Self::SmallMulti => "小規模多機能型居宅介護",
            Self::City => "市・連携支援センター",
        }
    }

    /// Facilities whose care managers hold clients and receive discharge notices.
    pub fn is_care_side(self) -> bool {
        matches!(self, Self::CareOffice | Self::SupportCenter | Self::SmallMulti)
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    ToSchema,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    /// 退院調整看護師・医療ソーシャルワーカー (works at a hospital)
    DischargeNurse,
    /// 介護支援専門員 (works at a care-side facility)
    CareManager,
    /// 連携コーディネーター: directory and statistics, no document contents
    Coordinator,
    /// 管理者: accounts and facilities
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::DischargeNurse => "退院調整看護師・MSW",
            Self::CareManager => "ケアマネジャー",
            Self::Coordinator => "コーディネーター",
            Self::Admin => "管理者",
        }
    }

    /// Whether a user of this role may belong to a facility of that kind.
    pub fn fits(self, kind: FacilityKind) -> bool {
        match self {
            Self::DischargeNurse => kind == FacilityKind::Hospital,
            Self::CareManager => kind.is_care_side(),
            Self::Coordinator | Self::Admin => true,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Facility {
    pub id: Uuid,
    /// The facility's own code (e.g. 介護保険事業所番号 or the city's code), unique.
    pub code: String,
    pub name: String,
    pub kind: FacilityKind,
    /// 圏域 (area) used for survey breakdowns.
    pub area: Option<String>,
    /// Inside the city (市内) or outside (市外).
    pub in_city: bool,
    /// The municipality the facility is in (its code), in a region.
    pub municipality: Option<String>,
    /// Where to reach the facility: wards, 地域医療連携室, hours to avoid.
    pub contact_windows: Vec<ContactWindow>,
}

/// A contact window (連絡窓口): one of possibly several places to reach a facility.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ContactWindow {
    /// e.g. 地域医療連携室, 3階病棟
    pub label: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub fax: Option<String>,
    /// e.g. 「12時〜13時は避けてください」
    pub hours_note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewFacility {
    pub code: String,
    pub name: String,
    pub kind: FacilityKind,
    pub area: Option<String>,
    pub in_city: bool,
    pub contact_windows: Vec<ContactWindow>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub created_at: NaiveDateTime,
    /// Since when the user may not sign in nor use a token (an administrator disabled them).
    pub disabled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub facility_code: String,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// The directory: every facility, optionally of one kind, with its contact windows.
pub fn list(conn: &mut crate::db::DbConnection, kind: Option<FacilityKind>) -> Result<Vec<Facility>, AppError> {
    Ok(store::list(conn, kind)?)
}

/// One facility with its contact windows.
/// The facilities whose care managers hold clients (居宅介護支援事業所 and the like), by name.
pub fn care_offices(conn: &mut crate::db::DbConnection) -> Result<Vec<FacilityRef>, AppError> {
    Ok(store::list(conn, None)?
        .into_iter()
        .filter(|f| f.kind.is_care_side())
        .map(|f| FacilityRef { id: f.id, code: f.code, name: f.name })
        .collect())
}

/// The facility with this code, if any.
pub fn by_code(conn: &mut crate::db::DbConnection, code: &str) -> Result<Option<Facility>, AppError> {
    Ok(store::find_by_code(conn, code)?)
}

/// Whether the directory holds no facility at all (an empty installation).
pub fn is_empty(conn: &mut crate::db::DbConnection) -> Result<bool, AppError> {
    Ok(store::is_empty(conn)?)
}

pub fn get(conn: &mut crate::db::DbConnection, id: Uuid) -> Result<Facility, AppError> {
    store::find(conn, id)?.ok_or(AppError::NotFound("facility"))
}

/// The users of a facility, in the order they were registered.
pub fn users_of(conn: &mut crate::db::DbConnection, facility_id: Uuid) -> Result<Vec<User>, AppError> {
    Ok(store::users_of(conn, facility_id)?)
}

/// One user.
pub fn user(conn: &mut crate::db::DbConnection, id: Uuid) -> Result<User, AppError> {
    store::find_user(conn, id)?.ok_or(AppError::NotFound("user"))
}

/// Registers a facility with its contact windows.
pub fn create_facility(conn: &mut crate::db::DbConnection, new: NewFacility) -> Result<Facility, AppError> {
    let code = new.code.trim();
    if code.is_empty() || new.name.trim().is_empty() {
        return Err(AppError::invalid("/code", "required", "事業所コードと名称は必須です"));
    }
    let typed = [("/code", "事業所コード", code), ("/name", "名称", new.name.as_str())];
    let area = [("/area", "圏域", new.area.as_deref().unwrap_or_default())];
    let refused: Vec<FieldError> = typed
        .iter()
        .chain(&area)
        .filter(|(_, _, value)| text::has_control(value))
        .map(|(pointer, label, _)| text::control_refused(pointer, label))
        .collect();
    if !refused.is_empty() {
        return Err(AppError::Invalid(refused));
    }
    let windows = new.contact_windows.into_iter().map(checked_window).collect::<Result<Vec<_>, _>>()?;
    crate::db::write(conn, |conn| {
        if store::find_by_code(conn, code)?.is_some() {
            return Err(AppError::Conflict(format!("事業所コード {code} はすでに登録されています")));
        }
        Ok(store::insert_facility(conn, &NewFacility { code: code.to_owned(), contact_windows: windows, ..new })?)
    })
}

/// Adds a contact window (連絡窓口) to a facility; its address, if any, receives the facility's mail.
pub fn add_window(
    conn: &mut crate::db::DbConnection,
    facility_code: &str,
    window: ContactWindow,
) -> Result<Facility, AppError> {
    let window = checked_window(window)?;
    crate::db::write(conn, |conn| {
        let facility = store::find_by_code(conn, facility_code.trim())?.ok_or_else(|| {
            AppError::invalid("/facility", "exists", format!("事業所コード {facility_code} はありません"))
        })?;
        store::insert_window(conn, facility.id, &window)?;
        store::find(conn, facility.id)?.ok_or(AppError::NotFound("facility"))
    })
}

/// A facility as an import file gives it (`renkei import facilities`).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedFacility {
    pub code: String,
    pub name: String,
    pub kind: FacilityKind,
    pub area: Option<String>,
    pub in_city: bool,
    /// Where the facility is (a municipality's code); left as it is when the file says nothing.
    pub municipality: Option<String>,
}

/// A facility's contact windows with their ids (which the pages edit them by), in order.
pub fn windows_with_ids(
    conn: &mut crate::db::DbConnection,
    facility: Uuid,
) -> Result<Vec<(Uuid, ContactWindow)>, AppError> {
    Ok(store::windows_with_ids(conn, facility)?)
}

/// Changes what a contact window says; its address, if any, receives the facility's mail from
/// then on (mail already queued keeps the address it was queued for).
pub fn change_window(
    conn: &mut crate::db::DbConnection,
    facility: Uuid,
    id: Uuid,
    window: ContactWindow,
) -> Result<(), AppError> {
    let window = checked_window(window)?;
    crate::db::write(conn, |conn| match store::update_window(conn, facility, id, &window)? {
        0 => Err(AppError::NotFound("contact window")),
        _ => Ok(()),
    })
}

/// Removes a contact window; its address receives no more of the facility's mail.
pub fn remove_window(conn: &mut crate::db::DbConnection, facility: Uuid, id: Uuid) -> Result<(), AppError> {
    crate::db::write(conn, |conn| match store::delete_window(conn, facility, id)? {
        0 => Err(AppError::NotFound("contact window")),
        _ => Ok(()),
    })
}

/// A window with a label, and an email address that mail can be sent to (or none).
fn checked_window(window: ContactWindow) -> Result<ContactWindow, AppError> {
    if window.label.trim().is_empty() {
        return Err(AppError::invalid("/contact_windows/label", "required", "連絡窓口の名称は必須です"));
    }
    let fields = [
        ("/contact_windows/label", "連絡窓口の名称", Some(&window.label)),
        ("/contact_windows/email", "メールアドレス", window.email.as_ref()),
        ("/contact_windows/phone", "電話番号", window.phone.as_ref()),
        ("/contact_windows/fax", "FAX番号", window.fax.as_ref()),
        ("/contact_windows/hours_note", "連絡を避けたい時間帯", window.hours_note.as_ref()),
    ];
    let refused: Vec<FieldError> = fields
        .iter()
        .filter(|(_, _, value)| value.is_some_and(|v| text::has_control(v)))
        .map(|(pointer, label, _)| text::control_refused(pointer, label))
        .collect();
    if !refused.is_empty() {
        return Err(AppError::Invalid(refused));
    }
    let email = window.email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    if let Some(email) = &email
        && email.parse::<lettre::Address>().is_err()
    {
        return Err(AppError::invalid(
            "/contact_windows/email",
            "format",
            format!("連絡窓口のメールアドレス \"{email}\" の形式が正しくありません"),
        ));
    }
    Ok(ContactWindow { email, ..window })
}

/// Registers a user at an existing facility; the role must fit the facility's kind.
pub fn create_user(conn: &mut crate::db::DbConnection, new: NewUser) -> Result<User, AppError> {
    let email = new.email.trim().to_lowercase();
    if email.parse::<lettre::Address>().is_err() {
        return Err(AppError::invalid("/email", "format", "メールアドレスの形式ではありません"));
    }
    if new.name.trim().is_empty() {
        return Err(AppError::invalid("/name", "required", "氏名は必須です"));
    }
    if text::has_control(&new.name) {
        return Err(AppError::Invalid(vec![text::control_refused("/name", "氏名")]));
    }
    crate::db::write(conn, |conn| {
        let facility = store::find_by_code(conn, &new.facility_code)?.ok_or_else(|| {
            AppError::invalid("/facility", "exists", format!("事業所コード {} は登録されていません", new.facility_code))
        })?;
        if !new.role.fits(facility.kind) {
            return Err(AppError::invalid(
                "/role",
                "role_fits_facility",
                format!("{}は{}に所属できません", new.role.label(), facility.kind.label()),
            ));
        }
        if store::find_user_by_email(conn, &email)?.is_some() {
            return Err(AppError::Conflict(format!("メールアドレス {email} はすでに登録されています")));
        }
        store::insert_user(conn, facility.id, new.name.trim(), &email, new.role)
    })
}

/// A facility as other records mention it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FacilityRef {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// A staff member as other records mention them (e.g. the client's care manager).
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct UserRef {
    pub id: Uuid,
    pub name: String,
}
