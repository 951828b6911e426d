//! Every pictured page of the demo, at phone (390 px) and tablet (1024 px) width: nothing wider
//! than the screen (no sideways scrolling of the page), and no cell of a list hidden (on a
//! phone a list becomes cards that keep every cell; a table of figures scrolls in its own box).

use super::Browser;
use super::pictures::{PAGES, demo_app, visit};

/// What a width loses on the page: the page's overflow, and the hidden cells of its lists.
const LOSSES: &str = "
    const wide = document.documentElement.scrollWidth - window.innerWidth;
    const hidden = [...document.querySelectorAll('table td, table th')]
        .filter(c => getComputedStyle(c).display === 'none' && !c.closest('.visually-hidden'))
        .map(c => c.textContent.trim()).slice(0, 5);
    const over = e => e.getBoundingClientRect().right > window.innerWidth + 1;
    const culprits = [...document.querySelectorAll('body *')]
        .filter(e => over(e) && ![...e.children].some(over))
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''))
        .slice(0, 5);
    return [wide, hidden, culprits];";

#[tokio::test]
async fn no_page_overflows_or_hides_a_cell_on_a_phone_or_a_tablet() {
    let app = demo_app().await;
    let mut lost = Vec::new();
    for size in [super::PHONE, (super::WIDTH, super::HEIGHT)] {
        let browser = Browser::start_sized(&app.address, size).await;
        let mut signed_in = None;
        for page in PAGES {
            let path = visit(&browser, &mut signed_in, page).await;
            let losses = browser.client.execute(LOSSES, vec![]).await.expect("measured");
            let (wide, hidden) = (losses[0].as_i64().unwrap_or(0), losses[1].as_array().cloned().unwrap_or_default());
            if wide > 0 || !hidden.is_empty() {
                let culprits = &losses[2];
                lost.push(format!("{} px, {path}: {wide} px too wide ({culprits}), hidden cells {hidden:?}", size.0));
            }
        }
    }
    assert!(lost.is_empty(), "{lost:#?}");
}
