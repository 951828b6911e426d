//! Renkei (連携): admission/discharge liaison between hospitals and care managers.
//! docs/ARCHITECTURE.md has the map of these modules and the rules they keep.

pub mod admin;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod business_calendar;
pub mod calendar;
pub mod channels;
pub mod claims;
pub mod cli;
pub mod clients;
pub mod contacts;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod directory;
pub mod documents;
pub mod drafts;
pub mod episodes;
pub mod error;
pub mod forms;
pub mod generate;
pub mod holidays;
pub mod http;
pub mod idempotency;
pub mod import;
pub mod municipalities;
pub mod notify;
pub mod reminders;
pub mod settings;
pub mod shell;
pub mod spreadsheet;
pub mod survey;
pub mod timeline;
pub mod web;

#[cfg(test)]
mod architecture;
