-- Saved voices and async synthesis jobs. The JSON columns hold what the caller
-- gave; the store only checks that it is JSON, so the voice and request
-- formats can evolve without a migration.

-- id is "voice_" and 20 base32 characters. profile is the voice's parameters
-- as JSON; description and ref_text are what it was made from.
CREATE TABLE voices (
    id          TEXT    PRIMARY KEY CHECK (length(id) = 26),
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    name        TEXT    NOT NULL DEFAULT '',
    source      TEXT    NOT NULL CHECK (source IN ('description', 'audio')),
    description TEXT    NOT NULL DEFAULT '',
    profile     TEXT    NOT NULL CHECK (json_valid(profile)),
    ref_text    TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
) STRICT;

-- Serves an account's listing (newest first) and the count that enforces the
-- plan's saved-voice limit.
CREATE INDEX voices_account_created ON voices (account_id, created_at, id);

-- id is "job_" and 20 base32 characters. A job is queued, then running (one
-- attempt), then queued again for a retry or finished (succeeded or failed).
-- A finished job with a webhook_url has its delivery pending until the
-- receiver accepts it or the attempts run out. audio_path is relative to the
-- data directory, so the directory can move.
CREATE TABLE jobs (
    id                  TEXT    PRIMARY KEY CHECK (length(id) = 24),
    account_id          TEXT    NOT NULL REFERENCES accounts (id),
    key_id              TEXT    NOT NULL REFERENCES api_keys (id),
    status              TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    request             TEXT    NOT NULL CHECK (json_valid(request)),
    format              TEXT    NOT NULL,
    webhook_url         TEXT    NOT NULL DEFAULT '',
    audio_path          TEXT    NOT NULL DEFAULT '',
    error               TEXT    NOT NULL DEFAULT '',
    attempts            INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    finished_at         INTEGER,
    delivery_status     TEXT    NOT NULL DEFAULT 'none' CHECK (delivery_status IN ('none', 'pending', 'delivered', 'failed')),
    delivery_attempts   INTEGER NOT NULL DEFAULT 0 CHECK (delivery_attempts >= 0),
    next_delivery_at    INTEGER,
    last_delivery_error TEXT    NOT NULL DEFAULT ''
) STRICT;

-- Finished jobs pile up, so the runner's indexes are partial: they hold only
-- the few rows the runner looks for, and stay small however long the history.
-- The queue, oldest first:
CREATE INDEX jobs_queued ON jobs (created_at, id) WHERE status = 'queued';
-- Jobs a crash left running, found at start-up:
CREATE INDEX jobs_running ON jobs (attempts) WHERE status = 'running';
-- Webhooks waiting to be sent, earliest first:
CREATE INDEX jobs_pending_delivery ON jobs (next_delivery_at, id) WHERE delivery_status = 'pending';
-- An account's jobs (and the foreign key's child index):
CREATE INDEX jobs_account_created ON jobs (account_id, created_at);
-- The other foreign key's child index:
CREATE INDEX jobs_key ON jobs (key_id);
