//! `renkei backup` and `renkei restore` as an operator runs them: a backup taken while documents
//! are being sent restores to exactly what was committed at that moment; files and databases
//! that must not be replaced are not; a file that is not a Renkei backup is refused.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use diesel::prelude::*;
use renkei::db::schema::{attachments, contacts, document_revisions, documents, facilities, outbox};
use renkei::db::{self, DatabaseUrl};
use serde_json::json;

use crate::support::app::pdf_file;
use crate::support::cli::run_with;
use crate::support::{Options, TestApp, TestDatabase, admission_sheet, day, spawn_app, spawn_app_with};

/// A folder for a test's backup files, removed afterwards.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Self {
        let path = std::env::temp_dir().join(format!("renkei_backup_{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir(&path).unwrap();
        Self(path)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(&self.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
        names.sort();
        names
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A file removed at the end of the test.
struct Removed(PathBuf);

impl Drop for Removed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `renkei ARGS` on `database`, with PATH (pg_dump and pg_restore) as the test has it.
async fn renkei(database: &TestDatabase, args: &[&str]) -> (i32, String, String) {
    let path = std::env::var("PATH").unwrap_or_default();
    run_with(database, &[("PATH", &path)], args).await
}

/// Rows by key: (the document they belong to, the whole row as text).
type Rows = BTreeMap<String, (String, String)>;

/// What the liaison tables hold, row by row.
#[derive(Debug, PartialEq)]
struct Content {
    documents: Rows,
    revisions: Rows,
    contacts: Rows,
    outbox: Rows,
    facilities: i64,
}

fn content(url: &DatabaseUrl) -> Content {
    let conn = &mut db::establish(url).unwrap();
    let documents = documents::table
        .select((documents::id, (documents::kind, documents::episode_id, documents::recipient_facility_id)))
        .load::<(String, (String, String, String))>(conn)
        .unwrap()
        .into_iter()
        .map(|(id, row)| (id.clone(), (id, format!("{row:?}"))))
        .collect();
    let revisions = document_revisions::table
        .select((
            document_revisions::document_id,
            (document_revisions::revision, document_revisions::payload, document_revisions::created_at),
        ))
        .load::<(String, (i32, String, chrono::NaiveDateTime))>(conn)
        .unwrap()
        .into_iter()
        .map(|(document, row)| (format!("{document}/{}", row.0), (document, format!("{row:?}"))))
        .collect();
    let contacts = contacts::table
        .select((contacts::id, contacts::document_id, (contacts::kind, contacts::method, contacts::created_at)))
        .load::<(String, Option<String>, (String, String, chrono::NaiveDateTime))>(conn)
        .unwrap()
        .into_iter()
        .map(|(id, document, row)| (id, (document.unwrap_or_default(), format!("{row:?}"))))
        .collect();
    let outbox = outbox::table
        .select((
            outbox::id,
            outbox::document_id,
            (outbox::message_id, outbox::address, outbox::subject, outbox::state),
        ))
        .load::<(String, Option<String>, (String, String, String, String))>(conn)
        .unwrap()
        .into_iter()
        .map(|(id, document, row)| (id, (document.unwrap_or_default(), format!("{row:?}"))))
        .collect();
    let facilities = facilities::table.count().get_result(conn).unwrap();
    Content { documents, revisions, contacts, outbox, facilities }
}

/// Sends admission sheets from 4 tasks until `stop`; the ids answered 201 go to `answered`.
fn send_until(
    app: &TestApp,
    client: &str,
    stop: &Arc<AtomicBool>,
    answered: &Arc<Mutex<Vec<String>>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let body = json!({"kind": "admission_info", "recipient_facility_id": app.city().hospital, "client_id": client,
                      "payload": admission_sheet(&day(-1))});
    (0..4)
        .map(|_| {
            let (http, token, body) = (app.client.clone(), app.city().care_manager.clone(), body.clone());
            let (url, stop, answered) = (format!("{}/api/v1/documents", app.address), stop.clone(), answered.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let response = http.post(&url).bearer_auth(&token).json(&body).send().await.unwrap();
                    assert_eq!(response.status().as_u16(), 201);
                    let summary: serde_json::Value = response.json().await.unwrap();
                    answered.lock().unwrap().push(summary["id"].as_str().unwrap().to_owned());
                }
            })
        })
        .collect()
}

async fn wait_for(answered: &Arc<Mutex<Vec<String>>>, at_least: usize) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while answered.lock().unwrap().len() < at_least {
        assert!(tokio::time::Instant::now() < deadline, "the senders stopped short of {at_least} answers");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The rows of `source` that belong to the documents `of` holds.
fn belonging(source: &Rows, of: &Rows) -> Rows {
    source.iter().filter(|(_, (document, _))| of.contains_key(document)).map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[tokio::test]
async fn a_backup_taken_while_documents_are_sent_restores_exactly_what_was_committed_when_it_began() {
    // The senders go as fast as they can: no rate limit in the way.
    let app = spawn_app_with(Options::default().env("RATE_LIMIT_PER_MINUTE", "1000000")).await;
    let client = app.client_of_care_office("0100000001").await["id"].as_str().unwrap().to_owned();
    let folder = Folder::new();
    let file = folder.file("renkei-backup");
    let (stop, answered) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(Vec::new())));
    let senders = send_until(&app, &client, &stop, &answered);

    wait_for(&answered, 20).await;
    let answered_before: HashSet<String> = answered.lock().unwrap().iter().cloned().collect();
    let (code, stdout, stderr) = renkei(&app.database, &["backup", &file]).await;
    let answered_so_far = answered.lock().unwrap().len();
    wait_for(&answered, answered_so_far + 20).await;
    stop.store(true, Ordering::Relaxed);
    for sender in senders {
        sender.await.unwrap();
    }
    assert_eq!(code, 0, "{stderr}");
    assert!(answered_so_far > answered_before.len(), "the server kept answering while the backup ran");
    assert!(stdout.contains("バックアップを書きました") && stdout.contains(&file), "{stdout}");
    assert_eq!(folder.names(), ["renkei-backup"], "no partial file is left beside it");

    let restored_database = TestDatabase::new();
    let (code, restored_out, stderr) = renkei(&restored_database, &["restore", &file]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(restored_out.contains("復元しました"), "{restored_out}");

    let source = content(&app.database.url);
    let restored = content(&restored_database.url);
    assert_eq!(restored.facilities, source.facilities);
    let kept: HashSet<&String> = restored.documents.keys().collect();
    assert!(answered_before.iter().all(|id| kept.contains(id)), "every document answered before the backup is in it");
    assert!(
        restored.documents.len() < source.documents.len(),
        "documents sent after the backup are not in it ({} of {}, {} answered while it ran)",
        restored.documents.len(),
        source.documents.len(),
        answered_so_far - answered_before.len()
    );
    let printed = format!("文書 {} ", restored.documents.len());
    assert!(stdout.contains(&printed) && restored_out.contains(&printed), "{stdout}\n{restored_out}");
    // Each table holds whole transactions: for the documents in the backup, every revision,
    // contact and mail, each as it is in the source; nothing of the documents not in it.
    assert_eq!(restored.documents, belonging(&source.documents, &restored.documents));
    assert_eq!(restored.revisions, belonging(&source.revisions, &restored.documents));
    assert_eq!(restored.contacts, belonging(&source.contacts, &restored.documents));
    assert_eq!(restored.outbox, belonging(&source.outbox, &restored.documents));
    assert!(!restored.outbox.is_empty() && !restored.contacts.is_empty());
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file_unless_forced() {
    let app = spawn_app().await;
    let folder = Folder::new();
    let file = folder.file("renkei-backup");
    std::fs::write(&file, "yesterday's backup").unwrap();

    let (code, _, stderr) = renkei(&app.database, &["backup", &file]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("既にあります") && stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "yesterday's backup");

    let (code, stdout, stderr) = renkei(&app.database, &["backup", "--force", &file]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("事業所 5 / ユーザー 6"), "{stdout}");
    assert_ne!(std::fs::read(&file).unwrap(), b"yesterday's backup");
    assert_eq!(folder.names(), ["renkei-backup"]);
}

/// The seeded city, and a backup of it in a folder of its own.
async fn backed_up() -> (TestApp, Folder, String) {
    let source = spawn_app().await;
    let folder = Folder::new();
    let file = folder.file("renkei-backup");
    let (code, _, stderr) = renkei(&source.database, &["backup", &file]).await;
    assert_eq!(code, 0, "{stderr}");
    (source, folder, file)
}

/// A database with one facility of its own, made with the command line only (no connection
/// stays open on it).
async fn database_with_one_facility() -> TestDatabase {
    let database = TestDatabase::new();
    let args = ["admin", "create-facility", "--code", "OLD1", "--name", "前からある病院", "--kind", "hospital"];
    let (code, _, stderr) = renkei(&database, &args).await;
    assert_eq!(code, 0, "{stderr}");
    database
}

async fn facility_codes(database: &TestDatabase) -> String {
    let (code, stdout, stderr) = renkei(database, &["admin", "list-facilities"]).await;
    assert_eq!(code, 0, "{stderr}");
    stdout
}

#[tokio::test]
async fn attached_files_are_in_the_backup_and_come_back_byte_for_byte() {
    let source = spawn_app().await;
    let client = source.client_of_care_office("0100000001").await;
    let document = source.admission_sheet_sent(&client).await["id"].as_str().unwrap().to_owned();
    let pdf = pdf_file();
    let attached = source.attach(&source.city().care_manager, &document, "診療情報.pdf", &pdf).await;
    assert_eq!(attached.status, 201, "{}", attached.body);
    let folder = Folder::new();
    let file = folder.file("renkei-backup");

    let (code, stdout, stderr) = renkei(&source.database, &["backup", &file]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("添付ファイル 1"), "the backup counts the files: {stdout}");
    let target = TestDatabase::new();
    let (code, _, stderr) = renkei(&target, &["restore", &file]).await;
    assert_eq!(code, 0, "{stderr}");

    let conn = &mut db::establish(&target.url).unwrap();
    let (owner, name, sha256, bytes) = attachments::table
        .select((attachments::document_id, attachments::file_name, attachments::sha256, attachments::bytes))
        .first::<(Option<String>, String, String, Vec<u8>)>(conn)
        .unwrap();
    assert_eq!((owner.as_deref(), name.as_str()), (Some(document.as_str()), "診療情報.pdf"));
    assert_eq!(sha256, attached.body["sha256"].as_str().unwrap());
    assert_eq!(bytes, pdf, "byte for byte");
}

#[tokio::test]
async fn a_restore_onto_a_database_with_data_needs_force_and_keeps_the_data_aside() {
    let (_source, _folder, file) = backed_up().await;
    let target = database_with_one_facility().await;

    let (code, _, stderr) = renkei(&target, &["restore", &file]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("データがあります") && stderr.contains("--force"), "{stderr}");
    let codes = facility_codes(&target).await;
    assert!(codes.contains("OLD1") && !codes.contains("H1"), "nothing replaced: {codes}");

    let (code, stdout, stderr) = renkei(&target, &["restore", "--force", &file]).await;
    assert_eq!(code, 0, "{stderr}");
    let codes = facility_codes(&target).await;
    assert!(codes.contains("H1") && !codes.contains("OLD1"), "{codes}");

    // What the database held before is kept, and restores like any backup.
    let kept = stdout.lines().find_map(|l| l.strip_prefix("今までのデータは ")?.strip_suffix(" に残しました")).unwrap();
    let _kept = Removed(PathBuf::from(kept));
    assert!(kept.contains(".before-restore-"), "{kept}");
    let earlier = TestDatabase::new();
    let (code, _, stderr) = renkei(&earlier, &["restore", kept]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(facility_codes(&earlier).await.contains("OLD1"));
}

#[tokio::test]
async fn a_restore_into_a_database_that_was_only_migrated_needs_no_force() {
    let (_source, _folder, file) = backed_up().await;
    let target = TestDatabase::new();
    assert_eq!(renkei(&target, &["migrate"]).await.0, 0);

    let (code, stdout, stderr) = renkei(&target, &["restore", &file]).await;
    assert_eq!(code, 0, "{stderr}");
    assert!(!stdout.contains("今までのデータ"), "nothing to keep: {stdout}");
    assert!(facility_codes(&target).await.contains("H1"));
}

#[tokio::test]
async fn a_restore_is_refused_while_a_server_uses_the_database() {
    let (_source, _folder, file) = backed_up().await;
    let running = spawn_app().await;
    running.client_of_care_office("0100000009").await;

    let (code, _, stderr) = renkei(&running.database, &["restore", "--force", &file]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("使用中") && stderr.contains("止めて"), "{stderr}");
    assert_eq!(running.count("clients"), 1, "the running server's data is untouched");
    let listed = running.clients(&running.city().care_manager).await;
    assert_eq!(listed.status, 200);
}

/// True when the database was never written to.
fn untouched(database: &TestDatabase) -> bool {
    match &database.url {
        DatabaseUrl::Sqlite { path } => !Path::new(path).exists(),
        DatabaseUrl::Postgres { .. } => {
            #[derive(QueryableByName)]
            struct Tables {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let conn = &mut db::establish(&database.url).unwrap();
            let query = "SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'public'";
            diesel::sql_query(query).get_result::<Tables>(conn).unwrap().n == 0
        }
    }
}

#[tokio::test]
async fn a_file_that_is_not_a_whole_renkei_backup_is_refused_and_nothing_is_replaced() {
    let (_source, folder, good) = backed_up().await;
    let bytes = std::fs::read(&good).unwrap();
    let truncated = folder.file("truncated");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let text = folder.file("notes.txt");
    std::fs::write(&text, "これはバックアップではありません\n").unwrap();
    let other_database = folder.file("other.db");
    let mut other = SqliteConnection::establish(&other_database).unwrap();
    diesel::sql_query("CREATE TABLE notes (body TEXT)").execute(&mut other).unwrap();
    drop(other);
    let target = TestDatabase::new();

    for file in [&truncated, &text, &other_database] {
        let (code, stdout, stderr) = renkei(&target, &["restore", file]).await;
        assert_eq!(code, 1, "{file}: {stdout}");
        assert!(stderr.contains("Renkei のバックアップとして使えません"), "{file}: {stderr}");
        assert!(untouched(&target), "{file} replaced nothing");
    }
    let (code, _, stderr) = renkei(&target, &["restore", &good]).await;
    assert_eq!(code, 0, "the good backup still restores: {stderr}");
}

#[tokio::test]
async fn a_backup_from_a_newer_renkei_is_refused_by_restore() {
    let source = spawn_app().await;
    let conn = &mut *source.pool.get().unwrap();
    diesel::sql_query("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')")
        .execute(conn)
        .unwrap();
    let folder = Folder::new();
    let file = folder.file("renkei-backup");
    let (code, _, stderr) = renkei(&source.database, &["backup", &file]).await;
    assert_eq!(code, 0, "{stderr}");
    let target = TestDatabase::new();

    let (code, _, stderr) = renkei(&target, &["restore", &file]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("知らないマイグレーション 29991231000000"), "{stderr}");
    assert!(untouched(&target));
}

#[tokio::test]
async fn without_pg_dump_a_postgresql_backup_says_how_to_take_one_by_hand() {
    let app = spawn_app().await;
    if !app.database.is_postgres() {
        return; // SQLite needs no outside tool
    }
    let folder = Folder::new();
    let file = folder.file("renkei.dump");
    let (code, _, stderr) = run_with(&app.database, &[("PATH", "/nonexistent")], &["backup", &file]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("pg_dump が見つかりません") && stderr.contains("pg_dump -Fc --file"), "{stderr}");
    assert!(folder.names().is_empty(), "nothing written");
}
