//! The form engine: a document's JSON Schema rendered as a Japanese HTML form, and the posted
//! form turned back into the document's JSON.
//!
//! [`view`] builds a tree of view models ([`FormView`]) from the schema, the current values and
//! the field errors; `templates/form/fields.html` renders it (macro `form(view)`, recursive macro
//! `fields(node)`); [`parse`] reads the posted `application/x-www-form-urlencoded` pairs back.
//! Every input is named by its field's JSON pointer relative to the payload
//! (`/patient/name`, `/care_services/services/0/provider`; a check-box group repeats its name).

mod contents;
mod help;
mod parse;
mod schema;
mod view;

use serde::Serialize;
use serde_json::Value;

use crate::error::FieldError;

pub use parse::parse;
pub use view::view;

/// The form's script: conditional fields, adding a row, focus on the first error. Serve it as a
/// file (`<script src=… defer>`): the pages' Content-Security-Policy allows no inline script.
pub const SCRIPT: &str = include_str!("static/form.js");
/// The form's style sheet, scoped under `.renkei-form`.
pub const STYLE: &str = include_str!("static/form.css");

/// Adds `form/fields.html` to `env`. Use it as
/// `{% import "form/fields.html" as f %}<form method="post">{{ f.form(view) }}…</form>`.
pub fn add_templates(env: &mut minijinja::Environment<'static>) -> Result<(), minijinja::Error> {
    env.add_template("form/fields.html", include_str!("templates/form/fields.html"))
}

/// A whole form, ready for the template.
#[derive(Debug, Clone, Serialize)]
pub struct FormView {
    pub title: String,
    pub help: Option<String>,
    pub nodes: Vec<Node>,
    /// Every error, in the order given, as a link to where it is shown (the error summary).
    pub summary: Vec<SummaryItem>,
    /// Errors that belong to no rendered field or section: shown at the top of the form.
    pub errors: Vec<String>,
    /// The sections with their states, for a long form (`contents`).
    pub contents: Vec<contents::Entry>,
}

/// The anchor of the form-level error list.
pub const FORM_ERRORS_ID: &str = "renkei-form-errors";

#[derive(Debug, Clone, Serialize)]
pub struct SummaryItem {
    pub message: String,
    /// `#` and the id of the input (or section) that shows the error.
    pub href: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "node", rename_all = "snake_case")]
pub enum Node {
    /// An object: a `<fieldset>` with its title as legend.
    Group(Group),
    /// An array of objects or of free values: repeatable rows.
    Rows(Rows),
    /// One input, or one group of radio buttons or check boxes.
    Field(Field),
}

/// What every node has.
#[derive(Debug, Clone, Serialize)]
pub struct Common {
    /// The HTML id of the node's element (`f-patient-name`).
    pub id: String,
    /// The JSON pointer relative to the payload: the input's `name`.
    pub name: String,
    pub label: String,
    pub help: Option<String>,
    /// Required wherever it is: the input carries `required`.
    pub required: bool,
    /// Required once its section (an optional object or a row) is filled in at all.
    pub required_in_group: bool,
    /// The Japanese error messages shown next to it.
    pub errors: Vec<String>,
    /// The ids the input's `aria-describedby` names (help text, errors).
    pub described_by: Option<String>,
    /// Shown only when a sibling has one of some values (the schema's `if`/`then`).
    pub show: Option<Show>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Show {
    /// The input name of the controlling field.
    pub name: String,
    /// The values (as posted) that show this node.
    pub values: Vec<String>,
    /// `values` as JSON, for the `data-show-values` attribute.
    pub values_json: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    #[serde(flatten)]
    pub common: Common,
    /// 0 for the form's sections, 1 inside them, …
    pub depth: usize,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rows {
    #[serde(flatten)]
    pub common: Common,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub index: usize,
    /// The row's id prefix (`f-care_services-services-0`).
    pub id: String,
    /// The row's pointer (`/care_services/services/0`): every name inside starts with it.
    pub name: String,
    /// 「サービス 1」.
    pub label: String,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Text,
    Textarea,
    Email,
    Number,
    Date,
    DatetimeLocal,
    Radio,
    Select,
    Checkbox,
    /// A fixed value: shown as text and posted as a hidden input.
    Const,
}

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    #[serde(flatten)]
    pub common: Common,
    pub kind: Kind,
    /// The current value as the input shows it (empty for radio and check-box groups: see
    /// `options`).
    pub value: String,
    /// How a fixed value reads, when not as posted (a birth date in 和暦).
    pub shown: Option<String>,
    pub options: Vec<Choice>,
    pub attrs: Attrs,
}

/// A value the form shows but does not let anyone type: it comes from a record kept elsewhere
/// (the client record's 氏名, 生年月日 …). `pointer` names the field, `value` is posted, `shown`
/// is what people read.
pub struct Fixed {
    pub pointer: &'static str,
    pub value: String,
    pub shown: String,
}

/// Makes the fields `fixed` names fixed values (shown as text, posted as hidden inputs), whatever
/// the draft held; a field the form does not have is left out.
pub fn fix(view: &mut FormView, fixed: &[Fixed]) {
    fn walk(nodes: &mut [Node], fixed: &[Fixed]) {
        for node in nodes {
            if let Node::Field(field) = node {
                if let Some(f) = fixed.iter().find(|f| f.pointer == field.common.name) {
                    field.kind = Kind::Const;
                    field.value = f.value.clone();
                    field.shown = Some(f.shown.clone());
                    field.options.clear();
                }
            } else {
                let mut children: Vec<&mut Node> = node.children_mut().collect();
                for child in &mut children {
                    walk(std::slice::from_mut(*child), fixed);
                }
            }
        }
    }
    walk(&mut view.nodes, fixed);
    view.contents = contents::of(&view.nodes);
}

#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub id: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// HTML constraint attributes, as attribute text.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Attrs {
    pub pattern: Option<String>,
    pub minlength: Option<String>,
    pub maxlength: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub step: Option<String>,
}

impl Node {
    pub fn common(&self) -> &Common {
        match self {
            Self::Group(g) => &g.common,
            Self::Rows(r) => &r.common,
            Self::Field(f) => &f.common,
        }
    }

    pub fn common_mut(&mut self) -> &mut Common {
        match self {
            Self::Group(g) => &mut g.common,
            Self::Rows(r) => &mut r.common,
            Self::Field(f) => &mut f.common,
        }
    }

    /// The nodes directly inside this one.
    pub fn children(&self) -> Box<dyn Iterator<Item = &Node> + '_> {
        match self {
            Self::Group(g) => Box::new(g.children.iter()),
            Self::Rows(r) => Box::new(r.rows.iter().flat_map(|row| row.children.iter())),
            Self::Field(_) => Box::new(std::iter::empty()),
        }
    }

    pub fn children_mut(&mut self) -> Box<dyn Iterator<Item = &mut Node> + '_> {
        match self {
            Self::Group(g) => Box::new(g.children.iter_mut()),
            Self::Rows(r) => Box::new(r.rows.iter_mut().flat_map(|row| row.children.iter_mut())),
            Self::Field(_) => Box::new(std::iter::empty()),
        }
    }

    /// The id a link to this node's errors goes to: the first input of a field.
    pub fn anchor(&self) -> String {
        match self {
            Self::Field(f) => f.options.first().map_or_else(|| f.common.id.clone(), |o| o.id.clone()),
            other => other.common().id.clone(),
        }
    }
}

/// Every field of the form, depth first.
pub fn leaves(nodes: &[Node]) -> Vec<&Field> {
    let mut out = Vec::new();
    let mut stack: Vec<&Node> = nodes.iter().rev().collect();
    while let Some(node) = stack.pop() {
        match node {
            Node::Field(f) => out.push(f),
            other => {
                let children: Vec<&Node> = other.children().collect();
                stack.extend(children.into_iter().rev());
            }
        }
    }
    out
}

/// The pairs a browser posts for this form as it stands: what the user would send without
/// changing anything (text inputs even when empty, the checked radio button and check boxes,
/// the selected option).
pub fn pairs(view: &FormView) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for field in leaves(&view.nodes) {
        let name = &field.common.name;
        match field.kind {
            Kind::Radio | Kind::Checkbox => {
                let checked = field.options.iter().filter(|o| o.checked);
                out.extend(checked.map(|o| (name.clone(), o.value.clone())));
            }
            _ => out.push((name.clone(), field.value.clone())),
        }
    }
    out
}

/// Errors found by [`parse`] carry pointers relative to the payload; this puts them under the
/// payload's place in the request (`base`, e.g. `/payload`) like `Schema::validate` does.
pub fn rebase(errors: Vec<FieldError>, base: &str) -> Vec<FieldError> {
    errors.into_iter().map(|e| FieldError { pointer: format!("{base}{}", e.pointer), ..e }).collect()
}

/// The text an input shows for a JSON value.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests;
