-- The account's copy of its sync feed: one row per record, its JSON as the server sent
-- it, plus the columns that lists sort and filter on.
CREATE TABLE records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    profile_id TEXT,
    rev INTEGER NOT NULL,
    -- The record's own time (start, sent, issued...) in Unix milliseconds; 0 if none.
    sort_at INTEGER NOT NULL DEFAULT 0,
    -- The record it belongs to (a message's thread, a response's form), if any.
    parent_id TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX records_by_profile ON records (kind, profile_id, sort_at);
CREATE INDEX records_by_parent ON records (kind, parent_id, sort_at);

-- Where the next pull starts. One row.
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor TEXT,
    synced_at INTEGER
);
INSERT INTO sync_state (id, cursor, synced_at) VALUES (1, NULL, NULL);
