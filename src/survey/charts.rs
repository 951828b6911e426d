//! The survey's charts as inline SVG, drawn by Renkei itself (no CDN, no scripts): the
//! lead-time distribution per hospital as 100 % stacked bars (as in the 北見 survey), and the
//! admission and discharge rates by month and by fiscal year. The HTML report and the
//! coordinator's dashboard embed the same drawings. Only presentation attributes (`fill=`,
//! `font-size=`, …) are used, never `style=`: the pages' CSP forbids inline styles.

use std::fmt::Write;

use super::DischargeFigures;
use super::ReportData;

/// The three charts of a report, as SVG markup.
pub struct Charts {
    /// 医療機関別 退院連絡の時期
    pub lead_time_by_hospital: String,
    /// 月別 連絡率
    pub rates_by_month: String,
    /// 年度別 連絡率
    pub rates_by_fiscal_year: String,
}

/// Draws the charts of the report's data.
pub fn of(data: &ReportData) -> Charts {
    let hospitals: Vec<(String, DischargeFigures)> =
        data.by_hospital.groups.iter().map(|g| (g.label.clone(), g.discharge.clone())).collect();
    let months: Vec<(String, Option<f64>, Option<f64>)> =
        data.by_month.groups.iter().map(|g| (g.key.clone(), g.admission.rate, g.discharge.rate)).collect();
    let years: Vec<(String, Option<f64>, Option<f64>)> =
        data.by_fiscal_year.iter().map(|(label, r)| (label.clone(), r.admission.rate, r.discharge.rate)).collect();
    Charts {
        lead_time_by_hospital: stacked_bars(&hospitals),
        rates_by_month: rate_bars("月別の連絡率", &months),
        rates_by_fiscal_year: rate_bars("年度別の連絡率", &years),
    }
}

/// The lead-time buckets in the order of `lead_counts`, with their colours.
pub const LEAD_COLOURS: [(&str, &str); 8] = [
    ("8日以上前", "#1b7837"),
    ("5〜7日前", "#5aae61"),
    ("2〜4日前", "#a6dba0"),
    ("前日", "#fee08b"),
    ("当日", "#fdae61"),
    ("退院後", "#d73027"),
    ("日付不明", "#bdbdbd"),
    ("連絡なし", "#636363"),
];

/// Text safe inside HTML or SVG markup and attributes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A rate as 「12.3%」, or 「—」 for an empty cohort.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

/// The lead-time counts in the order of `LEAD_COLOURS`.
pub fn lead_counts(d: &DischargeFigures) -> [i64; 8] {
    let l = &d.lead_time;
    [l.days_8_plus, l.days_5_7, l.days_2_4, l.day_before, l.same_day, l.after, l.unknown, l.none]
}

/// Horizontal 100 % bars, one per row, split by lead-time bucket.
pub fn stacked_bars(rows: &[(String, DischargeFigures)]) -> String {
    let (label_width, bar_width, row_height) = (220.0, 520.0, 26.0);
    let height = row_height * rows.len() as f64 + 60.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"医療機関別の退院連絡の時期\" {}>",
        natural_size(label_width + bar_width + 70.0, height)
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

/// The width the rate charts' legend needs (its two entries side by side).
const LEGEND_WIDTH: f64 = 280.0;

/// A drawing's size: its natural size in pixels and the same view box. The pages' and the
/// report's CSS (`max-width: 100%; height: auto`) shrink it to a narrower container, keeping its
/// proportions, and never blow it up: a chart of two bars stays the size of two bars.
fn natural_size(width: f64, height: f64) -> String {
    format!("viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\"")
}

/// Vertical bars of the admission and discharge rates, side by side for each label.
pub fn rate_bars(title: &str, rows: &[(String, Option<f64>, Option<f64>)]) -> String {
    let (left, slot, plot_height) = (40.0, 56.0, 180.0);
    // Never narrower than the legend, however few the bars.
    let width = (left + slot * rows.len().max(1) as f64 + 20.0).max(LEGEND_WIDTH);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" {}>",
        escape(title),
        natural_size(width, plot_height + 70.0)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_use_presentation_attributes_only() {
        let figures = DischargeFigures { cohort: 3, ..DischargeFigures::default() };
        let bars = stacked_bars(&[("<病院>".to_owned(), figures)]);
        let rates = rate_bars("月別", &[("2025-04".to_owned(), Some(0.5), None)]);
        for svg in [&bars, &rates] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("style="), "the pages' CSP forbids inline styles");
        }
        assert!(bars.contains("&lt;病院&gt;"));
        assert!(rates.contains("fill=\"#4575b4\""));
    }

    /// The attribute's number in an SVG's opening tag.
    fn attribute(svg: &str, name: &str) -> f64 {
        let start = svg.find(&format!(" {name}=\"")).unwrap_or_default() + name.len() + 3;
        svg[start..].split('"').next().and_then(|n| n.parse().ok()).unwrap_or_default()
    }

    #[test]
    fn a_chart_of_one_bar_keeps_its_size_and_its_whole_legend() {
        let one = rate_bars("年度別", &[("令和7年度".to_owned(), Some(0.5), Some(0.8))]);
        let (width, height) = (attribute(&one, "width"), attribute(&one, "height"));
        assert_eq!((width, height), (LEGEND_WIDTH, 250.0), "not stretched to the page's width");
        let legend_end = one.rfind("<text x=\"").map(|at| attribute(&one[at - 1..], "x")).unwrap_or_default();
        assert!(legend_end + 11.0 * 5.0 <= width, "退院連絡率 (5 characters at 11 px) ends inside: {legend_end}");
        let twelve: Vec<_> = (1..=12).map(|m| (format!("2025-{m:02}"), Some(0.5), None)).collect();
        assert_eq!(attribute(&rate_bars("月別", &twelve), "width"), 40.0 + 56.0 * 12.0 + 20.0);
    }
}
