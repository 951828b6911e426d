//! The app started in-process (spawn_app() and its options), the seeded little city each test
//! starts with, one request helper a verb and one per endpoint of the API, and deliver_pending().

use std::sync::Arc;

use diesel::prelude::*;
use renkei::app::{self, Application, Delivery};
use renkei::db::{DatabaseUrl, Pool};
use renkei::delivery::Worker;
use renkei::directory::{self, ContactWindow, FacilityKind, NewFacility, NewUser, Role};
use renkei::notify::Notifier;
use renkei::settings::Settings;
use serde_json::{Value, json};

use super::PASSWORD;
use super::database::TestDatabase;
use super::examples::admission_sheet;

/// The facilities and people every test starts with, and their API tokens.
pub struct City {
    pub hospital: uuid::Uuid,
    pub other_hospital: uuid::Uuid,
    pub care_office: uuid::Uuid,
    pub nurse: String,
    pub other_nurse: String,
    pub care_manager: String,
    pub other_care_manager: String,
    pub coordinator: String,
    pub admin: String,
}

/// The app as a test sees it: its address, a client for it, its database, and the seeded city
/// (none for an empty installation).
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub pool: Pool,
    city: Option<City>,
    /// The code the server prints at start-up, asked for by /setup while no administrator exists.
    pub setup_code: String,
    /// The settings the app was built with (the same MAIL_DIR, SMTP_URL… for a worker).
    pub settings: Settings,
    /// Dropped with the app: the test database (and its mail folder) goes with it.
    pub database: TestDatabase,
}

/// How to start the app: more settings, a delivery worker, an empty installation.
pub struct Options {
    env: Vec<(String, String)>,
    delivery: Delivery,
    seeded: bool,
}

impl Default for Options {
    /// The seeded little city, and no delivery worker: mail stays queued, so that what a test
    /// sees does not depend on how fast mail goes out.
    fn default() -> Self {
        Self { env: Vec::new(), delivery: Delivery::Elsewhere, seeded: true }
    }
}

impl Options {
    /// One more setting, as the environment variable `name` would give it (e.g. SMTP_URL).
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// A delivery worker in the server's process, as `renkei serve` runs it.
    pub fn delivering(mut self) -> Self {
        self.delivery = Delivery::InProcess;
        self
    }

    /// A fresh, empty installation: no facility, no user, so the first-admin set-up page is open.
    pub fn empty(mut self) -> Self {
        self.seeded = false;
        self
    }
}

/// The app on a fresh database with the seeded city, without a delivery worker.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

/// The app started as `options` say.
pub async fn spawn_app_with(options: Options) -> TestApp {
    let database = TestDatabase::new();
    let mail_dir = database.mail_dir();
    let url = match &database.url {
        DatabaseUrl::Postgres { url } => url.clone(),
        DatabaseUrl::Sqlite { .. } => database.url.to_string(),
    };
    let settings = Settings::from_lookup(|name| match name {
        "DATABASE_URL" => Ok(url.clone()),
        "BIND_ADDR" => Ok("127.0.0.1:0".into()),
        "MAIL_DIR" => Ok(mail_dir.display().to_string()),
        other => {
            options.env.iter().find(|(k, _)| k == other).map(|(_, v)| v.clone()).ok_or(std::env::VarError::NotPresent)
        }
    })
    .expect("test settings");
    let pool = app::prepare_database(&settings).expect("database prepared");
    let city = options.seeded.then(|| seed(&pool));
    let application = Application::build(&settings, pool.clone(), options.delivery).expect("application builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let setup_code = application.setup_code().to_owned();
    tokio::spawn(application.run_until_stopped());
    TestApp { address, client: reqwest::Client::new(), pool, city, setup_code, settings, database }
}

fn seed(pool: &Pool) -> City {
    let conn = &mut *pool.get().expect("connection");
    let facility = |conn: &mut renkei::db::DbConnection, code: &str, name: &str, kind| {
        directory::create_facility(
            conn,
            NewFacility {
                code: code.into(),
                name: name.into(),
                kind,
                area: Some("中央圏域".into()),
                in_city: true,
                contact_windows: vec![ContactWindow {
                    label: "連携窓口".into(),
                    email: Some(format!("{}@example.jp", code.to_lowercase())),
                    phone: Some("0157-00-1111".into()),
                    fax: Some("0157-00-2222".into()),
                    hours_note: None,
                }],
            },
        )
        .expect("facility")
        .id
    };
    let hospital = facility(conn, "H1", "連携病院", FacilityKind::Hospital);
    let other_hospital = facility(conn, "H2", "別の病院", FacilityKind::Hospital);
    let care_office = facility(conn, "C1", "さくら居宅", FacilityKind::CareOffice);
    facility(conn, "C2", "あおば居宅", FacilityKind::CareOffice);
    facility(conn, "CITY", "市役所", FacilityKind::City);
    let mut person = |code: &str, email: &str, role| {
        directory::create_user(
            conn,
            NewUser { facility_code: code.into(), name: "担当者".into(), email: email.into(), role },
        )
        .expect("user");
        renkei::auth::issue_token(conn, email, "test").expect("token").secret
    };
    City {
        hospital,
        other_hospital,
        care_office,
        nurse: person("H1", "nurse@h1.example.jp", Role::DischargeNurse),
        other_nurse: person("H2", "nurse@h2.example.jp", Role::DischargeNurse),
        care_manager: person("C1", "cm@c1.example.jp", Role::CareManager),
        other_care_manager: person("C2", "cm@c2.example.jp", Role::CareManager),
        coordinator: person("CITY", "coordinator@city.example.jp", Role::Coordinator),
        admin: person("CITY", "admin@city.example.jp", Role::Admin),
    }
}

/// An answer of the API: its status, its content type, and its body as JSON (or as a JSON string
/// when it is not JSON).
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
}

impl TestApp {
    /// Registers one more facility (no contact window) with one user of `role`: the user's API
    /// token.
    pub fn facility_with_user(
        &self,
        code: &str,
        name: &str,
        kind: FacilityKind,
        area: &str,
        email: &str,
        role: Role,
    ) -> String {
        let conn = &mut *self.pool.get().expect("connection");
        let new = NewFacility {
            code: code.into(),
            name: name.into(),
            kind,
            area: Some(area.into()),
            in_city: false,
            contact_windows: vec![],
        };
        directory::create_facility(conn, new).expect("facility");
        let user = NewUser { facility_code: code.into(), name: "担当者".into(), email: email.into(), role };
        directory::create_user(conn, user).expect("user");
        renkei::auth::issue_token(conn, email, "test").expect("token").secret
    }

    /// The seeded city's facilities, people and tokens.
    pub fn city(&self) -> &City {
        self.city.as_ref().expect("an empty installation has no seeded city: use spawn_app(), not Options::empty()")
    }

    /// Gives a seeded user `PASSWORD`, to sign in through the pages.
    pub fn give_password(&self, email: &str) {
        let conn = &mut *self.pool.get().expect("connection");
        renkei::auth::session::set_password(conn, email, PASSWORD).expect("password set");
    }

    /// Runs the outbox once, here and now, as a delivery worker with the app's settings would:
    /// sends every mail that is due, batch after batch, until none is left; returns how many
    /// mails were tried. Mail waiting for a retry later is left waiting.
    pub async fn deliver_pending(&self) -> usize {
        let rules = renkei::survey::rules::select(&self.settings.handbook_rules).expect("the handbook rules");
        let notifier = Notifier::new(&self.settings.public_url);
        let worker =
            Worker::new(&self.settings, self.pool.clone(), notifier, Arc::new(rules)).expect("a delivery worker");
        let mut tried = 0;
        loop {
            match worker.deliver_due().await.expect("the outbox is read and written") {
                0 => return tried,
                n => tried += n,
            }
        }
    }

    /// GET a path of the server, with a bearer token ("" for none).
    pub async fn get(&self, path: &str, token: &str) -> Answer {
        let request = self.client.get(format!("{}{path}", self.address));
        answer(if token.is_empty() { request } else { request.bearer_auth(token) }).await
    }

    /// POST a JSON body to a path of the server, with a bearer token ("" for none).
    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Answer {
        let request = self.client.post(format!("{}{path}", self.address)).json(body);
        answer(if token.is_empty() { request } else { request.bearer_auth(token) }).await
    }

    /// PUT a JSON body to a path of the server, with a bearer token.
    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Answer {
        answer(self.client.put(format!("{}{path}", self.address)).json(body).bearer_auth(token)).await
    }

    /// DELETE a path of the server, with a bearer token.
    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        answer(self.client.delete(format!("{}{path}", self.address)).bearer_auth(token)).await
    }

    /// How many rows a table holds: to prove that a refused request stored nothing.
    pub fn count(&self, table: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let conn = &mut *self.pool.get().expect("connection");
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}")).get_result::<Count>(conn).expect("count").n
    }

    /// A care manager of C1 registers a client.
    pub async fn client_of_care_office(&self, insurance_number: &str) -> Value {
        let answer = self
            .register_client(
                &self.city().care_manager,
                &json!({"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female",
                        "insurance_number": insurance_number, "care_level": "要介護2"}),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.body
    }

    /// The care manager of C1 sends H1 an admission sheet for a client, admitted yesterday; the
    /// 201 answer's body.
    pub async fn admission_sheet_sent(&self, client: &Value) -> Value {
        let sent = self
            .send_document(
                &self.city().care_manager,
                &json!({"kind": "admission_info", "recipient_facility_id": self.city().hospital, "client_id": client["id"],
                        "payload": admission_sheet(&day(-1))}),
            )
            .await;
        assert_eq!(sent.status, 201, "{}", sent.body);
        sent.body
    }

    /// The hospital H1 registers the admission of a known client on `admitted_on`.
    pub async fn admission(&self, insurance_number: &str, admitted_on: &str) -> Value {
        let answer = self
            .register_admission(
                &self.city().nurse,
                &json!({"client": {"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female",
                                   "insurance_number": insurance_number},
                        "admitted_on": admitted_on}),
            )
            .await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.body
    }
}

/// One helper per endpoint of /api/v1 that the tests call: `token` is whose bearer token ("" for
/// none), `query` a query string without its `?` ("" for none), ids as the answers give them.
impl TestApp {
    /// GET /api/v1/me
    pub async fn me(&self, token: &str) -> Answer {
        self.get("/api/v1/me", token).await
    }

    /// GET /api/v1/facilities
    pub async fn facilities(&self, token: &str, query: &str) -> Answer {
        self.get(&with_query("/api/v1/facilities", query), token).await
    }

    /// GET /api/v1/clients
    pub async fn clients(&self, token: &str) -> Answer {
        self.get("/api/v1/clients", token).await
    }

    /// POST /api/v1/clients
    pub async fn register_client(&self, token: &str, body: &Value) -> Answer {
        self.post("/api/v1/clients", token, body).await
    }

    /// GET /api/v1/episodes
    pub async fn episodes(&self, token: &str) -> Answer {
        self.get("/api/v1/episodes", token).await
    }

    /// POST /api/v1/episodes
    pub async fn register_admission(&self, token: &str, body: &Value) -> Answer {
        self.post("/api/v1/episodes", token, body).await
    }

    /// GET /api/v1/episodes/{id}
    pub async fn episode(&self, token: &str, id: &str) -> Answer {
        self.get(&format!("/api/v1/episodes/{id}"), token).await
    }

    /// POST /api/v1/episodes/{id}/contacts
    pub async fn record_contact(&self, token: &str, episode: &str, body: &Value) -> Answer {
        self.post(&format!("/api/v1/episodes/{episode}/contacts"), token, body).await
    }

    /// POST /api/v1/episodes/{id}/discharge
    pub async fn discharge(&self, token: &str, episode: &str, body: &Value) -> Answer {
        self.post(&format!("/api/v1/episodes/{episode}/discharge"), token, body).await
    }

    /// POST /api/v1/episodes/{id}/planned-discharge
    pub async fn plan_discharge(&self, token: &str, episode: &str, body: &Value) -> Answer {
        self.post(&format!("/api/v1/episodes/{episode}/planned-discharge"), token, body).await
    }

    /// POST /api/v1/documents
    pub async fn send_document(&self, token: &str, body: &Value) -> Answer {
        self.post("/api/v1/documents", token, body).await
    }

    /// GET /api/v1/documents/inbox
    pub async fn inbox(&self, token: &str, query: &str) -> Answer {
        self.get(&with_query("/api/v1/documents/inbox", query), token).await
    }

    /// GET /api/v1/documents/outbox
    pub async fn outbox(&self, token: &str) -> Answer {
        self.get("/api/v1/documents/outbox", token).await
    }

    /// GET /api/v1/documents/{id}
    pub async fn document(&self, token: &str, id: &str) -> Answer {
        self.get(&format!("/api/v1/documents/{id}"), token).await
    }

    /// GET /api/v1/documents/{id}/revisions/{revision}
    pub async fn revision(&self, token: &str, id: &str, revision: u32) -> Answer {
        self.get(&format!("/api/v1/documents/{id}/revisions/{revision}"), token).await
    }

    /// GET /api/v1/documents/{id}/deliveries
    pub async fn deliveries(&self, token: &str, id: &str) -> Answer {
        self.get(&format!("/api/v1/documents/{id}/deliveries"), token).await
    }

    /// POST /api/v1/documents/{id}/acknowledge
    pub async fn acknowledge(&self, token: &str, id: &str) -> Answer {
        self.post(&format!("/api/v1/documents/{id}/acknowledge"), token, &json!({})).await
    }

    /// POST /api/v1/documents/{id}/amendments
    pub async fn amend(&self, token: &str, id: &str, body: &Value) -> Answer {
        self.post(&format!("/api/v1/documents/{id}/amendments"), token, body).await
    }

    /// POST /api/v1/documents/{id}/attachments: `bytes` as the part `file`, named `file_name`.
    pub async fn attach(&self, token: &str, id: &str, file_name: &str, bytes: &[u8]) -> Answer {
        let (content_type, body) = multipart_file(&[], file_name, bytes);
        let request = self.client.post(format!("{}/api/v1/documents/{id}/attachments", self.address));
        answer(request.bearer_auth(token).header("Content-Type", content_type).body(body)).await
    }

    /// GET /api/v1/documents/{id}/attachments/{attachment}: the status, headers and bytes.
    pub async fn attachment(
        &self,
        token: &str,
        id: &str,
        attachment: &str,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let url = format!("{}/api/v1/documents/{id}/attachments/{attachment}", self.address);
        let response = self.client.get(url).bearer_auth(token).send().await.expect("request sent");
        let (status, headers) = (response.status().as_u16(), response.headers().clone());
        (status, headers, response.bytes().await.expect("body").to_vec())
    }

    /// GET /api/v1/admin/mail
    pub async fn mail(&self, token: &str, query: &str) -> Answer {
        self.get(&with_query("/api/v1/admin/mail", query), token).await
    }

    /// POST /api/v1/admin/mail/{id}/retry
    pub async fn retry_mail(&self, token: &str, id: &str) -> Answer {
        self.post(&format!("/api/v1/admin/mail/{id}/retry"), token, &json!({})).await
    }

    /// GET /api/v1/admin/audit
    pub async fn audit(&self, token: &str, query: &str) -> Answer {
        self.get(&with_query("/api/v1/admin/audit", query), token).await
    }

    /// GET /api/v1/survey
    pub async fn survey(&self, token: &str, query: &str) -> Answer {
        self.get(&with_query("/api/v1/survey", query), token).await
    }
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() { path.to_owned() } else { format!("{path}?{query}") }
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request sent");
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer { status, content_type, body }
}

/// A `multipart/form-data` body as a browser sends one: the text `fields`, then `bytes` as the
/// part `file` named `file_name`; its Content-Type and the body.
pub fn multipart_file(fields: &[(&str, &str)], file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----RenkeiTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A small PDF (a page with no content) followed by every byte value: what arrives must be
/// byte for byte what was sent.
pub fn pdf_file() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
        2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
        3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
        .to_vec();
    pdf.extend((0..=255u8).cycle().take(4096));
    pdf.extend_from_slice(b"\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    pdf
}

/// A date `offset` days from today in Japan.
pub fn day(offset: i64) -> String {
    (renkei::calendar::today() + chrono::Duration::days(offset)).to_string()
}

/// The pointers of a 422 answer's errors.
pub fn pointers(answer: &Answer) -> Vec<String> {
    answer.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
        .collect()
}
