-- The name of a file the patient attaches, sent with its bytes (Content-Disposition):
-- the server files a message attachment under it.
ALTER TABLE uploads ADD COLUMN file_name TEXT;
