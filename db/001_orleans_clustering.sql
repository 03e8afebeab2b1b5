-- Orleans ADO.NET clustering (membership) on CallGrains' own tables.
-- Written against docs: orleans-adonet-contract.md §3 (what Microsoft.Orleans.Clustering.AdoNet 10.4.2 runs).
-- Idempotent: tables are created only if missing and the registry rows are upserted, so re-running this
-- step (or running it while silos are up) changes nothing.

-- The query registry every ADO.NET provider reads at start-up. Created unquoted on purpose: Orleans looks
-- for OrleansQuery(QueryKey, QueryText) without quotes, which PostgreSQL folds to lower case.
CREATE TABLE IF NOT EXISTS orleansquery
(
    querykey  text PRIMARY KEY,
    querytext text NOT NULL
);

-- One row per deployment (Orleans' ClusterId). The version moves by exactly one per membership insert or
-- update, never otherwise, and never goes negative (a negative etag makes every join attempt fail).
CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id text PRIMARY KEY,
    version       integer     NOT NULL DEFAULT 0 CHECK (version >= 0),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- One row per silo incarnation. Text rather than capped varchars: addresses can be IPv6 and the
-- suspicion list grows with the number of voters.
CREATE TABLE IF NOT EXISTS orleans_membership
(
    deployment_id   text        NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL DEFAULT 0,
    suspect_times   text,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

INSERT INTO orleansquery (querykey, querytext)
VALUES
-- Every silo runs this at start, possibly at the same moment: creating the row must never fail, and the
-- result must be exactly one boolean row.
('InsertMembershipVersionKey', $sql$
WITH created AS (
    INSERT INTO orleans_membership_version (deployment_id, version)
    VALUES (@DeploymentId, 0)
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created);
$sql$),

-- The version row left-joined to the members: an empty deployment comes back as one row with a NULL
-- StartTime, which is how Orleans recognises "no members".
('MembershipReadAllKey', $sql$
SELECT v.version          AS "Version",
       m.silo_name        AS "SiloName",
       m.host_name        AS "HostName",
       m.address          AS "Address",
       m.port             AS "Port",
       m.generation       AS "Generation",
       m.status           AS "Status",
       m.proxy_port       AS "ProxyPort",
       m.suspect_times    AS "SuspectTimes",
       m.start_time       AS "StartTime",
       m.i_am_alive_time  AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId;
$sql$),

('MembershipReadRowKey', $sql$
SELECT v.version          AS "Version",
       m.silo_name        AS "SiloName",
       m.host_name        AS "HostName",
       m.address          AS "Address",
       m.port             AS "Port",
       m.generation       AS "Generation",
       m.status           AS "Status",
       m.proxy_port       AS "ProxyPort",
       m.suspect_times    AS "SuspectTimes",
       m.start_time       AS "StartTime",
       m.i_am_alive_time  AS "IAmAliveTime"
FROM orleans_membership_version v
LEFT JOIN orleans_membership m
       ON m.deployment_id = v.deployment_id
      AND m.address = @Address
      AND m.port = @Port
      AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId;
$sql$),

-- Bumping the version first takes the version row's lock, which serialises every membership write of the
-- deployment; a caller holding a stale version changes nothing. The insert has no ON CONFLICT: with the
-- lock held a duplicate cannot appear, and if it ever did, an error rolls the bump back with it.
('InsertMembershipKey', $sql$
WITH bumped AS (
    UPDATE orleans_membership_version
       SET version = version + 1
     WHERE deployment_id = @DeploymentId
       AND version = @Version
       AND NOT EXISTS (SELECT 1 FROM orleans_membership
                        WHERE deployment_id = @DeploymentId
                          AND address = @Address AND port = @Port AND generation = @Generation)
    RETURNING deployment_id
), inserted AS (
    INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name,
                                    status, proxy_port, suspect_times, start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName,
           @Status, @ProxyPort, NULL, @StartTime, @IAmAliveTime
      FROM bumped
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM inserted);
$sql$),

-- The member row is locked before the version moves, so a concurrent cleanup cannot delete it between
-- the bump and the update (which would raise the version without changing a row).
('UpdateMembershipKey', $sql$
WITH member AS (
    SELECT 1 FROM orleans_membership
     WHERE deployment_id = @DeploymentId
       AND address = @Address AND port = @Port AND generation = @Generation
       FOR UPDATE
), bumped AS (
    UPDATE orleans_membership_version
       SET version = version + 1
     WHERE deployment_id = @DeploymentId
       AND version = @Version
       AND EXISTS (SELECT 1 FROM member)
    RETURNING deployment_id
), updated AS (
    UPDATE orleans_membership m
       SET status = @Status,
           suspect_times = @SuspectTimes,
           i_am_alive_time = @IAmAliveTime
      FROM bumped b
     WHERE m.deployment_id = b.deployment_id
       AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM updated);
$sql$),

-- Heartbeat: touches one row and never the version.
('UpdateIAmAlivetimeKey', $sql$
UPDATE orleans_membership
   SET i_am_alive_time = @IAmAliveTime
 WHERE deployment_id = @DeploymentId
   AND address = @Address AND port = @Port AND generation = @Generation;
$sql$),

('GatewaysQueryKey', $sql$
SELECT address    AS "Address",
       proxy_port AS "ProxyPort",
       generation AS "Generation"
FROM orleans_membership
WHERE deployment_id = @DeploymentId
  AND status = @Status
  AND proxy_port > 0;
$sql$),

-- Test tooling only: resets a deployment, version included.
('DeleteMembershipTableEntriesKey', $sql$
DELETE FROM orleans_membership WHERE deployment_id = @DeploymentId;
DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId;
$sql$),

-- Bulk cleanup: old rows that are not Active (3). Active rows and the version are never touched.
('CleanupDefunctSiloEntriesKey', $sql$
DELETE FROM orleans_membership
 WHERE deployment_id = @DeploymentId
   AND i_am_alive_time < @IAmAliveTime
   AND status <> 3;
$sql$),

-- Per-row cleanup (10.4.2): deletes a Dead (6) row only if it still holds exactly what Orleans just read,
-- so a row that changed in between survives.
('CleanupDefunctSiloEntryKey', $sql$
DELETE FROM orleans_membership
 WHERE deployment_id = @DeploymentId
   AND address = @Address AND port = @Port AND generation = @Generation
   AND status = 6
   AND start_time = @StartTime
   AND i_am_alive_time = @IAmAliveTime
   AND suspect_times IS NOT DISTINCT FROM @SuspectTimes;
$sql$)
ON CONFLICT (querykey) DO UPDATE SET querytext = excluded.querytext;
