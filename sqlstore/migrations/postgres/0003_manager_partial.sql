-- Only users with a manager in the manager index: a lookup of the reports
-- of an employee reads an index that holds only references, so that the
-- planner prefers it even before the table has statistics (during a first
-- import, until autovacuum analyses it), where every index on (company,
-- ...) otherwise looks alike.
DROP INDEX users_manager_ix;
CREATE INDEX users_manager_ix ON users (company, manager_id, id) WHERE manager_id IS NOT NULL;
