//! API tokens, passwords and sign-in sessions in the database.

use diesel::prelude::*;
use uuid::Uuid;

use super::Principal;
use crate::calendar;
use crate::db::schema::{api_tokens, facilities, users, web_sessions};
use crate::db::{DbConnection, new_id, to_enum, to_uuid};

pub fn insert_token(conn: &mut DbConnection, user_id: Uuid, token_hash: &str, label: &str) -> QueryResult<Uuid> {
    let id = new_id();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(id.to_string()),
            api_tokens::user_id.eq(user_id.to_string()),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::label.eq(label),
            api_tokens::created_at.eq(calendar::now()),
        ))
        .execute(conn)?;
    Ok(id)
}

type PrincipalRow = (String, String, String, String, String, String, String);

/// What a principal is made of: the user and the facility they act for.
const PRINCIPAL_COLUMNS: (
    users::id,
    users::name,
    users::role,
    facilities::id,
    facilities::kind,
    facilities::code,
    facilities::name,
) = (users::id, users::name, users::role, facilities::id, facilities::kind, facilities::code, facilities::name);

fn to_principal(row: PrincipalRow) -> QueryResult<Principal> {
    let (user_id, user_name, role, facility_id, kind, facility_code, facility_name) = row;
    Ok(Principal {
        user_id: to_uuid(&user_id)?,
        user_name,
        role: to_enum(&role)?,
        facility_id: to_uuid(&facility_id)?,
        facility_kind: to_enum(&kind)?,
        facility_code,
        facility_name,
    })
}

/// The principal behind an unrevoked token of a user not disabled, by the token's hash.
pub fn find_principal(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<Principal>> {
    api_tokens::table
        .inner_join(users::table.inner_join(facilities::table))
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .filter(users::disabled_at.is_null())
        .select(PRINCIPAL_COLUMNS)
        .first::<PrincipalRow>(conn)
        .optional()?
        .map(to_principal)
        .transpose()
}

pub fn principal_of_user(conn: &mut DbConnection, user_id: Uuid) -> QueryResult<Option<Principal>> {
    users::table
        .inner_join(facilities::table)
        .filter(users::id.eq(user_id.to_string()))
        .select(PRINCIPAL_COLUMNS)
        .first::<PrincipalRow>(conn)
        .optional()?
        .map(to_principal)
        .transpose()
}

pub fn tokens_of(conn: &mut DbConnection, user_id: Uuid) -> QueryResult<Vec<super::TokenInfo>> {
    api_tokens::table
        .filter(api_tokens::user_id.eq(user_id.to_string()))
        .order(api_tokens::created_at)
        .select((api_tokens::id, api_tokens::label, api_tokens::created_at, api_tokens::revoked_at))
        .load::<(String, String, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)>(conn)?
        .into_iter()
        .map(|(id, label, created_at, revoked_at)| {
            Ok(super::TokenInfo { id: to_uuid(&id)?, label, created_at, revoked_at })
        })
        .collect()
}

/// Marks an unrevoked token revoked; returns how many were.
pub fn revoke(conn: &mut DbConnection, id: Uuid) -> QueryResult<usize> {
    diesel::update(api_tokens::table.find(id.to_string()).filter(api_tokens::revoked_at.is_null()))
        .set(api_tokens::revoked_at.eq(calendar::now()))
        .execute(conn)
}

pub fn insert_session(
    conn: &mut DbConnection,
    user_id: Uuid,
    secret_hash: &str,
    csrf_token: &str,
    expires_at: chrono::NaiveDateTime,
) -> QueryResult<Uuid> {
    let id = new_id();
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::id.eq(id.to_string()),
            web_sessions::secret_hash.eq(secret_hash),
            web_sessions::user_id.eq(user_id.to_string()),
            web_sessions::csrf_token.eq(csrf_token),
            web_sessions::created_at.eq(calendar::now()),
            web_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(id)
}

/// The live session with that secret's hash, of a user not disabled: its id, CSRF token and
/// principal.
pub fn find_session(conn: &mut DbConnection, secret_hash: &str) -> QueryResult<Option<(Uuid, String, Principal)>> {
    let row = web_sessions::table
        .inner_join(users::table.inner_join(facilities::table))
        .filter(web_sessions::secret_hash.eq(secret_hash))
        .filter(users::disabled_at.is_null())
        .filter(web_sessions::expires_at.gt(calendar::now()))
        .select((web_sessions::id, web_sessions::csrf_token, PRINCIPAL_COLUMNS))
        .first::<(String, String, PrincipalRow)>(conn)
        .optional()?;
    row.map(|(id, csrf, principal)| Ok((to_uuid(&id)?, csrf, to_principal(principal)?))).transpose()
}

pub fn delete_session(conn: &mut DbConnection, secret_hash: &str) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::secret_hash.eq(secret_hash))).execute(conn)
}

/// Ends every session of a user (a new password), or only the expired ones of everybody.
pub fn delete_sessions(conn: &mut DbConnection, user_id: Option<Uuid>) -> QueryResult<usize> {
    match user_id {
        Some(user_id) => {
            diesel::delete(web_sessions::table.filter(web_sessions::user_id.eq(user_id.to_string()))).execute(conn)
        }
        None => diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(calendar::now()))).execute(conn),
    }
}

/// How many sign-ins failed for `key` since `since`, and when the oldest of them was.
pub fn failures_since(
    conn: &mut DbConnection,
    key: &str,
    since: chrono::NaiveDateTime,
) -> QueryResult<(i64, Option<chrono::NaiveDateTime>)> {
    use crate::db::schema::sign_in_failures as failures;
    failures::table
        .filter(failures::key.eq(key))
        .filter(failures::failed_at.gt(since))
        .select((diesel::dsl::count_star(), diesel::dsl::min(failures::failed_at)))
        .first(conn)
}

/// Records a failed sign-in for `key` at `at`, and forgets its failures from before `forget_before`.
pub fn record_failure(
    conn: &mut DbConnection,
    key: &str,
    at: chrono::NaiveDateTime,
    forget_before: chrono::NaiveDateTime,
) -> QueryResult<()> {
    use crate::db::schema::sign_in_failures as failures;
    diesel::delete(failures::table.filter(failures::key.eq(key)).filter(failures::failed_at.le(forget_before)))
        .execute(conn)?;
    diesel::insert_into(failures::table)
        .values((failures::id.eq(crate::db::new_id().to_string()), failures::key.eq(key), failures::failed_at.eq(at)))
        .execute(conn)?;
    Ok(())
}
