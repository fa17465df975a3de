-- Directives (văn bản chỉ đạo, kết luận cuộc họp) and the tasks they assign.
CREATE TABLE directives (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    issuing_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    office_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    issuer TEXT NOT NULL,
    issuer_name TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    issued_on DATE NOT NULL,
    summary TEXT NOT NULL,
    search_key TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX directives_number ON directives (issuing_unit_id, number, issued_on);
CREATE INDEX directives_office ON directives (office_unit_id);
CREATE INDEX directives_issued_on ON directives (issued_on);

CREATE TABLE tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    directive_id BIGINT NOT NULL REFERENCES directives(id),
    parent_task_id BIGINT REFERENCES tasks(id),
    content TEXT NOT NULL,
    search_key TEXT NOT NULL,
    issuing_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    office_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    lead_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    specialist_id BIGINT REFERENCES users(id),
    original_deadline DATE,
    deadline DATE,
    reporting_cycle TEXT,
    priority TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    progress_percent INTEGER NOT NULL DEFAULT 0,
    has_difficulty BOOLEAN NOT NULL DEFAULT FALSE,
    completed_on DATE,
    version INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tasks_directive ON tasks (directive_id);
CREATE INDEX tasks_parent ON tasks (parent_task_id);
CREATE INDEX tasks_lead ON tasks (lead_unit_id, state);
CREATE INDEX tasks_issuing ON tasks (issuing_unit_id, state);
CREATE INDEX tasks_office ON tasks (office_unit_id, state);
CREATE INDEX tasks_specialist ON tasks (specialist_id);
CREATE INDEX tasks_deadline ON tasks (deadline);

CREATE TABLE task_coordinators (
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    PRIMARY KEY (task_id, unit_id)
);
CREATE INDEX task_coordinators_unit ON task_coordinators (unit_id);

-- The timeline: every workflow step, progress report, reminder, comment.
CREATE TABLE task_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    task_id BIGINT NOT NULL REFERENCES tasks(id),
    kind TEXT NOT NULL,
    actor_id BIGINT REFERENCES users(id),
    actor_name TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    percent INTEGER,
    requested_deadline DATE,
    approved BOOLEAN,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    late BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX task_events_task ON task_events (task_id, id);
