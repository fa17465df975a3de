-- Views of "now" (the wall board, task statistics with closed_since) keep
-- open tasks and those closed since a day: state IN (open states) OR
-- completed_on >= ? OR (state = 'cancelled' AND updated_at >= ?). With these
-- two indexes SQLite answers that OR with one index search per term (a
-- MULTI-INDEX OR; completed_on through a skip-scan over the few states)
-- instead of scanning every task ever created, and finds the overdue tasks
-- by state instead of walking every past deadline. The skip-scan needs the
-- statistics ANALYZE writes (BENCHMARKS.md).
CREATE INDEX tasks_state_completed_on ON tasks (state, completed_on);
CREATE INDEX tasks_state_updated_at ON tasks (state, updated_at);
