//! The public wall board: per-agency tiles and the overdue list for one
//! issuing unit, read with a board token and nothing else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{get, web};
use auth::opaque;
use chrono::{NaiveDate, Utc};
use domain::tasks::DeadlineBasis;
use persistence::tasks::{self as store, TaskFilter, TaskSort, TimelinessFilter};
use persistence::{identity, DbConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actor::unauthorized;
use crate::error::{ApiResult, Problem};
use crate::routes::task_stats::{compute, year_start, GroupBy, StatsPeriod, StatsRow};
use crate::routes::tasks::{base_filter, today};
use crate::state::AppState;

/// How many overdue tasks the board lists.
const OVERDUE_LIMIT: i64 = 50;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardQuery {
    /// The board token (`brd_…`) issued for this screen.
    pub token: Option<String>,
}

/// An overdue task on the board.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OverdueItem {
    pub task_id: i64,
    pub content: String,
    pub lead_unit_id: i64,
    #[schema(example = "Sở Tài chính")]
    pub lead_unit_name: String,
    pub deadline: NaiveDate,
    pub days_overdue: i64,
}

/// What the wall board shows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Board {
    pub unit_id: i64,
    #[schema(example = "Văn phòng UBND tỉnh Phú Thọ")]
    pub unit_name: String,
    /// The local date the classes were computed for.
    pub as_of: NaiveDate,
    /// Open tasks and those closed this year, per lead agency.
    pub tiles: Vec<StatsRow>,
    pub total: StatsRow,
    /// Most overdue first.
    pub overdue: Vec<OverdueItem>,
    /// Seconds the screen should wait before polling again.
    #[schema(example = 30)]
    pub refresh_seconds: u32,
}

/// The board of the token's unit. Open to no other credential: a user's
/// access token is refused.
#[utoipa::path(
    operation_id = "get_board",
    tag = "tasks",
    params(BoardQuery),
    responses(
        (status = 200, body = Board),
        (status = 401, description = "Missing, unknown or revoked board token", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/board")]
pub async fn board(
    state: web::Data<AppState>,
    query: web::Query<BoardQuery>,
) -> ApiResult<web::Json<Board>> {
    let token = query.into_inner().token.unwrap_or_default();
    let cache = state.board_cache.clone();
    let board = state
        .db
        .run(move |conn| -> ApiResult<Arc<Board>> {
            let refused = || unauthorized("Token bảng tin không hợp lệ (invalid board token)");
            let (lookup, _) = opaque::parse(&token, opaque::PREFIX_BOARD).ok_or_else(refused)?;
            let row = identity::find_board_token_by_lookup(conn, lookup)?.ok_or_else(refused)?;
            if row.revoked_at.is_some() || !opaque::verify(&token, &row.token_hash) {
                return Err(refused());
            }
            let now = Utc::now().naive_utc();
            if row
                .last_used_at
                .is_none_or(|at| now - at > chrono::Duration::minutes(5))
            {
                identity::touch_board_token(conn, row.id)?;
            }
            let today = today();
            cache.get_or_compute(row.unit_id, today, || {
                compute_board(conn, row.unit_id, today).map(Arc::new)
            })
        })
        .await?;
    Ok(web::Json(board.as_ref().clone()))
}

/// Boards computed in the last few seconds, per unit: many screens polling
/// the same unit cost one computation per period between them.
#[derive(Debug, Default)]
pub struct BoardCache {
    ttl: Duration,
    entries: Mutex<HashMap<i64, (Instant, Arc<Board>)>>,
}

impl BoardCache {
    /// A cache keeping each board `ttl` (zero: no caching).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::default(),
        }
    }

    fn get_or_compute(
        &self,
        unit: i64,
        today: NaiveDate,
        compute: impl FnOnce() -> ApiResult<Arc<Board>>,
    ) -> ApiResult<Arc<Board>> {
        let fresh =
            |(at, cached): &(Instant, Arc<Board>)| at.elapsed() < self.ttl && cached.as_of == today;
        if let Ok(entries) = self.entries.lock() {
            if let Some(hit) = entries.get(&unit).filter(|e| fresh(e)) {
                return Ok(hit.1.clone());
            }
        }
        let computed = compute()?;
        if !self.ttl.is_zero() {
            if let Ok(mut entries) = self.entries.lock() {
                entries.retain(|_, e| e.0.elapsed() < self.ttl);
                entries.insert(unit, (Instant::now(), computed.clone()));
            }
        }
        Ok(computed)
    }
}

/// The board of one issuing unit as of `today`: open tasks and those closed
/// this year per lead agency, and the most overdue tasks.
pub fn compute_board(conn: &mut DbConnection, unit_id: i64, today: NaiveDate) -> ApiResult<Board> {
    let filter = TaskFilter {
        closed_since: Some(year_start(today)),
        ..base_filter(Some(vec![unit_id]))
    };
    let rows = store::stat_rows(conn, &filter)?;
    let stats = compute(
        conn,
        &rows,
        GroupBy::LeadUnit,
        DeadlineBasis::Current,
        StatsPeriod::Current,
        today,
    )?;
    let (overdue_rows, _) = store::list_tasks(
        conn,
        &TaskFilter {
            timeliness: Some(TimelinessFilter::Overdue),
            sort: TaskSort::DeadlineAsc,
            limit: OVERDUE_LIMIT,
            ..base_filter(Some(vec![unit_id]))
        },
    )?;
    let leads: Vec<i64> = overdue_rows.iter().map(|t| t.lead_unit_id).collect();
    let names = persistence::units::names(conn, &leads)?;
    let mut overdue = Vec::with_capacity(overdue_rows.len());
    for t in overdue_rows {
        let Some(deadline) = t.deadline else { continue };
        overdue.push(OverdueItem {
            task_id: t.id,
            content: t.content,
            lead_unit_id: t.lead_unit_id,
            lead_unit_name: names.get(&t.lead_unit_id).cloned().unwrap_or_default(),
            deadline,
            days_overdue: (today - deadline).num_days(),
        });
    }
    Ok(Board {
        unit_id,
        unit_name: persistence::units::get(conn, unit_id)?.name,
        as_of: today,
        tiles: stats.rows,
        total: stats.total,
        overdue,
        refresh_seconds: 30,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::routes::task_stats::StatsRow;

    fn sample(as_of: NaiveDate, unit_name: &str) -> Arc<Board> {
        let total = StatsRow {
            key: "total".into(),
            label: "Tổng".into(),
            counts: Default::default(),
            on_time_rate_bp: None,
        };
        Arc::new(Board {
            unit_id: 1,
            unit_name: unit_name.into(),
            as_of,
            tiles: Vec::new(),
            total,
            overdue: Vec::new(),
            refresh_seconds: 30,
        })
    }

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn a_fresh_board_is_served_from_the_cache() {
        let cache = BoardCache::new(Duration::from_secs(60));
        let first = cache
            .get_or_compute(1, day(23), || Ok(sample(day(23), "a")))
            .unwrap();
        let second = cache
            .get_or_compute(1, day(23), || panic!("must not recompute"))
            .unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        // Another unit has its own entry.
        let other = cache
            .get_or_compute(2, day(23), || Ok(sample(day(23), "b")))
            .unwrap();
        assert_eq!(other.unit_name, "b");
    }

    #[test]
    fn a_new_day_or_an_expired_entry_recomputes() {
        let cache = BoardCache::new(Duration::from_secs(60));
        cache
            .get_or_compute(1, day(23), || Ok(sample(day(23), "a")))
            .unwrap();
        let next = cache
            .get_or_compute(1, day(24), || Ok(sample(day(24), "b")))
            .unwrap();
        assert_eq!(next.unit_name, "b");
        let off = BoardCache::new(Duration::ZERO);
        off.get_or_compute(1, day(23), || Ok(sample(day(23), "a")))
            .unwrap();
        let again = off
            .get_or_compute(1, day(23), || Ok(sample(day(23), "c")))
            .unwrap();
        assert_eq!(again.unit_name, "c");
    }

    #[test]
    fn a_failed_computation_is_not_cached() {
        let cache = BoardCache::new(Duration::from_secs(60));
        assert!(cache
            .get_or_compute(1, day(23), || Err(crate::ApiError::not_found()))
            .is_err());
        let ok = cache
            .get_or_compute(1, day(23), || Ok(sample(day(23), "a")))
            .unwrap();
        assert_eq!(ok.unit_name, "a");
    }
}
