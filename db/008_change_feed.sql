-- The change feed: one row per stored item that raised a call's version, written in the same transaction as
-- the item's journal row, so nothing is acknowledged whose change is not stored.
--
-- Commit-ordered numbering. A sequence would hand out seq in the order transactions *start* writing, and a
-- reader could see seq 10 commit before seq 9 (still in flight), move past 9 and never see it. Instead each
-- writing transaction takes its seq range from the one callgrains_feed row as its last statement: the row lock
-- is held until commit, so a higher range is only ever taken after every lower range committed or rolled
-- back. A reader that sees seq N can therefore never later see a seq below N (gaps are allowed: a rolled-back
-- range or a re-sent item leaves one). The lock is held only from that statement to the commit.
CREATE TABLE IF NOT EXISTS callgrains_feed
(
    id       integer PRIMARY KEY CHECK (id = 1),
    last_seq bigint  NOT NULL
);
INSERT INTO callgrains_feed (id, last_seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;

CREATE TABLE IF NOT EXISTS callgrains_changes
(
    seq        bigint PRIMARY KEY,
    type       text             NOT NULL,
    session_id text COLLATE "C" NOT NULL,
    version    integer          NOT NULL,
    user_data  text COLLATE "C",
    at         timestamptz      NOT NULL,
    view_json  text             NOT NULL
);

-- GET /v1/changes?userData= pages one request's changes by seq.
CREATE INDEX IF NOT EXISTS callgrains_changes_user_data ON callgrains_changes (user_data, seq);

-- As for callgrains_calls (007): a view is kept inline up to a page, one heap tuple per change.
ALTER TABLE callgrains_changes SET (toast_tuple_target = 8160);
ALTER TABLE callgrains_changes ALTER COLUMN view_json SET STORAGE MAIN;
