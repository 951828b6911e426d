//! The pages people sign in to and write forms in: sign-in and sign-out, the session cookie,
//! CSRF, and an admission sheet written in the page, refused with its error next to the field,
//! corrected, sent, and acknowledged by the hospital in one click.

use renkei::forms::DocumentKind;
use renkei::web::form;

use crate::support::pages::{sign_in_page, sign_in_with};
use crate::support::{PASSWORD, admission_sheet, day, spawn_app};

#[tokio::test]
async fn a_visitor_without_a_session_is_sent_to_sign_in_and_back() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let answer = client.get(format!("{}/inbox?state=unread", app.address)).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 303);
    assert_eq!(answer.headers()["location"], "/login?next=%2Finbox%3Fstate%3Dunread");
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_japanese_and_the_session_cookie_is_http_only() {
    let app = spawn_app().await;
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    assert!(sign_in_with(&app, "nurse@h1.example.jp", "wrong-password-123").await.is_none());
    assert!(sign_in_with(&app, "nobody@h1.example.jp", PASSWORD).await.is_none());

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let form = client.get(format!("{}/login", app.address)).send().await.unwrap();
    let guard = form.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(guard.contains("HttpOnly") && guard.contains("SameSite=Lax"), "{guard}");
    let csrf = crate::support::pages::csrf_of(&form.text().await.unwrap());
    let cookie = guard.split(';').next().unwrap().to_owned();
    let post = |password: &'static str| {
        client
            .post(format!("{}/login", app.address))
            .header("Origin", &app.address)
            .header("Cookie", &cookie)
            .form(&[("csrf", csrf.as_str()), ("email", "nurse@h1.example.jp"), ("password", password)])
            .send()
    };
    let refused = post("wrong-password-123").await.unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    assert!(refused.text().await.unwrap().contains("メールアドレスまたはパスワードが違います"));
    let accepted = post(PASSWORD).await.unwrap();
    assert_eq!(accepted.status().as_u16(), 303);
    let session = accepted
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("renkei_session="))
        .expect("a session cookie");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"),
        "{session}"
    );
    assert!(!session.contains("Secure"), "plain http on loopback: {session}");

    // Signing out ends the session on the server: the old cookie no longer opens a page.
    assert_eq!(nurse.get("/inbox").await.status, 200);
    assert_eq!(nurse.post("/logout", &[]).await.status, 303);
    assert_eq!(nurse.get("/inbox").await.status, 303);
}

#[tokio::test]
async fn a_form_posted_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0000077777").await;
    let stay = app.admission("0000077777", &day(-1)).await;
    let cm = sign_in_page(&app, "cm@c1.example.jp").await;
    let stay_id = stay["id"].as_str().unwrap();
    let forged = cm.post_raw("/drafts", &[("kind", "admission_info"), ("episode", stay_id)]).await;
    assert_eq!(forged.status, 403);
    assert!(forged.text().contains("Renkei の画面から送信されたものではありません"));
    let wrong = cm.post_raw("/drafts", &[("csrf", "0".repeat(64).as_str()), ("episode", stay_id)]).await;
    assert_eq!(wrong.status, 403);
    assert_eq!(app.count("drafts"), 0);
    assert!(client["id"].is_string());
}

#[tokio::test]
async fn an_admission_sheet_written_in_the_page_is_corrected_sent_and_acknowledged() {
    let app = spawn_app().await;
    app.client_of_care_office("0000012345").await;
    let stay = app.admission("0000012345", &day(-1)).await;
    let cm = sign_in_page(&app, "cm@c1.example.jp").await;

    // The care manager starts the sheet from the stay: the form is the schema's, prefilled.
    let started = cm.post("/drafts", &[("kind", "admission_info"), ("episode", stay["id"].as_str().unwrap())]).await;
    assert_eq!(started.status, 303, "{}", started.text());
    let draft = started.header("location");
    let form_page = cm.get(&draft).await;
    assert_eq!(form_page.status, 200);
    let html = form_page.text();
    assert!(
        html.contains("<input type=\"hidden\" id=\"f-patient-name\"") && html.contains("連携 花子"),
        "the patient's name comes from the client record, shown, not typed"
    );
    assert!(html.contains("昭和15年2月11日"), "the birth date in 和暦");
    assert!(html.contains(&day(-1)), "the admission date is filled in from the stay");

    // Everything typed, but the floors in words: refused, with the message next to the field.
    let schemas = renkei::documents::exchange::schema_registry().unwrap();
    let schema = &schemas.latest(DocumentKind::AdmissionInfo).unwrap().document;
    let sheet = admission_sheet(&day(-1));
    let mut fields = form::pairs(&form::view(schema, Some(&sheet), &[], ""));
    let floors = fields.iter().position(|(name, _)| name == "/housing/floors").expect("a floors field");
    fields[floors].1 = "二階建て".into();
    fields.push(("recipient".into(), app.city().hospital.to_string()));
    fields.push(("action".into(), "send".into()));
    let posted: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let refused = cm.post(&draft, &posted).await;
    assert_eq!(refused.status, 422);
    let html = refused.text();
    assert!(html.contains("「階建て」は整数を半角数字で入力してください"), "the floors' message is shown");
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(app.count("documents"), 0, "nothing was sent");

    // The draft kept what was typed.
    let kept = cm.get(&draft).await.text();
    assert!(kept.contains(sheet["patient"]["name"].as_str().unwrap()));

    // Corrected and sent: the document's page says so.
    let mut corrected = fields.clone();
    corrected[floors].1 = "2".into();
    let posted: Vec<(&str, &str)> = corrected.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let sent = cm.post(&draft, &posted).await;
    assert_eq!(sent.status, 303, "{}", sent.text());
    let document = sent.header("location");
    assert!(document.starts_with("/documents/") && document.ends_with("?sent=1"), "{document}");
    assert_eq!(app.count("documents"), 1);
    assert_eq!(app.count("drafts"), 0, "the draft became the document");

    // The hospital sees it unread at the top of its inbox and acknowledges it in one click.
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let inbox = nurse.get("/inbox").await.text();
    assert!(inbox.contains("class=\"unread") && inbox.contains("入院時情報提供書"), "{inbox}");
    let id = document.trim_start_matches("/documents/").trim_end_matches("?sent=1");
    let acknowledged = nurse.post(&format!("/documents/{id}/acknowledge"), &[("back", "/inbox")]).await;
    assert_eq!(acknowledged.status, 303);
    let shown = cm.get(&format!("/documents/{id}")).await.text();
    assert!(shown.contains("status-acknowledged"), "the sender sees 確認済");
}

#[tokio::test]
async fn a_nurse_writes_each_of_the_hospitals_forms_from_the_stay_and_sends_a_referral() {
    let app = spawn_app().await;
    app.client_of_care_office("0000012345").await;
    let stay = app.admission("0000012345", &day(-14)).await;
    let episode = stay["id"].as_str().unwrap();
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;

    // The stay's page offers the hospital's three forms, in the order a stay meets them.
    let page = nurse.get(&format!("/episodes/{episode}")).await.text();
    let offered: Vec<usize> = ["入院連絡を書く", "退院連絡を書く", "診療情報提供書(退院時)を書く"]
        .iter()
        .map(|label| page.find(label).unwrap_or_else(|| panic!("{label} is offered")))
        .collect();
    assert!(offered.is_sorted(), "{offered:?}");
    assert!(!page.contains("入院時情報提供書を書く"), "the care manager's sheet is not the hospital's to write");

    // The referral starts with what Renkei knows: the dates, the care office, the hospital.
    let started = nurse.post("/drafts", &[("kind", "discharge_referral"), ("episode", episode)]).await;
    assert_eq!(started.status, 303, "{}", started.text());
    let draft = started.header("location");
    let html = nurse.get(&draft).await.text();
    assert!(html.contains("診療情報提供書"), "the form's title");
    for known in [day(-14), day(0), "さくら居宅".to_owned(), "連携病院".to_owned()] {
        assert!(html.contains(&known), "{known} is filled in");
    }

    // Filled in from the example and sent: the care office has it.
    let schemas = renkei::documents::exchange::schema_registry().unwrap();
    let schema = &schemas.latest(DocumentKind::DischargeReferral).unwrap().document;
    let mut referral = crate::support::fixture("discharge_referral_v1_minimal");
    referral["header"]["written_on"] = serde_json::json!(day(0));
    let mut fields = form::pairs(&form::view(schema, Some(&referral), &[], ""));
    fields.push(("recipient".into(), app.city().care_office.to_string()));
    fields.push(("action".into(), "send".into()));
    let posted: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let sent = nurse.post(&draft, &posted).await;
    assert_eq!(sent.status, 303, "{}", sent.text());
    let cm = sign_in_page(&app, "cm@c1.example.jp").await;
    let inbox = cm.get("/inbox").await.text();
    assert!(inbox.contains("診療情報提供書(退院時)"), "{inbox}");
}

#[tokio::test]
async fn a_care_manager_s_discharge_record_starts_from_the_hospital_s_referral_and_is_kept() {
    let app = spawn_app().await;
    app.client_of_care_office("0000012345").await;
    let stay = app.admission("0000012345", &day(-14)).await;
    let episode = stay["id"].as_str().unwrap();
    let mut referral = crate::support::fixture("discharge_referral_v1_full");
    referral["header"]["written_on"] = serde_json::json!(day(0));
    referral["header"]["admission_date"] = serde_json::json!(day(-14));
    referral["header"]["planned_discharge_date"] = serde_json::json!(day(3));
    referral["condition"]["diagnoses"][0]["onset_date"] = serde_json::json!(day(-14));
    let sent = app
        .send_document(
            &app.city().nurse,
            &serde_json::json!({"kind": "discharge_referral", "recipient_facility_id": app.city().care_office, "episode_id": episode, "payload": referral}),
        )
        .await;
    assert_eq!(sent.status, 201, "{}", sent.body);

    let cm = sign_in_page(&app, "cm@c1.example.jp").await;
    let page = cm.get(&format!("/episodes/{episode}")).await.text();
    assert!(page.contains("退院・退所情報記録書を書く"), "the record is offered on the stay");
    let started = cm.post("/drafts", &[("kind", "discharge_record"), ("episode", episode)]).await;
    assert_eq!(started.status, 303, "{}", started.text());
    let html = cm.get(&started.header("location")).await.text();
    // What the doctor wrote is there: the diseases, the procedures, the patient, the dates.
    for carried in ["右大腿骨頸部骨折", "慢性心不全", "2型糖尿病", "レンケイ ハナコ", &day(3), &day(-14)]
    {
        assert!(html.contains(carried), "{carried} is carried over from the referral");
    }
    let keep = html.find("自事業所で保管し、共有しない").expect("keeping it is offered");
    let selected = html[..keep].rfind("<option").map(|at| &html[at..keep]).unwrap_or_default();
    assert!(selected.contains("selected"), "and chosen by default: {selected}");
}

#[tokio::test]
async fn every_form_speaks_to_its_writer_without_programmer_notes_or_another_city() {
    let app = spawn_app().await;
    app.client_of_care_office("0000012345").await;
    let stay = app.admission("0000012345", &day(-1)).await;
    let episode = stay["id"].as_str().unwrap();
    let cm = sign_in_page(&app, "cm@c1.example.jp").await;
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let forms = [
        (&cm, "admission_info"),
        (&cm, "discharge_record"),
        (&nurse, "admission_notice"),
        (&nurse, "discharge_notice"),
        (&nurse, "discharge_referral"),
    ];
    for (writer, kind) in forms {
        let started = writer.post("/drafts", &[("kind", kind), ("episode", episode)]).await;
        assert_eq!(started.status, 303, "{kind}: {}", started.text());
        let html = writer.get(&started.header("location")).await.text();
        let shown = words_of(&html);
        for note in ["true", "false", "birth_date", "attachments", "正は", "空の配列", "北見", "docs/", "x-discharge"]
        {
            assert!(!shown.contains(note), "{kind}: the page says {note:?}");
        }
    }
    // The help written for the people who fill the form in is there instead.
    let started = cm.post("/drafts", &[("kind", "admission_info"), ("episode", episode)]).await;
    let html = cm.get(&started.header("location")).await.text();
    assert!(html.contains("玄関の段差、手すりの有無"), "the 住環境's help");
}

/// What a page shows in words: its text without the markup (tags, attributes, scripts).
fn words_of(html: &str) -> String {
    let body = html.split("<body").nth(1).unwrap_or(html);
    let mut shown = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                shown.push(' ');
            }
            _ if !in_tag => shown.push(c),
            _ => {}
        }
    }
    shown
}

/// The hidden `saved_at` of a draft's page.
fn saved_at(html: &str) -> String {
    let at =
        html.find("name=\"saved_at\" value=\"").expect("the draft's saved_at") + "name=\"saved_at\" value=\"".len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_draft_saves_itself_while_typing_and_never_overwrites_a_save_made_in_another_tab() {
    let app = spawn_app().await;
    app.client_of_care_office("0000012345").await;
    let stay = app.admission("0000012345", &day(-1)).await;
    let cm = sign_in_page(&app, "cm@c1.example.jp").await;
    let started = cm.post("/drafts", &[("kind", "admission_info"), ("episode", stay["id"].as_str().unwrap())]).await;
    let draft = started.header("location");
    let opened = saved_at(&cm.get(&draft).await.text());

    // Tab A saves in the background: 204, and the time of its save.
    let autosave = |stamp: String, phone: &'static str| {
        let cm = &cm;
        let draft = draft.clone();
        async move {
            cm.post(&draft, &[("saved_at", stamp.as_str()), ("/patient/phone", phone), ("action", "autosave")]).await
        }
    };
    let first = autosave(opened.clone(), "0157-11-1111").await;
    assert_eq!(first.status, 204, "{}", first.text());
    let stamp = first.header("x-saved-at");
    assert!(!stamp.is_empty() && stamp != opened, "the new save's time: {stamp}");
    let again = autosave(stamp.clone(), "0157-11-2222").await;
    assert_eq!(again.status, 204, "the same tab goes on saving");

    // Tab B, opened before those saves, is refused without overwriting them.
    let stale = autosave(opened.clone(), "0157-99-9999").await;
    assert_eq!(stale.status, 409);
    assert!(stale.text().contains("別の画面"), "{}", stale.text());
    assert!(cm.get(&draft).await.text().contains("0157-11-2222"), "tab A's save stands");

    // Saved by hand from tab B: the page says why, keeps what was typed there, and a second
    // save, knowingly, replaces tab A's.
    let by_hand =
        cm.post(&draft, &[("saved_at", opened.as_str()), ("/patient/phone", "0157-99-9999"), ("action", "save")]).await;
    assert_eq!(by_hand.status, 409);
    let html = by_hand.text();
    assert!(html.contains("別の画面") && html.contains("0157-99-9999"), "the typed value is still on the page");
    assert!(cm.get(&draft).await.text().contains("0157-11-2222"), "not saved yet");
    let confirmed = saved_at(&html);
    let replaced = cm
        .post(&draft, &[("saved_at", confirmed.as_str()), ("/patient/phone", "0157-99-9999"), ("action", "save")])
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    assert!(cm.get(&draft).await.text().contains("0157-99-9999"));
}
