//! Where signing in leads: back to the page that asked for it, on this site only. A `next` that
//! leaves the site (`//host`, `/\host`, a scheme, a tab or line break that a browser drops) or
//! that a header cannot carry leads to the start page, never to a 500, and the audit log says
//! what was answered.

use crate::support::pages::sign_in_answer;
use crate::support::{PASSWORD, spawn_app};

#[tokio::test]
async fn signing_in_returns_to_a_page_of_this_site_and_nowhere_else() {
    let app = spawn_app().await;
    let email = "nurse@h1.example.jp";
    app.give_password(email);

    let (back, _) = sign_in_answer(&app, email, PASSWORD, Some("/episodes?all=1")).await;
    assert_eq!((back.status, back.location().as_str()), (303, "/episodes?all=1"));

    for elsewhere in [
        "/\t/evil.example",
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/\r\nSet-Cookie: a=b",
        "/\n/evil.example",
    ] {
        let (answer, _) = sign_in_answer(&app, email, PASSWORD, Some(elsewhere)).await;
        assert_eq!(answer.status, 303, "{elsewhere:?}: {}", answer.text());
        assert_eq!(answer.location(), "/inbox", "{elsewhere:?} leads to the start page");
    }

    let log = app.audit(&app.city().admin, "action=sign_in").await;
    let page_sign_ins = log.body.as_array().unwrap().iter().filter(|e| e["route"] == "/login").count();
    assert_eq!(page_sign_ins, 7, "each sign-in audited as answered: {}", log.body);
    assert!(log.body.as_array().unwrap().iter().filter(|e| e["route"] == "/login").all(|e| e["status"] == 303));
}
