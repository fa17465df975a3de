-- Views of "now" (the wall board, task statistics with closed_since) keep
-- open tasks and those closed since a day: state = ANY(open states) OR
-- completed_on >= $ OR (state = 'cancelled' AND updated_at >= $). With these
-- two indexes PostgreSQL answers that OR with a BitmapOr of three index
-- scans instead of scanning every task ever created, and finds the overdue
-- tasks by state instead of walking every past deadline. (PostgreSQL before
-- 18 has no skip-scan, so completed_on leads its own index here, where SQLite
-- uses (state, completed_on); see BENCHMARKS.md.)
CREATE INDEX tasks_completed_on ON tasks (completed_on);
CREATE INDEX tasks_state_updated_at ON tasks (state, updated_at);
