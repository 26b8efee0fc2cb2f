-- PostgreSQL drops its unique index on records.seq here (see its 0012): its generic
-- plans walked it instead of (patient_id, seq). SQLite plans each arm of the feed with
-- its patient bound and keeps the index (dropping a column's UNIQUE would mean
-- rebuilding the table), so this step changes nothing here.
CREATE INDEX IF NOT EXISTS records_patient_seq ON records (patient_id, seq);
