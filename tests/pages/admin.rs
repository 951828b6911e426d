//! The administrators' pages: facilities with their contact windows, users with their roles
//! and passwords, the rules in force; every form refused with its reasons next to the fields.

use crate::support::pages::{sign_in_answer, sign_in_page, sign_in_with};
use crate::support::spawn_app;

/// The address of a window's page, from the link next to it on its facility's page.
fn window_page(facility_page: &str, label: &str) -> String {
    let end = facility_page.find(&format!("\" aria-label=\"{label}を変更・削除\"")).expect("a link to the window");
    let start = facility_page[..end].rfind("href=\"").expect("the link's address") + "href=\"".len();
    facility_page[start..end].to_owned()
}

#[tokio::test]
async fn an_admin_registers_a_facility_with_a_window_and_a_user_who_can_then_sign_in() {
    let app = spawn_app().await;
    let admin = sign_in_page(&app, "admin@city.example.jp").await;
    let index = admin.get("/admin").await;
    assert_eq!(index.status, 200);
    assert!(index.text().contains("連携病院") && index.text().contains("医療機関"));
    assert_eq!(admin.get("/admin/facilities/new").await.status, 200);

    let created = admin
        .post(
            "/admin/facilities",
            &[
                ("code", "0170000099"),
                ("name", "北見みどり居宅介護支援事業所"),
                ("kind", "care_office"),
                ("area", "東圏域"),
                ("in_city", "true"),
                ("window_label", "事務所"),
                ("window_email", "midori@example.jp"),
                ("window_phone", "0157-00-0000"),
                ("window_fax", "0157-00-0001"),
                ("window_hours", "12時〜13時は避けてください"),
            ],
        )
        .await;
    assert_eq!(created.status, 303, "{}", created.text());
    let facility_page = created.location();
    assert!(facility_page.starts_with("/admin/facilities/") && facility_page.ends_with("?done=facility"));
    let facility = admin.get(&facility_page).await.text();
    assert!(facility.contains("事業所を登録しました。"));
    assert!(facility.contains("12時〜13時は避けてください") && facility.contains("0157-00-0001"));
    let path = facility_page.split('?').next().unwrap().to_owned();

    let window =
        admin.post(&format!("{path}/windows"), &[("window_label", "携帯"), ("window_phone", "090-0000-0000")]).await;
    assert_eq!(window.status, 303);
    assert!(admin.get(&path).await.text().contains("090-0000-0000"));

    let user = admin
        .post(
            &format!("{path}/users"),
            &[
                ("name", "緑 花子"),
                ("email", "hanako@midori.example.jp"),
                ("role", "care_manager"),
                ("password", "initial-pass-2026"),
            ],
        )
        .await;
    assert_eq!(user.status, 303, "{}", user.text());
    assert!(admin.get(&path).await.text().contains("hanako@midori.example.jp"));
    let signed_in =
        sign_in_with(&app, "hanako@midori.example.jp", "initial-pass-2026").await.expect("the new user signs in");
    assert!(signed_in.get("/inbox").await.text().contains("北見みどり居宅介護支援事業所"));
}

#[tokio::test]
async fn a_role_that_does_not_fit_the_facility_is_refused_next_to_the_role_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let admin = sign_in_page(&app, "admin@city.example.jp").await;
    let users = app.count("users");
    let path = format!("/admin/facilities/{}/users", app.city().hospital);
    let refused =
        admin.post(&path, &[("name", "誤登録"), ("email", "wrong@h1.example.jp"), ("role", "care_manager")]).await;
    assert_eq!(refused.status, 422);
    let html = refused.text();
    assert!(html.contains("id=\"role-error\">ケアマネジャーは医療機関に所属できません</p>"), "{html}");
    assert!(html.contains("value=\"wrong@h1.example.jp\""), "what was typed is kept");
    assert_eq!(app.count("users"), users, "nothing stored");

    let short = admin
        .post(
            &path,
            &[
                ("name", "看護 次郎"),
                ("email", "jiro@h1.example.jp"),
                ("role", "discharge_nurse"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, 422);
    assert!(short.text().contains("id=\"password-error\">パスワードは10文字以上にしてください"));
    assert_eq!(app.count("users"), users);

    let taken =
        admin.post(&path, &[("name", "重複"), ("email", "nurse@h1.example.jp"), ("role", "discharge_nurse")]).await;
    assert_eq!(taken.status, 422);
    assert!(taken.text().contains("id=\"email-error\">メールアドレス nurse@h1.example.jp はすでに登録されています"));

    let facilities = app.count("facilities");
    let duplicate =
        admin.post("/admin/facilities", &[("code", "H1"), ("name", "重複病院"), ("kind", "hospital")]).await;
    assert_eq!(duplicate.status, 422);
    assert!(duplicate.text().contains("id=\"code-error\">事業所コード H1 はすでに登録されています"));
    let blank = admin
        .post("/admin/facilities", &[("code", "X9"), ("kind", "hospital"), ("window_email", "not-an-address")])
        .await;
    assert_eq!(blank.status, 422);
    assert!(blank.text().contains("id=\"name-error\">名称は必須です"));
    let bad_window = admin
        .post(
            "/admin/facilities",
            &[
                ("code", "X9"),
                ("name", "窓口の誤り"),
                ("kind", "hospital"),
                ("window_label", "連携室"),
                ("window_email", "not-an-address"),
            ],
        )
        .await;
    assert_eq!(bad_window.status, 422);
    assert!(bad_window.text().contains("id=\"window_email-error\">連絡窓口のメールアドレス"));
    assert_eq!(app.count("facilities"), facilities);
}

#[tokio::test]
async fn an_admin_resets_a_password_and_the_old_one_no_longer_works() {
    let app = spawn_app().await;
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let admin = sign_in_page(&app, "admin@city.example.jp").await;
    let facility = admin.get(&format!("/admin/facilities/{}", app.city().hospital)).await.text();
    let at = facility.find("/admin/users/").unwrap();
    let form = facility[at..].split('"').next().unwrap().to_owned();
    assert!(admin.get(&form).await.text().contains("nurse@h1.example.jp"));
    let weak = admin.post(&form, &[("password", "nurse-and-more")]).await;
    assert_eq!(weak.status, 422);
    assert!(weak.text().contains("パスワードにメールアドレスを含めないでください"));
    let reset = admin.post(&form, &[("password", "a-brand-new-secret")]).await;
    assert_eq!(reset.status, 303);
    assert!(reset.location().ends_with("?done=password"));
    assert_eq!(nurse.get("/inbox").await.status, 303, "the nurse's open session ended");
    assert!(sign_in_with(&app, "nurse@h1.example.jp", crate::support::PASSWORD).await.is_none());
    assert!(sign_in_with(&app, "nurse@h1.example.jp", "a-brand-new-secret").await.is_some());
}

#[tokio::test]
async fn an_admin_disables_a_user_who_is_signed_out_refused_and_whose_token_fails_then_enables_them() {
    let app = spawn_app().await;
    let token = app.city().nurse.clone();
    assert_eq!(app.me(&token).await.status, 200, "the token works (and is cached)");
    let users = app.count("users");
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let admin = sign_in_page(&app, "admin@city.example.jp").await;
    let facility = admin.get(&format!("/admin/facilities/{}", app.city().hospital)).await.text();
    let at = facility.find("/admin/users/").unwrap();
    let user = facility[at..].split('"').next().unwrap().trim_end_matches("/password").to_owned();
    assert!(facility.contains("利用中") && facility.contains(&format!("{user}/disable")));

    let disabled = admin.post(&format!("{user}/disable"), &[]).await;
    assert_eq!(disabled.status, 303);
    let page = admin.get(&disabled.location()).await.text();
    assert!(page.contains("利用を停止しました") && page.contains("停止中"), "{page}");
    assert_eq!(nurse.get("/inbox").await.status, 303, "the open session ended");
    let (refused, _) = sign_in_answer(&app, "nurse@h1.example.jp", crate::support::PASSWORD, None).await;
    assert_eq!(refused.status, 403);
    assert!(refused.text().contains("このアカウントは利用が停止されています"), "said so, in Japanese");
    assert_eq!(app.me(&token).await.status, 401, "the token is refused at once");
    assert_eq!(app.count("users"), users, "nothing deleted");

    let enabled = admin.post(&format!("{user}/enable"), &[]).await;
    assert_eq!(enabled.status, 303);
    assert!(sign_in_with(&app, "nurse@h1.example.jp", crate::support::PASSWORD).await.is_some());
    assert_eq!(app.me(&token).await.status, 200);

    // An administrator cannot lock themselves out.
    let city = app.facilities(&app.city().admin, "kind=city").await.body[0]["id"].as_str().unwrap().to_owned();
    let own = admin.get(&format!("/admin/facilities/{city}")).await.text();
    let row = &own[own.find("admin@city.example.jp").unwrap()..];
    let me = row.split("/admin/users/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let refused = admin.post(&format!("/admin/users/{me}/disable"), &[]).await;
    assert_eq!(refused.status, 409);
    assert!(refused.text().contains("自分自身は停止できません"));
}

#[tokio::test]
async fn forms_without_the_csrf_token_or_from_elsewhere_are_refused() {
    let app = spawn_app().await;
    let admin = sign_in_page(&app, "admin@city.example.jp").await;
    let facilities = app.count("facilities");
    let fields = [("code", "Z1"), ("name", "偽の事業所"), ("kind", "hospital")];
    let forged = admin.post_raw("/admin/facilities", &fields).await;
    assert_eq!(forged.status, 403);
    let wrong = admin
        .post_raw("/admin/facilities", &[("csrf", "0000"), ("code", "Z1"), ("name", "偽"), ("kind", "hospital")])
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(app.count("facilities"), facilities, "nothing stored");
    let care_manager = sign_in_page(&app, "cm@c1.example.jp").await;
    assert_eq!(care_manager.post("/admin/facilities", &fields).await.status, 403);
    assert_eq!(app.count("facilities"), facilities);
}

#[tokio::test]
async fn the_rules_in_force_are_summarised_in_japanese() {
    let app = spawn_app().await;
    let admin = sign_in_page(&app, "admin@city.example.jp").await;
    let page = admin.get("/admin/rules").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("default 第1版"));
    assert!(html.contains("退院日の5日前までに連絡したもの"));
    assert!(html.contains("入院時情報連携加算"));
    assert!(html.contains("営業日：月・火・水・木・金（17:30まで）"), "the default office calendar");
    assert!(html.contains("翌日まで"), "the deadline as the code computes it");
}

#[tokio::test]
async fn an_admin_changes_a_window_is_refused_with_the_reason_next_to_the_field_and_removes_it() {
    let app = spawn_app().await;
    let admin = sign_in_page(&app, "admin@city.example.jp").await;
    let facility = format!("/admin/facilities/{}", app.city().hospital);
    let added = admin
        .post(
            &format!("{facility}/windows"),
            &[("window_label", "3階病棟"), ("window_phone", "0157-11-1111"), ("window_email", "ward3@h1.example.jp")],
        )
        .await;
    assert_eq!(added.status, 303);
    let window = window_page(&admin.get(&facility).await.text(), "3階病棟");
    assert!(window.starts_with(&format!("{facility}/windows/")), "{window}");

    let form = admin.get(&window).await;
    assert_eq!(form.status, 200, "{}", form.text());
    assert!(form.text().contains("value=\"0157-11-1111\"") && form.text().contains("value=\"ward3@h1.example.jp\""));

    let refused = admin
        .post(&window, &[("window_label", "3階病棟"), ("window_email", "病棟あて"), ("window_phone", "0157-99-9999")])
        .await;
    assert_eq!(refused.status, 422);
    let html = refused.text();
    assert!(html.contains("id=\"window_email-error\">連絡窓口のメールアドレス"), "{html}");
    assert!(html.contains("value=\"0157-99-9999\""), "what was typed is kept");
    let unchanged = admin.get(&facility).await.text();
    assert!(unchanged.contains("0157-11-1111") && !unchanged.contains("0157-99-9999"), "nothing stored");

    let changed = admin
        .post(
            &window,
            &[("window_label", "3階東病棟"), ("window_phone", "0157-22-2222"), ("window_email", "east3@h1.example.jp")],
        )
        .await;
    assert_eq!(changed.status, 303, "{}", changed.text());
    assert!(changed.location().ends_with("?done=window_changed"));
    let page = admin.get(&changed.location()).await.text();
    assert!(
        page.contains("連絡窓口を変更しました。") && page.contains("3階東病棟") && page.contains("east3@h1.example.jp")
    );
    assert!(!page.contains("0157-11-1111") && !page.contains("ward3@h1.example.jp"));

    // A window is found only under its own facility.
    let elsewhere = window.replace(&app.city().hospital.to_string(), &app.city().care_office.to_string());
    assert_eq!(admin.get(&elsewhere).await.status, 404);
    assert_eq!(admin.post(&format!("{elsewhere}/remove"), &[]).await.status, 404);
    assert!(admin.get(&facility).await.text().contains("3階東病棟"), "still there");

    let removed = admin.post(&format!("{window}/remove"), &[]).await;
    assert_eq!(removed.status, 303);
    let page = admin.get(&removed.location()).await.text();
    assert!(page.contains("連絡窓口を削除しました。") && !page.contains("3階東病棟"));
    assert_eq!(admin.get(&window).await.status, 404);
}

#[tokio::test]
async fn only_an_admin_may_change_or_remove_a_window() {
    let app = spawn_app().await;
    let admin = sign_in_page(&app, "admin@city.example.jp").await;
    let facility = format!("/admin/facilities/{}", app.city().hospital);
    admin.post(&format!("{facility}/windows"), &[("window_label", "夜間窓口"), ("window_phone", "0157-33-3333")]).await;
    let window = window_page(&admin.get(&facility).await.text(), "夜間窓口");
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    assert_eq!(nurse.get(&window).await.status, 403);
    assert_eq!(nurse.post(&window, &[("window_label", "乗っ取り")]).await.status, 403);
    assert_eq!(nurse.post(&format!("{window}/remove"), &[]).await.status, 403);
    let page = admin.get(&facility).await.text();
    assert!(page.contains("夜間窓口") && !page.contains("乗っ取り"));
}
