//! A client's record as a page: the care office that keeps it corrects it with a reason (the
//! error next to its field when the reason is missing), the hospital of the stay reads it
//! without a form and is refused a correction, a stranger gets 404; a form started afterwards
//! shows the corrected birth date, from the record, not as an input.

use crate::support::pages::sign_in_page;
use crate::support::{day, spawn_app};

#[tokio::test]
async fn the_care_office_corrects_a_birth_date_and_the_next_form_shows_it() {
    let app = spawn_app().await;
    let client = app.client_of_care_office("0000012345").await;
    let stay = app.admission("0000012345", &day(-1)).await;
    let page = format!("/clients/{}", client["id"].as_str().unwrap());
    let cm = sign_in_page(&app, "cm@c1.example.jp").await;
    let nurse = sign_in_page(&app, "nurse@h1.example.jp").await;
    let stranger = sign_in_page(&app, "nurse@h2.example.jp").await;

    let seen = nurse.get(&page).await;
    assert_eq!(seen.status, 200);
    assert!(seen.text().contains("昭和15年2月11日") && !seen.text().contains("記録を訂正する"), "read, not corrected");
    assert_eq!(stranger.get(&page).await.status, 404);
    let fields = [
        ("name", "連携 花子"),
        ("name_kana", "レンケイ ハナコ"),
        ("birth_date", "1940-02-21"),
        ("sex", "female"),
        ("insurance_number", "0000012345"),
    ];
    let with_reason = |reason| {
        let mut all = fields.to_vec();
        all.push(("reason", reason));
        all
    };
    assert_eq!(nurse.post(&page, &with_reason("保険証で確認")).await.status, 403);

    let refused = cm.post(&page, &with_reason("")).await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("「訂正の理由」を500文字以内で入力してください"), "{}", refused.text());
    assert!(refused.text().contains("1940-02-21"), "what was typed stays in the form");
    let done = cm.post(&page, &with_reason("介護保険証で生年月日を確認したため")).await;
    assert_eq!(done.status, 303, "{}", done.text());
    let shown = cm.get(&done.header("location")).await.text();
    assert!(shown.contains("訂正しました") && shown.contains("昭和15年2月21日"), "{shown}");

    // The next sheet says what the record says, and links to it.
    let started = cm.post("/drafts", &[("kind", "admission_info"), ("episode", stay["id"].as_str().unwrap())]).await;
    let form = cm.get(&started.header("location")).await.text();
    assert!(form.contains("昭和15年2月21日") && form.contains("value=\"1940-02-21\""), "the corrected birth date");
    let link = form.split("利用者の情報</a>").next().unwrap_or_default();
    assert!(link.ends_with(&format!("{}\">", client["id"].as_str().unwrap())), "a link to correct the record");

    // A new certification recorded from its first day: the history shows it.
    let levels = format!("{page}/care-levels");
    let missing = cm.post(&levels, &[("care_level", "要介護3"), ("valid_from", "")]).await;
    assert_eq!(missing.status, 422);
    assert!(missing.text().contains("「適用開始日」を入力してください"));
    assert_eq!(nurse.post(&levels, &[("care_level", "要介護3"), ("valid_from", &day(-2))]).await.status, 403);
    let done = cm.post(&levels, &[("care_level", "要介護3"), ("valid_from", &day(-2))]).await;
    assert_eq!(done.status, 303, "{}", done.text());
    let shown = cm.get(&page).await.text();
    assert!(shown.contains("要介護3") && shown.contains("要介護2"), "both levels on record: {shown}");
}
