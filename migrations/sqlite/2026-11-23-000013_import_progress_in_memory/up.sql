-- A commit's progress lives in the process running it (its transaction
-- hides it from the database); the stored column only ever said 100.
ALTER TABLE imports DROP COLUMN progress;
