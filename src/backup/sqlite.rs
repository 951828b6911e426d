//! SQLite. The backup is `VACUUM INTO` on a connection of its own: one read transaction, so a
//! consistent snapshot, which in WAL mode neither waits for the server's writers nor holds them
//! up. The restore swaps files under an exclusive lock, which is also how it knows whether a
//! server still has the database open.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::store::{self, Counts};
use crate::db::DbConnection;

/// Writes a snapshot of `database` to `partial`; returns the migrations and counts read back
/// from the copy once it has passed `PRAGMA integrity_check`.
pub fn backup(database: &Path, file: &Path, partial: &Path) -> anyhow::Result<(Vec<String>, Counts)> {
    if !database.is_file() {
        bail!("データベース {} がありません", database.display());
    }
    let same = |a: &Path, b: &Path| matches!((a.canonicalize(), b.canonicalize()), (Ok(a), Ok(b)) if a == b);
    if same(file, database) {
        bail!("{} はデータベースそのものです。別のファイルを指定してください", file.display());
    }
    let mut conn = open(database)?;
    conn.batch_execute("PRAGMA busy_timeout = 10000")?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<Text, _>(utf8(partial)?)
        .execute(&mut conn)
        .with_context(|| format!("{} を書けません", partial.display()))?;
    let source = store::versions(&mut conn)?;
    let (versions, counts) = check(partial).context("書いたバックアップを確かめられません")?;
    if versions != source {
        bail!("バックアップの間にマイグレーションが適用されました。もう一度実行してください");
    }
    Ok((versions, counts))
}

/// A backup copied beside the database and checked, not yet in its place.
pub struct Staged {
    pub path: PathBuf,
    pub versions: Vec<String>,
    pub counts: Counts,
}

impl Staged {
    pub fn discard(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Copies `backup` beside `database` under a temporary name and checks the copy; the
/// database is not touched.
pub fn stage(backup: &Path, database: &Path) -> anyhow::Result<Staged> {
    let path = super::sibling(database, &format!(".restoring-{}", std::process::id()))?;
    std::fs::copy(backup, &path).with_context(|| format!("{} を {} に写せません", backup.display(), path.display()))?;
    match check(&path) {
        Ok((versions, counts)) => Ok(Staged { path, versions, counts }),
        Err(error) => {
            let _ = std::fs::remove_file(&path);
            Err(error.context(format!("{} は Renkei のバックアップとして使えません", backup.display())))
        }
    }
}

/// Puts the checked copy `staged` in place of `database`. Refuses while another process has
/// the database open, and when it holds data unless `force`; then its content is kept as `kept`.
pub fn replace(database: &Path, staged: &Path, force: bool, kept: &Path) -> anyhow::Result<Option<PathBuf>> {
    let mut kept_as = None;
    if database.exists() {
        let mut lock = lock(database)?;
        let holds_data = match store::counts(&mut lock) {
            Ok(counts) if !counts.is_empty() => Some(counts.to_string()),
            Ok(_) => None,
            Err(_) => has_tables(&mut lock).then(|| "Renkei 以外の表".to_owned()),
        };
        if let Some(what) = holds_data {
            if !force {
                bail!(
                    "データベース {} にはデータがあります（{what}）。置き換えるには --force を付けてください（今のデータは {} に残します）",
                    database.display(),
                    kept.display()
                );
            }
            // Folds the WAL into the file, so that the file kept aside is whole by itself.
            lock.batch_execute("PRAGMA journal_mode = DELETE")?;
            std::fs::rename(database, kept)?;
            kept_as = Some(kept.to_owned());
        } else {
            std::fs::remove_file(database)?;
        }
        drop(lock);
        for suffix in ["-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(super::sibling(database, suffix)?);
        }
    }
    std::fs::rename(staged, database)
        .with_context(|| format!("{} を {} にできません", staged.display(), database.display()))?;
    super::sync_folder_of(database)?;
    Ok(kept_as)
}

/// Opens `database` holding an exclusive lock, which SQLite grants only when no other connection
/// has it open: a server's connections, even idle ones, keep a shared lock in WAL mode.
fn lock(database: &Path) -> anyhow::Result<DbConnection> {
    let mut conn = open(database)?;
    let locked =
        conn.batch_execute("PRAGMA busy_timeout = 1000; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;");
    match locked {
        Ok(()) => Ok(conn),
        Err(error) if error.to_string().contains("locked") || error.to_string().contains("busy") => bail!(
            "データベース {} は使用中です。renkei serve と worker を止めてから restore してください",
            database.display()
        ),
        Err(error) => bail!("データベース {} を開けません: {error}", database.display()),
    }
}

fn has_tables(conn: &mut DbConnection) -> bool {
    #[derive(QueryableByName)]
    struct Tables {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'")
        .get_result::<Tables>(conn)
        .map_or(true, |t| t.n > 0)
}

#[derive(QueryableByName)]
struct Integrity {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

/// Opens a copy and checks it: `PRAGMA integrity_check`, then its migrations and counts.
fn check(path: &Path) -> anyhow::Result<(Vec<String>, Counts)> {
    let mut conn = open(path)?;
    let problems: Vec<Integrity> = diesel::sql_query("PRAGMA integrity_check(10)")
        .load(&mut conn)
        .context("SQLite のデータベースとして読めません")?;
    let problems: Vec<String> = problems.into_iter().map(|p| p.integrity_check).filter(|p| p != "ok").collect();
    if !problems.is_empty() {
        bail!("壊れています (integrity_check: {})", problems.join("; "));
    }
    let versions = store::versions(&mut conn).context("Renkei のデータベースではありません")?;
    let counts = store::counts(&mut conn).context("Renkei のデータベースではありません")?;
    Ok((versions, counts))
}

fn open(path: &Path) -> anyhow::Result<DbConnection> {
    let conn = SqliteConnection::establish(utf8(path)?)
        .with_context(|| format!("{} を SQLite データベースとして開けません", path.display()))?;
    Ok(DbConnection::Sqlite(conn))
}

fn utf8(path: &Path) -> anyhow::Result<&str> {
    path.to_str().with_context(|| format!("{} は UTF-8 のパスではありません", path.display()))
}
