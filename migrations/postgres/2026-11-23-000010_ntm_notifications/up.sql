-- In-app notifications about NTM evaluations (criteria awaiting a stage,
-- returned, recognised).
ALTER TABLE notifications ADD COLUMN ntm_evaluation_id BIGINT REFERENCES ntm_evaluations(id);
CREATE INDEX notifications_ntm ON notifications (ntm_evaluation_id);
