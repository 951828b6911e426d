//! Sending a document (which is also a contact) and amending it (a new revision): validated
//! in full against its schema and the stay it is about before anything is stored, then stored
//! in one transaction with its contact and its mail.

use serde_json::Value;
use uuid::Uuid;

use super::{Amendment, Document, DocumentStatus, DocumentSummary, SendDocument, exchange, store, visible};
use crate::auth::Principal;
use crate::calendar;
use crate::contacts::{self, Method};
use crate::db::DbConnection;
use crate::directory::UserRef;
use crate::episodes::{self, store::NewEpisode};
use crate::error::{AppError, FieldError};
use crate::forms::DocumentKind;
use crate::forms::identity::matches_client;
use crate::forms::registry::{Schema, SchemaRegistry};
use crate::notify::{DeliveryCounts, DocumentMail, Notifier};

fn schema_for(schemas: &SchemaRegistry, kind: DocumentKind, version: Option<u32>) -> Result<&Schema, AppError> {
    match version {
        Some(v) => schemas.get(kind, v).ok_or_else(|| {
            AppError::invalid("/schema_version", "exists", format!("{}の様式 v{v} はありません", kind.label()))
        }),
        None => schemas.latest(kind).ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("no schema for {kind:?}"))),
    }
}

/// Sends a document: validates it fully, then stores it, its first revision and its contact in
/// one transaction. On any error nothing is stored.
pub fn send(
    conn: &mut DbConnection,
    schemas: &SchemaRegistry,
    notifier: &Notifier,
    principal: &Principal,
    request: SendDocument,
) -> Result<DocumentSummary, AppError> {
    let kind = request.kind;
    let rule = exchange::of(kind);
    principal.require(&[rule.sender_role], &format!("{}の送付", kind.label()))?;
    let schema = schema_for(schemas, kind, request.schema_version)?;
    let mut errors = schema.validate(&request.payload, "/payload");
    let today = calendar::today();
    crate::db::write(conn, |conn| {
        let (recipient_kind, recipient) = crate::directory::store::kind_and_ref(conn, request.recipient_facility_id)?
            .ok_or_else(|| {
            AppError::invalid("/recipient_facility_id", "exists", "送付先の事業所が見つかりません")
        })?;
        // A record its writer keeps goes to the writer's own facility.
        let kept = rule.kept_by_writer && recipient.id == principal.facility_id;
        if !kept && !rule.recipient_kinds.contains(&recipient_kind) {
            return Err(AppError::invalid(
                "/recipient_facility_id",
                "recipient_kind",
                format!(
                    "{}の送付先は{}です（{}は{}）",
                    kind.label(),
                    rule.recipient_name,
                    recipient.name,
                    recipient_kind.label()
                ),
            ));
        }
        let stay = resolve_stay(conn, principal, &request, recipient.id, kept, today, &mut errors)?;
        if !errors.is_empty() {
            return Err(AppError::Invalid(std::mem::take(&mut errors)));
        }
        let now = calendar::now();
        let id =
            store::insert(conn, kind, stay.episode_id, principal, recipient.id, schema.version, &request.payload, now)?;
        if !stay.parties_complete {
            episodes::store::add_parties(conn, stay.episode_id, &[principal.facility_id, recipient.id])?;
        }
        let made = contacts::store::ContactRecord {
            episode_id: stay.episode_id,
            direction: rule.direction,
            kind: rule.contact,
            method: Method::System,
            contacted_on: Some(calendar::japan_date(now)),
            contacted_at: Some(now),
            document_id: Some(id),
            recorded_by: Some(principal.user_id),
            note: None,
            stay_summary: stay.summary,
        };
        record_contacts(conn, rule.contacts, made, &request.payload)?;
        after_write(conn, kind, stay.episode_id, &request.payload, stay.care_level.as_ref())?;
        let mail = DocumentMail {
            id,
            kind,
            revision: 1,
            episode_id: stay.episode_id,
            sender: principal.facility_ref(),
            recipient: recipient.clone(),
            to_care_manager: rule.mails_care_manager,
        };
        let announced = if kept { 0 } else { i64::try_from(notifier.document(conn, &mail, now)?).unwrap_or(i64::MAX) };
        // What was just committed, without reading it back.
        Ok(DocumentSummary {
            id,
            kind,
            kind_label: kind.label().to_owned(),
            episode_id: stay.episode_id,
            client_id: stay.client_id,
            client_name: stay.client_name,
            sender: principal.facility_ref(),
            sender_user: UserRef { id: principal.user_id, name: principal.user_name.clone() },
            recipient,
            revision: 1,
            schema_version: i32::try_from(schema.version).unwrap_or(i32::MAX),
            status: DocumentStatus::Sent,
            status_label: if kept { super::KEPT_LABEL } else { DocumentStatus::Sent.label() }.to_owned(),
            delivery: DeliveryCounts { recipients: announced, pending: announced, ..DeliveryCounts::default() },
            sent_at: calendar::in_japan(now),
            first_read_at: None,
            acknowledged_at: None,
        })
    })
}

/// The stay a new document is about.
struct Stay {
    episode_id: Uuid,
    client_id: Uuid,
    client_name: String,
    /// The stay's contact summary as read in this transaction (a new stay's: none yet).
    summary: Option<episodes::store::ContactFirsts>,
    /// Whether sender and recipient both take part in the stay already.
    parties_complete: bool,
    /// The stay's 要介護度 as read in this transaction, when it was read.
    care_level: Option<Option<String>>,
}

/// Finds the stay a document is about: the one named, which the sender takes part in and whose
/// hospital is the right side of the exchange; or, for an admission sheet naming a client, the
/// client's open stay at the recipient hospital, created from the sheet's 入院日 when there is
/// none. Rules across the payload and the stay go into `errors`.
fn resolve_stay(
    conn: &mut DbConnection,
    principal: &Principal,
    request: &SendDocument,
    recipient: Uuid,
    kept: bool,
    today: chrono::NaiveDate,
    errors: &mut Vec<FieldError>,
) -> Result<Stay, AppError> {
    let kind = request.kind;
    match (request.episode_id, request.client_id) {
        (Some(episode_id), None) => {
            let facts = episodes::store::stay_for(conn, episode_id, principal.facility_id, recipient)?
                .ok_or(AppError::NotFound("episode"))?;
            let (hospital, counterpart) = match exchange::of(kind).hospital_is {
                exchange::HospitalIs::Recipient => (recipient, "送付先"),
                exchange::HospitalIs::Sender => (principal.facility_id, "送付元"),
            };
            if !kept && facts.hospital != hospital {
                return Err(AppError::invalid(
                    "/episode_id",
                    "episode_hospital",
                    format!("この入院の医療機関と{counterpart}が一致しません"),
                ));
            }
            errors.extend(consistency(kind, &request.payload, today, facts.admitted_on));
            errors.extend(matches_client(&request.payload, "/payload", &facts.client.recorded()));
            Ok(Stay {
                episode_id,
                client_id: facts.client_id,
                client_name: facts.client.name,
                summary: Some(facts.summary),
                parties_complete: facts.counterpart_is_party,
                care_level: Some(facts.care_level),
            })
        }
        (None, Some(client_id)) if let Some(opens) = exchange::of(kind).opens_stay => {
            if !crate::clients::store::is_visible(conn, client_id, principal.facility_id)? {
                return Err(AppError::NotFound("client"));
            }
            let identity = crate::clients::store::identity_of(conn, client_id)?;
            errors.extend(matches_client(&request.payload, "/payload", &identity.recorded()));
            let client_name = identity.name;
            if let Some(open) = episodes::store::open_stay(conn, client_id, recipient)? {
                let registered = episodes::store::get(conn, open)?.admitted_on;
                errors.extend(consistency(kind, &request.payload, today, registered));
                return Ok(Stay {
                    episode_id: open,
                    client_id,
                    client_name,
                    summary: None,
                    parties_complete: false,
                    care_level: None,
                });
            }
            errors.extend((opens.checks)(&request.payload, today));
            if !errors.is_empty() {
                return Err(AppError::Invalid(std::mem::take(errors)));
            }
            let text = |pointer: &str| request.payload.pointer(pointer).and_then(Value::as_str);
            let admitted_on = text(opens.admission_date).and_then(|d| d.parse().ok()).ok_or_else(|| {
                AppError::invalid(
                    &format!("/payload{}", opens.admission_date),
                    "required",
                    "「入院日」を入力してください",
                )
            })?;
            let new = NewEpisode {
                client_id,
                hospital_id: recipient,
                admitted_on,
                admitted_at: None,
                planned_discharge_on: None,
                care_level_on_sheet: opens.care_level.and_then(text).map(str::to_owned),
                planned_respite: false,
                created_by: Some(principal.user_id),
            };
            Ok(Stay {
                episode_id: episodes::store::insert(conn, &new)?,
                client_id,
                client_name,
                summary: None,
                parties_complete: false,
                care_level: Some(new.care_level_on_sheet.clone()),
            })
        }
        _ => {
            let allowed = if exchange::of(kind).opens_stay.is_some() {
                "episode_id か client_id のどちらか一方"
            } else {
                "episode_id"
            };
            Err(AppError::invalid("/episode_id", "required", format!("{allowed}を指定してください")))
        }
    }
}

/// The contacts a document makes: the one its sending is, or one per row (`made` with each
/// row's method and date).
fn record_contacts(
    conn: &mut DbConnection,
    contacts: exchange::Contacts,
    made: contacts::store::ContactRecord,
    payload: &Value,
) -> Result<(), AppError> {
    match contacts {
        exchange::Contacts::Sending => {
            contacts::store::insert(conn, &made)?;
        }
        exchange::Contacts::Rows(rows) => {
            for (method, day) in rows(payload) {
                let row = contacts::store::ContactRecord {
                    method,
                    contacted_on: Some(day),
                    contacted_at: None,
                    ..made.clone()
                };
                contacts::store::insert(conn, &row)?;
            }
        }
        exchange::Contacts::None => {}
    }
    Ok(())
}

/// Rules across the payload and the stay it is about.
fn consistency(
    kind: DocumentKind,
    payload: &Value,
    today: chrono::NaiveDate,
    admitted_on: chrono::NaiveDate,
) -> Vec<FieldError> {
    (exchange::of(kind).consistency)(payload, today, admitted_on)
}

/// Copies what filters and statistics need from the payload to real columns (`care_level`: the
/// stay's level as read before, when it was).
fn after_write(
    conn: &mut DbConnection,
    kind: DocumentKind,
    episode_id: Uuid,
    payload: &Value,
    care_level: Option<&Option<String>>,
) -> Result<(), AppError> {
    if let Some(pointer) = exchange::of(kind).sets_planned_discharge
        && let Some(day) = payload.pointer(pointer).and_then(Value::as_str).and_then(|d| d.parse().ok())
    {
        episodes::store::set_planned_discharge(conn, episode_id, Some(day))?;
    }
    // The 要介護度 a sheet reports at the admission is the stay's (its survey group), also when
    // the stay was registered before the sheet came, and when the sheet is corrected.
    if let Some(pointer) = exchange::of(kind).opens_stay.and_then(|opens| opens.care_level)
        && let Some(level) = payload.pointer(pointer).and_then(Value::as_str).filter(|l| !l.is_empty())
        && care_level.is_none_or(|now| now.as_deref() != Some(level))
    {
        episodes::store::set_care_level(conn, episode_id, level)?;
    }
    Ok(())
}

/// The sender amends a document: a new revision, validated like the first.
pub fn amend(
    conn: &mut DbConnection,
    schemas: &SchemaRegistry,
    notifier: &Notifier,
    principal: &Principal,
    id: Uuid,
    amendment: Amendment,
) -> Result<Document, AppError> {
    crate::db::write(conn, |conn| {
        let current = visible(conn, principal, id)?;
        let kind = current.kind;
        principal.require(&[exchange::of(kind).sender_role], &format!("{}の訂正", kind.label()))?;
        if current.sender.id != principal.facility_id {
            return Err(AppError::Forbidden("訂正は送った事業所だけが行えます".into()));
        }
        let version = amendment.schema_version.or(u32::try_from(current.schema_version).ok());
        let schema = schema_for(schemas, kind, version)?;
        let mut errors = schema.validate(&amendment.payload, "/payload");
        let episode = episodes::store::get(conn, current.episode_id)?;
        errors.extend(consistency(kind, &amendment.payload, calendar::today(), episode.admitted_on));
        if let Some(client) = &episode.client {
            errors.extend(matches_client(&amendment.payload, "/payload", &client.recorded()));
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        let revision = current.revision + 1;
        store::add_revision(conn, id, revision, schema.version, &amendment.payload, principal.user_id)?;
        let rule = exchange::of(kind);
        if let exchange::Contacts::Rows(rows) = rule.contacts {
            // The rows as amended are the contacts now. The stay's summary is worked out again
            // from its other contacts and these rows (a corrected date may move its first contact
            // later) and replaced once, so that inserting the rows has nothing more to take in.
            contacts::store::delete_of_document(conn, id)?;
            let summary = rows(&amendment.payload).iter().fold(
                contacts::store::firsts_of_episode(conn, current.episode_id)?,
                |firsts, (method, day)| {
                    let day = Some(calendar::day_number(*day));
                    firsts.merged(contacts::SummarySide::firsts(rule.direction, rule.contact, day, *method))
                },
            );
            episodes::store::replace_contact_firsts(conn, current.episode_id, summary)?;
            let made = contacts::store::ContactRecord {
                episode_id: current.episode_id,
                direction: rule.direction,
                kind: rule.contact,
                method: Method::System,
                contacted_on: None,
                contacted_at: None,
                document_id: Some(id),
                recorded_by: Some(principal.user_id),
                note: None,
                stay_summary: Some(summary),
            };
            record_contacts(conn, rule.contacts, made, &amendment.payload)?;
        }
        after_write(conn, kind, current.episode_id, &amendment.payload, None)?;
        let mail = DocumentMail {
            id,
            kind,
            revision,
            episode_id: current.episode_id,
            sender: current.sender.clone(),
            recipient: current.recipient.clone(),
            to_care_manager: exchange::of(kind).mails_care_manager,
        };
        if current.recipient.id != current.sender.id {
            notifier.document(conn, &mail, calendar::now())?;
        }
        Ok(())
    })?;
    Ok(store::document(conn, id, None)?)
}
