//! Reminder e-mail over SMTP. Notifications the reminder job queues with an
//! address are sent here, each once: a sent one is stamped, a failed one
//! counted and retried at the next run, up to [`MAX_ATTEMPTS`].

use anyhow::Context;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use persistence::notifications as store;
use persistence::Db;

/// Failed sends of one notification after which it is no longer tried.
pub const MAX_ATTEMPTS: i32 = 5;
/// Notifications sent per run at most.
const BATCH: i64 = 200;

/// An SMTP sender. No connection pool: reminders are a few dozen messages a
/// run, and an unpooled transport has no runtime-bound state.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A sender for `smtp://…` / `smtps://…` (see the settings) from `from`.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("mail.smtp_url is not a valid smtp:// or smtps:// URL")?
            .build();
        let from = from
            .parse()
            .with_context(|| format!("mail.from is not a valid address: {from}"))?;
        Ok(Self { transport, from })
    }

    /// Sends one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let to: Mailbox = to
            .parse()
            .with_context(|| format!("not an e-mail address: {to}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// What one mail run did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MailReport {
    pub sent: usize,
    pub failed: usize,
}

fn mail_body(title: &str, body: &str) -> String {
    format!(
        "{title}\n\n{body}\n\n\
         Đăng nhập hệ thống Điều hành số để xem chi tiết và cập nhật tiến độ.\n\
         (Sign in to Điều hành số to see the task and report progress.)\n"
    )
}

/// Sends the queued reminder e-mails. Call it while holding the reminder
/// lease, so one instance sends each message.
pub async fn send_queued(db: &Db, mailer: &Mailer) -> anyhow::Result<MailReport> {
    let queue = db
        .run(|conn| store::mail_queue(conn, MAX_ATTEMPTS, BATCH))
        .await?;
    let mut report = MailReport::default();
    for item in queue {
        let outcome = mailer
            .send(
                &item.email_to,
                &item.title,
                &mail_body(&item.title, &item.body),
            )
            .await;
        let sent = match outcome {
            Ok(()) => {
                report.sent += 1;
                true
            }
            Err(e) => {
                tracing::warn!(notification = item.id, error = %e, "reminder e-mail failed");
                report.failed += 1;
                false
            }
        };
        let id = item.id;
        db.write(move |conn| store::record_mail(conn, id, sent))
            .await?;
    }
    Ok(report)
}
