-- CallGrains' own tables: the push journal (the truth) and the two projections behind list queries.
-- Written through Npgsql by CallGrains.Postgres.PostgresStore, which mirrors InMemoryStore's semantics.
--
-- Ids are COLLATE "C" so that ordering and keyset comparisons are by code point, matching the ordinal
-- ordering of the in-memory store whatever the database's default collation is.

-- Append-only. seq is arrival order; (session_id, item_key) makes a re-sent item a no-op.
-- body is text, not jsonb, so the item is kept byte for byte as it was received.
CREATE TABLE IF NOT EXISTS callgrains_journal
(
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id   text COLLATE "C" NOT NULL,
    item_key     text COLLATE "C" NOT NULL,
    event_type   text             NOT NULL,
    body         text             NOT NULL,
    received_at  timestamptz      NOT NULL,
    changed_view boolean          NOT NULL,
    CONSTRAINT callgrains_journal_item UNIQUE (session_id, item_key)
);

-- A grain activation reads its session back in arrival order.
CREATE INDEX IF NOT EXISTS callgrains_journal_session_seq ON callgrains_journal (session_id, seq);

-- One row per call, upserted with each append; an older version never overwrites a newer one.
-- status and outcome hold the contract's words ("no-answer"). view_json is text rather than jsonb so lists
-- return exactly the JSON the call grain rendered (jsonb would reorder keys and drop whitespace).
CREATE TABLE IF NOT EXISTS callgrains_calls
(
    session_id        text COLLATE "C" PRIMARY KEY,
    user_data         text COLLATE "C",
    status            text             NOT NULL,
    outcome           text,
    final             boolean          NOT NULL,
    first_received_at timestamptz      NOT NULL,
    updated_at        timestamptz      NOT NULL,
    version           integer          NOT NULL CHECK (version >= 0),
    view_json         text             NOT NULL
);

-- Lists are newest first by (first_received_at, session_id), keyset-paged; one index per filter so that
-- each filtered list is an index range read in list order.
CREATE INDEX IF NOT EXISTS callgrains_calls_newest
    ON callgrains_calls (first_received_at DESC, session_id DESC);
CREATE INDEX IF NOT EXISTS callgrains_calls_user_data_newest
    ON callgrains_calls (user_data, first_received_at DESC, session_id DESC);
CREATE INDEX IF NOT EXISTS callgrains_calls_status_newest
    ON callgrains_calls (status, first_received_at DESC, session_id DESC);
CREATE INDEX IF NOT EXISTS callgrains_calls_outcome_newest
    ON callgrains_calls (outcome, first_received_at DESC, session_id DESC);

-- Registrations by userData, listed by business id (oldest registration first).
CREATE TABLE IF NOT EXISTS callgrains_requests
(
    user_data     text COLLATE "C" PRIMARY KEY,
    kind          text             NOT NULL,
    business_id   text             NOT NULL,
    attributes    jsonb            NOT NULL DEFAULT '{}'::jsonb,
    registered_at timestamptz      NOT NULL,
    updated_at    timestamptz      NOT NULL
);

CREATE INDEX IF NOT EXISTS callgrains_requests_business
    ON callgrains_requests (business_id, registered_at, user_data);
