//! The command line: `serve [--demo]`, `migrate`, `admin …`. Messages are in Japanese for the
//! people who run Renkei; the configuration comes from environment variables (docs/configuration.md).

mod data;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{self, Application};
use crate::db;
use crate::directory::{self, ContactWindow, FacilityKind, NewFacility, NewUser, Role};
use crate::settings::Settings;

#[derive(Parser)]
#[command(
    name = "renkei",
    version,
    about = "Renkei (連携): 入退院連携 — admission/discharge liaison between hospitals and care managers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (applies pending migrations first).
    Serve {
        /// On an empty database, load a small demo city and print tokens to try it with.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Import records kept outside Renkei: facilities, episodes or contacts from a CSV file.
    Import(data::ImportArgs),
    /// Compute the connection survey (入退院連絡状況調査) for a period.
    Survey(data::SurveyArgs),
    /// Write a realistic synthetic data set as CSV files for `import` (benchmarks, demonstrations).
    Generate(data::GenerateArgs),
    /// Manage facilities, users and API tokens.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Register a facility (with one contact window when --window-label is given).
    CreateFacility {
        /// The facility's unique code (e.g. its 介護保険事業所番号).
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// hospital, care_office, support_center, small_multi or city.
        #[arg(long)]
        kind: String,
        /// 圏域 (area) for survey breakdowns.
        #[arg(long)]
        area: Option<String>,
        /// The facility is outside the city (市外).
        #[arg(long)]
        outside_city: bool,
        /// A contact window, e.g. 地域医療連携室.
        #[arg(long)]
        window_label: Option<String>,
        #[arg(long, requires = "window_label")]
        email: Option<String>,
        #[arg(long, requires = "window_label")]
        phone: Option<String>,
        #[arg(long, requires = "window_label")]
        fax: Option<String>,
    },
    /// List the facilities.
    ListFacilities,
    /// Register a user at a facility.
    CreateUser {
        /// The facility's code.
        #[arg(long)]
        facility: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// discharge_nurse, care_manager, coordinator or admin.
        #[arg(long)]
        role: String,
    },
    /// List a user's API tokens (ids and labels; secrets are never stored).
    ListTokens {
        /// The user's email address.
        #[arg(long)]
        email: String,
    },
    /// Revoke an API token by its id (from list-tokens); refused within 30 seconds.
    RevokeToken {
        #[arg(long)]
        id: uuid::Uuid,
    },
    /// Issue an API token for a user; it is shown once and stored only as a hash.
    CreateToken {
        /// The user's email address.
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(2);
        }
    };
    match run(cli.command, &settings) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("エラー: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command, settings: &Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo } => serve(settings, demo),
        Command::Migrate => {
            let pool = db::pool(&settings.database_url, 1)?;
            let applied = db::run_migrations(&mut *pool.get()?)?;
            println!("{}: {} 件のマイグレーションを適用しました {applied:?}", settings.database_url, applied.len());
            Ok(())
        }
        Command::Import(args) => data::run_import(&mut *app::prepare_database_of_size(settings, 1)?.get()?, args),
        Command::Generate(args) => data::run_generate(args),
        Command::Survey(args) => {
            data::run_survey(&mut *app::prepare_database_of_size(settings, 1)?.get()?, &settings.handbook_rules, args)
        }
        Command::Admin { command } => {
            let pool = app::prepare_database(settings)?;
            admin(&mut *pool.get()?, command)
        }
    }
}

fn serve(settings: &Settings, demo: bool) -> anyhow::Result<()> {
    let pool = app::prepare_database(settings)?;
    let greeting = if demo { Some(crate::demo::prepare(&mut *pool.get()?, &settings.public_url)?) } else { None };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let application = Application::build(settings, pool)?;
        println!(
            "Renkei を起動しました: {} (待ち受け {}, データベース {})",
            settings.public_url, settings.bind_addr, settings.database_url
        );
        if let Some(greeting) = greeting {
            println!("{greeting}");
        }
        application.run_until_stopped().await?;
        Ok(())
    })
}

fn admin(conn: &mut db::DbConnection, command: AdminCommand) -> anyhow::Result<()> {
    let shown = |e: crate::error::AppError| anyhow::anyhow!("{}", describe(&e));
    match command {
        AdminCommand::CreateFacility { code, name, kind, area, outside_city, window_label, email, phone, fax } => {
            let kind: FacilityKind = kind.parse().map_err(|_| {
                anyhow::anyhow!(
                    "--kind は hospital, care_office, support_center, small_multi, city のいずれかです (\"{kind}\")"
                )
            })?;
            let contact_windows = window_label
                .map(|label| ContactWindow { label, email, phone, fax, hours_note: None })
                .into_iter()
                .collect();
            let facility = directory::create_facility(
                conn,
                NewFacility { code, name, kind, area, in_city: !outside_city, contact_windows },
            )
            .map_err(shown)?;
            println!(
                "事業所を登録しました: {} {} ({}) id={}",
                facility.code,
                facility.name,
                facility.kind.label(),
                facility.id
            );
        }
        AdminCommand::ListFacilities => {
            for f in directory::store::list(conn, None)? {
                println!("{}\t{}\t{}\t{}", f.code, f.kind.as_str(), f.name, f.area.unwrap_or_default());
            }
        }
        AdminCommand::CreateUser { facility, name, email, role } => {
            let role: Role = role.parse().map_err(|_| {
                anyhow::anyhow!(
                    "--role は discharge_nurse, care_manager, coordinator, admin のいずれかです (\"{role}\")"
                )
            })?;
            let user =
                directory::create_user(conn, NewUser { facility_code: facility, name, email, role }).map_err(shown)?;
            println!("利用者を登録しました: {} ({}) id={}", user.email, user.role.label(), user.id);
        }
        AdminCommand::ListTokens { email } => {
            for token in crate::auth::tokens_of(conn, &email).map_err(shown)? {
                let state = token
                    .revoked_at
                    .map_or_else(|| "有効".to_owned(), |at| format!("無効 ({})", crate::calendar::in_japan(at)));
                println!("{}\t{}\t{}\t{state}", token.id, token.label, crate::calendar::in_japan(token.created_at));
            }
        }
        AdminCommand::RevokeToken { id } => {
            crate::auth::revoke_token(conn, id).map_err(shown)?;
            println!("トークン {id} を無効にしました（30秒以内にすべてのサーバーで拒否されます）");
        }
        AdminCommand::CreateToken { email, label } => {
            let token = crate::auth::issue_token(conn, &email, &label).map_err(shown)?;
            println!("API トークンを発行しました（この表示限りです。安全に保管してください）:\n{}", token.secret);
        }
    }
    Ok(())
}

/// A use-case error as one line for the terminal.
fn describe(error: &crate::error::AppError) -> String {
    match error {
        crate::error::AppError::Invalid(errors) => {
            errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; ")
        }
        crate::error::AppError::Conflict(message)
        | crate::error::AppError::Forbidden(message)
        | crate::error::AppError::BadRequest(message) => message.clone(),
        other => other.to_string(),
    }
}
