-- Each way into a scope (issued, followed up, led or coordinated by a unit
-- in it) is searched with the state the view can match and, for views of
-- "now", the completion day: open tasks by (unit, state), those completed
-- since a day by a range on (unit, 'completed', completed_on). The cost of
-- the wall board, the task list and statistics of the current year then
-- follows the tasks in play in the scope, not every task it ever had.
DROP INDEX tasks_lead;
DROP INDEX tasks_issuing;
DROP INDEX tasks_office;
CREATE INDEX tasks_lead ON tasks (lead_unit_id, state, completed_on);
CREATE INDEX tasks_issuing ON tasks (issuing_unit_id, state, completed_on);
CREATE INDEX tasks_office ON tasks (office_unit_id, state, completed_on);

-- A coordinating unit's row carries its task's state and completion day
-- (written with the task's), so the coordinated way in is searched the same
-- way instead of visiting every task the unit ever coordinated.
ALTER TABLE task_coordinators ADD COLUMN task_state TEXT NOT NULL DEFAULT 'assigned';
ALTER TABLE task_coordinators ADD COLUMN task_completed_on DATE;
UPDATE task_coordinators SET
    task_state = (SELECT state FROM tasks WHERE tasks.id = task_coordinators.task_id),
    task_completed_on = (SELECT completed_on FROM tasks WHERE tasks.id = task_coordinators.task_id);
DROP INDEX task_coordinators_unit;
CREATE INDEX task_coordinators_unit ON task_coordinators (unit_id, task_state, task_completed_on);

-- The state indexes of the board (2026-11-23-000006) served views of "now"
-- without the per-way state conditions; with them they only tempt both
-- planners into walking every open or recently completed task in the
-- country (PostgreSQL factors the state condition common to all ways out of
-- the OR and searches it alone).
DROP INDEX tasks_state_updated_at;
DROP INDEX tasks_completed_on;
