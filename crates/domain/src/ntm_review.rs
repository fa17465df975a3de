//! The review chain of an NTM evaluation, as data and pure rules.
//!
//! A round names its chain: an ordered list of [`Stage`]s, each done by a
//! [`Role`] on a unit found by the stage's [`Performer`]: the evaluated
//! unit itself (the first stage, which submits), its district (skipped
//! where the unit has none, as in every round after the 2025 reform), the
//! department owning each criterion (in parallel, criterion by
//! criterion), a fixed unit such as the provincial NTM coordination
//! office, or the unit's province.
//!
//! Every criterion moves through the chain on its own: it sits at a stage
//! ([`CriterionReview::stage`]) in a [`ReviewState`]. [`submit`] sends the
//! unit's open and returned criteria on, [`accept`] and [`return_items`]
//! act at one stage, and when every criterion has been accepted at the
//! same stage they all move to the next one that applies. A returned
//! criterion goes back to the unit alone (only it can be edited again)
//! and, once resubmitted, straight back to the stage that returned it.

use serde::{Deserialize, Serialize};

use crate::access::Role;
use crate::units::UnitId;

/// Who performs a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Performer {
    /// The evaluated unit itself (the commune that self-assesses).
    EvaluatedUnit,
    /// The district above the evaluated unit; the stage is skipped for a
    /// unit with no district (every unit after 1 July 2025).
    District,
    /// For each criterion, the department that owns it, in parallel.
    OwningDepartment,
    /// A fixed unit, e.g. the provincial NTM coordination office.
    Unit {
        /// The unit.
        unit_id: UnitId,
    },
    /// The province above the evaluated unit (its People's Committee).
    Province,
}

/// One stage of a review chain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stage {
    /// The name shown, e.g. *Sở ngành thẩm định*.
    pub name: String,
    /// The role the actor must hold on the performer's unit.
    pub role: Role,
    /// Where that role must be held.
    pub performer: Performer,
    /// Whether accepting at this stage records a decision (number and
    /// date): the People's Committee's recognition. Only the last stage
    /// may.
    #[serde(default)]
    pub records_decision: bool,
}

/// Something wrong with a chain as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ChainProblem {
    /// Fewer than two stages: someone must submit and someone review.
    #[error("quy trình phải có ít nhất hai bước / a chain needs at least two stages")]
    TooShort,
    /// The first stage must be the evaluated unit's, and only the first.
    #[error("bước đầu tiên (và chỉ bước đó) là của đơn vị được đánh giá / the first stage, and only it, belongs to the evaluated unit")]
    FirstStage,
    /// Only the last stage may record a decision.
    #[error(
        "chỉ bước cuối cùng ghi quyết định công nhận / only the last stage records a decision"
    )]
    DecisionNotLast,
}

impl ChainProblem {
    /// The stable code, e.g. `"too_short"`.
    pub const fn code(self) -> &'static str {
        match self {
            ChainProblem::TooShort => "too_short",
            ChainProblem::FirstStage => "first_stage",
            ChainProblem::DecisionNotLast => "decision_not_last",
        }
    }
}

/// Checks a chain before a round stores it.
///
/// # Errors
/// The first [`ChainProblem`] found.
pub fn validate_chain(chain: &[Stage]) -> Result<(), ChainProblem> {
    if chain.len() < 2 {
        return Err(ChainProblem::TooShort);
    }
    let unit_stages = chain
        .iter()
        .enumerate()
        .filter(|(_, s)| s.performer == Performer::EvaluatedUnit);
    if unit_stages.map(|(i, _)| i).ne([0]) {
        return Err(ChainProblem::FirstStage);
    }
    if chain[..chain.len() - 1].iter().any(|s| s.records_decision) {
        return Err(ChainProblem::DecisionNotLast);
    }
    Ok(())
}

/// The first stage after `after` that applies to a unit (a district stage
/// does not apply to a unit without a district); `chain.len()` when none
/// is left: the review is complete.
pub fn next_stage(chain: &[Stage], after: usize, has_district: bool) -> usize {
    (after + 1..chain.len())
        .find(|&i| has_district || chain[i].performer != Performer::District)
        .unwrap_or(chain.len())
}

/// Where a criterion stands at its stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    /// With the evaluated unit, never submitted: editable.
    Open,
    /// Waiting for its stage to act.
    Pending,
    /// Accepted at its stage, waiting for the rest of the criteria there;
    /// past the last stage: done.
    Accepted,
    /// Sent back to the unit by its stage, with a reason: editable, and
    /// returns to that stage when resubmitted.
    Returned,
}

impl ReviewState {
    /// The stable code, as stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReviewState::Open => "open",
            ReviewState::Pending => "pending",
            ReviewState::Accepted => "accepted",
            ReviewState::Returned => "returned",
        }
    }

    /// The state with this code.
    pub fn parse(code: &str) -> Option<Self> {
        [
            ReviewState::Open,
            ReviewState::Pending,
            ReviewState::Accepted,
            ReviewState::Returned,
        ]
        .into_iter()
        .find(|s| s.as_str() == code)
    }
}

/// Where one criterion of an evaluation is in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CriterionReview {
    /// The criterion's number.
    pub number: u8,
    /// The stage it sits at (`chain.len()` once past the last).
    pub stage: usize,
    /// Its state there.
    pub state: ReviewState,
}

impl CriterionReview {
    /// A criterion never submitted.
    pub const fn open(number: u8) -> Self {
        CriterionReview {
            number,
            stage: 0,
            state: ReviewState::Open,
        }
    }

    /// Whether the evaluated unit may change its values: never submitted,
    /// or returned.
    pub const fn editable(&self) -> bool {
        matches!(self.state, ReviewState::Open | ReviewState::Returned)
    }
}

/// Where an evaluation as a whole stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EvaluationStatus {
    /// Being entered by the unit; nothing submitted yet.
    Draft,
    /// Submitted and under review.
    InReview,
    /// Some criteria were sent back to the unit.
    Returned,
    /// Every criterion passed the whole chain.
    Completed,
    /// Results recorded from a past report (a legacy import): each
    /// criterion's result as the report states it, not reviewed here.
    Recorded,
}

impl EvaluationStatus {
    /// The stable code, as stored.
    pub const fn as_str(self) -> &'static str {
        match self {
            EvaluationStatus::Draft => "draft",
            EvaluationStatus::InReview => "in_review",
            EvaluationStatus::Returned => "returned",
            EvaluationStatus::Completed => "completed",
            EvaluationStatus::Recorded => "recorded",
        }
    }

    /// The status with this code.
    pub fn parse(code: &str) -> Option<Self> {
        [
            EvaluationStatus::Draft,
            EvaluationStatus::InReview,
            EvaluationStatus::Returned,
            EvaluationStatus::Completed,
            EvaluationStatus::Recorded,
        ]
        .into_iter()
        .find(|s| s.as_str() == code)
    }

    /// The Vietnamese label.
    pub const fn label_vi(self) -> &'static str {
        match self {
            EvaluationStatus::Draft => "Đang tự đánh giá",
            EvaluationStatus::InReview => "Đang thẩm định",
            EvaluationStatus::Returned => "Bị trả lại",
            EvaluationStatus::Completed => "Hoàn thành",
            EvaluationStatus::Recorded => "Ghi nhận từ báo cáo",
        }
    }
}

/// The status of an evaluation whose criteria stand as `reviews` in a
/// chain of `chain_len` stages: completed when every criterion is past
/// the last stage, returned when any was sent back, draft when none was
/// ever submitted, in review otherwise.
pub fn status(chain_len: usize, reviews: &[CriterionReview]) -> EvaluationStatus {
    if !reviews.is_empty() && reviews.iter().all(|r| r.stage >= chain_len) {
        EvaluationStatus::Completed
    } else if reviews.iter().any(|r| r.state == ReviewState::Returned) {
        EvaluationStatus::Returned
    } else if reviews.iter().all(|r| r.state == ReviewState::Open) {
        EvaluationStatus::Draft
    } else {
        EvaluationStatus::InReview
    }
}

/// Why a review step was refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum ReviewError {
    /// Nothing is open or returned: there is nothing to submit.
    #[error("không có tiêu chí nào để gửi / nothing to submit")]
    NothingToSubmit,
    /// Nothing waits at this stage for this actor.
    #[error("không có tiêu chí nào chờ bước này / nothing awaits this stage")]
    NothingPending,
    /// A named criterion is not waiting at this stage.
    #[error("tiêu chí {0} không chờ bước này / criterion {0} does not await this stage")]
    NotAtStage(u8),
    /// A named criterion belongs to someone else at this stage.
    #[error("tiêu chí {0} không thuộc thẩm quyền của bạn / criterion {0} is not yours to review")]
    NotYours(u8),
    /// Returning needs a reason.
    #[error("phải nêu lý do trả lại / a reason is required to return")]
    ReasonRequired,
}

impl ReviewError {
    /// The stable code, e.g. `"nothing_pending"`.
    pub const fn code(&self) -> &'static str {
        match self {
            ReviewError::NothingToSubmit => "nothing_to_submit",
            ReviewError::NothingPending => "nothing_pending",
            ReviewError::NotAtStage(_) => "not_at_stage",
            ReviewError::NotYours(_) => "not_yours",
            ReviewError::ReasonRequired => "reason_required",
        }
    }
}

/// Sends the unit's open criteria to the first stage after submission and
/// its returned criteria back to the stages that returned them. Returns
/// the numbers moved.
///
/// # Errors
/// [`ReviewError::NothingToSubmit`] when nothing is open or returned.
pub fn submit(
    chain: &[Stage],
    has_district: bool,
    reviews: &mut [CriterionReview],
) -> Result<Vec<u8>, ReviewError> {
    let first = next_stage(chain, 0, has_district);
    let mut moved = Vec::new();
    for review in reviews.iter_mut() {
        match review.state {
            ReviewState::Open => review.stage = first,
            ReviewState::Returned => {}
            ReviewState::Pending | ReviewState::Accepted => continue,
        }
        review.state = ReviewState::Pending;
        moved.push(review.number);
    }
    if moved.is_empty() {
        return Err(ReviewError::NothingToSubmit);
    }
    advance(chain, has_district, reviews);
    Ok(moved)
}

/// The criteria an actor acts on at `stage`: those named in `only` (each
/// must sit at the stage in one of `states` and be the actor's, by
/// `mine`), or else every criterion there in those states that is the
/// actor's.
fn targets(
    reviews: &[CriterionReview],
    stage: usize,
    states: &[ReviewState],
    mine: &dyn Fn(u8) -> bool,
    only: Option<&[u8]>,
) -> Result<Vec<usize>, ReviewError> {
    let here = |r: &CriterionReview| r.stage == stage && states.contains(&r.state);
    let picked: Vec<usize> = match only {
        Some(numbers) => numbers
            .iter()
            .map(|&n| {
                let i = reviews
                    .iter()
                    .position(|r| r.number == n && here(r))
                    .ok_or(ReviewError::NotAtStage(n))?;
                if mine(n) {
                    Ok(i)
                } else {
                    Err(ReviewError::NotYours(n))
                }
            })
            .collect::<Result<_, _>>()?,
        None => (0..reviews.len())
            .filter(|&i| here(&reviews[i]) && mine(reviews[i].number))
            .collect(),
    };
    if picked.is_empty() {
        Err(ReviewError::NothingPending)
    } else {
        Ok(picked)
    }
}

/// Accepts criteria waiting at `stage` (those in `only`, or all of the
/// actor's there, `mine` telling which are the actor's); when every
/// criterion has then been accepted at this stage, all move on to the
/// next stage that applies. Returns the numbers accepted.
///
/// # Errors
/// [`ReviewError::NothingPending`], [`ReviewError::NotAtStage`] or
/// [`ReviewError::NotYours`].
pub fn accept(
    chain: &[Stage],
    has_district: bool,
    reviews: &mut [CriterionReview],
    stage: usize,
    mine: &dyn Fn(u8) -> bool,
    only: Option<&[u8]>,
) -> Result<Vec<u8>, ReviewError> {
    let picked = targets(reviews, stage, &[ReviewState::Pending], mine, only)?;
    for &i in &picked {
        reviews[i].state = ReviewState::Accepted;
    }
    advance(chain, has_district, reviews);
    Ok(picked.iter().map(|&i| reviews[i].number).collect())
}

/// Sends criteria at `stage` (pending or already accepted there; those in
/// `only`, or all of the actor's) back to the unit with `reason`. Returns
/// the numbers returned.
///
/// # Errors
/// [`ReviewError::ReasonRequired`] for a blank reason, else as
/// [`accept`].
pub fn return_items(
    reviews: &mut [CriterionReview],
    stage: usize,
    mine: &dyn Fn(u8) -> bool,
    only: Option<&[u8]>,
    reason: &str,
) -> Result<Vec<u8>, ReviewError> {
    if reason.trim().is_empty() {
        return Err(ReviewError::ReasonRequired);
    }
    let picked = targets(
        reviews,
        stage,
        &[ReviewState::Pending, ReviewState::Accepted],
        mine,
        only,
    )?;
    for &i in &picked {
        reviews[i].state = ReviewState::Returned;
    }
    Ok(picked.iter().map(|&i| reviews[i].number).collect())
}

/// While every criterion is accepted at one and the same stage, moves
/// them all to the next stage that applies (pending there, or accepted
/// and done past the last).
fn advance(chain: &[Stage], has_district: bool, reviews: &mut [CriterionReview]) {
    loop {
        let Some(first) = reviews.first() else { return };
        let stage = first.stage;
        if stage >= chain.len()
            || !reviews
                .iter()
                .all(|r| r.stage == stage && r.state == ReviewState::Accepted)
        {
            return;
        }
        let next = next_stage(chain, stage, has_district);
        for r in reviews.iter_mut() {
            r.stage = next;
            r.state = if next >= chain.len() {
                ReviewState::Accepted
            } else {
                ReviewState::Pending
            };
        }
    }
}

/// The stages where something waits for review, lowest first: the
/// candidates for an actor's next step.
pub fn pending_stages(reviews: &[CriterionReview]) -> Vec<usize> {
    let mut stages: Vec<usize> = reviews
        .iter()
        .filter(|r| r.state == ReviewState::Pending)
        .map(|r| r.stage)
        .collect();
    stages.sort_unstable();
    stages.dedup();
    stages
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn stage(name: &str, role: Role, performer: Performer) -> Stage {
        Stage {
            name: name.into(),
            role,
            performer,
            records_decision: false,
        }
    }

    /// Commune submits → district verifies → departments appraise →
    /// coordination office concludes → committee recognises.
    fn chain() -> Vec<Stage> {
        let mut recognise = stage("Công nhận", Role::CommitteeLeader, Performer::Province);
        recognise.records_decision = true;
        vec![
            stage(
                "Xã tự đánh giá",
                Role::CommuneOfficer,
                Performer::EvaluatedUnit,
            ),
            stage("Huyện thẩm tra", Role::NtmCoordinator, Performer::District),
            stage(
                "Sở ngành thẩm định",
                Role::DepartmentAppraiser,
                Performer::OwningDepartment,
            ),
            stage(
                "VP Điều phối tổng hợp",
                Role::NtmCoordinator,
                Performer::Unit { unit_id: 50 },
            ),
            recognise,
        ]
    }

    fn reviews(numbers: &[u8]) -> Vec<CriterionReview> {
        numbers.iter().map(|&n| CriterionReview::open(n)).collect()
    }

    fn at(reviews: &[CriterionReview]) -> Vec<(u8, usize, ReviewState)> {
        reviews
            .iter()
            .map(|r| (r.number, r.stage, r.state))
            .collect()
    }

    const ALL: &dyn Fn(u8) -> bool = &|_| true;

    #[test]
    fn chains_are_checked() {
        assert_eq!(validate_chain(&chain()), Ok(()));
        assert_eq!(validate_chain(&chain()[..1]), Err(ChainProblem::TooShort));
        let mut no_submitter = chain();
        no_submitter.swap(0, 1);
        assert_eq!(validate_chain(&no_submitter), Err(ChainProblem::FirstStage));
        let mut twice = chain();
        twice[3].performer = Performer::EvaluatedUnit;
        assert_eq!(validate_chain(&twice), Err(ChainProblem::FirstStage));
        let mut early = chain();
        early[2].records_decision = true;
        assert_eq!(validate_chain(&early), Err(ChainProblem::DecisionNotLast));
    }

    #[test]
    fn the_district_stage_applies_only_where_a_district_exists() {
        let chain = chain();
        assert_eq!(next_stage(&chain, 0, true), 1);
        assert_eq!(next_stage(&chain, 0, false), 2);
        assert_eq!(next_stage(&chain, 3, false), 4);
        assert_eq!(next_stage(&chain, 4, true), 5);
    }

    #[test]
    fn a_whole_chain_with_departments_in_parallel() {
        let chain = chain();
        let mut r = reviews(&[1, 2, 3]);
        assert_eq!(status(chain.len(), &r), EvaluationStatus::Draft);
        // Nothing to review before submission.
        assert_eq!(
            accept(&chain, true, &mut r, 1, ALL, None),
            Err(ReviewError::NothingPending)
        );
        assert_eq!(submit(&chain, true, &mut r), Ok(vec![1, 2, 3]));
        assert_eq!(
            submit(&chain, true, &mut r),
            Err(ReviewError::NothingToSubmit)
        );
        assert!(r.iter().all(|c| !c.editable()));
        assert_eq!(status(chain.len(), &r), EvaluationStatus::InReview);
        // The district verifies the whole evaluation.
        assert_eq!(
            accept(&chain, true, &mut r, 1, ALL, None),
            Ok(vec![1, 2, 3])
        );
        assert_eq!(pending_stages(&r), vec![2]);
        // Department A owns 1 and 2, department B owns 3.
        let dept_a: &dyn Fn(u8) -> bool = &|n| n <= 2;
        let dept_b: &dyn Fn(u8) -> bool = &|n| n == 3;
        assert_eq!(
            accept(&chain, true, &mut r, 2, dept_a, Some(&[3])),
            Err(ReviewError::NotYours(3))
        );
        assert_eq!(accept(&chain, true, &mut r, 2, dept_b, None), Ok(vec![3]));
        // B is done; A's criteria still hold the stage.
        assert_eq!(
            at(&r),
            vec![
                (1, 2, ReviewState::Pending),
                (2, 2, ReviewState::Pending),
                (3, 2, ReviewState::Accepted)
            ]
        );
        // A returns criterion 2 only.
        assert_eq!(
            return_items(&mut r, 2, dept_a, Some(&[2]), "  "),
            Err(ReviewError::ReasonRequired)
        );
        assert_eq!(
            return_items(&mut r, 2, dept_a, Some(&[2]), "Thiếu minh chứng"),
            Ok(vec![2])
        );
        assert_eq!(status(chain.len(), &r), EvaluationStatus::Returned);
        let editable: Vec<u8> = r
            .iter()
            .filter(|c| c.editable())
            .map(|c| c.number)
            .collect();
        assert_eq!(editable, vec![2]);
        assert_eq!(accept(&chain, true, &mut r, 2, dept_a, None), Ok(vec![1]));
        // Resubmitted, 2 goes straight back to the departments' stage.
        assert_eq!(submit(&chain, true, &mut r), Ok(vec![2]));
        assert_eq!(at(&r)[1], (2, 2, ReviewState::Pending));
        assert_eq!(accept(&chain, true, &mut r, 2, dept_a, None), Ok(vec![2]));
        // All accepted at the departments' stage: on to the office.
        assert_eq!(pending_stages(&r), vec![3]);
        assert_eq!(
            accept(&chain, true, &mut r, 3, ALL, None),
            Ok(vec![1, 2, 3])
        );
        assert_eq!(
            accept(&chain, true, &mut r, 4, ALL, None),
            Ok(vec![1, 2, 3])
        );
        assert_eq!(status(chain.len(), &r), EvaluationStatus::Completed);
        assert!(pending_stages(&r).is_empty());
    }

    #[test]
    fn without_a_district_submission_goes_to_the_departments() {
        let chain = chain();
        let mut r = reviews(&[1, 2]);
        submit(&chain, false, &mut r).unwrap();
        assert_eq!(pending_stages(&r), vec![2]);
    }

    #[test]
    fn a_whole_return_reopens_everything_at_that_stage() {
        let chain = chain();
        let mut r = reviews(&[1, 2]);
        submit(&chain, true, &mut r).unwrap();
        assert_eq!(
            return_items(&mut r, 1, ALL, None, "Số liệu chưa khớp"),
            Ok(vec![1, 2])
        );
        assert!(r.iter().all(CriterionReview::editable));
        assert_eq!(
            return_items(&mut r, 1, ALL, Some(&[1]), "lần nữa"),
            Err(ReviewError::NotAtStage(1))
        );
        submit(&chain, true, &mut r).unwrap();
        assert_eq!(pending_stages(&r), vec![1]);
    }

    #[test]
    fn codes_round_trip() {
        for s in [
            ReviewState::Open,
            ReviewState::Pending,
            ReviewState::Accepted,
            ReviewState::Returned,
        ] {
            assert_eq!(ReviewState::parse(s.as_str()), Some(s));
        }
        for s in [
            EvaluationStatus::Draft,
            EvaluationStatus::InReview,
            EvaluationStatus::Returned,
            EvaluationStatus::Completed,
        ] {
            assert_eq!(EvaluationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ReviewState::parse("x"), None);
    }
}
