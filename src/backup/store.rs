//! What a backup is checked by: the migrations applied in a database and the rows of its main
//! tables. Both engines; the queries name no column that a migration could change.

use std::fmt;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::DbConnection;
use crate::db::schema::{
    attachments, clients, contacts, document_revisions, documents, episodes, facilities, outbox, users,
};

/// Rows of the main tables, with the Japanese label each is printed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counts(pub Vec<(&'static str, i64)>);

impl Counts {
    /// True when none of the tables has a row.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|(_, n)| *n == 0)
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.0.iter().map(|(label, n)| format!("{label} {n}")).collect();
        f.write_str(&shown.join(" / "))
    }
}

pub fn counts(conn: &mut DbConnection) -> QueryResult<Counts> {
    Ok(Counts(vec![
        ("事業所", facilities::table.count().get_result(conn)?),
        ("ユーザー", users::table.count().get_result(conn)?),
        ("利用者", clients::table.count().get_result(conn)?),
        ("入院", episodes::table.count().get_result(conn)?),
        ("文書", documents::table.count().get_result(conn)?),
        ("文書の版", document_revisions::table.count().get_result(conn)?),
        ("添付ファイル", attachments::table.count().get_result(conn)?),
        ("連絡", contacts::table.count().get_result(conn)?),
        ("メール", outbox::table.count().get_result(conn)?),
    ]))
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

/// The migrations applied, as diesel records them (`20261123000001`).
pub fn versions(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    let rows: Vec<Version> =
        diesel::sql_query("SELECT version FROM __diesel_schema_migrations ORDER BY version").load(conn)?;
    Ok(rows.into_iter().map(|row| row.version).collect())
}
