-- Items that failed a check (an X-AKSK signature under the flag policy, an unsigned push) are quarantined: kept
-- and listed, never believed. The calls projection counts them per call, so that lists can show and filter them
-- (GET /v1/calls?unverified=true); few calls have any, hence a partial index.
ALTER TABLE callgrains_calls ADD COLUMN IF NOT EXISTS unverified integer NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS callgrains_calls_unverified_newest
    ON callgrains_calls (first_received_at DESC, session_id DESC) WHERE unverified > 0;
