-- Legacy Excel imports: the stored file (blob store, by SHA-256), the kind
-- read or asked for, and the preview answered (JSON), for the history and
-- for the commit step to write exactly what was previewed.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    preview TEXT NOT NULL,
    created_by TEXT NOT NULL,
    creator_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX imports_created ON imports (created_at);
CREATE INDEX imports_sha256 ON imports (sha256);
