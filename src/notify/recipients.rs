//! Who receives a mail: a facility's contact windows that have an address (a facility may have
//! several, e.g. the ward and the 地域医療連携室), and named people (the client's care manager,
//! the sender of a document). Each address receives one copy.

use diesel::QueryResult;
use uuid::Uuid;

use crate::db::DbConnection;
use crate::directory::Role;
use crate::directory::store as directory;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The facility the address belongs to.
    pub facility_id: Uuid,
    /// The person, when the address is a user's own.
    pub user_id: Option<Uuid>,
    pub address: String,
}

/// The addresses of a facility's contact windows.
pub fn windows(conn: &mut DbConnection, facility: Uuid) -> QueryResult<Vec<Recipient>> {
    Ok(directory::window_addresses(conn, facility)?
        .into_iter()
        .map(|address| Recipient { facility_id: facility, user_id: None, address })
        .collect())
}

/// A user's own address.
pub fn user(conn: &mut DbConnection, user: Uuid) -> QueryResult<Option<Recipient>> {
    Ok(directory::user_address(conn, user)?.map(|(facility_id, address, _)| Recipient {
        facility_id,
        user_id: Some(user),
        address,
    }))
}

/// A user's own address, while they work at `facility` in `role`.
pub fn user_at(conn: &mut DbConnection, user: Uuid, facility: Uuid, role: Role) -> QueryResult<Option<Recipient>> {
    Ok(directory::user_address(conn, user)?
        .filter(|(at, _, has)| *at == facility && *has == role)
        .map(|(facility_id, address, _)| Recipient { facility_id, user_id: Some(user), address }))
}

/// The care manager of a stay, when they work at `facility`.
pub fn care_manager_at(conn: &mut DbConnection, episode: Uuid, facility: Uuid) -> QueryResult<Option<Recipient>> {
    let Some(manager) = crate::episodes::store::care_manager_of(conn, episode)? else { return Ok(None) };
    Ok(user(conn, manager)?.filter(|r| r.facility_id == facility))
}

/// Who is told of a document: the recipient facility's windows and, when its kind says so
/// (`to_care_manager`: a discharge notice), the client's care manager when they work there.
pub fn of_document(
    conn: &mut DbConnection,
    to_care_manager: bool,
    episode: Uuid,
    recipient_facility: Uuid,
) -> QueryResult<Vec<Recipient>> {
    let mut all = windows(conn, recipient_facility)?;
    if to_care_manager {
        all.extend(care_manager_at(conn, episode, recipient_facility)?);
    }
    Ok(distinct(all))
}

/// One copy per address (addresses compare without regard to case).
pub fn distinct(all: Vec<Recipient>) -> Vec<Recipient> {
    let mut seen = std::collections::HashSet::new();
    all.into_iter().filter(|r| seen.insert(r.address.trim().to_lowercase())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_mailed_once_whatever_its_case() {
        let facility = Uuid::nil();
        let at = |address: &str, user_id| Recipient { facility_id: facility, user_id, address: address.into() };
        let kept = distinct(vec![at("renkei@example.jp", None), at("Renkei@Example.jp", Some(Uuid::nil()))]);
        assert_eq!(kept, vec![at("renkei@example.jp", None)]);
    }
}
