-- The order in which a session's refresh tokens were used, so that "the latest one"
-- does not depend on two uses falling in different milliseconds. Pairs the app never
-- received (lost answers) are recorded with -1: never the latest.
ALTER TABLE used_refresh_tokens ADD COLUMN rotation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN rotations INTEGER NOT NULL DEFAULT 0;
