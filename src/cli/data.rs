//! The data commands: `import` of records kept outside Renkei, and the `survey`.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use crate::db::DbConnection;
use crate::import::{self, ImportError, Table};
use crate::survey::report::{Encoding, Format};
use crate::survey::{self, GroupBy, SurveyQuery};

#[derive(Args)]
pub struct ImportArgs {
    /// facilities, municipalities, episodes, contacts, calendars or holidays.
    pub table: Table,
    /// A CSV file with a header row, UTF-8 or Shift_JIS.
    pub file: PathBuf,
    /// Import the good rows and write the bad ones to --rejects instead of refusing the file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Where rejected rows go (default: FILE's name with .rejected.csv).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
}

#[derive(Args)]
pub struct SurveyArgs {
    /// First day of the period, YYYY-MM-DD.
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day of the period, included.
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// A fiscal year instead of --from/--to: 2025 is 令和7年度 (2025-04-01 to 2026-03-31).
    #[arg(long)]
    pub fiscal_year: Option<i32>,
    #[arg(long, value_enum)]
    pub group_by: Option<GroupBy>,
    /// Only the stays of this municipality's clients (its code), judged by its rules.
    #[arg(long)]
    pub municipality: Option<String>,
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// For --format csv.
    #[arg(long, value_enum, default_value = "utf-8")]
    pub encoding: Encoding,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Args)]
pub struct ClaimsArgs {
    /// First day of the period, YYYY-MM-DD.
    #[arg(long)]
    pub from: NaiveDate,
    /// Last day of the period, included.
    #[arg(long)]
    pub to: NaiveDate,
    /// Only the stays of this care office (its code).
    #[arg(long)]
    pub care_office: Option<String>,
    /// json (as the API answers) or csv (as the office's page downloads it).
    #[arg(long, value_enum, default_value = "json")]
    pub format: ClaimsFormat,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ClaimsFormat {
    Json,
    Csv,
}

#[derive(Args)]
pub struct GenerateArgs {
    /// How many stays.
    #[arg(long, default_value_t = 10_000)]
    pub episodes: usize,
    /// The folder to write facilities.csv, episodes.csv and contacts.csv into.
    #[arg(long)]
    pub output: PathBuf,
    /// The same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The last day of the data (default: the end of fiscal 2025, 2026-03-31).
    #[arg(long, default_value = "2026-03-31")]
    pub until: NaiveDate,
}

pub fn run_generate(args: GenerateArgs) -> anyhow::Result<()> {
    let generated = crate::generate::generate(&args.output, args.episodes, args.seed, args.until)?;
    println!(
        "{} に書き出しました: 入院 {} 件、連絡 {} 件 (facilities.csv, episodes.csv, contacts.csv)",
        args.output.display(),
        generated.episode_count,
        generated.contact_count
    );
    Ok(())
}

pub fn run_import(conn: &mut DbConnection, args: ImportArgs) -> anyhow::Result<()> {
    match import::import(conn, args.table, &args.file, args.skip_invalid) {
        Ok(outcome) => {
            println!(
                "{}: {} 行を読み、追加 {}、更新 {}、変更なし {}、取り込まなかった行 {}",
                args.file.display(),
                outcome.read,
                outcome.inserted,
                outcome.updated,
                outcome.unchanged,
                outcome.rejected.len()
            );
            if !outcome.rejected.is_empty() {
                let path = args.rejects.unwrap_or_else(|| import::default_rejects_path(&args.file));
                import::write_rejects(&path, args.table, &outcome.rejected)?;
                println!("取り込まなかった行とその理由: {}", path.display());
            }
            Ok(())
        }
        Err(ImportError::BadRows(rejected)) => {
            for row in &rejected {
                eprintln!("{} 行目: {}", row.line, row.reasons.join(" / "));
            }
            anyhow::bail!("{}", ImportError::BadRows(rejected))
        }
        Err(other) => Err(anyhow::anyhow!("{other}")),
    }
}

pub fn run_survey(conn: &mut DbConnection, rules: &str, args: SurveyArgs) -> anyhow::Result<()> {
    let rules = survey::rules::select(rules)?;
    let shown = |e: crate::error::AppError| anyhow::anyhow!("{}", super::describe(&e));
    let query = SurveyQuery::new(args.from, args.to, args.fiscal_year, args.group_by)
        .map_err(shown)?
        .of_municipality(args.municipality);
    let rendered = survey::produce(conn, &rules, &query, args.format, args.encoding).map_err(shown)?;
    match args.output {
        Some(path) => {
            std::fs::write(&path, &rendered.body)?;
            eprintln!("{} に書き出しました", path.display());
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&rendered.body)?;
        }
    }
    Ok(())
}

pub fn run_claims(conn: &mut DbConnection, rules: &str, args: ClaimsArgs) -> anyhow::Result<()> {
    use crate::claims::report::{self, Period};
    let rules = survey::rules::select(rules)?;
    let shown = |e: crate::error::AppError| anyhow::anyhow!("{}", super::describe(&e));
    let period = Period::new(args.from, args.to).map_err(shown)?;
    let office = match &args.care_office {
        Some(code) => Some(
            crate::directory::store::find_by_code(conn, code)?
                .ok_or_else(|| anyhow::anyhow!("事業所コード {code} は登録されていません"))?
                .id,
        ),
        None => None,
    };
    let claims = report::compute(conn, &rules, period, office, true)?;
    let body = match args.format {
        ClaimsFormat::Json => serde_json::to_vec_pretty(&claims)?,
        ClaimsFormat::Csv => report::csv_file(&claims).map_err(|e| anyhow::anyhow!("{}", super::describe(&e)))?,
    };
    match args.output {
        Some(path) => {
            std::fs::write(&path, &body)?;
            eprintln!("{} に書き出しました", path.display());
        }
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&body)?;
        }
    }
    Ok(())
}
