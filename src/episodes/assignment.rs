//! Pathway B, a patient without a care manager: the 地域包括支援センター that the hospital's
//! 入院連絡 reached assigns a care office (and, if known, its care manager). The stay has them from
//! that day, the client too if no office holds them yet, and the assignment is kept with its
//! date and who made it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar;
use crate::db::DbConnection;
use crate::directory::{FacilityKind, FacilityRef, Role, UserRef};
use crate::error::AppError;
use crate::forms::checks;

/// The care office (and care manager) a 地域包括支援センター assigns to a stay, from a day.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CareAssignment {
    /// The care office (居宅介護支援事業所, or a care-side facility such as the centre itself).
    pub care_office_id: Uuid,
    /// Its care manager, if already known.
    pub care_manager_id: Option<Uuid>,
    /// The day the assignment was decided (date in Japan): not before the admission, not in the
    /// future.
    pub assigned_on: NaiveDate,
}

/// An assignment as the stay's detail shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentRecord {
    pub care_office: FacilityRef,
    pub care_manager: Option<UserRef>,
    pub assigned_on: NaiveDate,
    /// Who decided it, and at which facility.
    pub assigned_by: UserRef,
    pub assigned_by_facility: FacilityRef,
}

/// A 地域包括支援センター that takes part in the stay assigns its care office and care manager.
pub fn assign(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    assignment: CareAssignment,
) -> Result<(), AppError> {
    principal.require(&[Role::CareManager], "担当ケアマネジャーの決定")?;
    if principal.facility_kind != FacilityKind::SupportCenter {
        return Err(AppError::Forbidden("担当の事業所・ケアマネジャーは地域包括支援センターが決めます".into()));
    }
    crate::db::write(conn, |conn| {
        let episode = super::visible(conn, principal, id)?;
        let mut errors = checks::happened(
            "/assigned_on",
            "担当を決めた日",
            assignment.assigned_on,
            Some((episode.admitted_on, "入院日")),
            calendar::today(),
        );
        let office = crate::directory::store::kind_and_ref(conn, assignment.care_office_id)?;
        match &office {
            None => errors.push(crate::error::FieldError::new(
                "/care_office_id",
                "exists",
                "担当の事業所が見つかりません".to_owned(),
            )),
            Some((kind, office)) if !kind.is_care_side() => errors.push(crate::error::FieldError::new(
                "/care_office_id",
                "recipient_kind",
                format!("担当は居宅介護支援事業所・地域包括支援センター等です（{}は{}）", office.name, kind.label()),
            )),
            Some(_) => {}
        }
        if let Some(manager) = assignment.care_manager_id {
            let user = crate::directory::store::find_user(conn, manager)?;
            let belongs = user
                .as_ref()
                .is_some_and(|u| u.role == Role::CareManager && u.facility_id == assignment.care_office_id);
            if !belongs {
                errors.push(crate::error::FieldError::new(
                    "/care_manager_id",
                    "care_manager",
                    "そのケアマネジャーは担当の事業所に所属していません".to_owned(),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        Ok(super::store::assign_care(conn, id, &assignment, principal.user_id)?)
    })
}
