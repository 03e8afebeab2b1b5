-- Retention (issue 14): the journal, the calls projection and the change feed become native partitioned tables, one
-- partition per week (Monday 00:00 UTC to the next), so that calls past CallGrains:Retention:Days are removed by
-- dropping whole partitions instead of deleting millions of rows. Kept per table with a 90-day retention: about 14
-- weekly partitions (daily ones would be about 95, and the queries that cannot prune, a grain's journal read by session
-- and the feed read by seq, visit every partition's index).
--
-- Partition keys. A partitioned table's unique keys must contain its partition key, and the one-statement upserts of
-- CallAppends need a unique key to conflict on, so the key is a value each row of a call carries the same every time:
--
-- * callgrains_calls by first_received_at: when CallGrains first heard of the call. The grain writes the same value
--   with every version (its first journaled item's receipt, also after re-activation), so the primary key becomes
--   (session_id, first_received_at) and still names one row per call. Lists filter and order by it, so a list of the
--   newest calls reads the newest partition first and a since/until filter skips the others.
-- * callgrains_journal by first_received_at too, a new column: its call's first receipt (not the item's own, which
--   is received_at), so that a call's items and its calls row live in the same week and go together. The item's
--   identity becomes unique (session_id, item_key, first_received_at), still one row per item of a call.
-- * callgrains_changes by at (the item's receipt): changes are dropped by their own time. The feed reads by seq, which
--   is not the partition key, so the primary key becomes (seq, at); seq stays unique because callgrains_feed hands
--   each one out once (008), and reads by seq use that key's index in each partition.
--
-- Every table also has a DEFAULT partition, so that an insert never fails for want of a partition; the retention job
-- creates the coming weeks ahead (also here and at silo start), and callgrains_ensure_week moves into a new partition
-- whatever the DEFAULT holds for its week. journal.seq was an identity column, which a partitioned table cannot have
-- before PostgreSQL 17: it takes its value from a sequence of the same name instead, continuing after the highest seq.
--
-- Migration of an existing database: per table, the old one is renamed, the new one created with its columns (LIKE,
-- so columns that other steps added are kept), partitions created for every week its rows span, the rows copied, the
-- old table dropped, and the keys and the other indexes (read from the old table, names unchanged) built on the new
-- one. All in the migrator's transaction: the tables are locked for writes while it copies (migrate off-peak).

-- Creates one week's partition of a CallGrains table unless it exists; returns whether it did. Rows the DEFAULT
-- partition holds for that week are moved into the new partition first (PostgreSQL refuses a partition for a range
-- whose rows sit in the DEFAULT).
CREATE OR REPLACE FUNCTION callgrains_ensure_week(parent text, week_of timestamptz) RETURNS boolean
    LANGUAGE plpgsql AS
$fn$
DECLARE
    from_at  timestamptz := date_trunc('week', week_of, 'UTC');
    -- Hours, not days: a day added to a timestamptz follows the session's time zone and its summer time.
    to_at    timestamptz := from_at + interval '168 hours';
    part     text        := parent || '_w' || to_char(from_at AT TIME ZONE 'UTC', 'YYYYMMDD');
    key      text        := CASE parent WHEN 'callgrains_changes' THEN 'at' ELSE 'first_received_at' END;
    -- As 007 and 008 set on the unpartitioned tables: a view is kept inline up to a page.
    settings text        := CASE parent WHEN 'callgrains_journal' THEN '' ELSE ' WITH (toast_tuple_target = 8160)' END;
    waiting  boolean;
BEGIN
    IF parent NOT IN ('callgrains_journal', 'callgrains_calls', 'callgrains_changes') THEN
        RAISE EXCEPTION 'callgrains_ensure_week: % is not a partitioned CallGrains table', parent;
    END IF;
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT FROM %I WHERE %I >= $1 AND %I < $2)', parent || '_default', key, key)
        INTO waiting USING from_at, to_at;
    IF NOT waiting THEN
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)%s', part, parent, from_at, to_at, settings);
    ELSE
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)%s', part, parent, settings);
        EXECUTE format('WITH moved AS (DELETE FROM %I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO %I SELECT * FROM moved',
                       parent || '_default', key, key, part) USING from_at, to_at;
        EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, from_at, to_at);
    END IF;
    RETURN true;
END
$fn$;

-- Creates the partitions of every week from first to last (inclusive) in the three tables; returns how many it created.
-- Creating a partition locks its table; the tables are taken in the order a group-commit batch writes them (calls,
-- journal, changes), so that a batch in flight and this never wait for each other in a cycle.
CREATE OR REPLACE FUNCTION callgrains_ensure_weeks(first timestamptz, last timestamptz) RETURNS integer
    LANGUAGE plpgsql AS
$fn$
DECLARE
    week    timestamptz := date_trunc('week', first, 'UTC');
    created integer     := 0;
    parent  text;
BEGIN
    WHILE week <= last LOOP
        FOREACH parent IN ARRAY ARRAY ['callgrains_calls', 'callgrains_journal', 'callgrains_changes'] LOOP
            IF callgrains_ensure_week(parent, week) THEN
                created := created + 1;
            END IF;
        END LOOP;
        week := week + interval '168 hours';
    END LOOP;
    RETURN created;
END
$fn$;

DO
$migrate$
DECLARE
    spec       record;
    old_name   text;
    columns    text;
    indexes    text[];
    definition text;
    first_at   timestamptz;
    last_at    timestamptz;
    next_seq   bigint;
BEGIN
    FOR spec IN
        SELECT *
        FROM (VALUES ('callgrains_calls', 'first_received_at', 'callgrains_calls_pkey',
                      'PRIMARY KEY (session_id, first_received_at)', 1),
                     ('callgrains_journal', 'first_received_at', 'callgrains_journal_item',
                      'UNIQUE (session_id, item_key, first_received_at)', 2),
                     ('callgrains_changes', 'at', 'callgrains_changes_pkey',
                      'PRIMARY KEY (seq, at)', 3)) AS t(name, key, key_name, key_definition, position)
        ORDER BY position
    LOOP
        CONTINUE WHEN (SELECT relkind FROM pg_class WHERE oid = to_regclass(spec.name)) = 'p';
        old_name := spec.name || '_unpartitioned';
        EXECUTE format('ALTER TABLE %I RENAME TO %I', spec.name, old_name);

        -- The old table's other indexes (the keys are made below), to be built again under the same names.
        SELECT coalesce(array_agg(pg_get_indexdef(i.indexrelid) ORDER BY c.relname), '{}')
        INTO indexes
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = to_regclass(old_name) AND NOT i.indisunique;

        IF spec.name = 'callgrains_journal' THEN
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE, first_received_at timestamptz NOT NULL) '
                           'PARTITION BY RANGE (first_received_at)', spec.name, old_name);
        ELSE
            EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY RANGE (%I)',
                           spec.name, old_name, spec.key);
        END IF;
        EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT%s', spec.name || '_default', spec.name,
                       CASE spec.name WHEN 'callgrains_journal' THEN '' ELSE ' WITH (toast_tuple_target = 8160)' END);

        -- Partitions for every week the rows span (the journal's follow its calls', made first), then the copy.
        IF spec.name <> 'callgrains_journal' THEN
            EXECUTE format('SELECT min(%I), max(%I) FROM %I', spec.key, spec.key, old_name) INTO first_at, last_at;
            IF first_at IS NOT NULL THEN
                PERFORM callgrains_ensure_week(spec.name, week)
                FROM generate_series(date_trunc('week', first_at, 'UTC'), last_at, interval '168 hours') AS week;
            END IF;
        ELSE
            PERFORM callgrains_ensure_week(spec.name, week)
            FROM (SELECT DISTINCT date_trunc('week', first_received_at, 'UTC') AS week FROM callgrains_calls) AS weeks;
        END IF;

        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum)
        INTO columns
        FROM pg_attribute
        WHERE attrelid = to_regclass(old_name) AND attnum > 0 AND NOT attisdropped;

        IF spec.name = 'callgrains_journal' THEN
            -- An item's call is its calls row; a session without one (items journaled without their grain) is dated by
            -- its first item, as the grain will date it.
            EXECUTE format('INSERT INTO callgrains_journal (%s, first_received_at) '
                           'SELECT %s, coalesce(c.first_received_at, '
                           '  (SELECT min(o.received_at) FROM %I o WHERE o.session_id = j.session_id)) '
                           'FROM %I j LEFT JOIN callgrains_calls c ON c.session_id = j.session_id',
                           columns, (SELECT string_agg('j.' || quote_ident(attname), ', ' ORDER BY attnum)
                                     FROM pg_attribute
                                     WHERE attrelid = to_regclass(old_name) AND attnum > 0 AND NOT attisdropped),
                           old_name, old_name);
            SELECT coalesce(max(seq), 0) + 1 INTO next_seq FROM callgrains_journal;
        ELSE
            EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %I', spec.name, columns, columns, old_name);
        END IF;

        EXECUTE format('DROP TABLE %I', old_name);
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', spec.name, spec.key_name, spec.key_definition);
        FOREACH definition IN ARRAY indexes LOOP
            EXECUTE regexp_replace(definition, ' ON \S+ USING ', format(' ON %I USING ', spec.name));
        END LOOP;

        IF spec.name = 'callgrains_journal' THEN
            CREATE SEQUENCE callgrains_journal_seq_seq OWNED BY callgrains_journal.seq;
            PERFORM setval('callgrains_journal_seq_seq', next_seq, false);
            ALTER TABLE callgrains_journal ALTER COLUMN seq SET DEFAULT nextval('callgrains_journal_seq_seq');
        END IF;
    END LOOP;
END
$migrate$;

-- The coming weeks, so that nothing lands in a DEFAULT partition before the retention job first runs.
SELECT callgrains_ensure_weeks(now() - interval '168 hours', now() + interval '28 days');
