//! NTM criteria matrices: preview (the district from the heading, each
//! commune under it, the round's set against the report's criteria) and
//! commit into an evaluation round: each commune's evaluation records the
//! report's result per criterion (status `recorded`), created for communes
//! the round did not list yet. An evaluation already entered or reviewed is
//! never overwritten.

use chrono::NaiveDate;
use domain::access::Action;
use domain::ntm_review::{EvaluationStatus, ReviewState};
use interchange::legacy_ntm::{self, NtmImport};
use persistence::imports::{self as store, Tagged, IMPORTED_STEP};
use persistence::ntm::{
    self as ntm_store, CriterionRow, EvaluationFilter, EvaluationSummaryFields, NewEvaluation,
    NewStep,
};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::resolve::{self, UnitRef};
use super::{Draft, ImportContext, ImportKind, Issue, Outcome, PreviewBody};
use crate::actor::Actor;
use crate::error::{ApiError, ApiResult};
use crate::routes::ntm_sets::{ancestor_of_kind, chain_of, conflict, definition};

/// One commune's row as it will be recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub code: Option<String>,
    pub name: String,
    pub met: Vec<u8>,
    pub stated_count: Option<u32>,
    pub note: String,
    pub unit: Option<UnitRef>,
}

/// The round the results go into.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub district: UnitRef,
    pub round_id: i64,
    pub criteria: Vec<u8>,
}

pub fn preview(
    conn: &mut DbConnection,
    import: &NtmImport,
    ctx: &ImportContext,
    file_name: String,
    today: NaiveDate,
) -> ApiResult<PreviewBody> {
    let s = legacy_ntm::summary(import);
    let mut summary = json!({
        "communes": s.communes,
        "criteria": import.criteria.len(),
        "communes_meeting_all": s.communes_meeting_all,
        "average_criteria_met": s.average_criteria_met,
        "per_criterion_communes_met": s.per_criterion_met,
    });
    summary[format!("communes_meeting_all_{}", import.criteria.len())] =
        json!(s.communes_meeting_all);
    let mut issues: Vec<Issue> = import.problems.iter().map(Issue::from_read).collect();
    let mut records: Vec<Record> = import
        .rows
        .iter()
        .map(|r| Record {
            code: r.code.clone(),
            name: r.name.clone(),
            met: r.met.clone(),
            stated_count: r.stated_count,
            note: r.note.clone(),
            unit: None,
        })
        .collect();
    let on = resolve::structure_date(import.year, today);
    let district = resolve::report_unit(
        conn,
        ctx.org_unit_id,
        import.issuer.as_deref(),
        &["district", "province"],
        on,
    )?;
    let round = match ctx.round_id {
        Some(id) => match ntm_store::get_round(conn, id) {
            Ok(round) => Some(round),
            Err(_) => {
                issues.push(Issue::blocking(
                    1,
                    "unknown_round",
                    format!("Không có đợt đánh giá #{id} / no round #{id}"),
                ));
                None
            }
        },
        None => {
            issues.push(Issue::blocking(
                1,
                "no_round",
                "Chọn đợt đánh giá để ghi kết quả (round_id) / choose the evaluation round to record into (round_id)".into(),
            ));
            None
        }
    };
    if let Some(round) = &round {
        let set = ntm_store::get_set(conn, round.set_id)?;
        let mut numbers: Vec<u8> = definition(&set)?.iter().map(|c| c.number).collect();
        numbers.sort_unstable();
        let mut mine = import.criteria.clone();
        mine.sort_unstable();
        if numbers != mine {
            issues.push(Issue::blocking(
                1,
                "criteria_differ",
                format!(
                    "Tiêu chí trong báo cáo ({mine:?}) khác bộ tiêu chí của đợt ({numbers:?}) / the report's criteria differ from the round's set"
                ),
            ));
        }
        if import.year.is_some_and(|y| y != round.year) {
            issues.push(Issue::warning(
                1,
                "year_differs",
                format!(
                    "Báo cáo năm {} nhưng đợt đánh giá năm {} / the report's year differs from the round's",
                    import.year.unwrap_or_default(),
                    round.year
                ),
            ));
        }
    }
    let mut unit = None;
    let mut plan = None;
    match district {
        Ok(district) => {
            let communes = resolve::children_on(conn, district.id, on)?;
            let evaluations = match &round {
                Some(r) => ntm_store::list_evaluations(
                    conn,
                    &EvaluationFilter {
                        round_id: Some(r.id),
                        ..EvaluationFilter::default()
                    },
                )?,
                None => Vec::new(),
            };
            for (record, row) in records.iter_mut().zip(&import.rows) {
                let by_code = match &row.code {
                    Some(code) => persistence::units::find_by_code(conn, "commune", code, on)?
                        .filter(|u| communes.iter().any(|c| c.id == u.id)),
                    None => None,
                };
                let found = match by_code {
                    Some(u) => u,
                    None => {
                        match resolve::unit_on_row(&communes, &row.name, &district.name, row.row) {
                            Ok(u) => u.clone(),
                            Err(issue) => {
                                issues.push(issue);
                                continue;
                            }
                        }
                    }
                };
                if let Some(e) = evaluations.iter().find(|e| e.unit_id == found.id) {
                    if e.status != EvaluationStatus::Draft.as_str()
                        && e.status != EvaluationStatus::Recorded.as_str()
                    {
                        issues.push(Issue::blocking(
                            row.row,
                            "evaluation_started",
                            format!(
                                "dòng {}: phiếu đánh giá của {} trong đợt này đã gửi thẩm định, không ghi đè / row {}: the unit's evaluation is already under review",
                                row.row, found.name, row.row
                            ),
                        ));
                    }
                }
                record.unit = Some(UnitRef::from(&found));
            }
            unit = Some(UnitRef::from(&district));
            if let Some(round) = &round {
                plan = Some(Plan {
                    district: UnitRef::from(&district),
                    round_id: round.id,
                    criteria: import.criteria.clone(),
                });
            }
        }
        Err(issue) => issues.push(issue),
    }
    Draft {
        kind: ImportKind::NtmCriteriaMatrix,
        file_name,
        head: (import.sheet.clone(), import.year, import.issuer.clone()),
        summary,
        records: import.rows.iter().map(|r| r.row).zip(&records).collect(),
        issues,
        unit,
        plan,
    }
    .assemble()
}

pub fn commit(
    conn: &mut DbConnection,
    actor: &Actor,
    import_id: i64,
    preview: &PreviewBody,
    progress: &dyn Fn(usize, usize),
) -> ApiResult<Outcome> {
    let plan: Plan = preview.plan_as()?;
    let round = ntm_store::get_round(conn, plan.round_id)?;
    let set = ntm_store::get_set(conn, round.set_id)?;
    let criteria = definition(&set)?;
    let chain_len = chain_of(&round)?.len();
    let stage = i32::try_from(chain_len).map_err(ApiError::internal)?;
    let existing = ntm_store::list_evaluations(
        conn,
        &EvaluationFilter {
            round_id: Some(round.id),
            ..EvaluationFilter::default()
        },
    )?;
    let mut outcome = Outcome::default();
    let mut recorded = Vec::new();
    let total = preview.rows.len();
    for (done, r) in preview.rows.iter().enumerate() {
        progress(done, total);
        let record: Record =
            serde_json::from_value(r.values.clone()).map_err(ApiError::internal)?;
        let Some(unit) = &record.unit else {
            return Err(ApiError::internal("a previewed row without its unit"));
        };
        actor
            .authorize_unit_with_heirs(conn, Action::ManageNtm, unit.id)
            .map_err(|e| e.prefixed(&format!("dòng {} / row {}: ", r.row, r.row)))?;
        let rows: Vec<CriterionRow> = criteria
            .iter()
            .map(|c| CriterionRow {
                evaluation_id: 0,
                number: i32::from(c.number),
                department_unit_id: c.department_unit_id,
                stage,
                state: ReviewState::Accepted.as_str().to_owned(),
                awaiting_unit_id: None,
                met: record.met.contains(&c.number),
                claimed_met: Some(record.met.contains(&c.number)),
                return_reason: None,
            })
            .collect();
        let evaluation = match existing.iter().find(|e| e.unit_id == unit.id) {
            Some(e) if e.status == EvaluationStatus::Recorded.as_str() => {
                let now: Vec<CriterionRow> = ntm_store::criteria_of(conn, e.id)?;
                let same = now.len() == rows.len()
                    && now.iter().all(|c| {
                        rows.iter().any(|x| x.number == c.number && x.met == c.met)
                    });
                if !same {
                    return Err(conflict(
                        "file",
                        "already_recorded",
                        &format!(
                            "dòng {}: kết quả của {} đã được ghi từ một báo cáo khác; hãy hủy lần nhập đó trước / row {}: results were recorded from another report; roll that import back first",
                            r.row, unit.name, r.row
                        ),
                    ));
                }
                outcome.unchanged("evaluations", 1);
                continue;
            }
            Some(e) if e.status == EvaluationStatus::Draft.as_str() && ntm_store::values_of(conn, e.id)?.is_empty() => {
                for row in &rows {
                    ntm_store::update_criterion(conn, &CriterionRow { evaluation_id: e.id, ..row.clone() })?;
                }
                recorded.push(e.id);
                e.id
            }
            Some(_) => {
                return Err(conflict(
                    "file",
                    "evaluation_started",
                    &format!(
                        "dòng {}: phiếu đánh giá của {} đã có số liệu hoặc đang thẩm định / row {}: the evaluation is already being entered or reviewed",
                        r.row, unit.name, r.row
                    ),
                ))
            }
            None => {
                let district_id = ancestor_of_kind(conn, unit.id, "district")?;
                let e = ntm_store::insert_evaluation(
                    conn,
                    &NewEvaluation {
                        round_id: round.id,
                        unit_id: unit.id,
                        district_id,
                        region: None,
                        commune_group: None,
                        status: EvaluationStatus::Recorded.as_str().to_owned(),
                    },
                    &rows,
                )?;
                e.id
            }
        };
        let met =
            i32::try_from(rows.iter().filter(|c| c.met).count()).map_err(ApiError::internal)?;
        ntm_store::update_summary(
            conn,
            evaluation,
            &EvaluationSummaryFields {
                status: EvaluationStatus::Recorded.as_str().to_owned(),
                criteria_met: met,
                all_met: rows.iter().all(|c| c.met),
            },
        )?;
        ntm_store::insert_step(
            conn,
            &NewStep {
                evaluation_id: evaluation,
                stage,
                action: IMPORTED_STEP.to_owned(),
                criteria: serde_json::to_string(&record.met).map_err(ApiError::internal)?,
                reason: format!("Nhập từ {}, dòng {}", preview.file_name, r.row),
                actor_id: actor.user_id(),
                actor_name: actor.name.clone(),
            },
        )?;
        store::tag(conn, Tagged::Evaluation, evaluation, Some(import_id))?;
        outcome.created("evaluations", 1);
    }
    outcome.note("reset_to_draft", serde_json::json!(recorded));
    Ok(outcome)
}

/// Whether nothing later rests on the recorded evaluations; if so, those
/// the import created go and those it filled return to empty drafts.
pub fn rollback(
    conn: &mut DbConnection,
    import_id: i64,
    result: &serde_json::Value,
) -> ApiResult<Vec<String>> {
    let blockers = store::evaluation_dependents(conn, import_id)?;
    if !blockers.is_empty() {
        return Ok(blockers);
    }
    let filled: Vec<i64> = result["notes"]["reset_to_draft"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_i64).collect())
        .unwrap_or_default();
    for id in store::tagged(conn, Tagged::Evaluation, import_id)? {
        if !filled.contains(&id) {
            store::remove_evaluation(conn, id)?;
            continue;
        }
        let e = ntm_store::get_evaluation(conn, id)?;
        for c in ntm_store::criteria_of(conn, id)? {
            ntm_store::update_criterion(
                conn,
                &CriterionRow {
                    stage: 0,
                    state: ReviewState::Open.as_str().to_owned(),
                    awaiting_unit_id: Some(e.unit_id),
                    met: false,
                    claimed_met: None,
                    return_reason: None,
                    ..c
                },
            )?;
        }
        ntm_store::update_summary(
            conn,
            id,
            &EvaluationSummaryFields {
                status: EvaluationStatus::Draft.as_str().to_owned(),
                criteria_met: 0,
                all_met: false,
            },
        )?;
        store::remove_imported_steps(conn, id)?;
        store::tag(conn, Tagged::Evaluation, id, None)?;
    }
    Ok(blockers)
}
