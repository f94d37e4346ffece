-- Accounts, sessions and the audit log; enterprises gain a description, contacts and a version.

-- What an enterprise says of itself and whom to call (the contacts are private). `version` is the
-- optimistic lock of hand edits: every write that changes the row adds one.
ALTER TABLE enterprise ADD COLUMN description    TEXT;
ALTER TABLE enterprise ADD COLUMN contact_person TEXT;
ALTER TABLE enterprise ADD COLUMN contact_phone  TEXT;
ALTER TABLE enterprise ADD COLUMN version        INTEGER NOT NULL DEFAULT 1;

-- Industry filters match codes by prefix as a range (`36` is industry >= '36' AND industry < '37').
CREATE INDEX enterprise_industry ON enterprise (industry);

-- The platform's accounts. An account of role 'enterprise' speaks for exactly one enterprise; a merge moves
-- it to the kept enterprise.
CREATE TABLE app_user (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 64),
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'analyst', 'enterprise', 'expert')),
    enterprise_id INTEGER REFERENCES enterprise (id),
    password_hash TEXT    NOT NULL,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK ((role = 'enterprise') = (enterprise_id IS NOT NULL))
);
CREATE INDEX app_user_enterprise ON app_user (enterprise_id);

-- Login sessions, by the hash of the token the browser holds; times are unix seconds.
CREATE TABLE session (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX session_expires ON session (expires_at);
CREATE INDEX session_user ON session (user_id);

-- Who did what to which record. `username` is kept as text, not a reference, so that the log outlives
-- the account.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    username TEXT,
    action   TEXT    NOT NULL,
    target   TEXT    NOT NULL,
    detail   TEXT    NOT NULL DEFAULT 'null'  -- JSON
);
