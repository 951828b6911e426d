//! PostgreSQL: PostgreSQL's own pg_dump and pg_restore do the work, run for the operator when
//! they are on PATH (Debian: postgresql-client). The backup's counts are read in the snapshot
//! that pg_dump dumps (`--snapshot`), so they are exactly what the file holds. The password of
//! DATABASE_URL reaches the tools through PGPASSWORD, never on a command line `ps` can show.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use super::store::{self, Counts};
use crate::db::{self, DatabaseUrl, DbConnection};

const DUMP_BY_HAND: &str = "pg_dump が見つかりません（Debian: apt-get install postgresql-client。サーバーと同じか新しい版）。\
     手で取るには:\n  pg_dump -Fc --file FILE \"$DATABASE_URL\"\n  pg_restore --list FILE    # 読めることの確認";
const RESTORE_BY_HAND: &str = "pg_restore が見つかりません（Debian: apt-get install postgresql-client）。\
     空のデータベースに手で戻すには:\n  pg_restore --no-owner --no-acl --single-transaction --exit-on-error --dbname \"$DATABASE_URL\" FILE";

#[derive(QueryableByName)]
struct Snapshot {
    #[diesel(sql_type = Text)]
    snapshot: String,
}

/// Dumps the database to `partial` in pg_dump's custom format; returns the migrations and
/// counts of the snapshot it dumped, once the file has been read back.
pub fn backup(url: &str, partial: &Path) -> anyhow::Result<(Vec<String>, Counts)> {
    let mut conn = connect(url)?;
    conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
    let snapshot = diesel::sql_query("SELECT pg_export_snapshot() AS snapshot").get_result::<Snapshot>(&mut conn)?;
    let versions = store::versions(&mut conn)?;
    let counts = store::counts(&mut conn)?;
    let mut dump = tool("pg_dump", url);
    dump.args(["--format=custom", &format!("--snapshot={}", snapshot.snapshot), "--file"]).arg(partial);
    run(dump, DUMP_BY_HAND)?;
    conn.batch_execute("COMMIT")?;
    let written = archive_versions(partial).context("書いたバックアップを確かめられません")?;
    if written != versions {
        bail!("書いたバックアップのマイグレーション {written:?} がデータベースの {versions:?} と違います");
    }
    Ok((versions, counts))
}

/// The migrations recorded in a pg_dump archive; fails on a file that is not one.
pub fn archive_versions(file: &Path) -> anyhow::Result<Vec<String>> {
    let mut list = Command::new("pg_restore");
    list.args(["--data-only", "--table=__diesel_schema_migrations", "--file=-"]).arg(file);
    let text = String::from_utf8_lossy(&run(list, RESTORE_BY_HAND)?).into_owned();
    let mut versions: Vec<String> = text
        .lines()
        .skip_while(|line| !(line.starts_with("COPY ") && line.contains("__diesel_schema_migrations")))
        .skip(1)
        .take_while(|line| *line != "\\.")
        .filter_map(|line| line.split('\t').next().map(str::to_owned))
        .collect();
    versions.sort();
    Ok(versions)
}

/// Restores `file` with pg_restore in one transaction: it fails whole or not at all. Refuses
/// while other sessions use the database, and when it holds data unless `force`; then its
/// content is first dumped to `kept`. Returns that, and the migrations and counts restored.
pub fn restore(
    url: &str,
    file: &Path,
    force: bool,
    kept: &Path,
) -> anyhow::Result<(Option<PathBuf>, Vec<String>, Counts)> {
    let shown = DatabaseUrl::Postgres { url: url.to_owned() };
    let mut conn = connect(url)?;
    let others = other_sessions(&mut conn)?;
    if others > 0 {
        bail!(
            "データベース {shown} は使用中です（ほかに {others} 本の接続）。renkei serve と worker を止めてから restore してください"
        );
    }
    let mut kept_as = None;
    if let Some(what) = holds_data(&mut conn)? {
        if !force {
            bail!(
                "データベース {shown} にはデータがあります（{what}）。置き換えるには --force を付けてください（今のデータは {} に残します）",
                kept.display()
            );
        }
        let mut dump = tool("pg_dump", url);
        dump.args(["--format=custom", "--file"]).arg(kept);
        run(dump, DUMP_BY_HAND).context("今のデータを残せないので、復元しません")?;
        kept_as = Some(kept.to_owned());
    }
    drop(conn);
    let mut restore = tool("pg_restore", url);
    restore.args(["--no-owner", "--no-acl", "--clean", "--if-exists", "--single-transaction", "--exit-on-error"]);
    restore.arg(file);
    run(restore, RESTORE_BY_HAND).context("データベースは元のままです")?;
    let mut conn = connect(url)?;
    Ok((kept_as, store::versions(&mut conn)?, store::counts(&mut conn)?))
}

/// The database's name, for the name of the file its previous content is kept in.
pub fn database_name(url: &str) -> String {
    let path = url::Url::parse(url).map(|u| u.path().trim_start_matches('/').to_owned()).unwrap_or_default();
    let name: String = path.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    if name.is_empty() { "renkei".to_owned() } else { name }
}

fn connect(url: &str) -> anyhow::Result<DbConnection> {
    let url = DatabaseUrl::Postgres { url: url.to_owned() };
    db::establish(&url).with_context(|| format!("データベース {url} に接続できません"))
}

#[derive(QueryableByName)]
struct Sessions {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn other_sessions(conn: &mut DbConnection) -> anyhow::Result<i64> {
    let query = "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
                 AND pid <> pg_backend_pid() AND backend_type = 'client backend'";
    Ok(diesel::sql_query(query).get_result::<Sessions>(conn)?.n)
}

#[derive(QueryableByName)]
struct Tables {
    #[diesel(sql_type = Bool)]
    renkei: bool,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// What the database holds, if anything: Renkei's rows, or tables of something else.
fn holds_data(conn: &mut DbConnection) -> anyhow::Result<Option<String>> {
    let query = "SELECT to_regclass('facilities') IS NOT NULL AS renkei, (SELECT COUNT(*) FROM pg_tables \
                 WHERE schemaname NOT IN ('pg_catalog', 'information_schema')) AS n";
    let tables = diesel::sql_query(query).get_result::<Tables>(conn)?;
    if tables.renkei {
        let counts = store::counts(conn)?;
        return Ok((!counts.is_empty()).then(|| counts.to_string()));
    }
    Ok((tables.n > 0).then(|| "Renkei 以外の表".to_owned()))
}

/// `name` connecting to `url`, the password passed in PGPASSWORD.
fn tool(name: &str, url: &str) -> Command {
    let mut command = Command::new(name);
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let password = parsed.password().unwrap_or_default();
            let password = percent_encoding::percent_decode_str(password).decode_utf8_lossy().into_owned();
            let _ = parsed.set_password(None);
            command.env("PGPASSWORD", password).arg(format!("--dbname={parsed}"));
        }
        _ => {
            command.arg(format!("--dbname={url}"));
        }
    }
    command
}

/// Runs a PostgreSQL tool; its stdout, or its stderr as the error. `by_hand` says what to do
/// when the tool is not installed.
fn run(mut command: Command, by_hand: &str) -> anyhow::Result<Vec<u8>> {
    let name = command.get_program().to_string_lossy().into_owned();
    let output = command.stdin(Stdio::null()).output().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => anyhow::anyhow!("{by_hand}"),
        _ => anyhow::anyhow!("{name} を実行できません: {e}"),
    })?;
    if !output.status.success() {
        bail!("{name} が失敗しました: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    Ok(output.stdout)
}
