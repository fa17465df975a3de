DROP INDEX notifications_ntm;
ALTER TABLE notifications DROP COLUMN ntm_evaluation_id;
