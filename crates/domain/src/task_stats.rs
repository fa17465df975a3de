//! Counting tasks by timeliness: the figures of the statistics report and
//! the wall board.

use serde::{Deserialize, Serialize};

use crate::tasks::Timeliness;

/// Tasks per timeliness class, and the on-time completion rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelinessCounts {
    pub total: u64,
    pub on_time: u64,
    pub due_soon: u64,
    pub overdue: u64,
    pub completed_on_time: u64,
    pub completed_late: u64,
    pub no_deadline: u64,
}

impl TimelinessCounts {
    /// Counts one task.
    pub fn add(&mut self, class: Timeliness) {
        self.total += 1;
        match class {
            Timeliness::OnTime => self.on_time += 1,
            Timeliness::DueSoon => self.due_soon += 1,
            Timeliness::Overdue => self.overdue += 1,
            Timeliness::CompletedOnTime => self.completed_on_time += 1,
            Timeliness::CompletedLate => self.completed_late += 1,
            Timeliness::NoDeadline => self.no_deadline += 1,
        }
    }

    /// Adds another group's counts (for totals).
    pub fn merge(&mut self, other: &Self) {
        self.total += other.total;
        self.on_time += other.on_time;
        self.due_soon += other.due_soon;
        self.overdue += other.overdue;
        self.completed_on_time += other.completed_on_time;
        self.completed_late += other.completed_late;
        self.no_deadline += other.no_deadline;
    }

    /// Completed tasks.
    pub fn completed(&self) -> u64 {
        self.completed_on_time + self.completed_late
    }

    /// Completed on time as a share of completed tasks, in basis points
    /// (10,000 = 100 %), rounded half up; `None` when nothing is completed.
    pub fn on_time_rate_bp(&self) -> Option<u64> {
        let completed = self.completed();
        (completed > 0).then(|| (self.completed_on_time * 20_000 + completed) / (2 * completed))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use Timeliness::*;

    #[test]
    fn counts_and_rates() {
        let mut a = TimelinessCounts::default();
        for class in [
            OnTime,
            DueSoon,
            Overdue,
            CompletedOnTime,
            CompletedOnTime,
            CompletedLate,
            NoDeadline,
        ] {
            a.add(class);
        }
        assert_eq!(a.total, 7);
        assert_eq!(
            (a.on_time, a.due_soon, a.overdue, a.no_deadline),
            (1, 1, 1, 1)
        );
        assert_eq!(a.completed(), 3);
        // 2 of 3: 6666.67 bp rounds to 6667.
        assert_eq!(a.on_time_rate_bp(), Some(6667));
        let mut b = TimelinessCounts::default();
        b.add(CompletedLate);
        assert_eq!(b.on_time_rate_bp(), Some(0));
        a.merge(&b);
        assert_eq!(a.total, 8);
        assert_eq!(a.on_time_rate_bp(), Some(5000));
        assert_eq!(TimelinessCounts::default().on_time_rate_bp(), None);
        let mut half = TimelinessCounts::default();
        for class in [
            CompletedOnTime,
            CompletedLate,
            CompletedLate,
            CompletedLate,
            CompletedLate,
            CompletedLate,
            CompletedLate,
            CompletedLate,
        ] {
            half.add(class);
        }
        // 1 of 8 = 1250 bp exactly.
        assert_eq!(half.on_time_rate_bp(), Some(1250));
    }
}
