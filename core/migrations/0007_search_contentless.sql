-- Search entries keep no copy of their text (the record holds it): a contentless FTS5
-- table that still takes deletes by rowid (`contentless_delete`) and keeps the profile
-- column (`contentless_unindexed`). Writing an entry no longer stores the text a second
-- time, and replacing or deleting one no longer reads the old text back to remove its
-- terms.
DROP TABLE search;
CREATE VIRTUAL TABLE search USING fts5 (
    profile_id UNINDEXED,
    text,
    content = '',
    contentless_delete = 1,
    contentless_unindexed = 1,
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
