-- The first schema: practice settings, providers, patients, accounts, invites, sessions,
-- and the audit log. Times are Unix milliseconds (UTC). Secrets are stored as SHA-256.
CREATE TABLE settings (
    id                       INTEGER PRIMARY KEY CHECK (id = 1),
    practice_name            TEXT    NOT NULL,
    invite_ttl_seconds       INTEGER NOT NULL,
    self_service_reinvite    INTEGER NOT NULL,
    welcome_message_enabled  INTEGER NOT NULL,
    welcome_message          TEXT    NOT NULL
);

CREATE TABLE providers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE patients (
    id                  TEXT PRIMARY KEY,
    first_name          TEXT NOT NULL,
    last_name           TEXT NOT NULL,
    email               TEXT,
    date_of_birth       TEXT,
    primary_provider_id TEXT NOT NULL REFERENCES providers(id),
    guardian_name       TEXT,
    guardian_email      TEXT,
    created_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX patients_email ON patients(email) WHERE email IS NOT NULL;

CREATE TABLE care_team (
    patient_id  TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL REFERENCES providers(id),
    PRIMARY KEY (patient_id, provider_id)
);

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE account_patients (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    patient_id TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('self', 'guardian')),
    PRIMARY KEY (account_id, patient_id)
);

CREATE TABLE invites (
    id          TEXT PRIMARY KEY,
    patient_id  TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('self', 'guardian')),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    consumed_at INTEGER,
    revoked_at  INTEGER
);
CREATE INDEX invites_patient ON invites(patient_id);

CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    access_hash        TEXT NOT NULL UNIQUE,
    access_expires_at  INTEGER NOT NULL,
    refresh_hash       TEXT NOT NULL UNIQUE,
    device_name        TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    last_used_at       INTEGER NOT NULL,
    revoked_at         INTEGER
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE audit_log (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL
);
