-- In-app notifications about NTM evaluations (criteria awaiting a stage,
-- returned, recognised). No REFERENCES: SQLite cannot drop such a column.
ALTER TABLE notifications ADD COLUMN ntm_evaluation_id BIGINT;
CREATE INDEX notifications_ntm ON notifications (ntm_evaluation_id);
