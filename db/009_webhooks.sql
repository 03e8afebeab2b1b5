-- Webhook subscriptions (each written only by its SubscriptionGrain) and their recent delivery attempts.
CREATE TABLE IF NOT EXISTS callgrains_subscriptions
(
    id                    text COLLATE "C" PRIMARY KEY,
    url                   text        NOT NULL,
    types                 text[]      NOT NULL,
    user_data_prefix      text COLLATE "C",
    created_at            timestamptz NOT NULL,
    status                text        NOT NULL,
    -- Signing secrets are needed in clear to sign; this table is as sensitive as the API keys.
    secret                text        NOT NULL,
    previous_secret       text,
    previous_secret_until timestamptz,
    -- Every matching change with seq up to the cursor was delivered.
    cursor                bigint      NOT NULL,
    failing_since         timestamptz,
    last_delivery_at      timestamptz,
    last_error            text
);

-- Kept bounded by the writer: the newest 100 attempts per subscription.
CREATE TABLE IF NOT EXISTS callgrains_deliveries
(
    subscription_id text COLLATE "C" NOT NULL REFERENCES callgrains_subscriptions (id) ON DELETE CASCADE,
    n               bigint GENERATED ALWAYS AS IDENTITY,
    seq             bigint      NOT NULL,
    attempt         integer     NOT NULL,
    at              timestamptz NOT NULL,
    status_code     integer,
    duration_ms     bigint      NOT NULL,
    error           text,
    PRIMARY KEY (subscription_id, n)
);
