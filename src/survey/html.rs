//! The HTML report: one self-contained page (no scripts, no CDN) with the figures, the lead-time
//! distribution per hospital as stacked bars (as in the 北見 survey), and the rates by month and
//! by fiscal year as bar charts, all drawn as inline SVG (`charts.rs`, shared with the dashboard).

use std::fmt::Write;

use super::charts::{self, escape, percent};
use super::periods::wareki;
use super::{ReportData, SurveyResult};

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
    let charts = charts::of(data);
    format!(
        "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>入退院連絡状況調査 {period}</title>\
<style>body{{font-family:\"Noto Sans CJK JP\",\"Hiragino Sans\",\"Yu Gothic\",sans-serif;margin:2em;max-width:60em}}\
table{{border-collapse:collapse;font-size:13px}}th,td{{border:1px solid #ccc;padding:3px 6px;text-align:right}}thead th{{background:#f3f3f3}}\
tbody th{{text-align:left;font-weight:normal}}h2{{margin-top:2em;font-size:1.1em}}@media print{{body{{margin:0}}}}</style></head><body>\
<h1>入退院連絡状況調査</h1><p>期間: {period}<br>ルール: {rules}（{rules_id} 版{version}、退院連絡は退院の{n}日前まで）</p>\
<h2>集計</h2>{table}<h2>医療機関別 退院連絡の時期</h2>{bars}<h2>月別 連絡率</h2>{months}<h2>年度別 連絡率</h2>{years}\
<p><small>率は対象件数に対する割合。日付不明・対象外・死亡・入院中は率の計算とは別に示す。</small></p></body></html>",
        rules = escape(&main.rules.title),
        rules_id = escape(&main.rules.id),
        version = main.rules.version,
        n = main.rules.discharge_notice_min_days,
        table = figures_table(main),
        bars = charts.lead_time_by_hospital,
        months = charts.rates_by_month,
        years = charts.rates_by_fiscal_year,
    )
}
