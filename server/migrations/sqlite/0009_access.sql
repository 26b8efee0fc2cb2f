-- Lost access: when an account can no longer act for a patient (a guardian removed by
-- the practice, say), its feed delivers a `profile` delete at this change number, so
-- the client purges the profile. Regaining access removes the row.
CREATE TABLE access_revocations (
    account_id TEXT    NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    patient_id TEXT    NOT NULL,
    rev        INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (account_id, patient_id)
);
CREATE INDEX access_revocations_seq ON access_revocations (account_id, seq);
