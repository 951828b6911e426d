//! Each kind of document, declared once: who sends it to whom, the contact it makes, which side
//! of the stay is the hospital, whether it may open a stay, who its mail reaches, what it sets on
//! the stay and the checks across it and its stay. Read by sending, amending, drafts (which form
//! a role writes, whom it goes to), mail and reminders. Adding a kind: docs/ARCHITECTURE.md.

use chrono::NaiveDate;
use serde_json::Value;

use crate::contacts::{ContactKind, Direction};
use crate::directory::{FacilityKind, Role};
use crate::error::FieldError;
use crate::forms::{DocumentKind, checks};

/// Which party of a document is the stay's hospital (the stay named must be that facility's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HospitalIs {
    /// The hospital receives it (入院時情報提供書): it goes to the stay's hospital.
    Recipient,
    /// The hospital sends it (退院連絡): it goes to the stay's care office.
    Sender,
}

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
    /// Which party is the stay's hospital.
    pub hospital_is: HospitalIs,
    /// Whether it may name a client instead of a stay, opening the client's stay at the
    /// recipient hospital from the payload's 入院日 when there is none.
    pub opens_stay: bool,
    /// Whether its mail also goes to the client's care manager at the recipient facility
    /// (besides the facility's contact windows).
    pub mails_care_manager: bool,
    /// The payload's date that becomes the stay's planned discharge, if any.
    pub sets_planned_discharge: Option<&'static str>,
    /// The rules across the payload and its stay: (payload, today, the stay's admission date).
    pub consistency: fn(&Value, NaiveDate, NaiveDate) -> Vec<FieldError>,
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
        hospital_is: HospitalIs::Recipient,
        opens_stay: true,
        mails_care_manager: false,
        sets_planned_discharge: None,
        consistency: |payload, today, admitted_on| {
            checks::admission_info(payload, "/payload", today, Some(admitted_on))
        },
    },
    Exchange {
        kind: DocumentKind::DischargeNotice,
        sender_role: Role::DischargeNurse,
        recipient_kinds: CARE_SIDE,
        recipient_name: "居宅介護支援事業所・地域包括支援センター等",
        direction: Direction::HospitalToCm,
        contact: ContactKind::DischargeNotice,
        hospital_is: HospitalIs::Sender,
        opens_stay: false,
        mails_care_manager: true,
        sets_planned_discharge: Some("/planned_discharge_date"),
        consistency: |payload, today, admitted_on| checks::discharge_notice(payload, "/payload", admitted_on, today),
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
    fn each_declaration_agrees_with_itself() {
        for exchange in ALL {
            let to_hospital = exchange.recipient_kinds == [FacilityKind::Hospital];
            // The stay's hospital is the recipient exactly when the kind goes to hospitals.
            assert_eq!(exchange.hospital_is == HospitalIs::Recipient, to_hospital, "{:?}", exchange.kind);
            // Only a kind sent to the hospital can open the stay there.
            assert!(!exchange.opens_stay || to_hospital, "{:?}", exchange.kind);
            // A care manager is mailed only on the care side.
            assert!(
                !exchange.mails_care_manager || exchange.recipient_kinds.iter().all(|k| k.is_care_side()),
                "{:?}",
                exchange.kind
            );
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
