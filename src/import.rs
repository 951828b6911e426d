//! Import of records kept outside Renkei (paper surveys, spreadsheets, the years before Renkei):
//! facilities, stays and contacts from CSV files with a header row, UTF-8 (with or without BOM)
//! or Shift_JIS. A file with bad rows is refused whole, every bad row listed by line number and
//! reason, and nothing is stored; with `skip_invalid` the good rows are imported and the bad
//! ones written to a rejects file. Importing the same file again changes nothing.

mod bulk;
pub mod rows;
pub mod store;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::calendar;
use crate::db::DbConnection;
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Table {
    Facilities,
    Episodes,
    Contacts,
}

impl Table {
    fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Facilities => &rows::FACILITY_COLUMNS,
            Self::Episodes => &rows::EPISODE_COLUMNS,
            Self::Contacts => &rows::CONTACT_COLUMNS,
        }
    }
}

/// A row that was not imported: its line in the file, its fields, and why.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub line: u64,
    pub fields: Vec<String>,
    pub reasons: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub read: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: Vec<Rejected>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Unreadable(String),
    #[error("{} 行に誤りがあるため、何も取り込みませんでした（--skip-invalid で正しい行だけを取り込めます）", .0.len())]
    BadRows(Vec<Rejected>),
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<diesel::result::Error> for ImportError {
    fn from(error: diesel::result::Error) -> Self {
        Self::App(error.into())
    }
}

/// UTF-8 (a BOM is dropped) or, failing that, Shift_JIS; anything else is refused.
pub fn decode(bytes: &[u8]) -> Result<String, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or_else(|| {
            ImportError::Unreadable("文字コードを判別できません。UTF-8 か Shift_JIS で保存してください".into())
        })
}

/// Reads the header and the rows: (line number, fields) of each row.
pub fn records(text: &str, table: Table) -> Result<Vec<(u64, Vec<String>)>, ImportError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::Unreadable(format!("見出し行を読めません: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if header != table.columns() {
        return Err(ImportError::Unreadable(format!(
            "見出し行が違います。必要な列: {}（読み取った列: {}）",
            table.columns().join(","),
            header.join(",")
        )));
    }
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| ImportError::Unreadable(format!("CSV として読めません: {e}")))?;
            let line = record.position().map_or(0, |p| p.line());
            Ok((line, record.iter().map(str::to_owned).collect()))
        })
        .collect()
}

fn progress(total: usize, what: &str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} 行 ({per_sec}, 残り {eta})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// Imports `file` into `table`.
pub fn import(conn: &mut DbConnection, table: Table, file: &Path, skip_invalid: bool) -> Result<Outcome, ImportError> {
    let started = std::time::Instant::now();
    let bytes =
        std::fs::read(file).map_err(|e| ImportError::Unreadable(format!("{} を読めません: {e}", file.display())))?;
    store::prepare_for_bulk(conn)?;
    let records = records(&decode(&bytes)?, table)?;
    tracing::debug!(elapsed = ?started.elapsed(), rows = records.len(), "import: file read");
    let bar = progress(records.len(), "確認中");
    let today = calendar::today();
    let mut rejected = Vec::new();
    let mut reject = |line: u64, fields: &[String], reasons: Vec<String>| {
        rejected.push(Rejected { line, fields: fields.to_vec(), reasons })
    };
    let outcome = match table {
        Table::Facilities => {
            let mut good = Vec::new();
            let mut seen: HashMap<String, u64> = HashMap::new();
            for (line, fields) in &records {
                bar.inc(1);
                match rows::facility(fields) {
                    Ok(row) => match seen.insert(row.code.clone(), *line) {
                        Some(first) => {
                            reject(*line, fields, vec![format!("code: {} は {first} 行目と重複しています", row.code)])
                        }
                        None => good.push(row),
                    },
                    Err(reasons) => reject(*line, fields, reasons),
                }
            }
            finish(&bar, rejected, skip_invalid, |rejected| store::facilities(conn, &good, rejected))?
        }
        Table::Episodes => {
            let facilities = store::facility_kinds(conn)?;
            let mut good = Vec::new();
            let mut seen: HashMap<String, u64> = HashMap::new();
            for (line, fields) in &records {
                bar.inc(1);
                // Field problems and reference problems are reported together.
                let value = |i: usize| fields.get(i).map_or("", |v| v.trim());
                let mut problems = Vec::new();
                match facilities.get(value(4)) {
                    _ if value(4).is_empty() => {}
                    Some((_, kind)) if *kind == crate::directory::FacilityKind::Hospital => {}
                    Some(_) => problems.push(format!("hospital: {} は医療機関ではありません", value(4))),
                    None => problems.push(format!("hospital: 事業所コード {} は登録されていません", value(4))),
                }
                match facilities.get(value(3)) {
                    _ if value(3).is_empty() => {}
                    Some((_, kind)) if kind.is_care_side() => {}
                    Some(_) => problems.push(format!("care_office: {} は居宅介護支援事業所等ではありません", value(3))),
                    None => problems.push(format!("care_office: 事業所コード {} は登録されていません", value(3))),
                }
                if let Some(first) = seen.get(value(0)) {
                    problems.push(format!("episode_ref: {} は {first} 行目と重複しています", value(0)));
                }
                let row = match rows::episode(fields, today) {
                    Ok(row) if problems.is_empty() => Ok(row),
                    Ok(_) => Err(problems),
                    Err(mut field_problems) => {
                        field_problems.extend(problems);
                        Err(field_problems)
                    }
                };
                match row {
                    Ok(row) => {
                        seen.insert(row.episode_ref.clone(), *line);
                        good.push(row);
                    }
                    Err(reasons) => reject(*line, fields, reasons),
                }
            }
            finish(&bar, rejected, skip_invalid, |rejected| store::episodes(conn, &good, &facilities, rejected))?
        }
        Table::Contacts => {
            let episodes = store::imported_episode_ids(conn)?;
            let mut good = Vec::new();
            for (line, fields) in &records {
                bar.inc(1);
                let row = rows::contact(fields, today).and_then(|row| match episodes.get(&row.episode_ref) {
                    Some(id) => Ok((id.clone(), row)),
                    None => Err(vec![format!(
                        "episode_ref: {} は取り込まれていません（先に入院データを取り込んでください）",
                        row.episode_ref
                    )]),
                });
                match row {
                    Ok(row) => good.push(row),
                    Err(reasons) => reject(*line, fields, reasons),
                }
            }
            finish(&bar, rejected, skip_invalid, |rejected| store::contacts(conn, &good, rejected))?
        }
    };
    tracing::debug!(elapsed = ?started.elapsed(), "import: written");
    if outcome.inserted + outcome.updated > 0 {
        store::analyze(conn)?;
    }
    tracing::debug!(elapsed = ?started.elapsed(), "import: done");
    Ok(Outcome { read: records.len(), ..outcome })
}

/// Refuses the whole file when rows were bad (unless told to skip them), else writes.
fn finish(
    bar: &indicatif::ProgressBar,
    rejected: Vec<Rejected>,
    skip_invalid: bool,
    write: impl FnOnce(Vec<Rejected>) -> Result<Outcome, ImportError>,
) -> Result<Outcome, ImportError> {
    bar.finish_and_clear();
    tracing::debug!("import: rows checked");
    if !rejected.is_empty() && !skip_invalid {
        return Err(ImportError::BadRows(rejected));
    }
    write(rejected)
}

/// Writes the rejected rows beside their reasons (UTF-8 with BOM, for Excel).
pub fn write_rejects(path: &Path, table: Table, rejected: &[Rejected]) -> Result<(), ImportError> {
    let fail = |e: &dyn std::fmt::Display| ImportError::Unreadable(format!("{} に書けません: {e}", path.display()));
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = ["line", "reason"].into_iter().chain(table.columns().iter().copied()).collect();
    writer.write_record(&header).map_err(|e| fail(&e))?;
    for row in rejected {
        let record: Vec<String> =
            [row.line.to_string(), row.reasons.join(" / ")].into_iter().chain(row.fields.iter().cloned()).collect();
        writer.write_record(&record).map_err(|e| fail(&e))?;
    }
    let body = writer.into_inner().map_err(|e| fail(&e))?;
    std::fs::write(path, [b"\xEF\xBB\xBF".as_slice(), &body].concat()).map_err(|e| fail(&e))
}

/// Where rejected rows go by default: beside the file, `<name>.rejected.csv`.
pub fn default_rejects_path(file: &Path) -> PathBuf {
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "import".into());
    file.with_file_name(format!("{stem}.rejected.csv"))
}
