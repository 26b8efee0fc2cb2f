-- The search file (search.db): entries keyed by their record's rowid in the records
-- database, without a copy of the text (contentless, deletable by rowid).
CREATE VIRTUAL TABLE search USING fts5 (
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
-- Every synced page adds one index segment: merging once 16 share a level (instead of
-- the default 4) keeps a first sync from rewriting the index again and again, and a
-- search still reads only a few dozen small segments.
INSERT INTO search (search, rank) VALUES ('automerge', 16);

-- How many hand-overs from the records database are indexed; the records database
-- counts them in `sync_state.search_seq`. -1: nothing yet (built on first open).
CREATE TABLE search_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_through INTEGER NOT NULL
);
INSERT INTO search_state (id, indexed_through) VALUES (1, -1);
