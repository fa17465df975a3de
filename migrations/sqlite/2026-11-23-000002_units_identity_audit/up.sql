-- Org units of any depth, with validity dates and successor links.
CREATE TABLE org_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    code TEXT,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit_type TEXT NOT NULL,
    parent_id BIGINT REFERENCES org_units(id),
    depth INTEGER NOT NULL,
    valid_from DATE,
    valid_to DATE,
    alt_names TEXT NOT NULL DEFAULT '',
    search_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX org_units_parent ON org_units (parent_id);
CREATE INDEX org_units_code ON org_units (code);
CREATE INDEX org_units_kind ON org_units (kind, valid_from, valid_to);
CREATE UNIQUE INDEX org_units_kind_code_from ON org_units (kind, code, valid_from);

-- Closure table: one row per (ancestor, descendant), including (u, u).
CREATE TABLE org_unit_closure (
    ancestor_id BIGINT NOT NULL REFERENCES org_units(id),
    descendant_id BIGINT NOT NULL REFERENCES org_units(id),
    depth INTEGER NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX org_unit_closure_descendant ON org_unit_closure (descendant_id, ancestor_id);

CREATE TABLE org_unit_successors (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    predecessor_id BIGINT NOT NULL REFERENCES org_units(id),
    successor_id BIGINT NOT NULL REFERENCES org_units(id),
    effective_date DATE NOT NULL,
    weight BIGINT,
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX org_unit_successors_pair ON org_unit_successors (predecessor_id, successor_id);
CREATE INDEX org_unit_successors_successor ON org_unit_successors (successor_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username TEXT NOT NULL,
    full_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    primary_unit_id BIGINT NOT NULL REFERENCES org_units(id),
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX users_username ON users (username);
CREATE INDEX users_primary_unit ON users (primary_unit_id);

CREATE TABLE service_accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    key_lookup TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE UNIQUE INDEX service_accounts_key_lookup ON service_accounts (key_lookup);

-- A role on a unit covers the unit's subtree. Exactly one principal.
CREATE TABLE grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT REFERENCES users(id),
    service_account_id BIGINT REFERENCES service_accounts(id),
    role TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    granted_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    CHECK ((user_id IS NULL) <> (service_account_id IS NULL))
);
CREATE UNIQUE INDEX grants_user_role_unit ON grants (user_id, role, unit_id);
CREATE UNIQUE INDEX grants_service_role_unit ON grants (service_account_id, role, unit_id);
CREATE INDEX grants_unit ON grants (unit_id);

CREATE TABLE refresh_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id),
    family TEXT NOT NULL,
    lookup TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    rotated_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE UNIQUE INDEX refresh_tokens_lookup ON refresh_tokens (lookup);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

-- Failed logins, for throttling per user and per client address.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    username TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_username ON login_failures (username, failed_at);
CREATE INDEX login_failures_addr ON login_failures (client_addr, failed_at);

CREATE TABLE board_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    lookup TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE UNIQUE INDEX board_tokens_lookup ON board_tokens (lookup);

-- Append-only audit trail; each row's hash covers the previous row's hash.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    request_id TEXT,
    client_addr TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_actor ON audit_log (actor_kind, actor_id);
CREATE INDEX audit_log_at ON audit_log (at);
