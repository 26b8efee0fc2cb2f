-- Patient groups and their join links (self-registration), and the patient's phone.
CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    provider_id TEXT NOT NULL REFERENCES providers(id),
    created_at  BIGINT NOT NULL
);

CREATE TABLE join_links (
    id         TEXT PRIMARY KEY,
    group_id   TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

ALTER TABLE patients ADD COLUMN group_id TEXT REFERENCES groups(id);
ALTER TABLE patients ADD COLUMN phone TEXT;
