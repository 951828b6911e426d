//! Japanese messages for JSON Schema validation errors (the validator's own are English only).
//! Each message names the field by the `title` the schema gives it, the label on the paper form.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind as Kind;
use serde_json::Value;

use super::registry::resolve;
use crate::error::FieldError;

/// The field errors for one validation error, with pointers prefixed by `base`. A missing
/// property is reported at its own pointer, not at the object that lacks it.
pub fn field_errors(schema: &Value, error: &ValidationError<'_>, base: &str) -> Vec<FieldError> {
    let at = error.instance_path().as_str().to_owned();
    let keyword = error.kind().keyword().to_owned();
    let make = |pointer: String, message: String| FieldError::new(format!("{base}{pointer}"), keyword.clone(), message);
    match error.kind() {
        Kind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let pointer = format!("{at}/{}", escape(name));
            let title = title_at(schema, &pointer);
            vec![make(pointer, format!("「{title}」を入力してください（必須項目です）"))]
        }
        Kind::AdditionalProperties { unexpected } | Kind::UnevaluatedProperties { unexpected } => unexpected
            .iter()
            .map(|name| make(format!("{at}/{}", escape(name)), format!("「{name}」はこの様式にない項目です")))
            .collect(),
        kind => {
            let title = title_at(schema, &at);
            vec![make(at.clone(), message(kind, &title, subschema_at(schema, &at)))]
        }
    }
}

fn message(kind: &Kind, title: &str, subschema: Option<&Value>) -> String {
    match kind {
        Kind::Enum { options } => {
            let choices: Vec<String> = options.as_array().into_iter().flatten().map(show).collect();
            format!("「{title}」は次のいずれかを選んでください: {}", choices.join("、"))
        }
        Kind::Constant { expected_value } => format!("「{title}」は {} でなければなりません", show(expected_value)),
        Kind::Type { .. } => {
            let expected = subschema.and_then(|s| s.get("type")).map(type_names).unwrap_or_default();
            format!("「{title}」の値の種類が違います（{expected}で入力してください）")
        }
        Kind::Format { format } => match format.as_str() {
            "date" => format!("「{title}」は実在する日付を YYYY-MM-DD の形で入力してください"),
            "date-time" => format!("「{title}」は日時を 2026-11-20T10:30:00+09:00 の形で入力してください"),
            "email" => format!("「{title}」はメールアドレスの形式ではありません"),
            _ => format!("「{title}」の形式が正しくありません（{format}）"),
        },
        Kind::Pattern { .. } => format!("「{title}」の書き方が正しくありません"),
        Kind::MaxLength { limit } => format!("「{title}」は{limit}文字以内で入力してください"),
        Kind::MinLength { limit } => format!("「{title}」は{limit}文字以上で入力してください"),
        Kind::Maximum { limit } => format!("「{title}」は{limit}以下にしてください"),
        Kind::Minimum { limit } => format!("「{title}」は{limit}以上にしてください"),
        Kind::ExclusiveMaximum { limit } => format!("「{title}」は{limit}より小さくしてください"),
        Kind::ExclusiveMinimum { limit } => format!("「{title}」は{limit}より大きくしてください"),
        Kind::MaxItems { limit } => format!("「{title}」は{limit}件以内にしてください"),
        Kind::MinItems { limit } => format!("「{title}」は{limit}件以上にしてください"),
        Kind::UniqueItems => format!("「{title}」に同じ選択肢が重複しています"),
        Kind::AnyOf { .. } | Kind::OneOfNotValid { .. } => format!("「{title}」がどの記入方法にも当てはまりません"),
        Kind::OneOfMultipleValid { .. } => format!("「{title}」の記入方法があいまいです（複数に当てはまります）"),
        Kind::FalseSchema | Kind::Not { .. } => format!("「{title}」はこの状態では入力できません"),
        _ => format!("「{title}」が正しくありません"),
    }
}

fn show(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

fn type_names(types: &Value) -> String {
    let name = |t: &str| match t {
        "string" => "文字",
        "integer" => "整数",
        "number" => "数値",
        "boolean" => "true/false",
        "object" => "項目のまとまり",
        "array" => "一覧",
        "null" => "空",
        _ => "指定の形",
    };
    match types {
        Value::String(t) => name(t).to_owned(),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).map(name).collect::<Vec<_>>().join("または"),
        _ => String::new(),
    }
}

/// The title of the field at `pointer` (an instance JSON pointer), or its last key.
pub fn title_at(schema: &Value, pointer: &str) -> String {
    subschema_at(schema, pointer)
        .and_then(|s| s.get("title"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            pointer.rsplit('/').next().map(unescape).filter(|s| !s.is_empty()).unwrap_or_else(|| "様式".into())
        })
}

/// The schema that describes the instance at `pointer`: follows `properties`, `items`, local
/// `$ref`s and the branches of `allOf`/`anyOf`/`oneOf`/`if`-`then`-`else`.
pub fn subschema_at<'a>(root: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut current = resolve(root, root);
    for segment in pointer.split('/').skip(1) {
        current = child(root, current, &unescape(segment), 4)?;
    }
    Some(current)
}

fn child<'a>(root: &'a Value, schema: &'a Value, segment: &str, depth: u8) -> Option<&'a Value> {
    let schema = resolve(root, schema);
    if let Some(found) = schema.get("properties").and_then(|p| p.get(segment)) {
        return Some(resolve(root, found));
    }
    if segment.parse::<usize>().is_ok()
        && let Some(items) = schema.get("items")
    {
        return Some(resolve(root, items));
    }
    if depth == 0 {
        return None;
    }
    let singles = ["then", "else"].into_iter().filter_map(|k| schema.get(k));
    let lists =
        ["allOf", "anyOf", "oneOf"].into_iter().filter_map(|k| schema.get(k)).filter_map(Value::as_array).flatten();
    singles.chain(lists).find_map(|branch| child(root, branch, segment, depth - 1))
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "$defs": {"date": {"type": "string", "format": "date", "title": "日付"}},
            "type": "object",
            "properties": {
                "patient": {"type": "object", "title": "利用者", "properties": {
                    "birth_date": {"$ref": "#/$defs/date", "title": "生年月日"},
                    "sex": {"title": "性別", "enum": ["男", "女"]}
                }},
                "list": {"type": "array", "items": {"title": "項目"}}
            }
        })
    }

    #[test]
    fn titles_are_found_through_refs_and_arrays() {
        let s = schema();
        assert_eq!(title_at(&s, "/patient/sex"), "性別");
        assert_eq!(title_at(&s, "/list/3"), "項目");
        assert_eq!(title_at(&s, "/unknown_key"), "unknown_key");
        assert_eq!(subschema_at(&s, "/patient/birth_date").and_then(|v| v.get("format")), Some(&json!("date")));
    }

    #[test]
    fn every_error_is_japanese_and_points_at_its_field() {
        let s = schema();
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&s)
            .unwrap_or_else(|e| panic!("{e}"));
        let instance = json!({"patient": {"birth_date": "1940-02-30", "sex": "X"}});
        let errors: Vec<FieldError> =
            validator.iter_errors(&instance).flat_map(|e| field_errors(&s, &e, "/payload")).collect();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert!(pointers.contains(&"/payload/patient/birth_date"), "{errors:?}");
        assert!(pointers.contains(&"/payload/patient/sex"), "{errors:?}");
        let sex = errors.iter().find(|e| e.pointer.ends_with("sex")).map(|e| e.message.as_str()).unwrap_or_default();
        assert_eq!(sex, "「性別」は次のいずれかを選んでください: 男、女");
    }
}
