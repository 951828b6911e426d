//! The integration tests: one binary. Each test starts the real server on a free port, on a
//! fresh SQLite file, or on a fresh PostgreSQL database when TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod cli_support;
mod database;
mod documents;
mod episodes;
mod helpers;
mod meta;
mod migrations;
mod schemas;
mod survey;
mod survey_counts;
