DROP INDEX tasks_state_updated_at;
DROP INDEX tasks_state_completed_on;
