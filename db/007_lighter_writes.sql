-- Every push inserts one journal row and rewrites one calls row, so each index and each TOAST write is paid
-- per push. Measured with bench/run (docs/benchmarks.md):
--
-- * callgrains_journal_session_seq duplicated what the unique (session_id, item_key) index already gives a
--   session's read: its rows (a handful per call), which are then sorted by seq. One index fewer per push.
-- * A call's view_json is 0.5 to 3 kB. Above about 2 kB PostgreSQL would compress it and move it out of line
--   into the TOAST table on every rewrite; kept inline up to a page, a rewrite is one heap tuple.
DROP INDEX IF EXISTS callgrains_journal_session_seq;
ALTER TABLE callgrains_calls SET (toast_tuple_target = 8160);
ALTER TABLE callgrains_calls ALTER COLUMN view_json SET STORAGE MAIN;
