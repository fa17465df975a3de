-- Programme funds: programmes as data, projects, and the allocation and
-- disbursement ledger (entries are never rewritten; an adjustment is a new
-- signed allocation referring to the one it changes).
CREATE TABLE programmes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    legal_basis TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX programmes_code ON programmes (code);

CREATE TABLE programme_phases (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    name TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    end_year INTEGER NOT NULL,
    decision TEXT NOT NULL DEFAULT ''
);
CREATE INDEX programme_phases_programme ON programme_phases (programme_id);

CREATE TABLE programme_components (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    parent_id BIGINT REFERENCES programme_components(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE UNIQUE INDEX programme_components_code ON programme_components (programme_id, code);

CREATE TABLE fund_sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL
);
CREATE UNIQUE INDEX fund_sources_code ON fund_sources (code);

CREATE TABLE fund_projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    component_id BIGINT NOT NULL REFERENCES programme_components(id),
    name TEXT NOT NULL,
    investor TEXT NOT NULL DEFAULT '',
    planned_cost BIGINT NOT NULL,
    start_on DATE,
    end_on DATE,
    status TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX fund_projects_unit ON fund_projects (unit_id, programme_id);

CREATE TABLE fund_allocations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    year INTEGER NOT NULL,
    component_id BIGINT NOT NULL REFERENCES programme_components(id),
    source_id BIGINT NOT NULL REFERENCES fund_sources(id),
    from_unit_id BIGINT REFERENCES org_units(id),
    to_unit_id BIGINT REFERENCES org_units(id),
    to_project_id BIGINT REFERENCES fund_projects(id),
    amount BIGINT NOT NULL,
    adjusts_id BIGINT REFERENCES fund_allocations(id),
    decision_number TEXT NOT NULL,
    decision_date DATE NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX fund_allocations_to_unit ON fund_allocations (to_unit_id, programme_id, year);
CREATE INDEX fund_allocations_to_project ON fund_allocations (to_project_id);
CREATE INDEX fund_allocations_from_unit ON fund_allocations (from_unit_id, programme_id, year);
CREATE INDEX fund_allocations_adjusts ON fund_allocations (adjusts_id);

CREATE TABLE fund_disbursements (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    year INTEGER NOT NULL,
    component_id BIGINT NOT NULL REFERENCES programme_components(id),
    source_id BIGINT NOT NULL REFERENCES fund_sources(id),
    unit_id BIGINT REFERENCES org_units(id),
    project_id BIGINT REFERENCES fund_projects(id),
    amount BIGINT NOT NULL,
    reversal BOOLEAN NOT NULL DEFAULT FALSE,
    paid_on DATE NOT NULL,
    voucher TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX fund_disbursements_unit ON fund_disbursements (unit_id, programme_id, year);
CREATE INDEX fund_disbursements_project ON fund_disbursements (project_id);
