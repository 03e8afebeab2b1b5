-- Re-derivation after an upgrade of the fold (issue 14): every calls row records the fold version that wrote it
-- (CallFold.Version), so that rows an older fold wrote can be found and re-derived from their journals.
--
-- * Rows written before this step, or by a build that does not write the column, read as 0: unknown, so they are
--   re-derived once (a row whose view comes out the same only has its fold version recorded). A constant default
--   makes ADD COLUMN a catalog change (PostgreSQL 11+), not a rewrite of the table.
-- * callgrains_calls_fold_stale holds only the rows of an older fold than the current one: the job pages through it in
--   session id order, and a row written by the current fold never enters it, so a push pays nothing for it. Its
--   constant is CallFold.Version: whoever raises that adds a step that drops and recreates this index with the new
--   number (PostgresStoredViews writes the same constant into its queries; a test compares the two). Building it reads
--   the table and holds off writes to it meanwhile: on a large table, migrate off-peak.
ALTER TABLE callgrains_calls ADD COLUMN IF NOT EXISTS fold_version integer NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS callgrains_calls_fold_stale ON callgrains_calls (session_id) WHERE fold_version < 1;
