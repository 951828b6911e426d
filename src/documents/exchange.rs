//! Who sends each kind of document to whom, and the contact it makes: declared once, read by
//! sending, the pages (which form a role writes, whom it may go to) and drafts.

use crate::contacts::{ContactKind, Direction};
use crate::directory::{FacilityKind, Role};
use crate::forms::DocumentKind;

/// The exchange of one kind of document.
#[derive(Debug, Clone, Copy)]
pub struct Exchange {
    pub kind: DocumentKind,
    /// The role that writes, sends and amends it.
    pub sender_role: Role,
    /// The kinds of facility it may be sent to.
    pub recipient_kinds: &'static [FacilityKind],
    /// How its recipients are named in an error (「…の送付先は医療機関です」).
    pub recipient_name: &'static str,
    /// The contact that sending it makes.
    pub direction: Direction,
    pub contact: ContactKind,
}

const CARE_SIDE: &[FacilityKind] = &[FacilityKind::CareOffice, FacilityKind::SupportCenter, FacilityKind::SmallMulti];

/// Every exchange, one per kind.
pub const ALL: &[Exchange] = &[
    Exchange {
        kind: DocumentKind::AdmissionInfo,
        sender_role: Role::CareManager,
        recipient_kinds: &[FacilityKind::Hospital],
        recipient_name: "医療機関",
        direction: Direction::CmToHospital,
        contact: ContactKind::AdmissionInfo,
    },
    Exchange {
        kind: DocumentKind::DischargeNotice,
        sender_role: Role::DischargeNurse,
        recipient_kinds: CARE_SIDE,
        recipient_name: "居宅介護支援事業所・地域包括支援センター等",
        direction: Direction::HospitalToCm,
        contact: ContactKind::DischargeNotice,
    },
];

/// The exchange of a kind.
pub fn of(kind: DocumentKind) -> Exchange {
    // Every kind has its exchange (a test checks it); the first is a safe default nonetheless.
    ALL.iter().find(|e| e.kind == kind).copied().unwrap_or(ALL[0])
}

/// The role that sends a kind of document (and amends it).
pub fn sender_role(kind: DocumentKind) -> Role {
    of(kind).sender_role
}

/// The kind of form a role writes, if any.
pub fn written_by(role: Role) -> Option<DocumentKind> {
    ALL.iter().find(|e| e.sender_role == role).map(|e| e.kind)
}

#[cfg(test)]
mod tests {
    use strum::IntoEnumIterator;

    use super::*;

    #[test]
    fn every_kind_has_one_exchange() {
        for kind in DocumentKind::iter() {
            assert_eq!(ALL.iter().filter(|e| e.kind == kind).count(), 1, "{kind:?}");
        }
    }

    #[test]
    fn discharge_notices_go_to_the_care_side_only() {
        let notice = of(DocumentKind::DischargeNotice);
        assert!(notice.recipient_kinds.iter().all(|k| k.is_care_side()));
        assert!(!notice.recipient_kinds.contains(&FacilityKind::Hospital));
        assert_eq!(written_by(Role::CareManager), Some(DocumentKind::AdmissionInfo));
        assert_eq!(written_by(Role::Coordinator), None);
    }
}
