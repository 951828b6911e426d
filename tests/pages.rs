//! The pages, as a signed-in person's browser requests them (without running their scripts):
//! what each role may open, the forms, their errors next to the fields, and CSRF.

mod admin;
mod attachments;
mod authz;
mod clients;
mod dashboard;
mod discharge;
mod episodes;
mod help;
mod inbox;
mod sign_in;
mod write;
