-- Every push writes one journal row, one calls row version and one change, and pays for each of their indexes.
-- A calls row is never updated in place (HOT): updated_at is indexed (005), so each new version enters every index of
-- the table. Indexes only where a query reads through them:
--
-- * The journal's primary key on seq: no query looks a row up or ranges over it by seq alone. A session's read goes
--   through the unique (session_id, item_key) index, which is also the item's identity; seq stays as the arrival order.
-- * The calls' outcome index held an entry for every version of every call in progress, all with a null outcome that
--   no filter asks for (`?outcome=` names one). Partial, it holds the versions that have an outcome: final calls.
--   Building it holds off writes to callgrains_calls while it reads the table once: on a large table, migrate off-peak.
ALTER TABLE callgrains_journal DROP CONSTRAINT IF EXISTS callgrains_journal_pkey;
CREATE INDEX IF NOT EXISTS callgrains_calls_outcome_set_newest
    ON callgrains_calls (outcome, first_received_at DESC, session_id DESC)
    WHERE outcome IS NOT NULL;
DROP INDEX IF EXISTS callgrains_calls_outcome_newest;
