//! The HTML report: one self-contained page (no scripts, no CDN) with the figures, the lead-time
//! distribution per hospital as stacked bars (as in the 北見 survey), and the rates by month and
//! by fiscal year as bar charts, all drawn as inline SVG (`charts.rs`, shared with the dashboard).

use std::fmt::Write;

use super::charts::{self, escape, percent};
use super::periods::wareki;
use super::{ReportData, SurveyResult};

fn figures_table(result: &SurveyResult) -> String {
    let n = result.on_time_words();
    let mut rows = vec![("全体".to_owned(), &result.admission, &result.discharge)];
    rows.extend(result.groups.iter().map(|g| (g.label.clone(), &g.admission, &g.discharge)));
    let mut html = format!(
        "<table><thead><tr><th>区分</th><th>入院 対象</th><th>入院時情報提供</th><th>提供率</th><th>対象外</th>\
         <th>退院 対象</th><th>退院連絡</th><th>連絡率</th><th>{n}まで</th><th>期限内率</th><th>日付不明</th><th>死亡</th><th>対象外</th><th>入院中</th></tr></thead><tbody>"
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

/// One table of figures: a caption, column headers, and rows of a heading and numbers; in a
/// region that scrolls sideways on a narrow screen.
fn table(caption: &str, headers: &[&str], rows: &[(String, Vec<String>)]) -> String {
    let mut html = format!(
        "<div class=\"table-scroll\" tabindex=\"0\" role=\"region\" aria-label=\"{caption}\">\
         <table class=\"list compact\"><caption>{caption}</caption><thead><tr>"
    );
    for (i, header) in headers.iter().enumerate() {
        let class = if i == 0 { "" } else { " class=\"num\"" };
        let _ = write!(html, "<th scope=\"col\"{class}>{header}</th>");
    }
    html.push_str("</tr></thead><tbody>");
    for (heading, cells) in rows {
        let _ = write!(html, "<tr><th scope=\"row\">{}</th>", escape(heading));
        for cell in cells {
            let _ = write!(html, "<td class=\"num\">{cell}</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table></div>");
    html
}

/// The figures beyond the rates as tables: how the counted first contact was made, how fast
/// documents were read, which facilities take part, the patients without a care manager. The
/// report and the dashboard show the same tables.
pub fn beyond_rates(result: &SurveyResult) -> String {
    let (a, d) = (&result.admission, &result.discharge);
    let mut channels: Vec<(String, Vec<String>)> = a
        .method
        .entries()
        .iter()
        .zip(d.method.entries())
        .map(|((method, a), (_, d))| (method.label().to_owned(), vec![a.to_string(), d.to_string()]))
        .collect();
    channels.push(("計（連絡あり）".to_owned(), vec![a.contacted.to_string(), d.contacted.to_string()]));
    let hours = |h: Option<f64>| h.map_or_else(|| "—".to_owned(), |h| format!("{h:.1}時間"));
    let speed: Vec<(String, Vec<String>)> = result
        .speed
        .iter()
        .map(|k| {
            let (read, ack) = (&k.hours_to_read, &k.hours_to_acknowledgement);
            let counts = [k.sent, k.read, k.acknowledged].map(|n| n.to_string());
            let times = [read.median, read.p90, ack.median, ack.p90].map(hours);
            (k.label.clone(), counts.into_iter().chain(times).collect())
        })
        .collect();
    let participation: Vec<(String, Vec<String>)> = result
        .participation
        .iter()
        .map(|p| (p.label.clone(), [p.facilities, p.with_active_user, p.exchanging].map(|n| n.to_string()).to_vec()))
        .collect();
    let w = &result.without_care_manager;
    let median = w.median_days_to_assignment.map_or_else(|| "—".to_owned(), |d| format!("{d}日"));
    let without = vec![(
        "全体".to_owned(),
        vec![w.stays.to_string(), w.admission_notice.to_string(), w.assigned.to_string(), median],
    )];
    [
        table("連絡の方法（最初に数えた連絡）", &["方法", "入院時情報提供", "退院連絡"], &channels),
        table(
            "伝達スピード（期間中に送付した書類）",
            &["書類", "送付", "既読", "確認", "既読まで 中央値", "既読まで 90%", "確認まで 中央値", "確認まで 90%"],
            &speed,
        ),
        table("参加状況（事業所の種類別）", &["種類", "登録", "利用者あり", "書類の送受信あり"], &participation),
        table(
            "担当ケアマネジャーのいない入院（連絡率の対象件数には含めない）",
            &[
                "区分",
                "入院",
                "地域包括支援センター・市への入院連絡",
                "退院までに担当決定",
                "担当決定までの日数 中央値",
            ],
            &without,
        ),
    ]
    .concat()
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
tbody th{{text-align:left;font-weight:normal}}caption{{text-align:left;font-weight:600;padding:4px 0}}svg{{display:block;max-width:100%;height:auto}}\
@page{{size:A4;margin:15mm}}@media print{{h2{{break-after:avoid}}table,svg{{break-inside:avoid}}}}h2{{margin-top:2em;font-size:1.1em}}@media print{{body{{margin:0}}}}</style></head><body>\
<h1>入退院連絡状況調査</h1><p>期間: {period}<br>ルール: {rules}（{rules_id} 版{version}、退院連絡は退院の{n}まで）</p>\
<h2>集計</h2>{table}<h2>医療機関別 退院連絡の時期</h2>{bars}<h2>月別 連絡率</h2>{months}<h2>年度別 連絡率</h2>{years}\
<h2>連絡の方法・伝達スピード・参加状況</h2>{beyond}\
<p><small>率は対象件数に対する割合。日付不明・対象外・死亡・入院中は率の計算とは別に示す。</small></p></body></html>",
        rules = escape(&main.rules.title),
        rules_id = escape(&main.rules.id),
        version = main.rules.version,
        n = main.notice_days().map_or_else(|| "各市町村のルールの期限".to_owned(), |n| format!("{n}日前")),
        table = figures_table(main),
        bars = charts.lead_time_by_hospital,
        months = charts.rates_by_month,
        years = charts.rates_by_fiscal_year,
        beyond = beyond_rates(main),
    )
}
