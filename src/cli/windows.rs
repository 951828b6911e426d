//! Changing and removing a facility's contact window (連絡窓口) from the command line, as the
//! administration pages do: the facility by its code, the window by its current name.

use clap::Args;
use uuid::Uuid;

use crate::db::DbConnection;
use crate::directory::{self, ContactWindow};
use crate::error::AppError;

#[derive(Args)]
pub struct ChangeWindowArgs {
    /// The facility's code.
    #[arg(long)]
    pub facility: String,
    /// The window's name as it is now, e.g. 地域医療連携室.
    #[arg(long)]
    pub window: String,
    /// A new name.
    #[arg(long)]
    pub label: Option<String>,
    /// A new address of mail ("" removes it); the other options likewise. What is not given
    /// stays as it is.
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    #[arg(long)]
    pub fax: Option<String>,
    #[arg(long)]
    pub hours: Option<String>,
}

#[derive(Args)]
pub struct RemoveWindowArgs {
    /// The facility's code.
    #[arg(long)]
    pub facility: String,
    /// The window's name, e.g. 3階病棟.
    #[arg(long)]
    pub window: String,
}

/// The facility's id and the window named `label`, with its id.
fn find(conn: &mut DbConnection, code: &str, label: &str) -> Result<(Uuid, Uuid, ContactWindow), AppError> {
    let facility = directory::by_code(conn, code)?
        .ok_or_else(|| AppError::invalid("/facility", "exists", format!("事業所コード {code} は登録されていません")))?;
    let (id, window) = directory::windows_with_ids(conn, facility.id)?
        .into_iter()
        .find(|(_, w)| w.label == label)
        .ok_or_else(|| AppError::invalid("/window", "exists", format!("{code} に窓口「{label}」はありません")))?;
    Ok((facility.id, id, window))
}

pub fn change(conn: &mut DbConnection, args: ChangeWindowArgs) -> Result<ContactWindow, AppError> {
    let (facility, id, window) = find(conn, &args.facility, &args.window)?;
    let or_kept = |given: Option<String>, kept: Option<String>| match given {
        Some(value) if value.trim().is_empty() => None,
        Some(value) => Some(value),
        None => kept,
    };
    let changed = ContactWindow {
        label: args.label.unwrap_or(window.label),
        email: or_kept(args.email, window.email),
        phone: or_kept(args.phone, window.phone),
        fax: or_kept(args.fax, window.fax),
        hours_note: or_kept(args.hours, window.hours_note),
    };
    directory::change_window(conn, facility, id, changed.clone())?;
    Ok(changed)
}

pub fn remove(conn: &mut DbConnection, args: RemoveWindowArgs) -> Result<(), AppError> {
    let (facility, id, _) = find(conn, &args.facility, &args.window)?;
    directory::remove_window(conn, facility, id)
}
