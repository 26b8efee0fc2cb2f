-- Document bytes, stored once per content (by SHA-256), and patients' uploads.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    size   BIGINT NOT NULL,
    bytes  BYTEA NOT NULL
);

CREATE TABLE uploads (
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    upload_id    TEXT NOT NULL,
    sha256       TEXT NOT NULL REFERENCES blobs(sha256),
    content_type TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (account_id, upload_id)
);
