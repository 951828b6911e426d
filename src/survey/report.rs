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

pub use crate::spreadsheet::Encoding;

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
        content_type: encoding.content_type(),
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
    let mut rows = vec![headers.to_vec(), csv_row("", "全体", &result.admission, &result.discharge)];
    rows.extend(result.groups.iter().map(|g| csv_row(&g.key, &g.label, &g.admission, &g.discharge)));
    crate::spreadsheet::file(rows, encoding).map_err(AppError::Unexpected)
}
