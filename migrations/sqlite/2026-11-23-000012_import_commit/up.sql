-- Committing and rolling back legacy imports. Every record an import writes
-- carries its import's id (no REFERENCES: SQLite cannot drop such a column
-- on the way down), so a rollback finds exactly what the import wrote and
-- a second import of the same records finds them by their natural keys.
ALTER TABLE imports ADD COLUMN org_unit_id BIGINT;
ALTER TABLE imports ADD COLUMN context TEXT NOT NULL DEFAULT '{}';
ALTER TABLE imports ADD COLUMN progress INTEGER NOT NULL DEFAULT 100;
ALTER TABLE imports ADD COLUMN committed_at TIMESTAMP;
ALTER TABLE imports ADD COLUMN committed_by TEXT;
ALTER TABLE imports ADD COLUMN rolled_back_at TIMESTAMP;
ALTER TABLE imports ADD COLUMN result TEXT;

ALTER TABLE fund_allocations ADD COLUMN import_id BIGINT;
CREATE INDEX fund_allocations_import ON fund_allocations (import_id);
ALTER TABLE fund_disbursements ADD COLUMN import_id BIGINT;
CREATE INDEX fund_disbursements_import ON fund_disbursements (import_id);
ALTER TABLE directives ADD COLUMN import_id BIGINT;
CREATE INDEX directives_import ON directives (import_id);
ALTER TABLE tasks ADD COLUMN import_id BIGINT;
CREATE INDEX tasks_import ON tasks (import_id);
ALTER TABLE ntm_evaluations ADD COLUMN import_id BIGINT;
CREATE INDEX ntm_evaluations_import ON ntm_evaluations (import_id);
ALTER TABLE org_units ADD COLUMN import_id BIGINT;
CREATE INDEX org_units_import ON org_units (import_id);

-- Agency names as offices abbreviate them, beyond the built-in list
-- (Sở KH&ĐT, VP UBND tỉnh, …): administrators add their own.
CREATE TABLE agency_aliases (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    alias TEXT NOT NULL,
    alias_key TEXT NOT NULL,
    name TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX agency_aliases_key ON agency_aliases (alias_key);
