//! Background jobs. Each run takes a database lease first, so with several
//! server instances only one runs it at a time.

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use domain::tasks::{self as rules, TaskState, Timeliness};
use persistence::notifications as store;
use persistence::Db;

/// What one reminder run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReminderReport {
    /// False when another instance held the lease.
    pub ran: bool,
    pub tasks_checked: usize,
    pub notifications_created: usize,
}

const LEASE: &str = "reminders";
const STAFF_ROLES: [&str; 3] = ["agency_leader", "agency_officer", "commune_officer"];

fn vi_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Notifies the lead unit's staff and the follow-up specialist once per
/// task when its deadline comes within `due_soon_days` and once when it is
/// overdue. Idempotent: running it again creates nothing new.
pub fn run_reminders(
    db: &Db,
    today: NaiveDate,
    due_soon_days: u32,
) -> anyhow::Result<ReminderReport> {
    let holder = format!("{}-{}", std::process::id(), rand::random::<u32>());
    let until = Utc::now().naive_utc() + chrono::Duration::minutes(10);
    let leased = db.write_blocking(|conn| store::try_lease(conn, LEASE, &holder, until))?;
    if !leased {
        return Ok(ReminderReport::default());
    }
    let horizon = today
        .checked_add_days(Days::new(u64::from(due_soon_days)))
        .unwrap_or(today);
    let result = db.write_blocking(|conn| -> anyhow::Result<ReminderReport> {
        let tasks = store::tasks_due_by(conn, horizon)?;
        let mut report = ReminderReport {
            ran: true,
            tasks_checked: tasks.len(),
            notifications_created: 0,
        };
        for task in tasks {
            let state = TaskState::parse(&task.state).unwrap_or(TaskState::Assigned);
            let Some(deadline) = task.deadline else {
                continue;
            };
            let (kind, title) =
                match rules::classify(state, Some(deadline), None, today, due_soon_days) {
                    Timeliness::DueSoon => (
                        "deadline_soon",
                        format!("Nhiệm vụ sắp đến hạn {} (task due soon)", vi_date(deadline)),
                    ),
                    Timeliness::Overdue => (
                        "overdue",
                        format!("Nhiệm vụ đã quá hạn {} (task overdue)", vi_date(deadline)),
                    ),
                    _ => continue,
                };
            let mut recipients =
                store::users_with_role_over(conn, task.lead_unit_id, &STAFF_ROLES)?;
            recipients.extend(task.specialist_id);
            recipients.sort_unstable();
            recipients.dedup();
            let body: String = task.content.chars().take(300).collect();
            for user in recipients {
                if store::notify_once(conn, user, kind, task.id, &title, &body)? {
                    report.notifications_created += 1;
                }
            }
        }
        Ok(report)
    });
    db.write_blocking(|conn| store::release_lease(conn, LEASE, &holder))?;
    result
}

/// Runs the reminders every `interval` on the server's runtime until the
/// server stops. Failures are logged and retried at the next tick.
pub fn spawn_reminders(db: Db, interval: Duration, due_soon_days: u32) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(interval);
        loop {
            ticker.tick().await;
            let db = db.clone();
            let today = rules::local_today(Utc::now().naive_utc());
            match tokio::task::spawn_blocking(move || run_reminders(&db, today, due_soon_days))
                .await
            {
                Ok(Ok(report)) if report.ran => tracing::info!(?report, "reminders"),
                Ok(Ok(_)) => tracing::debug!("reminders: another instance holds the lease"),
                Ok(Err(e)) => tracing::error!(error = %e, "reminders failed"),
                Err(e) => tracing::error!(error = %e, "reminders task failed"),
            }
        }
    });
}
