//! placeholder
pub mod access;
pub mod money;
pub mod password;
pub mod text;
pub mod units;
