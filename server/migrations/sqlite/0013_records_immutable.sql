-- A record's row changes only together with a new change number (seq). The feed relies
-- on it: a cursor walks by seq, and on PostgreSQL a page read at one version of an
-- account's feed is served again while that version holds (see service::page_cache).
-- Renumbering alone (resending a patient's records) is allowed.
CREATE TRIGGER records_change_with_seq
BEFORE UPDATE ON records
WHEN NEW.seq = OLD.seq AND (
    NEW.kind IS NOT OLD.kind OR NEW.id IS NOT OLD.id OR NEW.patient_id IS NOT OLD.patient_id
    OR NEW.rev IS NOT OLD.rev OR NEW.deleted IS NOT OLD.deleted OR NEW.data IS NOT OLD.data
    OR NEW.updated_at IS NOT OLD.updated_at)
BEGIN
    SELECT RAISE(ABORT, 'a record changes only with a new change number');
END;
