-- Server-wide settings that belong with the data rather than with one
-- process's flags: name → value. The first is the fingerprint of the secret
-- that signed the store's clone prompts and webhook secrets, so that a
-- server started with another secret refuses instead of silently breaking
-- them.
CREATE TABLE settings (
    name       TEXT    PRIMARY KEY,
    value      BLOB    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
