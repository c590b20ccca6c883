-- Tokens record their last use and may expire (issue 14's company lifecycle).
ALTER TABLE tokens ADD COLUMN last_used TEXT;
ALTER TABLE tokens ADD COLUMN expires TEXT;
