//! Each kind of document, declared once: its published schema versions, who sends it to whom,
//! the contact it makes, which side of the stay is the hospital, whether it may open a stay, who
//! its mail reaches, what it sets on the stay, the checks across it and its stay, and what a new
//! draft of it starts with. Read by the schema registry, sending, amending, drafts (which forms a
//! role writes, whom they go to), the stay's page, mail and reminders. Adding a kind: a schema
//! file and one entry in [`ALL`] (docs/schemas.md).

use chrono::NaiveDate;
use serde_json::{Value, json};

use crate::contacts::{ContactKind, Direction, Method};
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
    /// Its published schemas: version and file, oldest first. A published file never changes
    /// (a test pins each one's hash); a handbook revision adds a version.
    pub schemas: &'static [(u32, &'static str)],
    /// The role that writes, sends and amends it.
    pub sender_role: Role,
    /// The kinds of facility it may be sent to.
    pub recipient_kinds: &'static [FacilityKind],
    /// How its recipients are named in an error (「…の送付先は医療機関です」).
    pub recipient_name: &'static str,
    /// Whether the writer may keep it instead (the writer's own facility as its recipient: no
    /// mail, in nobody's inbox), sharing it only if they choose.
    pub kept_by_writer: bool,
    /// The contacts it makes: their direction and kind, and whether sending it is the contact or
    /// its rows record contacts made another way.
    pub direction: Direction,
    pub contact: ContactKind,
    pub contacts: Contacts,
    /// Which party is the stay's hospital.
    pub hospital_is: HospitalIs,
    /// Whether it may name a client instead of a stay, opening the client's stay at the
    /// recipient hospital from the payload when there is none, and how.
    pub opens_stay: Option<OpensStay>,
    /// Whether its mail also goes to the client's care manager at the recipient facility
    /// (besides the facility's contact windows).
    pub mails_care_manager: bool,
    /// The payload's date that becomes the stay's planned discharge, if any.
    pub sets_planned_discharge: Option<&'static str>,
    /// The rules across the payload and its stay: (payload, today, the stay's admission date).
    pub consistency: fn(&Value, NaiveDate, NaiveDate) -> Vec<FieldError>,
    /// What a new draft starts with, from what Renkei knows (never overwriting an answer).
    pub prefill: fn(&Known) -> Value,
    /// The kinds whose latest revision received about the stay the prefill reads (`Known::received`).
    pub carries_from: &'static [DocumentKind],
    /// Whether a draft may start from the writer's previous document of this kind for the same
    /// client, and the payload's fields that belong to one stay and are left out of the copy.
    pub copy_forward: Option<&'static [&'static str]>,
    /// The A4 pages of its paper form: its print view, set like the paper form (`web::sheet`),
    /// keeps a fully answered form to them (a browser test prints each kind's full example).
    pub print_pages: u8,
}

/// The contacts a document makes.
#[derive(Debug, Clone, Copy)]
pub enum Contacts {
    /// Sending it is the contact: one, by the system, at its sending time.
    Sending,
    /// Each of its rows records a contact made another way (an interview by phone, a visit …):
    /// its method and date. An amendment replaces them.
    Rows(fn(&Value) -> Vec<(Method, NaiveDate)>),
    /// It makes no contact of its own (an answer to another document).
    None,
}

/// How a kind naming a client opens the client's stay at the recipient hospital.
#[derive(Debug, Clone, Copy)]
pub struct OpensStay {
    /// The payload's 入院日, which becomes the stay's admission date.
    pub admission_date: &'static str,
    /// The payload's 要介護度, kept on the stay as written on the sheet, if any.
    pub care_level: Option<&'static str>,
    /// The rules across the payload alone (no stay yet): (payload, today).
    pub checks: fn(&Value, NaiveDate) -> Vec<FieldError>,
}

/// What Renkei knows when a draft starts.
pub struct Known<'a> {
    pub today: NaiveDate,
    /// The writer's facility and name.
    pub facility_name: &'a str,
    pub user_name: &'a str,
    /// The recipient facility's name, when the stay names it.
    pub recipient_name: Option<&'a str>,
    pub admitted_on: Option<NaiveDate>,
    pub planned_discharge_on: Option<NaiveDate>,
    /// The latest payload of each kind in `carries_from` that the writer's facility received
    /// about the stay.
    pub received: Vec<(DocumentKind, Value)>,
    /// The client, as Renkei's record has them.
    pub client: Option<&'a crate::clients::Client>,
    /// The writer facility's telephone and FAX (from its contact windows).
    pub facility_phone: Option<&'a str>,
    pub facility_fax: Option<&'a str>,
}

impl Known<'_> {
    /// The client's facts as every form that asks for them words them: 氏名, フリガナ, 生年月日
    /// (and its 元号 as the national forms print it), age today, 性別, 要介護度. A form keeps those
    /// it has a place for ([`crate::forms::registry::Schema::fit`]); they are the record's, so a
    /// new draft takes them even over a sheet copied forward.
    pub fn client_facts(&self) -> Value {
        let Some(client) = self.client else { return Value::Null };
        json!({
            "patient": {
                "name": client.name,
                "name_kana": client.name_kana,
                "birth_date": client.birth_date.to_string(),
                "birth_era": crate::forms::text::birth_era(client.birth_date),
                "age": self.today.years_since(client.birth_date),
                "sex": client.sex.label(),
            },
            "care_insurance": {"care_level": client.care_level},
        })
    }

    fn day(day: Option<NaiveDate>) -> Option<String> {
        day.map(|d| d.to_string())
    }

    /// The value at `pointer` of the received document of `kind`, if any.
    fn received(&self, kind: DocumentKind, pointer: &str) -> Option<Value> {
        self.received.iter().find(|(k, _)| *k == kind).and_then(|(_, payload)| payload.pointer(pointer)).cloned()
    }
}

const CARE_SIDE: &[FacilityKind] = &[FacilityKind::CareOffice, FacilityKind::SupportCenter, FacilityKind::SmallMulti];

/// Every exchange, one per kind, in the order a stay meets them.
pub const ALL: &[Exchange] = &[
    Exchange {
        kind: DocumentKind::AdmissionNotice,
        print_pages: 1,
        schemas: &[(1, include_str!("../../schemas/admission_notice/v1.json"))],
        sender_role: Role::DischargeNurse,
        // Without a care manager (pathway B): the 地域包括支援センター. (A city's staff have no
        // role that reads documents yet.)
        recipient_kinds: CARE_SIDE,
        recipient_name: "居宅介護支援事業所・地域包括支援センター等",
        kept_by_writer: false,
        direction: Direction::HospitalToCm,
        contact: ContactKind::AdmissionNotice,
        contacts: Contacts::Sending,
        hospital_is: HospitalIs::Sender,
        opens_stay: None,
        mails_care_manager: true,
        sets_planned_discharge: Some("/planned_discharge_date"),
        consistency: |payload, today, admitted_on| checks::admission_notice(payload, "/payload", admitted_on, today),
        prefill: |known| {
            json!({
                "admission_date": Known::day(known.admitted_on),
                "planned_discharge_date": Known::day(known.planned_discharge_on),
                "care_manager": known.recipient_name.map(|_| "あり"),
                "info_request": "依頼する",
                "contact_person": {"name": known.user_name, "phone": known.facility_phone},
            })
        },
        copy_forward: None,
        carries_from: &[],
    },
    Exchange {
        kind: DocumentKind::AdmissionInfo,
        print_pages: 2,
        schemas: &[(1, include_str!("../../schemas/admission_info/v1.json"))],
        sender_role: Role::CareManager,
        recipient_kinds: &[FacilityKind::Hospital],
        recipient_name: "医療機関",
        kept_by_writer: false,
        direction: Direction::CmToHospital,
        contact: ContactKind::AdmissionInfo,
        contacts: Contacts::Sending,
        hospital_is: HospitalIs::Recipient,
        opens_stay: Some(OpensStay {
            admission_date: "/header/admission_date",
            care_level: Some("/care_insurance/care_level"),
            checks: |payload, today| checks::admission_info(payload, "/payload", today, None),
        }),
        mails_care_manager: false,
        sets_planned_discharge: None,
        consistency: |payload, today, admitted_on| {
            checks::admission_info(payload, "/payload", today, Some(admitted_on))
        },
        prefill: |known| {
            json!({"header": {
                "written_on": known.today.to_string(),
                "admission_date": Known::day(known.admitted_on),
                "hospital": {"name": known.recipient_name},
                "care_office": {
                    "name": known.facility_name,
                    "care_manager_name": known.user_name,
                    "phone": known.facility_phone,
                    "fax": known.facility_fax,
                },
            }})
        },
        copy_forward: Some(&[
            "/header/written_on",
            "/header/admission_date",
            "/header/provided_on",
            "/header/hospital",
        ]),
        carries_from: &[],
    },
    Exchange {
        kind: DocumentKind::DischargeNotice,
        print_pages: 1,
        schemas: &[(1, include_str!("../../schemas/discharge_notice/v1.json"))],
        sender_role: Role::DischargeNurse,
        recipient_kinds: CARE_SIDE,
        recipient_name: "居宅介護支援事業所・地域包括支援センター等",
        kept_by_writer: false,
        direction: Direction::HospitalToCm,
        contact: ContactKind::DischargeNotice,
        contacts: Contacts::Sending,
        hospital_is: HospitalIs::Sender,
        opens_stay: None,
        mails_care_manager: true,
        sets_planned_discharge: Some("/planned_discharge_date"),
        consistency: |payload, today, admitted_on| checks::discharge_notice(payload, "/payload", admitted_on, today),
        prefill: |known| {
            json!({
                "planned_discharge_date": Known::day(known.planned_discharge_on),
                "contact_person": {"name": known.user_name, "phone": known.facility_phone},
            })
        },
        copy_forward: None,
        carries_from: &[],
    },
    Exchange {
        kind: DocumentKind::DischargeConference,
        print_pages: 1,
        schemas: &[(1, include_str!("../../schemas/discharge_conference/v1.json"))],
        sender_role: Role::DischargeNurse,
        recipient_kinds: CARE_SIDE,
        recipient_name: "居宅介護支援事業所・地域包括支援センター等",
        kept_by_writer: false,
        direction: Direction::HospitalToCm,
        contact: ContactKind::DischargeConference,
        // Proposing and fixing a date are not yet a contact: the conference held is, on its day.
        contacts: Contacts::Rows(conference_held),
        hospital_is: HospitalIs::Sender,
        opens_stay: None,
        mails_care_manager: true,
        sets_planned_discharge: Some("/planned_discharge_date"),
        consistency: |payload, today, admitted_on| {
            checks::discharge_conference(payload, "/payload", admitted_on, today)
        },
        prefill: |known| {
            json!({
                "stage": "日程調整中",
                "planned_discharge_date": Known::day(known.planned_discharge_on),
                "contact_person": {"name": known.user_name, "phone": known.facility_phone},
            })
        },
        copy_forward: None,
        carries_from: &[],
    },
    Exchange {
        kind: DocumentKind::ConferenceAnswer,
        print_pages: 1,
        schemas: &[(1, include_str!("../../schemas/conference_answer/v1.json"))],
        sender_role: Role::CareManager,
        recipient_kinds: &[FacilityKind::Hospital],
        recipient_name: "医療機関",
        kept_by_writer: false,
        direction: Direction::CmToHospital,
        contact: ContactKind::DischargeConference,
        // An answer is part of arranging the conference, not a contact of the survey's.
        contacts: Contacts::None,
        hospital_is: HospitalIs::Recipient,
        opens_stay: None,
        mails_care_manager: false,
        sets_planned_discharge: None,
        consistency: |payload, today, _| checks::conference_answer(payload, "/payload", today),
        prefill: |known| {
            // Attending as the conference is held (in person unless it is only online).
            let online =
                known.received(DocumentKind::DischargeConference, "/proposal/mode") == Some(Value::from("オンライン"));
            json!({
                "answer": "出席",
                "attendance": [{
                    "affiliation": known.facility_name,
                    "profession": "介護支援専門員",
                    "name": known.user_name,
                    "mode": if online { "オンライン" } else { "来院" },
                }],
                "respondent": {"office_name": known.facility_name, "name": known.user_name, "phone": known.facility_phone},
            })
        },
        copy_forward: None,
        carries_from: &[DocumentKind::DischargeConference],
    },
    Exchange {
        kind: DocumentKind::DischargeReferral,
        print_pages: 1,
        schemas: &[(1, include_str!("../../schemas/discharge_referral/v1.json"))],
        sender_role: Role::DischargeNurse,
        recipient_kinds: CARE_SIDE,
        recipient_name: "居宅介護支援事業所・地域包括支援センター等",
        kept_by_writer: false,
        direction: Direction::HospitalToCm,
        contact: ContactKind::DischargeReferral,
        contacts: Contacts::Sending,
        hospital_is: HospitalIs::Sender,
        opens_stay: None,
        mails_care_manager: true,
        sets_planned_discharge: Some("/header/planned_discharge_date"),
        consistency: |payload, today, admitted_on| checks::discharge_referral(payload, "/payload", admitted_on, today),
        prefill: |known| {
            json!({"header": {
                "written_on": known.today.to_string(),
                "admission_date": Known::day(known.admitted_on),
                "planned_discharge_date": Known::day(known.planned_discharge_on),
                "care_office": {"name": known.recipient_name},
                "hospital": {"name": known.facility_name, "phone": known.facility_phone, "fax": known.facility_fax},
            }})
        },
        copy_forward: None,
        carries_from: &[],
    },
    Exchange {
        kind: DocumentKind::DischargeRecord,
        print_pages: 1,
        schemas: &[(1, include_str!("../../schemas/discharge_record/v1.json"))],
        sender_role: Role::CareManager,
        recipient_kinds: &[FacilityKind::Hospital],
        recipient_name: "医療機関（共有する場合）",
        kept_by_writer: true,
        direction: Direction::HospitalToCm,
        contact: ContactKind::DischargeRecord,
        contacts: Contacts::Rows(interviews),
        hospital_is: HospitalIs::Recipient,
        opens_stay: None,
        mails_care_manager: false,
        sets_planned_discharge: None,
        consistency: |payload, today, admitted_on| checks::discharge_record(payload, "/payload", admitted_on, today),
        prefill: record_from_received,
        copy_forward: None,
        carries_from: &[DocumentKind::DischargeReferral, DocumentKind::DischargeNotice],
    },
];

/// The interviews of a 退院・退所情報記録書: each row's method and date (a row without either
/// is refused by the schema before this is read).
fn interviews(payload: &Value) -> Vec<(Method, NaiveDate)> {
    let rows = payload.pointer("/interviews").and_then(Value::as_array).cloned().unwrap_or_default();
    rows.iter()
        .filter_map(|row| {
            let method = match row.get("method").and_then(Value::as_str)? {
                "面談" => Method::Visit,
                "電話" => Method::Phone,
                "オンライン" => Method::Video,
                "カンファレンス" => Method::Conference,
                _ => return None,
            };
            Some((method, row.get("interviewed_on").and_then(Value::as_str)?.parse().ok()?))
        })
        .collect()
}

/// A conference makes its contact once held: on the day of its record's 開催日時 (Japan time),
/// by conference; proposing it or fixing its date is not yet one.
fn conference_held(payload: &Value) -> Vec<(Method, NaiveDate)> {
    checks::japan_date_at(payload.pointer("/record/held_at").unwrap_or(&Value::Null))
        .map(|day| vec![(Method::Conference, day)])
        .unwrap_or_default()
}

/// A 退院・退所情報記録書 starts with the stay's dates and hospital, and what the hospital's
/// 診療情報提供書 and 退院連絡 already said: the patient, the diseases, the medical procedures.
fn record_from_received(known: &Known) -> Value {
    use DocumentKind::{DischargeNotice, DischargeReferral};
    let diagnoses = known.received(DischargeReferral, "/condition/diagnoses").unwrap_or_default();
    let names: Vec<&str> = diagnoses
        .as_array()
        .map(|rows| rows.iter().filter_map(|d| d.get("name").and_then(Value::as_str)).take(3).collect())
        .unwrap_or_default();
    let planned = known
        .received(DischargeNotice, "/planned_discharge_date")
        .or_else(|| known.received(DischargeReferral, "/header/planned_discharge_date"));
    let kana = known
        .received(DischargeReferral, "/patient/name_kana")
        .and_then(|k| k.as_str().map(crate::forms::text::katakana));
    json!({
        "header": {
            "written_on": known.today.to_string(),
            "admission_date": Known::day(known.admitted_on),
            "planned_discharge_date": planned.or_else(|| Known::day(known.planned_discharge_on).map(Value::from)),
        },
        "patient": {
            "name": known.received(DischargeReferral, "/patient/name"),
            "name_kana": kana,
            "sex": known.received(DischargeReferral, "/patient/sex"),
            "age": known.received(DischargeReferral, "/patient/age"),
        },
        "admission_cause": names.first(),
        "facility": {"name": known.recipient_name},
        "status": {"diseases": (!names.is_empty()).then(|| names.iter().map(|n| json!({"name": n})).collect::<Vec<_>>())},
        "issues": {"medical_procedures": known.received(DischargeReferral, "/care_information/medical_procedures")},
    })
}

/// The registry of every published schema, compiled.
pub fn schema_registry() -> anyhow::Result<crate::forms::registry::SchemaRegistry> {
    crate::forms::registry::SchemaRegistry::load(published())
}

/// Every published schema: kind, version, file. What the schema registry compiles.
pub fn published() -> impl Iterator<Item = (DocumentKind, u32, &'static str)> {
    ALL.iter().flat_map(|e| e.schemas.iter().map(move |(version, text)| (e.kind, *version, *text)))
}

/// The exchange of a kind.
pub fn of(kind: DocumentKind) -> Exchange {
    // Every kind has its exchange (a test checks it); the first is a safe default nonetheless.
    ALL.iter().find(|e| e.kind == kind).copied().unwrap_or(ALL[0])
}

/// The role that sends a kind of document (and amends it).
pub fn sender_role(kind: DocumentKind) -> Role {
    of(kind).sender_role
}

/// The kinds a role writes from a received document of `kind` (those whose draft reads it).
pub fn replies_to(kind: DocumentKind, role: Role) -> Vec<DocumentKind> {
    ALL.iter().filter(|e| e.sender_role == role && e.carries_from.contains(&kind)).map(|e| e.kind).collect()
}

/// The kinds of form a role writes, in the order of [`ALL`].
pub fn written_by(role: Role) -> Vec<DocumentKind> {
    ALL.iter().filter(|e| e.sender_role == role).map(|e| e.kind).collect()
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
            assert!(exchange.opens_stay.is_none() || to_hospital, "{:?}", exchange.kind);
            // Only a kind that goes to the hospital is kept by a care-side writer.
            assert!(!exchange.kept_by_writer || to_hospital, "{:?}", exchange.kind);
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
        assert_eq!(
            written_by(Role::CareManager),
            [DocumentKind::AdmissionInfo, DocumentKind::ConferenceAnswer, DocumentKind::DischargeRecord]
        );
        assert!(written_by(Role::Coordinator).is_empty());
        assert_eq!(replies_to(DocumentKind::DischargeConference, Role::CareManager), [DocumentKind::ConferenceAnswer]);
        assert_eq!(replies_to(DocumentKind::DischargeReferral, Role::CareManager), [DocumentKind::DischargeRecord]);
        assert!(replies_to(DocumentKind::DischargeConference, Role::DischargeNurse).is_empty());
    }
}
