-- Document bytes in chunks of 256 KiB instead of one BLOB each: an upload is written
-- chunk by chunk as its body arrives, and a download or a byte range reads only the
-- chunks it sends. `blob_key` is the content's SHA-256 (the key of `blobs`), or, while
-- an upload is still arriving, a staging key listed in `blob_staging`.
CREATE TABLE blob_chunks (
    blob_key TEXT NOT NULL,
    seq      INTEGER NOT NULL,
    bytes    BLOB NOT NULL,
    PRIMARY KEY (blob_key, seq)
);

-- Uploads still arriving. Housekeeping removes those a dropped connection or a killed
-- process left behind.
CREATE TABLE blob_staging (
    staging_key TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
);

WITH RECURSIVE pieces(sha256, seq) AS (
    SELECT sha256, 0 FROM blobs
    UNION ALL
    SELECT p.sha256, p.seq + 1 FROM pieces p JOIN blobs b ON b.sha256 = p.sha256
    WHERE (p.seq + 1) * 262144 < b.size
)
INSERT INTO blob_chunks (blob_key, seq, bytes)
SELECT p.sha256, p.seq, substr(b.bytes, p.seq * 262144 + 1, 262144)
FROM pieces p JOIN blobs b ON b.sha256 = p.sha256;

ALTER TABLE blobs DROP COLUMN bytes;
