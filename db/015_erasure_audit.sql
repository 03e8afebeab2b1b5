-- Erasure (DELETE /v1/calls/{sessionId}, DELETE /v1/requests/{userData}).
--
-- The audit record of each erasure, without personal data: the kind of thing erased, a keyed hash of its session id
-- or userData (HMAC-SHA256 under CallGrains:Erasure:AuditKey, so that whoever holds the key can tell whether a given
-- call was erased, and a reader of this table alone cannot), who asked (the API key's configuration name and its
-- tenant, never the key), when, and how many rows went from where.
CREATE TABLE IF NOT EXISTS callgrains_erasures
(
    id             uuid PRIMARY KEY,
    kind           text        NOT NULL,
    subject_hash   text        NOT NULL,
    requested_by   text        NOT NULL,
    tenant         text,
    erased_at      timestamptz NOT NULL,
    calls          integer     NOT NULL,
    journal_rows   integer     NOT NULL,
    call_rows      integer     NOT NULL,
    change_rows    integer     NOT NULL,
    delivery_rows  integer     NOT NULL,
    request_rows   integer     NOT NULL
);

CREATE INDEX IF NOT EXISTS callgrains_erasures_subject ON callgrains_erasures (subject_hash);

-- Erasing a call removes its changes by session; without this, each erasure would read the whole feed.
-- One more index entry per change written, nine per stored push (docs/architecture.md, "Group commit").
CREATE INDEX IF NOT EXISTS callgrains_changes_session ON callgrains_changes (session_id);

-- A subscription created by a key that may not see personal data (a tenant's key without pii:read) is sent its
-- changes with phone numbers and digits masked, as that key's own reads are.
ALTER TABLE callgrains_subscriptions ADD COLUMN IF NOT EXISTS mask_personal_data boolean NOT NULL DEFAULT false;
