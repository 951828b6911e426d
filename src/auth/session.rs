//! Sign-in sessions of the pages: a random secret in an HttpOnly cookie, stored only as its
//! SHA-256 hash, valid for a fixed time; each session has its own CSRF token that every form
//! carries back.

use chrono::NaiveDateTime;
use uuid::Uuid;

use super::{Principal, hash, password, random_hex, store};
use crate::db::DbConnection;
use crate::error::AppError;

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: Uuid,
    pub principal: Principal,
    /// The secret each form of this session must carry (`csrf`).
    pub csrf_token: String,
}

/// A session just opened: the only moment its cookie secret exists outside the browser.
#[derive(Debug)]
pub struct Opened {
    pub secret: String,
    pub session: Session,
    pub expires_at: NaiveDateTime,
}

/// What a sign-in came to.
#[derive(Debug)]
pub enum SignIn {
    Opened(Opened),
    /// The right password, but an administrator disabled the account.
    Disabled {
        user: Uuid,
    },
    /// Unknown address, no password set, or the wrong password: the page does not say which.
    /// `user` is the account tried, when it exists (for the audit log only).
    Refused {
        user: Option<Uuid>,
    },
}

/// Signs in with an address of mail and a password, opening a session of `lifetime`. Any
/// expired sessions are removed on the way.
pub fn sign_in(
    conn: &mut DbConnection,
    email: &str,
    given: &str,
    lifetime: chrono::Duration,
) -> Result<SignIn, AppError> {
    let found = crate::directory::store::password_of(conn, email)?;
    let stored = found.as_ref().and_then(|(_, hash)| hash.as_deref());
    match found {
        Some((user_id, _)) if password::verify(given, stored) => {
            if crate::directory::store::is_disabled(conn, user_id)? {
                return Ok(SignIn::Disabled { user: user_id });
            }
            Ok(SignIn::Opened(open(conn, user_id, lifetime)?))
        }
        found => {
            if found.is_none() {
                password::verify(given, None);
            }
            Ok(SignIn::Refused { user: found.map(|(id, _)| id) })
        }
    }
}

/// Opens a session for a user who has just proved who they are (sign-in, first set-up).
pub fn open(conn: &mut DbConnection, user_id: Uuid, lifetime: chrono::Duration) -> Result<Opened, AppError> {
    let secret = random_hex()?;
    let csrf_token = random_hex()?;
    let expires_at = crate::calendar::now() + lifetime;
    crate::db::write(conn, |conn| {
        store::delete_sessions(conn, None)?;
        let id = store::insert_session(conn, user_id, &hash(&secret), &csrf_token, expires_at)?;
        let principal = store::principal_of_user(conn, user_id)?.ok_or(AppError::NotFound("user"))?;
        Ok(Opened { secret, session: Session { id, principal, csrf_token }, expires_at })
    })
}

/// The live session whose cookie holds `secret`.
pub fn resume(conn: &mut DbConnection, secret: &str) -> Result<Option<Session>, AppError> {
    Ok(store::find_session(conn, &hash(secret))?.map(|(id, csrf_token, principal)| Session {
        id,
        principal,
        csrf_token,
    }))
}

/// Ends the session whose cookie holds `secret` (sign-out).
pub fn sign_out(conn: &mut DbConnection, secret: &str) -> Result<(), AppError> {
    crate::db::write(conn, |conn| Ok(store::delete_session(conn, &hash(secret)).map(|_| ())?))
}

/// Ends every session of a user (disabled by an administrator).
pub fn end_sessions_of(conn: &mut DbConnection, user_id: Uuid) -> Result<usize, AppError> {
    Ok(store::delete_sessions(conn, Some(user_id))?)
}

/// Sets the password of the user with that address after checking it, and ends their
/// sessions (whoever knew the old password is signed out).
pub fn set_password(conn: &mut DbConnection, email: &str, new: &str) -> Result<Uuid, AppError> {
    let problems = password::problems(new, email, "/password");
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let hashed = password::hash(new)?;
    crate::db::write(conn, |conn| {
        let (user_id, _) = crate::directory::store::password_of(conn, email)?
            .ok_or_else(|| AppError::invalid("/email", "exists", format!("{email} の利用者は登録されていません")))?;
        crate::directory::store::set_password_hash(conn, user_id, &hashed)?;
        store::delete_sessions(conn, Some(user_id))?;
        Ok(user_id)
    })
}

/// Whether the installation still has no administrator: only then is the set-up page open.
/// Whether the user with this address has no password yet (a user registered but never given
/// one); false for an unknown address.
pub fn lacks_password(conn: &mut DbConnection, email: &str) -> Result<bool, AppError> {
    Ok(crate::directory::store::password_of(conn, email)?.is_some_and(|(_, hash)| hash.is_none()))
}

pub fn needs_setup(conn: &mut DbConnection) -> Result<bool, AppError> {
    Ok(!crate::directory::store::any_admin(conn)?)
}

/// The first administrator of an empty installation, and the city's facility they belong to.
#[derive(Debug, Clone)]
pub struct FirstAdmin {
    pub facility_code: String,
    pub facility_name: String,
    pub name: String,
    pub email: String,
    pub password: String,
}

/// Creates the first administrator (with their facility, a 市・連携支援センター) and their
/// password, all or nothing; refused once any administrator exists.
pub fn set_up(conn: &mut DbConnection, first: FirstAdmin) -> Result<Uuid, AppError> {
    use crate::directory::{self, FacilityKind, NewFacility, NewUser, Role};
    let mut problems = password::problems(&first.password, &first.email, "/password");
    if first.facility_code.trim().is_empty() {
        problems.push(crate::error::FieldError::new("/facility_code", "required", "事業所コードは必須です"));
    }
    if first.facility_name.trim().is_empty() {
        problems.push(crate::error::FieldError::new("/facility_name", "required", "事業所の名称は必須です"));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let hashed = password::hash(&first.password)?;
    crate::db::write(conn, |conn| {
        if crate::directory::store::any_admin(conn)? {
            return Err(AppError::Conflict("管理者はすでに登録されています。サインインしてください".into()));
        }
        let facility = match directory::store::find_by_code(conn, first.facility_code.trim())? {
            Some(existing) => existing,
            None => directory::create_facility(
                conn,
                NewFacility {
                    code: first.facility_code.trim().to_owned(),
                    name: first.facility_name.trim().to_owned(),
                    kind: FacilityKind::City,
                    area: None,
                    in_city: true,
                    contact_windows: vec![],
                },
            )?,
        };
        let user = directory::create_user(
            conn,
            NewUser { facility_code: facility.code, name: first.name, email: first.email, role: Role::Admin },
        )?;
        crate::directory::store::set_password_hash(conn, user.id, &hashed)?;
        Ok(user.id)
    })
}
