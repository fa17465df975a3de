-- In-app notifications; one per user, kind and task (reminders are idempotent).
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    task_id BIGINT REFERENCES tasks(id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE UNIQUE INDEX notifications_once ON notifications (user_id, kind, task_id);
CREATE INDEX notifications_user ON notifications (user_id, read_at);

-- Leases that let one server instance at a time run a background job.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    locked_until TIMESTAMP NOT NULL
);
