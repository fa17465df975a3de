//! Black-box tests: the real server over HTTP, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod admin;
mod attachments;
mod auth;
mod fund_reports;
mod funds;
mod import_commit;
mod imports;
mod limits;
mod matrix;
mod migrations;
mod ntm;
mod platform;
mod scale;
mod tasks;
mod units;
