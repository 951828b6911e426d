//! Several app servers on one database, as a region runs them behind a proxy: a lockout after
//! failed sign-ins on one server holds on the others (the failures are counted in the database).

use crate::support::cli::{run, start_server};
use crate::support::{TestDatabase, free_port};

async fn status(port: u16, token: &str) -> u16 {
    let url = format!("http://127.0.0.1:{port}/api/v1/me");
    reqwest::Client::new().get(url).bearer_auth(token).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_lockout_on_one_server_is_refused_on_the_other() {
    let database = TestDatabase::new();
    let facility = ["admin", "create-facility", "--code", "0110000001", "--name", "連携病院", "--kind", "hospital"];
    assert_eq!(run(&database, &facility).await.0, 0);
    assert_eq!(super::cli::create_user(&database, "discharge_nurse").await.0, 0);
    let (_, stdout, _) = run(&database, &["admin", "create-token", "--email", "hanako@hospital.example.jp"]).await;
    let token = stdout.lines().last().unwrap().trim().to_owned();
    let env = [("LOCKOUT_AFTER_FAILED_SIGN_INS", "3"), ("RATE_LIMIT_PER_MINUTE", "6000")];
    let (one, two) = (free_port(), free_port());
    let _first = start_server(&database, one, &env).await;
    let _second = start_server(&database, two, &env).await;

    let guessed = format!("renkei_{}", "0".repeat(64));
    for _ in 0..3 {
        assert_eq!(status(one, &guessed).await, 401);
    }
    assert_eq!(status(one, &guessed).await, 429, "locked out on the server that counted");
    assert_eq!(status(two, &token).await, 429, "and on the other, even with a valid token");
}
