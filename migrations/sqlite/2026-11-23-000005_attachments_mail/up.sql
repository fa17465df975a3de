-- Files attached to directives, tasks and timeline entries. The bytes live
-- in the blob store under their SHA-256; a row is created at upload and
-- linked once, by its uploader, when the directive, task or entry is saved.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploader_name TEXT NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    directive_id BIGINT REFERENCES directives(id),
    task_id BIGINT REFERENCES tasks(id),
    event_id BIGINT REFERENCES task_events(id)
);
CREATE INDEX attachments_directive ON attachments (directive_id);
CREATE INDEX attachments_task ON attachments (task_id);
CREATE INDEX attachments_event ON attachments (event_id);
CREATE INDEX attachments_unlinked ON attachments (uploaded_by, uploaded_at);

-- Reminder e-mail: the address a notification is to be mailed to (NULL when
-- no mail is due), when it went out, and how many sends failed.
ALTER TABLE notifications ADD COLUMN email_to TEXT;
ALTER TABLE notifications ADD COLUMN emailed_at TIMESTAMP;
ALTER TABLE notifications ADD COLUMN email_attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX notifications_mail_queue ON notifications (emailed_at, email_to);
