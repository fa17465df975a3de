//! The public wall board: per-agency tiles and the overdue list for one
//! issuing unit, read with a board token and nothing else.

use actix_web::{get, web};
use auth::opaque;
use chrono::{Datelike, NaiveDate, Utc};
use domain::tasks::DeadlineBasis;
use persistence::identity;
use persistence::tasks::{self as store, TaskFilter, TaskSort, TimelinessFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actor::unauthorized;
use crate::error::{ApiResult, Problem};
use crate::routes::task_stats::{compute, GroupBy, StatsRow};
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
    let board = state
        .db
        .run(move |conn| -> ApiResult<Board> {
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
            let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
            let filter = TaskFilter {
                closed_since: Some(year_start),
                ..base_filter(Some(vec![row.unit_id]))
            };
            let rows = store::stat_rows(conn, &filter)?;
            let stats = compute(
                conn,
                &rows,
                GroupBy::LeadUnit,
                DeadlineBasis::Current,
                today,
            )?;
            let (overdue_rows, _) = store::list_tasks(
                conn,
                &TaskFilter {
                    timeliness: Some(TimelinessFilter::Overdue),
                    sort: TaskSort::DeadlineAsc,
                    limit: OVERDUE_LIMIT,
                    ..base_filter(Some(vec![row.unit_id]))
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
                unit_id: row.unit_id,
                unit_name: persistence::units::get(conn, row.unit_id)?.name,
                as_of: today,
                tiles: stats.rows,
                total: stats.total,
                overdue,
                refresh_seconds: 30,
            })
        })
        .await?;
    Ok(web::Json(board))
}
