//! Building the view models of a form from its schema, the current values and the errors.

use std::collections::HashMap;

use serde_json::Value;

use super::help::Help;
use super::schema::{self, Order, Shape, keyword, number, text};
use super::{Attrs, Choice, Common, FORM_ERRORS_ID, Field, FormView, Group, Kind, Node, Row, Rows, Show, SummaryItem};
use crate::calendar::JAPAN;
use crate::error::FieldError;

/// More options than this are a `<select>`, not radio buttons.
const MAX_RADIOS: usize = 8;
/// Strings that may be longer than this get a `<textarea>`.
const MAX_SINGLE_LINE: u64 = 200;

/// The form for `schema`, filled with `values` (a stored document or draft, or what was just
/// posted), with `errors` (pointers prefixed by `base`, as `Schema::validate` gives them) shown
/// next to their fields. An error whose field is not rendered goes to the nearest rendered
/// section, else to the form's own list; none is dropped.
pub fn view(schema: &Value, values: Option<&Value>, errors: &[FieldError], base: &str) -> FormView {
    let builder = Builder { root: schema, order: Order::of(schema), help: Help::of(schema) };
    let nodes = builder.object(schema, "", true, values, 0);
    let mut form = FormView {
        title: text(schema, schema, "title").unwrap_or("様式").to_owned(),
        help: builder.help.at("").map(str::to_owned),
        nodes,
        summary: Vec::new(),
        errors: Vec::new(),
        contents: Vec::new(),
    };
    attach(&mut form, errors, base);
    describe(&mut form.nodes);
    form.contents = super::contents::of(&form.nodes);
    form
}

struct Builder<'a> {
    root: &'a Value,
    order: Order,
    help: Help,
}

/// Where a node stands: its pointer, whether it is required, what shows it.
struct Place {
    name: String,
    required: bool,
    required_in_group: bool,
    show: Option<Show>,
}

impl Builder<'_> {
    /// The nodes of an object's properties. `required` says whether the object itself must be
    /// filled in (the form, or a required section of a required section).
    fn object(&self, schema: &Value, pointer: &str, required: bool, value: Option<&Value>, depth: usize) -> Vec<Node> {
        let names = schema::required(self.root, schema);
        let conditions = schema::conditions(self.root, schema);
        schema::properties(self.root, schema, &self.order)
            .into_iter()
            .map(|(key, property)| {
                let listed = names.contains(&key);
                let show = conditions.get(key).map(|(controller, values)| {
                    let values: Vec<String> = values.iter().map(|v| super::value_text(v)).collect();
                    let values_json = serde_json::to_string(&values).unwrap_or_default();
                    Show { name: format!("{pointer}/{}", schema::escape(controller)), values, values_json }
                });
                let place = Place {
                    name: format!("{pointer}/{}", schema::escape(key)),
                    required: required && listed,
                    required_in_group: listed && !required,
                    show,
                };
                self.node(property, place, value.and_then(|v| v.get(key)), depth)
            })
            .collect()
    }

    fn node(&self, schema: &Value, place: Place, value: Option<&Value>, depth: usize) -> Node {
        let common = self.common(schema, place);
        match schema::shape(self.root, schema) {
            Shape::Object => {
                let children = self.object(schema, &common.name, common.required, value, depth + 1);
                Node::Group(Group { common, depth, children })
            }
            Shape::Rows => self.rows(schema, common, value, depth),
            _ => Node::Field(self.field(schema, common, value)),
        }
    }

    fn common(&self, schema: &Value, place: Place) -> Common {
        let last = place.name.rsplit('/').next().unwrap_or_default().to_owned();
        Common {
            id: id_of(&place.name),
            label: text(self.root, schema, "title").map_or(last, str::to_owned),
            help: self.help.at(&place.name).map(str::to_owned),
            name: place.name,
            required: place.required,
            required_in_group: place.required_in_group,
            errors: Vec::new(),
            described_by: None,
            show: place.show,
        }
    }

    /// The existing rows, then blank ones: one more, and at least `minItems` (never more than
    /// `maxItems`). A blank row is dropped when the form is read back.
    fn rows(&self, schema: &Value, common: Common, value: Option<&Value>, depth: usize) -> Node {
        let null = Value::Null;
        let items = keyword(self.root, schema, "items").unwrap_or(&null);
        let existing = value.and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let min_items = keyword(self.root, schema, "minItems").and_then(Value::as_u64);
        let max_items = keyword(self.root, schema, "maxItems").and_then(Value::as_u64);
        let wanted = (existing.len() + 1).max(to_usize(min_items.unwrap_or(0)));
        let count = max_items.map_or(wanted, |max| wanted.min(to_usize(max)).max(existing.len()));
        let item_title = text(self.root, items, "title").unwrap_or(&common.label).to_owned();
        let rows = (0..count)
            .map(|index| {
                let name = format!("{}/{index}", common.name);
                let label = format!("{item_title} {}", index + 1);
                let row_value = existing.get(index);
                let children = if schema::shape(self.root, items) == Shape::Object {
                    self.object(items, &name, false, row_value, depth + 1)
                } else {
                    let place = Place { name: name.clone(), required: false, required_in_group: false, show: None };
                    let mut common = self.common(items, place);
                    common.label.clone_from(&label);
                    vec![Node::Field(self.field(items, common, row_value))]
                };
                Row { index, id: id_of(&name), name, label, children }
            })
            .collect();
        Node::Rows(Rows { common, min_items, max_items, rows })
    }

    fn field(&self, schema: &Value, common: Common, value: Option<&Value>) -> Field {
        let root = self.root;
        let shape = schema::shape(root, schema);
        let current = value.map(super::value_text).unwrap_or_default();
        let enums = schema::options(root, schema);
        let mut attrs = Attrs::default();
        let (kind, choices): (Kind, Vec<(String, String)>) = match shape {
            Shape::Const => {
                let fixed = keyword(root, schema, "const").map(super::value_text).unwrap_or_default();
                let field = Field { common, kind: Kind::Const, value: fixed, shown: None, options: Vec::new(), attrs };
                return field;
            }
            Shape::Choices => (Kind::Checkbox, enums.iter().map(|v| pair(v, None)).collect()),
            Shape::Boolean => (Kind::Radio, vec![("true".into(), "はい".into()), ("false".into(), "いいえ".into())]),
            _ if !enums.is_empty() => {
                let kind = if enums.len() > MAX_RADIOS { Kind::Select } else { Kind::Radio };
                (kind, enums.iter().map(|v| pair(v, None)).collect())
            }
            Shape::Integer | Shape::Number => {
                attrs.min = number(root, schema, "minimum").map(|n| n.to_string());
                attrs.max = number(root, schema, "maximum").map(|n| n.to_string());
                attrs.step = match (shape, number(root, schema, "multipleOf")) {
                    (_, Some(step)) => Some(step.to_string()),
                    (Shape::Integer, None) => Some("1".into()),
                    _ => Some("any".into()),
                };
                (Kind::Number, Vec::new())
            }
            _ => {
                let max_length = keyword(root, schema, "maxLength").and_then(Value::as_u64);
                attrs.maxlength = max_length.map(|n| n.to_string());
                attrs.minlength = keyword(root, schema, "minLength").and_then(Value::as_u64).map(|n| n.to_string());
                // A half-width pattern is left to the server, which reads full-width digits as
                // half-width first: the browser would refuse ０１５７ with its own message.
                attrs.pattern = text(root, schema, "pattern")
                    .filter(|_| !schema::ascii_pattern(root, schema))
                    .map(schema::html_pattern);
                let kind = match text(root, schema, "format") {
                    Some("date") => Kind::Date,
                    Some("date-time") => Kind::DatetimeLocal,
                    Some("email") => Kind::Email,
                    _ if max_length.is_some_and(|n| n > MAX_SINGLE_LINE) => Kind::Textarea,
                    _ => Kind::Text,
                };
                (kind, Vec::new())
            }
        };
        let mut options: Vec<Choice> = choices
            .into_iter()
            .enumerate()
            .map(|(i, (v, label))| {
                let checked = match value {
                    Some(Value::Array(items)) => items.iter().any(|item| super::value_text(item) == v),
                    _ => current == v,
                };
                Choice { id: format!("{}-{i}", common.id), value: v, label, checked }
            })
            .collect();
        if kind == Kind::Radio && !common.required {
            let checked = !options.iter().any(|o| o.checked);
            let id = format!("{}-{}", common.id, options.len());
            options.push(Choice { id, value: String::new(), label: "未選択".into(), checked });
        }
        let value = match kind {
            Kind::Checkbox | Kind::Radio => String::new(),
            Kind::DatetimeLocal => local_date_time(&current),
            _ => current,
        };
        Field { common, kind, value, shown: None, options, attrs }
    }
}

fn pair(value: &Value, label: Option<&str>) -> (String, String) {
    let text = super::value_text(value);
    (text.clone(), label.map_or(text, str::to_owned))
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The HTML id for a pointer: `/patient/name` → `f-patient-name`.
fn id_of(pointer: &str) -> String {
    let cleaned: String =
        pointer.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' }).collect();
    format!("f{cleaned}")
}

/// An RFC 3339 date-time as a `datetime-local` input shows it, in Japan time. The form reads
/// it back with `+09:00` (see `parse`).
fn local_date_time(value: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&JAPAN).format("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_else(|_| value.to_owned())
}

/// Puts each error next to its field, or the nearest rendered section, or at the top.
fn attach(form: &mut FormView, errors: &[FieldError], base: &str) {
    let mut anchors: HashMap<String, String> = HashMap::new();
    let mut stack: Vec<&Node> = form.nodes.iter().collect();
    while let Some(node) = stack.pop() {
        anchors.insert(node.common().name.clone(), node.anchor());
        stack.extend(node.children());
    }
    let mut messages: HashMap<String, Vec<String>> = HashMap::new();
    for error in errors {
        let relative = error.pointer.strip_prefix(base).filter(|p| p.is_empty() || p.starts_with('/'));
        let mut target = relative.unwrap_or_default();
        while !target.is_empty() && !anchors.contains_key(target) {
            target = target.rsplit_once('/').map_or("", |(parent, _)| parent);
        }
        let href = anchors.get(target).map_or(FORM_ERRORS_ID, String::as_str);
        form.summary.push(SummaryItem { message: error.message.clone(), href: format!("#{href}") });
        if target.is_empty() {
            form.errors.push(error.message.clone());
        } else {
            messages.entry(target.to_owned()).or_default().push(error.message.clone());
        }
    }
    let mut stack: Vec<&mut Node> = form.nodes.iter_mut().collect();
    while let Some(node) = stack.pop() {
        if let Some(found) = messages.remove(&node.common().name) {
            node.common_mut().errors = found;
        }
        stack.extend(node.children_mut());
    }
}

/// Fills `described_by` from the help text and errors each node shows.
fn describe(nodes: &mut [Node]) {
    for node in nodes {
        let common = node.common_mut();
        let ids: Vec<String> = [
            common.help.as_ref().map(|_| format!("{}-help", common.id)),
            (!common.errors.is_empty()).then(|| format!("{}-error", common.id)),
        ]
        .into_iter()
        .flatten()
        .collect();
        common.described_by = (!ids.is_empty()).then(|| ids.join(" "));
        match node {
            Node::Group(g) => describe(&mut g.children),
            Node::Rows(r) => r.rows.iter_mut().for_each(|row| describe(&mut row.children)),
            Node::Field(_) => {}
        }
    }
}
