//! The user guide (docs/guide/) as pages: reachable from every page's ヘルプ, signed in or not,
//! every chapter and picture served.

use crate::support::pages::sign_in_page;
use crate::support::spawn_app;

#[tokio::test]
async fn the_guide_is_reachable_from_every_page_with_its_chapters_and_pictures() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", app.address)).send();

    let sign_in = get("/login").await.unwrap().text().await.unwrap();
    assert!(sign_in.contains("href=\"/help\">ヘルプ</a>"), "before signing in too");
    let contents = get("/help").await.unwrap().text().await.unwrap();
    assert!(contents.contains("<h1>Renkei 利用の手引き</h1>"), "{contents}");
    for chapter in ["nurse", "care-manager", "coordinator", "admin"] {
        assert!(contents.contains(&format!("href=\"/help/{chapter}\"")), "{chapter} in the contents");
        let page = get(&format!("/help/{chapter}")).await.unwrap();
        assert_eq!(page.status(), 200, "{chapter}");
        let html = page.text().await.unwrap();
        assert!(html.contains("href=\"/help\">手引きの目次へ</a>"), "{chapter}");
        for (at, _) in html.match_indices("src=\"/help/screenshots/") {
            let rest = &html[at + "src=\"".len()..];
            let path = &rest[..rest.find('"').unwrap()];
            let picture = get(path).await.unwrap();
            assert_eq!(picture.status(), 200, "{path}");
            assert_eq!(picture.headers()["content-type"], "image/png");
        }
    }
    let missing = get("/help/nothing").await.unwrap();
    assert_eq!(missing.status(), 404);

    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let page = nurse.get("/help/nurse").await.text();
    assert!(page.contains(">受信箱</a>") && page.contains("サインアウト"), "signed in: the menu: {page}");
    assert!(nurse.get("/episodes").await.text().contains("href=\"/help\">ヘルプ</a>"), "on every page");
}
