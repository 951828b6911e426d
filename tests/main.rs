//! The integration tests: one binary, grouped by the door a test comes in through. `api`: the
//! JSON API; `pages`: the pages, through a signed-in page client; `browser`: the pages in a real
//! headless Chromium; `binary`: the renkei binary run as a process (the command line, backups,
//! crashes, mail workers). `support` holds what they share. Each test starts the app on a fresh
//! SQLite file, or on a fresh PostgreSQL database when TEST_DATABASE_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod api;
mod binary;
mod browser;
mod pages;
