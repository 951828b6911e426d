//! The running service: database pool, migrations, compiled schemas, and the HTTP server bound
//! to its address (port 0 in tests: `port()` tells which one was given).

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};

use crate::db::{self, Pool};
use crate::delivery::Worker;
use crate::error::AppError;
use crate::http;
use crate::notify::Notifier;
use crate::settings::Settings;
use crate::shell::{self, AppState};

pub struct Application {
    port: u16,
    server: Server,
    worker: Option<Worker>,
    mail: String,
    setup_code: String,
}

/// Where the outbox is delivered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// By a worker in this process (the default of `renkei serve`).
    InProcess,
    /// By `renkei worker` processes running beside.
    Elsewhere,
}

/// Connects, applies pending migrations, and returns the pool (10 connections, for the server).
pub fn prepare_database(settings: &Settings) -> anyhow::Result<Pool> {
    prepare_database_of_size(settings, 10)
}

/// The same with a pool of `size` connections, all opened now: 1 for a command that uses one
/// (a survey on PostgreSQL then does not wait for nine more server processes to start).
pub fn prepare_database_of_size(settings: &Settings, size: u32) -> anyhow::Result<Pool> {
    let pool = db::pool(&settings.database_url, size)
        .map_err(|e| anyhow::anyhow!("データベース {} に接続できません: {e}", settings.database_url))?;
    let mut conn = pool.get()?;
    let applied = db::run_migrations(&mut conn)?;
    crate::survey::store::daily::recount_after_migrations(&mut conn, &applied)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    Ok(pool)
}

/// One line per request (except `/healthz`): status, method, path and duration. Never the query
/// string: a patient search carries a name, a birth date and a 被保険者番号 there.
fn access_log() -> middleware::Logger {
    middleware::Logger::new("%s %{method}xi %U %Dms")
        .custom_request_replace("method", |request| request.method().to_string())
        .exclude("/healthz")
}

/// Headers on every answer: nothing is cached (answers carry client data), nothing is sniffed,
/// framed or sent as a referrer, and the only content a browser may load for an answer is its
/// own inline style and images (the survey's HTML report). Behind https, HSTS too.
fn security_headers(https: bool) -> middleware::DefaultHeaders {
    let headers = middleware::DefaultHeaders::new()
        .add(("Cache-Control", "no-store"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add((
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ));
    if https { headers.add(("Strict-Transport-Security", "max-age=31536000")) } else { headers }
}

impl Application {
    pub fn build(settings: &Settings, pool: Pool, delivery: Delivery) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind_addr)
            .map_err(|e| anyhow::anyhow!("{} で待ち受けできません (BIND_ADDR): {e}", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        let spec = http::openapi();
        let openapi = serde_json::to_string_pretty(&spec)?;
        let known = Arc::new(http::KnownRoutes::of(&spec));
        let tokens = crate::auth::TokenCache::new(crate::auth::TOKEN_CACHE_TTL);
        let rules = Arc::new(crate::survey::rules::select(&settings.handbook_rules)?);
        let notifier = Notifier::new(&settings.public_url);
        let commits = crate::db::group::GroupCommit::default();
        let (worker, mail) = match delivery {
            Delivery::InProcess => {
                let worker = Worker::new(settings, pool.clone(), notifier.clone(), rules.clone())?
                    .sharing_commits(commits.clone());
                let mail = worker.transport.describe();
                (Some(worker), mail)
            }
            Delivery::Elsewhere => (None, "メールは別の renkei worker が送信します".to_owned()),
        };
        let sign_ins = crate::auth::lockout::Lockout { limit: settings.lockout_after_failed_sign_ins };
        let site = shell::SiteSettings::new(settings)?;
        let setup_code = site.setup_code.clone();
        let state = web::Data::new(AppState {
            pool,
            schemas: crate::documents::exchange::schema_registry()?,
            openapi,
            tokens,
            rules,
            notifier,
            sign_ins,
            site,
            commits,
        });
        let rate_limit = shell::limits::rate_limit(settings.rate_limit_per_minute)?;
        let https = settings.public_url.starts_with("https://");
        let server = HttpServer::new(move || {
            use utoipa_actix_web::AppExt;
            App::new()
                .wrap(actix_governor::Governor::new(&rate_limit))
                .wrap(security_headers(https))
                .wrap(access_log())
                .app_data(state.clone())
                .configure(http::extractor_config)
                .into_utoipa_app()
                .configure(http::routes)
                .into_app()
                .configure(crate::web::routes)
                .default_service(web::to({
                    let known = known.clone();
                    move |request: actix_web::HttpRequest| {
                        let methods = known.methods_of(request.path());
                        async move {
                            Err::<actix_web::HttpResponse, _>(match methods {
                                Some(methods) => AppError::MethodNotAllowed(methods),
                                None => AppError::NotFound("route"),
                            })
                        }
                    }
                }))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server, worker, mail, setup_code })
    }

    /// How mail leaves this process, for the start-up message.
    pub fn mail(&self) -> &str {
        &self.mail
    }

    /// The code that opens `/setup` while the installation has no administrator.
    pub fn setup_code(&self) -> &str {
        &self.setup_code
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from outside (a benchmark's round, a test).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves (and delivers mail) until the server is stopped (SIGINT, SIGTERM).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let worker = self.worker.map(|w| tokio::spawn(w.run()));
        let served = self.server.await;
        if let Some(worker) = worker {
            // Mail being sent at this moment is sent again after the lease, by whoever runs next.
            worker.abort();
        }
        served
    }
}
