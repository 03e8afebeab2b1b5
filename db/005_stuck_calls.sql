-- Stuck calls (cdrOverdue, stale) are the calls without a CDR that went silent: a range of updated_at
-- over the rows that are not final. Partial, so it only holds calls in progress or still waiting for a
-- CDR: a small set next to the whole history.
CREATE INDEX IF NOT EXISTS callgrains_calls_unfinished_by_silence
    ON callgrains_calls (updated_at)
    WHERE NOT final;
