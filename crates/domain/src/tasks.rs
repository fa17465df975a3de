//! Directive tracking (*theo dõi thực hiện chỉ đạo*): the life of a task
//! and its timeliness, as pure functions.
//!
//! The Provincial People's Committee issues directives; each yields tasks
//! (*nhiệm vụ*) assigned to a lead agency (*cơ quan chủ trì*) with
//! coordinating agencies (*cơ quan phối hợp*), a deadline or none (a standing
//! task, *thường xuyên*), and a follow-up specialist in the Committee's
//! Office (*chuyên viên theo dõi*). The lead agency reports progress, raises
//! difficulties, asks for extensions and proposes completion; the
//! specialist reviews the proposal; the Office's leadership (or the
//! Committee leader who issued the task) confirms the completion or returns
//! it. A completion proposed after the deadline needs an explanation
//! (*giải trình*).
//!
//! # Transitions
//!
//! [`apply`] is the one entry point: given the task's [`TaskState`], a
//! [`TaskAction`], the capacities ([`TaskParty`]) in which the actor relates
//! to the task and a [`TransitionContext`] (today's date and the current
//! deadline), it returns the next state or a [`TaskRuleError`]. "Same" means
//! the action is an event recorded on the task that leaves the state as it
//! is; "open" is every state but [`TaskState::Completed`] and
//! [`TaskState::Cancelled`].
//!
//! | Action | From | To | Parties |
//! |---|---|---|---|
//! | Accept | Assigned | InProgress | LeadAgency |
//! | ReportProgress | Assigned, InProgress | InProgress | LeadAgency |
//! | ReportDifficulty | Assigned, InProgress | same | LeadAgency, Coordinator |
//! | Remind | open | same | Specialist, OfficeLeader |
//! | Comment | any | same | every party but Observer |
//! | RequestExtension | Assigned, InProgress (with a deadline) | same | LeadAgency |
//! | DecideExtension | open | same | Issuer, OfficeLeader |
//! | ProposeCompletion | Assigned, InProgress | CompletionProposed | LeadAgency |
//! | Review (accept / return) | CompletionProposed | Reviewed / InProgress | Specialist |
//! | Confirm | Reviewed | Completed | Issuer, OfficeLeader |
//! | Return | CompletionProposed | InProgress | Issuer, OfficeLeader, Specialist |
//! | Return | Reviewed | InProgress | Issuer, OfficeLeader |
//! | ProposeDecline | Assigned, InProgress | DeclineProposed | LeadAgencyLeader |
//! | DecideDecline (accept / refuse) | DeclineProposed | Cancelled / InProgress | Issuer, OfficeLeader |
//! | Cancel | open | Cancelled | Issuer, OfficeLeader |
//! | Reopen | Completed | InProgress | Issuer, OfficeLeader |
//!
//! [`TaskParty::LeadAgencyLeader`] implies [`TaskParty::LeadAgency`], so
//! wherever LeadAgency is listed the lead agency's leader may act too. So
//! [`TaskState::Completed`] is reached only by Confirm from
//! [`TaskState::Reviewed`], and Reviewed only by the specialist's Review:
//! leadership cannot skip the specialist.
//!
//! # Timeliness
//!
//! Timeliness is computed, never stored: [`classify`] puts a task in one of
//! the six [`Timeliness`] classes for a given day, against the deadline
//! chosen by [`effective_deadline`] (the original or the current, extended
//! one). [`local_today`] gives the calendar date in Vietnam for a UTC
//! instant; the rules themselves never read the clock.

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use serde::{Deserialize, Serialize};

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// *Đã giao*: assigned, not yet taken up by the lead agency.
    Assigned,
    /// *Đang thực hiện*: the lead agency is working on it.
    InProgress,
    /// *Đề nghị hoàn thành*: the lead agency reports it done and awaits the
    /// specialist's review.
    CompletionProposed,
    /// *Đã xem xét, chờ xác nhận*: the specialist has reviewed the
    /// completion; the leadership is to confirm it.
    Reviewed,
    /// *Đã hoàn thành*: completion confirmed by the leadership.
    Completed,
    /// *Đề nghị chuyển giao/từ chối*: the lead agency asks for the task to
    /// be given to another agency, or declines it.
    DeclineProposed,
    /// *Đã hủy*: cancelled (also after an accepted decline; the task is then
    /// reassigned as a new task).
    Cancelled,
}

impl TaskState {
    /// Every state, in declaration order.
    pub const ALL: [TaskState; 7] = [
        TaskState::Assigned,
        TaskState::InProgress,
        TaskState::CompletionProposed,
        TaskState::Reviewed,
        TaskState::Completed,
        TaskState::DeclineProposed,
        TaskState::Cancelled,
    ];

    /// Whether the task is still open: every state but
    /// [`Completed`](Self::Completed) and [`Cancelled`](Self::Cancelled).
    pub const fn is_open(self) -> bool {
        !matches!(self, TaskState::Completed | TaskState::Cancelled)
    }

    /// The stable code, as stored and serialised, e.g. `"in_progress"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskState::Assigned => "assigned",
            TaskState::InProgress => "in_progress",
            TaskState::CompletionProposed => "completion_proposed",
            TaskState::Reviewed => "reviewed",
            TaskState::Completed => "completed",
            TaskState::DeclineProposed => "decline_proposed",
            TaskState::Cancelled => "cancelled",
        }
    }

    /// The state with the code [`as_str`](Self::as_str) returns; `None` for
    /// any other text.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// The Vietnamese label, e.g. `"Đang thực hiện"`.
    pub const fn label_vi(self) -> &'static str {
        match self {
            TaskState::Assigned => "Đã giao",
            TaskState::InProgress => "Đang thực hiện",
            TaskState::CompletionProposed => "Đề nghị hoàn thành",
            TaskState::Reviewed => "Đã xem xét, chờ xác nhận",
            TaskState::Completed => "Đã hoàn thành",
            TaskState::DeclineProposed => "Đề nghị chuyển giao/từ chối",
            TaskState::Cancelled => "Đã hủy",
        }
    }
}

/// A capacity in which an actor relates to a task. The API computes an
/// actor's parties from their grants and the task's units; one actor may
/// hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskParty {
    /// *Lãnh đạo UBND*: the Committee leader who issued the task, or the
    /// Committee's leadership.
    Issuer,
    /// *Lãnh đạo Văn phòng*: leadership of the Committee's Office.
    OfficeLeader,
    /// *Chuyên viên theo dõi*: the task's follow-up specialist, or any
    /// specialist of the issuing Office.
    Specialist,
    /// *Cơ quan chủ trì*: a leader or officer of the lead agency.
    LeadAgency,
    /// *Lãnh đạo cơ quan chủ trì*: a leader of the lead agency; implies
    /// [`LeadAgency`](Self::LeadAgency).
    LeadAgencyLeader,
    /// *Cơ quan phối hợp*: staff of a coordinating agency.
    Coordinator,
    /// *Người xem*: may see the task but not act on it.
    Observer,
}

impl TaskParty {
    /// Every party, in declaration order.
    pub const ALL: [TaskParty; 7] = [
        TaskParty::Issuer,
        TaskParty::OfficeLeader,
        TaskParty::Specialist,
        TaskParty::LeadAgency,
        TaskParty::LeadAgencyLeader,
        TaskParty::Coordinator,
        TaskParty::Observer,
    ];

    /// The stable code, as serialised, e.g. `"lead_agency_leader"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskParty::Issuer => "issuer",
            TaskParty::OfficeLeader => "office_leader",
            TaskParty::Specialist => "specialist",
            TaskParty::LeadAgency => "lead_agency",
            TaskParty::LeadAgencyLeader => "lead_agency_leader",
            TaskParty::Coordinator => "coordinator",
            TaskParty::Observer => "observer",
        }
    }

    /// The party with the code [`as_str`](Self::as_str) returns; `None` for
    /// any other text.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == code)
    }

    /// The Vietnamese label, e.g. `"Cơ quan chủ trì"`.
    pub const fn label_vi(self) -> &'static str {
        match self {
            TaskParty::Issuer => "Lãnh đạo UBND",
            TaskParty::OfficeLeader => "Lãnh đạo Văn phòng",
            TaskParty::Specialist => "Chuyên viên theo dõi",
            TaskParty::LeadAgency => "Cơ quan chủ trì",
            TaskParty::LeadAgencyLeader => "Lãnh đạo cơ quan chủ trì",
            TaskParty::Coordinator => "Cơ quan phối hợp",
            TaskParty::Observer => "Người xem",
        }
    }
}

/// Something done to a task: a transition or an event recorded on it. See
/// the [module documentation](self) for the table of who may do what when.
///
/// Serialised with the kind in an `"action"` field, e.g.
/// `{"action": "report_progress", "percent": 40, "note": "…"}`; a missing
/// text field reads as empty (and is then refused where text is required).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum TaskAction {
    /// *Tiếp nhận*: the lead agency takes the task up and starts work.
    Accept,
    /// *Báo cáo tiến độ*: a progress report; takes an assigned task into
    /// progress.
    ReportProgress {
        /// Estimated completion, 0 to 100.
        #[cfg_attr(feature = "openapi", schema(maximum = 100))]
        percent: u8,
        /// What was done; may be empty.
        #[serde(default)]
        note: String,
    },
    /// *Báo cáo khó khăn, vướng mắc*: a difficulty that needs attention.
    ReportDifficulty {
        /// The difficulty; required.
        #[serde(default)]
        note: String,
    },
    /// *Đôn đốc*: the Office urges the agency on.
    Remind {
        /// The reminder; required.
        #[serde(default)]
        note: String,
    },
    /// *Ý kiến*: a comment on the task, open or closed.
    Comment {
        /// The comment; required.
        #[serde(default)]
        note: String,
    },
    /// *Đề nghị gia hạn*: the lead agency asks for a later deadline.
    RequestExtension {
        /// The deadline asked for: after the current deadline and after
        /// today.
        new_deadline: NaiveDate,
        /// Why; required.
        #[serde(default)]
        reason: String,
    },
    /// *Xử lý đề nghị gia hạn*: the leadership approves or refuses a
    /// pending extension request (the caller keeps the request and, on
    /// approval, moves the deadline).
    DecideExtension {
        /// Whether the extension is granted.
        approve: bool,
        /// Why; required when refusing.
        #[serde(default)]
        reason: Option<String>,
    },
    /// *Đề nghị hoàn thành*: the lead agency reports the task done.
    ProposeCompletion {
        /// The result achieved; required.
        #[serde(default)]
        result: String,
        /// *Giải trình*: why it is late; required after the deadline.
        #[serde(default)]
        explanation: Option<String>,
    },
    /// *Xem xét kết quả*: the specialist accepts a proposed completion
    /// (passing it to the leadership) or returns it to the agency.
    Review {
        /// Whether the completion is accepted.
        accept: bool,
        /// Why; required when returning.
        #[serde(default)]
        reason: Option<String>,
    },
    /// *Xác nhận hoàn thành*: the leadership confirms a reviewed
    /// completion.
    Confirm,
    /// *Trả lại*: a proposed or reviewed completion goes back to the agency.
    Return {
        /// Why; required.
        #[serde(default)]
        reason: String,
    },
    /// *Đề nghị chuyển giao/từ chối*: the lead agency's leader asks for the
    /// task to go to another agency, or declines it.
    ProposeDecline {
        /// Why; required.
        #[serde(default)]
        reason: String,
    },
    /// *Xử lý đề nghị chuyển giao*: the leadership accepts a decline (the
    /// task is cancelled and reassigned as a new task) or refuses it (the
    /// agency carries on).
    DecideDecline {
        /// Whether the decline is accepted.
        accept: bool,
        /// Why; required when refusing.
        #[serde(default)]
        reason: Option<String>,
    },
    /// *Hủy nhiệm vụ*: the leadership cancels the task.
    Cancel {
        /// Why; required.
        #[serde(default)]
        reason: String,
    },
    /// *Mở lại*: the leadership reopens a completed task.
    Reopen {
        /// Why; required.
        #[serde(default)]
        reason: String,
    },
}

impl TaskAction {
    /// The kind of the action, without its data.
    pub const fn kind(&self) -> TaskActionKind {
        match self {
            TaskAction::Accept => TaskActionKind::Accept,
            TaskAction::ReportProgress { .. } => TaskActionKind::ReportProgress,
            TaskAction::ReportDifficulty { .. } => TaskActionKind::ReportDifficulty,
            TaskAction::Remind { .. } => TaskActionKind::Remind,
            TaskAction::Comment { .. } => TaskActionKind::Comment,
            TaskAction::RequestExtension { .. } => TaskActionKind::RequestExtension,
            TaskAction::DecideExtension { .. } => TaskActionKind::DecideExtension,
            TaskAction::ProposeCompletion { .. } => TaskActionKind::ProposeCompletion,
            TaskAction::Review { .. } => TaskActionKind::Review,
            TaskAction::Confirm => TaskActionKind::Confirm,
            TaskAction::Return { .. } => TaskActionKind::Return,
            TaskAction::ProposeDecline { .. } => TaskActionKind::ProposeDecline,
            TaskAction::DecideDecline { .. } => TaskActionKind::DecideDecline,
            TaskAction::Cancel { .. } => TaskActionKind::Cancel,
            TaskAction::Reopen { .. } => TaskActionKind::Reopen,
        }
    }
}

/// The kind of a [`TaskAction`], without its data: what the UI offers as
/// buttons ([`available_actions`]) and what errors and logs name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskActionKind {
    /// [`TaskAction::Accept`].
    Accept,
    /// [`TaskAction::ReportProgress`].
    ReportProgress,
    /// [`TaskAction::ReportDifficulty`].
    ReportDifficulty,
    /// [`TaskAction::Remind`].
    Remind,
    /// [`TaskAction::Comment`].
    Comment,
    /// [`TaskAction::RequestExtension`].
    RequestExtension,
    /// [`TaskAction::DecideExtension`].
    DecideExtension,
    /// [`TaskAction::ProposeCompletion`].
    ProposeCompletion,
    /// [`TaskAction::Review`].
    Review,
    /// [`TaskAction::Confirm`].
    Confirm,
    /// [`TaskAction::Return`].
    Return,
    /// [`TaskAction::ProposeDecline`].
    ProposeDecline,
    /// [`TaskAction::DecideDecline`].
    DecideDecline,
    /// [`TaskAction::Cancel`].
    Cancel,
    /// [`TaskAction::Reopen`].
    Reopen,
}

impl TaskActionKind {
    /// Every kind, in declaration order (the order of
    /// [`available_actions`]).
    pub const ALL: [TaskActionKind; 15] = [
        TaskActionKind::Accept,
        TaskActionKind::ReportProgress,
        TaskActionKind::ReportDifficulty,
        TaskActionKind::Remind,
        TaskActionKind::Comment,
        TaskActionKind::RequestExtension,
        TaskActionKind::DecideExtension,
        TaskActionKind::ProposeCompletion,
        TaskActionKind::Review,
        TaskActionKind::Confirm,
        TaskActionKind::Return,
        TaskActionKind::ProposeDecline,
        TaskActionKind::DecideDecline,
        TaskActionKind::Cancel,
        TaskActionKind::Reopen,
    ];

    /// The stable code, as serialised (also the `"action"` tag of
    /// [`TaskAction`]), e.g. `"propose_completion"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskActionKind::Accept => "accept",
            TaskActionKind::ReportProgress => "report_progress",
            TaskActionKind::ReportDifficulty => "report_difficulty",
            TaskActionKind::Remind => "remind",
            TaskActionKind::Comment => "comment",
            TaskActionKind::RequestExtension => "request_extension",
            TaskActionKind::DecideExtension => "decide_extension",
            TaskActionKind::ProposeCompletion => "propose_completion",
            TaskActionKind::Review => "review",
            TaskActionKind::Confirm => "confirm",
            TaskActionKind::Return => "return",
            TaskActionKind::ProposeDecline => "propose_decline",
            TaskActionKind::DecideDecline => "decide_decline",
            TaskActionKind::Cancel => "cancel",
            TaskActionKind::Reopen => "reopen",
        }
    }

    /// The kind with the code [`as_str`](Self::as_str) returns; `None` for
    /// any other text.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// The Vietnamese label, e.g. `"Đề nghị gia hạn"`.
    pub const fn label_vi(self) -> &'static str {
        match self {
            TaskActionKind::Accept => "Tiếp nhận",
            TaskActionKind::ReportProgress => "Báo cáo tiến độ",
            TaskActionKind::ReportDifficulty => "Báo cáo khó khăn, vướng mắc",
            TaskActionKind::Remind => "Đôn đốc",
            TaskActionKind::Comment => "Ý kiến",
            TaskActionKind::RequestExtension => "Đề nghị gia hạn",
            TaskActionKind::DecideExtension => "Xử lý đề nghị gia hạn",
            TaskActionKind::ProposeCompletion => "Đề nghị hoàn thành",
            TaskActionKind::Review => "Xem xét kết quả",
            TaskActionKind::Confirm => "Xác nhận hoàn thành",
            TaskActionKind::Return => "Trả lại",
            TaskActionKind::ProposeDecline => "Đề nghị chuyển giao/từ chối",
            TaskActionKind::DecideDecline => "Xử lý đề nghị chuyển giao",
            TaskActionKind::Cancel => "Hủy nhiệm vụ",
            TaskActionKind::Reopen => "Mở lại",
        }
    }
}

/// What the rules need to know besides the state: passed in, never read
/// from a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransitionContext {
    /// Today's date in Vietnam (see [`local_today`]).
    pub today: NaiveDate,
    /// The current deadline, after any extensions; `None` for a standing
    /// task (*thường xuyên*).
    pub deadline: Option<NaiveDate>,
}

/// The result of an allowed action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// The state after the action (the same state for an event).
    pub next: TaskState,
    /// Whether this is a completion proposed after the deadline (today is
    /// later than the current deadline). Only
    /// [`TaskAction::ProposeCompletion`] sets it: the completion date of a
    /// task is the day the lead agency proposed the completion that was
    /// confirmed, not the day of the confirmation.
    pub late: bool,
}

/// How the API answers a [`TaskRuleError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskRuleErrorKind {
    /// The actor's parties do not allow the action (403).
    Forbidden,
    /// The task's state does not allow the action (409).
    Conflict,
    /// The action's data is incomplete or wrong (422).
    Invalid,
}

/// Why an action on a task was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TaskRuleError {
    /// The task's state does not allow the action at all.
    #[error(
        "Không thể thực hiện “{}” khi nhiệm vụ ở trạng thái “{}” (Action {} is not allowed while the task is {})",
        .action.label_vi(), .state.label_vi(), .action.as_str(), .state.as_str()
    )]
    NotAllowedInState {
        /// The task's state.
        state: TaskState,
        /// The action refused.
        action: TaskActionKind,
    },
    /// The state allows the action, but not for any of the actor's parties.
    #[error("Bạn không có quyền thực hiện thao tác này đối với nhiệm vụ (You are not allowed to do this on the task)")]
    PartyNotAllowed,
    /// A reason is required (a refusal, a return, a cancellation…).
    #[error("Cần nêu lý do (A reason is required)")]
    ReasonRequired,
    /// The completion is proposed after the deadline without an
    /// explanation (*giải trình*).
    #[error(
        "Nhiệm vụ hoàn thành sau hạn {}, cần có giải trình (The task is completed after its deadline {}; an explanation is required)",
        vi_date(.deadline), .deadline
    )]
    LateExplanationRequired {
        /// The deadline that was missed.
        deadline: NaiveDate,
    },
    /// A progress percentage above 100.
    #[error("Tỷ lệ tiến độ {percent}% không hợp lệ, phải từ 0 đến 100 (Progress {percent}% is invalid; it must be 0 to 100)")]
    InvalidPercent {
        /// The percentage given.
        percent: u8,
    },
    /// The deadline asked for is not after both the current deadline and
    /// today.
    #[error(
        "Hạn mới phải sau ngày {} (The new deadline must be after {})",
        vi_date(.after), .after
    )]
    DeadlineNotLater {
        /// The later of the current deadline and today: the new deadline
        /// must come after it.
        after: NaiveDate,
    },
    /// An extension was asked for a task without a deadline.
    #[error("Nhiệm vụ thường xuyên, không có hạn để gia hạn (The task is a standing task with no deadline to extend)")]
    NoDeadline,
    /// A required text (other than a reason) is empty.
    #[error("Chưa nhập {} (The field {field} must not be empty)", field_label_vi(.field))]
    EmptyText {
        /// The field: `"note"` or `"result"`.
        field: &'static str,
    },
}

impl TaskRuleError {
    /// A stable snake_case code for clients, e.g. `"late_explanation_required"`.
    pub const fn code(&self) -> &'static str {
        match self {
            TaskRuleError::NotAllowedInState { .. } => "not_allowed_in_state",
            TaskRuleError::PartyNotAllowed => "party_not_allowed",
            TaskRuleError::ReasonRequired => "reason_required",
            TaskRuleError::LateExplanationRequired { .. } => "late_explanation_required",
            TaskRuleError::InvalidPercent { .. } => "invalid_percent",
            TaskRuleError::DeadlineNotLater { .. } => "deadline_not_later",
            TaskRuleError::NoDeadline => "no_deadline",
            TaskRuleError::EmptyText { .. } => "empty_text",
        }
    }

    /// The message to show, in Vietnamese with the English in parentheses
    /// (the same text as `Display`).
    pub fn message_vi(&self) -> String {
        self.to_string()
    }

    /// The request field an invalid-data error is about (for per-field
    /// problem details); `"action"` for the others.
    pub const fn field(&self) -> &'static str {
        match self {
            TaskRuleError::ReasonRequired => "reason",
            TaskRuleError::LateExplanationRequired { .. } => "explanation",
            TaskRuleError::InvalidPercent { .. } => "percent",
            TaskRuleError::DeadlineNotLater { .. } => "new_deadline",
            TaskRuleError::EmptyText { field } => field,
            TaskRuleError::NotAllowedInState { .. }
            | TaskRuleError::PartyNotAllowed
            | TaskRuleError::NoDeadline => "action",
        }
    }

    /// How to answer: [`PartyNotAllowed`](Self::PartyNotAllowed) is
    /// forbidden; [`NotAllowedInState`](Self::NotAllowedInState) and
    /// [`NoDeadline`](Self::NoDeadline) conflict with the task as it is;
    /// every other error is invalid input.
    pub const fn kind(&self) -> TaskRuleErrorKind {
        match self {
            TaskRuleError::PartyNotAllowed => TaskRuleErrorKind::Forbidden,
            TaskRuleError::NotAllowedInState { .. } | TaskRuleError::NoDeadline => {
                TaskRuleErrorKind::Conflict
            }
            TaskRuleError::ReasonRequired
            | TaskRuleError::LateExplanationRequired { .. }
            | TaskRuleError::InvalidPercent { .. }
            | TaskRuleError::DeadlineNotLater { .. }
            | TaskRuleError::EmptyText { .. } => TaskRuleErrorKind::Invalid,
        }
    }
}

/// `dd/mm/yyyy`, as dates are written in Vietnamese documents.
fn vi_date(date: &NaiveDate) -> String {
    format!("{:02}/{:02}/{}", date.day(), date.month(), date.year())
}

/// The Vietnamese name of a text field in [`TaskRuleError::EmptyText`].
fn field_label_vi(field: &str) -> &str {
    match field {
        "note" => "nội dung",
        "result" => "kết quả thực hiện",
        other => other,
    }
}

/// The parties that may take an action of `kind` on a task in `state`;
/// empty when the state does not allow the action at all. Wherever
/// [`TaskParty::LeadAgency`] is listed, [`TaskParty::LeadAgencyLeader`] is
/// listed too.
pub const fn allowed_parties(state: TaskState, kind: TaskActionKind) -> &'static [TaskParty] {
    use TaskActionKind as K;
    use TaskParty::*;
    use TaskState::*;
    const NONE: &[TaskParty] = &[];
    const LEAD: &[TaskParty] = &[LeadAgency, LeadAgencyLeader];
    const LEAD_LEADER: &[TaskParty] = &[LeadAgencyLeader];
    const LEAD_OR_COORDINATOR: &[TaskParty] = &[LeadAgency, LeadAgencyLeader, Coordinator];
    const FOLLOW_UP: &[TaskParty] = &[OfficeLeader, Specialist];
    const SPECIALIST: &[TaskParty] = &[Specialist];
    const LEADERSHIP: &[TaskParty] = &[Issuer, OfficeLeader];
    const LEADERSHIP_OR_SPECIALIST: &[TaskParty] = &[Issuer, OfficeLeader, Specialist];
    const ALL_BUT_OBSERVER: &[TaskParty] = &[
        Issuer,
        OfficeLeader,
        Specialist,
        LeadAgency,
        LeadAgencyLeader,
        Coordinator,
    ];
    let working = matches!(state, Assigned | InProgress);
    let open = state.is_open();
    let (allowed, parties) = match kind {
        K::Accept => (matches!(state, Assigned), LEAD),
        K::ReportProgress | K::RequestExtension | K::ProposeCompletion => (working, LEAD),
        K::ReportDifficulty => (working, LEAD_OR_COORDINATOR),
        K::Remind => (open, FOLLOW_UP),
        K::Comment => (true, ALL_BUT_OBSERVER),
        K::DecideExtension | K::Cancel => (open, LEADERSHIP),
        K::Review => (matches!(state, CompletionProposed), SPECIALIST),
        K::Confirm => (matches!(state, Reviewed), LEADERSHIP),
        K::Return => match state {
            CompletionProposed => (true, LEADERSHIP_OR_SPECIALIST),
            Reviewed => (true, LEADERSHIP),
            _ => (false, NONE),
        },
        K::ProposeDecline => (working, LEAD_LEADER),
        K::DecideDecline => (matches!(state, DeclineProposed), LEADERSHIP),
        K::Reopen => (matches!(state, Completed), LEADERSHIP),
    };
    if allowed {
        parties
    } else {
        NONE
    }
}

/// Whether an action of `kind` may be taken at all, whatever its data:
/// the state, then the parties, then (for an extension) the deadline.
fn check_preconditions(
    state: TaskState,
    kind: TaskActionKind,
    parties: &[TaskParty],
    ctx: &TransitionContext,
) -> Result<(), TaskRuleError> {
    let allowed = allowed_parties(state, kind);
    if allowed.is_empty() {
        return Err(TaskRuleError::NotAllowedInState {
            state,
            action: kind,
        });
    }
    if !parties.iter().any(|p| allowed.contains(p)) {
        return Err(TaskRuleError::PartyNotAllowed);
    }
    if kind == TaskActionKind::RequestExtension && ctx.deadline.is_none() {
        return Err(TaskRuleError::NoDeadline);
    }
    Ok(())
}

/// Whether a text is empty or only white space.
fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// [`TaskRuleError::ReasonRequired`] unless `reason` has some text.
fn require_reason(reason: &str) -> Result<(), TaskRuleError> {
    if is_blank(reason) {
        Err(TaskRuleError::ReasonRequired)
    } else {
        Ok(())
    }
}

/// [`TaskRuleError::EmptyText`] for `field` unless `text` has some text.
fn require_text(text: &str, field: &'static str) -> Result<(), TaskRuleError> {
    if is_blank(text) {
        Err(TaskRuleError::EmptyText { field })
    } else {
        Ok(())
    }
}

/// Applies `action` to a task in `state` for an actor holding `parties`.
///
/// The checks come in this order, and the first failure is returned:
/// 1. the state must allow the action at all
///    ([`TaskRuleError::NotAllowedInState`]);
/// 2. one of `parties` must be allowed to take it in that state
///    ([`TaskRuleError::PartyNotAllowed`]; see [`allowed_parties`]);
/// 3. an extension needs a task with a deadline
///    ([`TaskRuleError::NoDeadline`]);
/// 4. the action's data, field by field in declaration order: required
///    texts and reasons must not be blank (white space only counts as
///    blank), the percentage must be at most 100, a new deadline must be
///    after both the current deadline and today, and a completion proposed
///    after the deadline (`today > deadline`) needs an explanation.
///
/// Steps 1–3 depend only on the state, the parties and the context, and are
/// exactly what [`available_actions`] checks.
///
/// # Errors
/// The [`TaskRuleError`] as above.
pub fn apply(
    state: TaskState,
    action: &TaskAction,
    parties: &[TaskParty],
    ctx: &TransitionContext,
) -> Result<Outcome, TaskRuleError> {
    use TaskState::*;
    check_preconditions(state, action.kind(), parties, ctx)?;
    let to = |next| Outcome { next, late: false };
    let decided = |yes: bool, reason: &Option<String>, next_yes, next_no| {
        if yes {
            Ok(to(next_yes))
        } else {
            require_reason(reason.as_deref().unwrap_or_default())?;
            Ok(to(next_no))
        }
    };
    match action {
        TaskAction::Accept => Ok(to(InProgress)),
        TaskAction::ReportProgress { percent, .. } => {
            if *percent > 100 {
                return Err(TaskRuleError::InvalidPercent { percent: *percent });
            }
            Ok(to(InProgress))
        }
        TaskAction::ReportDifficulty { note }
        | TaskAction::Remind { note }
        | TaskAction::Comment { note } => {
            require_text(note, "note")?;
            Ok(to(state))
        }
        TaskAction::RequestExtension {
            new_deadline,
            reason,
        } => {
            let current = ctx.deadline.ok_or(TaskRuleError::NoDeadline)?;
            let after = current.max(ctx.today);
            if *new_deadline <= after {
                return Err(TaskRuleError::DeadlineNotLater { after });
            }
            require_reason(reason)?;
            Ok(to(state))
        }
        TaskAction::DecideExtension { approve, reason } => decided(*approve, reason, state, state),
        TaskAction::ProposeCompletion {
            result,
            explanation,
        } => {
            require_text(result, "result")?;
            let late = match ctx.deadline {
                Some(deadline) if ctx.today > deadline => {
                    if is_blank(explanation.as_deref().unwrap_or_default()) {
                        return Err(TaskRuleError::LateExplanationRequired { deadline });
                    }
                    true
                }
                _ => false,
            };
            Ok(Outcome {
                next: CompletionProposed,
                late,
            })
        }
        TaskAction::Review { accept, reason } => decided(*accept, reason, Reviewed, InProgress),
        TaskAction::Confirm => Ok(to(Completed)),
        TaskAction::Return { reason } | TaskAction::Reopen { reason } => {
            require_reason(reason)?;
            Ok(to(InProgress))
        }
        TaskAction::ProposeDecline { reason } => {
            require_reason(reason)?;
            Ok(to(DeclineProposed))
        }
        TaskAction::DecideDecline { accept, reason } => {
            decided(*accept, reason, Cancelled, InProgress)
        }
        TaskAction::Cancel { reason } => {
            require_reason(reason)?;
            Ok(to(Cancelled))
        }
    }
}

/// The kinds of action that an actor holding `parties` may take on a task
/// in `state`, in [`TaskActionKind::ALL`] order: those whose state, party
/// and deadline checks in [`apply`] pass, so that the UI shows only the
/// buttons that can work (given acceptable data).
///
/// [`TaskActionKind::DecideExtension`] is listed whenever the rules allow
/// it; the caller hides it when no extension request is pending.
pub fn available_actions(
    state: TaskState,
    parties: &[TaskParty],
    ctx: &TransitionContext,
) -> Vec<TaskActionKind> {
    TaskActionKind::ALL
        .into_iter()
        .filter(|&kind| check_preconditions(state, kind, parties, ctx).is_ok())
        .collect()
}

/// How a task stands against its deadline on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    /// *Trong hạn*: open, the deadline is further away than the warning
    /// period.
    OnTime,
    /// *Sắp đến hạn*: open, the deadline is today or within the warning
    /// period.
    DueSoon,
    /// *Quá hạn*: open, the deadline has passed.
    Overdue,
    /// *Hoàn thành đúng hạn*: completed on or before the deadline (or a
    /// completed standing task).
    CompletedOnTime,
    /// *Hoàn thành quá hạn*: completed after the deadline.
    CompletedLate,
    /// *Không có hạn*: an open standing task, or a cancelled task.
    NoDeadline,
}

impl Timeliness {
    /// Every class, in declaration order.
    pub const ALL: [Timeliness; 6] = [
        Timeliness::OnTime,
        Timeliness::DueSoon,
        Timeliness::Overdue,
        Timeliness::CompletedOnTime,
        Timeliness::CompletedLate,
        Timeliness::NoDeadline,
    ];

    /// The stable code, as serialised, e.g. `"completed_late"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Timeliness::OnTime => "on_time",
            Timeliness::DueSoon => "due_soon",
            Timeliness::Overdue => "overdue",
            Timeliness::CompletedOnTime => "completed_on_time",
            Timeliness::CompletedLate => "completed_late",
            Timeliness::NoDeadline => "no_deadline",
        }
    }

    /// The class with the code [`as_str`](Self::as_str) returns; `None` for
    /// any other text.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == code)
    }

    /// The Vietnamese label, e.g. `"Quá hạn"`.
    pub const fn label_vi(self) -> &'static str {
        match self {
            Timeliness::OnTime => "Trong hạn",
            Timeliness::DueSoon => "Sắp đến hạn",
            Timeliness::Overdue => "Quá hạn",
            Timeliness::CompletedOnTime => "Hoàn thành đúng hạn",
            Timeliness::CompletedLate => "Hoàn thành quá hạn",
            Timeliness::NoDeadline => "Không có hạn",
        }
    }

    /// The colour the class is shown in: on time green, due soon yellow,
    /// overdue red, completed on time blue, completed late orange, no
    /// deadline grey.
    pub const fn colour(self) -> TimelinessColour {
        match self {
            Timeliness::OnTime => TimelinessColour::Green,
            Timeliness::DueSoon => TimelinessColour::Yellow,
            Timeliness::Overdue => TimelinessColour::Red,
            Timeliness::CompletedOnTime => TimelinessColour::Blue,
            Timeliness::CompletedLate => TimelinessColour::Orange,
            Timeliness::NoDeadline => TimelinessColour::Grey,
        }
    }
}

/// The colour of a [`Timeliness`] class, for lists, charts and boards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimelinessColour {
    /// On time.
    Green,
    /// Due soon.
    Yellow,
    /// Overdue.
    Red,
    /// Completed on time.
    Blue,
    /// Completed late.
    Orange,
    /// No deadline.
    Grey,
}

impl TimelinessColour {
    /// Every colour, in declaration order.
    pub const ALL: [TimelinessColour; 6] = [
        TimelinessColour::Green,
        TimelinessColour::Yellow,
        TimelinessColour::Red,
        TimelinessColour::Blue,
        TimelinessColour::Orange,
        TimelinessColour::Grey,
    ];

    /// The stable code, as serialised, e.g. `"orange"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TimelinessColour::Green => "green",
            TimelinessColour::Yellow => "yellow",
            TimelinessColour::Red => "red",
            TimelinessColour::Blue => "blue",
            TimelinessColour::Orange => "orange",
            TimelinessColour::Grey => "grey",
        }
    }
}

/// The timeliness of a task in `state` on `today`, against `deadline`
/// (chosen with [`effective_deadline`]), warning `due_soon_days` days
/// ahead.
///
/// * An open task (see [`TaskState::is_open`], so including one whose
///   completion or decline is proposed) without a deadline is
///   [`NoDeadline`](Timeliness::NoDeadline); after the deadline
///   (`today > deadline`) it is [`Overdue`](Timeliness::Overdue); when
///   `deadline − today ≤ due_soon_days` days it is
///   [`DueSoon`](Timeliness::DueSoon) (so the deadline day itself is always
///   due soon, even with `due_soon_days` 0); otherwise
///   [`OnTime`](Timeliness::OnTime). `completed_on` is ignored.
/// * A completed task is [`CompletedOnTime`](Timeliness::CompletedOnTime)
///   when `completed_on ≤ deadline` and
///   [`CompletedLate`](Timeliness::CompletedLate) otherwise, whatever
///   `today` is. A completed standing task (no deadline) counts as
///   completed on time, and so does a completed task whose completion date
///   is unknown (`completed_on` `None`, e.g. imported records).
///   `completed_on` should be the day the lead agency proposed the
///   completion that was confirmed (see [`Outcome::late`]).
/// * A cancelled task is [`NoDeadline`](Timeliness::NoDeadline), shown
///   grey: callers leave cancelled tasks out of timeliness statistics.
pub fn classify(
    state: TaskState,
    deadline: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
    today: NaiveDate,
    due_soon_days: u32,
) -> Timeliness {
    match state {
        TaskState::Cancelled => Timeliness::NoDeadline,
        TaskState::Completed => match (deadline, completed_on) {
            (Some(deadline), Some(done)) if done > deadline => Timeliness::CompletedLate,
            _ => Timeliness::CompletedOnTime,
        },
        TaskState::Assigned
        | TaskState::InProgress
        | TaskState::CompletionProposed
        | TaskState::Reviewed
        | TaskState::DeclineProposed => match deadline {
            None => Timeliness::NoDeadline,
            Some(deadline) if today > deadline => Timeliness::Overdue,
            Some(deadline) => {
                let days_left = deadline.signed_duration_since(today).num_days();
                if days_left <= i64::from(due_soon_days) {
                    Timeliness::DueSoon
                } else {
                    Timeliness::OnTime
                }
            }
        },
    }
}

/// Vietnam's offset from UTC (*giờ Đông Dương*, UTC+7), with no daylight
/// saving time.
const VIETNAM_UTC_OFFSET_HOURS: i64 = 7;

/// The calendar date in Vietnam (Asia/Ho_Chi_Minh, UTC+7 all year) at the
/// UTC instant `now_utc`: 17:00 UTC is local midnight. Pure arithmetic, no
/// time-zone database; the caller reads the clock. Saturates at
/// [`NaiveDate::MAX`].
pub fn local_today(now_utc: NaiveDateTime) -> NaiveDate {
    now_utc
        .checked_add_signed(TimeDelta::hours(VIETNAM_UTC_OFFSET_HOURS))
        .map_or(NaiveDate::MAX, |local| local.date())
}

/// Which deadline timeliness is measured against.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeadlineBasis {
    /// *Theo hạn ban đầu*: the deadline set when the task was assigned,
    /// ignoring extensions.
    Original,
    /// *Theo hạn hiện tại*: the deadline after any approved extensions.
    #[default]
    Current,
}

impl DeadlineBasis {
    /// Both bases, in declaration order.
    pub const ALL: [DeadlineBasis; 2] = [DeadlineBasis::Original, DeadlineBasis::Current];

    /// The stable code, as serialised: `"original"` or `"current"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            DeadlineBasis::Original => "original",
            DeadlineBasis::Current => "current",
        }
    }

    /// The basis with the code [`as_str`](Self::as_str) returns; `None` for
    /// any other text.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.as_str() == code)
    }

    /// The Vietnamese label, e.g. `"Theo hạn ban đầu"`.
    pub const fn label_vi(self) -> &'static str {
        match self {
            DeadlineBasis::Original => "Theo hạn ban đầu",
            DeadlineBasis::Current => "Theo hạn hiện tại",
        }
    }
}

/// The deadline to measure against on `basis`: the `original` one, or the
/// `current` one after extensions. A task never extended may have no
/// `current` deadline recorded; the original one is then used on either
/// basis. A standing task has neither.
pub const fn effective_deadline(
    original: Option<NaiveDate>,
    current: Option<NaiveDate>,
    basis: DeadlineBasis,
) -> Option<NaiveDate> {
    match (basis, current) {
        (DeadlineBasis::Current, Some(current)) => Some(current),
        (DeadlineBasis::Current, None) | (DeadlineBasis::Original, _) => original,
    }
}

/// How urgent a task is (*mức độ ưu tiên*); ordered from low to urgent.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// *Thấp*.
    Low,
    /// *Bình thường*: the default.
    #[default]
    Normal,
    /// *Cao*.
    High,
    /// *Khẩn*.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    /// The stable code, as stored and serialised, e.g. `"urgent"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    /// The priority with the code [`as_str`](Self::as_str) returns; `None`
    /// for any other text.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == code)
    }

    /// The Vietnamese label, e.g. `"Khẩn"`.
    pub const fn label_vi(self) -> &'static str {
        match self {
            Priority::Low => "Thấp",
            Priority::Normal => "Bình thường",
            Priority::High => "Cao",
            Priority::Urgent => "Khẩn",
        }
    }
}

/// How often the lead agency reports on a task (*kỳ báo cáo*).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportingCycle {
    /// *Hằng tuần*.
    Weekly,
    /// *Hằng tháng*.
    Monthly,
    /// *Hằng quý*.
    Quarterly,
    /// *6 tháng*: twice a year.
    HalfYearly,
    /// *Hằng năm*.
    Yearly,
}

impl ReportingCycle {
    /// Every cycle, shortest first.
    pub const ALL: [ReportingCycle; 5] = [
        ReportingCycle::Weekly,
        ReportingCycle::Monthly,
        ReportingCycle::Quarterly,
        ReportingCycle::HalfYearly,
        ReportingCycle::Yearly,
    ];

    /// The stable code, as stored and serialised, e.g. `"half_yearly"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReportingCycle::Weekly => "weekly",
            ReportingCycle::Monthly => "monthly",
            ReportingCycle::Quarterly => "quarterly",
            ReportingCycle::HalfYearly => "half_yearly",
            ReportingCycle::Yearly => "yearly",
        }
    }

    /// The cycle with the code [`as_str`](Self::as_str) returns; `None` for
    /// any other text.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == code)
    }

    /// The Vietnamese label, e.g. `"Hằng quý"`.
    pub const fn label_vi(self) -> &'static str {
        match self {
            ReportingCycle::Weekly => "Hằng tuần",
            ReportingCycle::Monthly => "Hằng tháng",
            ReportingCycle::Quarterly => "Hằng quý",
            ReportingCycle::HalfYearly => "6 tháng",
            ReportingCycle::Yearly => "Hằng năm",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;
    use serde::de::value::{Error as DeError, MapDeserializer, StrDeserializer};
    use serde::de::IntoDeserializer;

    use TaskParty::{
        Coordinator as CO, Issuer as IS, LeadAgency as LA, LeadAgencyLeader as LL, Observer as OB,
        OfficeLeader as OL, Specialist as SP,
    };
    use TaskState::{
        Assigned as AS, Cancelled as CA, Completed as CD, CompletionProposed as CP,
        DeclineProposed as DP, InProgress as IP, Reviewed as RV,
    };

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> NaiveDateTime {
        ymd(y, m, d).and_hms_opt(h, min, s).unwrap()
    }

    fn text(s: &str) -> String {
        s.to_owned()
    }

    /// Today and the deadline of most tests: ten days before 31/03/2025.
    const DEADLINE: NaiveDate = match NaiveDate::from_ymd_opt(2025, 3, 31) {
        Some(d) => d,
        None => NaiveDate::MIN,
    };
    const CTX: TransitionContext = TransitionContext {
        today: match NaiveDate::from_ymd_opt(2025, 3, 21) {
            Some(d) => d,
            None => NaiveDate::MIN,
        },
        deadline: Some(DEADLINE),
    };

    fn ctx(today: NaiveDate, deadline: Option<NaiveDate>) -> TransitionContext {
        TransitionContext { today, deadline }
    }

    /// An action of `kind` with acceptable data in any context the tests
    /// use (approvals rather than refusals).
    fn sample(kind: TaskActionKind) -> TaskAction {
        use TaskActionKind as K;
        match kind {
            K::Accept => TaskAction::Accept,
            K::ReportProgress => TaskAction::ReportProgress {
                percent: 40,
                note: String::new(),
            },
            K::ReportDifficulty => TaskAction::ReportDifficulty {
                note: text("Chưa bố trí được kinh phí"),
            },
            K::Remind => TaskAction::Remind {
                note: text("Đề nghị khẩn trương báo cáo"),
            },
            K::Comment => TaskAction::Comment {
                note: text("Ý kiến trao đổi"),
            },
            K::RequestExtension => TaskAction::RequestExtension {
                new_deadline: ymd(2030, 12, 31),
                reason: text("Chờ ý kiến của Bộ"),
            },
            K::DecideExtension => TaskAction::DecideExtension {
                approve: true,
                reason: None,
            },
            K::ProposeCompletion => TaskAction::ProposeCompletion {
                result: text("Đã ban hành kế hoạch"),
                explanation: Some(text("Chậm do thiên tai")),
            },
            K::Review => TaskAction::Review {
                accept: true,
                reason: None,
            },
            K::Confirm => TaskAction::Confirm,
            K::Return => TaskAction::Return {
                reason: text("Chưa đủ hồ sơ"),
            },
            K::ProposeDecline => TaskAction::ProposeDecline {
                reason: text("Không thuộc chức năng của Sở"),
            },
            K::DecideDecline => TaskAction::DecideDecline {
                accept: true,
                reason: None,
            },
            K::Cancel => TaskAction::Cancel {
                reason: text("Chỉ đạo đã được thay thế"),
            },
            K::Reopen => TaskAction::Reopen {
                reason: text("Phát sinh nội dung mới"),
            },
        }
    }

    fn de_str<T: for<'de> Deserialize<'de>>(code: &str) -> T {
        let de: StrDeserializer<'_, DeError> = code.into_deserializer();
        T::deserialize(de).unwrap()
    }

    #[test]
    fn codes_and_labels() {
        let states = [
            (AS, "assigned", "Đã giao", true),
            (IP, "in_progress", "Đang thực hiện", true),
            (CP, "completion_proposed", "Đề nghị hoàn thành", true),
            (RV, "reviewed", "Đã xem xét, chờ xác nhận", true),
            (CD, "completed", "Đã hoàn thành", false),
            (DP, "decline_proposed", "Đề nghị chuyển giao/từ chối", true),
            (CA, "cancelled", "Đã hủy", false),
        ];
        assert_eq!(states.map(|s| s.0), TaskState::ALL);
        for (state, code, label, open) in states {
            assert_eq!(state.as_str(), code);
            assert_eq!(state.label_vi(), label);
            assert_eq!(state.is_open(), open, "{state:?}");
            assert_eq!(TaskState::parse(code), Some(state));
            assert_eq!(de_str::<TaskState>(code), state);
        }

        let parties = [
            (IS, "issuer", "Lãnh đạo UBND"),
            (OL, "office_leader", "Lãnh đạo Văn phòng"),
            (SP, "specialist", "Chuyên viên theo dõi"),
            (LA, "lead_agency", "Cơ quan chủ trì"),
            (LL, "lead_agency_leader", "Lãnh đạo cơ quan chủ trì"),
            (CO, "coordinator", "Cơ quan phối hợp"),
            (OB, "observer", "Người xem"),
        ];
        assert_eq!(parties.map(|p| p.0), TaskParty::ALL);
        for (party, code, label) in parties {
            assert_eq!(party.as_str(), code);
            assert_eq!(party.label_vi(), label);
            assert_eq!(TaskParty::parse(code), Some(party));
            assert_eq!(de_str::<TaskParty>(code), party);
        }

        use TaskActionKind as K;
        let kinds = [
            (K::Accept, "accept", "Tiếp nhận"),
            (K::ReportProgress, "report_progress", "Báo cáo tiến độ"),
            (
                K::ReportDifficulty,
                "report_difficulty",
                "Báo cáo khó khăn, vướng mắc",
            ),
            (K::Remind, "remind", "Đôn đốc"),
            (K::Comment, "comment", "Ý kiến"),
            (K::RequestExtension, "request_extension", "Đề nghị gia hạn"),
            (
                K::DecideExtension,
                "decide_extension",
                "Xử lý đề nghị gia hạn",
            ),
            (
                K::ProposeCompletion,
                "propose_completion",
                "Đề nghị hoàn thành",
            ),
            (K::Review, "review", "Xem xét kết quả"),
            (K::Confirm, "confirm", "Xác nhận hoàn thành"),
            (K::Return, "return", "Trả lại"),
            (
                K::ProposeDecline,
                "propose_decline",
                "Đề nghị chuyển giao/từ chối",
            ),
            (
                K::DecideDecline,
                "decide_decline",
                "Xử lý đề nghị chuyển giao",
            ),
            (K::Cancel, "cancel", "Hủy nhiệm vụ"),
            (K::Reopen, "reopen", "Mở lại"),
        ];
        assert_eq!(kinds.map(|k| k.0), TaskActionKind::ALL);
        for (kind, code, label) in kinds {
            assert_eq!(kind.as_str(), code);
            assert_eq!(kind.label_vi(), label);
            assert_eq!(TaskActionKind::parse(code), Some(kind));
            assert_eq!(de_str::<TaskActionKind>(code), kind);
            assert_eq!(sample(kind).kind(), kind);
        }

        let classes = [
            (Timeliness::OnTime, "on_time", "Trong hạn", "green"),
            (Timeliness::DueSoon, "due_soon", "Sắp đến hạn", "yellow"),
            (Timeliness::Overdue, "overdue", "Quá hạn", "red"),
            (
                Timeliness::CompletedOnTime,
                "completed_on_time",
                "Hoàn thành đúng hạn",
                "blue",
            ),
            (
                Timeliness::CompletedLate,
                "completed_late",
                "Hoàn thành quá hạn",
                "orange",
            ),
            (
                Timeliness::NoDeadline,
                "no_deadline",
                "Không có hạn",
                "grey",
            ),
        ];
        assert_eq!(classes.map(|c| c.0), Timeliness::ALL);
        // Each class has its own colour.
        assert_eq!(classes.map(|c| c.0.colour()), TimelinessColour::ALL);
        for (class, code, label, colour) in classes {
            assert_eq!(class.as_str(), code);
            assert_eq!(class.label_vi(), label);
            assert_eq!(class.colour().as_str(), colour);
            assert_eq!(Timeliness::parse(code), Some(class));
            assert_eq!(de_str::<Timeliness>(code), class);
            assert_eq!(de_str::<TimelinessColour>(colour), class.colour());
        }

        for (basis, code, label) in [
            (DeadlineBasis::Original, "original", "Theo hạn ban đầu"),
            (DeadlineBasis::Current, "current", "Theo hạn hiện tại"),
        ] {
            assert_eq!(basis.as_str(), code);
            assert_eq!(basis.label_vi(), label);
            assert_eq!(DeadlineBasis::parse(code), Some(basis));
            assert_eq!(de_str::<DeadlineBasis>(code), basis);
        }
        assert_eq!(DeadlineBasis::default(), DeadlineBasis::Current);

        let priorities = [
            (Priority::Low, "low", "Thấp"),
            (Priority::Normal, "normal", "Bình thường"),
            (Priority::High, "high", "Cao"),
            (Priority::Urgent, "urgent", "Khẩn"),
        ];
        assert_eq!(priorities.map(|p| p.0), Priority::ALL);
        for (priority, code, label) in priorities {
            assert_eq!(priority.as_str(), code);
            assert_eq!(priority.label_vi(), label);
            assert_eq!(Priority::parse(code), Some(priority));
            assert_eq!(de_str::<Priority>(code), priority);
        }
        assert_eq!(Priority::default(), Priority::Normal);
        assert!(Priority::ALL.windows(2).all(|w| w[0] < w[1]));

        let cycles = [
            (ReportingCycle::Weekly, "weekly", "Hằng tuần"),
            (ReportingCycle::Monthly, "monthly", "Hằng tháng"),
            (ReportingCycle::Quarterly, "quarterly", "Hằng quý"),
            (ReportingCycle::HalfYearly, "half_yearly", "6 tháng"),
            (ReportingCycle::Yearly, "yearly", "Hằng năm"),
        ];
        assert_eq!(cycles.map(|c| c.0), ReportingCycle::ALL);
        for (cycle, code, label) in cycles {
            assert_eq!(cycle.as_str(), code);
            assert_eq!(cycle.label_vi(), label);
            assert_eq!(ReportingCycle::parse(code), Some(cycle));
            assert_eq!(de_str::<ReportingCycle>(code), cycle);
        }

        for bad in ["", "Assigned", "in progress", "cancelled ", "late"] {
            assert_eq!(TaskState::parse(bad), None, "{bad:?}");
            assert_eq!(TaskParty::parse(bad), None, "{bad:?}");
            assert_eq!(TaskActionKind::parse(bad), None, "{bad:?}");
            assert_eq!(Timeliness::parse(bad), None, "{bad:?}");
            assert_eq!(DeadlineBasis::parse(bad), None, "{bad:?}");
            assert_eq!(Priority::parse(bad), None, "{bad:?}");
            assert_eq!(ReportingCycle::parse(bad), None, "{bad:?}");
        }
    }

    /// The `"action"` tag of [`TaskAction`] is the kind's code, and missing
    /// text fields read as empty.
    #[test]
    fn action_wire_format() {
        let cases: &[(&[(&str, &str)], TaskAction)] = &[
            (&[("action", "accept")], TaskAction::Accept),
            (&[("action", "confirm")], TaskAction::Confirm),
            (
                &[("action", "comment"), ("note", "Đã nhận")],
                TaskAction::Comment {
                    note: text("Đã nhận"),
                },
            ),
            (
                &[("action", "remind")],
                TaskAction::Remind {
                    note: String::new(),
                },
            ),
            (
                &[("action", "report_difficulty"), ("note", "x")],
                TaskAction::ReportDifficulty { note: text("x") },
            ),
            (
                &[("reason", "Trùng nhiệm vụ"), ("action", "cancel")],
                TaskAction::Cancel {
                    reason: text("Trùng nhiệm vụ"),
                },
            ),
            (
                &[("action", "return")],
                TaskAction::Return {
                    reason: String::new(),
                },
            ),
            (
                &[("action", "propose_decline"), ("reason", "r")],
                TaskAction::ProposeDecline { reason: text("r") },
            ),
            (
                &[("action", "reopen"), ("reason", "r")],
                TaskAction::Reopen { reason: text("r") },
            ),
            (
                &[("action", "propose_completion"), ("result", "Xong")],
                TaskAction::ProposeCompletion {
                    result: text("Xong"),
                    explanation: None,
                },
            ),
        ];
        for (fields, expected) in cases {
            let de: MapDeserializer<'_, _, DeError> = MapDeserializer::new(fields.iter().copied());
            assert_eq!(
                &TaskAction::deserialize(de).unwrap(),
                expected,
                "{fields:?}"
            );
            let tag = fields.iter().find(|f| f.0 == "action").unwrap().1;
            assert_eq!(expected.kind().as_str(), tag);
        }
        let de: MapDeserializer<'_, _, DeError> =
            MapDeserializer::new([("action", "start")].into_iter());
        assert!(TaskAction::deserialize(de).is_err());
    }

    type Cell = Option<(TaskParty, TaskState)>;

    /// Allowed in the state: the action taken by the party gives the state.
    const fn go(party: TaskParty, next: TaskState) -> Cell {
        Some((party, next))
    }

    /// Not allowed in the state, whoever asks.
    const NO: Cell = None;

    /// Every (state, action kind) pair: the state it leads to when taken by
    /// an allowed party with acceptable data (approvals, not refusals), or
    /// `NO` for [`TaskRuleError::NotAllowedInState`], whoever asks.
    #[test]
    fn transition_table() {
        use TaskActionKind as K;
        assert_eq!([AS, IP, CP, RV, CD, DP, CA], TaskState::ALL);
        #[rustfmt::skip]
        let table: [(TaskActionKind, [Cell; 7]); 15] = [
            //                         Assigned     InProgress   CompProposed Reviewed     Completed    DeclineProp  Cancelled
            (K::Accept,            [go(LA, IP), NO,          NO,          NO,          NO,          NO,          NO]),
            (K::ReportProgress,    [go(LA, IP), go(LL, IP), NO,          NO,          NO,          NO,          NO]),
            (K::ReportDifficulty,  [go(CO, AS), go(LA, IP), NO,          NO,          NO,          NO,          NO]),
            (K::Remind,            [go(SP, AS), go(OL, IP), go(SP, CP), go(SP, RV), NO,          go(OL, DP), NO]),
            (K::Comment,           [go(CO, AS), go(SP, IP), go(LA, CP), go(IS, RV), go(LL, CD), go(OL, DP), go(SP, CA)]),
            (K::RequestExtension,  [go(LL, AS), go(LA, IP), NO,          NO,          NO,          NO,          NO]),
            (K::DecideExtension,   [go(OL, AS), go(IS, IP), go(OL, CP), go(IS, RV), NO,          go(OL, DP), NO]),
            (K::ProposeCompletion, [go(LA, CP), go(LL, CP), NO,          NO,          NO,          NO,          NO]),
            (K::Review,            [NO,          NO,          go(SP, RV), NO,          NO,          NO,          NO]),
            (K::Confirm,           [NO,          NO,          NO,          go(OL, CD), NO,          NO,          NO]),
            (K::Return,            [NO,          NO,          go(SP, IP), go(IS, IP), NO,          NO,          NO]),
            (K::ProposeDecline,    [go(LL, DP), go(LL, DP), NO,          NO,          NO,          NO,          NO]),
            (K::DecideDecline,     [NO,          NO,          NO,          NO,          NO,          go(IS, CA), NO]),
            (K::Cancel,            [go(IS, CA), go(OL, CA), go(IS, CA), go(OL, CA), NO,          go(IS, CA), NO]),
            (K::Reopen,            [NO,          NO,          NO,          NO,          go(OL, IP), NO,          NO]),
        ];
        // Every kind has a row.
        assert_eq!(table.map(|row| row.0), TaskActionKind::ALL);
        for (kind, row) in table {
            let action = sample(kind);
            for (state, cell) in TaskState::ALL.into_iter().zip(row) {
                match cell {
                    Some((party, next)) => {
                        let got = apply(state, &action, &[party], &CTX);
                        let want = Outcome { next, late: false };
                        assert_eq!(got, Ok(want), "{kind:?} from {state:?} by {party:?}");
                    }
                    None => {
                        // Refused for the state whoever asks, even with
                        // every party at once.
                        let want = Err(TaskRuleError::NotAllowedInState {
                            state,
                            action: kind,
                        });
                        for parties in [&TaskParty::ALL[..], &[OB], &[]] {
                            assert_eq!(
                                apply(state, &action, parties, &CTX),
                                want,
                                "{kind:?} from {state:?} by {parties:?}"
                            );
                        }
                        assert!(allowed_parties(state, kind).is_empty());
                    }
                }
            }
        }
    }

    /// The refusing branch of each decision.
    #[test]
    fn decisions_both_ways() {
        let reason = Some(text("Chưa đạt yêu cầu"));
        #[rustfmt::skip]
        let cases: &[(TaskState, TaskAction, TaskParty, TaskState)] = &[
            (CP, TaskAction::Review { accept: true, reason: None }, SP, RV),
            (CP, TaskAction::Review { accept: true, reason: reason.clone() }, SP, RV),
            (CP, TaskAction::Review { accept: false, reason: reason.clone() }, SP, IP),
            (DP, TaskAction::DecideDecline { accept: true, reason: None }, OL, CA),
            (DP, TaskAction::DecideDecline { accept: false, reason: reason.clone() }, OL, IP),
            (IP, TaskAction::DecideExtension { approve: true, reason: None }, IS, IP),
            (IP, TaskAction::DecideExtension { approve: false, reason: reason.clone() }, IS, IP),
            (RV, TaskAction::DecideExtension { approve: false, reason }, OL, RV),
        ];
        for (state, action, party, next) in cases {
            assert_eq!(
                apply(*state, action, &[*party], &CTX),
                Ok(Outcome {
                    next: *next,
                    late: false
                }),
                "{action:?} from {state:?}"
            );
        }
    }

    /// Who may take each action, in every state that allows it: exactly
    /// the listed parties, each on its own; everyone else gets
    /// [`TaskRuleError::PartyNotAllowed`].
    #[test]
    fn party_table() {
        use TaskActionKind as K;
        const OPEN: &[TaskState] = &[AS, IP, CP, RV, DP];
        const WORKING: &[TaskState] = &[AS, IP];
        #[rustfmt::skip]
        let table: &[(TaskActionKind, &[TaskState], &[TaskParty])] = &[
            (K::Accept,            &[AS],               &[LA, LL]),
            (K::ReportProgress,    WORKING,             &[LA, LL]),
            (K::ReportDifficulty,  WORKING,             &[LA, LL, CO]),
            (K::Remind,            OPEN,                &[OL, SP]),
            (K::Comment,           &TaskState::ALL,     &[IS, OL, SP, LA, LL, CO]),
            (K::RequestExtension,  WORKING,             &[LA, LL]),
            (K::DecideExtension,   OPEN,                &[IS, OL]),
            (K::ProposeCompletion, WORKING,             &[LA, LL]),
            (K::Review,            &[CP],               &[SP]),
            (K::Confirm,           &[RV],               &[IS, OL]),
            (K::Return,            &[CP],               &[IS, OL, SP]),
            (K::Return,            &[RV],               &[IS, OL]),
            (K::ProposeDecline,    WORKING,             &[LL]),
            (K::DecideDecline,     &[DP],               &[IS, OL]),
            (K::Cancel,            OPEN,                &[IS, OL]),
            (K::Reopen,            &[CD],               &[IS, OL]),
        ];
        let mut pairs = 0;
        for &(kind, states, allowed) in table {
            let action = sample(kind);
            for &state in states {
                pairs += 1;
                let mut listed = allowed_parties(state, kind).to_vec();
                listed.sort();
                assert_eq!(listed, allowed, "{kind:?} in {state:?}");
                for party in TaskParty::ALL {
                    let got = apply(state, &action, &[party], &CTX);
                    if allowed.contains(&party) {
                        assert!(got.is_ok(), "{kind:?} in {state:?} by {party:?}: {got:?}");
                    } else {
                        assert_eq!(
                            got,
                            Err(TaskRuleError::PartyNotAllowed),
                            "{kind:?} in {state:?} by {party:?}"
                        );
                    }
                }
                // No party at all; an observer who is also allowed acts in
                // the allowed capacity.
                assert_eq!(
                    apply(state, &action, &[], &CTX),
                    Err(TaskRuleError::PartyNotAllowed)
                );
                assert!(apply(state, &action, &[OB, allowed[0]], &CTX).is_ok());
            }
        }
        // The table lists every (state, kind) pair that some party may take.
        let allowed_pairs = TaskState::ALL
            .into_iter()
            .flat_map(|s| TaskActionKind::ALL.map(|k| (s, k)))
            .filter(|&(s, k)| !allowed_parties(s, k).is_empty())
            .count();
        assert_eq!(pairs, allowed_pairs);
        // The lead agency's leader may do whatever the lead agency may, and
        // an observer may do nothing.
        for state in TaskState::ALL {
            for kind in TaskActionKind::ALL {
                let allowed = allowed_parties(state, kind);
                if allowed.contains(&LA) {
                    assert!(allowed.contains(&LL), "{kind:?} in {state:?}");
                }
                assert!(!allowed.contains(&OB), "{kind:?} in {state:?}");
            }
        }
    }

    /// A row of [`data_requirements`]: name, state, party, action, context,
    /// expected result.
    type DataCase<'a> = (
        &'a str,
        TaskState,
        TaskParty,
        TaskAction,
        TransitionContext,
        Result<Outcome, TaskRuleError>,
    );

    #[test]
    fn data_requirements() {
        use TaskAction as A;
        use TaskRuleError::*;
        let same = |next| Ok(Outcome { next, late: false });
        let note = EmptyText { field: "note" };
        let result = EmptyText { field: "result" };
        let blank = text(" \t\n ");
        let late = ctx(ymd(2025, 4, 1), Some(DEADLINE));
        #[rustfmt::skip]
        let cases: Vec<DataCase<'_>> = vec![
            ("progress 0%", IP, LA, A::ReportProgress { percent: 0, note: String::new() }, CTX, same(IP)),
            ("progress 100%", AS, LA, A::ReportProgress { percent: 100, note: text("Xong") }, CTX, same(IP)),
            ("progress 101%", IP, LA, A::ReportProgress { percent: 101, note: text("x") }, CTX, Err(InvalidPercent { percent: 101 })),
            ("progress 255%", AS, LA, A::ReportProgress { percent: 255, note: String::new() }, CTX, Err(InvalidPercent { percent: 255 })),
            ("difficulty: empty", IP, CO, A::ReportDifficulty { note: String::new() }, CTX, Err(note)),
            ("difficulty: blank", AS, LA, A::ReportDifficulty { note: blank.clone() }, CTX, Err(note)),
            ("remind: empty", IP, SP, A::Remind { note: String::new() }, CTX, Err(note)),
            ("comment: blank", CD, IS, A::Comment { note: blank.clone() }, CTX, Err(note)),
            ("comment on a cancelled task", CA, CO, A::Comment { note: text("Lưu ý") }, CTX, same(CA)),
            ("extension: no reason", IP, LA, A::RequestExtension { new_deadline: ymd(2025, 4, 30), reason: blank.clone() }, CTX, Err(ReasonRequired)),
            ("extension refused: no reason", IP, OL, A::DecideExtension { approve: false, reason: None }, CTX, Err(ReasonRequired)),
            ("extension refused: blank", IP, OL, A::DecideExtension { approve: false, reason: Some(blank.clone()) }, CTX, Err(ReasonRequired)),
            ("completion: no result", IP, LA, A::ProposeCompletion { result: String::new(), explanation: None }, CTX, Err(result)),
            ("completion: result before explanation", IP, LA, A::ProposeCompletion { result: blank.clone(), explanation: None }, late, Err(result)),
            ("review return: no reason", CP, SP, A::Review { accept: false, reason: None }, CTX, Err(ReasonRequired)),
            ("return: no reason", RV, OL, A::Return { reason: String::new() }, CTX, Err(ReasonRequired)),
            ("decline: no reason", AS, LL, A::ProposeDecline { reason: blank.clone() }, CTX, Err(ReasonRequired)),
            ("decline refused: no reason", DP, IS, A::DecideDecline { accept: false, reason: Some(String::new()) }, CTX, Err(ReasonRequired)),
            ("cancel: no reason", CP, IS, A::Cancel { reason: String::new() }, CTX, Err(ReasonRequired)),
            ("reopen: no reason", CD, OL, A::Reopen { reason: blank.clone() }, CTX, Err(ReasonRequired)),
            // State before party before data.
            ("closed state first", CD, OB, A::Cancel { reason: String::new() }, CTX, Err(NotAllowedInState { state: CD, action: TaskActionKind::Cancel })),
            ("party before data", IP, OB, A::Cancel { reason: String::new() }, CTX, Err(PartyNotAllowed)),
            ("party before percent", IP, CO, A::ReportProgress { percent: 200, note: String::new() }, CTX, Err(PartyNotAllowed)),
        ];
        for (name, state, party, action, context, expected) in cases {
            assert_eq!(
                apply(state, &action, &[party], &context),
                expected,
                "{name}"
            );
        }
    }

    /// A row of [`late_completion_needs_explanation`]: name, today, deadline,
    /// explanation, expected result.
    type LateCase<'a> = (
        &'a str,
        NaiveDate,
        Option<NaiveDate>,
        Option<&'a str>,
        Result<Outcome, TaskRuleError>,
    );

    #[test]
    fn late_completion_needs_explanation() {
        use TaskRuleError::LateExplanationRequired;
        let propose = |explanation: Option<&str>| TaskAction::ProposeCompletion {
            result: text("Đã hoàn thành"),
            explanation: explanation.map(text),
        };
        let missed = Err(LateExplanationRequired { deadline: DEADLINE });
        let proposed = |late| Ok(Outcome { next: CP, late });
        #[rustfmt::skip]
        let cases: &[LateCase<'_>] = &[
            ("ten days early", ymd(2025, 3, 21), Some(DEADLINE), None, proposed(false)),
            ("on the deadline day", DEADLINE, Some(DEADLINE), None, proposed(false)),
            ("an explanation when early is kept, not late", DEADLINE, Some(DEADLINE), Some("Ghi chú"), proposed(false)),
            ("the day after", ymd(2025, 4, 1), Some(DEADLINE), None, missed),
            ("the day after, blank explanation", ymd(2025, 4, 1), Some(DEADLINE), Some("  "), missed),
            ("the day after, explained", ymd(2025, 4, 1), Some(DEADLINE), Some("Chờ vốn"), proposed(true)),
            ("a year after, explained", ymd(2026, 3, 31), Some(DEADLINE), Some("Chờ vốn"), proposed(true)),
            ("standing task", ymd(2030, 1, 1), None, None, proposed(false)),
        ];
        for &(name, today, deadline, explanation, expected) in cases {
            for state in [AS, IP] {
                assert_eq!(
                    apply(state, &propose(explanation), &[LA], &ctx(today, deadline)),
                    expected,
                    "{name} from {state:?}"
                );
            }
        }
        // Only a completion proposal is ever late.
        let overdue = ctx(ymd(2025, 6, 1), Some(DEADLINE));
        for state in TaskState::ALL {
            for kind in TaskActionKind::ALL {
                if kind == TaskActionKind::ProposeCompletion {
                    continue;
                }
                if let Ok(out) = apply(state, &sample(kind), &TaskParty::ALL, &overdue) {
                    assert!(!out.late, "{kind:?} from {state:?}");
                }
            }
        }
    }

    #[test]
    fn extension_requests() {
        use TaskRuleError::*;
        let request = |y, m, d, reason: &str| TaskAction::RequestExtension {
            new_deadline: ymd(y, m, d),
            reason: text(reason),
        };
        let stay = Ok(Outcome {
            next: IP,
            late: false,
        });
        let overdue = ctx(ymd(2025, 4, 10), Some(DEADLINE));
        #[rustfmt::skip]
        let cases: &[(&str, TaskAction, TransitionContext, Result<Outcome, TaskRuleError>)] = &[
            ("a day later", request(2025, 4, 1, "Chờ vốn"), CTX, stay),
            ("same as the deadline", request(2025, 3, 31, "Chờ vốn"), CTX, Err(DeadlineNotLater { after: DEADLINE })),
            ("earlier than the deadline", request(2025, 3, 25, "Chờ vốn"), CTX, Err(DeadlineNotLater { after: DEADLINE })),
            ("overdue: before today", request(2025, 4, 5, "Chờ vốn"), overdue, Err(DeadlineNotLater { after: ymd(2025, 4, 10) })),
            ("overdue: today", request(2025, 4, 10, "Chờ vốn"), overdue, Err(DeadlineNotLater { after: ymd(2025, 4, 10) })),
            ("overdue: tomorrow", request(2025, 4, 11, "Chờ vốn"), overdue, stay),
            ("date before reason", request(2025, 3, 1, ""), CTX, Err(DeadlineNotLater { after: DEADLINE })),
            ("no reason", request(2025, 5, 1, " "), CTX, Err(ReasonRequired)),
            ("standing task", request(2025, 5, 1, "Chờ vốn"), ctx(ymd(2025, 3, 1), None), Err(NoDeadline)),
            ("standing task, bad data too", request(2000, 1, 1, ""), ctx(ymd(2025, 3, 1), None), Err(NoDeadline)),
        ];
        for (name, action, context, expected) in cases {
            assert_eq!(apply(IP, action, &[LL], context), *expected, "{name}");
        }
        // A standing task offers no extension button.
        let standing = ctx(ymd(2025, 3, 1), None);
        assert!(
            !available_actions(IP, &[LA], &standing).contains(&TaskActionKind::RequestExtension)
        );
        assert!(available_actions(IP, &[LA], &CTX).contains(&TaskActionKind::RequestExtension));
        // An observer hears about the party first.
        assert_eq!(
            apply(IP, &request(2025, 5, 1, "x"), &[OB], &standing),
            Err(PartyNotAllowed)
        );
    }

    #[test]
    fn available_actions_examples() {
        use TaskActionKind::*;
        let standing = ctx(CTX.today, None);
        #[rustfmt::skip]
        let cases: &[(TaskState, &[TaskParty], TransitionContext, &[TaskActionKind])] = &[
            (AS, &[LL], CTX, &[Accept, ReportProgress, ReportDifficulty, Comment, RequestExtension, ProposeCompletion, ProposeDecline]),
            (AS, &[LA], standing, &[Accept, ReportProgress, ReportDifficulty, Comment, ProposeCompletion]),
            (IP, &[CO], CTX, &[ReportDifficulty, Comment]),
            (IP, &[SP], CTX, &[Remind, Comment]),
            (CP, &[SP], CTX, &[Remind, Comment, Review, Return]),
            (RV, &[SP], CTX, &[Remind, Comment]),
            (RV, &[OL], CTX, &[Remind, Comment, DecideExtension, Confirm, Return, Cancel]),
            (RV, &[IS], CTX, &[Comment, DecideExtension, Confirm, Return, Cancel]),
            (DP, &[IS], CTX, &[Comment, DecideExtension, DecideDecline, Cancel]),
            (CD, &[IS, LA], CTX, &[Comment, Reopen]),
            (CA, &[IS, OL], CTX, &[Comment]),
            (IP, &[OB], CTX, &[]),
            (IP, &[], CTX, &[]),
        ];
        for &(state, parties, context, expected) in cases {
            assert_eq!(
                available_actions(state, parties, &context),
                expected,
                "{state:?} {parties:?}"
            );
        }
    }

    /// [`available_actions`] lists exactly the kinds for which [`apply`]
    /// accepts acceptable data, for every state, every set of parties and
    /// tasks with and without a deadline, before and after it.
    #[test]
    fn available_actions_agree_with_apply() {
        let contexts = [
            CTX,
            ctx(ymd(2025, 5, 1), Some(DEADLINE)),
            ctx(CTX.today, None),
        ];
        for state in TaskState::ALL {
            for mask in 0u32..(1 << TaskParty::ALL.len()) {
                let parties: Vec<TaskParty> = TaskParty::ALL
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, p)| p)
                    .collect();
                for context in &contexts {
                    let expected: Vec<TaskActionKind> = TaskActionKind::ALL
                        .into_iter()
                        .filter(|&k| apply(state, &sample(k), &parties, context).is_ok())
                        .collect();
                    assert_eq!(
                        available_actions(state, &parties, context),
                        expected,
                        "{state:?} {parties:?} {context:?}"
                    );
                }
            }
        }
    }

    /// A step of [`life_of_a_task`]: parties, action, today, current
    /// deadline, expected next state and lateness.
    type Step<'a> = (
        &'a [TaskParty],
        TaskAction,
        NaiveDate,
        Option<NaiveDate>,
        TaskState,
        bool,
    );

    /// A task from assignment to completion and back, with an extension
    /// and a late completion.
    #[test]
    fn life_of_a_task() {
        use TaskAction as A;
        #[rustfmt::skip]
        let steps: Vec<Step<'_>> = vec![
            (&[LA], A::Accept, ymd(2025, 3, 2), Some(DEADLINE), IP, false),
            (&[LA], A::ReportProgress { percent: 30, note: text("Đang xây dựng dự thảo") }, ymd(2025, 3, 10), Some(DEADLINE), IP, false),
            (&[CO], A::ReportDifficulty { note: text("Thiếu số liệu") }, ymd(2025, 3, 12), Some(DEADLINE), IP, false),
            (&[LL], A::RequestExtension { new_deadline: ymd(2025, 4, 15), reason: text("Chờ số liệu") }, ymd(2025, 3, 20), Some(DEADLINE), IP, false),
            (&[OL], A::DecideExtension { approve: true, reason: None }, ymd(2025, 3, 21), Some(DEADLINE), IP, false),
            (&[SP], A::Remind { note: text("Sắp đến hạn") }, ymd(2025, 4, 12), Some(ymd(2025, 4, 15)), IP, false),
            (&[LA], A::ProposeCompletion { result: text("Đã trình kế hoạch"), explanation: Some(text("Chậm 2 ngày do chờ số liệu")) }, ymd(2025, 4, 17), Some(ymd(2025, 4, 15)), CP, true),
            (&[SP], A::Review { accept: false, reason: Some(text("Thiếu phụ lục")) }, ymd(2025, 4, 18), Some(ymd(2025, 4, 15)), IP, false),
            (&[LA], A::ProposeCompletion { result: text("Bổ sung phụ lục"), explanation: Some(text("Chậm do bổ sung")) }, ymd(2025, 4, 20), Some(ymd(2025, 4, 15)), CP, true),
            (&[SP], A::Review { accept: true, reason: None }, ymd(2025, 4, 21), Some(ymd(2025, 4, 15)), RV, false),
            (&[OL], A::Confirm, ymd(2025, 4, 22), Some(ymd(2025, 4, 15)), CD, false),
            (&[IS], A::Reopen { reason: text("Cần cập nhật theo văn bản mới") }, ymd(2025, 6, 1), Some(ymd(2025, 4, 15)), IP, false),
            (&[LL], A::ProposeDecline { reason: text("Thuộc thẩm quyền Sở Tài chính") }, ymd(2025, 6, 2), Some(ymd(2025, 4, 15)), DP, false),
            (&[IS], A::DecideDecline { accept: true, reason: None }, ymd(2025, 6, 3), Some(ymd(2025, 4, 15)), CA, false),
        ];
        let mut state = AS;
        for (parties, action, today, deadline, next, late) in steps {
            let out = apply(state, &action, parties, &ctx(today, deadline)).unwrap();
            assert_eq!(out, Outcome { next, late }, "{action:?} from {state:?}");
            state = out.next;
        }
        assert_eq!(state, CA);
    }

    /// A row of [`errors_codes_kinds_and_messages`]: error, code, kind,
    /// field, message.
    type ErrorCase = (
        TaskRuleError,
        &'static str,
        TaskRuleErrorKind,
        &'static str,
        &'static str,
    );

    #[test]
    fn errors_codes_kinds_and_messages() {
        use TaskRuleError::*;
        use TaskRuleErrorKind::*;
        #[rustfmt::skip]
        let cases: &[ErrorCase] = &[
            (NotAllowedInState { state: CD, action: TaskActionKind::Cancel }, "not_allowed_in_state", Conflict, "action",
             "Không thể thực hiện “Hủy nhiệm vụ” khi nhiệm vụ ở trạng thái “Đã hoàn thành” (Action cancel is not allowed while the task is completed)"),
            (PartyNotAllowed, "party_not_allowed", Forbidden, "action",
             "Bạn không có quyền thực hiện thao tác này đối với nhiệm vụ (You are not allowed to do this on the task)"),
            (ReasonRequired, "reason_required", Invalid, "reason", "Cần nêu lý do (A reason is required)"),
            (LateExplanationRequired { deadline: DEADLINE }, "late_explanation_required", Invalid, "explanation",
             "Nhiệm vụ hoàn thành sau hạn 31/03/2025, cần có giải trình (The task is completed after its deadline 2025-03-31; an explanation is required)"),
            (InvalidPercent { percent: 120 }, "invalid_percent", Invalid, "percent",
             "Tỷ lệ tiến độ 120% không hợp lệ, phải từ 0 đến 100 (Progress 120% is invalid; it must be 0 to 100)"),
            (DeadlineNotLater { after: ymd(2025, 4, 5) }, "deadline_not_later", Invalid, "new_deadline",
             "Hạn mới phải sau ngày 05/04/2025 (The new deadline must be after 2025-04-05)"),
            (NoDeadline, "no_deadline", Conflict, "action",
             "Nhiệm vụ thường xuyên, không có hạn để gia hạn (The task is a standing task with no deadline to extend)"),
            (EmptyText { field: "note" }, "empty_text", Invalid, "note",
             "Chưa nhập nội dung (The field note must not be empty)"),
            (EmptyText { field: "result" }, "empty_text", Invalid, "result",
             "Chưa nhập kết quả thực hiện (The field result must not be empty)"),
        ];
        for &(error, code, kind, field, message) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.kind(), kind, "{error:?}");
            assert_eq!(error.field(), field, "{error:?}");
            assert_eq!(error.message_vi(), message);
            assert_eq!(error.to_string(), message);
        }
    }

    /// A row of [`timeliness_at_the_boundaries`]: name, state, deadline,
    /// completion date, today, warning days, expected class.
    type TimelinessCase<'a> = (
        &'a str,
        TaskState,
        Option<NaiveDate>,
        Option<NaiveDate>,
        NaiveDate,
        u32,
        Timeliness,
    );

    #[test]
    fn timeliness_at_the_boundaries() {
        use Timeliness::*;
        let d = DEADLINE;
        let day = |n: i64| d + TimeDelta::days(n);
        #[rustfmt::skip]
        let cases: &[TimelinessCase<'_>] = &[
            ("deadline today, 0 days warning", IP, Some(d), None, d, 0, DueSoon),
            ("deadline today, 3 days warning", IP, Some(d), None, d, 3, DueSoon),
            ("deadline tomorrow, 0 days", IP, Some(d), None, day(-1), 0, OnTime),
            ("deadline tomorrow, 3 days", AS, Some(d), None, day(-1), 3, DueSoon),
            ("3 days left, 3 days", IP, Some(d), None, day(-3), 3, DueSoon),
            ("4 days left, 3 days", IP, Some(d), None, day(-4), 3, OnTime),
            ("a day late, 0 days", IP, Some(d), None, day(1), 0, Overdue),
            ("a day late, 3 days", AS, Some(d), None, day(1), 3, Overdue),
            ("a year late", IP, Some(d), None, day(365), 3, Overdue),
            ("huge warning period", IP, Some(d), None, ymd(1900, 1, 1), u32::MAX, DueSoon),
            ("leap day counts", IP, Some(ymd(2024, 3, 1)), None, ymd(2024, 2, 27), 3, DueSoon),
            ("leap day counts, 2 days", IP, Some(ymd(2024, 3, 1)), None, ymd(2024, 2, 27), 2, OnTime),
            ("standing task", IP, None, None, d, 3, NoDeadline),
            ("proposed, awaiting review, past deadline", CP, Some(d), Some(day(-2)), day(2), 3, Overdue),
            ("reviewed, before deadline", RV, Some(d), None, day(-10), 3, OnTime),
            ("decline proposed, due soon", DP, Some(d), None, day(-1), 3, DueSoon),
            ("completed on the deadline day", CD, Some(d), Some(d), day(30), 3, CompletedOnTime),
            ("completed early, seen later", CD, Some(d), Some(day(-20)), day(400), 3, CompletedOnTime),
            ("completed a day late", CD, Some(d), Some(day(1)), day(1), 3, CompletedLate),
            ("completed late, seen before the deadline", CD, Some(d), Some(day(5)), day(-5), 3, CompletedLate),
            ("completed standing task", CD, None, Some(d), day(5), 3, CompletedOnTime),
            ("completed, date unknown", CD, Some(d), None, day(5), 3, CompletedOnTime),
            ("cancelled, would be overdue", CA, Some(d), None, day(5), 3, NoDeadline),
            ("cancelled standing task", CA, None, None, d, 3, NoDeadline),
        ];
        for &(name, state, deadline, completed_on, today, days, expected) in cases {
            assert_eq!(
                classify(state, deadline, completed_on, today, days),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn local_dates() {
        let t = at;
        #[rustfmt::skip]
        let cases: &[(&str, NaiveDateTime, NaiveDate)] = &[
            ("UTC midnight", t(2025, 6, 30, 0, 0, 0), ymd(2025, 6, 30)),
            ("16:59:59 UTC is 23:59:59 local", t(2025, 6, 30, 16, 59, 59), ymd(2025, 6, 30)),
            ("17:00 UTC is local midnight", t(2025, 6, 30, 17, 0, 0), ymd(2025, 7, 1)),
            ("late UTC evening", t(2025, 6, 30, 23, 59, 59), ymd(2025, 7, 1)),
            ("new year", t(2024, 12, 31, 17, 0, 0), ymd(2025, 1, 1)),
            ("old year", t(2024, 12, 31, 16, 59, 59), ymd(2024, 12, 31)),
            ("leap day", t(2024, 2, 28, 17, 30, 0), ymd(2024, 2, 29)),
            ("no DST in summer", t(2025, 7, 15, 17, 0, 0), ymd(2025, 7, 16)),
            ("last nanosecond", ymd(2025, 6, 30).and_hms_nano_opt(16, 59, 59, 999_999_999).unwrap(), ymd(2025, 6, 30)),
            ("the earliest instant", NaiveDateTime::MIN, NaiveDate::MIN),
            ("the latest instant saturates", NaiveDateTime::MAX, NaiveDate::MAX),
        ];
        for &(name, now, expected) in cases {
            assert_eq!(local_today(now), expected, "{name}");
        }
    }

    /// A row of [`effective_deadlines`]: original, current, basis, expected.
    type BasisCase = (
        Option<NaiveDate>,
        Option<NaiveDate>,
        DeadlineBasis,
        Option<NaiveDate>,
    );

    #[test]
    fn effective_deadlines() {
        use DeadlineBasis::*;
        let (orig, ext) = (ymd(2025, 3, 31), ymd(2025, 4, 30));
        #[rustfmt::skip]
        let cases: &[BasisCase] = &[
            (Some(orig), Some(ext), Original, Some(orig)),
            (Some(orig), Some(ext), Current, Some(ext)),
            (Some(orig), None, Original, Some(orig)),
            (Some(orig), None, Current, Some(orig)),
            (Some(orig), Some(orig), Current, Some(orig)),
            (None, None, Original, None),
            (None, None, Current, None),
        ];
        for &(original, current, basis, expected) in cases {
            assert_eq!(
                effective_deadline(original, current, basis),
                expected,
                "{original:?} {current:?} {basis:?}"
            );
        }
        // An extended deadline turns an overdue task back to on time on the
        // current basis, never on the original one.
        let today = ymd(2025, 4, 10);
        let on = |basis| {
            classify(
                IP,
                effective_deadline(Some(orig), Some(ext), basis),
                None,
                today,
                3,
            )
        };
        assert_eq!(on(Original), Timeliness::Overdue);
        assert_eq!(on(Current), Timeliness::OnTime);
    }

    // Random walks through the workflow.

    /// Every (from, to) pair the transition table allows.
    const EDGES: &[(TaskState, TaskState)] = &[
        (AS, AS),
        (AS, IP),
        (AS, CP),
        (AS, DP),
        (AS, CA),
        (IP, IP),
        (IP, CP),
        (IP, DP),
        (IP, CA),
        (CP, CP),
        (CP, RV),
        (CP, IP),
        (CP, CA),
        (RV, RV),
        (RV, CD),
        (RV, IP),
        (RV, CA),
        (CD, CD),
        (CD, IP),
        (DP, DP),
        (DP, CA),
        (DP, IP),
        (CA, CA),
    ];

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => Just(text("Nội dung")),
            1 => Just(String::new()),
            1 => Just(text(" \t")),
        ]
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..300).prop_map(|n| ymd(2025, 1, 1) + TimeDelta::days(n))
    }

    /// The data of a random action, whatever its kind.
    #[derive(Debug, Clone)]
    struct Payload {
        percent: u8,
        text: String,
        other: Option<String>,
        flag: bool,
        date: NaiveDate,
    }

    fn any_payload() -> impl Strategy<Value = Payload> {
        (
            0u8..=110,
            any_text(),
            prop::option::of(any_text()),
            any::<bool>(),
            any_date(),
        )
            .prop_map(|(percent, text, other, flag, date)| Payload {
                percent,
                text,
                other,
                flag,
                date,
            })
    }

    /// The action of `kind` with the data in `p`.
    fn build(kind: TaskActionKind, p: Payload) -> TaskAction {
        use TaskAction as A;
        use TaskActionKind as K;
        match kind {
            K::Accept => A::Accept,
            K::ReportProgress => A::ReportProgress {
                percent: p.percent,
                note: p.text,
            },
            K::ReportDifficulty => A::ReportDifficulty { note: p.text },
            K::Remind => A::Remind { note: p.text },
            K::Comment => A::Comment { note: p.text },
            K::RequestExtension => A::RequestExtension {
                new_deadline: p.date,
                reason: p.text,
            },
            K::DecideExtension => A::DecideExtension {
                approve: p.flag,
                reason: p.other,
            },
            K::ProposeCompletion => A::ProposeCompletion {
                result: p.text,
                explanation: p.other,
            },
            K::Review => A::Review {
                accept: p.flag,
                reason: p.other,
            },
            K::Confirm => A::Confirm,
            K::Return => A::Return { reason: p.text },
            K::ProposeDecline => A::ProposeDecline { reason: p.text },
            K::DecideDecline => A::DecideDecline {
                accept: p.flag,
                reason: p.other,
            },
            K::Cancel => A::Cancel { reason: p.text },
            K::Reopen => A::Reopen { reason: p.text },
        }
    }

    /// One step of a random walk: days passed, a kind of action (or, when
    /// `guided` is set, the kind at that index among those offered but
    /// Cancel, so that walks get far), its data, and the actor's parties.
    fn any_step(
    ) -> impl Strategy<Value = (i64, TaskActionKind, Option<usize>, Payload, Vec<TaskParty>)> {
        (
            0i64..6,
            prop::sample::select(TaskActionKind::ALL.to_vec()),
            prop::option::weighted(0.8, 0usize..16),
            any_payload(),
            any_parties(),
        )
    }

    fn any_parties() -> impl Strategy<Value = Vec<TaskParty>> {
        prop_oneof![
            1 => prop::collection::vec(prop::sample::select(TaskParty::ALL.to_vec()), 0..3),
            1 => Just(vec![IS, OL, SP, LA, LL, CO]),
        ]
    }

    fn rank(class: Timeliness) -> u8 {
        match class {
            Timeliness::OnTime => 0,
            Timeliness::DueSoon => 1,
            Timeliness::Overdue => 2,
            other => panic!("not an open-task class: {other:?}"),
        }
    }

    proptest! {
        #[test]
        fn random_walks_stay_in_the_workflow(
            deadline in prop::option::of(any_date()),
            steps in prop::collection::vec(any_step(), 0..80),
        ) {
            let mut state = AS;
            let mut deadline = deadline;
            let mut pending: Option<NaiveDate> = None;
            let mut today = ymd(2025, 1, 1);
            for (advance, kind, guided, payload, parties) in steps {
                today += TimeDelta::days(advance);
                let context = ctx(today, deadline);
                let offered_kinds = available_actions(state, &parties, &context);
                // Guided steps do not cancel, so that walks get past the
                // first few steps.
                let onward: Vec<TaskActionKind> = offered_kinds
                    .iter()
                    .copied()
                    .filter(|&k| k != TaskActionKind::Cancel)
                    .collect();
                let kind = match guided {
                    Some(i) if !onward.is_empty() => onward[i % onward.len()],
                    _ => kind,
                };
                let action = build(kind, payload);
                let offered = offered_kinds.contains(&kind);
                match apply(state, &action, &parties, &context) {
                    Ok(out) => {
                        prop_assert!(offered, "{:?} from {:?} not offered", kind, state);
                        prop_assert!(
                            EDGES.contains(&(state, out.next)),
                            "undefined transition {:?} -> {:?} by {:?}", state, out.next, kind
                        );
                        if out.next == CD && state != CD {
                            prop_assert_eq!((state, kind), (RV, TaskActionKind::Confirm));
                        }
                        if out.next == RV && state != RV {
                            prop_assert_eq!((state, kind), (CP, TaskActionKind::Review));
                            prop_assert!(parties.contains(&SP));
                        }
                        if state == CA {
                            prop_assert_eq!(out.next, CA);
                        }
                        if out.late {
                            prop_assert_eq!(kind, TaskActionKind::ProposeCompletion);
                            prop_assert!(deadline.is_some_and(|d| today > d));
                        }
                        match action {
                            TaskAction::RequestExtension { new_deadline, .. } => {
                                prop_assert!(deadline.is_some_and(|d| new_deadline > d));
                                prop_assert!(new_deadline > today);
                                pending = Some(new_deadline);
                            }
                            TaskAction::DecideExtension { approve, .. } => {
                                let requested = pending.take();
                                if approve && requested.is_some() {
                                    deadline = requested;
                                }
                            }
                            _ => {}
                        }
                        state = out.next;
                    }
                    Err(error) => {
                        let precondition = matches!(
                            error,
                            TaskRuleError::NotAllowedInState { .. }
                                | TaskRuleError::PartyNotAllowed
                                | TaskRuleError::NoDeadline
                        );
                        prop_assert_eq!(precondition, !offered, "{:?}", error);
                        if let TaskRuleError::NotAllowedInState { state: s, action: a } = error {
                            prop_assert_eq!((s, a), (state, kind));
                        }
                    }
                }
                prop_assert!(TaskState::ALL.contains(&state));
            }
        }

        #[test]
        fn open_tasks_have_one_class_that_only_gets_worse(
            state in prop::sample::select(vec![AS, IP, CP, RV, DP]),
            deadline in prop::option::of(any_date()),
            completed_on in prop::option::of(any_date()),
            start in 0i64..320,
            later in 0i64..320,
            due_soon_days in 0u32..40,
        ) {
            let t1 = ymd(2025, 1, 1) + TimeDelta::days(start);
            let t2 = t1 + TimeDelta::days(later);
            let c1 = classify(state, deadline, completed_on, t1, due_soon_days);
            let c2 = classify(state, deadline, completed_on, t2, due_soon_days);
            // The completion date does not matter for an open task.
            prop_assert_eq!(c1, classify(state, deadline, None, t1, due_soon_days));
            match deadline {
                None => {
                    prop_assert_eq!(c1, Timeliness::NoDeadline);
                    prop_assert_eq!(c2, Timeliness::NoDeadline);
                }
                Some(d) => {
                    // Exactly one of the three predicates holds, and it is
                    // the class returned.
                    let left = (d - t1).num_days();
                    let overdue = t1 > d;
                    let due_soon = !overdue && left <= i64::from(due_soon_days);
                    let on_time = !overdue && left > i64::from(due_soon_days);
                    prop_assert_eq!(u8::from(overdue) + u8::from(due_soon) + u8::from(on_time), 1);
                    let expected = if overdue {
                        Timeliness::Overdue
                    } else if due_soon {
                        Timeliness::DueSoon
                    } else {
                        Timeliness::OnTime
                    };
                    prop_assert_eq!(c1, expected);
                    prop_assert!(rank(c1) <= rank(c2), "{:?} on {} then {:?} on {}", c1, t1, c2, t2);
                }
            }
        }

        #[test]
        fn closed_tasks_do_not_change_with_time(
            deadline in prop::option::of(any_date()),
            completed_on in prop::option::of(any_date()),
            t1 in any_date(),
            t2 in any_date(),
            due_soon_days in 0u32..40,
        ) {
            let done = classify(CD, deadline, completed_on, t1, due_soon_days);
            prop_assert_eq!(done, classify(CD, deadline, completed_on, t2, 0));
            prop_assert!(matches!(done, Timeliness::CompletedOnTime | Timeliness::CompletedLate));
            let late = matches!((deadline, completed_on), (Some(d), Some(c)) if c > d);
            prop_assert_eq!(done == Timeliness::CompletedLate, late);
            prop_assert_eq!(
                classify(CA, deadline, completed_on, t1, due_soon_days),
                Timeliness::NoDeadline
            );
        }

        #[test]
        fn local_today_is_utc_plus_seven(secs in -2_000_000_000i64..4_000_000_000) {
            let now = chrono::DateTime::from_timestamp(secs, 0).unwrap().naive_utc();
            let local = local_today(now);
            let utc = now.date();
            // Either the same date or the next, and the next exactly from
            // 17:00 UTC on.
            let next = now.time() >= chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap();
            prop_assert_eq!(local, if next { utc.succ_opt().unwrap() } else { utc });
        }
    }
}
