//! Survey outputs a city can hand in: JSON (schemas/survey/v2.json); CSV that Excel opens
//! correctly (UTF-8 with BOM, or Shift_JIS) with Japanese headers; and a self-contained HTML
//! report whose SVG charts Renkei draws itself (no CDN: hospital networks are often closed).

use serde::Deserialize;

use super::{AdmissionFigures, DischargeFigures, SurveyResult};
use crate::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Json,
    Csv,
    Html,
}

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

pub struct Rendered {
    pub content_type: &'static str,
    pub file_name: String,
    pub body: Vec<u8>,
}

fn file_stem(result: &SurveyResult) -> String {
    let by = result.group_by.map(|g| format!("-{}", <&str>::from(g))).unwrap_or_default();
    format!("renkei-survey-{}-{}{by}", result.period.from, result.period.to)
}

/// The result as JSON (schemas/survey/v2.json).
pub fn json(result: &SurveyResult) -> Result<Rendered, AppError> {
    Ok(Rendered {
        content_type: "application/json",
        file_name: format!("{}.json", file_stem(result)),
        body: serde_json::to_vec_pretty(result).map_err(anyhow::Error::from)?,
    })
}

/// The result as a CSV file.
pub fn csv_file(result: &SurveyResult, encoding: Encoding) -> Result<Rendered, AppError> {
    Ok(Rendered {
        content_type: if encoding == Encoding::ShiftJis {
            "text/csv; charset=Shift_JIS"
        } else {
            "text/csv; charset=utf-8"
        },
        file_name: format!("{}.csv", file_stem(result)),
        body: csv(result, encoding)?,
    })
}

/// The self-contained HTML report.
pub fn html(data: &super::ReportData) -> Rendered {
    Rendered {
        content_type: "text/html; charset=utf-8",
        file_name: format!("{}.html", file_stem(&data.main)),
        body: super::html::render(data).into_bytes(),
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map(|r| format!("{:.1}", r * 100.0)).unwrap_or_default()
}

fn csv_row(key: &str, label: &str, a: &AdmissionFigures, d: &DischargeFigures) -> Vec<String> {
    let t = &a.timing;
    let l = &d.lead_time;
    let mut row = vec![key.to_owned(), label.to_owned()];
    row.extend(
        [a.cohort, a.contacted]
            .iter()
            .map(ToString::to_string)
            .chain([percent(a.rate)])
            .chain([t.same_day, t.day_2_3, t.later, t.unknown, t.none, a.excluded].iter().map(ToString::to_string)),
    );
    row.extend(
        [d.cohort, d.contacted]
            .iter()
            .map(ToString::to_string)
            .chain([percent(d.rate), d.on_time.to_string(), percent(d.on_time_rate)])
            .chain(
                [
                    l.days_8_plus,
                    l.days_5_7,
                    l.days_2_4,
                    l.day_before,
                    l.same_day,
                    l.after,
                    l.unknown,
                    l.none,
                    d.died,
                    d.excluded,
                    d.in_hospital,
                ]
                .iter()
                .map(ToString::to_string),
            ),
    );
    row
}

/// Japanese headers, one row for the whole and one per group.
pub fn csv(result: &SurveyResult, encoding: Encoding) -> Result<Vec<u8>, AppError> {
    let n = result.rules.discharge_notice_min_days;
    let headers = [
        "区分コード".to_owned(),
        "区分".into(),
        "入院_対象件数".into(),
        "入院_連絡あり".into(),
        "入院時情報提供率(%)".into(),
        "入院_当日まで".into(),
        "入院_2〜3日目".into(),
        "入院_4日目以降".into(),
        "入院_日付不明".into(),
        "入院_連絡なし".into(),
        "入院_対象外".into(),
        "退院_対象件数".into(),
        "退院_連絡あり".into(),
        "退院連絡率(%)".into(),
        format!("退院_{n}日前までに連絡"),
        format!("退院{n}日前連絡率(%)"),
        "退院_8日以上前".into(),
        "退院_5〜7日前".into(),
        "退院_2〜4日前".into(),
        "退院_前日".into(),
        "退院_当日".into(),
        "退院_退院後".into(),
        "退院_日付不明".into(),
        "退院_連絡なし".into(),
        "死亡退院".into(),
        "退院_対象外".into(),
        "入院中".into(),
    ];
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Unexpected(anyhow::anyhow!("csv: {e}"));
    writer.write_record(&headers).map_err(fail)?;
    writer.write_record(csv_row("", "全体", &result.admission, &result.discharge)).map_err(fail)?;
    for group in &result.groups {
        writer.write_record(csv_row(&group.key, &group.label, &group.admission, &group.discharge)).map_err(fail)?;
    }
    let text = String::from_utf8(writer.into_inner().map_err(|e| AppError::Unexpected(anyhow::anyhow!("csv: {e}")))?)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("csv: {e}")))?;
    Ok(match encoding {
        Encoding::Utf8 => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Encoding::ShiftJis => encoding_rs::SHIFT_JIS.encode(&to_windows_glyphs(&text)).0.into_owned(),
    })
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
