-- Lists order by time, then id: the indexes carry both, so a page never sorts (many
-- records can share a time, such as a practice's bulk import).
DROP INDEX records_by_profile;
DROP INDEX records_by_parent;
CREATE INDEX records_by_profile ON records (kind, profile_id, sort_at, id);
CREATE INDEX records_by_parent ON records (kind, parent_id, sort_at, id);
