//! Running the renkei binary as its users do, on a test database.

use renkei::db::DatabaseUrl;
use tokio::process::Command;

use super::TestDatabase;

fn url_of(database: &TestDatabase) -> String {
    match &database.url {
        DatabaseUrl::Postgres { url } => url.clone(),
        DatabaseUrl::Sqlite { path } => format!("sqlite://{path}"),
    }
}

/// `renkei` with a clean environment pointing at the test database.
pub fn command(database: &TestDatabase) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_renkei"));
    command
        .env_clear()
        .env("DATABASE_URL", url_of(database))
        .env("MAIL_DIR", database.mail_dir())
        .env("RUST_LOG", "warn")
        .kill_on_drop(true);
    command
}

/// Runs `renkei ARGS`: exit code, stdout, stderr.
pub async fn run(database: &TestDatabase, args: &[&str]) -> (i32, String, String) {
    run_with(database, &[], args).await
}

/// Runs `renkei ARGS` with extra environment variables.
pub async fn run_with(database: &TestDatabase, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let output = command(database).envs(env.iter().copied()).args(args).output().await.unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}

/// `renkei serve` as a process on the test database, with more settings; returns once it
/// answers /healthz (at most 10 s).
pub async fn start_server(database: &TestDatabase, port: u16, env: &[(&str, &str)]) -> tokio::process::Child {
    let child = command(database)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .envs(env.iter().copied())
        .arg("serve")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/healthz");
    for _ in 0..200 {
        if reqwest::get(&health).await.is_ok_and(|r| r.status().is_success()) {
            return child;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("renkei serve did not start on port {port}");
}
