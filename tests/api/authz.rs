//! Who may call what: every operation of the route table (read from the OpenAPI document that
//! `http::routes` generates, so a new endpoint cannot be forgotten) × every role × its own
//! facility, another facility, and no credentials. Each cell is checked against the policy
//! written here; an operation without a policy fails the test.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::support::app::{multipart_file, pdf_file};
use crate::support::{TestApp, admission_sheet, day, spawn_app};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// The discharge nurse of the hospital where the client stays (H1).
    Nurse,
    /// A discharge nurse of another hospital (H2).
    OtherNurse,
    /// The care manager of the client's office (C1).
    CareManager,
    /// A care manager of another office (C2).
    OtherCareManager,
    Coordinator,
    Admin,
}

use Caller::*;

const CALLERS: [Caller; 7] = [Anonymous, Nurse, OtherNurse, CareManager, OtherCareManager, Coordinator, Admin];

/// What a caller must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Past authorization: 2xx, or a 409/422 about the content.
    Allowed,
    /// 401: no credentials.
    Unauthenticated,
    /// 403: the role may not.
    Forbidden,
    /// 404: the record is another facility's and is not even admitted to exist.
    Hidden,
}

use Expect::*;

/// The policy of each operation: what each caller gets. Anonymous callers get 401 wherever a
/// token is needed.
fn policy(operation: &str, caller: Caller) -> Option<Expect> {
    let liaison = matches!(caller, Nurse | OtherNurse | CareManager | OtherCareManager);
    let expect = match (operation, caller) {
        (
            "GET /healthz" | "GET /api/openapi.json" | "GET /api/v1/schemas" | "GET /api/v1/schemas/{kind}/{version}",
            _,
        ) => Allowed,
        (_, Anonymous) => Unauthenticated,
        ("GET /api/v1/me" | "GET /api/v1/facilities" | "GET /api/v1/municipalities", _) => Allowed,
        // The region's municipalities are kept by administrators.
        ("PUT /api/v1/municipalities/{code}", Admin) => Allowed,
        ("PUT /api/v1/municipalities/{code}", _) => Forbidden,
        // Lists: each liaison role sees its own facility's; coordinators and admins no client data.
        (
            "GET /api/v1/clients"
            | "GET /api/v1/episodes"
            | "GET /api/v1/documents/inbox"
            | "GET /api/v1/documents/outbox",
            _,
        ) => {
            if liaison {
                Allowed
            } else {
                Forbidden
            }
        }
        ("POST /api/v1/clients", CareManager | OtherCareManager) => Allowed,
        ("POST /api/v1/clients", _) => Forbidden,
        ("POST /api/v1/episodes", Nurse | OtherNurse) => Allowed,
        ("POST /api/v1/episodes", _) => Forbidden,
        // The client of C1, who stays at H1.
        ("GET /api/v1/clients/{id}", Nurse | CareManager) => Allowed,
        ("GET /api/v1/clients/{id}", OtherNurse | OtherCareManager) => Hidden,
        ("GET /api/v1/clients/{id}", _) => Forbidden,
        // Corrected by the care office that keeps the record, not by the hospital of its stay.
        ("PUT /api/v1/clients/{id}" | "POST /api/v1/clients/{id}/care-levels", CareManager) => Allowed,
        ("PUT /api/v1/clients/{id}" | "POST /api/v1/clients/{id}/care-levels", OtherNurse | OtherCareManager) => Hidden,
        ("PUT /api/v1/clients/{id}" | "POST /api/v1/clients/{id}/care-levels", _) => Forbidden,
        // The stay at H1.
        ("GET /api/v1/episodes/{id}" | "POST /api/v1/episodes/{id}/contacts", Nurse | CareManager) => Allowed,
        ("GET /api/v1/episodes/{id}" | "POST /api/v1/episodes/{id}/contacts", OtherNurse | OtherCareManager) => Hidden,
        ("GET /api/v1/episodes/{id}" | "POST /api/v1/episodes/{id}/contacts", _) => Forbidden,
        (
            "POST /api/v1/episodes/{id}/discharge"
            | "POST /api/v1/episodes/{id}/discharge/withdrawal"
            | "POST /api/v1/episodes/{id}/planned-discharge",
            Nurse,
        ) => Allowed,
        (
            "POST /api/v1/episodes/{id}/discharge"
            | "POST /api/v1/episodes/{id}/discharge/withdrawal"
            | "POST /api/v1/episodes/{id}/planned-discharge",
            OtherNurse,
        ) => Hidden,
        (
            "POST /api/v1/episodes/{id}/discharge"
            | "POST /api/v1/episodes/{id}/discharge/withdrawal"
            | "POST /api/v1/episodes/{id}/planned-discharge",
            _,
        ) => Forbidden,
        // H1's phone call: H1 withdraws it (again: 409); C1 takes part in the stay but did not
        // record it.
        ("POST /api/v1/episodes/{id}/contacts/{contact_id}/withdrawal", Nurse) => Allowed,
        ("POST /api/v1/episodes/{id}/contacts/{contact_id}/withdrawal", OtherNurse | OtherCareManager) => Hidden,
        ("POST /api/v1/episodes/{id}/contacts/{contact_id}/withdrawal", _) => Forbidden,
        // Only a 地域包括支援センター assigns a care office; no caller here is one.
        ("POST /api/v1/episodes/{id}/care-assignment", _) => Forbidden,
        // An admission sheet for the client of C1, sent to H1.
        ("POST /api/v1/documents", CareManager) => Allowed,
        ("POST /api/v1/documents", OtherCareManager) => Hidden,
        ("POST /api/v1/documents", _) => Forbidden,
        // The admission sheet C1 sent to H1.
        (
            "GET /api/v1/documents/{id}"
            | "GET /api/v1/documents/{id}/revisions/{revision}"
            | "GET /api/v1/documents/{id}/deliveries"
            | "GET /api/v1/documents/{id}/attachments"
            | "GET /api/v1/documents/{id}/attachments/{attachment_id}",
            Nurse | CareManager,
        ) => Allowed,
        (
            "GET /api/v1/documents/{id}"
            | "GET /api/v1/documents/{id}/revisions/{revision}"
            | "GET /api/v1/documents/{id}/deliveries"
            | "GET /api/v1/documents/{id}/attachments"
            | "GET /api/v1/documents/{id}/attachments/{attachment_id}",
            OtherNurse | OtherCareManager,
        ) => Hidden,
        (
            "GET /api/v1/documents/{id}"
            | "GET /api/v1/documents/{id}/revisions/{revision}"
            | "GET /api/v1/documents/{id}/deliveries"
            | "GET /api/v1/documents/{id}/attachments"
            | "GET /api/v1/documents/{id}/attachments/{attachment_id}",
            _,
        ) => Forbidden,
        // Only the recipient acknowledges; only the sender amends.
        ("POST /api/v1/documents/{id}/acknowledge", Nurse) => Allowed,
        ("POST /api/v1/documents/{id}/acknowledge", OtherNurse | OtherCareManager) => Hidden,
        ("POST /api/v1/documents/{id}/acknowledge", _) => Forbidden,
        // Only the sender attaches files.
        ("POST /api/v1/documents/{id}/attachments", CareManager) => Allowed,
        ("POST /api/v1/documents/{id}/attachments", OtherNurse | OtherCareManager) => Hidden,
        ("POST /api/v1/documents/{id}/attachments", _) => Forbidden,
        ("POST /api/v1/documents/{id}/amendments", CareManager) => Allowed,
        ("POST /api/v1/documents/{id}/amendments", OtherNurse | OtherCareManager) => Hidden,
        ("POST /api/v1/documents/{id}/amendments", _) => Forbidden,
        ("GET /api/v1/admin/mail" | "POST /api/v1/admin/mail/{id}/retry" | "GET /api/v1/admin/audit", Admin) => Allowed,
        ("GET /api/v1/admin/mail" | "POST /api/v1/admin/mail/{id}/retry" | "GET /api/v1/admin/audit", _) => Forbidden,
        // A draft of C1's care manager about the stay at H1 (a new one per operation).
        ("POST /api/v1/drafts", CareManager) => Allowed,
        ("POST /api/v1/drafts", OtherCareManager) => Hidden,
        ("POST /api/v1/drafts", _) => Forbidden,
        ("GET /api/v1/drafts", _) => {
            if liaison {
                Allowed
            } else {
                Forbidden
            }
        }
        (
            "GET /api/v1/drafts/{id}"
            | "PUT /api/v1/drafts/{id}"
            | "DELETE /api/v1/drafts/{id}"
            | "POST /api/v1/drafts/{id}/send",
            CareManager,
        ) => Allowed,
        (
            "GET /api/v1/drafts/{id}"
            | "PUT /api/v1/drafts/{id}"
            | "DELETE /api/v1/drafts/{id}"
            | "POST /api/v1/drafts/{id}/send",
            Nurse | OtherNurse | OtherCareManager,
        ) => Hidden,
        (
            "GET /api/v1/drafts/{id}"
            | "PUT /api/v1/drafts/{id}"
            | "DELETE /api/v1/drafts/{id}"
            | "POST /api/v1/drafts/{id}/send",
            _,
        ) => Forbidden,
        // The 加算: care managers their own office's, coordinators all.
        ("GET /api/v1/claims", CareManager | OtherCareManager | Coordinator) => Allowed,
        ("GET /api/v1/claims", _) => Forbidden,
        // C1's business calendar: read by anyone signed in, set by its staff or an administrator.
        ("GET /api/v1/facilities/{id}/calendar", _) => Allowed,
        ("PUT /api/v1/facilities/{id}/calendar", CareManager | Admin) => Allowed,
        ("PUT /api/v1/facilities/{id}/calendar", _) => Forbidden,
        ("GET /api/v1/survey", Coordinator | Admin) => Allowed,
        ("GET /api/v1/survey", _) => Forbidden,
        _ => return None,
    };
    Some(expect)
}

/// The records the calls are about, all of C1's client staying at H1.
struct World {
    client: String,
    stay: String,
    document: String,
    attachment: String,
    mail: String,
    /// A phone call H1's nurse recorded on the stay.
    contact: String,
    /// Drafts of C1's care manager: one read and saved, one thrown away, one sent.
    drafts: [String; 3],
}

async fn world(app: &TestApp) -> World {
    let client = app.client_of_care_office("0100000001").await["id"].as_str().unwrap().to_owned();
    let stay = app.admission("0100000001", &day(-2)).await["id"].as_str().unwrap().to_owned();
    let sent = app
        .send_document(
            &app.city().care_manager,
            &json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "episode_id": stay,
                    "payload": admission_sheet(&day(-2))}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);
    let document = sent.body["id"].as_str().unwrap().to_owned();
    let attached = app.attach(&app.city().care_manager, &document, "紹介状.pdf", &pdf_file()).await;
    assert_eq!(attached.status, 201, "{}", attached.body);
    let attachment = attached.body["id"].as_str().unwrap().to_owned();
    let mails = app.mail(&app.city().admin, "").await;
    let mail = mails.body[0]["id"].as_str().unwrap().to_owned();
    let mut drafts = Vec::new();
    for _ in 0..3 {
        let body = json!({"kind": "admission_info", "episode_id": stay});
        let started = app.post("/api/v1/drafts", &app.city().care_manager, &body).await;
        assert_eq!(started.status, 201, "{}", started.body);
        drafts.push(started.body["id"].as_str().unwrap().to_owned());
    }
    let drafts = [drafts[0].clone(), drafts[1].clone(), drafts[2].clone()];
    let call = json!({"direction": "hospital_to_cm", "kind": "other", "method": "phone", "contacted_on": day(-1)});
    let recorded = app.post(&format!("/api/v1/episodes/{stay}/contacts"), &app.city().nurse, &call).await;
    assert_eq!(recorded.status, 201, "{}", recorded.body);
    let contact = recorded.body["id"].as_str().unwrap().to_owned();
    World { client, stay, document, attachment, mail, contact, drafts }
}

fn token(app: &TestApp, caller: Caller) -> &str {
    match caller {
        Anonymous => "",
        Nurse => &app.city().nurse,
        OtherNurse => &app.city().other_nurse,
        CareManager => &app.city().care_manager,
        OtherCareManager => &app.city().other_care_manager,
        Coordinator => &app.city().coordinator,
        Admin => &app.city().admin,
    }
}

/// The concrete path and a valid body for an operation.
fn request(app: &TestApp, world: &World, method: &str, path: &str) -> (String, Value) {
    let office = app.city().care_office.to_string();
    let id = if path.starts_with("/api/v1/clients/") {
        &world.client
    } else if path.starts_with("/api/v1/episodes/") {
        &world.stay
    } else if path.starts_with("/api/v1/documents/") {
        &world.document
    } else if path == "/api/v1/drafts/{id}/send" {
        &world.drafts[2]
    } else if path.starts_with("/api/v1/drafts/") {
        &world.drafts[usize::from(method == "DELETE")]
    } else if path.starts_with("/api/v1/facilities/") {
        &office
    } else {
        &world.mail
    };
    let concrete = path
        .replace("{id}", id)
        .replace("{revision}", "1")
        .replace("{code}", "022039")
        .replace("{attachment_id}", &world.attachment)
        .replace("{contact_id}", &world.contact)
        .replace("{kind}", "admission_info")
        .replace("{version}", "1")
        .replace("/api/v1/claims", &format!("/api/v1/claims?from={}&to={}", day(-30), day(0)));
    let stranger =
        json!({"name": "新規 太郎", "name_kana": "シンキ タロウ", "birth_date": "1938-01-01", "sex": "male"});
    let body = match (method, path) {
        ("POST", "/api/v1/clients") => stranger,
        ("POST", "/api/v1/episodes") => json!({"client": stranger, "admitted_on": day(-1)}),
        ("POST", "/api/v1/episodes/{id}/discharge") => json!({"discharged_on": day(0), "destination": "home"}),
        ("POST", "/api/v1/episodes/{id}/planned-discharge") => json!({"planned_discharge_on": day(7)}),
        ("POST", "/api/v1/episodes/{id}/discharge/withdrawal")
        | ("POST", "/api/v1/episodes/{id}/contacts/{contact_id}/withdrawal") => {
            json!({"correction_reason": "入力の誤り"})
        }
        ("POST", "/api/v1/episodes/{id}/care-assignment") => {
            json!({"care_office_id": app.city().care_office, "assigned_on": day(0)})
        }
        ("POST", "/api/v1/episodes/{id}/contacts") => {
            json!({"direction": "cm_to_hospital", "kind": "other", "method": "phone", "contacted_on": day(0)})
        }
        ("POST", "/api/v1/documents") => json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital,
                                                 "client_id": world.client, "payload": admission_sheet(&day(-2))}),
        ("POST", "/api/v1/documents/{id}/amendments") => json!({"payload": admission_sheet(&day(-2))}),
        ("POST", "/api/v1/drafts") => json!({"kind": "admission_info", "episode_id": world.stay}),
        ("PUT", "/api/v1/drafts/{id}") => json!({"payload": {}}),
        ("POST", "/api/v1/clients/{id}/care-levels") => json!({"care_level": "要介護3", "valid_from": day(-1)}),
        ("PUT", "/api/v1/clients/{id}") => json!({"name": "連携 花子", "name_kana": "レンケイ ハナコ",
                                                   "birth_date": "1940-02-11", "sex": "female",
                                                   "insurance_number": "0100000001", "reason": "確認"}),
        ("PUT", "/api/v1/municipalities/{code}") => json!({"name": "八戸市", "rules": "seven-days"}),
        ("PUT", "/api/v1/facilities/{id}/calendar") => json!({"weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
                                                              "closing_time": "18:00", "national_holidays": "closed",
                                                              "closed_days": ["12-29..01-03"]}),
        _ => json!({}),
    };
    (concrete, body)
}

fn outcome(status: u16) -> Expect {
    match status {
        401 => Unauthenticated,
        403 => Forbidden,
        404 => Hidden,
        _ => Allowed,
    }
}

#[tokio::test]
async fn every_operation_answers_every_caller_as_its_policy_says() {
    let app = spawn_app().await;
    let world = world(&app).await;
    let spec = serde_json::to_value(renkei::http::openapi()).unwrap();
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            operations.push((method.to_uppercase(), path.clone()));
        }
    }
    assert!(operations.len() >= 26, "{operations:?}");

    let mut wrong = BTreeMap::new();
    for (method, path) in &operations {
        let operation = format!("{method} {path}");
        for caller in CALLERS {
            let Some(expected) = policy(&operation, caller) else {
                panic!("{operation} has no authorization policy in tests/api/authz.rs: write one");
            };
            let (concrete, body) = request(&app, &world, method, path);
            let url = format!("{}{concrete}", app.address);
            let mut call = app.client.request(method.parse().unwrap(), url);
            if path == "/api/v1/documents/{id}/attachments" {
                let (content_type, form) = multipart_file(&[], "紹介状.pdf", &pdf_file());
                call = call.header("Content-Type", content_type).body(form);
            } else if method == "POST" || method == "PUT" {
                call = call.json(&body);
            }
            if caller != Anonymous {
                call = call.bearer_auth(token(&app, caller));
            }
            let answer = call.send().await.unwrap();
            let status = answer.status().as_u16();
            assert!(status < 500, "{operation} as {caller:?}: {status} {}", answer.text().await.unwrap_or_default());
            if outcome(status) != expected {
                wrong.insert(format!("{operation} as {caller:?}"), format!("expected {expected:?}, got {status}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} cells disagree with the policy:\n{wrong:#?}", wrong.len());
}
