-- A record's row changes only together with a new change number (seq). The feed relies
-- on it: a cursor walks by seq, and a page read at one version of an account's feed is
-- served again while that version holds (see service::page_cache). Renumbering alone
-- (resending a patient's records) is allowed. The function runs only when the WHEN
-- clause finds a violation, so writes that keep the rule pay nothing for it.
CREATE FUNCTION records_change_with_seq() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a record changes only with a new change number'
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER records_change_with_seq
BEFORE UPDATE ON records
FOR EACH ROW
WHEN (NEW.seq = OLD.seq AND
      (NEW.kind, NEW.id, NEW.patient_id, NEW.rev, NEW.deleted, NEW.data, NEW.updated_at)
      IS DISTINCT FROM
      (OLD.kind, OLD.id, OLD.patient_id, OLD.rev, OLD.deleted, OLD.data, OLD.updated_at))
EXECUTE FUNCTION records_change_with_seq();
