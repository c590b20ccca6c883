-- The tombstone of an erased company (scim.CompanyStore.DeleteCompany):
-- every write of the company checks it in its own transaction, so no write
-- commits after the erasure; CreateCompany clears it.
ALTER TABLE company_versions ADD COLUMN erased INTEGER NOT NULL DEFAULT 0;
