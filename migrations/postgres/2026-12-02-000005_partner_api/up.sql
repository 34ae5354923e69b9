-- The partner API: API clients of organisations (OAuth2 client credentials), the access tokens
-- issued to them, and remembered answers to creates sent with an Idempotency-Key. Kept
-- identical to the other backend's copy.

-- An organisation's API client. `client_id` is public; the secret is stored only as a SHA-256
-- hash (it is 256 random bits, shown once). `scopes` is space-separated, as OAuth2 writes it.
CREATE TABLE api_clients (
    id              TEXT PRIMARY KEY NOT NULL,
    alliance_id     TEXT NOT NULL REFERENCES alliances (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    name            TEXT NOT NULL,
    client_id       TEXT NOT NULL UNIQUE,
    secret_hash     TEXT NOT NULL UNIQUE,
    scopes          TEXT NOT NULL,
    created_by      TEXT REFERENCES users (id),
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    rotated_at      TIMESTAMP,
    revoked_at      TIMESTAMP
);
CREATE INDEX api_clients_by_organisation ON api_clients (organisation_id, id);

-- Access tokens issued to API clients: opaque, hashed, short-lived.
CREATE TABLE client_tokens (
    id          TEXT PRIMARY KEY NOT NULL,
    client_id   TEXT NOT NULL REFERENCES api_clients (id),
    token_hash  TEXT NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
CREATE INDEX client_tokens_by_client ON client_tokens (client_id, id);

-- The first answer to a create sent with an Idempotency-Key, replayed for 24 hours to the same
-- caller (`caller_hash`: a hash of its credentials) sending the same key and body.
-- `status` is NULL while the first request is still being answered.
CREATE TABLE idempotency_keys (
    caller_hash   TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER,
    headers       TEXT,
    body          TEXT,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (caller_hash, idem_key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
