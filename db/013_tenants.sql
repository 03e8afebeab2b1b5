-- A webhook subscription belongs to the tenant whose key created it (CallGrains:Tenants): it is shown only to that
-- tenant and sent only changes of calls whose userData starts with one of the tenant's prefixes, as they were when
-- it was created, so that the silos that deliver need no tenant configuration. NULL: created with an all-tenants key.
ALTER TABLE callgrains_subscriptions ADD COLUMN IF NOT EXISTS tenant text;
ALTER TABLE callgrains_subscriptions ADD COLUMN IF NOT EXISTS tenant_prefixes text[];
