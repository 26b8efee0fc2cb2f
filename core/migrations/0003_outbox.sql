-- What the patient wrote, waiting to reach the server: one row per mutation, sent in
-- `seq` order. Written in the same transaction as its optimistic local effect.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    profile_id TEXT NOT NULL,
    args TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    error_fields TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
);

-- What each optimistic effect replaced, to put back if the server refuses the write.
-- `previous` is the record's row as JSON, or NULL when the effect created the record.
CREATE TABLE outbox_undo (
    mutation_id TEXT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    previous TEXT,
    PRIMARY KEY (mutation_id, kind, id)
);

-- Records made on this device (a message not yet on the server): the mutation that
-- made them. They go once the server's own version has been pulled.
ALTER TABLE records ADD COLUMN local_mutation TEXT;
CREATE INDEX records_by_local_mutation ON records (local_mutation)
    WHERE local_mutation IS NOT NULL;
