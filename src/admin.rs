//! Administration as administrators do it in the pages: the directory (facilities, their
//! contact windows, users) and accounts (passwords). Every use case here requires an
//! administrator; the command line's `renkei admin …`, run by the operator on the server itself,
//! calls the directory and auth directly.

pub mod municipalities;

use uuid::Uuid;

use crate::auth::{Principal, password, session};
use crate::db::DbConnection;
use crate::directory::{self, ContactWindow, Facility, FacilityKind, NewFacility, NewUser, Role, User};
use crate::error::{AppError, FieldError};

/// Only administrators: everyone else gets a 403.
pub fn require_admin(principal: &Principal, action: &str) -> Result<(), AppError> {
    principal.require(&[Role::Admin], action)
}

/// Every facility, for the administration page.
pub fn facilities(conn: &mut DbConnection, principal: &Principal) -> Result<Vec<Facility>, AppError> {
    require_admin(principal, "管理画面の表示")?;
    directory::list(conn, None)
}

/// A facility with its contact windows (with the ids they are edited by) and users.
#[derive(Debug, Clone)]
pub struct FacilityPage {
    pub facility: Facility,
    pub windows: Vec<(Uuid, ContactWindow)>,
    pub users: Vec<User>,
}

pub fn facility(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<FacilityPage, AppError> {
    require_admin(principal, "事業所の表示")?;
    let facility = directory::get(conn, id)?;
    let windows = directory::windows_with_ids(conn, id)?;
    let users = directory::users_of(conn, id)?;
    Ok(FacilityPage { facility, windows, users })
}

/// A facility as the registration form gives it (every field as typed), with its first window.
#[derive(Debug, Clone, Default)]
pub struct FacilityForm {
    pub code: String,
    pub name: String,
    pub kind: String,
    pub area: Option<String>,
    pub in_city: bool,
    pub window: Option<ContactWindow>,
}

/// Registers a facility (and its first contact window); every problem by field.
pub fn register_facility(
    conn: &mut DbConnection,
    principal: &Principal,
    form: FacilityForm,
) -> Result<Facility, AppError> {
    require_admin(principal, "事業所の登録")?;
    let mut errors = Vec::new();
    for (pointer, value, message) in
        [("/code", &form.code, "事業所コードは必須です"), ("/name", &form.name, "名称は必須です")]
    {
        if value.trim().is_empty() {
            errors.push(FieldError::new(pointer, "required", message));
        }
    }
    let kind = form.kind.parse::<FacilityKind>().ok();
    if kind.is_none() {
        errors.push(FieldError::new("/kind", "enum", "種別を選んでください"));
    }
    let (Some(kind), true) = (kind, errors.is_empty()) else { return Err(AppError::Invalid(errors)) };
    let new = NewFacility {
        code: form.code,
        name: form.name,
        kind,
        area: form.area,
        in_city: form.in_city,
        contact_windows: form.window.into_iter().collect(),
    };
    directory::create_facility(conn, new)
}

/// Adds a contact window to a facility.
pub fn add_window(
    conn: &mut DbConnection,
    principal: &Principal,
    facility: Uuid,
    window: ContactWindow,
) -> Result<(), AppError> {
    require_admin(principal, "連絡窓口の追加")?;
    let facility = directory::get(conn, facility)?;
    directory::add_window(conn, &facility.code, window).map(|_| ())
}

/// A facility and one of its contact windows.
pub fn window(
    conn: &mut DbConnection,
    principal: &Principal,
    facility: Uuid,
    window: Uuid,
) -> Result<(Facility, ContactWindow), AppError> {
    require_admin(principal, "連絡窓口の変更")?;
    let facility = directory::get(conn, facility)?;
    let stored = directory::windows_with_ids(conn, facility.id)?
        .into_iter()
        .find(|(id, _)| *id == window)
        .map(|(_, stored)| stored)
        .ok_or(AppError::NotFound("contact window"))?;
    Ok((facility, stored))
}

/// Changes what a contact window says.
pub fn change_window(
    conn: &mut DbConnection,
    principal: &Principal,
    facility: Uuid,
    window: Uuid,
    changed: ContactWindow,
) -> Result<(), AppError> {
    require_admin(principal, "連絡窓口の変更")?;
    directory::change_window(conn, facility, window, changed)
}

/// Removes a contact window: its address receives no more of the facility's mail.
pub fn remove_window(
    conn: &mut DbConnection,
    principal: &Principal,
    facility: Uuid,
    window: Uuid,
) -> Result<(), AppError> {
    require_admin(principal, "連絡窓口の削除")?;
    directory::remove_window(conn, facility, window)
}

/// A user as the registration form gives it; the role as typed, the initial password if any.
#[derive(Debug, Clone, Default)]
pub struct UserForm {
    pub name: String,
    pub email: String,
    pub role: String,
    pub password: Option<String>,
}

/// Registers a user at a facility and sets their initial password when one is typed, all or
/// nothing; every problem by field.
pub fn register_user(
    conn: &mut DbConnection,
    principal: &Principal,
    facility: Uuid,
    form: UserForm,
) -> Result<User, AppError> {
    require_admin(principal, "利用者の登録")?;
    let mut errors = Vec::new();
    let role = form.role.parse::<Role>().ok();
    if role.is_none() {
        errors.push(FieldError::new("/role", "enum", "役割を選んでください"));
    }
    if let Some(password) = &form.password {
        errors.extend(password::problems(password, &form.email, "/password"));
    }
    let (Some(role), true) = (role, errors.is_empty()) else { return Err(AppError::Invalid(errors)) };
    crate::db::write(conn, |conn| {
        let facility = directory::get(conn, facility)?;
        let new = NewUser { facility_code: facility.code, name: form.name, email: form.email, role };
        let user = directory::create_user(conn, new)?;
        if let Some(password) = form.password {
            session::set_password(conn, &user.email, &password)?;
        }
        Ok(user)
    })
}

/// A user and their facility, for the password form.
pub fn user(conn: &mut DbConnection, principal: &Principal, id: Uuid) -> Result<(User, Facility), AppError> {
    require_admin(principal, "パスワードの設定")?;
    let user = directory::user(conn, id)?;
    let facility = directory::get(conn, user.facility_id)?;
    Ok((user, facility))
}

/// Sets a user's password (their open sessions end): the user's facility.
pub fn set_password(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    password: &str,
) -> Result<Uuid, AppError> {
    require_admin(principal, "パスワードの設定")?;
    let user = directory::user(conn, id)?;
    session::set_password(conn, &user.email, password)?;
    Ok(user.facility_id)
}

/// Disables a user (`disable`), or enables them again: while disabled they cannot sign in, their
/// open sessions end and their API tokens are refused; the user, their records and the audit
/// log stay. An administrator cannot disable themselves. Answers the user (for the token cache)
/// and their facility.
pub fn set_disabled(
    conn: &mut DbConnection,
    principal: &Principal,
    id: Uuid,
    disable: bool,
) -> Result<(Uuid, Uuid), AppError> {
    require_admin(principal, "利用者の停止・再開")?;
    let user = directory::user(conn, id)?;
    if disable && user.id == principal.user_id {
        return Err(AppError::Conflict("自分自身は停止できません".into()));
    }
    switch(conn, id, disable)?;
    Ok((user.id, user.facility_id))
}

/// The same from the command line (`renkei admin disable-user`, `enable-user`), by address.
pub fn set_disabled_by_email(conn: &mut DbConnection, email: &str, disable: bool) -> Result<Uuid, AppError> {
    let (id, _) = crate::directory::store::password_of(conn, email)?
        .ok_or_else(|| AppError::invalid("/email", "exists", format!("{email} の利用者は登録されていません")))?;
    switch(conn, id, disable)?;
    Ok(id)
}

fn switch(conn: &mut DbConnection, id: Uuid, disable: bool) -> Result<(), AppError> {
    let at = disable.then(crate::calendar::now);
    crate::db::write(conn, |conn| {
        crate::directory::store::set_disabled(conn, id, at)?;
        if disable {
            crate::auth::session::end_sessions_of(conn, id)?;
        }
        Ok::<_, AppError>(())
    })
}
