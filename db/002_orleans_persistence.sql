-- Orleans ADO.NET grain persistence on CallGrains' own table.
-- Written against docs: orleans-adonet-contract.md §5 and §6.3 (Microsoft.Orleans.Persistence.AdoNet 10.4.2).
-- Every ADO.NET storage pointed at this database runs these same texts, so they all share this table;
-- the state name (GrainTypeString) is what keeps grain classes apart, hence one state name per class.
-- Needs PostgreSQL 15 or later (UNIQUE NULLS NOT DISTINCT).

CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  text PRIMARY KEY,
    querytext text NOT NULL
);

CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    service_id         text        NOT NULL,
    grain_type         text        NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    grain_id_extension text,
    -- The hashes are kept for diagnosis only: no query filters on them, so the rows stay readable if the
    -- storage's hasher is ever switched.
    grain_type_hash    integer     NOT NULL,
    grain_id_hash      integer     NOT NULL,
    -- NULL after a clear (the row and its version stay, so the etag keeps moving forward).
    payload            bytea,
    version            integer     NOT NULL,
    modified_at        timestamptz NOT NULL DEFAULT now(),
    -- The natural key. NULLS NOT DISTINCT makes two NULL extensions collide (one row per grain) while NULL
    -- and '' stay different keys, and it is what makes concurrent first writes race-safe.
    CONSTRAINT orleans_grain_state_key
        UNIQUE NULLS NOT DISTINCT (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

-- The extension test is written as "= or both NULL" rather than IS NOT DISTINCT FROM because only the former
-- can use the unique index; string keys all share n0 = n1 = 0, so the extension is what narrows the search.
INSERT INTO orleansquery (querykey, querytext)
VALUES
('ReadFromStorageKey', $sql$
SELECT payload AS "PayloadBinary",
       version AS "Version"
FROM orleans_grain_state
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND (grain_id_extension = @GrainIdExtensionString
       OR (grain_id_extension IS NULL AND @GrainIdExtensionString IS NULL));
$sql$),

-- A NULL version means "no row expected": insert, or report a conflict (no row) if one exists.
-- Otherwise update only the row holding that version. Either way at most one row comes back.
('WriteToStorageKey', $sql$
WITH updated AS (
    UPDATE orleans_grain_state
       SET payload = @PayloadBinary,
           version = version + 1,
           modified_at = now()
     WHERE @GrainStateVersion IS NOT NULL
       AND service_id = @ServiceId
       AND grain_type = @GrainTypeString
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND (grain_id_extension = @GrainIdExtensionString
            OR (grain_id_extension IS NULL AND @GrainIdExtensionString IS NULL))
       AND version = @GrainStateVersion
    RETURNING version
), inserted AS (
    INSERT INTO orleans_grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension,
                                     grain_type_hash, grain_id_hash, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
           @GrainTypeHash, @GrainIdHash, @PayloadBinary, 1
     WHERE @GrainStateVersion IS NULL
    ON CONFLICT ON CONSTRAINT orleans_grain_state_key DO NOTHING
    RETURNING version
)
SELECT version AS "NewGrainStateVersion" FROM updated
UNION ALL
SELECT version FROM inserted;
$sql$),

-- Keeps the row with a NULL payload and a higher version; no row back means a conflict.
('ClearStorageKey', $sql$
UPDATE orleans_grain_state
   SET payload = NULL,
       version = version + 1,
       modified_at = now()
 WHERE service_id = @ServiceId
   AND grain_type = @GrainTypeString
   AND grain_id_n0 = @GrainIdN0
   AND grain_id_n1 = @GrainIdN1
   AND (grain_id_extension = @GrainIdExtensionString
        OR (grain_id_extension IS NULL AND @GrainIdExtensionString IS NULL))
   AND version = @GrainStateVersion
RETURNING version;
$sql$),

-- For storages with DeleteStateOnClear: the row goes; the value returned only has to differ from the
-- version sent, and deleted version + 1 does.
('DeleteStorageKey', $sql$
DELETE FROM orleans_grain_state
 WHERE service_id = @ServiceId
   AND grain_type = @GrainTypeString
   AND grain_id_n0 = @GrainIdN0
   AND grain_id_n1 = @GrainIdN1
   AND (grain_id_extension = @GrainIdExtensionString
        OR (grain_id_extension IS NULL AND @GrainIdExtensionString IS NULL))
   AND version = @GrainStateVersion
RETURNING version + 1;
$sql$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
