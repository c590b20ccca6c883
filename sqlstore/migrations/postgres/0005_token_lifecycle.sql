-- Tokens record their last use and may expire (issue 14's company lifecycle).
ALTER TABLE tokens ADD COLUMN last_used TEXT COLLATE "C";
ALTER TABLE tokens ADD COLUMN expires TEXT COLLATE "C";
