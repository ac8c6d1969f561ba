-- Phone calls: the Twilio numbers that reach the voice agent, and a record
-- of every agent conversation, on the telephone or in the browser.

-- id is "tn_" and 20 base32 characters. A call to phone_number (E.164) runs
-- the agent for key_id with settings, JSON written and read by package
-- phone (voice, voice_description, language, instructions). A number
-- belongs to one account: Twilio's webhook names the number called, and
-- that alone picks the row. auth_token is the Twilio account's auth token
-- sealed with the server secret (AES-256-GCM, package phone), so the store
-- never holds it in the clear; token_last4 is what the API shows of it.
CREATE TABLE twilio_numbers (
    id           TEXT    PRIMARY KEY CHECK (length(id) = 23),
    account_id   TEXT    NOT NULL REFERENCES accounts (id),
    key_id       TEXT    NOT NULL REFERENCES api_keys (id),
    phone_number TEXT    NOT NULL UNIQUE,
    account_sid  TEXT    NOT NULL,
    auth_token   BLOB    NOT NULL,
    token_last4  TEXT    NOT NULL DEFAULT '',
    settings     TEXT    NOT NULL CHECK (json_valid(settings)),
    created_at   INTEGER NOT NULL
) STRICT;

-- Serves an account's listing and the count that enforces its limit.
CREATE INDEX twilio_numbers_account_created ON twilio_numbers (account_id, created_at, id);

-- One agent conversation, written when it ends. id is the agent session's.
-- transport is how the user reached the agent: 'browser' (/v1/agent) or
-- 'twilio' (a phone call, with number_id, call_sid and the two numbers;
-- number_id is not a foreign key, since a number may be deleted while its
-- calls are kept). turn_metrics is a JSON array with each answered turn's
-- latencies, written by package agent.
CREATE TABLE calls (
    id           TEXT    PRIMARY KEY,
    account_id   TEXT    NOT NULL REFERENCES accounts (id),
    key_id       TEXT    NOT NULL REFERENCES api_keys (id),
    transport    TEXT    NOT NULL CHECK (transport IN ('browser', 'twilio')),
    number_id    TEXT    NOT NULL DEFAULT '',
    call_sid     TEXT    NOT NULL DEFAULT '',
    from_number  TEXT    NOT NULL DEFAULT '',
    to_number    TEXT    NOT NULL DEFAULT '',
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER NOT NULL CHECK (ended_at >= started_at),
    turns        INTEGER NOT NULL CHECK (turns >= 0),
    turn_metrics TEXT    NOT NULL CHECK (json_valid(turn_metrics)),
    end_reason   TEXT    NOT NULL DEFAULT ''
) STRICT;

-- Serves an account's listing, newest first, page by page.
CREATE INDEX calls_account_started ON calls (account_id, started_at, id);
