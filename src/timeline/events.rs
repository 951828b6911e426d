//! One stay told as a story, in date order: the admission, each contact (with its document, when
//! it was made through Renkei) judged against the rules in force, the planned and actual
//! discharge. Pure: it reads an `EpisodeDetail` and the rule set.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use super::EpisodeDetail;
use super::judgement::{self as timeline, DischargeDay, Judgement};
use crate::business_calendar::Offices;
use crate::calendar;
use crate::contacts::{Contact, ContactKind, Direction};
use crate::documents::DocumentSummary;
use crate::episodes::Destination;
use crate::survey::rules::RuleSet;

/// One line of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// `11月20日`, or 日付不明.
    pub date: String,
    pub time: Option<String>,
    /// admission, contact, document, planned, discharge: the marker's style.
    pub kind: &'static str,
    pub title: String,
    /// 電話・医療機関 → ケアマネジャー
    pub detail: String,
    pub document: Option<DocumentLink>,
    pub judgement: Option<Judgement>,
    /// A contact's note (what was agreed).
    pub note: Option<String>,
    /// A withdrawn contact: why, and when (「取り消し（12月7日）：理由」).
    pub withdrawn: Option<String>,
    /// A contact the viewer's facility recorded by hand and may withdraw.
    pub withdrawable: Option<Uuid>,
    #[serde(skip)]
    sort: (Option<NaiveDate>, u8),
}

#[derive(Debug, Clone, Serialize)]
pub struct DocumentLink {
    pub id: Uuid,
    pub label: String,
    pub status: &'static str,
    pub status_label: String,
    pub revision: i32,
}

impl Entry {
    fn new(day: Option<NaiveDate>, order: u8, kind: &'static str, title: String, detail: String) -> Self {
        Self {
            date: day.map_or_else(|| "日付不明".to_owned(), timeline::short_date),
            time: None,
            kind,
            title,
            detail,
            document: None,
            judgement: None,
            note: None,
            withdrawn: None,
            withdrawable: None,
            sort: (day, order),
        }
    }
}

fn link(document: &DocumentSummary) -> DocumentLink {
    DocumentLink {
        id: document.id,
        label: document.kind_label.clone(),
        status: document.status.into(),
        status_label: document.status_label.clone(),
        revision: document.revision,
    }
}

/// Every event of the stay, oldest first; undated contacts last; as the facility `viewer` sees
/// them (the contacts it recorded by hand it may withdraw).
pub fn entries(
    detail: &EpisodeDetail,
    rules: &RuleSet,
    offices: &Offices,
    today: NaiveDate,
    viewer: Uuid,
) -> Vec<Entry> {
    let episode = &detail.episode;
    let discharge_day = DischargeDay::of(episode.discharged_on, episode.planned_discharge_on);
    let deadline = super::admission_deadline(episode, rules, offices);
    let mut entries = vec![];
    let mut admission = Entry::new(
        Some(episode.admitted_on),
        0,
        "admission",
        "入院".into(),
        format!("{}（入院時情報提供の期限: {}）", episode.hospital.name, timeline::short_date(deadline)),
    );
    admission.time = episode.admitted_at.map(|at| at.format("%H:%M").to_string());
    entries.push(admission);
    for contact in &detail.contacts {
        let document = contact.document_id.and_then(|id| detail.documents.iter().find(|d| d.id == id));
        let mut entry = Entry::new(
            contact.contacted_on,
            1,
            if document.is_some() { "document" } else { "contact" },
            contact.kind.label().to_owned(),
            format!("{}・{}", contact.method.label(), contact.direction.label()),
        );
        entry.time = contact.contacted_at.map(|at| at.format("%H:%M").to_string());
        entry.document = document.map(link);
        entry.note.clone_from(&contact.note);
        match &contact.withdrawal {
            // Withdrawn: kept on the record, judged by no rule.
            Some(withdrawal) => {
                let day = timeline::short_date(calendar::japan_date_of(withdrawal.withdrawn_at));
                entry.withdrawn = Some(format!("取り消し（{day}）：{}", withdrawal.reason));
            }
            None => {
                entry.judgement = judge(contact, episode.admitted_on, deadline, discharge_day, rules);
                let by_hand = contact.document_id.is_none() && contact.recorded_by_facility == Some(viewer);
                entry.withdrawable = by_hand.then_some(contact.id);
            }
        }
        entries.push(entry);
    }
    // Documents this facility sees whose contact is missing (none expected): still listed.
    for document in &detail.documents {
        if detail.contacts.iter().all(|c| c.document_id != Some(document.id)) {
            let day = calendar::japan_date_of(document.sent_at);
            let mut entry = Entry::new(Some(day), 1, "document", document.kind_label.clone(), "システム".into());
            entry.document = Some(link(document));
            entries.push(entry);
        }
    }
    for assigned in &detail.care_assignments {
        let manager = assigned.care_manager.as_ref().map_or("ケアマネジャーは未定", |m| m.name.as_str());
        entries.push(Entry::new(
            Some(assigned.assigned_on),
            1,
            "assignment",
            "担当の決定".into(),
            format!("{}・{}（{}が決定）", assigned.care_office.name, manager, assigned.assigned_by_facility.name),
        ));
    }
    match (episode.discharged_on, episode.planned_discharge_on) {
        (Some(day), _) => {
            let destination = episode.destination.map(Destination::went).unwrap_or_default();
            entries.push(Entry::new(Some(day), 2, "discharge", "退院".into(), destination.into()));
        }
        (None, Some(day)) => {
            let note = if day < today {
                "予定日を過ぎています。退院したら記録してください"
            } else {
                ""
            };
            entries.push(Entry::new(Some(day), 2, "planned", "退院予定日".into(), note.into()));
        }
        (None, None) => {}
    }
    entries.sort_by_key(|e| (e.sort.0.is_none(), e.sort.0, e.sort.1));
    entries
}

/// A contact's lead time, if a rule judges it.
fn judge(
    contact: &Contact,
    admitted_on: NaiveDate,
    deadline: NaiveDate,
    discharge: DischargeDay,
    rules: &RuleSet,
) -> Option<Judgement> {
    match (contact.direction, contact.kind) {
        (Direction::CmToHospital, ContactKind::AdmissionInfo) => {
            Some(timeline::admission_sheet(admitted_on, deadline, contact.contacted_on))
        }
        (Direction::HospitalToCm, kind) if kind.is_discharge_contact() => {
            Some(timeline::discharge_contact(rules.discharge_notice_min_days, contact.contacted_on, discharge))
        }
        _ => None,
    }
}
