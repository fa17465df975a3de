//! Authentication primitives for the system: password hashing, signed access
//! tokens and opaque bearer secrets.
//!
//! - [`password`]: Argon2id password hashing and verification, including a
//!   constant-cost path for unknown usernames.
//! - [`jwt`]: short-lived JWT access tokens naming a [`jwt::Principal`]
//!   (a user or a service account), signed with HS256, RS256 or EdDSA.
//! - [`opaque`]: random bearer secrets (refresh tokens, service-account keys,
//!   wall-board tokens) that are stored only as a SHA-256 hash.
//!
//! The crate does no I/O apart from reading key files whose paths it is
//! given, and it contains no database code.

pub mod jwt;
pub mod opaque;
pub mod password;

mod error;
mod random;

pub use error::AuthError;
pub use jwt::TokenError;
