//! The coordinator's charts as they are seen, on the demo data at phone (390 px) and tablet
//! (1024 px) width, on the dashboard and in the HTML report: each chart within its container's
//! width and no taller than the screen, and every word of it (its legend included) inside the
//! picture, none cut off.

use renkei::demo::DEMO_PASSWORD;

use super::Browser;
use super::pictures::demo_app;

/// Per chart on the page: its width, its container's width, its height, and the words of it
/// that fall outside its picture.
const MEASURE: &str = "
    return [...document.querySelectorAll('svg')].map(svg => {
        const box = svg.getBoundingClientRect();
        const outside = [...svg.querySelectorAll('text')].filter(t => {
            const r = t.getBoundingClientRect();
            return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
        }).map(t => t.textContent);
        return [box.width, svg.parentElement.getBoundingClientRect().width, box.height, outside];
    });";

#[tokio::test]
async fn every_chart_fits_its_container_and_the_screen_with_its_whole_legend() {
    let app = demo_app().await;
    for (width, height) in [super::PHONE, (super::WIDTH, super::HEIGHT)] {
        let browser = Browser::start_sized(&app.address, (width, height)).await;
        browser.sign_in("coordinator@city.example", DEMO_PASSWORD).await;
        for path in ["/dashboard", "/dashboard/report.html"] {
            browser.open(path).await;
            browser.page_is_clean().await;
            let charts = browser.client.execute(MEASURE, vec![]).await.expect("measured");
            let charts = charts.as_array().cloned().unwrap_or_default();
            assert!(!charts.is_empty(), "{path} at {width} px shows charts");
            for (i, chart) in charts.iter().enumerate() {
                let number = |k: usize| chart[k].as_f64().unwrap_or(f64::MAX);
                let (chart_width, container, chart_height) = (number(0), number(1), number(2));
                assert!(
                    chart_width <= container + 1.0,
                    "{path} at {width} px, chart {i}: {chart_width} px in {container} px"
                );
                assert!(chart_height <= f64::from(height), "{path} at {width} px, chart {i}: {chart_height} px tall");
                assert_eq!(chart[3], serde_json::json!([]), "{path} at {width} px, chart {i}: words cut off");
            }
        }
    }
}
