-- The tombstone of an erased company (scim.CompanyStore.DeleteCompany):
-- every write of the company sees it when it takes the company's counter
-- row, in its own transaction, so no write commits after the erasure;
-- CreateCompany clears it.
ALTER TABLE company_versions ADD COLUMN erased INTEGER NOT NULL DEFAULT 0;
