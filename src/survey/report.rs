//! Survey outputs a city can hand in: JSON (schemas/survey/v4.json); CSV that Excel opens
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

/// The result as JSON (schemas/survey/v4.json).
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
    for method in [&a.method, &d.method] {
        row.extend(method.entries().iter().map(|(_, n)| n.to_string()));
    }
    row
}

/// The channels' headers of one side (入院 or 退院), in the order of `Channels::entries`.
fn method_headers(side: &str) -> Vec<String> {
    super::beyond_rates::Channels::default()
        .entries()
        .iter()
        .map(|(method, _)| format!("{side}_方法_{}", method.label()))
        .collect()
}

/// Hours or days with one decimal; an empty cell for none.
fn one_decimal_cell(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.1}")).unwrap_or_default()
}

/// The figures beyond the rates, each a table of its own after an empty line: speed per
/// document kind, participation per facility kind, the patients without a care manager.
fn beyond_rates_rows(result: &SurveyResult) -> Vec<Vec<String>> {
    let text = |cells: &[&str]| cells.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    let mut rows = vec![
        Vec::new(),
        text(&[
            "伝達スピード（書類の種類）",
            "送付件数",
            "既読件数",
            "確認件数",
            "既読までの時間_中央値(時間)",
            "既読までの時間_90%値(時間)",
            "確認までの時間_中央値(時間)",
            "確認までの時間_90%値(時間)",
        ]),
    ];
    rows.extend(result.speed.iter().map(|k| {
        vec![
            k.label.clone(),
            k.sent.to_string(),
            k.read.to_string(),
            k.acknowledged.to_string(),
            one_decimal_cell(k.hours_to_read.median),
            one_decimal_cell(k.hours_to_read.p90),
            one_decimal_cell(k.hours_to_acknowledgement.median),
            one_decimal_cell(k.hours_to_acknowledgement.p90),
        ]
    }));
    rows.push(Vec::new());
    rows.push(text(&["参加状況（事業所の種類）", "登録数", "利用者のいる事業所", "期間中に書類を送受信した事業所"]));
    rows.extend(result.participation.iter().map(|p| {
        vec![p.label.clone(), p.facilities.to_string(), p.with_active_user.to_string(), p.exchanging.to_string()]
    }));
    let w = &result.without_care_manager;
    rows.push(Vec::new());
    rows.push(text(&[
        "担当ケアマネジャーのいない入院",
        "入院件数",
        "入院連絡あり（地域包括支援センター・市）",
        "退院までに担当が決まった件数",
        "担当決定までの日数_中央値",
    ]));
    rows.push(vec![
        "全体".to_owned(),
        w.stays.to_string(),
        w.admission_notice.to_string(),
        w.assigned.to_string(),
        one_decimal_cell(w.median_days_to_assignment),
    ]);
    rows
}

/// Japanese headers, one row for the whole and one per group; then the figures beyond the rates.
pub fn csv(result: &SurveyResult, encoding: Encoding) -> Result<Vec<u8>, AppError> {
    let n = result.on_time_words();
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
        format!("退院_{n}までに連絡"),
        format!("退院{n}連絡率(%)"),
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
    let headers: Vec<String> =
        headers.into_iter().chain(method_headers("入院")).chain(method_headers("退院")).collect();
    let mut rows = vec![headers, csv_row("", "全体", &result.admission, &result.discharge)];
    rows.extend(result.groups.iter().map(|g| csv_row(&g.key, &g.label, &g.admission, &g.discharge)));
    rows.extend(beyond_rates_rows(result));
    crate::spreadsheet::file(rows, encoding).map_err(AppError::Unexpected)
}
