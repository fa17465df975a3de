//! Task statistics: counts per timeliness class and the on-time completion
//! rate, grouped by lead unit, issuer, specialist, month or quarter of the
//! deadline, against the current or the original deadline.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web, HttpResponse};
use chrono::{Datelike, NaiveDate};
use domain::task_stats::TimelinessCounts;
use domain::tasks::{self as rules, DeadlineBasis, TaskState};
use persistence::tasks::{self as store, TaskStatRow};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, Problem};
use crate::routes::tasks::{base_filter, task_roots, today, DUE_SOON_DAYS};
use crate::state::AppState;

/// What the rows of the statistics are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    LeadUnit,
    Issuer,
    Specialist,
    Month,
    Quarter,
}

/// Which tasks the statistics count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatsPeriod {
    /// The tasks still open and those closed since 1 January of this year,
    /// as on the wall board: the year's work, whatever the history.
    Current,
    /// Every task ever assigned (its cost grows with history).
    All,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// `current` (default): open tasks and those closed this year; `all`:
    /// every task ever assigned.
    pub period: Option<StatsPeriod>,
    /// Rows per lead unit (default), issuer, specialist, or deadline month
    /// or quarter.
    #[param(example = "lead_unit")]
    pub group_by: Option<GroupBy>,
    /// Judge timeliness against the current deadline (default, after
    /// extensions) or the original one.
    pub basis: Option<DeadlineBasis>,
    pub issuing_unit_id: Option<i64>,
    /// Only the tasks of this directive.
    pub directive_id: Option<i64>,
    /// Only tasks whose deadline falls in this range.
    pub deadline_from: Option<NaiveDate>,
    pub deadline_to: Option<NaiveDate>,
}

/// One row of the statistics.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StatsRow {
    /// Stable key: a unit or user id, an issuer code, `2026-11`, `2026-Q4`,
    /// or `none` (no deadline / no specialist).
    pub key: String,
    /// What people read, Vietnamese.
    #[schema(example = "Sở Tài chính")]
    pub label: String,
    pub counts: TimelinessCounts,
    /// Completed on time among completed, in basis points (10000 = 100 %).
    pub on_time_rate_bp: Option<u64>,
}

/// Task statistics (cancelled tasks are not counted).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskStats {
    pub group_by: GroupBy,
    pub basis: DeadlineBasis,
    pub period: StatsPeriod,
    /// The local date the classes were computed for.
    pub as_of: NaiveDate,
    pub rows: Vec<StatsRow>,
    pub total: StatsRow,
}

fn quarter_roman(q: u32) -> &'static str {
    ["I", "II", "III", "IV"][((q.max(1) - 1) % 4) as usize]
}

/// The group key and label of a task.
fn group_of(
    row: &TaskStatRow,
    by: GroupBy,
    deadline: Option<NaiveDate>,
    issuers: &HashMap<i64, String>,
) -> (String, String) {
    let none = || ("none".to_owned(), "Thường xuyên (không có hạn)".to_owned());
    match by {
        GroupBy::LeadUnit => (row.lead_unit_id.to_string(), String::new()),
        GroupBy::Specialist => row
            .specialist_id
            .map(|id| (id.to_string(), String::new()))
            .unwrap_or_else(|| ("none".into(), "Chưa phân công chuyên viên".into())),
        GroupBy::Issuer => {
            let code = issuers
                .get(&row.directive_id)
                .cloned()
                .unwrap_or_else(|| "committee".into());
            let label = match code.as_str() {
                "chair" => "Chủ tịch UBND",
                "vice_chair" => "Phó Chủ tịch UBND",
                _ => "UBND (tập thể)",
            };
            (code, label.into())
        }
        GroupBy::Month => deadline.map_or_else(none, |d| {
            (
                format!("{}-{:02}", d.year(), d.month()),
                format!("Tháng {:02}/{}", d.month(), d.year()),
            )
        }),
        GroupBy::Quarter => deadline.map_or_else(none, |d| {
            let q = (d.month() - 1) / 3 + 1;
            (
                format!("{}-Q{q}", d.year()),
                format!("Quý {}/{}", quarter_roman(q), d.year()),
            )
        }),
    }
}

fn row(key: String, label: String, counts: TimelinessCounts) -> StatsRow {
    StatsRow {
        key,
        label,
        on_time_rate_bp: counts.on_time_rate_bp(),
        counts,
    }
}

/// Names for unit and user keys.
fn label_for(conn: &mut DbConnection, by: GroupBy, key: &str) -> ApiResult<Option<String>> {
    let Ok(id) = key.parse::<i64>() else {
        return Ok(None);
    };
    Ok(match by {
        GroupBy::LeadUnit => Some(persistence::units::get(conn, id)?.name),
        GroupBy::Specialist => Some(persistence::identity::get_user(conn, id)?.full_name),
        _ => None,
    })
}

/// Compute the statistics for the rows the caller may see.
pub fn compute(
    conn: &mut DbConnection,
    rows: &[TaskStatRow],
    by: GroupBy,
    basis: DeadlineBasis,
    period: StatsPeriod,
    as_of: NaiveDate,
) -> ApiResult<TaskStats> {
    let directive_ids: Vec<i64> = rows.iter().map(|r| r.directive_id).collect();
    let issuers: HashMap<i64, String> = if by == GroupBy::Issuer {
        store::directive_issuers(conn, &directive_ids)?
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let mut groups: BTreeMap<String, (String, TimelinessCounts)> = BTreeMap::new();
    let mut total = TimelinessCounts::default();
    for r in rows {
        let state = TaskState::parse(&r.state).unwrap_or(TaskState::Assigned);
        let deadline = rules::effective_deadline(r.original_deadline, r.deadline, basis);
        let class = rules::classify(state, deadline, r.completed_on, as_of, DUE_SOON_DAYS);
        let (key, label) = group_of(r, by, deadline, &issuers);
        let entry = groups
            .entry(key)
            .or_insert_with(|| (label, TimelinessCounts::default()));
        entry.1.add(class);
        total.add(class);
    }
    let mut out = Vec::with_capacity(groups.len());
    for (key, (label, counts)) in groups {
        let label = match label_for(conn, by, &key)? {
            Some(name) => name,
            None => label,
        };
        out.push(row(key, label, counts));
    }
    if matches!(by, GroupBy::LeadUnit | GroupBy::Specialist) {
        out.sort_by(|a, b| a.label.cmp(&b.label).then(a.key.cmp(&b.key)));
    }
    Ok(TaskStats {
        group_by: by,
        basis,
        period,
        as_of,
        rows: out,
        total: row("total".into(), "Tổng cộng".into(), total),
    })
}

/// 1 January of the year of `day`.
pub fn year_start(day: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day)
}

fn stats_filter(actor: &Actor, q: &StatsQuery, as_of: NaiveDate) -> ApiResult<store::TaskFilter> {
    let period = q.period.unwrap_or(StatsPeriod::Current);
    Ok(store::TaskFilter {
        closed_since: (period == StatsPeriod::Current).then(|| year_start(as_of)),
        issuing_unit_id: q.issuing_unit_id,
        directive_id: q.directive_id,
        deadline_from: q.deadline_from,
        deadline_to: q.deadline_to,
        ..base_filter(task_roots(actor)?)
    })
}

/// The statistics the query asks for, of the tasks the caller may see.
fn stats_for(conn: &mut DbConnection, actor: &Actor, q: &StatsQuery) -> ApiResult<TaskStats> {
    let as_of = today();
    let filter = stats_filter(actor, q, as_of)?;
    let rows = store::stat_rows(conn, &filter)?;
    compute(
        conn,
        &rows,
        q.group_by.unwrap_or(GroupBy::LeadUnit),
        q.basis.unwrap_or(DeadlineBasis::Current),
        q.period.unwrap_or(StatsPeriod::Current),
        as_of,
    )
}

/// Statistics of the tasks the caller may see: by default the year's work
/// (open tasks and those closed since 1 January), or every task with
/// `period=all`.
#[utoipa::path(
    operation_id = "get_task_stats",
    tag = "tasks",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, body = TaskStats),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/task-stats")]
pub async fn task_stats(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<StatsQuery>,
) -> ApiResult<web::Json<TaskStats>> {
    state.reports.check(&actor)?;
    let stats = state
        .db
        .run(move |conn| stats_for(conn, &actor, &query.into_inner()))
        .await?;
    Ok(web::Json(stats))
}

/// The province the actor works in (for the report's header): the first
/// province above the actor's first grant.
pub fn home_province(conn: &mut DbConnection, actor: &Actor) -> ApiResult<Option<String>> {
    let Some(grant) = actor.grants.first() else {
        return Ok(None);
    };
    Ok(persistence::units::ancestors(conn, grant.unit_id)?
        .into_iter()
        .chain(std::iter::once(persistence::units::get(
            conn,
            grant.unit_id,
        )?))
        .find(|u| u.kind == "province")
        .map(|u| u.short_name))
}

fn group_heading(by: GroupBy) -> &'static str {
    match by {
        GroupBy::LeadUnit => "Cơ quan, đơn vị chủ trì",
        GroupBy::Issuer => "Người chỉ đạo",
        GroupBy::Specialist => "Chuyên viên theo dõi",
        GroupBy::Month => "Tháng (theo thời hạn)",
        GroupBy::Quarter => "Quý (theo thời hạn)",
    }
}

/// The statistics in the layout offices send to the committee.
pub fn stats_report(stats: &TaskStats, province: Option<&str>) -> ApiResult<Vec<u8>> {
    use interchange::report::{Cell, ChartSpec, Column, ColumnKind, Report, Row, RowStyle};
    let column = |header: &str, group: Option<&str>, width: f64, kind: ColumnKind| Column {
        header: header.into(),
        group: group.map(Into::into),
        width,
        kind,
    };
    let open = Some("Đang thực hiện");
    let done = Some("Đã hoàn thành");
    let columns = vec![
        column("STT", None, 6.0, ColumnKind::Text),
        column(group_heading(stats.group_by), None, 36.0, ColumnKind::Text),
        column("Tổng số nhiệm vụ", None, 11.0, ColumnKind::Integer),
        column("Trong hạn", open, 10.0, ColumnKind::Integer),
        column("Sắp đến hạn", open, 10.0, ColumnKind::Integer),
        column("Quá hạn", open, 10.0, ColumnKind::Integer),
        column("Đúng hạn", done, 10.0, ColumnKind::Integer),
        column("Trễ hạn", done, 10.0, ColumnKind::Integer),
        column("Không có thời hạn", None, 11.0, ColumnKind::Integer),
        column("Tỷ lệ hoàn thành đúng hạn", None, 12.0, ColumnKind::Rate),
    ];
    let cells = |first: Cell, label: &str, r: &StatsRow| {
        let n = |v: u64| Cell::Int(i64::try_from(v).unwrap_or(i64::MAX));
        let c = &r.counts;
        vec![
            first,
            Cell::Text(label.into()),
            n(c.total),
            n(c.on_time),
            n(c.due_soon),
            n(c.overdue),
            n(c.completed_on_time),
            n(c.completed_late),
            n(c.no_deadline),
            Cell::Rate(r.on_time_rate_bp),
        ]
    };
    let mut rows: Vec<Row> = stats
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| Row {
            style: RowStyle::Detail,
            cells: cells(Cell::Text((i + 1).to_string()), &r.label, r),
        })
        .collect();
    let mut total = cells(Cell::Empty, "", &stats.total);
    total[1] = Cell::Empty;
    rows.push(Row {
        style: RowStyle::Total,
        cells: total,
    });
    let place = province.unwrap_or("");
    let report = Report {
        issuing_body: if place.is_empty() {
            "UBND".into()
        } else {
            format!("UBND tỉnh {place}")
        },
        issuing_office: Some("Văn phòng".into()),
        place_and_date: interchange::report::vietnamese_date_line(place, stats.as_of),
        title: "BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO".into(),
        subtitle: Some(format!(
            "Số liệu đến ngày {} ({}; {})",
            stats.as_of.format("%d/%m/%Y"),
            match stats.basis {
                DeadlineBasis::Original => "theo thời hạn ban đầu",
                DeadlineBasis::Current => "theo thời hạn sau gia hạn",
            },
            match stats.period {
                StatsPeriod::Current => format!(
                    "nhiệm vụ đang thực hiện và đã kết thúc từ ngày {}",
                    year_start(stats.as_of).format("%d/%m/%Y")
                ),
                StatsPeriod::All => "toàn bộ nhiệm vụ".to_owned(),
            }
        )),
        amount_unit: None,
        columns,
        rows,
        signer_title: "CHÁNH VĂN PHÒNG".into(),
        signer_name: String::new(),
        recipients: vec!["Thường trực UBND tỉnh (b/c)".into(), "Lưu: VT".into()],
        chart: Some(ChartSpec {
            title: "Tỷ lệ hoàn thành đúng hạn".into(),
            category_column: 1,
            value_column: 9,
            plotted: RowStyle::Detail,
        }),
        sheet_name: "Thống kê nhiệm vụ".into(),
    };
    interchange::report::write_xlsx(&report).map_err(ApiError::internal)
}

/// The statistics as an `.xlsx` report (same parameters as `/task-stats`).
#[utoipa::path(
    operation_id = "export_task_stats",
    tag = "tasks",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "The report", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/task-stats/export.xlsx")]
pub async fn export_task_stats(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<StatsQuery>,
) -> ApiResult<HttpResponse> {
    state.reports.check(&actor)?;
    let bytes = state
        .db
        .run(move |conn| {
            let stats = stats_for(conn, &actor, &query.into_inner())?;
            let province = home_province(conn, &actor)?;
            stats_report(&stats, province.as_deref())
        })
        .await?;
    Ok(xlsx_response(bytes, "thong-ke-nhiem-vu.xlsx"))
}

/// An Excel workbook (binary).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct XlsxFile(pub Vec<u8>);

/// An `.xlsx` download.
pub fn xlsx_response(bytes: Vec<u8>, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(bytes)
}
