//! The survey through the API: stays, contacts and discharges recorded live are counted as the
//! definitions say (docs/survey.md), only coordinators and administrators get it, and a planned
//! respite stay is left out only under the rules that say so. (The survey over imported records,
//! from the command line: binary/survey.rs.)

use serde_json::json;

use crate::support::spawn_app;

#[tokio::test]
async fn live_exchanges_count_like_imported_records_and_only_coordinators_get_the_survey() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let day = crate::support::day;
    let stay = app.admission("0100000001", &day(-10)).await;
    let episode = stay["id"].as_str().unwrap();
    let call =
        json!({"direction": "cm_to_hospital", "kind": "admission_info", "method": "phone", "contacted_on": day(-9)});
    assert_eq!(app.record_contact(&app.city().care_manager, episode, &call).await.status, 201);
    let notice =
        json!({"direction": "hospital_to_cm", "kind": "discharge_notice", "method": "fax", "contacted_on": day(-7)});
    assert_eq!(app.record_contact(&app.city().nurse, episode, &notice).await.status, 201);
    let discharged =
        app.discharge(&app.city().nurse, episode, &json!({"discharged_on": day(-1), "destination": "home"})).await;
    assert_eq!(discharged.status, 200);

    let period = format!("from={}&to={}", day(-30), day(0));
    let result = app.survey(&app.city().coordinator, &period).await;
    assert_eq!(result.status, 200, "{}", result.body);
    assert_eq!(result.body["admission"]["timing"]["day_2_3"], 1);
    assert_eq!(result.body["discharge"]["lead_time"]["5-7"], 1);
    assert_eq!(result.body["discharge"]["on_time"], 1);
    for token in [&app.city().nurse, &app.city().care_manager] {
        assert_eq!(app.survey(token, &period).await.status, 403);
    }
    assert_eq!(
        app.survey(&app.city().admin, &format!("{period}&format=csv")).await.content_type,
        "text/csv; charset=utf-8"
    );
    let report = app.survey(&app.city().coordinator, &format!("{period}&format=html")).await;
    assert_eq!(report.content_type, "text/html; charset=utf-8");
    assert!(report.body.as_str().is_some_and(|html| html.contains("<svg") && html.contains("連携病院")));
    assert_eq!(app.survey(&app.city().coordinator, "from=2025-04-30&to=2025-04-01").await.status, 422);
}

#[tokio::test]
async fn a_planned_respite_stay_is_left_out_only_where_the_rules_say_so() {
    let app = spawn_app().await;
    app.client_of_care_office("0100000001").await;
    let day = crate::support::day;
    let respite = app
        .register_admission(
            &app.city().nurse,
            &json!({"client": {"name": "連携 花子", "name_kana": "レンケイ ハナコ", "birth_date": "1940-02-11", "sex": "female",
                               "insurance_number": "0100000001"},
                    "admitted_on": day(-3), "planned_respite": true}),
        )
        .await;
    assert_eq!(respite.status, 201, "{}", respite.body);
    let today = renkei::calendar::today();
    let query =
        renkei::survey::SurveyQuery::new(Some(today - chrono::Duration::days(30)), Some(today), None, None).unwrap();
    let conn = &mut *app.pool.get().unwrap();
    let mut under = |rules: &str| {
        renkei::survey::compute(conn, &renkei::survey::rules::select(rules).unwrap(), &query).unwrap().admission
    };
    let default = under("default");
    assert_eq!((default.cohort, default.excluded), (1, 0));
    let paper = under("paper-survey");
    assert_eq!((paper.cohort, paper.excluded), (0, 1));
}

#[tokio::test]
async fn impossible_survey_years_are_refused_in_japanese() {
    let app = spawn_app().await;
    let coordinator = &app.city().coordinator;
    for query in ["fiscal_year=-5", "fiscal_year=0", "fiscal_year=10000", "fiscal_year=1999", "fiscal_year=2101"] {
        let refused = app.survey(coordinator, query).await;
        assert_eq!(refused.status, 400, "{query}: {}", refused.body);
        assert_eq!(refused.body["detail"], "年度は2000〜2100年度の範囲で指定してください", "{query}");
    }
    for query in ["from=1999-12-31&to=2025-03-31", "from=2025-04-01&to=2101-01-01", "from=0001-01-01&to=0001-12-31"] {
        let refused = app.survey(coordinator, query).await;
        assert_eq!(refused.status, 400, "{query}: {}", refused.body);
        assert!(
            refused.body["detail"].as_str().is_some_and(|d| d.contains("2000年1月1日から2100年12月31日")),
            "{query}"
        );
    }
    assert_eq!(app.survey(coordinator, "fiscal_year=2000").await.status, 200);
    assert_eq!(app.survey(coordinator, "from=2100-04-01&to=2100-12-31").await.status, 200);
}
