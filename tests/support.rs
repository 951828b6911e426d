//! What the tests share: the app started in-process with its seeded city and one helper per
//! API endpoint (`app`), the database each test gets (`database`), the one signed-in page
//! client (`pages`), the example payloads (`examples`), a real SMTP server (`smtp`) and the renkei
//! binary run as a process (`cli`); one free port and one password.

pub mod app;
pub mod cli;
pub mod database;
pub mod examples;
pub mod pages;
mod ports;
pub mod smtp;

pub use app::{Answer, Options, TestApp, day, pointers, spawn_app, spawn_app_with};
pub use database::TestDatabase;
pub use examples::{admission_sheet, discharge_record, fixture};

pub use ports::free_port;

/// The password tests give the seeded users (they have none) to sign in through the pages and
/// in the browser, and the first administrator of an empty installation.
pub const PASSWORD: &str = "long-enough-passphrase-2026";
