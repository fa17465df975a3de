use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use auth::jwt::{Principal, TokenIssuer};
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

/// The expensive reports (Excel exports, report statistics) a principal may
/// ask this instance for: at most `max` in any `window`.
#[derive(Debug)]
pub struct ReportLimit {
    max: usize,
    window: Duration,
    recent: Mutex<HashMap<Principal, VecDeque<Instant>>>,
}

impl ReportLimit {
    /// `max` 0 turns the limit off.
    pub fn new(max: usize, window: Duration) -> Self {
        Self {
            max,
            window,
            recent: Mutex::default(),
        }
    }

    /// Counts one report for `who` at `now`, or answers how long until
    /// the oldest counted one leaves the window.
    pub fn admit(&self, who: Principal, now: Instant) -> Result<(), Duration> {
        if self.max == 0 {
            return Ok(());
        }
        let mut recent = self
            .recent
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let times = recent.entry(who).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() >= self.max {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }

    /// [`ReportLimit::admit`] for a request: 429 `rate_limited` with
    /// `Retry-After` when refused.
    pub fn check(&self, actor: &crate::actor::Actor) -> Result<(), crate::ApiError> {
        self.admit(actor.principal, Instant::now()).map_err(|wait| {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            let (max, window) = (self.max, self.window.as_secs());
            let mut refused = crate::ApiError::with_detail(
                crate::error::ErrorCode::RateLimited,
                format!(
                    "Tối đa {max} báo cáo trong {window} giây; thử lại sau {seconds} giây \
                     (at most {max} reports in {window} s; retry in {seconds} s)"
                ),
            );
            refused.retry_after_seconds = Some(seconds.max(1));
            refused
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_principal_gets_max_reports_per_window_and_others_are_apart() {
        let limit = ReportLimit::new(2, Duration::from_secs(60));
        let (alice, bob) = (Principal::User(1), Principal::User(2));
        let t0 = Instant::now();
        assert_eq!(limit.admit(alice, t0), Ok(()));
        assert_eq!(limit.admit(alice, t0 + Duration::from_secs(10)), Ok(()));
        assert_eq!(
            limit.admit(alice, t0 + Duration::from_secs(20)),
            Err(Duration::from_secs(40))
        );
        assert_eq!(limit.admit(bob, t0 + Duration::from_secs(20)), Ok(()));
        // The first report leaves the window after 60 s.
        assert_eq!(limit.admit(alice, t0 + Duration::from_secs(60)), Ok(()));
        assert!(limit.admit(alice, t0 + Duration::from_secs(61)).is_err());
        let off = ReportLimit::new(0, Duration::from_secs(60));
        assert!((0..100).all(|_| off.admit(alice, t0).is_ok()));
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
    pub reports: Arc<ReportLimit>,
}
