//! NTM statistics of a round for a unit subtree (units evaluated, units
//! meeting the whole set, the average number of criteria met, per-
//! criterion pass counts and rates, units one or two criteria short, the
//! trend across rounds) and the same as the criteria matrix `.xlsx`.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::{get, web, HttpResponse};
use chrono::NaiveDate;
use domain::access::Action;
use domain::money::Decimal;
use domain::ntm::{self as rules, UnitEvaluation};
use domain::ntm_review::EvaluationStatus;
use interchange::ntm_matrix::{self, MatrixRow, NtmMatrix};
use interchange::report;
use persistence::ntm::{self as store, EvaluationFilter, EvaluationRow};
use persistence::{units, DbConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ntm_sets::{definition, CriterionDef};
use super::task_stats::{home_province, xlsx_response, XlsxFile};
use super::tasks::today;
use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NtmStatsQuery {
    /// The round.
    #[param(example = 1)]
    pub round_id: i64,
    /// The subtree (a province, a district, a commune); the caller's whole
    /// scope when absent.
    #[param(example = 1)]
    pub unit_id: Option<i64>,
    /// Count evaluations still being entered (never submitted) too;
    /// by default only submitted ones count as evaluated.
    #[serde(default)]
    pub include_drafts: bool,
}

/// One criterion's figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CriterionStat {
    pub number: u8,
    #[schema(example = "Giao thông")]
    pub name: String,
    /// Units meeting it.
    pub passed: usize,
    /// `passed / units_evaluated` in percent, two decimals (`"83.33"`).
    #[schema(example = "83.33")]
    pub rate_percent: Option<String>,
}

/// One unit's row.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitStat {
    pub evaluation_id: i64,
    pub unit_id: i64,
    #[schema(example = "Xã Tân Sơn")]
    pub unit_name: String,
    pub status: EvaluationStatus,
    pub criteria_met: usize,
    pub all_met: bool,
    pub met: Vec<u8>,
    pub unmet: Vec<u8>,
    pub decision_number: Option<String>,
}

/// A round's headline figures, for the trend.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TrendPoint {
    pub round_id: i64,
    pub round_name: String,
    pub period_to: NaiveDate,
    pub units_evaluated: usize,
    pub units_meeting_all: usize,
    #[schema(example = "15.93")]
    pub average_criteria_met: Option<String>,
}

/// Statistics of a round over a subtree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NtmStats {
    pub round_id: i64,
    pub round_name: String,
    pub unit_id: Option<i64>,
    pub criteria_total: usize,
    pub units_evaluated: usize,
    pub units_meeting_all: usize,
    pub criteria_met_total: u64,
    /// Two decimals, halves up (`"15.93"`); null with no unit evaluated.
    #[schema(example = "15.93")]
    pub average_criteria_met: Option<String>,
    pub per_criterion: Vec<CriterionStat>,
    /// Units exactly one criterion short.
    pub units_one_away: Vec<UnitStat>,
    /// Units exactly two criteria short.
    pub units_two_away: Vec<UnitStat>,
    /// Every unit counted, in the round's order.
    pub units: Vec<UnitStat>,
    /// Every round with evaluations in the subtree, oldest first.
    pub trend: Vec<TrendPoint>,
}

fn counted(row: &EvaluationRow, include_drafts: bool) -> bool {
    include_drafts || row.status != EvaluationStatus::Draft.as_str()
}

/// `part / whole` in percent, two decimals, halves up.
fn percent(part: usize, whole: usize) -> Option<String> {
    let (part, whole) = (u128::try_from(part).ok()?, u128::try_from(whole).ok()?);
    if whole == 0 {
        return None;
    }
    let hundredths = (part * 20_000 + whole) / (whole * 2);
    Some(Decimal::new(i128::try_from(hundredths).ok()?, 2).to_string())
}

fn average(total: usize, count: usize) -> Option<String> {
    percent(total, count.checked_mul(100)?)
}

/// The roots the statistics cover: the asked unit (404 outside the
/// caller's scope) or the caller's scope.
fn roots(
    conn: &mut DbConnection,
    actor: &Actor,
    unit_id: Option<i64>,
) -> ApiResult<Option<Vec<i64>>> {
    match unit_id {
        Some(unit) => {
            actor.authorize_unit_with_heirs(conn, Action::ViewNtm, unit)?;
            Ok(units::with_predecessors(conn, Some(vec![unit]))?)
        }
        None => {
            let roots = actor.scope_roots(Action::ViewNtm)?;
            Ok(units::with_predecessors(conn, roots)?)
        }
    }
}

/// The statistics and the set's criteria (for the export's columns).
pub fn compute(
    conn: &mut DbConnection,
    actor: &Actor,
    q: &NtmStatsQuery,
) -> ApiResult<(NtmStats, Vec<CriterionDef>)> {
    let roots = roots(conn, actor, q.unit_id)?;
    let round = store::get_round(conn, q.round_id)?;
    let set = store::get_set(conn, round.set_id)?;
    let criteria = definition(&set)?;
    let scoring = super::ntm_sets::scoring_set(&set.code, &set.name, &criteria);
    let all = store::list_evaluations(
        conn,
        &EvaluationFilter {
            roots: roots.clone(),
            ..EvaluationFilter::default()
        },
    )?;
    let this_round: Vec<&EvaluationRow> = all
        .iter()
        .filter(|e| e.round_id == round.id && counted(e, q.include_drafts))
        .collect();
    if roots.is_some() && !all.iter().any(|e| e.round_id == round.id) {
        // A round with nothing in the caller's scope is not theirs to see.
        return Err(ApiError::not_found());
    }
    let ids: Vec<i64> = this_round.iter().map(|e| e.id).collect();
    let mut met: BTreeMap<i64, BTreeSet<u8>> =
        ids.iter().map(|&id| (id, BTreeSet::new())).collect();
    for row in store::criteria_of_many(conn, &ids)? {
        if row.met {
            if let (Some(set), Ok(n)) = (met.get_mut(&row.evaluation_id), u8::try_from(row.number))
            {
                set.insert(n);
            }
        }
    }
    let unit_ids: Vec<i64> = this_round.iter().map(|e| e.unit_id).collect();
    let names = units::names(conn, &unit_ids)?;
    let mut units_out = Vec::new();
    let mut summaries = Vec::new();
    for e in &this_round {
        let summary = rules::evaluation_summary(&scoring, &met[&e.id]);
        units_out.push(UnitStat {
            evaluation_id: e.id,
            unit_id: e.unit_id,
            unit_name: names.get(&e.unit_id).cloned().unwrap_or_default(),
            status: EvaluationStatus::parse(&e.status).unwrap_or(EvaluationStatus::Draft),
            criteria_met: summary.criteria_met,
            all_met: summary.all_met,
            met: summary.met.clone(),
            unmet: summary.unmet.clone(),
            decision_number: e.decision_number.clone(),
        });
        summaries.push(UnitEvaluation {
            unit_id: e.unit_id,
            summary,
        });
    }
    let stats = rules::statistics(&summaries);
    let per_criterion = criteria
        .iter()
        .map(|c| {
            let passed = stats
                .per_criterion_pass_counts
                .get(&c.number)
                .copied()
                .unwrap_or(0);
            CriterionStat {
                number: c.number,
                name: c.name.clone(),
                passed,
                rate_percent: percent(passed, stats.units_evaluated),
            }
        })
        .collect();
    let short_by = |n: usize| -> Vec<UnitStat> {
        units_out
            .iter()
            .filter(|u| u.unmet.len() == n)
            .cloned()
            .collect()
    };
    let mut trend = Vec::new();
    for r in store::list_rounds(conn, roots.as_deref())?
        .into_iter()
        .rev()
    {
        let rows: Vec<&EvaluationRow> = all
            .iter()
            .filter(|e| e.round_id == r.id && counted(e, q.include_drafts))
            .collect();
        let total: usize = rows
            .iter()
            .map(|e| usize::try_from(e.criteria_met).unwrap_or(0))
            .sum();
        trend.push(TrendPoint {
            round_id: r.id,
            round_name: r.name,
            period_to: r.period_to,
            units_evaluated: rows.len(),
            units_meeting_all: rows.iter().filter(|e| e.all_met).count(),
            average_criteria_met: average(total, rows.len()),
        });
    }
    Ok((
        NtmStats {
            round_id: round.id,
            round_name: round.name,
            unit_id: q.unit_id,
            criteria_total: criteria.len(),
            units_evaluated: stats.units_evaluated,
            units_meeting_all: stats.units_meeting_all,
            criteria_met_total: stats.criteria_met_total,
            average_criteria_met: stats.average_criteria_met.map(|d| d.to_string()),
            per_criterion,
            units_one_away: short_by(1),
            units_two_away: short_by(2),
            units: units_out,
            trend,
        },
        criteria,
    ))
}

/// NTM statistics of a round over a unit subtree.
#[utoipa::path(
    operation_id = "ntm_stats",
    tag = "ntm",
    security(("bearer" = [])),
    params(NtmStatsQuery),
    responses(
        (status = 200, body = NtmStats),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/ntm-stats")]
pub async fn ntm_stats(
    state: web::Data<AppState>,
    actor: Actor,
    q: web::Query<NtmStatsQuery>,
) -> ApiResult<web::Json<NtmStats>> {
    state.reports.check(&actor)?;
    let q = q.into_inner();
    let (stats, _) = state.db.run(move |conn| compute(conn, &actor, &q)).await?;
    Ok(web::Json(stats))
}

/// The statistics as the criteria matrix `.xlsx` in the official layout
/// (units as rows, criteria as columns with "x" where met, the count met,
/// the TỔNG CỘNG row, the signature block), the table district and
/// provincial offices exchange, with a chart of the criteria met per unit
/// on a second sheet.
#[utoipa::path(
    operation_id = "export_ntm_stats",
    tag = "ntm",
    security(("bearer" = [])),
    params(NtmStatsQuery),
    responses(
        (status = 200, description = "The matrix", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/ntm-stats/export.xlsx")]
pub async fn export_ntm_stats(
    state: web::Data<AppState>,
    actor: Actor,
    q: web::Query<NtmStatsQuery>,
) -> ApiResult<HttpResponse> {
    state.reports.check(&actor)?;
    let q = q.into_inner();
    let round_id = q.round_id;
    let bytes = state
        .db
        .run(move |conn| -> ApiResult<Vec<u8>> {
            let (stats, criteria) = compute(conn, &actor, &q)?;
            let (issuer, place) = match q.unit_id {
                Some(unit) => {
                    let unit = units::get(conn, unit)?;
                    (
                        format!("UBND {}", unit.name.to_uppercase()),
                        unit.short_name,
                    )
                }
                None => (
                    "ỦY BAN NHÂN DÂN".to_owned(),
                    home_province(conn, &actor)?.unwrap_or_default(),
                ),
            };
            let round = store::get_round(conn, round_id)?;
            let set = store::get_set(conn, round.set_id)?;
            let matrix = NtmMatrix {
                heading: vec![issuer, "BAN CHỈ ĐẠO CÁC CTMTQG".to_owned()],
                title: format!(
                    "BẢNG TỔNG HỢP KẾT QUẢ THỰC HIỆN {} — {}",
                    set.name.to_uppercase(),
                    round.name.to_uppercase()
                ),
                unit_header: "Tên đơn vị".to_owned(),
                criteria: criteria.iter().map(|c| c.number).collect(),
                rows: stats
                    .units
                    .iter()
                    .map(|u| MatrixRow {
                        name: u.unit_name.clone(),
                        met: u.met.clone(),
                        note: match (&u.decision_number, u.all_met) {
                            (Some(decision), _) => format!("Đã công nhận, QĐ {decision}"),
                            (None, true) => "Đạt chuẩn NTM".to_owned(),
                            (None, false) => String::new(),
                        },
                    })
                    .collect(),
            };
            let mut sheet = ntm_matrix::matrix_report(&matrix);
            sheet.subtitle = Some(format!(
                "Kỳ đánh giá: từ ngày {} đến ngày {}",
                round.period_from.format("%d/%m/%Y"),
                round.period_to.format("%d/%m/%Y")
            ));
            sheet.place_and_date = report::vietnamese_date_line(&place, today());
            sheet.signer_title = "TM. BAN CHỈ ĐẠO\nTRƯỞNG BAN".to_owned();
            sheet.recipients = vec![
                "Văn phòng Điều phối nông thôn mới (b/c)".to_owned(),
                "Lưu: VT".to_owned(),
            ];
            report::write_xlsx(&sheet).map_err(ApiError::internal)
        })
        .await?;
    Ok(xlsx_response(
        bytes,
        &format!("tieu-chi-ntm-dot-{round_id}.xlsx"),
    ))
}
