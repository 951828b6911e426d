//! The user guide (docs/guide/, in Japanese, one chapter per role) as pages: `/help` and
//! `/help/{chapter}`, reachable from every page's header (ヘルプ), signed in or not; the demo's
//! screenshots it shows are compiled into the binary with it.

use actix_web::{HttpResponse, get, web};
use minijinja::{Value, context};

use super::pages::{PageError, render};
use super::visitor::SignedIn;
use crate::error::AppError;

/// Every chapter: its name in the path (`""` for the table of contents), file, and text.
pub const CHAPTERS: &[(&str, &str, &str)] = &[
    ("", "README.md", include_str!("../../docs/guide/README.md")),
    ("nurse", "nurse.md", include_str!("../../docs/guide/nurse.md")),
    ("care-manager", "care-manager.md", include_str!("../../docs/guide/care-manager.md")),
    ("coordinator", "coordinator.md", include_str!("../../docs/guide/coordinator.md")),
    ("admin", "admin.md", include_str!("../../docs/guide/admin.md")),
];

/// The screenshots the guide shows (docs/screenshots/, drawn by tests/screenshots.sh).
pub const PICTURES: &[(&str, &[u8])] = &[
    ("sign-in.png", include_bytes!("../../docs/screenshots/sign-in.png")),
    ("inbox.png", include_bytes!("../../docs/screenshots/inbox.png")),
    ("document.png", include_bytes!("../../docs/screenshots/document.png")),
    ("print.png", include_bytes!("../../docs/screenshots/print.png")),
    ("admission.png", include_bytes!("../../docs/screenshots/admission.png")),
    ("client.png", include_bytes!("../../docs/screenshots/client.png")),
    ("timeline.png", include_bytes!("../../docs/screenshots/timeline.png")),
    ("contact-note.png", include_bytes!("../../docs/screenshots/contact-note.png")),
    ("conference.png", include_bytes!("../../docs/screenshots/conference.png")),
    ("drafts.png", include_bytes!("../../docs/screenshots/drafts.png")),
    ("draft.png", include_bytes!("../../docs/screenshots/draft.png")),
    ("record.png", include_bytes!("../../docs/screenshots/record.png")),
    ("claims.png", include_bytes!("../../docs/screenshots/claims.png")),
    ("claims-stay.png", include_bytes!("../../docs/screenshots/claims-stay.png")),
    ("office-calendar.png", include_bytes!("../../docs/screenshots/office-calendar.png")),
    ("assignment.png", include_bytes!("../../docs/screenshots/assignment.png")),
    ("dashboard.png", include_bytes!("../../docs/screenshots/dashboard.png")),
    ("admin.png", include_bytes!("../../docs/screenshots/admin.png")),
    ("facility.png", include_bytes!("../../docs/screenshots/facility.png")),
    ("stays.png", include_bytes!("../../docs/screenshots/stays.png")),
    ("municipalities.png", include_bytes!("../../docs/screenshots/municipalities.png")),
];

/// A chapter as HTML: the guide's links between chapters and to its pictures pointed at the
/// pages that serve them.
pub fn chapter_html(markdown: &str) -> String {
    use pulldown_cmark::{CowStr, Event, Parser, Tag};
    let link = |target: CowStr<'_>| -> CowStr<'static> {
        let target = target.to_string();
        let rewritten = if let Some(file) = target.strip_prefix("../screenshots/") {
            format!("/help/screenshots/{file}")
        } else if let Some((name, _, _)) = CHAPTERS.iter().find(|(_, file, _)| *file == target) {
            if name.is_empty() { "/help".to_owned() } else { format!("/help/{name}") }
        } else {
            target
        };
        CowStr::from(rewritten)
    };
    let events = Parser::new(markdown).map(|event| match event {
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Link { link_type, dest_url: link(dest_url), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
            Event::Start(Tag::Image { link_type, dest_url: link(dest_url), title, id })
        }
        // The guide is ours; no HTML of its own is passed through.
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

fn show(visitor: Option<SignedIn>, name: &str) -> Result<HttpResponse, PageError> {
    let (_, _, text) = CHAPTERS.iter().find(|(n, _, _)| *n == name).ok_or(AppError::NotFound("chapter"))?;
    let title = text.lines().next().unwrap_or_default().trim_start_matches("# ").to_owned();
    let frame = visitor.map(|v| Value::from_serialize(v.frame("/help"))).unwrap_or_default();
    render("help.html", context! { ..frame, ..context! { title, body => Value::from_safe_string(chapter_html(text)) } })
}

/// The guide's table of contents.
#[get("/help")]
pub async fn contents(visitor: Option<SignedIn>) -> Result<HttpResponse, PageError> {
    show(visitor, "")
}

/// One chapter of the guide.
#[get("/help/{chapter}")]
pub async fn chapter(visitor: Option<SignedIn>, chapter: web::Path<String>) -> Result<HttpResponse, PageError> {
    show(visitor, &chapter)
}

/// A picture of the guide.
#[get("/help/screenshots/{name}")]
pub async fn screenshot(name: web::Path<String>) -> Result<HttpResponse, PageError> {
    let (_, bytes) = PICTURES.iter().find(|(n, _)| *n == name.as_str()).ok_or(AppError::NotFound("picture"))?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(*bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_and_picture_of_the_guide_leads_somewhere() {
        for (name, _, text) in CHAPTERS {
            let html = chapter_html(text);
            for (at, _) in html.match_indices("src=\"/help/screenshots/") {
                let rest = &html[at + "src=\"/help/screenshots/".len()..];
                let picture = &rest[..rest.find('"').unwrap_or_default()];
                assert!(PICTURES.iter().any(|(p, _)| *p == picture), "{name}: {picture} is not served");
            }
            for (at, _) in html.match_indices("href=\"") {
                let rest = &html[at + "href=\"".len()..];
                let target = &rest[..rest.find('"').unwrap_or_default()];
                let named = target.strip_prefix("/help").map(|c| c.trim_start_matches('/'));
                assert!(
                    named.is_some_and(|c| CHAPTERS.iter().any(|(n, _, _)| *n == c)),
                    "{name}: {target} leads nowhere"
                );
            }
            assert!(!html.contains(".md\""), "{name}: a link left to a file");
        }
    }

    #[test]
    fn the_guide_is_written_in_japanese_for_its_readers() {
        for (name, _, text) in CHAPTERS {
            // Words a nurse who reads only Japanese would not know; the sample address and the
            // file names of the Cabinet Office and Excel are all the Latin text it has.
            for word in ["true", "false", "null", "API", "JSON", "token", "docs/", "北見"] {
                assert!(!text.contains(word), "{name} says {word}");
            }
        }
    }
}
