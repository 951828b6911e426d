//! The binary as its users run it: configuration errors, migrate, admin, serve and serve --demo.

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

use crate::support::cli::{command as renkei, run};
use crate::support::{TestDatabase, free_port};

/// `renkei admin create-user` of 看護 花子 at the facility 0110000001, with `role`.
pub(super) async fn create_user(database: &TestDatabase, role: &str) -> (i32, String, String) {
    let args = [
        "admin",
        "create-user",
        "--facility",
        "0110000001",
        "--name",
        "看護 花子",
        "--email",
        "hanako@hospital.example.jp",
    ];
    run(database, &[&args[..], &["--role", role]].concat()).await
}

async fn get_json(port: u16, path: &str, token: &str) -> serde_json::Value {
    let answer =
        reqwest::Client::new().get(format!("http://127.0.0.1:{port}{path}")).bearer_auth(token).send().await.unwrap();
    answer.json().await.unwrap()
}

/// Waits until the server at `port` answers /healthz with 200 (at most 30 s).
async fn wait_healthy(port: u16) {
    for _ in 0..300 {
        let answer = reqwest::get(format!("http://127.0.0.1:{port}/healthz")).await;
        if answer.is_ok_and(|a| a.status().as_u16() == 200) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server on port {port} never became healthy");
}

/// Starts `renkei serve …`, returns it with the lines it printed up to `until`, once healthy.
async fn serve(database: &TestDatabase, args: &[&str], port: u16, until: &str) -> (Child, Vec<String>) {
    let mut child = renkei(database)
        .args(args)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        let done = line.contains(until);
        seen.push(line);
        if done {
            break;
        }
    }
    wait_healthy(port).await;
    (child, seen)
}

#[tokio::test]
async fn a_bad_setting_stops_start_up_naming_the_variable() {
    let database = TestDatabase::new();
    let output =
        renkei(&database).env("DATABASE_URL", "mysql://localhost/renkei").arg("migrate").output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DATABASE_URL") && stderr.contains("設定エラー"), "{stderr}");
    let output = renkei(&database).env("BIND_ADDR", "everywhere").args(["serve"]).output().await.unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("BIND_ADDR"));
}

#[tokio::test]
async fn an_administrator_sets_up_a_facility_a_user_and_a_token_that_works() {
    let database = TestDatabase::new();
    let (code, stdout, _) = run(&database, &["migrate"]).await;
    assert_eq!(code, 0, "{stdout}");
    let (code, stdout, stderr) = run(
        &database,
        &[
            "admin",
            "create-facility",
            "--code",
            "0110000001",
            "--name",
            "北見連携病院",
            "--kind",
            "hospital",
            "--window-label",
            "地域医療連携室",
            "--email",
            "renkei@hospital.example.jp",
        ],
    )
    .await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, _, stderr) =
        run(&database, &["admin", "create-facility", "--code", "0110000001", "--name", "二重", "--kind", "hospital"])
            .await;
    assert_ne!(code, 0);
    assert!(stderr.contains("すでに登録"), "{stderr}");
    let (code, _, stderr) = create_user(&database, "care_manager").await;
    assert_ne!(code, 0, "a care manager cannot belong to a hospital");
    assert!(stderr.contains("所属できません"), "{stderr}");
    let (code, _, _) = create_user(&database, "discharge_nurse").await;
    assert_eq!(code, 0);
    let (code, stdout, _) = run(&database, &["admin", "create-token", "--email", "hanako@hospital.example.jp"]).await;
    assert_eq!(code, 0);
    let token = stdout.lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("renkei_"), "{stdout}");

    let port = free_port();
    let (_server, started) = serve(&database, &["serve"], port, "メール").await;
    assert!(
        started.last().unwrap().starts_with("SMTP_URL が未設定のため、メールは送信せず"),
        "start-up says where mail goes: {started:?}"
    );
    let me = get_json(port, "/api/v1/me", &token).await;
    assert_eq!(me["facility"]["name"], "北見連携病院");
    assert_eq!(me["role"], "discharge_nurse");

    // Revoked, the token is refused (the running server within its 30-second token cache; a
    // server started afterwards at once).
    let (_, listed, _) = run(&database, &["admin", "list-tokens", "--email", "hanako@hospital.example.jp"]).await;
    let id = listed.split('\t').next().unwrap().to_owned();
    let (code, stdout, stderr) = run(&database, &["admin", "revoke-token", "--id", &id]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, _, _) = run(&database, &["admin", "revoke-token", "--id", &id]).await;
    assert_ne!(code, 0, "a token is revoked once");
    let port = free_port();
    let (_fresh, _) = serve(&database, &["serve"], port, "Renkei を起動しました").await;
    let refused = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);
}

#[tokio::test]
async fn serve_demo_loads_a_city_and_prints_tokens_that_work() {
    let database = TestDatabase::new();
    let port = free_port();
    let (mut server, lines) = serve(&database, &["serve", "--demo"], port, "curl").await;
    let curl = lines.last().unwrap();
    let token = curl.split("Bearer ").nth(1).unwrap().trim_end_matches('\'').to_owned();
    let inbox = get_json(port, "/api/v1/documents/inbox", &token).await;
    assert_eq!(inbox[0]["kind_label"], "入院時情報提供書", "{inbox}");
    let tokens = lines.iter().filter(|l| l.contains(" renkei_")).count();
    assert_eq!(tokens, 8, "seven users and the curl line: {lines:?}");
    // A small region: the city's hospital has stays of the city and of みどり町, on the 7-day rule.
    let towns = get_json(port, "/api/v1/municipalities", &token).await;
    let rules: Vec<(&str, Option<&str>)> = towns
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].as_str().unwrap(), m["rules"][0]["rules"].as_str()))
        .collect();
    assert_eq!(rules, [("連携市", None), ("みどり町", Some("seven-days.v1")), ("あさひ村", None)]);
    let stays = get_json(port, "/api/v1/episodes", &token).await;
    let mut places: Vec<&str> = stays.as_array().unwrap().iter().filter_map(|s| s["municipality"].as_str()).collect();
    places.sort_unstable();
    places.dedup();
    assert_eq!(places, ["DEMO-01", "DEMO-02"], "{stays}");
    server.kill().await.unwrap();

    // Started again on the same database: the demo is found, not loaded twice.
    let (_server, lines) = serve(&database, &["serve", "--demo"], free_port(), "curl").await;
    assert!(lines.iter().any(|l| l.contains("すでに読み込まれています")), "{lines:?}");
}

#[tokio::test]
async fn a_facility_gets_more_contact_windows_and_an_address_mail_cannot_reach_is_refused() {
    let database = TestDatabase::new();
    let create = [
        "admin",
        "create-facility",
        "--code",
        "0110000001",
        "--name",
        "連携病院",
        "--kind",
        "hospital",
        "--window-label",
        "地域医療連携室",
        "--email",
        "renkei@hospital.example.jp",
    ];
    assert_eq!(run(&database, &create).await.0, 0);
    let add = |label: &'static str, email: &'static str| {
        ["admin", "add-window", "--facility", "0110000001", "--label", label, "--email", email]
    };
    let (code, stdout, _) = run(&database, &add("3階病棟", "ward3@hospital.example.jp")).await;
    assert_eq!(code, 0);
    assert!(stdout.contains("窓口 2 件"), "{stdout}");
    let (code, _, stderr) = run(&database, &add("4階病棟", "ward4 at hospital")).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("\"ward4 at hospital\" の形式が正しくありません"), "{stderr}");
    let (code, _, stderr) =
        run(&database, &["admin", "add-window", "--facility", "0999", "--label", "x", "--email", "x@example.jp"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("事業所コード 0999 はありません"), "{stderr}");

    // Mail for the hospital goes to both windows.
    let conn = &mut renkei::db::establish(&database.url).unwrap();
    let hospital = renkei::directory::store::find_by_code(conn, "0110000001").unwrap().unwrap();
    let to = renkei::notify::recipients::windows(conn, hospital.id).unwrap();
    let addresses: Vec<&str> = to.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(addresses, ["renkei@hospital.example.jp", "ward3@hospital.example.jp"]);

    // Changed and removed from the command line too: by the window's current name.
    let change = ["admin", "change-window", "--facility", "0110000001", "--window", "3階病棟", "--label", "3階東病棟"];
    let (code, stdout, stderr) =
        run(&database, &[&change[..], &["--email", "ward3e@hospital.example.jp"]].concat()).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, _, stderr) = run(&database, &change).await;
    assert_eq!(code, 1, "the old name is gone");
    assert!(stderr.contains("窓口「3階病棟」はありません"), "{stderr}");
    let remove = ["admin", "remove-window", "--facility", "0110000001", "--window", "地域医療連携室"];
    assert_eq!(run(&database, &remove).await.0, 0);
    let to = renkei::notify::recipients::windows(conn, hospital.id).unwrap();
    let addresses: Vec<&str> = to.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(addresses, ["ward3e@hospital.example.jp"], "the changed address, the removed one gone");
}

#[tokio::test]
async fn an_administrator_disables_a_user_from_the_command_line_and_enables_them_again() {
    let database = TestDatabase::new();
    let create = ["admin", "create-facility", "--code", "0110000001", "--name", "連携病院", "--kind", "hospital"];
    assert_eq!(run(&database, &create).await.0, 0);
    assert_eq!(create_user(&database, "discharge_nurse").await.0, 0);
    let (_, stdout, _) = run(&database, &["admin", "create-token", "--email", "hanako@hospital.example.jp"]).await;
    let token = stdout.lines().last().unwrap().trim().to_owned();
    let (code, stdout, stderr) =
        run(&database, &["admin", "disable-user", "--email", "hanako@hospital.example.jp"]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    let port = free_port();
    let (_server, _) = serve(&database, &["serve"], port, "Renkei を起動しました").await;
    let me = |token: String| async move {
        let answer = reqwest::Client::new().get(format!("http://127.0.0.1:{port}/api/v1/me")).bearer_auth(token);
        answer.send().await.unwrap().status().as_u16()
    };
    assert_eq!(me(token.clone()).await, 401, "a disabled user's token is refused");
    let (code, _, _) = run(&database, &["admin", "enable-user", "--email", "hanako@hospital.example.jp"]).await;
    assert_eq!(code, 0);
    assert_eq!(me(token).await, 200, "and works again once enabled (nothing cached the refusal)");
    let (code, _, stderr) = run(&database, &["admin", "disable-user", "--email", "nobody@hospital.example.jp"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("nobody@hospital.example.jp の利用者は登録されていません"), "{stderr}");
}

#[tokio::test]
async fn admins_list_and_retry_mail_from_the_command_line() {
    let database = TestDatabase::new();
    let (code, stdout, _) = run(&database, &["admin", "list-mail", "--state", "failed"]).await;
    assert_eq!((code, stdout.as_str()), (0, ""), "nothing failed on a fresh installation");
    let (code, _, stderr) = run(&database, &["admin", "list-mail", "--state", "lost"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("--state は queued, sending, delivered, failed のいずれかです"), "{stderr}");
    let (code, _, stderr) =
        run(&database, &["admin", "retry-mail", "--id", "01a20000-0000-7000-8000-000000000000"]).await;
    assert_eq!(code, 1);
    assert!(stderr.contains("配信失敗のメール"), "{stderr}");
}

#[tokio::test]
async fn the_access_log_names_each_request_without_its_query_so_a_patient_search_leaves_no_name() {
    let database = TestDatabase::new();
    let port = free_port();
    let mut server = renkei(&database)
        .args(["serve", "--demo"])
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_healthy(port).await;
    let search =
        format!("http://127.0.0.1:{port}/episodes/new?name=青葉太郎&birth_date=1940-04-01&insurance_number=1234567890");
    let answer = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = answer.get(search).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 303, "not signed in: sent to the sign-in page");
    server.kill().await.unwrap();
    let mut log = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut server.stderr.take().unwrap(), &mut log).await.unwrap();
    let line = log.lines().find(|l| l.contains("/episodes/new")).unwrap_or_else(|| panic!("no access line: {log}"));
    assert!(line.contains("303 GET /episodes/new "), "{line}");
    for secret in ["name", "%E9%9D%92", "青葉", "1940", "1234567890"] {
        assert!(!log.contains(secret), "{secret} in the log: {line}");
    }
}
