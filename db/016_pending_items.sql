-- Items journaled without their call's grain (issue 15): by a node whose grain call failed because the grain's silo
-- died, or by the push spool's drainer. They are durable but not folded yet: no calls row version and no change until
-- the session's grain catches up, folds them in journal order and sets projected. The grain's own append of the same
-- item key takes a pending row over (ON CONFLICT ... DO UPDATE ... WHERE NOT projected) instead of skipping it.
ALTER TABLE callgrains_journal ADD COLUMN IF NOT EXISTS projected boolean NOT NULL DEFAULT true;

-- The sweep's question, "which sessions hold pending items": normally no row is pending, so the index is empty.
CREATE INDEX IF NOT EXISTS callgrains_journal_pending
    ON callgrains_journal (session_id, seq)
    WHERE NOT projected;
