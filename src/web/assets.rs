//! Renkei's own style sheets and scripts, compiled into the binary (hospital networks are often
//! closed: nothing is loaded from elsewhere).

use actix_web::{HttpResponse, get, web};

use super::pages::PageError;
use crate::error::AppError;

/// Every asset: name, content type, content.
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("static/app.css")),
    ("form.css", "text/css; charset=utf-8", super::form::STYLE),
    ("form.js", "text/javascript; charset=utf-8", super::form::SCRIPT),
    ("episodes.css", "text/css; charset=utf-8", include_str!("static/episodes.css")),
    ("print.css", "text/css; charset=utf-8", include_str!("static/print.css")),
    ("print.js", "text/javascript; charset=utf-8", include_str!("static/print.js")),
    ("dashboard.css", "text/css; charset=utf-8", include_str!("static/dashboard.css")),
    ("claims.css", "text/css; charset=utf-8", include_str!("static/claims.css")),
    ("help.css", "text/css; charset=utf-8", include_str!("static/help.css")),
];

/// An asset by name; 404 for any other.
#[get("/static/{name}")]
pub async fn get(name: web::Path<String>) -> Result<HttpResponse, PageError> {
    let (_, content_type, content) =
        ASSETS.iter().find(|(n, _, _)| *n == name.as_str()).ok_or(AppError::NotFound("asset"))?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(*content))
}
