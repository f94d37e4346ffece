-- Accounts, sessions and the audit log.

-- An account of role 'enterprise' speaks for exactly one enterprise; a merge moves it to the kept one.
CREATE TABLE app_user (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT COLLATE "C" NOT NULL UNIQUE CHECK (char_length(username) BETWEEN 1 AND 64),
    role          TEXT        NOT NULL CHECK (role IN ('admin', 'analyst', 'enterprise', 'expert')),
    enterprise_id BIGINT      REFERENCES enterprise (id),
    password_hash TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK ((role = 'enterprise') = (enterprise_id IS NOT NULL))
);
CREATE INDEX app_user_enterprise ON app_user (enterprise_id);

-- Login sessions, by the hash of the token the browser holds; times are unix seconds given by the caller.
CREATE TABLE session (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    csrf_token TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX session_expires ON session (expires_at);
CREATE INDEX session_account ON session (user_id);

-- Who did what to which record. `username` is text, not a reference, so that the log outlives the account.
-- `at` is the clock at the insert (not the transaction's start), so that later ids never have earlier times
-- within one writer.
CREATE TABLE audit_log (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    username TEXT,
    action   TEXT        NOT NULL,
    target   TEXT        NOT NULL,
    detail   JSONB       NOT NULL DEFAULT 'null'
);
