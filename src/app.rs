//! The running service: database pool, migrations, compiled schemas, and the HTTP server bound
//! to its address (port 0 in tests: `port()` tells which one was given).

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};

use crate::db::{self, Pool};
use crate::error::AppError;
use crate::forms::registry::SchemaRegistry;
use crate::http::{self, AppState};
use crate::settings::Settings;

pub struct Application {
    port: u16,
    server: Server,
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
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    Ok(pool)
}

impl Application {
    pub fn build(settings: &Settings, pool: Pool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind_addr)
            .map_err(|e| anyhow::anyhow!("{} で待ち受けできません (BIND_ADDR): {e}", settings.bind_addr))?;
        let port = listener.local_addr()?.port();
        let openapi = serde_json::to_string_pretty(&http::openapi())?;
        let tokens = crate::auth::TokenCache::new(http::TOKEN_CACHE_TTL);
        let rules = crate::survey::rules::select(&settings.handbook_rules)?;
        let state = web::Data::new(AppState { pool, schemas: SchemaRegistry::load()?, openapi, tokens, rules });
        let server = HttpServer::new(move || {
            use utoipa_actix_web::AppExt;
            App::new()
                .wrap(middleware::Logger::new("%s %r %Dms").exclude("/healthz"))
                .app_data(state.clone())
                .configure(http::extractor_config)
                .into_utoipa_app()
                .configure(http::routes)
                .into_app()
                .default_service(web::to(|| async { Err::<actix_web::HttpResponse, _>(AppError::NotFound("route")) }))
        })
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
