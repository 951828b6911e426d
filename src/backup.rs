//! Backups and restores. `renkei backup FILE` writes an online, consistent copy of the database
//! while the server keeps writing (SQLite: `VACUUM INTO`; PostgreSQL: `pg_dump -Fc`), checks it,
//! and only then gives it its name; `renkei restore FILE` checks a backup before it replaces
//! anything. docs/reliability.md describes both.

mod postgres;
mod sqlite;
mod store;

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::db::{self, DatabaseUrl};
pub use store::Counts;

/// What a backup holds, as read back from it once written (or restored).
pub struct Summary {
    pub path: PathBuf,
    pub bytes: u64,
    /// The newest migration applied in it.
    pub version: String,
    pub counts: Counts,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = match self.bytes {
            0..1_000_000 => format!("{} KB", self.bytes.div_ceil(1000)),
            _ => format!("{:.1} MB", self.bytes as f64 / 1_000_000.0),
        };
        writeln!(f, "{} ({size}, マイグレーション {})", self.path.display(), self.version)?;
        write!(f, "  {}", self.counts)
    }
}

/// What `restore` did.
pub struct Restored {
    /// The newest migration of the backup restored.
    pub version: String,
    /// What the restored database holds.
    pub counts: Counts,
    /// Where the database's previous content was kept (with --force, when it held data).
    pub kept: Option<PathBuf>,
    /// Migrations of this binary that the backup predates: applied at the next start.
    pub pending: usize,
}

/// Writes a checked backup of the database to `file`; refuses an existing `file` unless `force`.
pub fn backup(url: &DatabaseUrl, file: &Path, force: bool) -> anyhow::Result<Summary> {
    refuse_existing(file, force)?;
    let partial = sibling(file, &format!(".partial-{}", std::process::id()))?;
    let written = match url {
        DatabaseUrl::Sqlite { path } => sqlite::backup(Path::new(path), file, &partial),
        DatabaseUrl::Postgres { url } => postgres::backup(url, &partial),
    };
    let published = written.and_then(|(versions, counts)| {
        let Some(version) = versions.iter().max().cloned() else {
            bail!("Renkei のデータベースではありません（マイグレーションの記録がありません）");
        };
        sync(&partial)?;
        refuse_existing(file, force)?;
        std::fs::rename(&partial, file).with_context(|| format!("{} に名前を付けられません", file.display()))?;
        sync_folder_of(file)?;
        Ok((version, counts))
    });
    let (version, counts) = published.inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })?;
    let bytes = std::fs::metadata(file)?.len();
    Ok(Summary { path: file.to_owned(), bytes, version, counts })
}

/// Restores the backup `file` into the database named by `url`, after checking that it is a
/// Renkei database this binary can run. Refuses a database that holds data unless `force`, and
/// then keeps its content aside first.
pub fn restore(url: &DatabaseUrl, file: &Path, force: bool) -> anyhow::Result<Restored> {
    if !file.is_file() {
        bail!("バックアップ {} がありません", file.display());
    }
    let not_a_backup =
        |e: anyhow::Error| anyhow::anyhow!("{} は Renkei のバックアップとして使えません: {e:#}", file.display());
    match url {
        DatabaseUrl::Sqlite { path } => {
            let database = Path::new(path);
            let staged = sqlite::stage(file, database)?;
            let checked = check_versions(url, &staged.versions).map_err(not_a_backup);
            let (version, pending) = checked.inspect_err(|_| staged.discard())?;
            let kept = sqlite::replace(
                database,
                &staged.path,
                force,
                &sibling(database, &format!(".before-restore-{}", stamp()))?,
            )
            .inspect_err(|_| staged.discard())?;
            Ok(Restored { version, counts: staged.counts, kept, pending })
        }
        DatabaseUrl::Postgres { url: raw } => {
            let versions = postgres::archive_versions(file).map_err(not_a_backup)?;
            let (_, pending) = check_versions(url, &versions).map_err(not_a_backup)?;
            let kept = file.with_file_name(format!("{}.before-restore-{}.dump", postgres::database_name(raw), stamp()));
            let (kept, versions, counts) = postgres::restore(raw, file, force, &kept)?;
            let (version, _) = check_versions(url, &versions)?;
            Ok(Restored { version, counts, kept, pending })
        }
    }
}

/// Checks a backup's migrations against this binary's: returns the newest and how many of this
/// binary's migrations it lacks.
fn check_versions(url: &DatabaseUrl, versions: &[String]) -> anyhow::Result<(String, usize)> {
    let known = db::migration_versions(url);
    let Some(newest) = versions.iter().max() else {
        bail!("Renkei のデータベースではありません（マイグレーションの記録がありません）");
    };
    if let Some(unknown) = versions.iter().find(|v| !known.contains(v)) {
        bail!("この Renkei が知らないマイグレーション {unknown} を含みます（新しい版の Renkei のバックアップです）");
    }
    Ok((newest.clone(), known.len().saturating_sub(versions.len())))
}

fn refuse_existing(file: &Path, force: bool) -> anyhow::Result<()> {
    if !force && std::fs::symlink_metadata(file).is_ok() {
        bail!("{} は既にあります。上書きするには --force を付けてください", file.display());
    }
    Ok(())
}

/// `file` with a suffix added to its name, in the same folder (a rename stays on one file system).
fn sibling(file: &Path, suffix: &str) -> anyhow::Result<PathBuf> {
    if file.file_name().is_none() {
        bail!("{} はファイルの名前ではありません", file.display());
    }
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    Ok(PathBuf::from(name))
}

/// The time in a kept database's name (`NAME.before-restore-YYYYMMDD-HHMMSS`), in Japan.
fn stamp() -> String {
    crate::calendar::in_japan(crate::calendar::now()).format("%Y%m%d-%H%M%S").to_string()
}

/// Makes a written file durable before it gets its final name.
fn sync(file: &Path) -> anyhow::Result<()> {
    File::open(file).and_then(|f| f.sync_all()).with_context(|| format!("{} をディスクに書けません", file.display()))
}

/// Makes a rename in `file`'s folder durable.
fn sync_folder_of(file: &Path) -> anyhow::Result<()> {
    let folder = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(folder).and_then(|f| f.sync_all()).with_context(|| format!("{} を同期できません", folder.display()))
}
