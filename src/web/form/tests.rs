use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::schema::{Shape, keyword, shape};
use super::*;
use strum::IntoEnumIterator;

use crate::forms::DocumentKind;

fn published(kind: DocumentKind) -> Value {
    let text = crate::documents::exchange::published()
        .find(|(k, v, _)| *k == kind && *v == 1)
        .map(|(_, _, t)| t)
        .unwrap_or_default();
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"))
}

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The leaves of a schema as input names, walking it independently of the view: rows at 0.
fn schema_leaves(root: &Value, schema: &Value, pointer: &str, out: &mut Vec<String>) {
    match shape(root, schema) {
        Shape::Object => {
            let properties =
                keyword(root, schema, "properties").and_then(Value::as_object).cloned().unwrap_or_default();
            for (key, property) in &properties {
                schema_leaves(root, property, &format!("{pointer}/{key}"), out);
            }
        }
        Shape::Rows => {
            let items = keyword(root, schema, "items").cloned().unwrap_or_default();
            schema_leaves(root, &items, &format!("{pointer}/0"), out);
        }
        _ => out.push(pointer.to_owned()),
    }
}

/// Check-box answers are sets (`uniqueItems`): a browser posts them in the schema's order.
fn in_schema_order(root: &Value, schema: &Value, value: &mut Value) {
    match (shape(root, schema), value) {
        (Shape::Object, Value::Object(map)) => {
            let properties = keyword(root, schema, "properties").cloned().unwrap_or_default();
            for (key, child) in map.iter_mut() {
                if let Some(property) = properties.get(key) {
                    in_schema_order(root, property, child);
                }
            }
        }
        (Shape::Rows, Value::Array(rows)) => {
            let items = keyword(root, schema, "items").cloned().unwrap_or_default();
            rows.iter_mut().for_each(|row| in_schema_order(root, &items, row));
        }
        (Shape::Choices, Value::Array(chosen)) => {
            let options = schema::options(root, schema).into_iter().cloned().collect::<Vec<_>>();
            chosen.sort_by_key(|v| options.iter().position(|o| o == v));
        }
        _ => {}
    }
}

#[test]
fn every_leaf_of_every_schema_is_one_input() {
    for kind in DocumentKind::iter() {
        let schema = published(kind);
        let form = view(&schema, None, &[], "");
        let mut expected = Vec::new();
        schema_leaves(&schema, &schema, "", &mut expected);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for field in leaves(&form.nodes) {
            *counts.entry(field.common.name.as_str()).or_default() += 1;
        }
        for name in &expected {
            assert_eq!(counts.get(name.as_str()), Some(&1), "{kind:?}: {name}");
        }
        assert_eq!(counts.len(), expected.len(), "{kind:?}: {counts:?}");
    }
}

#[test]
fn fixtures_come_back_from_their_form_unchanged() {
    let cases = DocumentKind::iter().flat_map(|k| ["full", "minimal"].map(|v| (k, format!("{}_v1_{v}", k.as_str()))));
    for (kind, name) in cases {
        let name = name.as_str();
        let schema = published(kind);
        let mut example = fixture(name);
        let (back, errors) = parse(&schema, &pairs(&view(&schema, Some(&example), &[], "")));
        assert!(errors.is_empty(), "{name}: {errors:?}");
        in_schema_order(&schema, &schema, &mut example);
        assert_eq!(back, example, "{name}");
    }
}

#[test]
fn errors_are_shown_next_to_their_field_and_none_is_lost() {
    let registry = crate::documents::exchange::schema_registry().unwrap_or_else(|e| panic!("{e}"));
    let schema = registry.get(DocumentKind::AdmissionInfo, 1).unwrap_or_else(|| panic!("no schema"));
    let mut payload = fixture("admission_info_v1_full");
    payload["patient"]["birth_date"] = json!("1940-02-30");
    payload["care_insurance"].as_object_mut().map(|m| m.remove("application_date"));
    let mut errors = schema.validate(&payload, "/payload");
    errors.push(FieldError::new("/payload/header/not_a_field/x", "date_order", "日付の順序が違います"));
    errors.push(FieldError::new("/elsewhere", "conflict", "他の人が先に更新しました"));
    let form = view(&schema.document, Some(&payload), &errors, "/payload");

    let birth = leaves(&form.nodes).into_iter().find(|f| f.common.name == "/patient/birth_date");
    let birth = birth.unwrap_or_else(|| panic!("no birth date field"));
    assert_eq!(birth.common.errors, ["「生年月日」は実在する日付を YYYY-MM-DD の形で入力してください"]);
    assert_eq!(birth.common.described_by.as_deref(), Some("f-patient-birth_date-error"));
    let application = leaves(&form.nodes).into_iter().find(|f| f.common.name == "/care_insurance/application_date");
    assert!(application.is_some_and(|f| !f.common.errors.is_empty()), "{errors:?}");
    let header = form.nodes.iter().find(|n| n.common().name == "/header").map(|n| n.common().errors.clone());
    assert_eq!(header, Some(vec!["日付の順序が違います".to_owned()]));
    assert_eq!(form.errors, ["他の人が先に更新しました"]);
    assert_eq!(form.summary.len(), errors.len());
    assert!(form.summary.iter().any(|s| s.href == "#f-patient-birth_date"), "{:?}", form.summary);
}

fn admission_field(schema: &Value, name: &str, value: &str) -> (Value, Vec<FieldError>) {
    parse(schema, &[(name.to_owned(), value.to_owned())])
}

#[test]
fn a_word_in_a_number_field_is_a_japanese_error_at_the_field() {
    let schema = published(DocumentKind::AdmissionInfo);
    let (payload, errors) = admission_field(&schema, "/patient/age", "八十六");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].pointer, "/patient/age");
    assert_eq!(errors[0].message, "「年齢」は整数を半角数字で入力してください");
    assert_eq!(payload, json!({}));
    let (payload, errors) = admission_field(&schema, "/physical_function/drinking/per_day", "１．５");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(payload, json!({"physical_function": {"drinking": {"per_day": 1.5}}}));
    assert_eq!(rebase(vec![FieldError::new("/a", "type", "x")], "/payload")[0].pointer, "/payload/a");
}

#[test]
fn blank_rows_and_empty_sections_vanish() {
    let schema = published(DocumentKind::AdmissionInfo);
    let posted: Vec<(String, String)> = [
        ("/care_services/services/0/service_type", ""),
        ("/care_services/services/0/provider", ""),
        ("/care_services/services/3/service_type", "訪問介護"),
        ("/care_services/services/3/frequency", "週3回\r\n(入浴)"),
        ("/care_services/services/7/service_type", "  "),
        ("/housing/floors", ""),
        ("/housing/elevator", ""),
        ("/conference_wishes/mdt_conference", "true"),
        ("/unknown/field", "x"),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_owned(), v.to_owned()))
    .collect();
    let (payload, errors) = parse(&schema, &posted);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        payload,
        json!({
            "care_services": {"services": [{"service_type": "訪問介護", "frequency": "週3回\n(入浴)"}]},
            "conference_wishes": {"mdt_conference": true}
        })
    );
}

#[test]
fn an_empty_required_list_is_none_of_them() {
    let schema = published(DocumentKind::DischargeNotice);
    let (payload, _) = parse(&schema, &[("/destination".to_owned(), "自宅".to_owned())]);
    assert_eq!(payload, json!({"destination": "自宅", "criteria": []}));
}

fn render(form: &FormView) -> String {
    let mut env = minijinja::Environment::new();
    add_templates(&mut env).unwrap_or_else(|e| panic!("{e}"));
    env.add_template(
        "page.html",
        r#"{% import "form/fields.html" as f %}<form method="post">{{ f.form(view) }}</form>"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let template = env.get_template("page.html").unwrap_or_else(|e| panic!("{e}"));
    template.render(minijinja::context! { view => form }).unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn the_html_escapes_values_and_labels_every_input() {
    let schema = published(DocumentKind::AdmissionInfo);
    let mut payload = fixture("admission_info_v1_minimal");
    payload["patient"]["name"] = json!("<script>alert(1)</script>");
    let errors = [FieldError::new("/payload/patient/name", "pattern", "「患者氏名」の書き方が正しくありません")];
    let html = render(&view(&schema, Some(&payload), &errors, "/payload"));
    assert!(!html.contains("<script>"), "a value was not escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "{html}");
    assert!(!html.contains("style=") && !html.contains(" onclick="), "inline style or handler");
    assert!(html.contains(r##"<a href="#f-patient-name">「患者氏名」の書き方が正しくありません</a>"##), "{html}");
    assert!(html.contains(r#"aria-describedby="f-patient-name-error" aria-invalid="true""#), "{html}");
    assert!(html.contains(
        r#"data-show-name="&#x2f;disability_certification&#x2f;value" data-show-values="[&quot;あり&quot;]""#
    ));
    let ids: Vec<&str> = html.split(" id=\"").skip(1).filter_map(|s| s.split('"').next()).collect();
    for part in html.split("<input").skip(1) {
        if part.contains(r#"type="hidden""#) {
            continue;
        }
        let id = part.split(" id=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default();
        assert!(html.contains(&format!(r#"<label for="{id}">"#)), "no label for {id}");
        assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "id {id} is not unique");
    }
}

#[test]
fn drafts_and_blank_forms_render_and_read_back_empty() {
    for kind in DocumentKind::iter() {
        let schema = published(kind);
        let form = view(&schema, None, &[], "");
        assert!(render(&form).contains("renkei-form"));
        let (payload, errors) = parse(&schema, &pairs(&form));
        assert!(errors.is_empty(), "{errors:?}");
        let expected = if kind == DocumentKind::DischargeNotice { json!({"criteria": []}) } else { json!({}) };
        assert_eq!(payload, expected);
    }
}

#[test]
fn a_phone_number_typed_in_full_width_is_read_as_half_width() {
    let schema = published(DocumentKind::DischargeNotice);
    let form = view(&schema, None, &[], "");
    let phone = leaves(&form.nodes)
        .into_iter()
        .find(|f| f.common.name == "/contact_person/phone")
        .unwrap_or_else(|| panic!("a phone field"));
    // The browser does not refuse it: the server reads it.
    assert_eq!(phone.attrs.pattern, None);
    let (payload, errors) =
        parse(&schema, &[("/contact_person/phone".to_owned(), "０１５７－２３－４５６７".to_owned())]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(payload["contact_person"]["phone"], "0157-23-4567");
    // A kana name keeps what was typed: its pattern is not a half-width one.
    let schema = published(DocumentKind::AdmissionInfo);
    let (payload, _) = parse(&schema, &[("/patient/name_kana".to_owned(), "レンケイ　ハナコ".to_owned())]);
    assert_eq!(payload["patient"]["name_kana"], "レンケイ　ハナコ");
}
