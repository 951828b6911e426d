//! The administrators' pages: facilities and their contact windows (`admin/facilities.rs`,
//! a window changed or removed in `admin/windows.rs`),
//! users, roles and passwords (`admin/users.rs`), the handbook rules in force
//! (`admin/rules.rs`), and a region's municipalities with their rules (`admin/municipalities.rs`). Every write goes through `web::write`; a refused form is shown
//! again (422) with each message next to its field.

pub mod facilities;
pub mod municipalities;
pub mod rules;
pub mod users;
pub mod windows;

use std::collections::HashMap;

use actix_web::{HttpResponse, get, web};
use minijinja::{Value, context};

use super::pages::{PageError, render};
use super::visitor::{Fields, SignedIn};
use crate::error::AppError;
use crate::shell::{AppState, blocking};

/// A use case's refusal as messages next to fields, when it is about the form's content
/// (`Invalid`, or a `Conflict` about the field `conflict_field`); any other error as it is.
pub fn refusal(error: AppError, conflict_field: &str) -> Result<HashMap<String, String>, AppError> {
    match error {
        AppError::Invalid(errors) => Ok(super::pages::by_field(&errors).into_iter().collect()),
        AppError::Conflict(message) => Ok(HashMap::from([(conflict_field.to_owned(), message)])),
        other => Err(other),
    }
}

/// The values typed in a form, to show it again.
pub fn values(fields: &Fields, names: &[&str]) -> HashMap<String, String> {
    names.iter().map(|name| ((*name).to_owned(), fields.get(name).unwrap_or_default().to_owned())).collect()
}

/// The notice after a form was handled (`?done=…`).
pub fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "facility" => "事業所を登録しました。",
        "window" => "連絡窓口を追加しました。",
        "window_changed" => "連絡窓口を変更しました。",
        "window_removed" => "連絡窓口を削除しました。",
        "user" => "利用者を登録しました。",
        "password" => "パスワードを設定しました。この利用者のサインイン中の画面はすべてサインアウトされました。",
        "disabled" => {
            "利用を停止しました。この利用者はサインインできず、サインイン中の画面はサインアウトされました。記録はそのまま残ります。"
        }
        "enabled" => "利用を再開しました。この利用者は再びサインインできます。",
        "placed" => "所在市町村を保存しました。",
        _ => return None,
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

/// The administration page: every facility, and the rules in force in one line.
#[get("/admin")]
pub async fn index(
    state: web::Data<AppState>,
    visitor: SignedIn,
    done: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let principal = visitor.principal().clone();
    let facilities = blocking(&state, move |conn, _| crate::admin::facilities(conn, &principal)).await?;
    let facilities: Vec<Value> = facilities
        .into_iter()
        .map(|f| {
            context! {
                id => f.id, code => f.code, name => f.name, kind_label => f.kind.label(),
                area => f.area, in_city => f.in_city, windows => f.contact_windows.len(),
            }
        })
        .collect();
    let rules = &state.rules;
    render(
        "admin/index.html",
        context! {
            ..Value::from_serialize(visitor.frame("/admin")),
            ..context! {
                facilities,
                rules => context! { title => rules.title.clone(), id => rules.id.clone(), version => rules.version,
                                    n => rules.discharge_notice_min_days },
                notice => notice(done.done.as_deref()),
            }
        },
    )
}
