-- NTM criteria evaluation. A criteria set's criteria, indicators and
-- targets are one JSON document (`definition`), immutable once the set is
-- published (a new version is a copy). A round names its review chain
-- (JSON stages). Each evaluation keeps, per criterion, where it stands in
-- that chain and which unit must act next (`awaiting_unit_id`), so that
-- "what waits for me" is one indexed query.
CREATE TABLE ntm_criteria_sets (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT NOT NULL,
    version INTEGER NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    variant TEXT NOT NULL,
    legal_basis TEXT NOT NULL DEFAULT '',
    valid_from DATE,
    valid_to DATE,
    status TEXT NOT NULL,
    definition TEXT NOT NULL,
    based_on_id BIGINT REFERENCES ntm_criteria_sets(id),
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);
CREATE UNIQUE INDEX ntm_criteria_sets_version ON ntm_criteria_sets (code, version);

CREATE TABLE ntm_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    set_id BIGINT NOT NULL REFERENCES ntm_criteria_sets(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    year INTEGER NOT NULL,
    period_from DATE NOT NULL,
    period_to DATE NOT NULL,
    opens_on DATE NOT NULL,
    closes_on DATE NOT NULL,
    chain TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ntm_rounds_set ON ntm_rounds (set_id);

CREATE TABLE ntm_evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    round_id BIGINT NOT NULL REFERENCES ntm_rounds(id),
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    district_id BIGINT REFERENCES org_units(id),
    region TEXT,
    commune_group TEXT,
    status TEXT NOT NULL,
    criteria_met INTEGER NOT NULL DEFAULT 0,
    all_met BOOLEAN NOT NULL DEFAULT FALSE,
    reopened_until DATE,
    decision_number TEXT,
    decision_date DATE,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX ntm_evaluations_unit ON ntm_evaluations (round_id, unit_id);
CREATE INDEX ntm_evaluations_by_unit ON ntm_evaluations (unit_id);

CREATE TABLE ntm_evaluation_criteria (
    evaluation_id BIGINT NOT NULL REFERENCES ntm_evaluations(id),
    number INTEGER NOT NULL,
    department_unit_id BIGINT REFERENCES org_units(id),
    stage INTEGER NOT NULL,
    state TEXT NOT NULL,
    awaiting_unit_id BIGINT REFERENCES org_units(id),
    met BOOLEAN NOT NULL DEFAULT FALSE,
    claimed_met BOOLEAN,
    return_reason TEXT,
    PRIMARY KEY (evaluation_id, number)
);
CREATE INDEX ntm_evaluation_criteria_awaiting ON ntm_evaluation_criteria (awaiting_unit_id, state);
CREATE INDEX ntm_evaluation_criteria_department ON ntm_evaluation_criteria (department_unit_id);

CREATE TABLE ntm_values (
    evaluation_id BIGINT NOT NULL REFERENCES ntm_evaluations(id),
    indicator_code TEXT NOT NULL,
    value TEXT,
    note TEXT NOT NULL DEFAULT '',
    updated_by BIGINT REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (evaluation_id, indicator_code)
);

CREATE TABLE ntm_review_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    evaluation_id BIGINT NOT NULL REFERENCES ntm_evaluations(id),
    stage INTEGER NOT NULL,
    action TEXT NOT NULL,
    criteria TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    actor_id BIGINT REFERENCES users(id),
    actor_name TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX ntm_review_steps_evaluation ON ntm_review_steps (evaluation_id);

-- Tasks raised from an unmet criterion link back to it.
CREATE TABLE ntm_criterion_tasks (
    task_id BIGINT PRIMARY KEY NOT NULL REFERENCES tasks(id),
    evaluation_id BIGINT NOT NULL REFERENCES ntm_evaluations(id),
    number INTEGER NOT NULL
);
CREATE INDEX ntm_criterion_tasks_evaluation ON ntm_criterion_tasks (evaluation_id, number);

-- Evidence (minh chứng): files attached to one indicator of an evaluation.
-- (No REFERENCES here: SQLite cannot drop a foreign-key column on the way down.)
ALTER TABLE attachments ADD COLUMN ntm_evaluation_id BIGINT;
ALTER TABLE attachments ADD COLUMN ntm_indicator_code TEXT;
CREATE INDEX attachments_ntm ON attachments (ntm_evaluation_id);
