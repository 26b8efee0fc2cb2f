-- Document bytes kept on this device, inside the encrypted database (never in loose
-- files): chunks of up to 256 KiB, in order, owned by a download or an upload.
CREATE TABLE blobs (
    -- 'document:{document id}' or 'upload:{upload id}'.
    owner TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    PRIMARY KEY (owner, chunk)
);

-- A document's download: what has arrived, against which version, and whether the
-- person pinned it for offline use.
CREATE TABLE downloads (
    document_id TEXT PRIMARY KEY,
    profile_id TEXT,
    -- The record's SHA-256 (hex) the bytes must match.
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    -- The server's ETag of the bytes received so far, for `If-Range`.
    etag TEXT,
    received INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('partial', 'available')),
    pinned INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
CREATE INDEX downloads_by_profile ON downloads (profile_id);

-- Files the patient uploads, kept until the write that refers to them is sent.
CREATE TABLE uploads (
    upload_id TEXT PRIMARY KEY,
    profile_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    -- Set once the server has the bytes (`PUT /v1/uploads/{id}` answered 200 or 201).
    uploaded_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX uploads_by_profile ON uploads (profile_id);
