-- The sync feed: every record a patient can see, as JSON, with a per-record revision
-- and a global change number (seq). A write gives the record the next seq, so the feed
-- holds each record once, at its latest change. Writers are serialised (one connection
-- on SQLite; the counter row's lock on PostgreSQL), so a cursor never passes a change
-- that commits later.
CREATE TABLE feed_counter (
    id  BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO feed_counter (id, seq) VALUES (1, 0);

CREATE TABLE records (
    kind       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    patient_id TEXT,
    rev        BIGINT NOT NULL,
    seq        BIGINT NOT NULL UNIQUE,
    deleted    BIGINT NOT NULL DEFAULT 0,
    data       TEXT    NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX records_patient_seq ON records (patient_id, seq);

-- Mutations applied per account, so a repeated id answers `duplicate`.
CREATE TABLE mutations (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, id)
);

-- Contact details patients keep up to date themselves.
ALTER TABLE patients ADD COLUMN preferred_name TEXT;
ALTER TABLE patients ADD COLUMN address TEXT;
