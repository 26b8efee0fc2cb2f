-- Local search moves to its own file (search.db), written by its own thread (see
-- store/search.rs). This database counts the records it hands over to it.
DROP TABLE search;
ALTER TABLE sync_state ADD COLUMN search_seq INTEGER NOT NULL DEFAULT 0;
