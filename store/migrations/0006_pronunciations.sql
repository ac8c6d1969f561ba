-- Pronunciation dictionaries: an account's named sets of words or phrases
-- spoken as an alias or as IPA. entries is the dictionary's entries as JSON,
-- written and read by package pronounce (at most 1,000 of them); the store
-- only checks that it is JSON. language is a protocol language name, or ''
-- for a dictionary that applies to every language.

-- id is "pd_" and 20 base32 characters.
CREATE TABLE pronunciation_dictionaries (
    id          TEXT    PRIMARY KEY CHECK (length(id) = 23),
    account_id  TEXT    NOT NULL REFERENCES accounts (id),
    name        TEXT    NOT NULL DEFAULT '',
    language    TEXT    NOT NULL DEFAULT '',
    entries     TEXT    NOT NULL CHECK (json_valid(entries)),
    created_at  INTEGER NOT NULL
) STRICT;

-- Serves an account's listing (newest first), the count that enforces the
-- per-account limit, and the foreign key's child index.
CREATE INDEX pronunciation_dictionaries_account_created ON pronunciation_dictionaries (account_id, created_at, id);
