DROP INDEX notifications_mail_queue;
ALTER TABLE notifications DROP COLUMN email_attempts;
ALTER TABLE notifications DROP COLUMN emailed_at;
ALTER TABLE notifications DROP COLUMN email_to;
DROP TABLE attachments;
