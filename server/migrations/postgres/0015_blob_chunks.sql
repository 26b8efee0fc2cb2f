-- Document bytes in chunks of 256 KiB instead of one BYTEA each: an upload is written
-- chunk by chunk as its body arrives, and a download or a byte range reads only the
-- chunks it sends. `blob_key` is the content's SHA-256 (the key of `blobs`), or, while
-- an upload is still arriving, a staging key listed in `blob_staging`.
CREATE TABLE blob_chunks (
    blob_key TEXT NOT NULL,
    seq      BIGINT NOT NULL,
    bytes    BYTEA NOT NULL,
    PRIMARY KEY (blob_key, seq)
);

-- Uploads still arriving. Housekeeping removes those a dropped connection or a killed
-- process left behind.
CREATE TABLE blob_staging (
    staging_key TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);

INSERT INTO blob_chunks (blob_key, seq, bytes)
SELECT b.sha256, s.seq, substring(b.bytes FROM (s.seq * 262144 + 1)::int FOR 262144)
FROM blobs b
CROSS JOIN LATERAL generate_series(0::bigint, GREATEST((b.size - 1) / 262144, 0)) AS s(seq);

ALTER TABLE blobs DROP COLUMN bytes;
