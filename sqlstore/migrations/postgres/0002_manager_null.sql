-- A user without a manager has NULL, not '', in manager_id. When most
-- users have no manager, '' was the column's one common value, and the
-- generic plan PostgreSQL caches for a prepared "manager_id = $2" assumed
-- every user matched: it walked all users for each lookup of the reports
-- waiting for a new employee, which runs after every create. NULLs are
-- outside the estimate, so the plan stays on users_manager_ix.
ALTER TABLE users ALTER COLUMN manager_id DROP NOT NULL;
UPDATE users SET manager_id = NULL WHERE manager_id = '';
