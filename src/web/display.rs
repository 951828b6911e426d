//! A stored form shown for reading (the document page and its print view): the payload walked
//! along its schema, each answer under its Japanese title, grouped in the schema's sections.
//! Only what was filled in is shown.

use serde::Serialize;
use serde_json::Value;

use crate::forms::registry::resolve;

/// One section of a form: a top-level group of the schema, or the loose answers before it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Section {
    pub title: String,
    pub rows: Vec<Row>,
}

/// One answer: its title (with the titles of the groups inside a section before it) and value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Row {
    pub label: String,
    pub value: String,
    /// Nesting depth below the section (for indentation).
    pub depth: usize,
    /// A choice among the schema's options, every option with whether it was chosen: the
    /// check-box grid of the paper form (empty for other answers).
    pub choices: Vec<Choice>,
    /// Too long to share a line of the printed sheet with another answer.
    pub wide: bool,
    /// A group's heading: the rows below it, one level deeper, are its answers.
    pub group: bool,
    /// For a group that is one item of a list (a service used, an interview): the list's title.
    pub item_of: Option<String>,
}

/// One option of a choice, as the paper form prints it: ☑ chosen, ☐ not.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub chosen: bool,
}

/// Characters of an answer (or of its options) that still share a printed line.
const NARROW_CHARS: usize = 24;

impl Row {
    /// A group's heading (no value of its own).
    fn group(label: String, depth: usize) -> Self {
        Self { label, depth, wide: true, group: true, ..Self::default() }
    }

    /// An answer, with its options when the schema lists them.
    fn answer(label: String, value: String, depth: usize, choices: Vec<Choice>) -> Self {
        let chars = if choices.is_empty() {
            value.chars().count()
        } else {
            choices.iter().map(|c| c.label.chars().count() + 2).sum()
        };
        let wide = chars > NARROW_CHARS || value.contains('\n');
        Self { label, value, depth, choices, wide, ..Self::default() }
    }
}

/// The options of a schema node listing them (`enum` of text, or a boolean as はい/いいえ), with
/// the ones in `chosen` marked.
fn choices(node: &Value, chosen: &[&Value]) -> Vec<Choice> {
    if let Some(options) = node.get("enum").and_then(Value::as_array) {
        return options
            .iter()
            .filter(|o| o.is_string())
            .map(|o| Choice { label: scalar(o), chosen: chosen.contains(&o) })
            .collect();
    }
    if node.get("type").and_then(Value::as_str) == Some("boolean") {
        return [true, false]
            .into_iter()
            .map(|b| Choice { label: scalar(&Value::Bool(b)), chosen: chosen.contains(&&Value::Bool(b)) })
            .collect();
    }
    vec![]
}

/// A file attached to a document, as the document page and its print view list it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileLine {
    pub id: uuid::Uuid,
    pub name: String,
    /// PDF, JPEG or PNG.
    pub kind: &'static str,
    /// `350 KB`, `1.2 MB`
    pub size: String,
}

/// The files attached to a document, in the order they were attached.
pub fn files(attachments: &[crate::documents::attachments::Attachment]) -> Vec<FileLine> {
    attachments
        .iter()
        .map(|a| FileLine {
            id: a.id,
            name: a.file_name.clone(),
            kind: match a.content_type.as_str() {
                "application/pdf" => "PDF",
                "image/jpeg" => "JPEG",
                "image/png" => "PNG",
                _ => "ファイル",
            },
            size: match a.size {
                0..1_000_000 => format!("{} KB", (a.size.max(1) + 999) / 1000),
                _ => format!("{:.1} MB", a.size as f64 / 1_000_000.0),
            },
        })
        .collect()
}

/// The sections of `payload`, read along `schema` (whose `$ref`s point into its `$defs`).
pub fn sections(schema: &Value, payload: &Value) -> Vec<Section> {
    let mut loose = Section { title: "基本情報".into(), rows: vec![] };
    let mut sections = vec![];
    let Some(object) = payload.as_object() else { return sections };
    for (name, value) in ordered(schema, schema, object) {
        let node = property(schema, schema, name);
        let title = title_of(node, name);
        let rows_of_objects = value.as_array().is_some_and(|items| items.iter().any(Value::is_object));
        if value.is_object() || rows_of_objects {
            let mut section = Section { title: title.clone(), rows: vec![] };
            if rows_of_objects {
                rows_of_value(schema, node, &title, value, 0, &mut section.rows);
            } else {
                rows(schema, node, value, 0, &mut section.rows);
            }
            if !section.rows.is_empty() {
                sections.push(section);
            }
        } else {
            rows_of_value(schema, node, &title, value, 0, &mut loose.rows);
        }
    }
    if !loose.rows.is_empty() {
        sections.insert(0, loose);
    }
    sections
}

fn rows(root: &Value, node: &Value, value: &Value, depth: usize, out: &mut Vec<Row>) {
    let node = resolve(root, node);
    let Some(object) = value.as_object() else { return };
    for (name, child) in ordered(root, node, object) {
        let child_node = property(root, node, name);
        let title = title_of(child_node, name);
        rows_of_value(root, child_node, &title, child, depth, out);
    }
}

fn rows_of_value(root: &Value, node: &Value, title: &str, value: &Value, depth: usize, out: &mut Vec<Row>) {
    let node = resolve(root, node);
    match value {
        Value::Object(_) => {
            let before = out.len();
            out.push(Row::group(title.to_owned(), depth));
            rows(root, node, value, depth + 1, out);
            if out.len() == before + 1 {
                out.pop();
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            let item_node = node.get("items").unwrap_or(&Value::Null);
            for (i, item) in items.iter().enumerate() {
                let heading = Row::group(format!("{title}（{}）", i + 1), depth);
                out.push(Row { item_of: Some(title.to_owned()), ..heading });
                rows(root, item_node, item, depth + 1, out);
            }
        }
        Value::Array(items) => {
            let item_node = resolve(root, node.get("items").unwrap_or(&Value::Null));
            let text: Vec<String> = items.iter().map(|item| shown(item_node, item)).collect();
            let chosen: Vec<&Value> = items.iter().collect();
            out.push(Row::answer(title.to_owned(), text.join("、"), depth, choices(item_node, &chosen)));
        }
        Value::Null => {}
        other => out.push(Row::answer(title.to_owned(), shown(node, other), depth, choices(node, &[other]))),
    }
}

/// An answer as people read it: a date in 和暦 (令和8年12月7日), a date and time with its
/// weekday (令和8年12月7日（月）14:00, in Japan's time); anything else as it is.
fn shown(node: &Value, value: &Value) -> String {
    let text = value.as_str();
    match node.get("format").and_then(Value::as_str) {
        Some("date") => match text.and_then(|t| t.parse::<chrono::NaiveDate>().ok()) {
            Some(day) => crate::survey::periods::wareki(day),
            None => scalar(value),
        },
        Some("date-time") => match text.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()) {
            Some(at) => wareki_time(&at),
            None => scalar(value),
        },
        _ => scalar(value),
    }
}

/// A moment in Japan's time, in 和暦 with its year and weekday: 令和8年12月7日（月）14:00.
pub fn wareki_time(at: &chrono::DateTime<chrono::FixedOffset>) -> String {
    let local = crate::calendar::in_japan(at.naive_utc());
    let day = crate::calendar::japan_date_of(*at);
    format!("{}（{}）{}", crate::survey::periods::wareki(day), crate::calendar::weekday(day), local.format("%H:%M"))
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "はい".into(),
        Value::Bool(false) => "いいえ".into(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The members of `object` in the order the schema lists its properties, then any others.
fn ordered<'a>(root: &Value, node: &Value, object: &'a serde_json::Map<String, Value>) -> Vec<(&'a String, &'a Value)> {
    let node = resolve(root, node);
    let order: Vec<&String> =
        node.get("properties").and_then(Value::as_object).map(|p| p.keys().collect()).unwrap_or_default();
    let mut members: Vec<(&String, &Value)> = object.iter().collect();
    members.sort_by_key(|(name, _)| order.iter().position(|o| o == name).unwrap_or(usize::MAX));
    members
}

fn property<'a>(root: &'a Value, node: &'a Value, name: &str) -> &'a Value {
    resolve(root, node).get("properties").and_then(|p| p.get(name)).unwrap_or(&Value::Null)
}

fn title_of(node: &Value, name: &str) -> String {
    node.get("title").and_then(Value::as_str).unwrap_or(name).to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn answers_appear_under_their_titles_in_schema_order() {
        let schema = json!({
            "properties": {
                "date": {"title": "記入日", "type": "string", "format": "date"},
                "at": {"title": "開催日時", "type": "string", "format": "date-time"},
                "birth": {"title": "生年月日", "type": "string", "format": "date"},
                "patient": {"title": "患者", "$ref": "#/$defs/person"},
                "criteria": {"title": "該当項目", "type": "array"}
            },
            "$defs": {"person": {"properties": {"name": {"title": "氏名"}, "alone": {"title": "独居"}}}}
        });
        let payload = json!({"criteria": ["排泄", "食事"], "patient": {"alone": true, "name": "連携 花子"}, "date": "2026-11-20", "at": "2026-12-07T05:00:00Z", "birth": "1940-02-11"});
        let sections = super::sections(&schema, &payload);
        assert_eq!(sections[0].title, "基本情報");
        let values: Vec<(&str, &str)> = sections[0].rows.iter().map(|r| (r.label.as_str(), r.value.as_str())).collect();
        assert_eq!(
            values,
            [
                ("記入日", "令和8年11月20日"),
                ("開催日時", "令和8年12月7日（月）14:00"),
                ("生年月日", "昭和15年2月11日"),
                ("該当項目", "排泄、食事")
            ],
            "dates in 和暦, a date and time in Japan's time with its weekday"
        );
        assert_eq!(sections[1].title, "患者");
        assert_eq!((sections[1].rows[0].label.as_str(), sections[1].rows[0].value.as_str()), ("氏名", "連携 花子"));
        assert_eq!(sections[1].rows[1].value, "はい");
    }
}
