//! Reading and setting a care office's business calendar: anyone signed in may read it (it is
//! no patient data); the office's own users and administrators set it.

use uuid::Uuid;

use crate::auth::Principal;
use crate::business_calendar::{self, CalendarSettings, OfficeCalendar};
use crate::db::DbConnection;
use crate::directory::{self, FacilityKind, Role};
use crate::error::AppError;
use crate::survey::rules::RuleSet;

/// The office's calendar, or the default while it has set none.
pub fn get(
    conn: &mut DbConnection,
    _principal: &Principal,
    rules: &RuleSet,
    office: Uuid,
) -> Result<OfficeCalendar, AppError> {
    let facility = directory::get(conn, office)?;
    if facility.kind == FacilityKind::Hospital {
        return Err(AppError::NotFound("care office"));
    }
    Ok(match business_calendar::store::of(conn, office)? {
        Some(calendar) => OfficeCalendar::new(calendar.settings(), true),
        None => OfficeCalendar::new(business_calendar::default_of(&rules.admission_info_deadline).settings(), false),
    })
}

/// Sets the office's calendar.
pub fn set(
    conn: &mut DbConnection,
    principal: &Principal,
    rules: &RuleSet,
    office: Uuid,
    settings: &CalendarSettings,
) -> Result<OfficeCalendar, AppError> {
    let own = principal.facility_id == office && principal.role == Role::CareManager;
    if !own && principal.role != Role::Admin {
        return Err(AppError::Forbidden("an office's calendar is set by its own staff or an administrator".into()));
    }
    get(conn, principal, rules, office)?;
    let calendar = settings.read().map_err(AppError::Invalid)?;
    business_calendar::store::save(conn, office, &calendar, Some(principal.user_id))?;
    Ok(OfficeCalendar::new(calendar.settings(), true))
}

/// The office's calendar in one Japanese sentence (the default's, while it has set none).
pub fn describe(
    conn: &mut DbConnection,
    principal: &Principal,
    rules: &RuleSet,
    office: Uuid,
) -> Result<String, AppError> {
    let office_calendar = get(conn, principal, rules, office)?;
    let (calendar, set) = (office_calendar.settings().read().map_err(AppError::Invalid)?, office_calendar.set);
    Ok(format!("{}{}", calendar.describe(), if set { "" } else { "（既定の設定）" }))
}
