-- The receiver's note on how an item arrived (today: a push whose X-AKSK signature did not verify,
-- accepted under the "flag" policy). Null for nearly every row, so it costs nothing there.
ALTER TABLE callgrains_journal ADD COLUMN IF NOT EXISTS flag text;
