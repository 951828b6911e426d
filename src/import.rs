//! Import of records kept outside Renkei (paper surveys, spreadsheets, the years before Renkei):
//! facilities, stays and contacts from CSV files with a header row, UTF-8 (with or without BOM)
//! or Shift_JIS. A file with bad rows is refused whole, every bad row listed by line number and
//! reason, and nothing is stored; with `skip_invalid` the good rows are imported and the bad
//! ones written to a rejects file. Importing the same file again changes nothing.

pub mod calendars;
mod directory;
pub mod rows;

use foldhash::{HashMap, HashMapExt};
use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use crate::calendar;
use crate::contacts::store::import as contacts;
use crate::db::DbConnection;
use crate::db::bulk::{self, Written};
use crate::directory::FacilityKind;
use crate::directory::store::import as facilities;
use crate::episodes::store::import as stays;
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Table {
    Facilities,
    /// The municipalities of a region and the handbook rules each has in force.
    Municipalities,
    Episodes,
    Contacts,
    /// The care offices' business calendars.
    Calendars,
    /// Japan's national holidays: the Cabinet Office's syukujitsu.csv.
    Holidays,
}

impl Table {
    fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Facilities => &rows::FACILITY_COLUMNS,
            Self::Municipalities => &rows::MUNICIPALITY_COLUMNS,
            Self::Episodes => &rows::EPISODE_COLUMNS,
            Self::Contacts => &rows::CONTACT_COLUMNS,
            Self::Calendars => &rows::CALENDAR_COLUMNS,
            Self::Holidays => &crate::holidays::COLUMNS,
        }
    }

    /// How many of the columns a file must have (the others may be left out of its end).
    fn required(self) -> usize {
        match self {
            Self::Episodes => rows::EPISODE_REQUIRED,
            Self::Facilities => rows::FACILITY_REQUIRED,
            Self::Municipalities => rows::MUNICIPALITY_REQUIRED,
            other => other.columns().len(),
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

pub use bulk::BATCH;

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
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Cow::Borrowed(text));
    }
    encoding_rs::SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes).ok_or_else(|| {
        ImportError::Unreadable("文字コードを判別できません。UTF-8 か Shift_JIS で保存してください".into())
    })
}

/// Checks the header, then gives the rows one by one: (line number, fields).
pub fn records(
    text: &str,
    table: Table,
) -> Result<impl Iterator<Item = Result<(u64, csv::StringRecord), ImportError>> + Send + '_, ImportError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::Unreadable(format!("見出し行を読めません: {e}")))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    let columns = table.columns();
    let (required, optional) = columns.split_at(table.required());
    let mut extra: Vec<&str> = header.iter().skip(required.len()).map(String::as_str).collect();
    let header_ok = header.len() >= required.len()
        && header[..required.len()] == *required
        && extra.iter().all(|column| optional.contains(column))
        && {
            extra.sort_unstable();
            extra.windows(2).all(|pair| pair[0] != pair[1])
        };
    if !header_ok {
        return Err(ImportError::Unreadable(format!(
            "見出し行が違います。必要な列: {}{}（読み取った列: {}）",
            required.join(","),
            if optional.is_empty() {
                String::new()
            } else {
                format!("（続けて省略できる列: {}）", optional.join(","))
            },
            header.join(",")
        )));
    }
    // Optional columns may come in any order, or be left out: a file that does not give them as
    // a prefix of the list has its rows put in the list's order (each column's place in the file).
    let in_order = header.iter().zip(columns).all(|(given, column)| given == column);
    let places: Option<Vec<Option<usize>>> =
        (!in_order).then(|| columns.iter().map(|column| header.iter().position(|h| h == column)).collect());
    // The line a person sees in an editor or Excel: 1 + the line breaks before the row's first
    // character, whatever the line ends (the csv crate's own count is one short with CRLF),
    // counted on from the previous row.
    let bytes = text.as_bytes();
    let (mut counted_to, mut line) = (0_usize, 1_u64);
    Ok(reader.into_records().map(move |record| {
        let record = record.map_err(|e| ImportError::Unreadable(format!("CSV として読めません: {e}")))?;
        let start = record.position().map_or(counted_to, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let mut start = start.clamp(counted_to, bytes.len());
        // With CRLF the crate places a row at the LF that ends the row before it.
        while bytes.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            start += 1;
        }
        line += bytes[counted_to..start].iter().filter(|&&b| b == b'\n').count() as u64;
        counted_to = start;
        let record = match &places {
            None => record,
            Some(places) => places.iter().map(|place| place.and_then(|i| record.get(i)).unwrap_or_default()).collect(),
        };
        Ok((line, record))
    }))
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
///
/// Stays and contacts are checked on a second thread while this one writes the rows already
/// checked (`pipelined`): at a million rows, reading and checking take about as long as a third
/// of the writing, and the machine has a second core. A bad row stops the writing (unless bad
/// rows are skipped) and the transaction is rolled back, so a refused file still stores nothing.
pub fn import(conn: &mut DbConnection, table: Table, file: &Path, skip_invalid: bool) -> Result<Outcome, ImportError> {
    let started = std::time::Instant::now();
    let bytes =
        std::fs::read(file).map_err(|e| ImportError::Unreadable(format!("{} を読めません: {e}", file.display())))?;
    bulk::prepare_for_bulk(conn)?;
    // Contacts name their stays by episode_ref: the stays are read from the database while a
    // second thread decodes the file and counts its lines.
    let (decoded, stays) = std::thread::scope(|scope| {
        let decoding = scope.spawn(|| {
            // Lines, not rows (a quoted field may hold a line break): enough for the progress bar
            // and for telling a large import from a small one.
            decode(&bytes).map(|text| {
                let lines = text.as_bytes().iter().filter(|&&b| b == b'\n').count();
                (text, lines)
            })
        });
        let stays = (table == Table::Contacts).then(|| stays::imported_episode_ids(conn)).transpose();
        (decoding.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), stays)
    });
    let (text, lines) = decoded?;
    let records = records(&text, table)?;
    tracing::debug!(elapsed = ?started.elapsed(), lines, "import: file read");
    let bar = progress(lines, "取り込み中");
    let today = calendar::today();
    let (written, rejected) = match table {
        Table::Facilities => directory::facilities(conn, records, Checked::new(skip_invalid, &bar, None))?,
        Table::Municipalities => directory::municipalities(conn, records, Checked::new(skip_invalid, &bar, None))?,
        Table::Episodes => {
            let facilities = facilities::facility_kinds(conn)?;
            let municipalities = directory::municipality_codes(conn)?;
            let known = Known { facilities: &facilities, municipalities: &municipalities };
            pipelined(
                |send| check_episodes(records, known, today, Checked::new(skip_invalid, &bar, Some(send))),
                |batches, verdict| stays::import(conn, batches, lines, verdict),
            )?
        }
        Table::Calendars => calendars::calendars(conn, records, Checked::new(skip_invalid, &bar, None))?,
        Table::Holidays => calendars::holidays(conn, records, Checked::new(skip_invalid, &bar, None))?,
        Table::Contacts => {
            let episodes = stays?.unwrap_or_default();
            pipelined(
                |send| check_contacts(records, &episodes, today, Checked::new(skip_invalid, &bar, Some(send))),
                |batches, verdict| contacts::import(conn, batches, lines, verdict),
            )?
        }
    };
    tracing::debug!(elapsed = ?started.elapsed(), "import: done");
    let Written { inserted, updated, unchanged } = written;
    Ok(Outcome { read: inserted + updated + unchanged + rejected.len(), inserted, updated, unchanged, rejected })
}

/// Runs `check` on a second thread, sending batches of good rows to `write` on this one. `write`
/// calls the function it is given once it has taken every batch: it waits for the check to
/// end and gives its result (the rejected rows and whatever else the check gathered), or the
/// refusal of the file. If `write` fails first, the check keeps no more rows (its result is then
/// not wanted).
fn pipelined<'env, R: Send, V: Send, T>(
    check: impl FnOnce(SyncSender<Vec<R>>) -> Result<V, ImportError> + Send + 'env,
    write: impl FnOnce(std::sync::mpsc::IntoIter<Vec<R>>, bulk::Verdict<'_, V, ImportError>) -> Result<T, ImportError>,
) -> Result<T, ImportError> {
    std::thread::scope(|scope| {
        // A few batches ahead at most: the rows wait in memory only briefly.
        let (send, batches) = std::sync::mpsc::sync_channel(4);
        let checking = scope.spawn(move || check(send));
        let verdict = move || checking.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        write(batches.into_iter(), Box::new(verdict))
    })
}

/// The rows of a file as they are checked: good ones collected in batches (and sent to the
/// writer, when there is one), bad ones with their reasons. Once a row is bad and bad rows are
/// not skipped, the file will be refused: good rows are no longer collected, only the bad listed.
struct Checked<'b, R> {
    skip_invalid: bool,
    bar: &'b indicatif::ProgressBar,
    send: Option<SyncSender<Vec<R>>>,
    writer_stopped: bool,
    good: Vec<R>,
    rejected: Vec<Rejected>,
}

impl<'b, R> Checked<'b, R> {
    fn new(skip_invalid: bool, bar: &'b indicatif::ProgressBar, send: Option<SyncSender<Vec<R>>>) -> Self {
        Self { skip_invalid, bar, send, writer_stopped: false, good: Vec::new(), rejected: Vec::new() }
    }

    fn pass(&mut self, row: R) {
        self.bar.inc(1);
        if !self.rejected.is_empty() && !self.skip_invalid {
            return;
        }
        if self.writer_stopped {
            return;
        }
        self.good.push(row);
        if self.good.len() == BATCH
            && let Some(send) = &self.send
            // The writer has stopped (it failed): its error is the one reported, and the rows
            // are no longer kept.
            && send.send(std::mem::take(&mut self.good)).is_err()
        {
            self.writer_stopped = true;
        }
    }

    fn reject(&mut self, line: u64, fields: &[&str], reasons: Vec<String>) {
        self.bar.inc(1);
        self.rejected.push(Rejected { line, fields: fields.iter().map(|f| (*f).to_owned()).collect(), reasons });
    }

    /// The rows not sent yet (sending them, when there is a writer) and the rejected ones; the
    /// refusal of the file when rows were bad and are not skipped.
    fn finish(mut self) -> Result<(Vec<R>, Vec<Rejected>), ImportError> {
        self.bar.finish_and_clear();
        tracing::debug!("import: rows checked");
        if !self.rejected.is_empty() && !self.skip_invalid {
            return Err(ImportError::BadRows(self.rejected));
        }
        if let Some(send) = &self.send
            && !self.good.is_empty()
        {
            // An error here means the writer has stopped; its error is the one reported.
            let _ = send.send(std::mem::take(&mut self.good));
        }
        Ok((self.good, self.rejected))
    }
}

/// What the stays of a file may name: the facilities and the municipalities registered.
#[derive(Clone, Copy)]
struct Known<'f> {
    facilities: &'f HashMap<String, (bulk::Id, FacilityKind)>,
    municipalities: &'f std::collections::BTreeSet<String>,
}

/// Checks each stay: its fields, that its facilities and its municipality are registered and
/// the facilities of the right kind, that its episode_ref is not used twice in the file. Makes
/// each good row ready to be written (`stays::StaysRead`).
fn check_episodes<'f>(
    records: impl Iterator<Item = Result<(u64, csv::StringRecord), ImportError>>,
    Known { facilities, municipalities }: Known<'f>,
    today: chrono::NaiveDate,
    mut checked: Checked<'_, stays::ImportedStay>,
) -> Result<(Vec<Rejected>, stays::StaysRead<'f>), ImportError> {
    let mut read = stays::StaysRead::new(facilities);
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in records {
        let (line, record) = record?;
        let fields: Vec<&str> = record.iter().collect();
        // Field problems and reference problems are reported together.
        let value = |i: usize| fields.get(i).map_or("", |v| v.trim());
        let mut problems = Vec::new();
        match facilities.get(value(4)) {
            _ if value(4).is_empty() => {}
            Some((_, kind)) if *kind == FacilityKind::Hospital => {}
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
        let municipality = value(10);
        problems.extend(directory::unknown_municipality(municipalities, Some(municipality).filter(|c| !c.is_empty())));
        let row = match rows::episode(&fields, today) {
            Ok(row) if problems.is_empty() => Ok(row),
            Ok(_) => Err(problems),
            Err(mut field_problems) => {
                field_problems.extend(problems);
                Err(field_problems)
            }
        };
        match row {
            Ok(row) => {
                seen.insert(row.episode_ref.clone(), line);
                checked.pass(read.take(row));
            }
            Err(reasons) => checked.reject(line, &fields, reasons),
        }
    }
    checked.finish().map(|(_, rejected)| (rejected, read))
}

/// Checks each contact: its fields, and that its stay has been imported. Numbers identical rows
/// and sums up each stay's contacts as it goes (`contacts::ContactsRead`).
fn check_contacts(
    records: impl Iterator<Item = Result<(u64, csv::StringRecord), ImportError>>,
    episodes: &HashMap<String, uuid::Uuid>,
    today: chrono::NaiveDate,
    mut checked: Checked<'_, contacts::ImportedContact>,
) -> Result<(Vec<Rejected>, contacts::ContactsRead), ImportError> {
    let mut read = contacts::ContactsRead::default();
    for record in records {
        let (line, record) = record?;
        let fields: Vec<&str> = record.iter().collect();
        let row = rows::contact(&fields, today).and_then(|row| match episodes.get(&row.episode_ref) {
            Some(stay) => Ok((*stay, row)),
            None => Err(vec![format!(
                "episode_ref: {} は取り込まれていません（先に入院データを取り込んでください）",
                row.episode_ref
            )]),
        });
        match row {
            Ok((stay, row)) => checked.pass(read.take(stay, row)),
            Err(reasons) => checked.reject(line, &fields, reasons),
        }
    }
    checked.finish().map(|(_, rejected)| (rejected, read))
}

/// Writes the rejected rows beside their reasons (UTF-8 with BOM, for Excel; no cell a
/// spreadsheet would run: the rows are what the file said).
pub fn write_rejects(path: &Path, table: Table, rejected: &[Rejected]) -> Result<(), ImportError> {
    let fail = |e: &dyn std::fmt::Display| ImportError::Unreadable(format!("{} に書けません: {e}", path.display()));
    // As wide as the widest row: a file may leave out optional columns, or a row have more.
    let width = rejected.iter().map(|r| r.fields.len()).max().unwrap_or_default().max(table.required());
    let header: Vec<String> = ["line", "reason"]
        .into_iter()
        .chain((0..width).map(|i| table.columns().get(i).copied().unwrap_or_default()))
        .map(str::to_owned)
        .collect();
    let rows = rejected.iter().map(move |row| {
        let mut cells: Vec<String> = [row.line.to_string(), row.reasons.join(" / ")].into();
        cells.extend(row.fields.iter().cloned());
        cells.resize(width + 2, String::new());
        cells
    });
    let body = crate::spreadsheet::file(std::iter::once(header).chain(rows), crate::spreadsheet::Encoding::Utf8)
        .map_err(|e| fail(&e))?;
    std::fs::write(path, body).map_err(|e| fail(&e))
}

/// Where rejected rows go by default: beside the file, `<name>.rejected.csv`.
pub fn default_rejects_path(file: &Path) -> PathBuf {
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "import".into());
    file.with_file_name(format!("{stem}.rejected.csv"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of each row as `records` reports it.
    fn lines(text: &str) -> Vec<u64> {
        records(text, Table::Facilities)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|record| record.map(|(line, _)| line).unwrap_or_else(|e| panic!("{e}")))
            .collect()
    }

    /// The fields of each row as `records` gives them: in the list's order.
    fn fields(text: &str, table: Table) -> Result<Vec<Vec<String>>, String> {
        let rows = records(text, table).map_err(|e| e.to_string())?;
        Ok(rows.map(|row| row.map(|(_, r)| r.iter().map(str::to_owned).collect()).unwrap_or_default()).collect())
    }

    #[test]
    fn optional_columns_may_be_left_out_or_come_in_any_order() {
        let required =
            "episode_ref,client_ref,care_level,care_office,hospital,admitted_on,discharged_on,destination,excluded";
        let row = "E1,C1,,K01,H01,2025-04-01,,,false";
        let text = format!("{required},municipality,admitted_at\n{row},022039,14:30\n");
        let read = fields(&text, Table::Episodes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read[0][9..], ["14:30", "022039"], "in the list's order");
        let without_time = fields(&format!("{required},municipality\n{row},022039\n"), Table::Episodes);
        assert_eq!(without_time.map(|rows| rows[0][9..].to_vec()), Ok(vec![String::new(), "022039".into()]));
        let twice = fields(&format!("{required},municipality,municipality\n{row},1,2\n"), Table::Episodes);
        assert!(twice.is_err_and(|e| e.contains("見出し行が違います")));
        let unknown = fields(&format!("{required},city\n{row},1\n"), Table::Episodes);
        assert!(unknown.is_err_and(|e| e.contains("省略できる列: admitted_at,municipality")));
    }

    #[test]
    fn rows_are_numbered_as_an_editor_shows_them_whatever_the_line_ends() {
        let rows = [
            "code,name,kind,area,in_city",
            "H1,連携病院,hospital,,true",
            "\"C1\",\"さくら\n居宅\",care_office,,true",
            "H2,別の病院,hospital,,false",
        ];
        for end in ["\n", "\r\n"] {
            let text = rows.join(end) + end;
            // The quoted field's line break makes the third row take two lines.
            assert_eq!(lines(&text), [2, 3, 5], "line ends {end:?}");
        }
        // Shift_JIS files from Excel: CRLF, decoded first.
        let sjis = encoding_rs::SHIFT_JIS.encode(&(rows.join("\r\n") + "\r\n")).0.into_owned();
        assert_eq!(lines(&decode(&sjis).unwrap_or_else(|e| panic!("{e}"))), [2, 3, 5]);
    }
}
