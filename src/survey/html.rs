//! The HTML report: one self-contained page (no scripts, no CDN) with the figures, the lead-time
//! distribution per hospital as stacked bars (as in the 北見 survey), and the rates by month and
//! by fiscal year as bar charts, all drawn as inline SVG.

use std::fmt::Write;

use super::periods::wareki;
use super::{DischargeFigures, SurveyResult};

/// What the report shows: the survey, and the same period broken down by hospital and by month,
/// and the fiscal years side by side.
pub struct ReportData {
    pub main: SurveyResult,
    pub by_hospital: SurveyResult,
    pub by_month: SurveyResult,
    pub by_fiscal_year: Vec<(String, SurveyResult)>,
}

const LEAD_COLOURS: [(&str, &str); 8] = [
    ("8日以上前", "#1b7837"),
    ("5〜7日前", "#5aae61"),
    ("2〜4日前", "#a6dba0"),
    ("前日", "#fee08b"),
    ("当日", "#fdae61"),
    ("退院後", "#d73027"),
    ("日付不明", "#bdbdbd"),
    ("連絡なし", "#636363"),
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn lead_counts(d: &DischargeFigures) -> [i64; 8] {
    let l = &d.lead_time;
    [l.days_8_plus, l.days_5_7, l.days_2_4, l.day_before, l.same_day, l.after, l.unknown, l.none]
}

/// Horizontal 100 % bars, one per row, split by lead-time bucket.
fn stacked_bars(rows: &[(String, DischargeFigures)]) -> String {
    let (label_width, bar_width, row_height) = (220.0, 520.0, 26.0);
    let height = row_height * rows.len() as f64 + 60.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"医療機関別の退院連絡の時期\" viewBox=\"0 0 {w} {height}\" width=\"100%\">",
        w = label_width + bar_width + 70.0
    );
    for (i, (label, figures)) in rows.iter().enumerate() {
        let y = i as f64 * row_height + 10.0;
        let _ = write!(
            svg,
            "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\" font-size=\"13\">{}</text>",
            label_width - 8.0,
            y + 16.0,
            escape(label)
        );
        let total: i64 = lead_counts(figures).iter().sum();
        let mut x = label_width;
        for (count, (name, colour)) in lead_counts(figures).iter().zip(LEAD_COLOURS) {
            if total == 0 || *count == 0 {
                continue;
            }
            let width = bar_width * *count as f64 / total as f64;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.0}\" width=\"{width:.1}\" height=\"20\" fill=\"{colour}\"><title>{name}: {count}件</title></rect>"
            );
            x += width;
        }
        let _ = write!(
            svg,
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"12\">{total}件</text>",
            label_width + bar_width + 6.0,
            y + 15.0
        );
    }
    let legend_y = rows.len() as f64 * row_height + 30.0;
    for (i, (name, colour)) in LEAD_COLOURS.iter().enumerate() {
        let x = label_width + i as f64 * 66.0;
        let _ = write!(
            svg,
            "<rect x=\"{x:.0}\" y=\"{legend_y:.0}\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\">{name}</text>",
            x + 15.0,
            legend_y + 11.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Vertical bars of the admission and discharge rates, side by side for each label.
fn rate_bars(title: &str, rows: &[(String, Option<f64>, Option<f64>)]) -> String {
    let (left, slot, plot_height) = (40.0, 56.0, 180.0);
    let width = left + slot * rows.len().max(1) as f64 + 20.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 {width:.0} {:.0}\" width=\"100%\">",
        escape(title),
        plot_height + 70.0
    );
    for tick in [0, 25, 50, 75, 100] {
        let y = 10.0 + plot_height * (1.0 - f64::from(tick) / 100.0);
        let _ = write!(
            svg,
            "<line x1=\"{left}\" x2=\"{width:.0}\" y1=\"{y:.0}\" y2=\"{y:.0}\" stroke=\"#ddd\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"10\" text-anchor=\"end\">{tick}%</text>",
            left - 4.0,
            y + 3.0
        );
    }
    for (i, (label, admission, discharge)) in rows.iter().enumerate() {
        let x = left + i as f64 * slot + 6.0;
        for (j, (rate, colour, name)) in
            [(admission, "#4575b4", "入院時情報提供率"), (discharge, "#f46d43", "退院連絡率")].into_iter().enumerate()
        {
            if let Some(rate) = rate {
                let height = plot_height * rate;
                let _ = write!(
                    svg,
                    "<rect x=\"{:.0}\" y=\"{:.1}\" width=\"20\" height=\"{height:.1}\" fill=\"{colour}\"><title>{} {name} {}</title></rect>",
                    x + j as f64 * 22.0,
                    10.0 + plot_height - height,
                    escape(label),
                    percent(Some(*rate))
                );
            }
        }
        let _ = write!(
            svg,
            "<text x=\"{:.0}\" y=\"{:.0}\" font-size=\"10\" text-anchor=\"middle\">{}</text>",
            x + 21.0,
            plot_height + 26.0,
            escape(label)
        );
    }
    let y = plot_height + 42.0;
    let _ = write!(
        svg,
        "<rect x=\"{left}\" y=\"{y:.0}\" width=\"12\" height=\"12\" fill=\"#4575b4\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\">入院時情報提供率</text>\
         <rect x=\"{:.0}\" y=\"{y:.0}\" width=\"12\" height=\"12\" fill=\"#f46d43\"/><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\">退院連絡率</text>",
        left + 16.0,
        y + 11.0,
        left + 130.0,
        left + 146.0,
        y + 11.0,
    );
    svg.push_str("</svg>");
    svg
}

fn figures_table(result: &SurveyResult) -> String {
    let n = result.rules.discharge_notice_min_days;
    let mut rows = vec![("全体".to_owned(), &result.admission, &result.discharge)];
    rows.extend(result.groups.iter().map(|g| (g.label.clone(), &g.admission, &g.discharge)));
    let mut html = format!(
        "<table><thead><tr><th>区分</th><th>入院 対象</th><th>入院時情報提供</th><th>提供率</th><th>対象外</th>\
         <th>退院 対象</th><th>退院連絡</th><th>連絡率</th><th>{n}日前まで</th><th>期限内率</th><th>日付不明</th><th>死亡</th><th>対象外</th><th>入院中</th></tr></thead><tbody>"
    );
    for (label, a, d) in rows {
        let _ = write!(
            html,
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&label),
            a.cohort,
            a.contacted,
            percent(a.rate),
            a.excluded,
            d.cohort,
            d.contacted,
            percent(d.rate),
            d.on_time,
            percent(d.on_time_rate),
            d.lead_time.unknown,
            d.died,
            d.excluded,
            d.in_hospital
        );
    }
    html.push_str("</tbody></table>");
    html
}

pub fn render(data: &ReportData) -> String {
    let main = &data.main;
    let period = match &main.period.fiscal_year_label {
        Some(label) => format!("{label}（{}〜{}）", wareki(main.period.from), wareki(main.period.to)),
        None => format!("{}〜{}", wareki(main.period.from), wareki(main.period.to)),
    };
    let hospitals: Vec<(String, DischargeFigures)> =
        data.by_hospital.groups.iter().map(|g| (g.label.clone(), g.discharge.clone())).collect();
    let months: Vec<(String, Option<f64>, Option<f64>)> =
        data.by_month.groups.iter().map(|g| (g.key.clone(), g.admission.rate, g.discharge.rate)).collect();
    let years: Vec<(String, Option<f64>, Option<f64>)> =
        data.by_fiscal_year.iter().map(|(label, r)| (label.clone(), r.admission.rate, r.discharge.rate)).collect();
    format!(
        "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>入退院連絡状況調査 {period}</title>\
<style>body{{font-family:\"Noto Sans CJK JP\",\"Hiragino Sans\",\"Yu Gothic\",sans-serif;margin:2em;max-width:60em}}\
table{{border-collapse:collapse;font-size:13px}}th,td{{border:1px solid #ccc;padding:3px 6px;text-align:right}}thead th{{background:#f3f3f3}}\
tbody th{{text-align:left;font-weight:normal}}h2{{margin-top:2em;font-size:1.1em}}@media print{{body{{margin:0}}}}</style></head><body>\
<h1>入退院連絡状況調査</h1><p>期間: {period}<br>ルール: {rules}（{rules_id} 版{version}、退院連絡は退院の{n}日前まで）</p>\
<h2>集計</h2>{table}<h2>医療機関別 退院連絡の時期</h2>{bars}<h2>月別 連絡率</h2>{months}<h2>年度別 連絡率</h2>{years}\
<p><small>定義は docs/survey.md のとおり。率は対象件数に対する割合。日付不明・対象外・死亡・入院中は率の計算とは別に示す。</small></p></body></html>",
        rules = escape(&main.rules.title),
        rules_id = escape(&main.rules.id),
        version = main.rules.version,
        n = main.rules.discharge_notice_min_days,
        table = figures_table(main),
        bars = stacked_bars(&hospitals),
        months = rate_bars("月別の連絡率", &months),
        years = rate_bars("年度別の連絡率", &years),
    )
}
