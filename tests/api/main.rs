//! The integration tests: one binary. Each test starts the real server on a free port, on a
//! fresh SQLite file, or on a fresh PostgreSQL database when TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod authz;
mod backup;
mod browser;
mod cli;
mod cli_support;
mod crash;
mod database;
mod documents;
mod episodes;
mod helpers;
mod idempotency;
mod limits;
mod mail;
mod meta;
mod migrations;
mod pages_admin;
mod pages_authz;
mod pages_dashboard;
mod pages_episodes;
mod pages_support;
mod pages_write;
mod reminders;
mod schemas;
mod smtp;
mod survey;
mod survey_counts;
