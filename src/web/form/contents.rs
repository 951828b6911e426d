//! The form's table of contents: each section (a group or list at the form's top level) with how
//! far it is filled in (未記入 / 記入中 / 済) and how many errors it shows, so that a long form (the
//! 入院時情報提供書 has 16 sections) can be moved through and its gaps seen before sending. A
//! section is 済 when it holds an answer and every field it always requires is answered, 記入中
//! when it holds an answer but a required field is empty. form.js keeps the states current while
//! typing, by the same rule.

use serde::Serialize;

use super::{Field, Kind, Node, leaves};

/// How far a section is filled in.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Progress {
    Empty,
    Started,
    Done,
}

impl Progress {
    pub fn label(self) -> &'static str {
        match self {
            Self::Empty => "未記入",
            Self::Started => "記入中",
            Self::Done => "済",
        }
    }
}

/// One line of the table of contents.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Entry {
    /// The section's HTML id (the link's target).
    pub id: String,
    pub label: String,
    pub progress: Progress,
    /// `progress` in words.
    pub state: &'static str,
    /// The errors shown inside the section.
    pub errors: usize,
}

/// Forms with fewer sections than this are short enough to need no table of contents.
const MIN_SECTIONS: usize = 4;

/// The table of contents of a form's top-level nodes (empty for a short form).
pub fn of(nodes: &[Node]) -> Vec<Entry> {
    let sections: Vec<&Node> = nodes.iter().filter(|n| !matches!(n, Node::Field(_))).collect();
    if sections.len() < MIN_SECTIONS {
        return vec![];
    }
    sections
        .into_iter()
        .map(|section| {
            let fields = leaves(std::slice::from_ref(section));
            let any = fields.iter().any(|f| f.kind != Kind::Const && answered(f));
            // As the page marks them: a check-box group carries no `required` (form/fields.html).
            let missing = fields
                .iter()
                .any(|f| f.common.required && f.kind != Kind::Checkbox && f.common.show.is_none() && !answered(f));
            let progress = match (any, missing) {
                (false, _) => Progress::Empty,
                (true, true) => Progress::Started,
                (true, false) => Progress::Done,
            };
            let common = section.common();
            Entry {
                id: common.id.clone(),
                label: common.label.clone(),
                progress,
                state: progress.label(),
                errors: errors(section),
            }
        })
        .collect()
}

fn answered(field: &Field) -> bool {
    match field.kind {
        Kind::Radio | Kind::Checkbox => field.options.iter().any(|o| o.checked && !o.value.is_empty()),
        _ => !field.value.is_empty(),
    }
}

fn errors(node: &Node) -> usize {
    node.common().errors.len() + node.children().map(errors).sum::<usize>()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Progress;
    use crate::error::FieldError;

    #[test]
    fn each_section_says_how_far_it_is_filled_in_and_counts_its_errors() {
        let text = json!({"type": "string", "title": "欄"});
        let schema = json!({"type": "object", "required": ["patient", "header"], "properties": {
            "header": {"title": "記入日", "type": "object", "required": ["written_on"],
                "properties": {"written_on": {"title": "記入日", "type": "string", "format": "date"}}},
            "patient": {"title": "患者", "type": "object", "required": ["name", "sex"], "properties": {
                "name": {"title": "氏名", "type": "string"}, "sex": {"title": "性別", "type": "string", "enum": ["男", "女"]}}},
            "housing": {"title": "住環境", "type": "object", "properties": {"notes": text}},
            "wishes": {"title": "意向", "type": "object", "properties": {"patient": text}},
            "loose": {"title": "備考", "type": "string"}}});
        let values = json!({"header": {"written_on": "2026-12-07"}, "patient": {"name": "連携 花子"}, "wishes": {"patient": "自宅へ"}});
        let errors = [FieldError {
            pointer: "/payload/wishes/patient".into(),
            keyword: "maxLength".into(),
            message: "長すぎます".into(),
        }];
        let view = crate::web::form::view(&schema, Some(&values), &errors, "/payload");
        let states: Vec<(&str, Progress, usize)> =
            view.contents.iter().map(|e| (e.label.as_str(), e.progress, e.errors)).collect();
        assert_eq!(
            states,
            [
                ("記入日", Progress::Done, 0),
                ("患者", Progress::Started, 0),
                ("住環境", Progress::Empty, 0),
                ("意向", Progress::Done, 1)
            ],
            "性別 is required and empty; a loose field is no section"
        );
        assert_eq!(view.contents[1].state, "記入中");
    }
}
