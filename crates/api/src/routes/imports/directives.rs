//! Directive and task lists: preview (the committee from the heading, its
//! Office, every lead and coordinating agency found) and commit through the
//! directive workflow's own checks — each document becomes a directive of
//! the committee followed by its Office, each task is assigned to its lead
//! with its coordinators and deadline, and the status the list states is
//! recorded as the task's state with an `imported` event.

use chrono::NaiveDate;
use domain::tasks::TaskState;
use interchange::legacy_tasks::{self, DocumentKind, TaskListImport, TaskStatus};
use persistence::imports::{self as store, Tagged, IMPORTED_EVENT};
use persistence::tasks::{self as task_store, NewTaskEvent, TaskChanges};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::resolve::{self, Agencies, UnitRef};
use super::{Draft, ImportContext, ImportKind, Issue, Outcome, PreviewBody};
use crate::actor::Actor;
use crate::error::{ApiError, ApiResult};
use crate::routes::tasks::{
    create_task, record_directive, DirectiveKind, Issuer, NewDirectiveBody, NewTaskBody,
};

/// One task of the list as it will be written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub document_number: Option<String>,
    pub document_date: Option<NaiveDate>,
    pub document_summary: Option<String>,
    pub document_kind: Option<String>,
    pub content: String,
    pub lead_shown: String,
    pub lead: String,
    pub coordinators: Vec<String>,
    /// The deadline cell as written.
    pub deadline_text: String,
    /// The due date; none for a standing task or none given.
    pub deadline: Option<NaiveDate>,
    pub status_text: String,
    /// `completed_on_time`, `completed_late`, `in_progress`, `overdue`,
    /// `not_started`.
    pub status: Option<String>,
    pub note: String,
    pub lead_unit: Option<UnitRef>,
    pub coordinating_units: Vec<UnitRef>,
}

/// Where the tasks go.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub committee: UnitRef,
    pub office: UnitRef,
}

fn directive_kind(kind: Option<DocumentKind>) -> DirectiveKind {
    match kind {
        Some(DocumentKind::Directive) => DirectiveKind::Directive,
        Some(DocumentKind::ConclusionNotice) => DirectiveKind::ConclusionNotice,
        Some(DocumentKind::OfficialLetter) => DirectiveKind::OfficialLetter,
        Some(DocumentKind::Decision) => DirectiveKind::Decision,
        Some(DocumentKind::Plan) | None => DirectiveKind::Other,
    }
}

pub fn preview(
    conn: &mut DbConnection,
    import: &TaskListImport,
    ctx: &ImportContext,
    file_name: String,
    today: NaiveDate,
) -> ApiResult<PreviewBody> {
    let s = legacy_tasks::summary(import);
    let summary = json!({
        "layout": import.layout.code(),
        "directives": s.directives,
        "tasks": s.tasks,
        "tasks_without_deadline": s.tasks_without_deadline,
        "tasks_by_lead": s.tasks_by_lead,
    });
    let mut issues: Vec<Issue> = import.problems.iter().map(Issue::from_read).collect();
    let mut records: Vec<Record> = import
        .tasks
        .iter()
        .map(|t| {
            let document = t.document_index.and_then(|i| import.documents.get(i));
            Record {
                document_number: document.map(|d| d.number.clone()),
                document_date: document.and_then(|d| d.date),
                document_summary: document.map(|d| d.summary.clone()),
                document_kind: document
                    .and_then(|d| d.kind)
                    .map(|k| directive_kind(Some(k)).as_str().to_owned()),
                content: t.content.clone(),
                lead_shown: t.lead_shown.clone(),
                lead: t.lead.clone(),
                coordinators: t.coordinators.clone(),
                deadline_text: t.deadline_text.clone(),
                deadline: t.deadline.and_then(|d| d.date()),
                status_text: t.status_text.clone(),
                status: t.status.map(|s| s.code().to_owned()),
                note: t.note.clone(),
                lead_unit: None,
                coordinating_units: Vec::new(),
            }
        })
        .collect();
    let on = resolve::structure_date(import.year, today);
    let committee = resolve::report_unit(
        conn,
        ctx.org_unit_id,
        import.issuer.as_deref(),
        &["province", "district", "commune"],
        on,
    )?;
    let mut unit = None;
    let mut plan = None;
    match committee {
        Ok(committee) => {
            let agencies = Agencies::load(conn, &committee, on)?;
            match agencies.office() {
                Some(office) => {
                    plan = Some(Plan {
                        committee: UnitRef::from(&committee),
                        office: UnitRef::from(office),
                    });
                }
                None => issues.push(Issue::blocking(
                    1,
                    "no_office",
                    format!(
                        "{} chưa có Văn phòng UBND trong danh mục (đơn vị theo dõi nhiệm vụ) / {} has no Office of the committee to follow the tasks up",
                        committee.name, committee.name
                    ),
                )),
            }
            for (record, task) in records.iter_mut().zip(&import.tasks) {
                let name = |shown: &str, full: &str| -> String {
                    agencies
                        .alias(shown)
                        .map_or_else(|| full.to_owned(), str::to_owned)
                };
                if !record.lead.is_empty() {
                    match agencies.find(&name(&record.lead_shown, &record.lead), task.row) {
                        Ok(u) => record.lead_unit = Some(UnitRef::from(u)),
                        Err(issue) => issues.push(issue),
                    }
                }
                let shown = legacy_tasks::split_agencies(&task.coordinators_shown);
                for (i, full) in record.coordinators.iter().enumerate() {
                    let written = shown.get(i).map_or(full.as_str(), String::as_str);
                    match agencies.find(&name(written, full), task.row) {
                        Ok(u) if record.lead_unit.as_ref().is_some_and(|l| l.id == u.id) => {}
                        Ok(u) => {
                            if !record.coordinating_units.iter().any(|c| c.id == u.id) {
                                record.coordinating_units.push(UnitRef::from(u));
                            }
                        }
                        Err(issue) => issues.push(issue),
                    }
                }
            }
            unit = Some(UnitRef::from(&committee));
        }
        Err(issue) => issues.push(issue),
    }
    for t in &import.tasks {
        if t.document_index.is_none() {
            issues.push(Issue::blocking(
                t.row,
                "no_document",
                format!(
                    "dòng {}: nhiệm vụ không thuộc văn bản nào / row {}: a task with no document",
                    t.row, t.row
                ),
            ));
        }
    }
    Draft {
        kind: ImportKind::DirectiveTaskList,
        file_name,
        head: (import.sheet.clone(), import.year, import.issuer.clone()),
        summary,
        records: import.tasks.iter().map(|r| r.row).zip(&records).collect(),
        issues,
        unit,
        plan,
    }
    .assemble()
}

/// The state and completion day a listed status stands for. A task listed
/// as completed late has no completion day in the list: the day after its
/// deadline is recorded (the earliest day it can have been).
fn state_for(status: Option<&str>, deadline: Option<NaiveDate>) -> (TaskState, Option<NaiveDate>) {
    match status.and_then(|s| {
        [
            TaskStatus::CompletedOnTime,
            TaskStatus::CompletedLate,
            TaskStatus::InProgress,
            TaskStatus::Overdue,
            TaskStatus::NotStarted,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }) {
        Some(TaskStatus::CompletedOnTime) => (TaskState::Completed, deadline),
        Some(TaskStatus::CompletedLate) => {
            (TaskState::Completed, deadline.and_then(|d| d.succ_opt()))
        }
        Some(TaskStatus::InProgress | TaskStatus::Overdue) => (TaskState::InProgress, None),
        Some(TaskStatus::NotStarted) | None => (TaskState::Assigned, None),
    }
}

pub fn commit(
    conn: &mut DbConnection,
    actor: &Actor,
    import_id: i64,
    preview: &PreviewBody,
    progress: &dyn Fn(usize, usize),
) -> ApiResult<Outcome> {
    let plan: Plan = preview.plan_as()?;
    let mut outcome = Outcome::default();
    let mut directive_ids: Vec<((String, NaiveDate), i64)> = Vec::new();
    let total = preview.rows.len();
    for (done, r) in preview.rows.iter().enumerate() {
        progress(done, total);
        let record: Record =
            serde_json::from_value(r.values.clone()).map_err(ApiError::internal)?;
        let (Some(lead), Some(date)) = (&record.lead_unit, record.document_date) else {
            return Err(ApiError::internal(
                "a previewed task without its lead or date",
            ));
        };
        let number = record
            .document_number
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "Không số".to_owned());
        let content = domain::text::canonical(&record.content);
        let doc_key = (number.clone(), date);
        let directive_id = match directive_ids.iter().find(|(k, _)| *k == doc_key) {
            Some((_, id)) => *id,
            None => {
                let id = match store::directive_numbered(conn, plan.committee.id, &number, date)? {
                    Some(id) => {
                        outcome.unchanged("directives", 1);
                        id
                    }
                    None => {
                        let d = record_directive(
                            conn,
                            actor,
                            &NewDirectiveBody {
                                issuing_unit_id: plan.committee.id,
                                office_unit_id: plan.office.id,
                                issuer: Issuer::Committee,
                                issuer_name: String::new(),
                                kind: DirectiveKind::parse(
                                    record.document_kind.as_deref().unwrap_or("other"),
                                ),
                                number: number.clone(),
                                issued_on: date,
                                summary: record
                                    .document_summary
                                    .clone()
                                    .filter(|s| !s.is_empty())
                                    .unwrap_or_else(|| number.clone()),
                                tasks: Vec::new(),
                                attachment_ids: Vec::new(),
                            },
                        )
                        .map_err(|e| e.prefixed(&format!("dòng {} / row {}: ", r.row, r.row)))?;
                        store::tag(conn, Tagged::Directive, d.id, Some(import_id))?;
                        outcome.created("directives", 1);
                        d.id
                    }
                };
                directive_ids.push((doc_key, id));
                id
            }
        };
        if store::task_in(conn, directive_id, &content, lead.id)?.is_some() {
            outcome.unchanged("tasks", 1);
            continue;
        }
        let directive = task_store::get_directive(conn, directive_id)?;
        let task = create_task(
            conn,
            actor,
            &directive,
            &NewTaskBody {
                content: content.clone(),
                lead_unit_id: lead.id,
                coordinating_unit_ids: record.coordinating_units.iter().map(|u| u.id).collect(),
                specialist_id: None,
                deadline: record.deadline,
                reporting_cycle: None,
                priority: domain::tasks::Priority::Normal,
                tags: Vec::new(),
                attachment_ids: Vec::new(),
            },
            None,
            date,
        )
        .map_err(|e| e.prefixed(&format!("dòng {} / row {}: ", r.row, r.row)))?;
        let (state, completed_on) = state_for(record.status.as_deref(), record.deadline);
        let task = if state == TaskState::Assigned {
            task
        } else {
            task_store::update_task(
                conn,
                task.id,
                task.version,
                TaskChanges {
                    state: state.as_str().to_owned(),
                    progress_percent: if state == TaskState::Completed {
                        100
                    } else {
                        0
                    },
                    has_difficulty: false,
                    deadline: task.deadline,
                    completed_on,
                    version: task.version,
                    updated_at: task.updated_at,
                },
            )?
        };
        task_store::insert_event(
            conn,
            &NewTaskEvent {
                task_id: task.id,
                kind: IMPORTED_EVENT.to_owned(),
                actor_id: actor.user_id(),
                actor_name: actor.name.clone(),
                note: format!(
                    "Nhập từ {}, dòng {}: \"{}\" / imported from the list",
                    preview.file_name, r.row, record.status_text
                ),
                percent: None,
                requested_deadline: None,
                approved: None,
                from_state: TaskState::Assigned.as_str().to_owned(),
                to_state: state.as_str().to_owned(),
                late: false,
            },
        )?;
        store::tag(conn, Tagged::Task, task.id, Some(import_id))?;
        outcome.created("tasks", 1);
    }
    Ok(outcome)
}

/// Whether nothing later rests on the import's directives and tasks.
pub fn rollback(conn: &mut DbConnection, import_id: i64) -> ApiResult<Vec<String>> {
    let blockers = store::task_dependents(conn, import_id)?;
    if blockers.is_empty() {
        store::remove_tasks(conn, import_id)?;
    }
    Ok(blockers)
}
