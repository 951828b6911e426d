//! The print view's layout: a form's answers (`display::sections`) set as the national paper
//! forms set them, so that a sheet prints on as few A4 pages as its paper form has. A group of
//! answers is boxed with its title on its left; answers sharing their options (移動, 移乗, 更衣 …
//! each 自立 / 見守り / 一部介助 / 全介助) form one grid with a column per option; the items of a
//! list (the services used, the interviews) form a table with a line per item; short answers
//! share a line three to a line, longer ones two, long ones take the line.

use serde::Serialize;

use super::display::{Choice, Row, Section};

/// One section of the printed sheet: numbered with its title above it, or (`number` none) a box
/// of short sections, each a group titled on its left, as the paper forms set their heads.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SheetSection {
    pub number: Option<usize>,
    pub title: String,
    pub blocks: Vec<Block>,
}

/// How much of a line an answer takes: a third, a half or all of it.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Width {
    Third,
    Half,
    Whole,
}

/// One part of a section, as the paper form draws it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "block", rename_all = "snake_case")]
pub enum Block {
    /// One answer under its title; a choice shows every option with its box.
    Answer { label: String, value: String, choices: Vec<Choice>, width: Width },
    /// Answers boxed together under the group's title, on their left.
    Group { label: String, blocks: Vec<Block> },
    /// Answers sharing their options: a line each, a column per option, the chosen one ticked.
    /// Long grids are set in two halves side by side.
    Grid { options: Vec<String>, halves: Vec<Vec<GridLine>> },
    /// The items of a list: a line each, a column per answer.
    Table { label: Option<String>, columns: Vec<String>, lines: Vec<Vec<String>> },
}

/// One line of a grid: the answer's title and, per option, whether it was chosen.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GridLine {
    pub label: String,
    pub chosen: Vec<bool>,
}

/// Characters an answer (its title and its value) may have and still share a line three ways.
const THIRD_CHARS: usize = 20;
/// Characters an answer (its title and its value) may have and still share a line two ways.
const HALF_CHARS: usize = 34;
/// Answers sharing their options that are set as a grid rather than one by one.
const GRID_LINES: usize = 3;
/// Grid lines beyond which the grid is set in two halves side by side.
const GRID_HALVES: usize = 6;

/// The sections of a form, laid out for the printed sheet.
pub fn layout(sections: Vec<Section>) -> Vec<SheetSection> {
    let mut out: Vec<SheetSection> = vec![];
    let mut number = 0;
    for section in sections {
        let mut blocks = blocks(tree(&section.rows));
        if let [Block::Table { label, .. }] = blocks.as_mut_slice()
            && label.as_deref() == Some(section.title.as_str())
        {
            *label = None;
        }
        if one_line(&blocks) {
            for block in &mut blocks {
                if let Block::Answer { label, .. } = block
                    && *label == section.title
                {
                    label.clear();
                }
            }
            let group = Block::Group { label: section.title, blocks };
            match out.last_mut() {
                Some(last) if last.number.is_none() => last.blocks.push(group),
                _ => out.push(SheetSection { number: None, title: String::new(), blocks: vec![group] }),
            }
        } else {
            number += 1;
            out.push(SheetSection { number: Some(number), title: section.title, blocks });
        }
    }
    out
}

/// Whether a section's answers fit on one line of the sheet (and need no heading of their own).
fn one_line(blocks: &[Block]) -> bool {
    let sixths: Option<usize> = blocks
        .iter()
        .map(|block| match block {
            Block::Answer { width: Width::Third, .. } => Some(2),
            Block::Answer { width: Width::Half, .. } => Some(3),
            Block::Answer { width: Width::Whole, .. } => Some(6),
            _ => None,
        })
        .sum();
    sixths.is_some_and(|sixths| sixths <= 6)
}

/// A row with the rows one level deeper that follow it (a group's answers).
struct Node {
    row: Row,
    children: Vec<Node>,
}

/// The flat rows of a section (each with its depth) as a tree of groups and answers.
fn tree(rows: &[Row]) -> Vec<Node> {
    let mut nodes = vec![];
    let mut rest = rows;
    while let Some((first, after)) = rest.split_first() {
        let inside = after.iter().take_while(|r| r.depth > first.depth).count();
        let children = if first.group { tree(&after[..inside]) } else { vec![] };
        nodes.push(Node { row: first.clone(), children });
        rest = &after[inside..];
    }
    nodes
}

fn blocks(nodes: Vec<Node>) -> Vec<Block> {
    let mut out: Vec<Block> = vec![];
    let mut nodes = nodes.into_iter().peekable();
    while let Some(node) = nodes.next() {
        if let Some(list) = node.row.item_of.clone().filter(|_| flat(&node)) {
            let mut items = vec![node];
            while let Some(next) = nodes.next_if(|n| n.row.item_of.as_ref() == Some(&list) && flat(n)) {
                items.push(next);
            }
            out.push(table(list, items));
        } else if node.row.group {
            out.extend(group(node));
        } else {
            out.push(answer(node.row));
        }
    }
    grids(out)
}

/// A group of answers boxed under its title. A group of one answer is that answer under the
/// group's title, and an answer titled as its group shows no title of its own (障害高齢者の日常生活
/// 自立度 › 障害高齢者の日常生活自立度), as the paper form sets them.
fn group(node: Node) -> Option<Block> {
    let Node { row, mut children } = node;
    if let [only] = children.as_mut_slice()
        && !only.row.group
    {
        return Some(answer(Row { label: row.label, ..only.row.clone() }));
    }
    for child in &mut children {
        if child.row.label == row.label {
            child.row.label.clear();
        }
    }
    let inner = blocks(children);
    (!inner.is_empty()).then_some(Block::Group { label: row.label, blocks: inner })
}

/// A list item whose answers are all plain (no group inside): a line of a table.
fn flat(node: &Node) -> bool {
    node.children.iter().all(|c| !c.row.group)
}

/// The items of a list as a table: a column per answer any item has, in the order they come.
fn table(label: String, items: Vec<Node>) -> Block {
    let mut columns: Vec<String> = vec![];
    for child in items.iter().flat_map(|item| &item.children) {
        if !columns.contains(&child.row.label) {
            columns.push(child.row.label.clone());
        }
    }
    let lines = items
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|column| {
                    item.children
                        .iter()
                        .find(|c| &c.row.label == column)
                        .map(|c| c.row.value.clone())
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    Block::Table { label: Some(label), columns, lines }
}

fn answer(row: Row) -> Block {
    let value_chars = if row.choices.is_empty() {
        row.value.chars().count()
    } else {
        row.choices.iter().map(|c| c.label.chars().count() + 2).sum()
    };
    let chars = value_chars + row.label.chars().count();
    let width = if row.wide || row.value.contains('\n') || chars > HALF_CHARS {
        Width::Whole
    } else if chars <= THIRD_CHARS {
        Width::Third
    } else {
        Width::Half
    };
    Block::Answer { label: row.label, value: row.value, choices: row.choices, width }
}

/// Runs of answers offering the same options, set as grids.
fn grids(blocks: Vec<Block>) -> Vec<Block> {
    let mut out = vec![];
    let mut run: Vec<Block> = vec![];
    let flush = |run: &mut Vec<Block>, out: &mut Vec<Block>| {
        if run.len() >= GRID_LINES {
            out.push(grid(std::mem::take(run)));
        } else {
            out.append(run);
        }
    };
    for block in blocks {
        let joins = match (&block, run.first()) {
            (Block::Answer { choices, .. }, Some(first)) => options(first) == Some(labels(choices)),
            (Block::Answer { choices, .. }, None) => choices.len() >= 3,
            _ => false,
        };
        if !joins {
            flush(&mut run, &mut out);
        }
        if matches!(&block, Block::Answer { choices, .. } if choices.len() >= 3) {
            run.push(block);
        } else {
            out.push(block);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn labels(choices: &[Choice]) -> Vec<String> {
    choices.iter().map(|c| c.label.clone()).collect()
}

fn options(block: &Block) -> Option<Vec<String>> {
    match block {
        Block::Answer { choices, .. } => Some(labels(choices)),
        _ => None,
    }
}

fn grid(run: Vec<Block>) -> Block {
    let options = options(&run[0]).unwrap_or_default();
    let lines: Vec<GridLine> = run
        .into_iter()
        .filter_map(|block| match block {
            Block::Answer { label, choices, .. } => {
                Some(GridLine { label, chosen: choices.iter().map(|c| c.chosen).collect() })
            }
            _ => None,
        })
        .collect();
    let halves = if lines.len() > GRID_HALVES {
        let mut first = lines;
        let second = first.split_off(first.len().div_ceil(2));
        vec![first, second]
    } else {
        vec![lines]
    };
    Block::Grid { options, halves }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{Block, Width, layout};
    use crate::web::display::sections;

    #[test]
    fn the_paper_forms_grid_table_and_boxed_groups() {
        let level = json!({"type": "string", "enum": ["自立", "見守り", "一部介助", "全介助"]});
        let schema = json!({"properties": {
            "adl": {"title": "身体・生活機能", "type": "object", "properties": {
                "walk": {"title": "移動", "$ref": "#/$defs/level"}, "bath": {"title": "入浴", "$ref": "#/$defs/level"},
                "eat": {"title": "食事", "$ref": "#/$defs/level"},
                "ulcer": {"title": "褥瘡", "type": "object", "properties": {
                    "present": {"title": "有無", "type": "boolean"}, "where": {"title": "部位"}}},
                "services": {"title": "利用していたサービス", "type": "array", "items": {"type": "object", "properties": {
                    "type": {"title": "種別"}, "office": {"title": "事業所名"}}}},
                "notes": {"title": "特記事項"}}}},
            "$defs": {"level": level}});
        let payload = json!({"adl": {"walk": "見守り", "bath": "全介助", "eat": "自立",
            "ulcer": {"present": true, "where": "仙骨部"},
            "services": [{"type": "通所介護", "office": "デイサービスれんけい"}, {"type": "福祉用具貸与"}],
            "notes": "夜間にトイレへ行く際の見守りが必要で、家族が交代で対応している。"}});
        let sheet = layout(sections(&schema, &payload));
        let blocks = &sheet[0].blocks;
        let Block::Grid { options, halves } = &blocks[0] else { panic!("a grid first: {blocks:?}") };
        assert_eq!(options, &["自立", "見守り", "一部介助", "全介助"]);
        let ticks: Vec<(&str, Vec<bool>)> = halves[0].iter().map(|l| (l.label.as_str(), l.chosen.clone())).collect();
        assert_eq!(ticks[1], ("入浴", vec![false, false, false, true]), "each line ticks its answer");
        let Block::Group { label, blocks: inner } = &blocks[1] else { panic!("then the group: {blocks:?}") };
        assert_eq!(label, "褥瘡");
        assert!(
            matches!(&inner[0], Block::Answer { label, width: Width::Third, .. } if label == "有無"),
            "a short answer takes a third of the line: {inner:?}"
        );
        let Block::Table { label, columns, lines } = &blocks[2] else { panic!("then the list: {blocks:?}") };
        assert_eq!(label.as_deref(), Some("利用していたサービス"));
        assert_eq!(columns, &["種別", "事業所名"]);
        assert_eq!(lines[1], ["福祉用具貸与", ""], "an item without an answer keeps its column empty");
        assert!(matches!(&blocks[3], Block::Answer { width: Width::Whole, .. }), "a long answer takes the line");
    }

    #[test]
    fn short_sections_share_one_box_and_the_others_are_numbered() {
        let schema = json!({"properties": {
            "header": {"title": "記入日", "type": "object", "properties": {"written_on": {"title": "記入日"}}},
            "facility": {"title": "入院先", "type": "object", "properties": {"name": {"title": "医療機関名"}, "ward": {"title": "病棟"}}},
            "wishes": {"title": "受け止め/意向", "type": "object", "properties": {
                "patient": {"title": "本人"}, "family": {"title": "家族"}}}}});
        let payload = json!({"header": {"written_on": "2026-12-07"}, "facility": {"name": "連携病院", "ward": "3階東"},
            "wishes": {"patient": "自宅に帰って畑仕事を続けたい。階段の上り下りに自信がない。", "family": "できる限り自宅で過ごさせたい。"}});
        let sheet = layout(sections(&schema, &payload));
        assert_eq!(sheet.len(), 2, "{sheet:?}");
        assert_eq!(sheet[0].number, None, "the short ones without a heading of their own");
        let titles: Vec<&str> = sheet[0]
            .blocks
            .iter()
            .map(|b| match b {
                Block::Group { label, .. } => label.as_str(),
                other => panic!("each short section a group titled on its left: {other:?}"),
            })
            .collect();
        assert_eq!(titles, ["記入日", "入院先"]);
        let Block::Group { blocks: date, .. } = &sheet[0].blocks[0] else { unreachable!() };
        assert!(matches!(&date[0], Block::Answer { label, .. } if label.is_empty()), "記入日 once: {date:?}");
        assert_eq!((sheet[1].number, sheet[1].title.as_str()), (Some(1), "受け止め/意向"));
    }
}
