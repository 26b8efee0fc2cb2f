-- The file name a patient's upload came with (Content-Disposition), which a message
-- attachment is filed under.
ALTER TABLE uploads ADD COLUMN file_name TEXT;
