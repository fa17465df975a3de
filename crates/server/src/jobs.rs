//! Background jobs. Each run takes a database lease first, so with several
//! server instances only one runs it at a time.

use std::time::Duration;

use chrono::{Days, NaiveDate, Utc};
use domain::tasks::{self as rules, TaskState, Timeliness};
use persistence::notifications::{self as store, Notice};
use persistence::Db;

use crate::mail::{self, Mailer};

/// What one reminder run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReminderReport {
    /// False when another instance held the lease.
    pub ran: bool,
    pub tasks_checked: usize,
    pub notifications_created: usize,
    /// E-mails sent and failed (with a mailer).
    pub mail: mail::MailReport,
}

const LEASE: &str = "reminders";
const STAFF_ROLES: [&str; 3] = ["agency_leader", "agency_officer", "commune_officer"];

fn vi_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Notifies the lead unit's staff and the follow-up specialist once per
/// task when its deadline comes within `due_soon_days` and once when it is
/// overdue, and with a mailer e-mails each new notice to those with an
/// address. Idempotent: running it again creates and sends nothing new.
pub async fn run_reminders(
    db: &Db,
    today: NaiveDate,
    due_soon_days: u32,
    mailer: Option<&Mailer>,
) -> anyhow::Result<ReminderReport> {
    let holder = format!("{}-{}", std::process::id(), rand::random::<u32>());
    let until = Utc::now().naive_utc() + chrono::Duration::minutes(10);
    let lease_holder = holder.clone();
    let leased = db
        .write(move |conn| store::try_lease(conn, LEASE, &lease_holder, until))
        .await?;
    if !leased {
        return Ok(ReminderReport::default());
    }
    let result = notify(db, today, due_soon_days, mailer.is_some()).await;
    let result = match (result, mailer) {
        (Ok(mut report), Some(mailer)) => mail::send_queued(db, mailer).await.map(|sent| {
            report.mail = sent;
            report
        }),
        (other, _) => other,
    };
    db.write(move |conn| store::release_lease(conn, LEASE, &holder))
        .await?;
    result
}

async fn notify(
    db: &Db,
    today: NaiveDate,
    due_soon_days: u32,
    queue_mail: bool,
) -> anyhow::Result<ReminderReport> {
    let horizon = today
        .checked_add_days(Days::new(u64::from(due_soon_days)))
        .unwrap_or(today);
    db.write(move |conn| -> anyhow::Result<ReminderReport> {
        let tasks = store::tasks_due_by(conn, horizon)?;
        let mut report = ReminderReport {
            ran: true,
            tasks_checked: tasks.len(),
            ..ReminderReport::default()
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
            let emails = if queue_mail {
                store::email_addresses(conn, &recipients)?
            } else {
                Default::default()
            };
            let notice = Notice {
                kind,
                task_id: task.id,
                title: &title,
                body: &body,
            };
            for user in recipients {
                let email = emails.get(&user).map(String::as_str);
                if store::notify_once(conn, user, notice, email)? {
                    report.notifications_created += 1;
                }
            }
        }
        Ok(report)
    })
    .await
}

/// What one clean-up of stale uploads did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Attachment rows removed.
    pub removed: usize,
    /// Stored contents removed (those no other attachment uses).
    pub blobs_removed: usize,
}

/// Removes uploads that were never attached to anything within `max_age`
/// (a form abandoned after uploading), and their stored content unless
/// another attachment shares it. Safe on several instances at once: a row
/// is deleted only while still unattached, and content only when no row
/// uses it.
pub async fn purge_stale_uploads(
    db: &Db,
    blobs: &storage::BlobStore,
    max_age: chrono::Duration,
) -> anyhow::Result<PurgeReport> {
    use persistence::attachments;
    let before = Utc::now().naive_utc() - max_age;
    let stale = db
        .run(move |conn| attachments::stale_unlinked(conn, before, 500))
        .await?;
    let mut report = PurgeReport::default();
    for row in stale {
        let sha = row.sha256.clone();
        let (deleted, shared) = db
            .write(move |conn| attachments::delete_unlinked(conn, &row))
            .await?;
        if deleted {
            report.removed += 1;
            if !shared {
                blobs.delete(&sha).await?;
                report.blobs_removed += 1;
            }
        }
    }
    Ok(report)
}

/// How long an upload may wait to be attached before it is removed.
pub const UPLOAD_MAX_AGE_HOURS: i64 = 24;

/// Runs the reminders every `interval` on the server's runtime until the
/// server stops, then refreshes planner statistics and removes stale
/// uploads. Failures are logged and retried at the next tick.
pub fn spawn_reminders(
    db: Db,
    interval: Duration,
    due_soon_days: u32,
    mailer: Option<Mailer>,
    blobs: storage::BlobStore,
) {
    actix_web::rt::spawn(async move {
        let mut ticker = actix_web::rt::time::interval(interval);
        loop {
            ticker.tick().await;
            let today = rules::local_today(Utc::now().naive_utc());
            match run_reminders(&db, today, due_soon_days, mailer.as_ref()).await {
                Ok(report) if report.ran => tracing::info!(?report, "reminders"),
                Ok(_) => tracing::debug!("reminders: another instance holds the lease"),
                Err(e) => tracing::error!(error = %e, "reminders failed"),
            }
            if let Err(e) = db.optimize().await {
                tracing::warn!(error = %e, "refreshing planner statistics failed");
            }
            let max_age = chrono::Duration::hours(UPLOAD_MAX_AGE_HOURS);
            match purge_stale_uploads(&db, &blobs, max_age).await {
                Ok(report) if report.removed > 0 => {
                    tracing::info!(?report, "stale uploads removed")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "removing stale uploads failed"),
            }
        }
    });
}
