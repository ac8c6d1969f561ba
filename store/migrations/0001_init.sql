-- Accounts own keys (and, from later migrations, saved voices and jobs).
-- Times are INTEGER Unix milliseconds, UTC: compact, unambiguous, and cheap to
-- compare.

CREATE TABLE accounts (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;

-- id is the public lookup part of the key (pk_<id>_<secret>); secret_hash is
-- SHA-256 of the whole key. The secret itself is never stored.
CREATE TABLE api_keys (
    id           TEXT    PRIMARY KEY CHECK (length(id) = 10),
    account_id   TEXT    NOT NULL REFERENCES accounts (id),
    name         TEXT    NOT NULL DEFAULT '',
    plan         TEXT    NOT NULL,
    secret_hash  BLOB    NOT NULL CHECK (length(secret_hash) = 32),
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
) STRICT;

CREATE INDEX api_keys_account_id ON api_keys (account_id);

-- Usage is counted per key and calendar month (UTC), as the protocol's plans
-- are; account totals are a join through api_keys_account_id.
CREATE TABLE usage (
    key_id     TEXT    NOT NULL REFERENCES api_keys (id),
    month      TEXT    NOT NULL CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]'),
    characters INTEGER NOT NULL DEFAULT 0 CHECK (characters >= 0),
    requests   INTEGER NOT NULL DEFAULT 0 CHECK (requests >= 0),
    PRIMARY KEY (key_id, month)
) STRICT, WITHOUT ROWID;
