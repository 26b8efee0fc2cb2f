-- Sign-in: rotating refresh tokens with reuse detection, revocation reasons, and
-- per-account (per-email, so unknown emails behave the same) login backoff.
ALTER TABLE sessions ADD COLUMN revoked_reason TEXT;

CREATE TABLE used_refresh_tokens (
    hash       TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    used_at    BIGINT NOT NULL
);

CREATE TABLE login_attempts (
    email_hash    TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL
);
