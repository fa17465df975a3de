//! The crate-wide error type.

use std::path::PathBuf;

/// An error from configuring or running the authentication primitives.
///
/// Failures to *verify* a credential are not errors of this type: password
/// checks return `bool` and token checks return [`crate::TokenError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Hashing a password failed (invalid parameters or the system RNG failed).
    #[error("password hashing failed: {0}")]
    PasswordHash(String),
    /// A key file could not be read.
    #[error("cannot read key file {path}: {source}")]
    KeyFile {
        /// The path that was given.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A key was rejected (bad PEM, wrong key type, too short, or the
    /// private and public halves do not belong together).
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The token issuer was configured with unusable settings.
    #[error("invalid token configuration: {0}")]
    InvalidConfig(&'static str),
    /// Signing a token failed.
    #[error("token signing failed")]
    Signing,
    /// The system clock is before the Unix epoch.
    #[error("system clock is before the Unix epoch")]
    Clock,
}
