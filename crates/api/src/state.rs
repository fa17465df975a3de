use std::sync::Arc;
use std::time::Duration;

use auth::jwt::TokenIssuer;
use persistence::Db;

/// Login throttling: after this many failures inside the window, further
/// attempts for the username (or from the address) are refused.
#[derive(Debug, Clone)]
pub struct Throttle {
    pub window: Duration,
    pub max_failures_per_user: i64,
    pub max_failures_per_addr: i64,
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            max_failures_per_user: 5,
            max_failures_per_addr: 30,
        }
    }
}

/// Token settings the auth routes need.
#[derive(Debug)]
pub struct AuthConfig {
    pub tokens: TokenIssuer,
    pub refresh_ttl: Duration,
    pub throttle: Throttle,
}

/// Where uploaded files go and how large they may be.
#[derive(Clone)]
pub struct Uploads {
    pub store: storage::BlobStore,
    pub max_bytes: usize,
}

impl std::fmt::Debug for Uploads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uploads")
            .field("store", &self.store.describe())
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

/// What every handler may reach: built once by the server and shared.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub auth: Arc<AuthConfig>,
    pub uploads: Arc<Uploads>,
    pub board_cache: Arc<crate::routes::board::BoardCache>,
    pub import_progress: Arc<crate::routes::imports::CommitProgress>,
}
