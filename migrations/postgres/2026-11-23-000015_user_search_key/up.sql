-- The folded full name (lower case, without diacritics), so a search for
-- "tran van minh" finds "Trần Văn Minh", as tasks and units are found.
-- Existing rows are filled in by the server after migrating (the folding
-- is the application's), where the key is still empty.
ALTER TABLE users ADD COLUMN search_key TEXT NOT NULL DEFAULT '';
