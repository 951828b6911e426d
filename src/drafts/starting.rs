//! Starting a draft: what it is about (a stay, a client, a received document, a document to
//! amend) and what it starts with: the kind's prefill from what Renkei knows, the client record's
//! facts (kept only where the form has a place for them), or the client's previous sheet.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Draft, store};
use crate::auth::Principal;
use crate::db::DbConnection;
use crate::documents;
use crate::error::AppError;
use crate::forms::DocumentKind;
use crate::forms::registry::SchemaRegistry;

/// What a new draft is about.
#[derive(Debug, Clone)]
pub enum Start {
    /// A new document about a stay (or, for an admission sheet, about a client whose stay the
    /// hospital has not registered yet); `copy_previous` starts from the client's last sheet.
    New { kind: DocumentKind, episode_id: Option<Uuid>, client_id: Option<Uuid>, copy_previous: bool },
    /// A new document answering one the facility received (about the same stay).
    Reply { kind: DocumentKind, document_id: Uuid, copy_previous: bool },
    /// An amendment of a sent document, from its current revision.
    Amend { document_id: Uuid },
}

/// Starts a draft for the acting facility.
pub fn start(
    conn: &mut DbConnection,
    schemas: &SchemaRegistry,
    principal: &Principal,
    start: Start,
) -> Result<Draft, AppError> {
    let draft = match start {
        Start::Amend { document_id } => {
            let document = documents::read(conn, principal, document_id, None)?;
            if document.summary.sender.id != principal.facility_id {
                return Err(AppError::Forbidden("訂正は送った事業所だけが行えます".into()));
            }
            principal.require(&[documents::exchange::sender_role(document.summary.kind)], "訂正")?;
            blank(principal, document.summary.kind, u32::try_from(document.payload_schema_version).unwrap_or(1))
                .with(Some(document.summary.episode_id), None, Some(document.summary.recipient.id), document.payload)
                .amending(document_id)
        }
        Start::Reply { kind, document_id, copy_previous } => {
            principal.require(&[documents::exchange::sender_role(kind)], &format!("{}の作成", kind.label()))?;
            let received = documents::read(conn, principal, document_id, None)?;
            if !received.summary.received_by(principal.facility_id) {
                return Err(AppError::invalid(
                    "/reply_to_document_id",
                    "received",
                    "返信できるのは自事業所が受け取った書類だけです",
                ));
            }
            let episode_id = Some(received.summary.episode_id);
            return self::start(
                conn,
                schemas,
                principal,
                Start::New { kind, episode_id, client_id: None, copy_previous },
            );
        }
        Start::New { kind, episode_id, client_id, copy_previous } => {
            principal.require(&[documents::exchange::sender_role(kind)], &format!("{}の作成", kind.label()))?;
            let version = schemas.latest(kind).map_or(1, |s| s.version);
            let (episode, client) = match (episode_id, client_id) {
                (Some(id), _) => {
                    let episode = crate::episodes::visible(conn, principal, id)?;
                    let client = crate::episodes::store::client_of(conn, id)?;
                    (Some(episode), client)
                }
                (None, Some(id)) if documents::exchange::of(kind).opens_stay.is_some() => {
                    crate::clients::get(conn, principal, id)?;
                    (None, Some(id))
                }
                _ => {
                    return Err(AppError::invalid(
                        "/episode_id",
                        "required",
                        "どの入院についての書類かを選んでください",
                    ));
                }
            };
            // It goes to the stay's other side: the hospital, or the hospital's counterpart (a
            // record the writer may keep names the hospital it is about, and is kept unless the
            // writer chooses to share it).
            let exchange = documents::exchange::of(kind);
            let counterpart = episode.as_ref().and_then(|e| match exchange.hospital_is {
                documents::exchange::HospitalIs::Recipient => Some(e.hospital.clone()),
                documents::exchange::HospitalIs::Sender => e.care_office.clone(),
            });
            let previous = match (copy_previous && exchange.copy_forward.is_some(), client) {
                (true, Some(client)) => {
                    crate::documents::store::previous_payload(conn, client, principal.facility_id, kind)?
                }
                _ => None,
            };
            let mut payload = previous.map(|(_, payload)| payload).unwrap_or_else(|| json!({}));
            for pointer in exchange.copy_forward.unwrap_or_default() {
                forget(&mut payload, pointer);
            }
            let client_record = match (&episode, client) {
                (Some(stay), _) if stay.client.is_some() => stay.client.clone(),
                (_, Some(id)) => Some(crate::clients::store::get(conn, id)?),
                _ => None,
            };
            let facility = crate::directory::get(conn, principal.facility_id)?;
            let window = |has: fn(&crate::directory::ContactWindow) -> Option<&String>| {
                facility.contact_windows.iter().find_map(|w| has(w).map(String::as_str))
            };
            let known = documents::exchange::Known {
                today: crate::calendar::today(),
                facility_name: &principal.facility_name,
                user_name: &principal.user_name,
                recipient_name: counterpart.as_ref().map(|r| r.name.as_str()),
                admitted_on: episode.as_ref().map(|e| e.admitted_on),
                planned_discharge_on: episode.as_ref().and_then(|e| e.planned_discharge_on),
                received: match episode_id {
                    Some(stay) => {
                        documents::store::received_payloads(conn, stay, principal.facility_id, exchange.carries_from)?
                    }
                    None => vec![],
                },
                client: client_record.as_ref(),
                facility_phone: window(|w| w.phone.as_ref()),
                facility_fax: window(|w| w.fax.as_ref()),
            };
            merge_missing(&mut payload, &(exchange.prefill)(&known));
            if let Some(schema) = schemas.latest(kind) {
                overwrite(&mut payload, &schema.fit(&known.client_facts()));
            }
            let recipient =
                if exchange.kept_by_writer { Some(principal.facility_id) } else { counterpart.map(|r| r.id) };
            blank(principal, kind, version).with(
                episode_id,
                if episode_id.is_some() { None } else { client },
                recipient,
                payload,
            )
        }
    };
    crate::db::write(conn, |conn| Ok::<_, AppError>(store::insert(conn, &draft)?))?;
    Ok(draft)
}

/// Whether the draft's client has an earlier document of its kind from this facility, to copy
/// forward.
pub fn has_previous(conn: &mut DbConnection, principal: &Principal, draft: &Draft) -> Result<bool, AppError> {
    match client_of(conn, draft)? {
        Some(client) => {
            Ok(crate::documents::store::previous_payload(conn, client, principal.facility_id, draft.kind)?.is_some())
        }
        None => Ok(false),
    }
}

/// The client a draft is about: its own, or its stay's.
pub fn client_of(conn: &mut DbConnection, draft: &Draft) -> Result<Option<Uuid>, AppError> {
    Ok(match (draft.client_id, draft.episode_id) {
        (Some(client), _) => Some(client),
        (None, Some(episode)) => crate::episodes::store::client_of(conn, episode)?,
        (None, None) => None,
    })
}

fn blank(principal: &Principal, kind: DocumentKind, schema_version: u32) -> Draft {
    let now = crate::calendar::in_japan(crate::calendar::now());
    Draft {
        id: crate::db::new_id(),
        facility_id: principal.facility_id,
        user_id: principal.user_id,
        kind,
        schema_version,
        episode_id: None,
        client_id: None,
        recipient_facility_id: None,
        amends_document_id: None,
        payload: json!({}),
        created_at: now,
        updated_at: now,
    }
}

impl Draft {
    fn with(self, episode_id: Option<Uuid>, client_id: Option<Uuid>, recipient: Option<Uuid>, payload: Value) -> Self {
        Self { episode_id, client_id, recipient_facility_id: recipient, payload, ..self }
    }

    fn amending(self, document: Uuid) -> Self {
        Self { amends_document_id: Some(document), ..self }
    }
}

/// Removes the field at `pointer` (what belongs to the previous stay) from a copied payload.
fn forget(payload: &mut Value, pointer: &str) {
    let Some((parent, name)) = pointer.rsplit_once('/') else { return };
    if let Some(parent) = payload.pointer_mut(parent).and_then(Value::as_object_mut) {
        parent.remove(name);
    }
}

/// Fills in what Renkei knows (the kind's prefill), never overwriting an answer already there.
fn merge_missing(target: &mut Value, known: &Value) {
    let (Some(target), Some(known)) = (target.as_object_mut(), known.as_object()) else { return };
    for (name, value) in known {
        match (target.get_mut(name), value) {
            (_, Value::Null) => {}
            (Some(existing), Value::Object(_)) => merge_missing(existing, value),
            (Some(_), _) => {}
            (None, Value::Object(_)) => {
                let mut child = json!({});
                merge_missing(&mut child, value);
                if child.as_object().is_some_and(|c| !c.is_empty()) {
                    target.insert(name.clone(), child);
                }
            }
            (None, _) => {
                target.insert(name.clone(), value.clone());
            }
        }
    }
}

/// Sets what the client record says (the record's facts win over a copied sheet's).
fn overwrite(target: &mut Value, facts: &Value) {
    let (Some(target), Some(facts)) = (target.as_object_mut(), facts.as_object()) else { return };
    for (name, value) in facts {
        match (target.get_mut(name), value) {
            (Some(existing @ Value::Object(_)), Value::Object(_)) => overwrite(existing, value),
            _ => {
                target.insert(name.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn known_facts_fill_only_what_is_missing() {
        let mut payload = json!({"header": {"written_on": "2026-01-01", "care_office": {"phone": "0157-00-0000"}}});
        super::merge_missing(
            &mut payload,
            &json!({"header": {"written_on": "2026-11-23", "admission_date": null, "care_office": {"name": "さくら"}}}),
        );
        assert_eq!(
            payload,
            json!({"header": {"written_on": "2026-01-01", "care_office": {"phone": "0157-00-0000", "name": "さくら"}}})
        );
    }

    #[test]
    fn a_copied_sheet_forgets_the_previous_stay() {
        let mut payload = json!({"header": {"admission_date": "2025-04-01", "hospital": {"name": "旧病院"}, "care_office": {"name": "さくら"}}, "patient": {"name": "連携 花子"}});
        for pointer in
            crate::documents::exchange::of(crate::forms::DocumentKind::AdmissionInfo).copy_forward.unwrap_or_default()
        {
            super::forget(&mut payload, pointer);
        }
        assert_eq!(payload, json!({"header": {"care_office": {"name": "さくら"}}, "patient": {"name": "連携 花子"}}));
    }
}
