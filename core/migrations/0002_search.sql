-- Local full-text search over message bodies, thread subjects and document titles.
-- Kept in step with `records` by the code that applies pulled pages.
CREATE VIRTUAL TABLE search USING fts5 (
    kind UNINDEXED,
    id UNINDEXED,
    profile_id UNINDEXED,
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search (kind, id, profile_id, text)
SELECT kind, id, profile_id,
       CASE kind
         WHEN 'message' THEN json_extract(data, '$.body')
         WHEN 'thread' THEN json_extract(data, '$.subject')
         ELSE json_extract(data, '$.title')
       END
FROM records
WHERE kind IN ('message', 'thread', 'document');
