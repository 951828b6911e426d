//! The JSON API (/api/v1), called as the facilities' systems call it, with bearer tokens.

mod attachments;
mod audit;
mod authz;
mod claims;
mod corrections;
mod documents;
mod drafts;
mod episodes;
mod exchange;
mod idempotency;
mod identity;
mod limits;
mod mail;
mod meta;
mod region;
mod reminders;
mod schemas;
mod spreadsheets;
mod survey;
mod survey_beyond;
mod survey_counts;
