-- How far tombstones were purged: a cursor before this change number cannot be
-- continued (410 cursor_expired) and the client starts over.
ALTER TABLE feed_counter ADD COLUMN purged_through BIGINT NOT NULL DEFAULT 0;
