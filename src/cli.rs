//! The command line: `serve [--demo]`, `migrate`, `admin …`. Messages are in Japanese for the
//! people who run Renkei; the configuration comes from environment variables (docs/configuration.md).

mod data;
mod windows;

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
        /// Do not deliver mail from this process (run `renkei worker` beside instead).
        #[arg(long)]
        no_worker: bool,
    },
    /// Deliver the outbox's mail and decide reminders, without serving HTTP: for deployments
    /// with several app servers started with `serve --no-worker` (any number may run).
    Worker,
    /// Apply pending migrations and exit.
    Migrate,
    /// Write a consistent copy of the database to FILE while the server runs (SQLite: a
    /// database file; PostgreSQL: pg_dump's custom format), checked before it gets its name.
    Backup {
        /// The file to write, e.g. /var/backups/renkei/renkei-2026-11-23.db
        file: std::path::PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Restore a backup into the database of DATABASE_URL (stop the server first).
    Restore {
        /// A file written by `renkei backup` (on PostgreSQL: any `pg_dump -Fc` of Renkei).
        file: std::path::PathBuf,
        /// Replace a database that holds data (its content is kept aside first).
        #[arg(long)]
        force: bool,
    },
    /// Import records kept outside Renkei: facilities, episodes or contacts from a CSV file.
    Import(data::ImportArgs),
    /// Compute the connection survey (入退院連絡状況調査) for a period.
    Survey(data::SurveyArgs),
    /// The 加算 (入院時情報連携加算, 退院・退所加算) each stay's records support, for a period.
    Claims(data::ClaimsArgs),
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
    /// Add a contact window (連絡窓口) to a facility; mail for the facility goes to every
    /// window's address.
    AddWindow {
        /// The facility's code.
        #[arg(long)]
        facility: String,
        /// e.g. 地域医療連携室, 3階病棟
        #[arg(long)]
        label: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        fax: Option<String>,
        /// Hours to avoid, e.g. 「12時〜13時は避けてください」
        #[arg(long)]
        hours: Option<String>,
    },
    /// Change a contact window: what is given replaces what it says (mail already queued keeps
    /// the address it was queued for).
    ChangeWindow(windows::ChangeWindowArgs),
    /// Remove a contact window: its address receives no more of the facility's mail.
    RemoveWindow(windows::RemoveWindowArgs),
    /// List the facilities.
    ListFacilities,
    /// List outgoing mail, newest first: queued, sending, delivered or failed.
    ListMail {
        /// Only mail in this state (e.g. failed).
        #[arg(long)]
        state: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Queue a failed mail again (after fixing its cause, e.g. the window's address).
    RetryMail {
        #[arg(long)]
        id: uuid::Uuid,
    },
    /// Disable a user: no sign-in, their sessions end, their API tokens are refused (within 30 s
    /// on every server); the user and their records stay.
    DisableUser {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled user again.
    EnableUser {
        #[arg(long)]
        email: String,
    },
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
    /// Set a user's password for the pages, read from the first line of standard input
    /// (`renkei admin set-password --email a@b.jp < file`); their open sessions end.
    SetPassword {
        #[arg(long)]
        email: String,
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
        // Colours only on a terminal: log files and journald get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
        Command::Serve { demo, no_worker } => {
            serve(settings, demo, if no_worker { app::Delivery::Elsewhere } else { app::Delivery::InProcess })
        }
        Command::Worker => work(settings),
        Command::Migrate => {
            let pool = db::pool(&settings.database_url, 1)?;
            let mut conn = pool.get()?;
            let applied = db::run_migrations(&mut conn)?;
            crate::survey::store::daily::recount_after_migrations(&mut conn, &applied)?;
            println!("{}: {} 件のマイグレーションを適用しました {applied:?}", settings.database_url, applied.len());
            Ok(())
        }
        Command::Backup { file, force } => {
            let summary = crate::backup::backup(&settings.database_url, &file, force)?;
            println!("バックアップを書きました: {summary}");
            Ok(())
        }
        Command::Restore { file, force } => restore(settings, &file, force),
        Command::Import(args) => data::run_import(&mut *app::prepare_database_of_size(settings, 1)?.get()?, args),
        Command::Generate(args) => data::run_generate(args),
        Command::Survey(args) => {
            data::run_survey(&mut *app::prepare_database_of_size(settings, 1)?.get()?, &settings.handbook_rules, args)
        }
        Command::Claims(args) => {
            data::run_claims(&mut *app::prepare_database_of_size(settings, 1)?.get()?, &settings.handbook_rules, args)
        }
        Command::Admin { command } => {
            let pool = app::prepare_database(settings)?;
            admin(&mut *pool.get()?, command)
        }
    }
}

fn serve(settings: &Settings, demo: bool, delivery: app::Delivery) -> anyhow::Result<()> {
    let pool = app::prepare_database(settings)?;
    let greeting = if demo { Some(crate::demo::prepare(&mut *pool.get()?, &settings.public_url)?) } else { None };
    let needs_setup = crate::auth::session::needs_setup(&mut *pool.get()?).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let application = Application::build(settings, pool, delivery)?;
        println!(
            "Renkei を起動しました: {} (待ち受け {}, データベース {})",
            settings.public_url, settings.bind_addr, settings.database_url
        );
        println!("{}", application.mail());
        if needs_setup {
            println!(
                "初期設定: 管理者がまだいません。{}/setup を開き、設定コード {} を入力して最初の管理者を登録してください。",
                settings.public_url,
                application.setup_code()
            );
        }
        if let Some(greeting) = greeting {
            println!("{greeting}");
        }
        application.run_until_stopped().await?;
        Ok(())
    })
}

fn restore(settings: &Settings, file: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let restored = crate::backup::restore(&settings.database_url, file, force)?;
    if let Some(kept) = &restored.kept {
        println!("今までのデータは {} に残しました", kept.display());
    }
    let version = &restored.version;
    println!("{} を {} に復元しました（マイグレーション {version}）", file.display(), settings.database_url);
    println!("  {}", restored.counts);
    if restored.pending > 0 {
        println!("  このバックアップにないマイグレーション {} 件は、次の起動時に適用されます", restored.pending);
    }
    Ok(())
}

fn work(settings: &Settings) -> anyhow::Result<()> {
    use crate::delivery::Worker;
    use crate::notify::Notifier;
    let pool = app::prepare_database(settings)?;
    let rules = std::sync::Arc::new(crate::survey::rules::select(&settings.handbook_rules)?);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let worker = Worker::new(settings, pool, Notifier::new(&settings.public_url), rules)?;
        println!("Renkei のメール送信を開始しました (データベース {})", settings.database_url);
        println!("{}", worker.transport.describe());
        tokio::select! {
            () = worker.run() => {}
            _ = tokio::signal::ctrl_c() => println!("停止します"),
        }
        anyhow::Ok(())
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
        AdminCommand::AddWindow { facility, label, email, phone, fax, hours } => {
            let window = ContactWindow { label, email, phone, fax, hours_note: hours };
            let facility = directory::add_window(conn, &facility, window).map_err(shown)?;
            println!(
                "連絡窓口を追加しました: {} {} (窓口 {} 件)",
                facility.code,
                facility.name,
                facility.contact_windows.len()
            );
        }
        AdminCommand::ListMail { state, limit } => {
            use crate::notify::MailState;
            let state = state
                .map(|s| {
                    s.parse::<MailState>().map_err(|_| {
                        anyhow::anyhow!("--state は queued, sending, delivered, failed のいずれかです (\"{s}\")")
                    })
                })
                .transpose()?;
            for mail in crate::notify::list(conn, state, limit.clamp(1, 10_000), 0)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t試行 {}\t{}",
                    mail.id,
                    mail.queued_at.format("%Y-%m-%d %H:%M"),
                    mail.state_label,
                    mail.topic_label,
                    mail.address,
                    mail.attempts,
                    mail.last_error.unwrap_or_default()
                );
            }
        }
        AdminCommand::RetryMail { id } => {
            if crate::notify::retry_failed(conn, id).is_err() {
                anyhow::bail!(
                    "配信失敗のメール {id} はありません（renkei admin list-mail --state failed で確かめてください）"
                );
            }
            println!("メール {id} を再送待ちにしました。動いている worker が送信します");
        }
        AdminCommand::ListFacilities => {
            for f in directory::list(conn, None)? {
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
            println!("アカウントを登録しました: {} ({}) id={}", user.email, user.role.label(), user.id);
        }
        AdminCommand::ChangeWindow(args) => {
            let (facility, window) = (args.facility.clone(), args.window.clone());
            let changed = windows::change(conn, args).map_err(shown)?;
            println!("{facility} の連絡窓口「{window}」を変更しました: {}", changed.label);
        }
        AdminCommand::RemoveWindow(args) => {
            let (facility, window) = (args.facility.clone(), args.window.clone());
            windows::remove(conn, args).map_err(shown)?;
            println!("{facility} の連絡窓口「{window}」を削除しました");
        }
        AdminCommand::DisableUser { email } => {
            crate::admin::set_disabled_by_email(conn, &email, true).map_err(shown)?;
            println!("{email} の利用を停止しました（API トークンは30秒以内にすべてのサーバーで拒否されます）");
        }
        AdminCommand::EnableUser { email } => {
            crate::admin::set_disabled_by_email(conn, &email, false).map_err(shown)?;
            println!("{email} の利用を再開しました");
        }
        AdminCommand::SetPassword { email } => {
            if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                eprintln!("新しいパスワードを入力して Enter を押してください（画面に表示されます）:");
            }
            let mut password = String::new();
            std::io::stdin().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            crate::auth::session::set_password(conn, &email, password).map_err(shown)?;
            println!("{email} のパスワードを設定しました（開いていた画面からはサインアウトされます）");
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
