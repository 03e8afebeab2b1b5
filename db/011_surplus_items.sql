-- Items that arrive past a session's item limit (CallGrains:Limits:MaxItemsPerSession) are acknowledged and kept,
-- because a refused status push is lost for good, but they are not folded into the view: the journal says which.
ALTER TABLE callgrains_journal ADD COLUMN IF NOT EXISTS folded boolean NOT NULL DEFAULT true;
