-- Search entries keyed by their record's rowid, so that replacing or deleting one is a
-- lookup instead of a scan of the whole index (FTS5 columns cannot be indexed).
-- `records` has no INTEGER PRIMARY KEY: a VACUUM could renumber its rowids, so this
-- database is never vacuumed without rebuilding `search`.
DROP TABLE search;
CREATE VIRTUAL TABLE search USING fts5 (
    profile_id UNINDEXED,
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search (rowid, profile_id, text)
SELECT rowid, profile_id,
       CASE kind
         WHEN 'message' THEN json_extract(data, '$.body')
         WHEN 'thread' THEN json_extract(data, '$.subject')
         ELSE json_extract(data, '$.title')
       END
FROM records
WHERE kind IN ('message', 'thread', 'document');
